package remediation

import (
	"context"
	"fmt"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/service"
)

// decision is what ExecutionControls say about starting an execution now.
type decision int

const (
	decisionRun   decision = iota
	decisionDefer          // too many of the rule's executions run already
	decisionStop           // ErrorPercentage of the batch failed
)

// controls applies the rule's ExecutionControls.SsmControls to x inside the
// start transaction (see decide).
func (r *run) controls(ctx context.Context, tx configd.Tx, cfg *configd.RemediationConfiguration, x *configd.RemediationExecution, now time.Time) (decision, string, error) {
	counts, err := tx.CountCompliance(ctx, r.scope, configd.EvaluationFilter{RuleNames: []string{cfg.RuleName}, ComplianceTypes: []string{configd.NonCompliant}}, true)
	if err != nil {
		return 0, "", err
	}
	nonCompliant := 0
	for _, c := range counts {
		if c.Group == cfg.RuleName {
			nonCompliant += c.Counts[configd.NonCompliant]
		}
	}
	latest, err := tx.LatestExecutions(ctx, r.scope, cfg.RuleName, nil, nil, 0)
	if err != nil {
		return 0, "", err
	}
	r.e.mu.Lock()
	pending := make(map[string]bool, len(r.e.claimed))
	for id := range r.e.claimed {
		pending[id] = true
	}
	r.e.mu.Unlock()
	d, msg := decide(cfg.ExecutionControls, nonCompliant, latest, x, pending)
	return d, msg, nil
}

// decide applies SsmControls to self, given the rule's newest execution of
// each resource (latest) and its number of NON_COMPLIANT resources.
//
// The batch is the rule's active executions and those that ended after
// being queued no earlier than the oldest active one: the executions queued
// together (an automatic switch-on, a StartRemediationExecution of many
// keys, a wave of evaluations). When ErrorPercentage of the batch has failed,
// the rest of it stops. A resource counts once, by its newest execution: an
// automatic attempt that failed and was queued again counts as active until
// its retries are spent. At most ConcurrentExecutionRatePercentage of the
// rule's non-compliant resources (or of the batch, when larger), rounded up
// and at least one, run at once; an execution over that limit is deferred.
// Executions that this engine claimed but has not started (pending) do not
// count as running, so that a batch claimed together starts its first
// members instead of deferring all of them; executions other processes
// claimed count, which only defers more than needed, briefly.
// https://docs.aws.amazon.com/config/latest/APIReference/API_SsmControls.html
func decide(ec *configd.ExecutionControls, nonCompliant int, latest []*configd.RemediationExecution, self *configd.RemediationExecution, pending map[string]bool) (decision, string) {
	batchStart := self.InvocationTime
	for _, l := range latest {
		if l.ID != self.ID && l.Active() && l.InvocationTime.Before(batchStart) {
			batchStart = l.InvocationTime
		}
	}
	total, failed, running, active := 1, 0, 0, 1 // self
	for _, l := range latest {
		if l.ID == self.ID || (l.ResourceType == self.ResourceType && l.ResourceID == self.ResourceID) {
			continue
		}
		switch {
		case l.Active():
			total++
			active++
			if l.State == configd.ExecInProgress && !pending[l.ID] {
				running++
			}
		case !l.InvocationTime.Before(batchStart) && !service.Skipped(l):
			total++
			if l.State == configd.ExecFailed {
				failed++
			}
		}
	}
	if failed > 0 && failed*100 >= ec.ErrorThreshold()*total {
		return decisionStop, fmt.Sprintf("Stopped: %d of the %d executions of this batch failed, reaching the ErrorPercentage of %d%% of the remediation's execution controls.", failed, total, ec.ErrorThreshold())
	}
	base := max(nonCompliant, active)
	limit := max((base*ec.Concurrency()+99)/100, 1)
	if running >= limit {
		return decisionDefer, ""
	}
	return decisionRun, ""
}
