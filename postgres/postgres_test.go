package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/pgtest"
	"github.com/configd/configd/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.CloseShared()
	os.Exit(code)
}

// openURL opens the store at u, closed when t ends.
func openURL(t testing.TB, u string) *DB {
	t.Helper()
	d, err := Open(context.Background(), u)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// openTest opens a store in a new, empty schema, closed when t ends.
func openTest(t testing.TB) *DB {
	t.Helper()
	return openURL(t, pgtest.Database(t))
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) configd.Store { return openTest(t) })
}
