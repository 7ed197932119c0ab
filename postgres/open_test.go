package postgres

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/pgtest"
	"github.com/jackc/pgx/v5/pgxpool"
)

var scope = configd.Scope{AccountID: "123456789012", Region: "us-east-1"}

// appliedVersions reads schema_migrations.
func appliedVersions(t *testing.T, d *DB) []int {
	t.Helper()
	rows, err := d.pool.Query(context.Background(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		u := pgtest.Database(t)
		d, err := Open(ctx, u)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if err := d.Write(ctx, func(tx configd.Tx) error {
			return tx.PutRecorder(ctx, scope, &configd.Recorder{Name: "default"})
		}); err != nil {
			t.Fatalf("Write: %v", err)
		}
		d.Close()
		d = openURL(t, u)
		if err := d.Read(ctx, func(tx configd.Tx) error {
			_, err := tx.GetRecorder(ctx, scope, "default")
			return err
		}); err != nil {
			t.Errorf("recorder after reopen: %v", err)
		}
		if got := appliedVersions(t, d); len(got) != len(ms) || got[len(got)-1] != len(ms) {
			t.Errorf("schema_migrations after two opens: %v, want 1..%d once each", got, len(ms))
		}
		if err := d.Ping(ctx); err != nil {
			t.Errorf("Ping: %v", err)
		}
	})
	t.Run("ConcurrentOpens", func(t *testing.T) {
		// Processes starting together: every Open succeeds and each
		// migration is applied once.
		u := pgtest.Database(t)
		const n = 8
		var wg sync.WaitGroup
		dbs := make([]*DB, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dbs[i], errs[i] = Open(ctx, u)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("Open %d: %v", i, err)
				continue
			}
			t.Cleanup(func() { dbs[i].Close() })
		}
		if t.Failed() {
			return
		}
		want := make([]int, len(ms))
		for i := range want {
			want[i] = i + 1
		}
		if got := appliedVersions(t, dbs[0]); !equalInts(got, want) {
			t.Errorf("schema_migrations after %d concurrent opens: %v, want %v", n, got, want)
		}
	})
	t.Run("ErrNewerSchema", func(t *testing.T) {
		u := pgtest.Database(t)
		d := openURL(t, u)
		if _, err := d.pool.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')`); err != nil {
			t.Fatal(err)
		}
		_, err := Open(ctx, u)
		if err == nil || !strings.Contains(err.Error(), "newer than this configd supports") {
			t.Errorf("Open of a newer schema: %v, want a refusal", err)
		}
	})
	t.Run("ErrMigrationRolledBack", func(t *testing.T) {
		// A failing migration leaves nothing behind: not the migrations
		// before it in the same run, not its version.
		u := pgtest.Database(t)
		bad := fstest.MapFS{
			"migrations/0001_ok.sql":  {Data: []byte(`CREATE TABLE made (x int)`)},
			"migrations/0002_bad.sql": {Data: []byte(`CREATE TABLE broken (x nosuchtype)`)},
		}
		bms, err := loadMigrations(bad)
		if err != nil {
			t.Fatal(err)
		}
		pool, err := pgxpool.New(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		if err := migrate(ctx, pool, bms); err == nil || !strings.Contains(err.Error(), "0002_bad.sql") {
			t.Fatalf("migrate with a bad migration: %v, want its error", err)
		}
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d tables left by a failed migration run, want 0", n)
		}
	})
	t.Run("ErrBadURL", func(t *testing.T) {
		_, err := Open(ctx, "postgres://user:secret@127.0.0.1:1/db?pool_max_conns=x")
		if err == nil {
			t.Fatalf("Open with a bad URL: no error")
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("error reveals the password: %v", err)
		}
	})
	t.Run("ErrUnreachable", func(t *testing.T) {
		_, err := Open(ctx, "postgres://user:secret@127.0.0.1:1/db?sslmode=disable")
		if configd.ErrorCode(err) != configd.ErrServiceUnavailable {
			t.Errorf("Open of an unreachable server: %v, want code %s", err, configd.ErrServiceUnavailable)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("error reveals the password: %v", err)
		}
	})
}

func TestLoadMigrations(t *testing.T) {
	for _, c := range []struct {
		name  string
		files fstest.MapFS
		ok    bool
	}{
		{"OK", fstest.MapFS{"migrations/0001_a.sql": {}, "migrations/0002_b.sql": {}}, true},
		{"ErrGap", fstest.MapFS{"migrations/0001_a.sql": {}, "migrations/0003_c.sql": {}}, false},
		{"ErrDuplicate", fstest.MapFS{"migrations/0001_a.sql": {}, "migrations/0001_b.sql": {}}, false},
		{"ErrName", fstest.MapFS{"migrations/init.sql": {}}, false},
		{"ErrZero", fstest.MapFS{"migrations/0000_a.sql": {}}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadMigrations(c.files)
			if (err == nil) != c.ok {
				t.Errorf("loadMigrations: %v, want ok=%v", err, c.ok)
			}
		})
	}
	if _, err := loadMigrations(migrationFiles); err != nil {
		t.Errorf("embedded migrations: %v", err)
	}
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
