// Package lease elects, through the store, the one configd process that
// runs singleton duties (periodic rule schedules, discovery polls, retention
// pruning, exception expiry) among the processes sharing a database. The
// leader renews a named lease every TTL/3; when it dies, another process
// takes the lease over within TTL; a leader that cannot renew steps down
// before its lease could be taken.
package lease

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/configd/configd"
)

// DefaultTTL is how long a lease lasts without renewal.
const DefaultTTL = 15 * time.Second

// Leader holds, or tries to hold, one named lease. Start/Stop run it; Stop
// is safe twice and before Start, and releases the lease.
type Leader struct {
	Store  configd.Store
	Name   string
	Owner  string // unique per process
	TTL    time.Duration
	Clock  configd.Clock
	Logger *slog.Logger
	// OnChange, if set, is called when leadership is gained or lost.
	OnChange func(leader bool)

	leader   atomic.Bool
	validTil atomic.Int64 // unix nanos until which our lease is certainly ours
	mu       sync.Mutex
	cancel   context.CancelFunc
	done     chan struct{}
}

// IsLeader reports whether this process holds the lease now. It turns
// false on its own when a renewal is overdue, before another process could
// acquire the lease.
func (l *Leader) IsLeader() bool {
	return l.leader.Load() && l.now().UnixNano() < l.validTil.Load()
}

func (l *Leader) now() time.Time {
	if l.Clock == nil {
		return time.Now()
	}
	return l.Clock.Now()
}

// Start begins campaigning and renewing.
func (l *Leader) Start(ctx context.Context) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cancel != nil {
		return
	}
	ctx, l.cancel = context.WithCancel(ctx)
	l.done = make(chan struct{})
	go l.loop(ctx)
}

// ttl returns the lease time, DefaultTTL when unset.
func (l *Leader) ttl() time.Duration {
	if l.TTL <= 0 {
		return DefaultTTL
	}
	return l.TTL
}

func (l *Leader) logger() *slog.Logger {
	if l.Logger == nil {
		return slog.Default()
	}
	return l.Logger
}

// Stop stops renewing and releases the lease if held.
func (l *Leader) Stop() {
	l.mu.Lock()
	cancel, done := l.cancel, l.done
	l.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// Tick tries once to acquire or renew the lease; the loop calls it every
// TTL/3, tests call it directly.
func (l *Leader) Tick(ctx context.Context) {
	start := l.now()
	var held bool
	err := l.Store.Write(ctx, func(tx configd.Tx) error {
		var err error
		held, err = tx.AcquireLease(ctx, l.Name, l.Owner, start, start.Add(l.ttl()))
		return err
	})
	if err != nil {
		held = false
		l.logger().Warn("lease renewal failed", "lease", l.Name, "err", err)
	}
	if held {
		// Count the lease from before the call, so that it is never
		// believed longer than the store grants it.
		l.validTil.Store(start.Add(l.ttl() * 2 / 3).UnixNano())
	}
	if was := l.leader.Swap(held); was != held {
		l.logger().Info("leadership changed", "lease", l.Name, "owner", l.Owner, "leader", held)
		if l.OnChange != nil {
			l.OnChange(held)
		}
	}
}

func (l *Leader) loop(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(l.ttl() / 3)
	defer t.Stop()
	l.Tick(ctx)
	for {
		select {
		case <-ctx.Done():
			if l.leader.Swap(false) {
				rctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				l.Store.Write(rctx, func(tx configd.Tx) error { return tx.ReleaseLease(rctx, l.Name, l.Owner) })
				cancel()
			}
			return
		case <-t.C:
			l.Tick(ctx)
		}
	}
}
