package sqlite

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/configd/configd"
)

// Group commit. SQLite has one writer, and the cost of a small write
// transaction is mostly its COMMIT (appending the transaction's pages to the
// write-ahead log). Concurrent Writes therefore share transactions: the
// first Write to find no open batch begins one (BEGIN IMMEDIATE) and runs its
// fn; a Write that arrives while a batch is open runs its fn inside the same
// transaction, within a SAVEPOINT of its own, so that an fn that fails rolls
// back only what it did. One COMMIT ends the batch, and every Write whose fn
// succeeded returns only after that COMMIT: a Write that returns nil is as
// durable as before.
//
// The writers take turns through a token (a channel of capacity 1): whoever
// holds it runs statements on the transaction. After its fn, a writer either
// passes the token on, when other writers are waiting to join and the batch
// is below its bounds (64 members, 5ms since BEGIN), or commits
// the batch. A writer alone never waits for anyone: with no concurrency a
// batch is one Write, as without group commit. A writer that gives up
// waiting (its context ended) takes the token if it is free and ends the
// turn as any writer does, so that a batch handed to it is still committed.
//
// Statements of a Write that shares its batch run with a context that is not
// canceled: SQLite answers an interrupted INSERT, UPDATE or DELETE inside a
// transaction by rolling the whole transaction back, which would lose the
// other members' work. A Write alone in its batch keeps its context, as
// before. Should the transaction be lost anyway (an error that makes SQLite
// roll back, seen when a savepoint can no longer be released or rolled back
// to), the members whose fn had succeeded run it again (errBatchAborted).

// Default bounds of a batch (DB.maxBatch, DB.maxBatchAge).
const (
	// defaultMaxBatch is the most Writes one transaction holds.
	defaultMaxBatch = 64
	// defaultMaxBatchAge is how long after its BEGIN a batch takes new
	// members.
	defaultMaxBatchAge = 5 * time.Millisecond
)

// maxAborts is how many times Write runs fn again after its batch was lost.
const maxAborts = 8

// errBatchAborted is returned to the members of a batch whose transaction
// was lost before it committed; Write runs their fn again.
var errBatchAborted = errors.New("sqlite: the shared write transaction was rolled back")

// batch is one write transaction shared by several Writes.
type batch struct {
	tx      *tx // the transaction, with the statements bound to it
	cancel  context.CancelFunc
	start   time.Time
	members int // Writes whose fn succeeded, waiting for the commit

	done chan struct{} // closed when the batch committed or was lost
	err  error         // its outcome, set before done is closed
}

var (
	qSavepoint        = itemWriteQuery(`SAVEPOINT member`)
	qReleaseSavepoint = itemWriteQuery(`RELEASE member`)
	qRollbackMember   = writeQuery(`ROLLBACK TO member`)
)

// writeOnce runs fn once in the open batch or in a new one, and returns fn's
// error unchanged, or else the outcome of the batch's commit.
func (d *DB) writeOnce(ctx context.Context, fn func(configd.Tx) error) error {
	if err := d.acquire(ctx); err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	b := d.open
	if b != nil && d.full(b) {
		d.commit(b)
		b = nil
	}
	first := b == nil
	if first {
		var err error
		if b, err = d.begin(ctx); err != nil {
			d.release()
			return err
		}
		d.open = b
	} else if _, err := b.tx.exec(context.WithoutCancel(ctx), qSavepoint); err != nil {
		d.abort(b, err)
		d.release()
		return fmt.Errorf("%w: savepoint: %w", errBatchAborted, err)
	}
	b.tx.ctx, b.tx.detached = ctx, !first

	finished := false
	defer func() {
		// fn panicked or called runtime.Goexit: undo what it did, let the
		// batch go on, and let the panic continue.
		if !finished {
			d.undo(b, first)
			d.handOff()
		}
	}()
	err := fn(b.tx)
	finished = true
	if err != nil {
		d.undo(b, first)
		d.handOff()
		return err
	}
	if !first {
		if _, rerr := b.tx.exec(context.WithoutCancel(ctx), qReleaseSavepoint); rerr != nil {
			d.abort(b, rerr)
			d.handOff()
			return fmt.Errorf("%w: release savepoint: %w", errBatchAborted, rerr)
		}
	}
	b.members++
	d.handOff()
	return d.await(b)
}

// acquire takes the write token, or gives up when ctx ends.
func (d *DB) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.waiting.Add(1)
	select {
	case d.token <- struct{}{}:
		d.waiting.Add(-1)
		return nil
	case <-ctx.Done():
	}
	// The writer before may have counted this one and left the batch open
	// for it: if the token is free, take it and end the turn as any writer
	// does. handOff decides under handMu too, so either it saw this writer
	// gone, or the token it gave back is free here (or taken by a writer
	// that will hand off in turn).
	d.handMu.Lock()
	d.waiting.Add(-1)
	rescue := false
	select {
	case d.token <- struct{}{}:
		rescue = true
	default:
	}
	d.handMu.Unlock()
	if rescue {
		d.handOff()
	}
	return ctx.Err()
}

// release gives the write token back.
func (d *DB) release() { <-d.token }

// full reports whether b takes no more members.
func (d *DB) full(b *batch) bool {
	return b.members >= d.maxBatch || time.Since(b.start) >= d.maxBatchAge
}

// begin starts a batch's transaction. BEGIN IMMEDIATE may wait for another
// process's write lock, and gives up when ctx ends; once begun, the
// transaction outlives ctx (it may hold other Writes' work).
func (d *DB) begin(ctx context.Context) (*batch, error) {
	bctx, cancel := context.WithCancel(context.Background())
	stop := context.AfterFunc(ctx, cancel)
	sqlTx, err := d.writer.db.BeginTx(bctx, nil)
	if !stop() {
		// ctx ended while beginning: the transaction, if any, is being
		// rolled back by database/sql.
		if err == nil {
			_ = sqlTx.Rollback()
			err = ctx.Err()
		}
		cancel()
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	return &batch{
		tx:     &tx{ctx: ctx, tx: sqlTx, pool: d.writer, write: true},
		cancel: cancel,
		start:  time.Now(),
		done:   make(chan struct{}),
	}, nil
}

// undo rolls back what the current member's fn did: the whole transaction
// for the first member (nobody else is in it), else its savepoint.
func (d *DB) undo(b *batch, first bool) {
	b.tx.seen, b.tx.scopes = nil, nil
	if first {
		_ = b.tx.tx.Rollback()
		d.end(b, nil)
		return
	}
	c := context.WithoutCancel(b.tx.ctx)
	if _, err := b.tx.exec(c, qRollbackMember); err != nil {
		d.abort(b, err)
		return
	}
	if _, err := b.tx.exec(c, qReleaseSavepoint); err != nil {
		d.abort(b, err)
	}
}

// abort rolls b back after its transaction was lost, and tells its waiting
// members to run their fn again.
func (d *DB) abort(b *batch, cause error) {
	_ = b.tx.tx.Rollback()
	d.end(b, fmt.Errorf("%w: %w", errBatchAborted, cause))
}

// commit commits b and tells its members.
func (d *DB) commit(b *batch) {
	var err error
	if cerr := b.tx.tx.Commit(); cerr != nil {
		err = fmt.Errorf("sqlite: commit: %w", cerr)
	}
	d.commits.Add(1)
	d.end(b, err)
}

// end closes b with outcome err; the token is held.
func (d *DB) end(b *batch, err error) {
	b.err = err
	b.cancel()
	close(b.done)
	if d.open == b {
		d.open = nil
	}
}

// handOff ends the current writer's turn: it commits the open batch unless
// a waiting writer can join it, and gives the token back. When no writer
// waits, it first yields the processor once: writers just woken by the
// previous commit are often runnable but not yet waiting, and would
// otherwise each get a transaction of their own. With nothing else to run,
// the yield returns at once.
func (d *DB) handOff() {
	if b := d.open; b != nil && b.members > 0 && d.waiting.Load() == 0 {
		runtime.Gosched()
	}
	d.handMu.Lock()
	defer d.handMu.Unlock()
	if b := d.open; b != nil && b.members > 0 && (d.waiting.Load() == 0 || d.full(b)) {
		d.commit(b)
	}
	d.release()
}

// await waits for b to commit, and returns the outcome.
func (d *DB) await(b *batch) error {
	<-b.done
	return b.err
}

// stmtContext returns the context statements of t run with.
func (t *tx) stmtContext(ctx context.Context) context.Context {
	if t.detached {
		return context.WithoutCancel(ctx)
	}
	return ctx
}
