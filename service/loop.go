package service

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Loop runs a background duty (retention pruning, exception expiry,
// discovery) every Interval until stopped. Stop is safe to call twice and
// before Start.
type Loop struct {
	Name     string
	Interval time.Duration
	Run      func(ctx context.Context) error
	Logger   *slog.Logger
	// After, if set, replaces time.After so tests control the ticks.
	After func(d time.Duration) <-chan time.Time

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// Start starts the loop; the first run is after one interval.
func (l *Loop) Start(ctx context.Context) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cancel != nil || l.Interval <= 0 {
		return
	}
	ctx, l.cancel = context.WithCancel(ctx)
	l.done = make(chan struct{})
	after := l.After
	if after == nil {
		after = time.After
	}
	go func() {
		defer close(l.done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-after(l.Interval):
			}
			if err := l.Run(ctx); err != nil && ctx.Err() == nil && l.Logger != nil {
				l.Logger.Error("background duty failed", "duty", l.Name, "err", err)
			}
		}
	}()
}

// Stop stops the loop and waits for a run in progress to end.
func (l *Loop) Stop() {
	l.mu.Lock()
	cancel, done := l.cancel, l.done
	l.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}
