package lease

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/sqlite"
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func TestFailover(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := &Leader{Store: db, Name: "leader", Owner: "a", TTL: 15 * time.Second, Clock: clk, Logger: quiet}
	b := &Leader{Store: db, Name: "leader", Owner: "b", TTL: 15 * time.Second, Clock: clk, Logger: quiet}
	a.Tick(ctx)
	b.Tick(ctx)
	if !a.IsLeader() || b.IsLeader() {
		t.Fatalf("a=%v b=%v, want only a", a.IsLeader(), b.IsLeader())
	}
	// a renews in time: b still waits.
	clk.t = clk.t.Add(5 * time.Second)
	a.Tick(ctx)
	b.Tick(ctx)
	if !a.IsLeader() || b.IsLeader() {
		t.Fatal("renewed lease taken over")
	}
	// a dies (no renewals). Before the TTL ends b cannot take over; a
	// already considers itself stepped down once its renewal is overdue.
	clk.t = clk.t.Add(11 * time.Second)
	b.Tick(ctx)
	if b.IsLeader() {
		t.Fatal("b took the lease before it expired")
	}
	if a.IsLeader() {
		t.Fatal("a still believes it leads with an overdue renewal")
	}
	clk.t = clk.t.Add(5 * time.Second)
	b.Tick(ctx)
	if !b.IsLeader() {
		t.Fatal("b did not take over an expired lease")
	}
	// a comes back: it does not get the lease while b renews.
	a.Tick(ctx)
	if a.IsLeader() {
		t.Fatal("two leaders")
	}
}

func TestStopReleases(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := &Leader{Store: db, Name: "leader", Owner: "a", TTL: 30 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	a.Stop() // before Start: no-op
	a.Start(ctx)
	deadline := time.Now().Add(5 * time.Second)
	for !a.IsLeader() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	a.Stop()
	a.Stop()
	b := &Leader{Store: db, Name: "leader", Owner: "b", TTL: 30 * time.Second, Logger: a.Logger}
	b.Tick(ctx)
	if !b.IsLeader() {
		t.Fatal("lease not released by Stop")
	}
	_ = configd.Scope{}
}
