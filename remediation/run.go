package remediation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/runbook"
	"github.com/configd/configd/service"
)

// StepResumed names the step configd adds to an execution it claims again
// after the worker running it stopped (its lease expired): FAILED, with a
// message saying what happened and whether the execution runs again.
const StepResumed = "configd:ResumeAfterWorkerLost"

// Steps configd adds when an execution fails before its runbook could run.
const (
	stepConfiguration = "configd:LoadConfiguration"
	stepRunbook       = "configd:LoadRunbook"
	stepConnect       = "configd:ConnectAWS"
)

// errLost means this worker no longer holds the execution's lease.
var errLost = errors.New("remediation: lease lost")

// run is one execution this engine holds.
type run struct {
	e *Engine
	// stopping is done when the engine stops: reports made after it (a
	// step failing because it was cancelled) are dropped, so the step stays
	// PENDING and the next claim sees an interrupted run.
	stopping context.Context
	scope    configd.Scope
	cfg      *configd.RemediationConfiguration
	start    time.Time

	mu        sync.Mutex
	x         *configd.RemediationExecution // our copy; Steps change as the runbook reports
	dirty     bool
	lastFlush time.Time // real time of the last write, to pace them
	renewed   time.Time // clock time of the last lease renewal
	lost      bool
}

// plan is what the start transaction decided.
type plan int

const (
	planRun     plan = iota // run the runbook
	planDone                // ended (skipped, stopped, failed) or deferred in the transaction
	planAbandon             // not ours any more
)

// execute runs one claimed execution to its end.
func (e *Engine) execute(ctx context.Context, se configd.ScopedExecution) {
	defer func() {
		e.mu.Lock()
		delete(e.claimed, se.Execution.ID)
		delete(e.inflight, se.Execution.ID)
		e.mu.Unlock()
	}()
	r := &run{e: e, scope: se.Scope, stopping: ctx}
	p, trigger, err := r.begin(ctx, se.Execution)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("start remediation execution", "execution_id", se.Execution.ID, "scope", se.Scope.String(), "err", err)
		}
		return // the lease expires and another claim retries
	}
	if p != planRun {
		return
	}
	rb, _ := e.o.Runbooks.Lookup(r.cfg.TargetID)
	e.m.Attempts.WithLabelValues(r.cfg.RuleName, r.cfg.TargetID, trigger).Inc()
	runErr := r.runRunbook(ctx, rb)
	if ctx.Err() != nil && !r.isLost() {
		// Stopping: leave it IN_PROGRESS with its lease ended, to be run again.
		r.release()
		return
	}
	if r.isLost() {
		e.log.Warn("remediation execution lost its lease while running; another worker owns it", "execution_id", r.x.ID, "rule", r.x.RuleName)
		return
	}
	state := configd.ExecSucceeded
	if runErr != nil {
		state = configd.ExecFailed
	}
	if err := r.finish(ctx, state); err != nil {
		if !errors.Is(err, errLost) {
			e.log.Error("end remediation execution", "execution_id", r.x.ID, "err", err)
		}
		return
	}
	if state == configd.ExecSucceeded {
		e.afterSuccess(ctx, r.scope, r.x)
	}
}

// begin is the start transaction: it checks that the execution is still
// ours, resumes or fails one whose worker died, skips a resource that is no
// longer NON_COMPLIANT (or is excepted, for automatic executions), applies
// ExecutionControls, and marks the execution IN_PROGRESS.
func (r *run) begin(ctx context.Context, claimed *configd.RemediationExecution) (plan, string, error) {
	e := r.e
	var (
		p       plan
		trigger string
		ended   *configd.RemediationExecution
		event   string
	)
	err := e.svc.Store().Write(ctx, func(tx configd.Tx) error {
		p, trigger, ended, event = planAbandon, "", nil, ""
		now := e.now()
		x, err := tx.GetExecution(ctx, r.scope, claimed.ID)
		if configd.IsCode(err, configd.ErrResourceNotFound) {
			return nil // deleted with its configuration
		}
		if err != nil {
			return err
		}
		if x.Owner != e.o.Owner || !x.Active() {
			return nil
		}
		x.Steps = append([]configd.StepDetail{}, x.Steps...)
		r.x = x
		key := configd.ResourceKey{ResourceType: x.ResourceType, ResourceID: x.ResourceID}
		trigger = "manual"
		if x.Automatic {
			trigger = "automatic"
		}

		cfg, err := tx.GetRemediationConfiguration(ctx, r.scope, x.RuleName)
		if configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration) {
			x.Steps = append(x.Steps, failedStep(stepConfiguration, "The remediation configuration of rule "+x.RuleName+" no longer exists.", now))
			p, ended, event = planDone, x, "configuration gone"
			return r.end(ctx, tx, x, configd.ExecFailed, now)
		}
		if err != nil {
			return err
		}
		r.cfg = cfg
		if _, ok := e.o.Runbooks.Lookup(cfg.TargetID); !ok {
			x.Steps = append(x.Steps, failedStep(stepRunbook, "The document "+cfg.TargetID+" does not exist.", now))
			p, ended, event = planDone, x, "runbook missing"
			return r.end(ctx, tx, x, configd.ExecFailed, now)
		}

		// A step left PENDING: the worker running it died (or stopped).
		// Every step start is written before the step runs, so a run
		// interrupted in a step always leaves one.
		if x.State == configd.ExecInProgress && hasPending(x.Steps) {
			resumes := 0
			for _, st := range x.Steps {
				if st.Name == StepResumed {
					resumes++
				}
			}
			interruptPending(x, now)
			if resumes >= e.o.MaxResumes {
				x.Steps = append(x.Steps, configd.StepDetail{Name: StepResumed, State: configd.StepFailed, StartTime: now, StopTime: now,
					ErrorMessage: fmt.Sprintf("The configd worker running this execution stopped before it ended (lease expired); it was already run again %d time(s), so configd fails it.", resumes)})
				e.m.Resumed.WithLabelValues("failed").Inc()
				p, ended, event = planDone, x, "failed after worker loss"
				return r.end(ctx, tx, x, configd.ExecFailed, now)
			}
			x.Steps = append(x.Steps, configd.StepDetail{Name: StepResumed, State: configd.StepFailed, StartTime: now, StopTime: now,
				ErrorMessage: fmt.Sprintf("The configd worker running this execution stopped before it ended (lease expired); configd runs it again (%d of %d).", resumes+1, e.o.MaxResumes)})
			e.m.Resumed.WithLabelValues("rerun").Inc()
			trigger = "resumed"
		}

		// Act on the resource's current compliance, not on the result that
		// queued the execution.
		res, err := tx.GetEvaluationResult(ctx, r.scope, x.RuleName, key)
		if err != nil {
			return err
		}
		skip := ""
		switch {
		case res != nil && res.ComplianceType != configd.NonCompliant:
			skip = fmt.Sprintf("Skipped: the rule %s now evaluates the resource %s, not NON_COMPLIANT; there is nothing to remediate.", x.RuleName, res.ComplianceType)
		case res == nil && x.Automatic:
			skip = fmt.Sprintf("Skipped: the rule %s has no evaluation of the resource any more.", x.RuleName)
		}
		if skip == "" && x.Automatic {
			ex, err := tx.GetRemediationException(ctx, r.scope, x.RuleName, key)
			if err != nil {
				return err
			}
			if ex != nil && service.ExceptionActive(ex, now) {
				skip = "Skipped: a remediation exception now covers the resource."
			}
		}
		if skip != "" {
			x.Steps = append(x.Steps, configd.StepDetail{Name: service.StepSkipped, State: configd.StepFailed, ErrorMessage: skip, StartTime: now, StopTime: now})
			p, ended, event = planDone, x, "skipped"
			return r.end(ctx, tx, x, configd.ExecFailed, now)
		}

		if cfg.ExecutionControls != nil {
			// Serialize the start transactions of the rule (PostgreSQL;
			// SQLite has one writer), so each counts the others' runs.
			if err := tx.Lock(ctx, r.scope, "remediation/"+cfg.RuleName); err != nil {
				return err
			}
			d, msg, err := r.controls(ctx, tx, cfg, x, now)
			if err != nil {
				return err
			}
			switch d {
			case decisionDefer:
				x.State, x.Owner, x.LeaseUntil, x.RunAt, x.LastUpdatedTime = configd.ExecQueued, "", time.Time{}, now.Add(e.o.DeferDelay), now
				p, event = planDone, "deferred"
				return tx.UpdateExecution(ctx, r.scope, x)
			case decisionStop:
				x.Steps = append(x.Steps, configd.StepDetail{Name: service.StepStopped, State: configd.StepFailed, ErrorMessage: msg, StartTime: now, StopTime: now})
				p, ended, event = planDone, x, "stopped by execution controls"
				return r.end(ctx, tx, x, configd.ExecFailed, now)
			}
		}

		x.State, x.LastUpdatedTime, x.LeaseUntil = configd.ExecInProgress, now, now.Add(e.o.Lease)
		if err := tx.UpdateExecution(ctx, r.scope, x); err != nil {
			return err
		}
		// Running from now on, for the ExecutionControls of the next start
		// transactions (which wait for this one on SQLite).
		e.mu.Lock()
		delete(e.claimed, x.ID)
		e.mu.Unlock()
		p = planRun
		return nil
	})
	if err != nil {
		return planAbandon, "", err
	}
	switch {
	case p == planRun:
		r.start, r.renewed, r.lastFlush = time.Now(), e.now(), time.Time{}
		e.logTransition(r.scope, r.x, "", "")
	case ended != nil:
		e.ended(r.scope, r.cfg, ended, event, 0)
	case event == "deferred":
		e.m.Deferred.WithLabelValues(r.x.RuleName).Inc()
		e.log.Debug("remediation execution deferred by execution controls", "rule", r.x.RuleName, "resource_type", r.x.ResourceType, "resource_id", r.x.ResourceID, "execution_id", r.x.ID)
	}
	return p, trigger, nil
}

func hasPending(steps []configd.StepDetail) bool {
	for _, st := range steps {
		if st.State == configd.StepPending {
			return true
		}
	}
	return false
}

// interruptPending fails the steps a dead worker left PENDING.
func interruptPending(x *configd.RemediationExecution, now time.Time) {
	for i := range x.Steps {
		if x.Steps[i].State == configd.StepPending {
			x.Steps[i].State = configd.StepFailed
			x.Steps[i].StopTime = now
			x.Steps[i].ErrorMessage = "Interrupted: the configd worker running this step stopped."
		}
	}
}

func failedStep(name, msg string, now time.Time) configd.StepDetail {
	return configd.StepDetail{Name: name, State: configd.StepFailed, ErrorMessage: msg, StartTime: now, StopTime: now}
}

// params resolves the configuration's parameters for the resource.
func params(cfg *configd.RemediationConfiguration, resourceID string) map[string][]string {
	out := make(map[string][]string, len(cfg.Parameters))
	for name, p := range cfg.Parameters {
		if p.ResourceValue == service.ResourceIDValue {
			out[name] = []string{resourceID}
		} else {
			out[name] = append([]string(nil), p.StaticValues...)
		}
	}
	return out
}

// runRunbook runs the runbook while a helper renews the lease and writes
// step progress; it returns the runbook's error.
func (r *run) runRunbook(ctx context.Context, rb runbook.Runbook) error {
	e := r.e
	runCtx, cancel := context.WithTimeout(ctx, e.o.MaxRunTime)
	defer cancel()
	env := runbook.Env{
		Scope:       r.scope,
		Now:         e.o.Clock.Now,
		Sleep:       e.o.Sleep,
		Logger:      e.log.With("rule", r.x.RuleName, "execution_id", r.x.ID),
		Counter:     r.counter,
		ExecutionID: r.x.ID,
	}
	if e.o.Invoke != nil {
		env.Invoke = func(ctx context.Context, arn string, payload []byte) ([]byte, error) {
			return e.o.Invoke(ctx, r.scope, arn, payload)
		}
	}
	var err error
	if e.o.AWSConfig != nil {
		env.AWS, err = e.o.AWSConfig(runCtx, r.scope)
		if err != nil {
			r.report(failedStep(stepConnect, "configd cannot reach the account's AWS APIs: "+err.Error(), e.now()))
			return err
		}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.keepAlive(runCtx, cancel, stop)
	}()
	err = rb.Run(runCtx, env, params(r.cfg, r.x.ResourceID), r.report)
	close(stop)
	<-done
	if err != nil && errors.Is(runCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		r.report(failedStep("configd:Timeout", fmt.Sprintf("The execution ran longer than %s and was stopped.", e.o.MaxRunTime), e.now()))
	}
	return err
}

// report is the runbook's StepReporter: it keeps the latest report per step
// name, in first-appearance order, and writes a step's start at once, other
// progress when the last write is older than StepFlushInterval.
func (r *run) report(d configd.StepDetail) {
	if r.stopping != nil && r.stopping.Err() != nil {
		return
	}
	r.mu.Lock()
	found := false
	for i := range r.x.Steps {
		if r.x.Steps[i].Name == d.Name {
			r.x.Steps[i] = d
			found = true
			break
		}
	}
	if !found {
		r.x.Steps = append(r.x.Steps, d)
	}
	r.dirty = true
	// A step start is written before the step runs (a crash in it must
	// leave it PENDING); other progress at most every StepFlushInterval.
	due := d.State == configd.StepPending || time.Since(r.lastFlush) >= r.e.o.StepFlushInterval
	r.mu.Unlock()
	if due {
		if err := r.flush(context.Background(), false); err != nil && !errors.Is(err, errLost) {
			r.e.log.Warn("write remediation step progress", "execution_id", r.x.ID, "err", err)
		}
	}
}

func (r *run) isLost() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost
}

// keepAlive renews the lease every Lease/3 and flushes step progress every
// StepFlushInterval until stop closes; it cancels the run if the lease is lost.
func (r *run) keepAlive(ctx context.Context, cancel context.CancelFunc, stop chan struct{}) {
	e := r.e
	tick := min(e.o.StepFlushInterval, e.o.Lease/3)
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-e.o.After(tick):
		}
		r.mu.Lock()
		renew := e.now().Sub(r.renewed) >= e.o.Lease/3
		dirty := r.dirty
		r.mu.Unlock()
		if !renew && !dirty {
			continue
		}
		err := r.flush(ctx, renew)
		if errors.Is(err, errLost) {
			cancel()
			return
		}
		if err != nil && ctx.Err() == nil {
			e.log.Warn("renew remediation lease", "execution_id", r.x.ID, "err", err)
			// Past two thirds of the lease without a renewal, stop the run:
			// once the lease expires another worker may claim the execution,
			// and two runs must never overlap.
			r.mu.Lock()
			overdue := e.now().Sub(r.renewed) >= e.o.Lease*2/3
			r.mu.Unlock()
			if overdue {
				e.log.Error("remediation lease not renewed in time; stopping the run so that no other worker runs it at the same time", "execution_id", r.x.ID)
				cancel()
				return
			}
		}
	}
}

// flush writes our steps (and, with renew, a new lease) if we still hold the
// execution; errLost otherwise.
func (r *run) flush(ctx context.Context, renew bool) error {
	e := r.e
	r.mu.Lock()
	if r.lost {
		r.mu.Unlock()
		return errLost
	}
	steps := append([]configd.StepDetail{}, r.x.Steps...)
	r.dirty = false
	r.lastFlush = time.Now()
	r.mu.Unlock()
	now := e.now()
	err := e.svc.Store().Write(ctx, func(tx configd.Tx) error {
		x, err := tx.GetExecution(ctx, r.scope, r.x.ID)
		if err != nil {
			if configd.IsCode(err, configd.ErrResourceNotFound) {
				return errLost
			}
			return err
		}
		if x.Owner != e.o.Owner || x.State != configd.ExecInProgress {
			return errLost
		}
		x.Steps, x.LastUpdatedTime = steps, now
		if renew {
			x.LeaseUntil = now.Add(e.o.Lease)
		}
		return tx.UpdateExecution(ctx, r.scope, x)
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case errors.Is(err, errLost):
		r.lost = true
	case err != nil:
		r.dirty = true
	case renew:
		r.renewed = now
	}
	return err
}

// release ends our lease at once (on Stop), so the execution is claimed
// again as soon as a worker looks.
func (r *run) release() {
	e := r.e
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.mu.Lock()
	steps := append([]configd.StepDetail{}, r.x.Steps...)
	r.mu.Unlock()
	err := e.svc.Store().Write(ctx, func(tx configd.Tx) error {
		x, err := tx.GetExecution(ctx, r.scope, r.x.ID)
		if err != nil {
			return err
		}
		if x.Owner != e.o.Owner || x.State != configd.ExecInProgress {
			return nil
		}
		// The claim takes leases that ended before now.
		x.Steps, x.LeaseUntil = steps, e.now().Add(-time.Millisecond)
		return tx.UpdateExecution(ctx, r.scope, x)
	})
	if err != nil {
		e.log.Warn("release remediation execution on stop", "execution_id", r.x.ID, "err", err)
		return
	}
	e.log.Info("remediation execution interrupted by shutdown; it runs again after restart", "rule", r.x.RuleName, "resource_type", r.x.ResourceType, "resource_id", r.x.ResourceID, "execution_id", r.x.ID, "attempt", r.x.Attempt)
}

// finish is the end transaction of a run: the final state and steps, then
// the retry or the automatic exception of a failed automatic attempt.
func (r *run) finish(ctx context.Context, state string) error {
	e := r.e
	r.mu.Lock()
	steps := append([]configd.StepDetail{}, r.x.Steps...)
	r.mu.Unlock()
	var final *configd.RemediationExecution
	err := e.svc.Store().Write(context.WithoutCancel(ctx), func(tx configd.Tx) error {
		final = nil
		now := e.now()
		x, err := tx.GetExecution(ctx, r.scope, r.x.ID)
		if configd.IsCode(err, configd.ErrResourceNotFound) {
			return errLost
		}
		if err != nil {
			return err
		}
		if x.Owner != e.o.Owner || x.State != configd.ExecInProgress {
			return errLost
		}
		x.Steps = steps
		final = x
		return r.end(ctx, tx, x, state, now)
	})
	if err != nil {
		return err
	}
	r.x = final
	e.ended(r.scope, r.cfg, final, "", time.Since(r.start))
	return nil
}

// ended records an execution that reached SUCCEEDED or FAILED.
func (e *Engine) ended(scope configd.Scope, cfg *configd.RemediationConfiguration, x *configd.RemediationExecution, why string, d time.Duration) {
	state := x.State
	if service.Skipped(x) {
		state = StateSkipped
	}
	target := ""
	if cfg != nil {
		target = cfg.TargetID
	}
	e.m.Executions.WithLabelValues(x.RuleName, target, state).Inc()
	if d > 0 {
		e.m.Duration.WithLabelValues(target, state).Observe(d.Seconds())
	}
	e.logTransition(scope, x, why, lastError(x))
}

// lastError returns the message of x's last failed step.
func lastError(x *configd.RemediationExecution) string {
	msg := ""
	for _, st := range x.Steps {
		if st.State == configd.StepFailed {
			msg = st.ErrorMessage
		}
	}
	return msg
}

// logTransition writes the one log line of a state transition.
func (e *Engine) logTransition(scope configd.Scope, x *configd.RemediationExecution, why, errMsg string) {
	attrs := []any{"state", x.State, "rule", x.RuleName, "resource_type", x.ResourceType, "resource_id", x.ResourceID,
		"execution_id", x.ID, "attempt", x.Attempt, "automatic", x.Automatic, "scope", scope.String()}
	if why != "" {
		attrs = append(attrs, "reason", why)
	}
	if errMsg != "" {
		attrs = append(attrs, "error", errMsg)
	}
	if x.State == configd.ExecFailed {
		e.log.Warn("remediation execution", attrs...)
		return
	}
	e.log.Info("remediation execution", attrs...)
}

// afterSuccess re-records the resource and queues its re-evaluation, so
// that compliance follows the fix without waiting for a schedule.
func (e *Engine) afterSuccess(ctx context.Context, scope configd.Scope, x *configd.RemediationExecution) {
	key := configd.ResourceKey{ResourceType: x.ResourceType, ResourceID: x.ResourceID}
	if e.o.Rerecord != nil && strings.HasPrefix(key.ResourceType, "AWS::") {
		rctx, cancel := context.WithTimeout(ctx, e.o.RerecordTimeout)
		err := e.o.Rerecord(rctx, scope, key)
		cancel()
		if err != nil && ctx.Err() == nil {
			e.log.Warn("re-record remediated resource", "rule", x.RuleName, "resource_type", key.ResourceType, "resource_id", key.ResourceID, "execution_id", x.ID, "err", err)
		}
	}
	payload, _ := json.Marshal(configd.EvaluateJob{RuleName: x.RuleName, Resource: &key, Trigger: configd.TriggerOnDemand})
	now := e.now()
	err := e.svc.Store().Write(context.WithoutCancel(ctx), func(tx configd.Tx) error {
		_, err := tx.EnqueueJob(ctx, &configd.Job{
			Kind: configd.JobEvaluate, Scope: scope, Payload: string(payload), RunAt: now, CreatedAt: now,
			Key: "remediated/" + x.RuleName + "/" + key.ResourceType + "/" + key.ResourceID,
		})
		return err
	})
	if err != nil {
		e.log.Warn("queue re-evaluation of remediated resource", "rule", x.RuleName, "resource_id", key.ResourceID, "err", err)
	}
}

// counter backs Env.Counter with the store, so that counts survive restarts
// and are shared by every process on the database.
func (r *run) counter(ctx context.Context, key string) (int, error) {
	n := 0
	err := r.e.svc.Store().Write(ctx, func(tx configd.Tx) error {
		name := "remediation.counter/" + key
		if err := tx.Lock(ctx, r.scope, name); err != nil {
			return err
		}
		v, err := tx.Meta(ctx, name)
		if err != nil {
			return err
		}
		n = 0
		if v != "" {
			if n, err = strconv.Atoi(v); err != nil {
				return fmt.Errorf("counter %s: %w", key, err)
			}
		}
		n++
		return tx.SetMeta(ctx, name, strconv.Itoa(n))
	})
	return n, err
}
