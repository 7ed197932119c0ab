package sqlite

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/configd/configd"
)

// TestCheckpointer: COMMITs checkpoint only past walAutocheckpointPages,
// and the checkpointer keeps the write-ahead log from growing with what is
// written.
func TestCheckpointer(t *testing.T) {
	ctx := context.Background()
	d := openTemp(t)
	var auto int
	if err := d.writer.db.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != walAutocheckpointPages {
		t.Fatalf("writer wal_autocheckpoint = %d (%v), want %d", auto, err, walAutocheckpointPages)
	}
	// 40 transactions of 100 items of about 1 KB: some 5 MB of pages
	// through the log, at a pace that leaves the checkpointer several
	// rounds.
	n := writeBatches(t, d, 40, checkpointInterval/4)
	// The log is reused from its start once checkpointed (its file keeps
	// its largest size); without checkpoints it would hold every page
	// written (8.7 MB here; 1.6 MB with the checkpointer on an idle
	// machine).
	fi, err := os.Stat(d.path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("write-ahead log: %d bytes", fi.Size())
	if fi.Size() > 4<<20 {
		t.Errorf("write-ahead log of %d bytes after 4,000 items: not checkpointed", fi.Size())
	}
	if err := d.Read(ctx, func(tx configd.Tx) error {
		_, err := tx.LatestItem(ctx, scope, benchKey(n-1))
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointWritesWithoutPause: under back-to-back write transactions,
// where the checkpointer never copies the whole log before the next one
// begins, the log stays near walAutocheckpointPages instead of growing with
// what is written.
func TestCheckpointWritesWithoutPause(t *testing.T) {
	defer func(n int) { walAutocheckpointPages = n }(walAutocheckpointPages)
	walAutocheckpointPages = 256 // 1 MiB
	d := openTemp(t)
	n := writeBatches(t, d, 80, 0) // some 17 MB through the log
	fi, err := os.Stat(d.path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("write-ahead log: %d bytes", fi.Size())
	if fi.Size() > 4<<20 {
		t.Errorf("write-ahead log of %d bytes after %d items written without pause", fi.Size(), n)
	}
}

// TestCloseTwice: DB.Close may be called again, as before the checkpointer.
func TestCloseTwice(t *testing.T) {
	d := openTemp(t)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d.Close() // a second Close must not panic
}

// writeBatches writes batches transactions of 100 new items (benchItem 0,
// 1, ...), pausing pause after each, and returns the number of items.
func writeBatches(t *testing.T, d *DB, batches int, pause time.Duration) int {
	t.Helper()
	ctx := context.Background()
	n := 0
	for range batches {
		err := d.Write(ctx, func(tx configd.Tx) error {
			for range 100 {
				if _, err := tx.AppendItem(ctx, scope, benchItem(n, 0)); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(pause)
	}
	return n
}
