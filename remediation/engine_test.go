package remediation

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/runbook"
)

// TestManualLifecycle: a manual start queues, a worker runs it to SUCCEEDED
// with the runbook's step, the resource is re-recorded and re-evaluation is
// queued, and the guard is released afterwards.
func TestManualLifecycle(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		h := newHarnessOn(t, kind)
		h.put(testConfig(false, "0"))
		res := h.start("b1")
		if len(res.Started) != 1 || len(res.InProgress) != 0 || res.FailureMessage() != "" {
			t.Fatalf("start = %+v", res)
		}
		x := h.latest("b1")
		if x.State != configd.ExecQueued || x.Automatic || x.Attempt != 0 || x.InvocationTime.IsZero() {
			t.Fatalf("queued execution = %+v", x)
		}
		if n := h.runOnce(nil); n != 1 {
			t.Fatalf("RunOnce claimed %d, want 1", n)
		}
		x = h.latest("b1")
		if x.State != configd.ExecSucceeded || len(x.Steps) != 1 || x.Steps[0].Name != "Run" || x.Steps[0].State != configd.StepSucceeded {
			t.Fatalf("execution after run = %+v", x)
		}
		if x.Owner != "" || !x.LeaseUntil.IsZero() {
			t.Fatalf("ended execution keeps a lease: owner %q until %v", x.Owner, x.LeaseUntil)
		}
		if got := h.rer.list(); len(got) != 1 || got[0] != key("b1") {
			t.Fatalf("re-recorded %v, want [b1]", got)
		}
		var jobs int
		h.db.Read(ctx, func(tx configd.Tx) error {
			var err error
			jobs, err = tx.CountJobs(ctx, configd.JobEvaluate, scope)
			return err
		})
		if jobs != 1 {
			t.Fatalf("%d evaluation jobs queued after success, want 1", jobs)
		}
		if got := counter(h.eng.m.Executions.WithLabelValues(ruleName, runbook.TestRunbookName, configd.ExecSucceeded)); got != 1 {
			t.Fatalf("executions{SUCCEEDED} = %v", got)
		}
		if got := counter(h.eng.m.Attempts.WithLabelValues(ruleName, runbook.TestRunbookName, "manual")); got != 1 {
			t.Fatalf("attempts{manual} = %v", got)
		}
		// The guard is free again.
		if res := h.start("b1"); len(res.Started) != 1 {
			t.Fatalf("second start after the first ended = %+v", res)
		}
	})
}

// TestGuard: keys in flight are refused in FailedItems while the others
// start; when every key is in flight the call fails with
// RemediationInProgressException; nothing is added either way.
func TestGuard(t *testing.T) {
	h := newHarness(t)
	h.put(testConfig(false, "0"))
	h.start("b1")

	t.Run("ErrAllInProgress", func(t *testing.T) {
		res, err := h.eng.StartRemediationExecution(ctx, scope, ruleName, []configd.ResourceKey{key("b1"), key("b1")})
		if !configd.IsCode(err, configd.ErrRemediationInProgress) {
			t.Fatalf("err = %v, want RemediationInProgressException", err)
		}
		if res != nil {
			t.Fatalf("result with the error: %+v", res)
		}
	})
	t.Run("OKPartial", func(t *testing.T) {
		res := h.start("b1", "b2")
		if len(res.Started) != 1 || res.Started[0].ResourceID != "b2" || len(res.InProgress) != 1 || res.InProgress[0] != key("b1") {
			t.Fatalf("start = %+v", res)
		}
		if !strings.Contains(res.FailureMessage(), "in progress") {
			t.Fatalf("FailureMessage %q does not say in progress", res.FailureMessage())
		}
	})
	if hist := h.history("b1"); len(hist) != 1 {
		t.Fatalf("b1 has %d executions, want 1", len(hist))
	}
	if got := counter(h.eng.m.GuardRejections.WithLabelValues(OpStart)); got != 2 {
		t.Fatalf("guard rejections = %v, want 2 (one key per refused call)", got)
	}
	t.Run("ErrNoConfiguration", func(t *testing.T) {
		h.putRule("other")
		_, err := h.eng.StartRemediationExecution(ctx, scope, "other", []configd.ResourceKey{key("b1")})
		if !configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestConcurrentStarts: 200 concurrent starts of one resource create exactly
// one execution; every other call is refused by the guard.
func TestConcurrentStarts(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		h := newHarnessOn(t, kind)
		h.put(testConfig(false, "0"))
		var started, refused atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := h.eng.StartRemediationExecution(ctx, scope, ruleName, []configd.ResourceKey{key("b1")})
				switch {
				case configd.IsCode(err, configd.ErrRemediationInProgress):
					refused.Add(1)
				case err != nil:
					t.Error(err)
				default:
					started.Add(int32(len(res.Started)))
				}
			}()
		}
		wg.Wait()
		if started.Load() != 1 || refused.Load() != 199 {
			t.Fatalf("started %d, refused %d; want 1 and 199", started.Load(), refused.Load())
		}
		if hist := h.history("b1"); len(hist) != 1 {
			t.Fatalf("%d executions stored, want 1", len(hist))
		}
	})
}

// TestTwoEnginesClaimOnce: two engines (processes) on one store never run
// the same execution.
func TestTwoEnginesClaimOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		h := newHarnessOn(t, kind)
		h.put(testConfig(false, "0"))
		for i := 0; i < 40; i++ {
			h.start("b" + string(rune('a'+i%26)) + string(rune('a'+i/26)))
		}
		b := h.other("worker-b")
		var total atomic.Int32
		var wg sync.WaitGroup
		for _, e := range []*Engine{h.eng, b} {
			wg.Add(1)
			go func(e *Engine) {
				defer wg.Done()
				for {
					n, err := e.RunOnce(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if n == 0 {
						return
					}
					total.Add(int32(n))
				}
			}(e)
		}
		wg.Wait()
		if total.Load() < 40 {
			t.Fatalf("claimed %d executions in total, want at least 40", total.Load())
		}
		// Each ran once: a second claim of an execution never runs it again.
		if got := counter(h.eng.m.Attempts) + counter(b.m.Attempts); got != 40 {
			t.Fatalf("%v runbook runs, want 40", got)
		}
		if got := counter(h.eng.m.Executions) + counter(b.m.Executions); got != 40 {
			t.Fatalf("%v executions ended, want 40", got)
		}
	})
}

// TestDeleteDuringRun: deleting the configuration while an execution runs
// fails with RemediationInProgressException and AWS's message; after the
// run it succeeds and the history goes with it.
func TestDeleteDuringRun(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		g := newGate()
		h := newHarnessOn(t, kind, func(o *Options) { o.Sleep = g.Sleep })
		c := testConfig(false, "0")
		c.Parameters["DurationSeconds"] = configd.RemediationParameter{StaticValues: []string{"30"}}
		h.put(c)
		h.start("b1")
		h.eng.Start(ctx)
		<-g.waiting
		if x := h.latest("b1"); x.State != configd.ExecInProgress || len(x.Steps) != 1 || x.Steps[0].State != configd.StepPending {
			t.Fatalf("running execution = %+v", x)
		}
		err := h.eng.DeleteRemediationConfiguration(ctx, scope, ruleName, "")
		if !configd.IsCode(err, configd.ErrRemediationInProgress) || configd.ErrorMessage(err) != "Remediation action is in progress. You can either cancel execution in AWS Systems Manager or wait and try again later." {
			t.Fatalf("delete during run: %v", err)
		}
		if got := counter(h.eng.m.GuardRejections.WithLabelValues(OpDelete)); got != 1 {
			t.Fatalf("guard rejections{delete} = %v", got)
		}
		close(g.release)
		waitFor(t, "the execution to end", func() bool { return h.latest("b1").State == configd.ExecSucceeded })
		if err := h.eng.DeleteRemediationConfiguration(ctx, scope, ruleName, ""); err != nil {
			t.Fatalf("delete after run: %v", err)
		}
		if _, err := h.eng.DescribeRemediationExecutionStatus(ctx, scope, ruleName, nil, nil, 0); !configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration) {
			t.Fatalf("status after delete: %v", err)
		}
		if err := h.eng.DeleteRemediationConfiguration(ctx, scope, ruleName, ""); !configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration) {
			t.Fatalf("second delete: %v", err)
		}
	})
}

// TestStepsProgress: step details are written while the runbook runs, not
// only at its end.
func TestStepsProgress(t *testing.T) {
	g := newGate()
	h := newHarness(t, func(o *Options) { o.Sleep = g.Sleep })
	h.put(testConfig(false, "0"))
	h.start("b1")
	done := make(chan struct{})
	go func() { h.runOnce(nil); close(done) }()
	<-g.waiting
	x := h.latest("b1")
	if x.State != configd.ExecInProgress || len(x.Steps) != 1 || x.Steps[0].Name != "Run" || x.Steps[0].State != configd.StepPending || x.Steps[0].StartTime.IsZero() {
		t.Fatalf("while running: %+v", x)
	}
	if x.Owner != "worker-a" || !x.LeaseUntil.After(h.clock.Now()) {
		t.Fatalf("lease while running: owner %q until %v", x.Owner, x.LeaseUntil)
	}
	close(g.release)
	<-done
	if x := h.latest("b1"); x.Steps[0].State != configd.StepSucceeded || x.Steps[0].StopTime.IsZero() {
		t.Fatalf("after run: %+v", x.Steps)
	}
}

// TestStopReleasesLease: an execution interrupted by Stop stays IN_PROGRESS
// with its lease ended; the next engine runs it again at once.
func TestStopReleasesLease(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		g := newGate()
		h := newHarnessOn(t, kind, func(o *Options) { o.Sleep = g.Sleep })
		h.put(testConfig(false, "0"))
		h.start("b1")
		h.eng.Start(ctx)
		<-g.waiting
		h.eng.Stop()
		x := h.latest("b1")
		if x.State != configd.ExecInProgress || x.LeaseUntil.After(h.clock.Now()) {
			t.Fatalf("after Stop: state %s, lease until %v (now %v)", x.State, x.LeaseUntil, h.clock.Now())
		}
		b := h.other("worker-b")
		if n := h.runOnce(b); n != 1 {
			t.Fatalf("the next engine claimed %d, want 1", n)
		}
		x = h.latest("b1")
		if x.State != configd.ExecSucceeded || !hasStep(x, StepResumed) {
			t.Fatalf("after resume: %+v", x)
		}
	})
}

func hasStep(x *configd.RemediationExecution, name string) bool {
	for _, s := range x.Steps {
		if s.Name == name {
			return true
		}
	}
	return false
}

// TestWorkerLost: an execution whose worker died stays IN_PROGRESS until its
// lease expires; then another engine runs it again once, and fails it when
// its worker dies a second time; either way the guard is released.
func TestWorkerLost(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		h := newHarnessOn(t, kind)
		h.put(testConfig(false, "0"))
		die := func(owner string) {
			t.Helper()
			h.start("b1")
			err := h.db.Write(ctx, func(tx configd.Tx) error {
				now := h.clock.Now()
				cl, err := tx.ClaimExecutions(ctx, owner, now, now.Add(DefaultLease), 10)
				if err != nil || len(cl) != 1 {
					t.Fatalf("claim: %v %d", err, len(cl))
				}
				x := cl[0].Execution
				x.State = configd.ExecInProgress
				x.Steps = append(x.Steps, configd.StepDetail{Name: "Run", State: configd.StepPending, StartTime: now})
				return tx.UpdateExecution(ctx, scope, x)
			})
			if err != nil {
				t.Fatal(err)
			}
		}

		t.Run("OKRerun", func(t *testing.T) {
			die("dead-1")
			if n := h.runOnce(nil); n != 0 {
				t.Fatalf("claimed %d executions with an unexpired lease", n)
			}
			if res, err := h.eng.StartRemediationExecution(ctx, scope, ruleName, []configd.ResourceKey{key("b1")}); !configd.IsCode(err, configd.ErrRemediationInProgress) {
				t.Fatalf("start while the dead worker's lease holds: %+v %v", res, err)
			}
			h.clock.Add(DefaultLease + time.Second)
			if n := h.runOnce(nil); n != 1 {
				t.Fatalf("claimed %d after the lease expired, want 1", n)
			}
			x := h.latest("b1")
			if x.State != configd.ExecSucceeded || !hasStep(x, StepResumed) {
				t.Fatalf("resumed execution = %+v", x)
			}
			if got := counter(h.eng.m.Resumed.WithLabelValues("rerun")); got != 1 {
				t.Fatalf("resumed{rerun} = %v", got)
			}
		})
		t.Run("ErrDiedTwice", func(t *testing.T) {
			die("dead-2")
			// The first resume is claimed and its worker dies too.
			h.clock.Add(DefaultLease + time.Second)
			err := h.db.Write(ctx, func(tx configd.Tx) error {
				now := h.clock.Now()
				cl, err := tx.ClaimExecutions(ctx, "dead-3", now, now.Add(DefaultLease), 10)
				if err != nil || len(cl) != 1 {
					t.Fatalf("claim: %v %d", err, len(cl))
				}
				x := cl[0].Execution
				x.Steps = append(x.Steps, configd.StepDetail{Name: StepResumed, State: configd.StepFailed, ErrorMessage: "first resume", StartTime: now, StopTime: now})
				return tx.UpdateExecution(ctx, scope, x)
			})
			if err != nil {
				t.Fatal(err)
			}
			h.clock.Add(DefaultLease + time.Second)
			if n := h.runOnce(nil); n != 1 {
				t.Fatalf("claimed %d, want 1", n)
			}
			x := h.latest("b1")
			if x.State != configd.ExecFailed || x.Steps[0].State != configd.StepFailed || !strings.Contains(lastError(x), "fails it") {
				t.Fatalf("twice-lost execution = %+v", x)
			}
			if res := h.start("b1"); len(res.Started) != 1 {
				t.Fatalf("the guard stayed: %+v", res)
			}
		})
	})
}

// TestLeaseRenewal: a long run renews its lease, so another engine does not
// take it over even after the first lease would have expired.
func TestLeaseRenewal(t *testing.T) {
	g := newGate()
	ticks := make(chan time.Time)
	h := newHarness(t, func(o *Options) {
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
	before := h.latest("b1").LeaseUntil
	h.clock.Add(20 * time.Second) // past Lease/3: the next tick renews
	ticks <- time.Now()
	waitFor(t, "the lease to be renewed", func() bool { return h.latest("b1").LeaseUntil.After(before) })
	h.clock.Add(20 * time.Second) // past the first lease, within the renewed one
	if n := h.runOnce(h.other("worker-b")); n != 0 {
		t.Fatalf("another engine claimed a renewed execution")
	}
	close(g.release)
	<-done
	if x := h.latest("b1"); x.State != configd.ExecSucceeded {
		t.Fatalf("state = %s", x.State)
	}
}

// TestManualStartNotBlockedByException: exceptions block automatic
// remediation only.
func TestManualStartNotBlockedByException(t *testing.T) {
	h := newHarness(t)
	h.put(testConfig(false, "0"))
	h.evaluate("b1", configd.NonCompliant)
	if f, err := h.eng.PutRemediationExceptions(ctx, scope, ruleName, []configd.ResourceKey{key("b1")}, "keep", time.Time{}); err != nil || len(f) != 0 {
		t.Fatalf("put exception: %+v %v", f, err)
	}
	h.start("b1")
	h.runOnce(nil)
	if x := h.latest("b1"); x.State != configd.ExecSucceeded {
		t.Fatalf("manual execution on an excepted resource: %+v", x)
	}
}

// TestCounterSharedByEngines: Configd-TestRunbook's FailTimes counts
// executions through the store, so two engines share the count.
func TestCounterSharedByEngines(t *testing.T) {
	h := newHarness(t)
	h.put(testConfig(false, "1"))
	h.start("b1")
	h.runOnce(nil)
	if x := h.latest("b1"); x.State != configd.ExecFailed {
		t.Fatalf("first execution = %s, want FAILED (FailTimes 1)", x.State)
	}
	h.start("b1")
	h.runOnce(h.other("worker-b"))
	if x := h.latest("b1"); x.State != configd.ExecSucceeded {
		t.Fatalf("second execution, on another engine = %s, want SUCCEEDED", x.State)
	}
}
