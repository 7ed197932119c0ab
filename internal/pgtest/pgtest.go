// Package pgtest gives tests a PostgreSQL database: the one named by the
// environment variable CONFIGD_TEST_DATABASE_URL, or else a throwaway server
// that it starts from the initdb and postgres binaries of the machine, in a
// temporary directory, on a free loopback port.
//
// Tests call Database for a fresh, empty schema of their own (a URL whose
// search_path names it), or Start for a server of their own that they can
// stop and restart. When no database can be had the test is skipped, unless
// the environment has CI=true, where it fails: CI must run these tests.
//
// PostgreSQL refuses to run as root. When the test runs as root, the server
// runs as the user "postgres" (Debian's package creates it), or else as
// "nobody".
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable that gives the tests a database.
const EnvURL = "CONFIGD_TEST_DATABASE_URL"

// InstallHint says how to give the tests a database.
const InstallHint = `set ` + EnvURL + `=postgres://USER:PASSWORD@127.0.0.1:5432/DATABASE?sslmode=disable ` +
	`(a database the tests may create schemas in), or install PostgreSQL's server binaries ` +
	`so that initdb and postgres are on PATH or under /usr/lib/postgresql/*/bin ` +
	`(Debian/Ubuntu: "apt-get install postgresql"); "bash .ci/run" does the latter and exports the variable`

var (
	sharedMu  sync.Mutex
	shared    *Server
	sharedErr error
)

// URL returns the URL of a database for tests: the value of EnvURL, or
// that of a server started once per test binary (stopped by CloseShared,
// which a TestMain calls after m.Run). It skips t when neither is possible,
// or fails it when CI=true.
func URL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("PostgreSQL is required in CI: %s is not set; %s", EnvURL, InstallHint)
	}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared == nil && sharedErr == nil {
		shared, sharedErr = Launch()
	}
	if sharedErr != nil {
		t.Skipf("no PostgreSQL for this test: %v; %s", sharedErr, InstallHint)
	}
	return shared.URL
}

// CloseShared stops the server URL started, if any. It is safe to call when
// none was started.
func CloseShared() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		shared.Close()
		shared = nil
	}
}

// Database returns the URL of a new, empty schema in the database of
// URL(t): its search_path names the schema, so that whatever connects with
// it creates and finds its tables there. The schema is dropped when t ends.
func Database(t testing.TB) string {
	t.Helper()
	return NewSchema(t, URL(t))
}

// NewSchema creates a schema with a random name in the database at base and
// returns base with search_path set to it. The schema is dropped when t ends.
func NewSchema(t testing.TB, base string) string {
	t.Helper()
	name, u, err := CreateSchema(context.Background(), base)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := DropSchema(context.Background(), base, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return u
}

// CreateSchema creates a schema with a random name in the database at base
// and returns its name and base with search_path set to it. It is the
// test-free building block of NewSchema, for benchmarks and tools.
func CreateSchema(ctx context.Context, base string) (name, schemaURL string, err error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", "", fmt.Errorf("database URL %q is not a postgres:// URL", redact(base))
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	name = "test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", "", fmt.Errorf("connect to %s: %w", redact(base), err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+name); err != nil {
		return "", "", fmt.Errorf("create schema %s: %w", name, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return name, u.String(), nil
}

// DropSchema drops the schema name, and everything in it, from the database
// at base.
func DropSchema(ctx context.Context, base, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redact(base), err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{name}.Sanitize()+` CASCADE`); err != nil {
		return fmt.Errorf("drop schema %s: %w", name, err)
	}
	return nil
}

// redact hides the password of a database URL.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
