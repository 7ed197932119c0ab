package evaluator

import (
	"context"
	"sync"

	"github.com/configd/configd"
)

// changeOutcome is what evaluating one resource job found, to be stored
// with its completion.
type changeOutcome struct {
	c       claimed
	results []*configd.EvaluationResult
	ss      statuses
	err     error
}

// runChanges runs resource jobs: each is evaluated on its own (side by side,
// at most InvokeConcurrency at once, since a Lambda-style rule's function may
// take a while), then the results of all are stored, their rules' status
// updated and the jobs completed in one transaction, so that a burst of
// changes costs one commit per claim rather than one per resource.
func (e *Engine) runChanges(ctx context.Context, cs []claimed) {
	// The rules of each scope, read once for the claim.
	scopeRules := map[configd.Scope][]*configd.ConfigRule{}
	for _, c := range cs {
		if _, ok := scopeRules[c.job.Scope]; ok || c.p.RuleName != "" {
			continue
		}
		err := e.o.Store.Read(ctx, func(tx configd.Tx) error {
			rs, err := tx.ListRules(ctx, c.job.Scope, "", 0)
			scopeRules[c.job.Scope] = rs
			return err
		})
		if err != nil {
			for _, c := range cs {
				e.finish(ctx, []claimed{c}, err)
			}
			return
		}
	}
	outs := make([]*changeOutcome, len(cs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, e.o.InvokeConcurrency)
	for i, c := range cs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			outs[i] = e.prepareChange(ctx, c, scopeRules[c.job.Scope])
		}()
	}
	wg.Wait()
	var ok []*changeOutcome
	for _, o := range outs {
		if o.err != nil {
			e.finish(ctx, []claimed{o.c}, o.err)
			continue
		}
		ok = append(ok, o)
	}
	if len(ok) == 0 {
		return
	}
	now := e.clock.Now()
	err := e.o.Store.Write(ctx, func(tx configd.Tx) error {
		merged := map[configd.Scope]statuses{}
		for _, o := range ok {
			// A job whose lease expired is another worker's now: its
			// results are not stored twice.
			done, err := tx.CompleteJob(ctx, o.c.job.ID, e.o.Owner)
			if err != nil {
				return err
			}
			if !done {
				e.log.Warn("evaluator: a job's lease expired before it finished; another worker runs it", "job", o.c.job.ID)
				continue
			}
			if err := e.storeAll(ctx, tx, o.c.job.Scope, o.results, now); err != nil {
				return err
			}
			if merged[o.c.job.Scope] == nil {
				merged[o.c.job.Scope] = statuses{}
			}
			merged[o.c.job.Scope].merge(o.ss)
		}
		for scope, ss := range merged {
			if err := ss.apply(ctx, tx, scope, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for _, o := range ok {
			e.finish(ctx, []claimed{o.c}, err)
		}
	}
}

// prepareChange evaluates one resource: its latest configuration item
// against every change-triggered rule whose scope holds it (or against the
// job's rule only), invoking the functions of Lambda-style rules.
// scopeRules are the scope's rules, for jobs of every rule.
func (e *Engine) prepareChange(ctx context.Context, c claimed, scopeRules []*configd.ConfigRule) *changeOutcome {
	out := &changeOutcome{c: c}
	out.results, out.ss, out.err = e.evalChange(ctx, c, scopeRules)
	return out
}

func (e *Engine) evalChange(ctx context.Context, c claimed, scopeRules []*configd.ConfigRule) ([]*configd.EvaluationResult, statuses, error) {
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
		rules := scopeRules
		if c.p.RuleName != "" {
			if rules, err = rulesFor(ctx, tx, scope, c.p.RuleName); err != nil {
				return err
			}
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
		return nil, nil, err
	}
	e.invoke(ctx, scope, role, calls, ss)
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return results, ss, nil
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
