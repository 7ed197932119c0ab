package evaluator

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/configd/configd"
)

// writeBatch is how many results one write transaction of a sweep stores.
const writeBatch = 500

// sweepRule is a rule of a sweep with what triggered it.
type sweepRule struct {
	c        *compiled
	triggers map[string]bool // EvaluateJob.Trigger values
	// covered holds the resources evaluated, for rules whose results of
	// resources now out of scope become NOT_APPLICABLE (a rule updated).
	covered map[configd.ResourceKey]bool
}

func (s *sweepRule) has(t string) bool { return s.triggers[t] }

// runSweep evaluates whole rules (created or updated, on demand, on
// schedule) of one scope: native rules against every recorded resource in
// their scope, Lambda-style rules by a scheduled invocation and, for those
// triggered by changes, one queued job per resource in scope. It completes
// the jobs with the last write.
func (e *Engine) runSweep(ctx context.Context, scope configd.Scope, cs []claimed) error {
	invokedAt := e.clock.Now()
	ss := statuses{}
	rules := map[string]*sweepRule{}
	var names []string
	for _, c := range cs {
		if c.p.RuleName == "" {
			continue
		}
		if rules[c.p.RuleName] == nil {
			rules[c.p.RuleName] = &sweepRule{triggers: map[string]bool{}}
			names = append(names, c.p.RuleName)
		}
		rules[c.p.RuleName].triggers[c.p.Trigger] = true
	}
	slices.Sort(names)

	w := e.newWriter(ctx, scope)
	var (
		calls  []*call
		fanout []*configd.Job
		role   string
		naRes  []*configd.EvaluationResult
	)
	readErr := e.o.Store.Read(ctx, func(tx configd.Tx) error {
		var native, lambdaFan []*sweepRule
		inv := newInventory(tx, scope)
		for _, name := range names {
			sr := rules[name]
			r, err := tx.GetRule(ctx, scope, name)
			if configd.IsCode(err, configd.ErrNoSuchConfigRule) {
				delete(rules, name)
				continue
			}
			if err != nil {
				return err
			}
			if !active(r) {
				delete(rules, name)
				continue
			}
			sr.c = e.compile(r)
			st := ss.of(name, invokedAt)
			st.sweepDone = true
			if !sr.c.usable() {
				st.invokeError(sr.c.errCode, sr.c.errMsg)
				continue
			}
			switch {
			case !sr.c.native():
				if sr.c.triggers.Periodic {
					calls = append(calls, &call{rule: r, invokedAt: invokedAt, invoking: ScheduledInvokingEvent(scope.AccountID, invokedAt)})
				}
				if (sr.c.triggers.Change || sr.c.triggers.Oversized) && (!sr.has(configd.MessageScheduled) || len(sr.triggers) > 1) {
					lambdaFan = append(lambdaFan, sr)
				}
			case AccountLevel(r):
				st.invoked()
				v := e.evalNative(ctx, sr.c, nil, inv, scope, invokedAt)
				if v.errCode != "" {
					st.evalError(v.errCode, v.errMsg)
					continue
				}
				for _, res := range v.results {
					if err := w.add(toResult(name, res, invokedAt, invokedAt)); err != nil {
						return err
					}
				}
				st.evaluated()
			default:
				st.invoked()
				if sr.has(configd.TriggerRuleUpdated) {
					sr.covered = map[configd.ResourceKey]bool{}
				}
				native = append(native, sr)
			}
		}
		if len(native)+len(lambdaFan) > 0 {
			types, err := sweepTypes(ctx, tx, scope, append(slices.Clone(native), lambdaFan...))
			if err != nil {
				return err
			}
			for _, t := range types {
				err := eachItem(ctx, tx, scope, t, func(ci *configd.ConfigurationItem) error {
					it := &item{ci: ci}
					key := configd.ResourceKey{ResourceType: ci.ResourceType, ResourceID: ci.ResourceID}
					for _, sr := range native {
						if !InScope(sr.c.rule, ci) {
							continue
						}
						if sr.covered != nil {
							sr.covered[key] = true
						}
						v := e.evalNative(ctx, sr.c, it, inv, scope, invokedAt)
						if v.errCode != "" {
							ss.of(sr.c.rule.Name, invokedAt).evalError(v.errCode, v.errMsg)
							continue
						}
						for _, res := range v.results {
							if err := w.add(toResult(sr.c.rule.Name, res, invokedAt, invokedAt)); err != nil {
								return err
							}
						}
					}
					for _, sr := range lambdaFan {
						if InScope(sr.c.rule, ci) {
							fanout = append(fanout, fanoutJob(scope, sr, key, invokedAt))
						}
					}
					return nil
				})
				if err != nil {
					return err
				}
			}
			for _, sr := range native {
				st := ss.of(sr.c.rule.Name, invokedAt)
				if !st.evalFailed {
					st.evaluated()
				}
				if sr.covered != nil {
					stale, err := staleResults(ctx, tx, scope, sr, invokedAt)
					if err != nil {
						return err
					}
					naRes = append(naRes, stale...)
				}
			}
		}
		if len(calls) > 0 {
			var err error
			role, err = roleARN(ctx, tx, scope)
			return err
		}
		return nil
	})
	if writeErr := w.close(); writeErr != nil {
		return writeErr
	}
	if readErr != nil {
		return readErr
	}
	e.invoke(ctx, scope, role, calls, ss)
	if err := ctx.Err(); err != nil {
		return err
	}
	now := e.clock.Now()
	err := e.o.Store.Write(ctx, func(tx configd.Tx) error {
		for _, r := range naRes {
			if _, err := e.store(ctx, tx, scope, r, now); err != nil {
				return err
			}
		}
		for _, j := range fanout {
			jc := *j
			if _, err := tx.EnqueueJob(ctx, &jc); err != nil {
				return err
			}
		}
		if err := ss.apply(ctx, tx, scope, now); err != nil {
			return err
		}
		return e.completeIn(ctx, tx, cs)
	})
	if err == nil && len(fanout) > 0 {
		e.Wake()
	}
	return err
}

// sweepTypes returns the resource types to read for the rules: the union of
// their scope types, or every recorded type when one of them names none.
func sweepTypes(ctx context.Context, tx configd.Tx, scope configd.Scope, rules []*sweepRule) ([]string, error) {
	set := map[string]bool{}
	for _, sr := range rules {
		types := ScopeTypes(sr.c.rule)
		if len(types) == 0 {
			counts, err := tx.CountResources(ctx, scope, nil)
			if err != nil {
				return nil, err
			}
			set = map[string]bool{}
			for _, c := range counts {
				if c.ResourceType != configd.AccountResourceType {
					set[c.ResourceType] = true
				}
			}
			break
		}
		for _, t := range types {
			set[t] = true
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	slices.Sort(out)
	return out, nil
}

// staleResults returns NOT_APPLICABLE results for the resources the rule
// judged before but no longer holds in its scope.
func staleResults(ctx context.Context, tx configd.Tx, scope configd.Scope, sr *sweepRule, invokedAt time.Time) ([]*configd.EvaluationResult, error) {
	var out []*configd.EvaluationResult
	var after *configd.EvaluationCursor
	f := configd.EvaluationFilter{RuleNames: []string{sr.c.rule.Name}}
	for {
		page, err := tx.ListEvaluationResults(ctx, scope, f, after, listPage)
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			key := configd.ResourceKey{ResourceType: r.ResourceType, ResourceID: r.ResourceID}
			if sr.covered[key] || r.ComplianceType == configd.NotApplicable || r.ResourceType == configd.AccountResourceType {
				continue
			}
			out = append(out, &configd.EvaluationResult{RuleName: r.RuleName, ResourceType: r.ResourceType, ResourceID: r.ResourceID,
				EvaluationMode: configd.EvaluationModeDetective, ComplianceType: configd.NotApplicable,
				ConfigRuleInvokedTime: invokedAt, OrderingTimestamp: invokedAt})
		}
		if len(page) < listPage {
			return out, nil
		}
		last := page[len(page)-1]
		after = &configd.EvaluationCursor{RuleName: last.RuleName, ResourceType: last.ResourceType, ResourceID: last.ResourceID}
	}
}

// fanoutJob is the job evaluating one resource against a Lambda-style rule
// for a sweep.
func fanoutJob(scope configd.Scope, sr *sweepRule, key configd.ResourceKey, now time.Time) *configd.Job {
	trigger := configd.TriggerOnDemand
	if sr.has(configd.TriggerRuleUpdated) {
		trigger = configd.TriggerRuleUpdated
	}
	k := key
	b, _ := json.Marshal(configd.EvaluateJob{RuleName: sr.c.rule.Name, Resource: &k, Trigger: trigger})
	return &configd.Job{Kind: configd.JobEvaluate, Scope: scope, Key: "eval/" + sr.c.rule.Name + "/" + key.ResourceType + "/" + key.ResourceID,
		Payload: string(b), RunAt: now}
}

// writer stores a sweep's results in batches, one write transaction each,
// in a goroutine, while the sweep goes on reading and evaluating.
type writer struct {
	e     *Engine
	ctx   context.Context
	scope configd.Scope
	buf   []*configd.EvaluationResult
	ch    chan []*configd.EvaluationResult
	done  chan struct{}
	mu    sync.Mutex
	err   error
}

func (e *Engine) newWriter(ctx context.Context, scope configd.Scope) *writer {
	w := &writer{e: e, ctx: ctx, scope: scope, ch: make(chan []*configd.EvaluationResult, 2), done: make(chan struct{})}
	go w.run()
	return w
}

var errWriterStopped = errors.New("evaluator: result writer failed")

func (w *writer) add(r *configd.EvaluationResult) error {
	w.buf = append(w.buf, r)
	if len(w.buf) >= writeBatch {
		return w.flush()
	}
	return nil
}

func (w *writer) flush() error {
	if len(w.buf) == 0 {
		return w.failed()
	}
	if err := w.failed(); err != nil {
		return err
	}
	select {
	case w.ch <- w.buf:
	case <-w.ctx.Done():
		return w.ctx.Err()
	}
	w.buf = make([]*configd.EvaluationResult, 0, writeBatch)
	return nil
}

func (w *writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return errWriterStopped
	}
	return nil
}

// close writes what is left and waits for the writes to end.
func (w *writer) close() error {
	w.flush()
	close(w.ch)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *writer) run() {
	defer close(w.done)
	for batch := range w.ch {
		if w.failed() != nil {
			continue
		}
		now := w.e.clock.Now()
		err := w.e.o.Store.Write(w.ctx, func(tx configd.Tx) error {
			for _, r := range batch {
				if _, err := w.e.store(w.ctx, tx, w.scope, r, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
		}
	}
}
