package remediation

import (
	"strings"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/service"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func exec(id, state string, invoked time.Time) *configd.RemediationExecution {
	return &configd.RemediationExecution{ID: id, ResourceType: bucketType, ResourceID: id, State: state, InvocationTime: invoked, LastUpdatedTime: invoked}
}

func TestDecide(t *testing.T) {
	ec := &configd.ExecutionControls{ConcurrentExecutionRatePercentage: 20, ErrorPercentage: 50}
	self := exec("self", configd.ExecInProgress, t0)
	for _, tc := range []struct {
		name         string
		nonCompliant int
		latest       []*configd.RemediationExecution
		pending      map[string]bool
		want         decision
	}{
		{"OKAlone", 10, nil, nil, decisionRun},
		{"OKUnderLimit", 10, []*configd.RemediationExecution{exec("a", configd.ExecInProgress, t0)}, nil, decisionRun},
		{"ErrDeferAtLimit", 10, []*configd.RemediationExecution{exec("a", configd.ExecInProgress, t0), exec("b", configd.ExecInProgress, t0)}, nil, decisionDefer},
		{"OKPendingNotRunning", 10, []*configd.RemediationExecution{exec("a", configd.ExecInProgress, t0), exec("b", configd.ExecInProgress, t0)}, map[string]bool{"b": true}, decisionRun},
		{"OKQueuedNotRunning", 10, []*configd.RemediationExecution{exec("a", configd.ExecQueued, t0), exec("b", configd.ExecQueued, t0)}, nil, decisionRun},
		// 20% of 3 rounds up to 1.
		{"ErrDeferRoundedUp", 3, []*configd.RemediationExecution{exec("a", configd.ExecInProgress, t0)}, nil, decisionDefer},
		// No evaluations: the batch is the base.
		{"OKBatchBase", 0, []*configd.RemediationExecution{exec("a", configd.ExecInProgress, t0), exec("b", configd.ExecQueued, t0), exec("c", configd.ExecQueued, t0), exec("d", configd.ExecQueued, t0), exec("e", configd.ExecQueued, t0), exec("f", configd.ExecQueued, t0)}, nil, decisionRun},
		// 2 of 4 failed: 50%.
		{"ErrStop", 4, []*configd.RemediationExecution{exec("a", configd.ExecFailed, t0), exec("b", configd.ExecFailed, t0), exec("c", configd.ExecQueued, t0)}, nil, decisionStop},
		{"OKBelowErrorPercentage", 4, []*configd.RemediationExecution{exec("a", configd.ExecFailed, t0), exec("b", configd.ExecSucceeded, t0), exec("c", configd.ExecQueued, t0)}, nil, decisionRun},
		// Failures of an earlier batch do not count.
		{"OKOldFailures", 4, []*configd.RemediationExecution{exec("a", configd.ExecFailed, t0.Add(-time.Hour)), exec("b", configd.ExecFailed, t0.Add(-time.Hour))}, nil, decisionRun},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := decide(ec, tc.nonCompliant, tc.latest, self, tc.pending)
			if got != tc.want {
				t.Fatalf("decide = %d (%s), want %d", got, msg, tc.want)
			}
			if got == decisionStop && !strings.Contains(msg, "ErrorPercentage of 50%") {
				t.Fatalf("message %q", msg)
			}
		})
	}
}

// TestDecideDefaults: controls that set no percentage run with AWS's
// defaults, 10% at once and a stop at 50% failed.
func TestDecideDefaults(t *testing.T) {
	ec := &configd.ExecutionControls{}
	self := exec("self", configd.ExecInProgress, t0)
	running := []*configd.RemediationExecution{exec("a", configd.ExecInProgress, t0)}
	if got, msg := decide(ec, 10, running, self, nil); got != decisionDefer {
		t.Fatalf("10%% of 10 with one running: decide = %d (%s), want defer", got, msg)
	}
	if got, msg := decide(ec, 20, running, self, nil); got != decisionRun {
		t.Fatalf("10%% of 20 with one running: decide = %d (%s), want run", got, msg)
	}
	failed := []*configd.RemediationExecution{exec("a", configd.ExecFailed, t0), exec("b", configd.ExecFailed, t0), exec("c", configd.ExecQueued, t0)}
	if got, msg := decide(ec, 40, failed, self, nil); got != decisionStop || !strings.Contains(msg, "ErrorPercentage of 50%") {
		t.Fatalf("2 of 4 failed: decide = %d (%s), want stop at 50%%", got, msg)
	}
}

func TestAutomaticFailures(t *testing.T) {
	c := &configd.RemediationConfiguration{MaximumAutomaticAttempts: 5, RetryAttemptSeconds: 60}
	now := t0
	fail := func(ago time.Duration, automatic bool) *configd.RemediationExecution {
		x := exec("x", configd.ExecFailed, now.Add(-ago))
		x.Automatic = automatic
		return x
	}
	skipped := fail(time.Second, true)
	skipped.Steps = []configd.StepDetail{{Name: service.StepSkipped, State: configd.StepFailed}}
	for _, tc := range []struct {
		name string
		hist []*configd.RemediationExecution
		want int
	}{
		{"OKEmpty", nil, 0},
		{"OKRun", []*configd.RemediationExecution{fail(time.Second, true), fail(10*time.Second, true), fail(70*time.Second, true)}, 2},
		{"OKActiveIgnored", []*configd.RemediationExecution{exec("q", configd.ExecQueued, now), fail(time.Second, true)}, 1},
		{"OKSkippedIgnored", []*configd.RemediationExecution{skipped, fail(2*time.Second, true)}, 1},
		{"OKStopAtManual", []*configd.RemediationExecution{fail(time.Second, true), fail(2*time.Second, false), fail(3*time.Second, true)}, 1},
		{"OKStopAtSuccess", []*configd.RemediationExecution{fail(time.Second, true), exec("s", configd.ExecSucceeded, now), fail(3*time.Second, true)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := len(service.AutomaticFailures(tc.hist, c, now)); got != tc.want {
				t.Fatalf("failures = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestRetryDelay(t *testing.T) {
	for _, tc := range []struct {
		name     string
		attempts int
		seconds  int64
		want     time.Duration
	}{
		{"OKDefaults", 5, 60, 12 * time.Second},
		{"OKUnsetIsDefaults", 0, 0, 12 * time.Second},
		{"OKUnsetAttempts", 0, 30, 6 * time.Second},
		{"OKOneAttempt", 1, 30, 30 * time.Second},
		{"OKSubSecond", 25, 1, 40 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := RetryDelay(&configd.RemediationConfiguration{MaximumAutomaticAttempts: tc.attempts, RetryAttemptSeconds: tc.seconds}); got != tc.want {
				t.Fatalf("RetryDelay = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestExceptionMessage(t *testing.T) {
	c := &configd.RemediationConfiguration{TargetID: "AWS-EnableS3BucketEncryption", MaximumAutomaticAttempts: 25, RetryAttemptSeconds: 600}
	var fails []*configd.RemediationExecution
	for i := 25; i >= 1; i-- {
		x := exec("id", configd.ExecFailed, t0)
		x.Attempt = i
		x.Steps = []configd.StepDetail{{Name: "PutBucketEncryption", State: configd.StepFailed, ErrorMessage: strings.Repeat("AccessDenied: no ", 10)}}
		fails = append(fails, x)
	}
	t.Run("OKBounded", func(t *testing.T) {
		msg := exceptionMessage(c, fails)
		if n := len([]rune(msg)); n > 1024 || !strings.HasPrefix(msg, "Automatic remediation with AWS-EnableS3BucketEncryption failed 25 times within 600 seconds") || !strings.HasSuffix(msg, "...") {
			t.Fatalf("message (%d runes): %s", n, msg)
		}
	})
	t.Run("OKNamesFailures", func(t *testing.T) {
		msg := exceptionMessage(c, fails[:2])
		if !strings.Contains(msg, "attempt 25") || !strings.Contains(msg, "PutBucketEncryption: AccessDenied") {
			t.Fatalf("message: %s", msg)
		}
	})
}
