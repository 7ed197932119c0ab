package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/configd/configd"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// busyTimeout is how long one statement waits for a lock held by another
// process before SQLite reports SQLITE_BUSY.
const busyTimeout = 5 * time.Second

// busyRetries is how many times Write runs a transaction that failed with
// SQLITE_BUSY before it gives up.
const busyRetries = 4

// DB is a configd.Store in one SQLite database file. It holds one connection
// for writes, so write transactions are serialized inside the process (and
// with other processes by SQLite's file lock), and a pool of read-only
// connections, so that reads never wait for the writer (WAL mode).
type DB struct {
	path   string
	writer *pool
	reader *pool
	// checkpointer copies the write-ahead log into the file (checkpoint.go).
	checkpointer *checkpointer

	// Group commit of Writes (group.go).
	token       chan struct{} // held by the Write running statements
	open        *batch        // the batch taking members; guarded by token
	waiting     atomic.Int32  // Writes waiting for token
	handMu      sync.Mutex    // orders hand-offs with waiters giving up
	maxBatch    int           // the most Writes in one transaction
	maxBatchAge time.Duration // how long after BEGIN a batch takes members
	commits     atomic.Int64  // transactions committed by Writes, for tests

	// retryDelay is the pause before retry attempt n (0-based) of a Write
	// that failed with SQLITE_BUSY; tests replace it.
	retryDelay func(attempt int) time.Duration
}

var (
	_ configd.Store                  = (*DB)(nil)
	_ configd.ActiveExecutionChecker = (*DB)(nil)
)

// pool is a database/sql handle with its prepared statements.
type pool struct {
	db    *sql.DB
	stmts map[*query]*sql.Stmt
}

// Open opens the database file at path, creating it if it does not exist,
// and brings its schema up to date. It refuses a database written by a newer
// configd.
//
// The database runs in WAL mode with synchronous=NORMAL: a commit appends to
// the write-ahead log and returns without waiting for an fsync, which SQLite
// does at checkpoints. A committed transaction therefore survives the kill -9
// of the process (the log is in the operating system's page cache and is
// replayed on the next open); only a crash of the operating system or a power
// loss can undo the last transactions, and never corrupts the database. See
// https://www.sqlite.org/pragma.html#pragma_synchronous and
// https://www.sqlite.org/wal.html.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" || path == ":memory:" {
		return nil, fmt.Errorf("sqlite: open: a database file path is required (an in-memory database cannot be shared by the read and write connections)")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}

	wdb, err := sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	// One connection that is never closed while the DB is open, so that its
	// prepared statements stay prepared.
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	if err := migrate(ctx, wdb, ms, time.Now); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}

	rdb, err := sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxLifetime(0)
	rdb.SetConnMaxIdleTime(0)

	d := &DB{
		path:        abs,
		retryDelay:  defaultRetryDelay,
		token:       make(chan struct{}, 1),
		maxBatch:    defaultMaxBatch,
		maxBatchAge: defaultMaxBatchAge,
	}
	if d.writer, err = preparePool(ctx, wdb, true); err != nil {
		wdb.Close()
		rdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	if d.reader, err = preparePool(ctx, rdb, false); err != nil {
		d.writer.close()
		rdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	if d.checkpointer, err = startCheckpointer(abs); err != nil {
		d.writer.close()
		d.reader.close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	return d, nil
}

// dsn returns the modernc.org/sqlite data source name of the file at abs.
// The file: URI form keeps any character of the path ('?', '#', '%') out of
// the query string.
func dsn(abs string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "temp_store(MEMORY)")
	// Page cache: 16 MiB for the writer, whose inserts land on pages all
	// over the B-trees (2 MiB cost 7% of put-new's throughput), 2 MiB for
	// each reader: enough for the interior pages of the B-trees, while the
	// operating system's page cache holds the file. With 1,000,000 items (a
	// 2.6 GB file read at random) a larger reader cache only costs more:
	// BatchGetResourceConfig of 100 keys spent 2,250 µs of CPU with 16 MiB
	// and 2,000-2,160 µs with 2 MiB, at a p99 latency of 12.9-13.5 ms
	// against 10.0-10.9 ms, and the server's RSS fell from 200 to 70 MB; on
	// a store small enough for 16 MiB, reads were within 5%.
	cacheKiB := 16 << 10
	if readOnly {
		cacheKiB = 2 << 10
	}
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", cacheKiB))
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// WAL is a property of the file; the writer sets it, the readers
		// find it. Write transactions take the write lock at BEGIN, so they
		// never fail half-way with SQLITE_BUSY when upgrading a read lock.
		q.Add("_pragma", "journal_mode(WAL)")
		// The checkpointer checkpoints (checkpoint.go); a COMMIT only when
		// the log has outgrown walAutocheckpointPages.
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walAutocheckpointPages))
		q.Set("_txlock", "immediate")
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	if u.Path[0] != '/' { // Windows drive letter
		u.Path = "/" + u.Path
	}
	return u.String()
}

// preparePool prepares every registered statement on db: reads on both
// pools, writes only on the writer. Preparing happens here, before any
// transaction, because preparing on the one-connection writer pool while a
// transaction holds that connection would wait forever.
func preparePool(ctx context.Context, db *sql.DB, write bool) (*pool, error) {
	p := &pool{db: db, stmts: make(map[*query]*sql.Stmt, len(queries))}
	for _, q := range queries {
		if q.write && !write {
			continue
		}
		st, err := db.PrepareContext(ctx, q.text)
		if err != nil {
			p.close()
			return nil, fmt.Errorf("prepare %q: %w", q.text, err)
		}
		p.stmts[q] = st
	}
	return p, nil
}

// close closes the statements and the database handle of p.
func (p *pool) close() error {
	for _, st := range p.stmts {
		st.Close()
	}
	return p.db.Close()
}

// Path returns the absolute path of the database file.
func (d *DB) Path() string { return d.path }

// Close closes all connections. Transactions still running fail.
func (d *DB) Close() error {
	return errors.Join(d.checkpointer.close(), d.reader.close(), d.writer.close())
}

// Ping checks that the database file can be read.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	if err := d.reader.db.QueryRowContext(ctx, `SELECT 1 FROM schema_migrations LIMIT 1`).Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Read runs fn in a read-only transaction on a snapshot of the database taken
// at its first statement: fn sees every transaction committed before that
// and none committed after. It does not wait for a running Write.
func (d *DB) Read(ctx context.Context, fn func(configd.Tx) error) error {
	return d.run(ctx, d.reader, false, fn)
}

// Write runs fn in a write transaction and commits it if fn returns nil.
// Write transactions are serialized; a Write waits for the running one (or
// for another process holding the database's write lock) until ctx is done.
// If fn returns an error, what fn did is rolled back and the error is
// returned unchanged. If fn panics, what it did is rolled back and the panic
// continues. A transaction that fails with SQLITE_BUSY (another process held
// the lock longer than the busy timeout) is run again, fn included, a few
// times.
//
// Concurrent Writes share transactions (group commit, see group.go): fn may
// run in a transaction that holds other Writes' work done before it, within
// a savepoint of its own, and Write returns once the transaction committed.
// A Write with no other Write around runs alone, as it would without group
// commit.
//
// fn must not call Write or Read of the same DB for writing: the one write
// connection is held by fn's transaction.
func (d *DB) Write(ctx context.Context, fn func(configd.Tx) error) error {
	for attempt, aborts := 0, 0; ; {
		err := d.writeOnce(ctx, fn)
		if errors.Is(err, errBatchAborted) && aborts < maxAborts {
			aborts++
			continue
		}
		if err == nil || !isBusy(err) || attempt+1 >= busyRetries {
			return err
		}
		if werr := sleep(ctx, d.retryDelay(attempt)); werr != nil {
			return fmt.Errorf("sqlite: write: %w (after: %w)", werr, err)
		}
		attempt++
	}
}

// run runs fn in one transaction of p.
func (d *DB) run(ctx context.Context, p *pool, write bool, fn func(configd.Tx) error) error {
	sqlTx, err := p.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: !write})
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	t := &tx{ctx: ctx, tx: sqlTx, pool: p, write: write}
	finished := false
	defer func() {
		// fn panicked or called runtime.Goexit: undo and let it continue.
		if !finished {
			_ = sqlTx.Rollback()
		}
	}()
	if err := fn(t); err != nil {
		finished = true
		_ = sqlTx.Rollback()
		return err
	}
	finished = true
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// Reset deletes the data of every scope; meta is kept, and sequence numbers
// continue where they were.
func (d *DB) Reset(ctx context.Context) error {
	return d.Write(ctx, func(t configd.Tx) error {
		return t.(*tx).reset()
	})
}

// isBusy reports whether err is SQLite's SQLITE_BUSY or SQLITE_LOCKED (in
// any extended form): the database was locked by another connection.
func isBusy(err error) bool {
	var coded interface{ Code() int }
	if !errors.As(err, &coded) {
		return false
	}
	switch coded.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}

// defaultRetryDelay backs off 10ms, 20ms, 40ms, ...
func defaultRetryDelay(attempt int) time.Duration {
	return 10 * time.Millisecond << attempt
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
