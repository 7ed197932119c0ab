package remediation

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/runbook"
	"github.com/configd/configd/service"
)

// TestAutomaticTrigger: a NON_COMPLIANT result of an Automatic rule queues
// an automatic execution in the evaluation's transaction; a second result
// while it is queued is coalesced without spending an attempt; COMPLIANT
// results and proactive results queue nothing.
func TestAutomaticTrigger(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		h := newHarnessOn(t, kind)
		h.put(testConfig(true, "0"))
		h.evaluate("ok", configd.Compliant)
		if a, _ := h.active(); a != 0 {
			t.Fatalf("a COMPLIANT result queued %d executions", a)
		}
		h.evaluate("b1", configd.NonCompliant)
		x := h.latest("b1")
		if x.State != configd.ExecQueued || !x.Automatic || x.Attempt != 1 {
			t.Fatalf("automatic execution = %+v", x)
		}
		h.evaluate("b1", configd.NonCompliant)
		if hist := h.history("b1"); len(hist) != 1 || hist[0].Attempt != 1 {
			t.Fatalf("after a second NON_COMPLIANT result: %d executions (attempt %d)", len(hist), hist[0].Attempt)
		}
		if got := counter(h.eng.m.GuardRejections.WithLabelValues(OpAutomatic)); got != 1 {
			t.Fatalf("coalesced triggers = %v, want 1", got)
		}
		h.runOnce(nil)
		if x := h.latest("b1"); x.State != configd.ExecSucceeded {
			t.Fatalf("state = %s", x.State)
		}
		if got := counter(h.eng.m.Attempts.WithLabelValues(ruleName, runbook.TestRunbookName, "automatic")); got != 1 {
			t.Fatalf("attempts{automatic} = %v", got)
		}

		t.Run("OKNoLoopAfterSuccess", func(t *testing.T) {
			// The runbook succeeded but the rule still says NON_COMPLIANT:
			// queueing again would loop.
			h.evaluate("b1", configd.NonCompliant)
			if a, _ := h.active(); a != 0 {
				t.Fatalf("an unchanged NON_COMPLIANT result after a success queued %d", a)
			}
			h.evaluate("b1", configd.Compliant)
			h.evaluate("b1", configd.NonCompliant)
			if a, _ := h.active(); a != 1 {
				t.Fatalf("a new NON_COMPLIANT transition queued %d, want 1", a)
			}
		})
	})
}

// TestSwitchToAutomatic: turning a configuration Automatic queues every
// resource already NON_COMPLIANT (of its resource type), and no others.
func TestSwitchToAutomatic(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		h := newHarnessOn(t, kind)
		h.put(testConfig(false, "0"))
		for _, id := range []string{"b1", "b2", "b3"} {
			h.evaluate(id, configd.NonCompliant)
		}
		h.evaluate("b4", configd.Compliant)
		if a, _ := h.active(); a != 0 {
			t.Fatalf("a manual configuration queued %d", a)
		}
		res := h.put(testConfig(true, "0"))
		if res.Queued != 3 {
			t.Fatalf("queued %d, want 3", res.Queued)
		}
		if a, _ := h.active(); a != 3 {
			t.Fatalf("%d active, want 3", a)
		}
		// Updating an Automatic configuration does not queue again.
		if res := h.put(testConfig(true, "0")); res.Queued != 0 {
			t.Fatalf("an update queued %d", res.Queued)
		}
	})
}

// TestRetriesThenException: a failing automatic remediation is retried
// RetryAttemptSeconds/MaximumAutomaticAttempts apart; after
// MaximumAutomaticAttempts failures within RetryAttemptSeconds configd puts
// an exception naming the failures, which blocks later triggers.
func TestRetriesThenException(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		h := newHarnessOn(t, kind)
		c := testConfig(true, "100")
		c.MaximumAutomaticAttempts = 3
		c.RetryAttemptSeconds = 60
		h.put(c)
		h.evaluate("b1", configd.NonCompliant)
		for attempt := 1; attempt <= 3; attempt++ {
			if n := h.runOnce(nil); n != 1 {
				t.Fatalf("attempt %d: claimed %d", attempt, n)
			}
			hist := h.history("b1")
			if hist[0].Attempt != attempt+1 && attempt < 3 {
				t.Fatalf("after attempt %d the newest execution is attempt %d (%s)", attempt, hist[0].Attempt, hist[0].State)
			}
			if attempt < 3 {
				retry := hist[0]
				if retry.State != configd.ExecQueued || !retry.RunAt.Equal(h.clock.Now().Add(20*time.Second)) {
					t.Fatalf("retry = %+v, want QUEUED at now+20s", retry)
				}
				if n := h.runOnce(nil); n != 0 {
					t.Fatalf("a retry ran before its time")
				}
				h.clock.Add(20 * time.Second)
			}
		}
		hist := h.history("b1")
		if len(hist) != 3 || hist[0].State != configd.ExecFailed {
			t.Fatalf("history = %v", states(hist))
		}
		ex := h.exception("b1")
		if ex == nil {
			t.Fatal("no remediation exception after 3 failures")
		}
		if !ex.ExpirationTime.IsZero() || !strings.Contains(ex.Message, "failed 3 times within 60 seconds") || !strings.Contains(ex.Message, "fails as asked") || len(ex.Message) > 1024 {
			t.Fatalf("exception = %+v", ex)
		}
		if got := counter(h.eng.m.ExceptionsCreated.WithLabelValues(ruleName)); got != 1 {
			t.Fatalf("exceptions created = %v", got)
		}
		if got := counter(h.eng.m.Retries.WithLabelValues(ruleName, runbook.TestRunbookName)); got != 2 {
			t.Fatalf("retries = %v, want 2", got)
		}
		// The exception blocks automatic remediation.
		h.evaluate("b1", configd.NonCompliant)
		if a, _ := h.active(); a != 0 {
			t.Fatalf("an excepted resource was queued")
		}
		// Deleting it lets the next evaluation queue a new series.
		if f, err := h.eng.DeleteRemediationExceptions(ctx, scope, ruleName, []configd.ResourceKey{key("b1")}); err != nil || len(f) != 0 {
			t.Fatalf("delete exception: %+v %v", f, err)
		}
		h.clock.Add(2 * time.Minute)
		h.evaluate("b1", configd.NonCompliant)
		if x := h.latest("b1"); x.State != configd.ExecQueued || x.Attempt != 1 {
			t.Fatalf("after the exception was deleted: %+v", x)
		}
	})
}

// TestRetrySucceeds: a runbook that fails twice then succeeds ends the
// series without an exception.
func TestRetrySucceeds(t *testing.T) {
	h := newHarness(t)
	c := testConfig(true, "2")
	c.RetryAttemptSeconds = 10
	h.put(c)
	h.evaluate("b1", configd.NonCompliant)
	for i := 0; i < 3; i++ {
		if n := h.runOnce(nil); n != 1 {
			t.Fatalf("run %d claimed %d", i, n)
		}
		h.clock.Add(2 * time.Second)
	}
	hist := h.history("b1")
	if got := states(hist); len(got) != 3 || got[0] != configd.ExecSucceeded || got[1] != configd.ExecFailed || got[2] != configd.ExecFailed {
		t.Fatalf("history = %v", got)
	}
	if hist[0].Attempt != 3 {
		t.Fatalf("succeeding attempt = %d, want 3", hist[0].Attempt)
	}
	if h.exception("b1") != nil {
		t.Fatal("an exception after a success")
	}
}

// TestAttemptsOutsideWindow: failures spread beyond RetryAttemptSeconds end
// the series without an exception; the next evaluation starts a new one.
func TestAttemptsOutsideWindow(t *testing.T) {
	h := newHarness(t)
	c := testConfig(true, "100")
	c.MaximumAutomaticAttempts = 2
	c.RetryAttemptSeconds = 10
	h.put(c)
	h.evaluate("b1", configd.NonCompliant)
	h.runOnce(nil)
	h.clock.Add(30 * time.Second) // the retry is due, the first failure is out of the window
	h.runOnce(nil)
	if h.exception("b1") != nil {
		t.Fatal("exception for failures spread beyond the window")
	}
	if a, _ := h.active(); a != 0 {
		t.Fatalf("%d still active after the attempts were spent", a)
	}
	h.evaluate("b1", configd.NonCompliant)
	if x := h.latest("b1"); x.State != configd.ExecQueued || x.Attempt != 2 {
		// One failure (the last) is within the window: attempt 2.
		t.Fatalf("new series = %+v", x)
	}
}

// TestExceptionExpiry: an exception with an ExpirationTime blocks automatic
// remediation until then; the expiry duty deletes it afterwards.
func TestExceptionExpiry(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		h := newHarnessOn(t, kind)
		h.put(testConfig(true, "0"))
		h.evaluate("b1", configd.NonCompliant)
		h.runOnce(nil)
		h.evaluate("b1", configd.Compliant)
		f, err := h.eng.PutRemediationExceptions(ctx, scope, ruleName, []configd.ResourceKey{key("b2")}, "until the migration", h.clock.Now().Add(time.Hour))
		if err != nil || len(f) != 0 {
			t.Fatalf("put: %+v %v", f, err)
		}
		h.evaluate("b2", configd.NonCompliant)
		if a, _ := h.active(); a != 0 {
			t.Fatalf("an excepted resource was queued")
		}
		h.clock.Add(2 * time.Hour)
		if es, _ := h.eng.DescribeRemediationExceptions(ctx, scope, ruleName, nil, nil, 0); len(es) != 0 {
			t.Fatalf("expired exceptions are described: %+v", es)
		}
		if n, err := h.eng.ExpireExceptions(ctx); err != nil || n != 1 {
			t.Fatalf("expired %d (%v), want 1", n, err)
		}
		if h.exception("b2") != nil {
			t.Fatal("the expired exception is still stored")
		}
		h.evaluate("b2", configd.NonCompliant)
		if a, _ := h.active(); a != 1 {
			t.Fatalf("after expiry %d queued, want 1", a)
		}
	})
}

// TestSkipWhenNoLongerNonCompliant: a queued execution whose resource became
// COMPLIANT, or excepted, is skipped when it comes to run: FAILED with a
// configd step, not an attempt, no retry, no exception.
func TestSkipWhenNoLongerNonCompliant(t *testing.T) {
	h := newHarness(t)
	c := testConfig(true, "100")
	c.MaximumAutomaticAttempts = 1
	h.put(c)
	h.evaluate("b1", configd.NonCompliant)
	h.evaluate("b1", configd.Compliant)
	h.evaluate("b2", configd.NonCompliant)
	if _, err := h.eng.PutRemediationExceptions(ctx, scope, ruleName, []configd.ResourceKey{key("b2")}, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	h.runOnce(nil)
	for _, id := range []string{"b1", "b2"} {
		x := h.latest(id)
		if x.State != configd.ExecFailed || !service.Skipped(x) {
			t.Fatalf("%s = %+v, want skipped", id, x)
		}
	}
	if a, _ := h.active(); a != 0 {
		t.Fatalf("%d retries of skipped executions", a)
	}
	if got := counter(h.eng.m.Executions.WithLabelValues(ruleName, runbook.TestRunbookName, StateSkipped)); got != 2 {
		t.Fatalf("executions{SKIPPED} = %v", got)
	}
	if got := counter(h.eng.m.Attempts); got != 0 {
		t.Fatalf("attempts = %v, want 0", got)
	}
	if h.exception("b1") != nil {
		t.Fatal("a skipped execution led to an exception")
	}
}

// TestExecutionControls: with ConcurrentExecutionRatePercentage 20 over ten
// non-compliant resources, at most two run at once; with ErrorPercentage 50,
// once half of the batch failed the rest stops.
func TestExecutionControls(t *testing.T) {
	eachStore(t, func(t *testing.T, kind string) {
		var mu sync.Mutex
		running, peak := 0, 0
		h := newHarnessOn(t, kind, func(o *Options) {
			o.DeferDelay = time.Second
			o.Sleep = func(context.Context, time.Duration) error {
				mu.Lock()
				running++
				peak = max(peak, running)
				mu.Unlock()
				time.Sleep(100 * time.Millisecond)
				mu.Lock()
				running--
				mu.Unlock()
				return nil
			}
		})
		c := testConfig(false, "100")
		c.Parameters["DurationSeconds"] = configd.RemediationParameter{StaticValues: []string{"1"}}
		c.ExecutionControls = &configd.ExecutionControls{ConcurrentExecutionRatePercentage: 20, ErrorPercentage: 50}
		h.put(c)
		ids := []string{"b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9"}
		for _, id := range ids {
			h.evaluate(id, configd.NonCompliant)
		}
		h.start(ids...)
		for i := 0; i < 20; i++ {
			h.runOnce(nil)
			h.clock.Add(time.Second)
		}
		if peak < 1 || peak > 2 {
			t.Fatalf("peak concurrency %d, want at most 2", peak)
		}
		failed, stopped := 0, 0
		for _, id := range ids {
			x := h.latest(id)
			switch {
			case x.State == configd.ExecFailed && service.Skipped(x):
				stopped++
				if !strings.Contains(lastError(x), "ErrorPercentage of 50%") {
					t.Fatalf("stop message: %q", lastError(x))
				}
			case x.State == configd.ExecFailed:
				failed++
			default:
				t.Fatalf("%s is %s", id, x.State)
			}
		}
		// Waves of two: 2, then 4 failed (< 50%), then 6 failed (>= 50%): the
		// last four stop. A run that ends before its wave mate starts shifts
		// the waves by one at most.
		if failed < 5 || failed > 6 || failed+stopped != 10 {
			t.Fatalf("failed %d, stopped %d; want 6 (or 5) and the rest stopped", failed, stopped)
		}
		if got := counter(h.eng.m.Deferred); got == 0 {
			t.Fatal("no deferral counted")
		}
	})
}
