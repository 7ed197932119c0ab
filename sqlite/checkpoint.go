package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Checkpoints. In WAL mode a commit appends pages to the write-ahead log; a
// checkpoint copies them back into the database file and syncs both files,
// so that the log can start over. By default SQLite checkpoints inside the
// COMMIT that takes the log past 1,000 pages, on the writer connection,
// fsyncs included: under a steady stream of PutResourceConfig calls that was
// every few hundred puts, and every Write of the batch waited for it (put
// p99 8 to 12 ms at concurrency 16, against 5 ms without). The writer
// therefore never checkpoints (wal_autocheckpoint 0); a goroutine of its own
// runs PASSIVE checkpoints on a connection of its own, which copy what no
// reader still needs without taking the write lock, so Writes go on while it
// runs (https://www.sqlite.org/wal.html#checkpointing). Durability does not
// change: a committed transaction is in the log, which survives the kill of
// the process and is replayed on the next open.

// checkpointInterval is how often the checkpointer looks at the log; a
// checkpoint with nothing to copy costs a read of the log's index.
const checkpointInterval = 100 * time.Millisecond

// checkpointer runs PASSIVE checkpoints until stop is closed. Errors (a
// checkpoint of another process running: SQLITE_BUSY) are left for the next
// round.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done chan struct{}
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

// close stops the goroutine and closes the connection.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}
