package service

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/sqlite"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) Now() time.Time { return c.t }

func newService(t *testing.T) (*Service, *fakeClock) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	return New(Options{Store: db, Clock: clk}), clk
}

// TestPruneExpired: history older than the retention period goes, the
// latest item of each resource stays, and scopes without a retention
// configuration keep everything.
func TestPruneExpired(t *testing.T) {
	ctx := context.Background()
	s, clk := newService(t)
	kept := configd.Scope{AccountID: "111111111111", Region: "us-east-1"}
	pruned := configd.Scope{AccountID: "222222222222", Region: "us-east-1"}
	for _, sc := range []configd.Scope{kept, pruned} {
		for day := 0; day < 60; day += 10 {
			clk.t = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, day)
			for _, id := range []string{"a", "b"} {
				ci := &configd.ConfigurationItem{ResourceType: "A::B::C", ResourceID: id, Configuration: `{"day":` + itoa(day) + `}`}
				if _, err := s.Record(ctx, sc, ci); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if _, err := s.PutRetention(ctx, pruned, 30); err != nil {
		t.Fatal(err)
	}
	clk.t = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) // day 59
	n, err := s.PruneExpired(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Items of days 0, 10, 20 are older than 30 days at day 59: 3 per resource.
	if n != 6 {
		t.Fatalf("pruned %d items, want 6", n)
	}
	count := func(sc configd.Scope, id string) int {
		items, err := s.History(ctx, sc, configd.HistoryQuery{Key: configd.ResourceKey{ResourceType: "A::B::C", ResourceID: id}})
		if err != nil {
			t.Fatal(err)
		}
		return len(items)
	}
	if got := count(pruned, "a"); got != 3 {
		t.Fatalf("pruned scope keeps %d items, want 3", got)
	}
	if got := count(kept, "a"); got != 6 {
		t.Fatalf("scope without retention keeps %d items, want 6", got)
	}
	// Far in the future: only the latest item of each resource stays.
	clk.t = clk.t.AddDate(1, 0, 0)
	if _, err := s.PruneExpired(ctx); err != nil {
		t.Fatal(err)
	}
	if got := count(pruned, "b"); got != 1 {
		t.Fatalf("latest item not kept: %d items", got)
	}
}

func itoa(i int) string {
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}
