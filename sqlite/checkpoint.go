package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// Checkpoints. In WAL mode a commit appends pages to the write-ahead log; a
// checkpoint copies them back into the database file and syncs both files,
// so that the log can start over. By default SQLite checkpoints inside the
// COMMIT that takes the log past 1,000 pages, on the writer connection,
// fsyncs included: under a steady stream of PutResourceConfig calls that was
// every few hundred puts, and every Write of the batch waited for it (put
// p99 8 to 12 ms at concurrency 16, against 5 ms without). Here a goroutine
// of its own runs PASSIVE checkpoints every checkpointInterval on a
// connection of its own; they copy what no reader still needs without
// taking the write lock, so Writes go on while they run
// (https://www.sqlite.org/wal.html#checkpointing).
//
// The log starts over only when a write transaction begins after a
// checkpoint that copied all of it. Under writes without pauses (bench/seed:
// 1,000,000 items in 34 s) the checkpointer is always a little behind, and
// the log grew to the size of the database. The writer therefore still
// checkpoints when the log passes walAutocheckpointPages: rarely, and with
// most of the log already copied by the checkpointer, so cheaply; no write
// can slip in during that checkpoint, so it copies the whole log, and the
// next transaction starts the log over.
//
// Durability does not change: a committed transaction is in the log, which
// survives the kill of the process and is replayed on the next open.

// walAutocheckpointPages is the size of the log, in pages (4 KiB), past
// which a COMMIT checkpoints: 64 MiB. Tests lower it.
var walAutocheckpointPages = 16384

// checkpointInterval is how often the checkpointer looks at the log; a
// checkpoint with nothing to copy costs a read of the log's index.
const checkpointInterval = 100 * time.Millisecond

// checkpointer runs PASSIVE checkpoints until stop is closed. Errors (a
// checkpoint of another process running: SQLITE_BUSY) are left for the next
// round.
type checkpointer struct {
	db       *sql.DB
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// startCheckpointer opens the checkpoint connection on the database at abs
// and starts its goroutine.
func startCheckpointer(abs string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		return nil, fmt.Errorf("checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c, nil
}

func (c *checkpointer) run() {
	defer close(c.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-c.stop
		cancel()
	}()
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		_, _, _ = c.checkpoint(ctx)
	}
}

// checkpoint runs one PASSIVE checkpoint and returns the number of frames
// in the log and of those copied to the database.
func (c *checkpointer) checkpoint(ctx context.Context) (logFrames, copied int, err error) {
	var busy int
	err = c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &copied)
	return logFrames, copied, err
}

// close stops the goroutine and closes the connection; it may be called
// again (DB.Close may be).
func (c *checkpointer) close() error {
	c.stopOnce.Do(func() { close(c.stop) })
	<-c.done
	return c.db.Close()
}
