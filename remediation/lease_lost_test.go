package remediation

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/service"
)

// downStore fails every write while down is set, as a database outage does.
type downStore struct {
	configd.Store
	down atomic.Bool
}

func (s *downStore) Write(ctx context.Context, fn func(configd.Tx) error) error {
	if s.down.Load() {
		return configd.Errorf(configd.ErrServiceUnavailable, "database unreachable")
	}
	return s.Store.Write(ctx, fn)
}

// TestUnrenewedLeaseStopsRun: a worker that cannot renew its lease stops
// its run before the lease expires, so that another worker claiming the
// execution after expiry never runs it at the same time.
func TestUnrenewedLeaseStopsRun(t *testing.T) {
	g := newGate()
	ticks := make(chan time.Time)
	var ds *downStore
	h := newHarness(t, func(o *Options) {
		ds = &downStore{Store: o.Service.Store()}
		o.Service = service.New(service.Options{Store: ds, Clock: o.Clock, Logger: testLogger()})
		o.Sleep = g.Sleep
		o.Lease = 30 * time.Second
		o.After = func(d time.Duration) <-chan time.Time {
			if d == 200*time.Millisecond { // the keep-alive tick
				return ticks
			}
			return time.After(d)
		}
	})
	h.put(testConfig(false, "0"))
	h.start("b1")
	done := make(chan struct{})
	go func() { h.runOnce(nil); close(done) }()
	<-g.waiting
	ds.down.Store(true)
	h.clock.Add(11 * time.Second) // a renewal is due and fails; not yet overdue
	ticks <- time.Now()
	select {
	case <-done:
		t.Fatal("the run stopped at the first failed renewal")
	case <-time.After(50 * time.Millisecond):
	}
	h.clock.Add(10 * time.Second) // 21 s without renewal: past 2/3 of the lease
	ticks <- time.Now()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		close(g.release)
		t.Fatal("the run went on with an overdue lease")
	}
	ds.down.Store(false)
	// The lease expires; another worker takes the execution over.
	h.clock.Add(30 * time.Second)
	if n := h.runOnce(h.other("worker-b")); n != 1 {
		t.Fatalf("the other worker claimed %d executions, want 1", n)
	}
	x := h.latest("b1")
	if x.Active() {
		t.Fatalf("execution still %s after the takeover", x.State)
	}
}
