package evaluator

import (
	"context"

	"github.com/configd/configd"
)

// runChange evaluates one resource: its latest configuration item against
// every change-triggered rule whose scope holds it (or against the job's
// rule only), stores the results, updates the rules' status and completes
// the job, all in one transaction.
func (e *Engine) runChange(ctx context.Context, c claimed) error {
	scope, key := c.job.Scope, *c.p.Resource
	invokedAt := e.clock.Now()
	var (
		results []*configd.EvaluationResult
		calls   []*call
		role    string
	)
	ss := statuses{}
	err := e.o.Store.Read(ctx, func(tx configd.Tx) error {
		latest, err := tx.LatestItem(ctx, scope, key)
		if configd.IsCode(err, configd.ErrResourceNotDiscovered) {
			return nil
		}
		if err != nil {
			return err
		}
		ci := &latest.Item
		rules, err := rulesFor(ctx, tx, scope, c.p.RuleName)
		if err != nil {
			return err
		}
		it := &item{ci: ci}
		var inv *inventory
		var prevCI *configd.ConfigurationItem
		prevLoaded := false
		for _, r := range rules {
			if !active(r) || !TypeInScope(r, ci.ResourceType) {
				continue
			}
			if c.p.RuleName == "" && !ChangeTriggered(r) {
				continue
			}
			in := InScope(r, ci)
			if !in {
				// A resource that left the scope (or was deleted) is
				// NOT_APPLICABLE, if the rule had judged it.
				prev, err := tx.GetEvaluationResult(ctx, scope, r.Name, key)
				if err != nil {
					return err
				}
				if prev == nil || prev.ComplianceType == configd.NotApplicable {
					continue
				}
			}
			cr := e.compile(r)
			st := ss.of(r.Name, invokedAt)
			if !cr.usable() {
				st.invokeError(cr.errCode, cr.errMsg)
				continue
			}
			if cr.native() {
				st.invoked()
				if !in {
					results = append(results, &configd.EvaluationResult{RuleName: r.Name, ResourceType: key.ResourceType, ResourceID: key.ResourceID,
						EvaluationMode: configd.EvaluationModeDetective, ComplianceType: configd.NotApplicable,
						ConfigRuleInvokedTime: invokedAt, OrderingTimestamp: ci.CaptureTime})
					st.evaluated()
					continue
				}
				if inv == nil {
					inv = newInventory(tx, scope)
				}
				v := e.evalNative(ctx, cr, it, inv, scope, invokedAt)
				if v.errCode != "" {
					st.evalError(v.errCode, v.errMsg)
					continue
				}
				for _, res := range v.results {
					results = append(results, toResult(r.Name, res, invokedAt, ci.CaptureTime))
				}
				st.evaluated()
				continue
			}
			if !prevLoaded {
				prevLoaded = true
				if prevCI, err = previousItem(ctx, tx, scope, key, latest.Seq); err != nil {
					return err
				}
			}
			withDiff := c.p.Trigger == configd.MessageConfigurationItemChange || c.p.Trigger == ""
			invoking, mt := ChangeInvokingEvent(ci, prevCI, withDiff, invokedAt, e.o.OversizeBytes)
			if (mt == configd.MessageConfigurationItemChange && !cr.triggers.Change) ||
				(mt == configd.MessageOversizedConfigurationItemChange && !cr.triggers.Oversized) {
				// The rule does not listen for this message type.
				delete(ss, r.Name)
				continue
			}
			calls = append(calls, &call{rule: r, invokedAt: invokedAt, invoking: invoking, leftScope: !in && !deletedItem(ci)})
		}
		if len(calls) > 0 {
			role, err = roleARN(ctx, tx, scope)
		}
		return err
	})
	if err != nil {
		return err
	}
	e.invoke(ctx, scope, role, calls, ss)
	if err := ctx.Err(); err != nil {
		return err
	}
	now := e.clock.Now()
	return e.o.Store.Write(ctx, func(tx configd.Tx) error {
		if err := e.storeAll(ctx, tx, scope, results, now); err != nil {
			return err
		}
		if err := ss.apply(ctx, tx, scope, now); err != nil {
			return err
		}
		return e.completeIn(ctx, tx, []claimed{c})
	})
}

// rulesFor returns the rule named name, or every rule of the scope when name
// is "". A rule deleted meanwhile yields none.
func rulesFor(ctx context.Context, tx configd.Tx, scope configd.Scope, name string) ([]*configd.ConfigRule, error) {
	if name == "" {
		return tx.ListRules(ctx, scope, "", 0)
	}
	r, err := tx.GetRule(ctx, scope, name)
	if configd.IsCode(err, configd.ErrNoSuchConfigRule) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return []*configd.ConfigRule{r}, nil
}

// previousItem returns the item recorded before the one with sequence number
// seq, or nil.
func previousItem(ctx context.Context, tx configd.Tx, scope configd.Scope, key configd.ResourceKey, seq int64) (*configd.ConfigurationItem, error) {
	items, err := tx.History(ctx, scope, configd.HistoryQuery{Key: key, Limit: 2})
	if err != nil {
		return nil, err
	}
	for i, it := range items {
		if it.Seq == seq && i+1 < len(items) {
			prev := items[i+1].Item
			return &prev, nil
		}
	}
	return nil, nil
}
