package remediation

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/service"
)

// PutRemediationConfigurations validates each configuration's document and
// parameters against the runbooks and stores them (service contract); it
// wakes the workers when switching a configuration to Automatic queued
// executions.
func (e *Engine) PutRemediationConfigurations(ctx context.Context, scope configd.Scope, cs []*configd.RemediationConfiguration) (*service.PutRemediationConfigurationsResult, error) {
	res, err := e.svc.PutRemediationConfigurations(ctx, scope, cs, func(c *configd.RemediationConfiguration) error {
		return e.o.Runbooks.Validate(c.TargetID, c.Parameters)
	})
	if err != nil {
		return nil, err
	}
	for _, x := range res.QueuedExecutions {
		e.logTransition(scope, x, "automatic remediation switched on", "")
	}
	if res.Queued > 0 {
		e.Wake()
	}
	return res, nil
}

// DescribeRemediationConfigurations has the service's contract.
func (e *Engine) DescribeRemediationConfigurations(ctx context.Context, scope configd.Scope, rules []string) ([]*configd.RemediationConfiguration, error) {
	return e.svc.DescribeRemediationConfigurations(ctx, scope, rules)
}

// DeleteRemediationConfiguration has the service's contract; refusals by the
// guard are counted.
func (e *Engine) DeleteRemediationConfiguration(ctx context.Context, scope configd.Scope, rule, resourceType string) error {
	err := e.svc.DeleteRemediationConfiguration(ctx, scope, rule, resourceType)
	if configd.IsCode(err, configd.ErrRemediationInProgress) {
		e.m.GuardRejections.WithLabelValues(OpDelete).Inc()
	}
	return err
}

// StartRemediationExecution queues manual executions (service contract),
// counts the keys the guard refused, and wakes the workers.
//
// Two shortcuts keep a burst of requests for a resource in flight cheap;
// neither weakens the guard, which the store enforces on every insert:
// when a read shows every key already active, the call is refused without a
// write transaction; and identical calls that arrive while one is being
// written wait for it and are refused, since its keys are then in flight
// (or, if it failed, make their own attempt).
func (e *Engine) StartRemediationExecution(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey) (*service.StartRemediationResult, error) {
	uniq := uniqueKeys(keys)
	busy, err := e.allActive(ctx, scope, rule, uniq)
	if err != nil {
		return nil, err
	}
	if busy {
		return e.refuse(uniq)
	}
	fk := flightKey(scope, rule, uniq)
	e.fmu.Lock()
	if f, ok := e.flights[fk]; ok {
		e.fmu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if f.err == nil || configd.IsCode(f.err, configd.ErrRemediationInProgress) {
			return e.refuse(uniq)
		}
		return e.start(ctx, scope, rule, uniq)
	}
	f := &flight{done: make(chan struct{})}
	e.flights[fk] = f
	e.fmu.Unlock()
	res, err := e.start(ctx, scope, rule, uniq)
	f.err = err
	e.fmu.Lock()
	delete(e.flights, fk)
	e.fmu.Unlock()
	close(f.done)
	return res, err
}

// flight is a StartRemediationExecution call being written.
type flight struct {
	done chan struct{}
	err  error
}

func (e *Engine) start(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey) (*service.StartRemediationResult, error) {
	res, err := e.svc.StartRemediationExecution(ctx, scope, rule, keys)
	if res != nil && len(res.InProgress) > 0 {
		e.m.GuardRejections.WithLabelValues(OpStart).Add(float64(len(res.InProgress)))
	}
	if err != nil {
		return nil, err
	}
	for _, x := range res.Started {
		e.logTransition(scope, x, "StartRemediationExecution", "")
	}
	if len(res.Started) > 0 {
		e.Wake()
	}
	return res, nil
}

// refuse answers a call whose every key is in flight.
func (e *Engine) refuse(keys []configd.ResourceKey) (*service.StartRemediationResult, error) {
	e.m.GuardRejections.WithLabelValues(OpStart).Add(float64(len(keys)))
	return nil, service.ErrRemediationInProgress()
}

// allActive reports whether every key has an active execution of the rule:
// from the store's own statements when it has them, else from a read
// transaction.
func (e *Engine) allActive(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey) (bool, error) {
	if len(keys) == 0 {
		return false, nil
	}
	if c, ok := e.svc.Store().(configd.ActiveExecutionChecker); ok {
		return c.AllActiveExecutions(ctx, scope, rule, keys)
	}
	busy := true
	err := e.svc.Store().Read(ctx, func(tx configd.Tx) error {
		busy = true
		for _, k := range keys {
			x, err := tx.ActiveExecution(ctx, scope, rule, k)
			if err != nil {
				return err
			}
			if x == nil {
				busy = false
				return nil
			}
		}
		return nil
	})
	return busy, err
}

func uniqueKeys(keys []configd.ResourceKey) []configd.ResourceKey {
	seen := make(map[configd.ResourceKey]bool, len(keys))
	out := make([]configd.ResourceKey, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// flightKey identifies identical calls: the scope, the rule and the set of keys.
func flightKey(scope configd.Scope, rule string, keys []configd.ResourceKey) string {
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k.ResourceType+"\x00"+k.ResourceID)
	}
	slices.Sort(parts)
	return scope.String() + "\x00" + rule + "\x00" + strings.Join(parts, "\x01")
}

// DescribeRemediationExecutionStatus has the service's contract.
func (e *Engine) DescribeRemediationExecutionStatus(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey, after *configd.ResourceKey, limit int) ([]*configd.RemediationExecution, error) {
	return e.svc.DescribeRemediationExecutionStatus(ctx, scope, rule, keys, after, limit)
}

// PutRemediationExceptions has the service's contract.
func (e *Engine) PutRemediationExceptions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey, message string, expires time.Time) ([]service.FailedRemediationExceptions, error) {
	return e.svc.PutRemediationExceptions(ctx, scope, rule, keys, message, expires)
}

// DescribeRemediationExceptions has the service's contract.
func (e *Engine) DescribeRemediationExceptions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey, after *configd.ResourceKey, limit int) ([]*configd.RemediationException, error) {
	return e.svc.DescribeRemediationExceptions(ctx, scope, rule, keys, after, limit)
}

// DeleteRemediationExceptions has the service's contract.
func (e *Engine) DeleteRemediationExceptions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey) ([]service.FailedRemediationExceptions, error) {
	return e.svc.DeleteRemediationExceptions(ctx, scope, rule, keys)
}

// ComplianceChanged implements configd.ComplianceListener: inside the
// transaction that stores a detective result, it queues an automatic
// remediation when the result is NON_COMPLIANT, the rule's configuration is
// Automatic (for the resource's type), and no unexpired exception covers
// the resource. A resource with an active execution is coalesced (no attempt
// spent). An unchanged NON_COMPLIANT result does not queue again after a
// remediation that SUCCEEDED (the runbook ran but the rule still disagrees:
// retriggering would loop); it does after a failed one, so periodic
// evaluations retry resources whose attempts were spread beyond the retry
// window.
func (e *Engine) ComplianceChanged(ctx context.Context, tx configd.Tx, scope configd.Scope, prev, cur *configd.EvaluationResult) error {
	if cur == nil || cur.ComplianceType != configd.NonCompliant || cur.EvaluationMode == configd.EvaluationModeProactive {
		return nil
	}
	c, err := tx.GetRemediationConfiguration(ctx, scope, cur.RuleName)
	if configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration) {
		return nil
	}
	if err != nil {
		return err
	}
	if !c.Automatic {
		return nil
	}
	key := configd.ResourceKey{ResourceType: cur.ResourceType, ResourceID: cur.ResourceID}
	if prev != nil && prev.ComplianceType == configd.NonCompliant {
		latest, err := tx.LatestExecutions(ctx, scope, cur.RuleName, []configd.ResourceKey{key}, nil, 1)
		if err != nil {
			return err
		}
		if len(latest) > 0 && latest[0].State == configd.ExecSucceeded {
			return nil
		}
	}
	out, x, err := e.svc.QueueAutomaticTx(ctx, tx, scope, c, key, e.now())
	if err != nil {
		return err
	}
	switch out {
	case service.Queued:
		e.logTransition(scope, x, "NON_COMPLIANT evaluation", "")
		e.Wake()
	case service.Coalesced:
		e.m.GuardRejections.WithLabelValues(OpAutomatic).Inc()
	}
	return nil
}

var _ configd.ComplianceListener = (*Engine)(nil)
