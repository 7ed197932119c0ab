package evaluator

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/configd/configd"
)

// scheduleBatch is how many due rules one scheduler pass fires at most; a
// pass that fires as many runs again at once.
const scheduleBatch = 100

// schedulerLease names the lease that makes one process the scheduler of
// every process sharing the store.
const schedulerLease = "evaluator-scheduler"

func (e *Engine) scheduleLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.o.After(e.o.ScheduleInterval):
		}
		for ctx.Err() == nil {
			n, err := e.Schedule(ctx)
			if err != nil && ctx.Err() == nil {
				e.log.Error("evaluator: scheduling periodic rules failed", "err", err)
			}
			if n < scheduleBatch {
				break
			}
		}
	}
}

// Schedule fires the periodic rules that are due (RuleStatus.NextScheduledRun
// not after now) in every scope: it queues a ScheduledNotification
// evaluation of each and moves its NextScheduledRun on by the rule's
// frequency, past now, in one transaction, so the schedule survives
// restarts and a rule fires once per period whatever the number of
// processes. It returns how many rules it fired.
func (e *Engine) Schedule(ctx context.Context) (int, error) {
	now := e.clock.Now()
	fired := 0
	err := e.o.Store.Write(ctx, func(tx configd.Tx) error {
		fired = 0
		ok, err := tx.AcquireLease(ctx, schedulerLease, e.o.Owner, now, now.Add(2*e.o.ScheduleInterval))
		if err != nil || !ok {
			return err
		}
		due, err := tx.DueRules(ctx, now, scheduleBatch)
		if err != nil {
			return err
		}
		for _, d := range due {
			if err := tx.Lock(ctx, d.Scope, "rule/"+d.Name); err != nil {
				return err
			}
			r, err := tx.GetRule(ctx, d.Scope, d.Name)
			if configd.IsCode(err, configd.ErrNoSuchConfigRule) {
				continue
			}
			if err != nil {
				return err
			}
			st, err := tx.GetRuleStatus(ctx, d.Scope, d.Name)
			if err != nil {
				return err
			}
			if st.NextScheduledRun.IsZero() || st.NextScheduledRun.After(now) {
				continue // another process fired it
			}
			st.NextScheduledRun = NextRun(st.NextScheduledRun, Frequency(r), now)
			if err := tx.PutRuleStatus(ctx, d.Scope, d.Name, st); err != nil {
				return err
			}
			if _, err := tx.EnqueueJob(ctx, RuleJob(d.Scope, d.Name, configd.MessageScheduled, now)); err != nil {
				return err
			}
			fired++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("schedule: %w", err)
	}
	if fired > 0 {
		e.Wake()
	}
	return fired, nil
}

// NextRun returns the first time after now that is last plus a whole number
// of periods: a rule late by several periods (configd was stopped) runs once,
// then keeps its rhythm.
func NextRun(last time.Time, period time.Duration, now time.Time) time.Time {
	if period <= 0 {
		period = DefaultFrequency
	}
	if last.IsZero() || last.After(now) {
		return now.Add(period)
	}
	n := now.Sub(last)/period + 1
	return last.Add(n * period)
}

// RuleJob returns the job evaluating a whole rule for trigger (a rule
// created or updated, on demand, on schedule). Its key coalesces it with a
// pending evaluation of the same rule.
func RuleJob(scope configd.Scope, rule, trigger string, now time.Time) *configd.Job {
	b, _ := json.Marshal(configd.EvaluateJob{RuleName: rule, Trigger: trigger})
	return &configd.Job{Kind: configd.JobEvaluate, Scope: scope, Key: "rule/" + rule, Payload: string(b), RunAt: now}
}
