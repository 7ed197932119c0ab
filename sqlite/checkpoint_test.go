package sqlite

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/configd/configd"
)

// TestCheckpointer: with COMMITs never checkpointing, the checkpointer's
// goroutine copies the log into the database file (which in WAL mode only a
// checkpoint writes).
func TestCheckpointer(t *testing.T) {
	defer func(n int) { walAutocheckpointPages = n }(walAutocheckpointPages)
	walAutocheckpointPages = 1 << 30 // only the checkpointer checkpoints
	ctx := context.Background()
	d := openTemp(t)
	var auto int
	if err := d.writer.db.QueryRowContext(ctx, `PRAGMA wal_autocheckpoint`).Scan(&auto); err != nil || auto != walAutocheckpointPages {
		t.Fatalf("writer wal_autocheckpoint = %d (%v), want %d", auto, err, walAutocheckpointPages)
	}
	size := func() int64 {
		fi, err := os.Stat(d.path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	n := writeBatches(t, d, 40) // 4,000 items: some 3.4 MB of pages through the log
	deadline := time.Now().Add(10 * time.Second)
	for size() < before+2<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("database file of %d bytes (%d before %d items): the log was not checkpointed", size(), before, n)
		}
		time.Sleep(10 * time.Millisecond)
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
	n := writeBatches(t, d, 80) // 8,000 items
	fi, err := os.Stat(d.path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("write-ahead log: %d bytes", fi.Size())
	// 20 MB without the writer's checkpoints, 1.6 MB with them.
	if fi.Size() > 8<<20 {
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
// 1, ...) one after the other, and returns the number of items.
func writeBatches(t *testing.T, d *DB, batches int) int {
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
	}
	return n
}
