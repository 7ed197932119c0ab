package evaluator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/configd/configd"
)

// writeBatch is how many results a sweep hands the writer at once, and
// maxWriteTx how many the writer stores in one transaction at most, merging
// batches that wait: a transaction holds SQLite's single writer (about 10 ms
// per thousand results), so other writes wait at most that long.
const (
	writeBatch = 500
	maxWriteTx = 4000
)

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
	// The rules, and the evaluations of the account, in one snapshot.
	var native, lambdaFan []*sweepRule
	var types []string
	readErr := e.o.Store.Read(ctx, func(tx configd.Tx) error {
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
			var err error
			types, err = sweepTypes(ctx, tx, scope, append(slices.Clone(native), lambdaFan...))
			if err != nil {
				return err
			}
		}
		if len(calls) > 0 {
			var err error
			role, err = roleARN(ctx, tx, scope)
			return err
		}
		return nil
	})
	// The resources, a page per read transaction: a snapshot held for the
	// whole sweep would keep SQLite from checkpointing the results written
	// meanwhile, and slow every write.
	// Rules that look up other resources (LAMBDA_VPC_MULTI_AZ_CHECK reads
	// the function's subnets) list them in a read transaction of their own,
	// once per type for the whole sweep.
	inv := &storeInventory{store: e.o.Store, scope: scope}
	for _, t := range types {
		if readErr != nil {
			break
		}
		readErr = e.eachItemPaged(ctx, scope, t, func(ci *configd.ConfigurationItem) error {
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
	}
	for _, sr := range native {
		if readErr != nil {
			break
		}
		st := ss.of(sr.c.rule.Name, invokedAt)
		if !st.evalFailed {
			st.evaluated()
		}
		if sr.covered != nil {
			readErr = e.o.Store.Read(ctx, func(tx configd.Tx) error {
				stale, err := staleResults(ctx, tx, scope, sr, invokedAt)
				naRes = append(naRes, stale...)
				return err
			})
		}
	}
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
		if err := e.storeAll(ctx, tx, scope, naRes, now); err != nil {
			return err
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

// eachItemPaged calls fn with the latest item of every recorded,
// non-deleted resource of resourceType, in id order, reading a page of
// items per read transaction and calling fn outside it.
func (e *Engine) eachItemPaged(ctx context.Context, scope configd.Scope, resourceType string, fn func(*configd.ConfigurationItem) error) error {
	after := ""
	for {
		var items []*configd.ConfigurationItem
		var full bool
		err := e.o.Store.Read(ctx, func(tx configd.Tx) error {
			items = items[:0]
			page, err := tx.ListResources(ctx, scope, configd.ResourceFilter{ResourceType: resourceType}, after, listPage)
			if err != nil {
				return fmt.Errorf("list %s: %w", resourceType, err)
			}
			full = len(page) == listPage
			if len(page) > 0 {
				after = page[len(page)-1].ResourceID
			}
			for _, r := range page {
				it, err := tx.LatestItem(ctx, scope, configd.ResourceKey{ResourceType: r.ResourceType, ResourceID: r.ResourceID})
				if configd.IsCode(err, configd.ErrResourceNotDiscovered) {
					continue
				}
				if err != nil {
					return fmt.Errorf("read %s %s: %w", r.ResourceType, r.ResourceID, err)
				}
				if !deletedItem(&it.Item) {
					ci := it.Item
					items = append(items, &ci)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, ci := range items {
			if err := fn(ci); err != nil {
				return err
			}
		}
		if !full {
			return nil
		}
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
	w := &writer{e: e, ctx: ctx, scope: scope, ch: make(chan []*configd.EvaluationResult, maxWriteTx/writeBatch), done: make(chan struct{})}
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
		// Merge the batches already waiting into one transaction: commits
		// (and the checkpoints they trigger) cost more than rows.
	merge:
		for len(batch) < maxWriteTx {
			select {
			case more, ok := <-w.ch:
				if !ok {
					break merge
				}
				batch = append(batch, more...)
			default:
				break merge
			}
		}
		if w.failed() != nil {
			continue
		}
		now := w.e.clock.Now()
		err := w.e.o.Store.Write(w.ctx, func(tx configd.Tx) error {
			return w.e.storeAll(w.ctx, tx, w.scope, batch, now)
		})
		if err != nil {
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
		}
	}
}
