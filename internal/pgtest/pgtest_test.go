package pgtest

import (
	"context"
	"os"
	osexec "os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) {
	code := m.Run()
	CloseShared()
	os.Exit(code)
}

// query returns the text of a one-value query on the database at u.
func query(t *testing.T, u, sql string) (string, error) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var v string
	err = conn.QueryRow(ctx, sql).Scan(&v)
	return v, err
}

// execSQL runs statements on the database at u.
func execSQL(t *testing.T, u, sql string) error {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func TestDatabase(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		var first string
		t.Run("schema", func(t *testing.T) {
			u := Database(t)
			got, err := query(t, u, `SELECT current_schema()`)
			if err != nil {
				t.Fatalf("current_schema: %v", err)
			}
			if len(got) < 5 || got[:5] != "test_" {
				t.Fatalf("current_schema() = %q, want the test's schema", got)
			}
			first = got
			if err := execSQL(t, u, `CREATE TABLE t (x text)`); err != nil {
				t.Fatalf("create a table in the schema: %v", err)
			}
		})
		// The schema is gone once its test ended.
		n, err := query(t, URL(t), `SELECT count(*)::text FROM pg_namespace WHERE nspname = '`+first+`'`)
		if err != nil {
			t.Fatal(err)
		}
		if n != "0" {
			t.Errorf("schema %s still exists after its test", first)
		}
	})
	t.Run("ErrNotPostgresURL", func(t *testing.T) {
		if _, _, err := CreateSchema(context.Background(), "mysql://127.0.0.1/x"); err == nil {
			t.Errorf("CreateSchema accepted a mysql:// URL")
		}
	})
}

func TestServer(t *testing.T) {
	s := Start(t)
	if err := execSQL(t, s.URL, `CREATE TABLE kept (x text); INSERT INTO kept VALUES ('v')`); err != nil {
		t.Fatalf("write: %v", err)
	}
	s.Stop()
	if _, err := query(t, s.URL, `SELECT 1::text`); err == nil {
		t.Fatalf("a stopped server answered")
	}
	if err := s.Start(); err != nil {
		t.Fatalf("restart: %v", err)
	}
	s.Kill()
	if err := s.Start(); err != nil {
		t.Fatalf("start after an immediate shutdown: %v", err)
	}
	got, err := query(t, s.URL, `SELECT x FROM kept`)
	if err != nil || got != "v" {
		t.Fatalf("after restarts: %q, %v; want the committed row", got, err)
	}
	dir := s.Dir
	s.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("directory %s left after Close: %v", dir, err)
	}
}

// TestURLFailsInCI runs the test binary again with CI=true and no database
// URL, and checks that a test asking for a database fails, saying how to
// give it one, rather than skipping.
func TestURLFailsInCI(t *testing.T) {
	if os.Getenv("PGTEST_CHILD") == "1" {
		URL(t)
		return
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, EnvURL+"=") && !strings.HasPrefix(kv, "CI=") {
			env = append(env, kv)
		}
	}
	cmd := osexec.Command(os.Args[0], "-test.run=^TestURLFailsInCI$", "-test.v")
	cmd.Env = append(env, "CI=true", "PGTEST_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("with CI=true and no %s the test passed:\n%s", EnvURL, out)
	}
	if !strings.Contains(string(out), "--- FAIL") || !strings.Contains(string(out), EnvURL+"=postgres://") {
		t.Errorf("output does not show a failure naming %s:\n%s", EnvURL, out)
	}
}
