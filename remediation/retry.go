package remediation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/service"
)

// end sets x's final state inside tx and, for a failed automatic attempt,
// queues the retry or puts the remediation exception.
func (r *run) end(ctx context.Context, tx configd.Tx, x *configd.RemediationExecution, state string, now time.Time) error {
	e := r.e
	x.State, x.LastUpdatedTime, x.Owner, x.LeaseUntil = state, now, "", time.Time{}
	if err := tx.UpdateExecution(ctx, r.scope, x); err != nil {
		return err
	}
	if state != configd.ExecFailed || !x.Automatic || service.Skipped(x) || r.cfg == nil {
		return nil
	}
	key := configd.ResourceKey{ResourceType: x.ResourceType, ResourceID: x.ResourceID}
	hist, err := tx.ExecutionHistory(ctx, r.scope, x.RuleName, key)
	if err != nil {
		return err
	}
	fails := service.AutomaticFailures(hist, r.cfg, now)
	if len(fails) >= r.cfg.Attempts() {
		ex := &configd.RemediationException{RuleName: x.RuleName, ResourceType: x.ResourceType, ResourceID: x.ResourceID, Message: exceptionMessage(r.cfg, fails)}
		if err := tx.PutRemediationException(ctx, r.scope, ex); err != nil {
			return err
		}
		e.m.ExceptionsCreated.WithLabelValues(x.RuleName).Inc()
		e.log.Warn("remediation exception created after repeated failures", "rule", x.RuleName, "resource_type", x.ResourceType, "resource_id", x.ResourceID, "execution_id", x.ID, "attempt", x.Attempt, "failures", len(fails))
		return nil
	}
	if x.Attempt >= r.cfg.Attempts() {
		// The attempts were spread beyond the window: the series ends
		// without an exception; the next NON_COMPLIANT evaluation starts
		// a new one.
		return nil
	}
	retry := &configd.RemediationExecution{
		ID: service.NewUUID(), RuleName: x.RuleName, ResourceType: x.ResourceType, ResourceID: x.ResourceID,
		State: configd.ExecQueued, InvocationTime: now, LastUpdatedTime: now, RunAt: now.Add(RetryDelay(r.cfg)),
		Automatic: true, Attempt: len(fails) + 1, Steps: []configd.StepDetail{},
	}
	if err := tx.InsertExecution(ctx, r.scope, retry); err != nil {
		if configd.IsCode(err, configd.ErrRemediationInProgress) {
			return nil // something else queued one meanwhile
		}
		return err
	}
	e.m.Retries.WithLabelValues(x.RuleName, r.cfg.TargetID).Inc()
	e.log.Info("remediation retry queued", "rule", x.RuleName, "resource_type", x.ResourceType, "resource_id", x.ResourceID, "execution_id", retry.ID, "attempt", retry.Attempt, "run_at", retry.RunAt)
	return nil
}

// RetryDelay is how long configd waits before retrying a failed automatic
// attempt: the retry window shared by the attempts,
// RetryAttemptSeconds / MaximumAutomaticAttempts. AWS documents the window,
// not the spacing, so this is configd's choice: it lets every attempt of a
// quickly failing runbook land inside the window.
func RetryDelay(c *configd.RemediationConfiguration) time.Duration {
	return c.RetryWindow() / time.Duration(c.Attempts())
}

// maxExceptionMessage is the model's bound of RemediationException.Message.
const maxExceptionMessage = 1024

// exceptionMessage names the failures that made configd put an exception.
func exceptionMessage(c *configd.RemediationConfiguration, fails []*configd.RemediationExecution) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Automatic remediation with %s failed %d times within %d seconds (MaximumAutomaticAttempts %d); configd stopped remediating this resource automatically. Failures:",
		c.TargetID, len(fails), int64(c.RetryWindow()/time.Second), c.Attempts())
	for _, f := range fails {
		msg := ""
		for _, st := range f.Steps {
			if st.State == configd.StepFailed && st.ErrorMessage != "" {
				msg = st.Name + ": " + st.ErrorMessage
			}
		}
		fmt.Fprintf(&b, " [attempt %d, execution %s, %s: %s]", f.Attempt, f.ID, f.LastUpdatedTime.UTC().Format(time.RFC3339), msg)
	}
	s := b.String()
	if r := []rune(s); len(r) > maxExceptionMessage {
		s = string(r[:maxExceptionMessage-3]) + "..."
	}
	return s
}
