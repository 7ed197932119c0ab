package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/storetest"
)

// openTemp opens a new database in a temporary directory, closed when t ends.
func openTemp(t testing.TB) *DB {
	t.Helper()
	d, err := Open(context.Background(), filepath.Join(t.TempDir(), "configd.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) configd.Store { return openTemp(t) })
}

var scope = configd.Scope{AccountID: "123456789012", Region: "us-east-1"}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		// A path with characters that mean something in a URI.
		path := filepath.Join(t.TempDir(), "a dir?x=1#frag", "con%20fig.db")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		d, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		err = d.Write(ctx, func(tx configd.Tx) error {
			return tx.PutRecorder(ctx, scope, &configd.Recorder{Name: "default"})
		})
		if err != nil {
			t.Fatalf("Write: %v", err)
		}
		if err := d.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("database file not at the given path: %v", err)
		}
		d, err = Open(ctx, path)
		if err != nil {
			t.Fatalf("Open again: %v", err)
		}
		defer d.Close()
		err = d.Read(ctx, func(tx configd.Tx) error {
			_, err := tx.GetRecorder(ctx, scope, "default")
			return err
		})
		if err != nil {
			t.Errorf("recorder after reopen: %v", err)
		}
		var n int
		if err := d.reader.db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if ms, _ := loadMigrations(migrationFiles); n != len(ms) {
			t.Errorf("schema_migrations has %d rows after two opens, want %d", n, len(ms))
		}
	})
	t.Run("ErrNewerSchema", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "configd.db")
		d, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if _, err := d.writer.db.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
			t.Fatal(err)
		}
		d.Close()
		_, err = Open(ctx, path)
		if err == nil || !strings.Contains(err.Error(), "newer than this configd supports") {
			t.Errorf("Open of a newer database: %v, want a refusal", err)
		}
	})
	t.Run("ErrNoPath", func(t *testing.T) {
		for _, p := range []string{"", ":memory:"} {
			if d, err := Open(ctx, p); err == nil {
				d.Close()
				t.Errorf("Open(%q): no error", p)
			}
		}
	})
	t.Run("Pragmas", func(t *testing.T) {
		d := openTemp(t)
		for _, c := range []struct {
			pool   *pool
			pragma string
			want   string
		}{
			{d.writer, "journal_mode", "wal"},
			{d.writer, "synchronous", "1"}, // NORMAL
			{d.writer, "foreign_keys", "1"},
			{d.writer, "busy_timeout", "5000"},
			{d.writer, "query_only", "0"},
			{d.reader, "journal_mode", "wal"},
			{d.reader, "synchronous", "1"},
			{d.reader, "foreign_keys", "1"},
			{d.reader, "query_only", "1"},
		} {
			var got string
			if err := c.pool.db.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
				t.Fatalf("PRAGMA %s: %v", c.pragma, err)
			}
			if got != c.want {
				t.Errorf("PRAGMA %s on the %s pool = %s, want %s", c.pragma, poolName(d, c.pool), got, c.want)
			}
		}
	})
}

func poolName(d *DB, p *pool) string {
	if p == d.writer {
		return "write"
	}
	return "read"
}

func TestLoadMigrations(t *testing.T) {
	sql := &fstest.MapFile{Data: []byte("CREATE TABLE x (a INTEGER);")}
	for _, c := range []struct {
		name  string
		files fstest.MapFS
		want  []int // versions; nil for an error
	}{
		{"OK", fstest.MapFS{"migrations/0002_b.sql": sql, "migrations/0001_a.sql": sql, "migrations/README": sql}, []int{1, 2}},
		{"OKEmpty", fstest.MapFS{}, []int{}},
		{"ErrGap", fstest.MapFS{"migrations/0001_a.sql": sql, "migrations/0003_c.sql": sql}, nil},
		{"ErrDuplicate", fstest.MapFS{"migrations/0001_a.sql": sql, "migrations/0001_b.sql": sql}, nil},
		{"ErrNoNumber", fstest.MapFS{"migrations/init.sql": sql}, nil},
		{"ErrBadNumber", fstest.MapFS{"migrations/x1_init.sql": sql}, nil},
		{"ErrZero", fstest.MapFS{"migrations/0000_init.sql": sql}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			ms, err := loadMigrations(c.files)
			if c.want == nil {
				if err == nil {
					t.Errorf("no error for %v", ms)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := []int{}
			for _, m := range ms {
				got = append(got, m.version)
			}
			if !equalInts(got, c.want) {
				t.Errorf("versions %v, want %v", got, c.want)
			}
		})
	}
	t.Run("Embedded", func(t *testing.T) {
		ms, err := loadMigrations(migrationFiles)
		if err != nil || len(ms) == 0 {
			t.Fatalf("embedded migrations: %v (%d)", err, len(ms))
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.UnixMilli(1_700_000_000_000) }
	v1 := migration{1, "0001_a.sql", "CREATE TABLE a (x INTEGER); CREATE TABLE b (y INTEGER);"}
	v2 := migration{2, "0002_c.sql", "CREATE TABLE c (z INTEGER);"}
	bad := migration{2, "0002_bad.sql", "CREATE TABLE d (z INTEGER); SELECT * FROM nowhere;"}

	open := func(t *testing.T) *sql.DB {
		db, err := sql.Open("sqlite", dsn(filepath.Join(t.TempDir(), "m.db"), false))
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		return db
	}
	tables := func(t *testing.T, db *sql.DB) string {
		rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name != 'schema_migrations' ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			names = append(names, n)
		}
		return strings.Join(names, ",")
	}

	t.Run("OK", func(t *testing.T) {
		db := open(t)
		if err := migrate(ctx, db, []migration{v1}, now); err != nil {
			t.Fatal(err)
		}
		if err := migrate(ctx, db, []migration{v1, v2}, now); err != nil {
			t.Fatal(err)
		}
		if err := migrate(ctx, db, []migration{v1, v2}, now); err != nil {
			t.Fatalf("migrate of an up-to-date database: %v", err)
		}
		if got := tables(t, db); got != "a,b,c" {
			t.Errorf("tables %s, want a,b,c", got)
		}
		if v, err := schemaVersion(ctx, db); err != nil || v != 2 {
			t.Errorf("version %d (%v), want 2", v, err)
		}
	})
	t.Run("ErrFailedMigration", func(t *testing.T) {
		db := open(t)
		err := migrate(ctx, db, []migration{v1, bad}, now)
		if err == nil || !strings.Contains(err.Error(), "0002_bad.sql") {
			t.Fatalf("migrate with a failing migration: %v", err)
		}
		// The failed migration left nothing behind; the one before stays.
		if got := tables(t, db); got != "a,b" {
			t.Errorf("tables %s, want a,b", got)
		}
		if v, _ := schemaVersion(ctx, db); v != 1 {
			t.Errorf("version %d, want 1", v)
		}
	})
	t.Run("ErrNewer", func(t *testing.T) {
		db := open(t)
		if err := migrate(ctx, db, []migration{v1, v2}, now); err != nil {
			t.Fatal(err)
		}
		err := migrate(ctx, db, []migration{v1}, now)
		if err == nil || !strings.Contains(err.Error(), "newer") {
			t.Errorf("migrate of a newer database: %v", err)
		}
	})
}

// fakeCodeErr is an error with a SQLite result code, like *sqlite.Error.
type fakeCodeErr int

func (e fakeCodeErr) Error() string { return "sqlite code" }
func (e fakeCodeErr) Code() int     { return int(e) }

func TestIsBusy(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"OKBusy", fakeCodeErr(5), true},
		{"OKBusySnapshot", fakeCodeErr(5 | 2<<8), true},
		{"OKLocked", fakeCodeErr(6), true},
		{"OKWrapped", errors.Join(errors.New("x"), fakeCodeErr(5)), true},
		{"ErrConstraint", fakeCodeErr(19), false},
		{"ErrOther", errors.New("busy"), false},
		{"ErrNil", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := isBusy(c.err); got != c.want {
				t.Errorf("isBusy(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}

func TestWriteRetry(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		d := openTemp(t)
		d.retryDelay = func(int) time.Duration { return 0 }
		calls := 0
		err := d.Write(ctx, func(tx configd.Tx) error {
			calls++
			if err := tx.PutRecorder(ctx, scope, &configd.Recorder{Name: "r"}); err != nil {
				return err
			}
			if calls < 3 {
				return fakeCodeErr(5)
			}
			return nil
		})
		if err != nil || calls != 3 {
			t.Errorf("Write: %v after %d calls, want success after 3", err, calls)
		}
	})
	t.Run("ErrBusy", func(t *testing.T) {
		d := openTemp(t)
		d.retryDelay = func(int) time.Duration { return 0 }
		calls := 0
		err := d.Write(ctx, func(tx configd.Tx) error {
			calls++
			return fakeCodeErr(5)
		})
		if err != fakeCodeErr(5) || calls != busyRetries {
			t.Errorf("Write: %v after %d calls, want the busy error after %d", err, calls, busyRetries)
		}
	})
	t.Run("ErrNotRetried", func(t *testing.T) {
		d := openTemp(t)
		calls := 0
		want := configd.Errorf(configd.ErrValidation, "bad")
		err := d.Write(ctx, func(tx configd.Tx) error {
			calls++
			return want
		})
		if err != want || calls != 1 {
			t.Errorf("Write: %v after %d calls, want %v after 1", err, calls, want)
		}
	})
	t.Run("ErrCanceledDuringBackoff", func(t *testing.T) {
		d := openTemp(t)
		c, cancel := context.WithCancel(ctx)
		d.retryDelay = func(int) time.Duration { cancel(); return time.Hour }
		err := d.Write(c, func(tx configd.Tx) error { return fakeCodeErr(5) })
		if !errors.Is(err, context.Canceled) || !isBusy(err) {
			t.Errorf("Write: %v, want context.Canceled wrapping the busy error", err)
		}
	})
}

// TestWriteWaitCanceled checks that a Write waiting for the write connection
// gives up when its context ends.
func TestWriteWaitCanceled(t *testing.T) {
	ctx := context.Background()
	d := openTemp(t)
	holding, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- d.Write(ctx, func(tx configd.Tx) error {
			close(holding)
			<-release
			return tx.PutRecorder(ctx, scope, &configd.Recorder{Name: "first"})
		})
	}()
	<-holding
	c, cancel := context.WithCancel(ctx)
	second := make(chan error, 1)
	called := false
	go func() {
		second <- d.Write(c, func(tx configd.Tx) error {
			called = true
			return nil
		})
	}()
	cancel()
	select {
	case err := <-second:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("waiting Write: %v, want context.Canceled", err)
		}
	case <-time.After(busyTimeout):
		t.Fatal("a waiting Write ignored the end of its context")
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first Write: %v", err)
	}
	if called {
		t.Errorf("fn of the canceled Write ran")
	}
}

// TestWriteLockedByOtherProcess holds the database's write lock from a
// connection outside the store, as another configd process would.
func TestWriteLockedByOtherProcess(t *testing.T) {
	ctx := context.Background()
	d := openTemp(t)
	other, err := sql.Open("sqlite", dsn(d.Path(), false))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock := func(t *testing.T) *sql.Conn {
		conn, err := other.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			t.Fatal(err)
		}
		return conn
	}
	put := func(c context.Context, name string) error {
		return d.Write(c, func(tx configd.Tx) error {
			return tx.PutRecorder(c, scope, &configd.Recorder{Name: name})
		})
	}

	t.Run("OK", func(t *testing.T) {
		conn := lock(t)
		done := make(chan error, 1)
		go func() { done <- put(ctx, "after-lock") }()
		if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if err := <-done; err != nil {
			t.Errorf("Write after the other process committed: %v", err)
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		conn := lock(t)
		defer conn.Close()
		c, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- put(c, "never") }()
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Write: %v, want context.Canceled", err)
			}
		case <-time.After(busyTimeout):
			t.Fatal("a Write waiting for another process's lock ignored the end of its context")
		}
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ReadWhileLocked", func(t *testing.T) {
		conn := lock(t)
		defer conn.Close()
		err := d.Read(ctx, func(tx configd.Tx) error {
			_, err := tx.GetRecorder(ctx, scope, "after-lock")
			return err
		})
		if err != nil {
			t.Errorf("Read while another process holds the write lock: %v", err)
		}
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
	})
}

// mayScan lists the queries allowed to sort rows or scan a big table, and
// why that is cheap.
var mayScan = map[*query]string{
	qResourceIDResults: "sorts the results of one resource id, a handful of rows",
}

// TestQueryPlans checks that no hot query scans a big table (the history,
// the inventory, evaluation results, jobs, remediation executions and
// exceptions), or sorts its rows.
func TestQueryPlans(t *testing.T) {
	ctx := context.Background()
	d := openTemp(t)
	for _, q := range queries {
		if _, ok := mayScan[q]; ok {
			continue
		}
		if strings.HasPrefix(q.text, "DELETE FROM") && !strings.Contains(q.text, "WHERE") {
			continue // Reset
		}
		args := make([]any, strings.Count(q.text, "?"))
		rows, err := d.writer.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.text, args...)
		if err != nil {
			t.Fatalf("%s: %v", q.text, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			for _, bad := range []string{"SCAN configuration_items", "SCAN resources", "SCAN c", "SCAN r", "TEMP B-TREE",
				"SCAN evaluation_results", "SCAN rule_status", "SCAN jobs", "SCAN remediation_executions", "SCAN remediation_exceptions"} {
				if step == bad || strings.HasPrefix(step, bad+" ") || bad == "TEMP B-TREE" && strings.Contains(step, bad) {
					t.Errorf("query %s\nplan %q has %q", q.text, plan, bad)
				}
			}
		}
	}
}

func TestReadOnlyTx(t *testing.T) {
	ctx := context.Background()
	d := openTemp(t)
	err := d.Read(ctx, func(tx configd.Tx) error {
		_, err := tx.PruneHistory(ctx, scope, time.Now())
		return err
	})
	if !errors.Is(err, errReadOnly) {
		t.Errorf("PruneHistory in a Read: %v, want errReadOnly", err)
	}
}
