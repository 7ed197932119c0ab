package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/configd/configd"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Defaults for settings the database URL does not give.
const (
	// defaultMaxConns is the pool size unless the URL has pool_max_conns:
	// enough for a Read beside every running Write.
	defaultMaxConns = 20
	// defaultConnectTimeout bounds one connection attempt unless the URL has
	// connect_timeout, so that an unreachable server fails a request with
	// ServiceUnavailable instead of hanging until the client gives up.
	defaultConnectTimeout = 5 * time.Second
)

// writeAttempts is how many times Write runs a transaction that failed with
// a serialization failure or a deadlock (or could not begin on a connection
// that turned out dead) before it returns the error.
const writeAttempts = 5

// DB is a configd.Store in a PostgreSQL database, shared by every configd
// process that opens the same database (and schema). It holds a pool of
// connections that reconnects by itself when the server comes back.
type DB struct {
	pool *pgxpool.Pool

	// Background rollups of compliance counts (counts.go).
	countWrites atomic.Int64
	rolling     atomic.Bool
	mu          sync.Mutex
	closed      bool
	bg          sync.WaitGroup

	// retryDelay is the pause before retry attempt n (0-based) of a
	// transaction; tests replace it.
	retryDelay func(attempt int) time.Duration
}

var (
	_ configd.Store                  = (*DB)(nil)
	_ configd.ActiveExecutionChecker = (*DB)(nil)
)

// Open connects to the database at databaseURL (postgres://user:password@
// host:port/database?sslmode=...; pgx's parameters such as pool_max_conns,
// connect_timeout and search_path are honored), brings its schema up to date
// and returns the store. Processes opening the same database at once run the
// migrations one after the other (see migrate). It refuses a database whose
// schema is newer than this configd knows.
//
// Open fails if the server cannot be reached; once open, the store survives
// the server's restarts (see Write).
func Open(ctx context.Context, databaseURL string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: parse database URL: %w", err)
	}
	if !strings.Contains(databaseURL, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "configd"
	}
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %s: %w", redact(databaseURL), err)
	}
	if err := migrate(ctx, pool, ms); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open %s: %w", redact(databaseURL), mapError(ctx, err))
	}
	return &DB{pool: pool, retryDelay: defaultRetryDelay}, nil
}

// redact hides the password of a database URL for error messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return "(database)"
	}
	return u.Redacted()
}

// Close waits for background work, then closes every connection, waiting
// for those in use to be released. It is safe to call twice.
func (d *DB) Close() error {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.bg.Wait()
	d.pool.Close()
	return nil
}

// Ping checks that the database answers; while it does not, the error has
// code configd.ErrServiceUnavailable.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", mapError(ctx, err))
	}
	return nil
}

// Read runs fn in a read-only REPEATABLE READ transaction: fn sees a
// snapshot of the database taken at its first statement (every transaction
// committed before it, none after). It never waits for a running Write, nor
// a Write for it. The error of fn is returned unchanged. A transaction that
// cannot begin because a pooled connection turned out dead is begun again on
// another, before fn runs.
func (d *DB) Read(ctx context.Context, fn func(configd.Tx) error) error {
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	for attempt := 0; ; attempt++ {
		retry, err := d.run(ctx, opts, false, fn)
		if !retry || attempt+1 >= writeAttempts {
			return err
		}
		if werr := sleep(ctx, d.retryDelay(attempt)); werr != nil {
			return fmt.Errorf("postgres: read: %w (after: %w)", werr, err)
		}
	}
}

// Write runs fn in a READ COMMITTED transaction and commits it if fn returns
// nil; a commit that returns nil is durable. If fn returns an error, the
// transaction is rolled back and the error returned unchanged; if fn
// panics, it is rolled back and the panic continues.
//
// READ COMMITTED lets concurrent Writes run side by side, each statement
// seeing what was committed before it. Sequences that read, check and then
// write must therefore be serialized: the store's own (AppendItem, the job
// queue, leases, the remediation guard) are, by locks, constraints or single
// statements; a caller's are, by Tx.Lock on the key they read.
//
// When the database reports a serialization failure (40001) or a deadlock
// (40P01) in the transaction, or it could not begin because a pooled
// connection turned out dead, Write rolls back and runs fn again, a few times
// with a short random backoff; fn must therefore have no effect outside tx.
//
// While the database is unreachable, Write (like Read and every method of
// Tx) fails with an error whose code is configd.ErrServiceUnavailable, which
// clients retry; the pool reconnects when the server is back. If the
// connection is lost during the commit itself, the outcome is unknown to
// configd, and the error is ServiceUnavailable too.
func (d *DB) Write(ctx context.Context, fn func(configd.Tx) error) error {
	opts := pgx.TxOptions{IsoLevel: pgx.ReadCommitted, AccessMode: pgx.ReadWrite}
	for attempt := 0; ; attempt++ {
		retry, err := d.run(ctx, opts, true, fn)
		if !retry || attempt+1 >= writeAttempts {
			return err
		}
		if werr := sleep(ctx, d.retryDelay(attempt)); werr != nil {
			return fmt.Errorf("postgres: write: %w (after: %w)", werr, err)
		}
	}
}

// run runs fn in one transaction and reports whether the whole transaction
// may be run again, and its error.
func (d *DB) run(ctx context.Context, opts pgx.TxOptions, write bool, fn func(configd.Tx) error) (retry bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("postgres: begin: %w", err)
	}
	pgTx, err := d.pool.BeginTx(ctx, opts)
	if err != nil {
		// Nothing ran: beginning again is safe if the failure was the
		// connection's (the pool drops it and dials a new one).
		return isConnError(err) && ctx.Err() == nil, fmt.Errorf("postgres: begin: %w", mapError(ctx, err))
	}
	t := &tx{tx: pgTx, write: write}
	finished := false
	defer func() {
		// fn panicked or called runtime.Goexit: undo and let it continue.
		if !finished {
			rollback(ctx, pgTx)
		}
	}()
	ferr := fn(t)
	finished = true
	if ferr != nil || t.retry != nil {
		rollback(ctx, pgTx)
		if t.retry != nil && ctx.Err() == nil {
			// The database aborted the transaction; whatever fn made of
			// that, running it again is the answer.
			if ferr == nil {
				ferr = fmt.Errorf("postgres: transaction aborted: %w", t.retry)
			}
			return true, ferr
		}
		return false, ferr
	}
	if err := pgTx.Commit(ctx); err != nil {
		if isRetryable(err) && ctx.Err() == nil {
			return true, fmt.Errorf("postgres: commit: %w", err)
		}
		return false, fmt.Errorf("postgres: commit: %w", mapError(ctx, err))
	}
	if t.countsChanged {
		d.countsCommitted()
	}
	return false, nil
}

// rollback ends pgTx, even when ctx is done (else the connection would be
// closed rather than returned to the pool).
func rollback(ctx context.Context, pgTx pgx.Tx) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = pgTx.Rollback(rctx)
}

// Reset deletes the data of every scope; meta and the leases are kept, and
// sequence numbers continue where they were.
func (d *DB) Reset(ctx context.Context) error {
	return d.Write(ctx, func(t configd.Tx) error { return t.(*tx).reset(ctx) })
}

// defaultRetryDelay backs off about 5ms, 10ms, 20ms, ... with jitter, so
// that transactions that collided do not collide again in step.
func defaultRetryDelay(attempt int) time.Duration {
	base := 5 * time.Millisecond << attempt
	return base/2 + rand.N(base)
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errReadOnly is returned by the writing methods of a Read transaction.
var errReadOnly = errors.New("postgres: write in a read-only transaction")
