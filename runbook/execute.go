package runbook

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// maxStepRuns bounds the steps one execution runs, so that a document whose
// nextStep or onFailure jumps loop forever still ends.
const maxStepRuns = 1000

// Default timeouts of actions without timeoutSeconds.
var defaultTimeouts = map[string]time.Duration{
	ActionExecuteScript: maxScriptTimeout * time.Second,
	ActionInvokeLambda:  900 * time.Second,
	ActionHTTPRequest:   60 * time.Second,
	ActionSleep:         maxStepTimeout * time.Second,
}

// maxSleep is aws:sleep's longest wait: 7 days.
const maxSleep = 7 * 24 * time.Hour

// Run executes the document; see Execute.
func (d *Document) Run(ctx context.Context, env Env, params map[string][]string, report StepReporter) error {
	_, err := d.Execute(ctx, env, params, report)
	return err
}

// execution is the state of one document run.
type execution struct {
	doc  *Document
	env  Env
	cfg  aws.Config // credentials for scripts: env.AWS or the assumed role
	vars map[string]any
}

// Execute runs the document's steps from the first, following nextStep,
// isEnd and onFailure, and returns the document's outputs. A failed step
// with onFailure Abort (the default) ends the execution with its error; with
// Continue or step:<name> the execution goes on, and fails at its end if
// the failed step was critical (isCritical, true by default except with
// Continue), as Systems Manager reports such automations as Failed.
func (d *Document) Execute(ctx context.Context, env Env, params map[string][]string, report StepReporter) (map[string]any, error) {
	env = env.filled()
	x := &execution{doc: d, env: env, cfg: env.AWS, vars: map[string]any{}}
	first := d.Steps[0].Name
	p, err := resolve(d.Params, params)
	if err != nil {
		return nil, failFirst(env, first, report, fmt.Errorf("%s: %w", d.name, err))
	}
	for _, dp := range d.Params {
		vals, ok := p[dp.Name]
		if !ok {
			continue
		}
		v, err := paramValue(dp.Type, vals)
		if err != nil {
			return nil, failFirst(env, first, report, fmt.Errorf("parameter %s: %w", dp.Name, err))
		}
		x.vars[dp.Name] = v
	}
	now := env.Now().UTC()
	x.vars["automation:EXECUTION_ID"] = env.ExecutionID
	x.vars["global:ACCOUNT_ID"] = env.Scope.AccountID
	x.vars["global:REGION"] = env.Scope.Region
	x.vars["global:AWS_PARTITION"] = env.Scope.Partition()
	x.vars["global:DATE"] = now.Format("2006-01-02")
	x.vars["global:DATE_TIME"] = now.Format("2006-01-02_15.04.05")
	if d.AssumeRole != "" {
		v, err := substitute(d.AssumeRole, x.vars)
		if err != nil {
			return nil, failFirst(env, first, report, fmt.Errorf("assumeRole: %w", err))
		}
		if role := text(v); role != "" {
			if x.cfg, err = assumeRole(ctx, env, role); err != nil {
				return nil, failFirst(env, first, report, err)
			}
		}
	}

	var failed []string
	var lastErr error
	for i, runs := 0, 0; i < len(d.Steps); runs++ {
		if runs == maxStepRuns {
			return nil, fmt.Errorf("%s: more than %d steps ran; do nextStep or onFailure jumps loop?", d.name, maxStepRuns)
		}
		s := d.Steps[i]
		err := runStep(ctx, env, s.Name, report, func(ctx context.Context) error { return x.attempts(ctx, s) })
		if err == nil {
			switch {
			case s.IsEnd:
				i = len(d.Steps)
			case s.NextStep != "":
				i = d.stepIndex[s.NextStep]
			default:
				i++
			}
			continue
		}
		if ctx.Err() != nil {
			return nil, err
		}
		switch {
		case s.OnFailure == "" || s.OnFailure == "Abort":
			return nil, err
		case s.OnFailure == "Continue":
			i++
		default:
			i = d.stepIndex[strings.TrimPrefix(s.OnFailure, "step:")]
		}
		if s.IsCritical {
			failed = append(failed, s.Name)
			lastErr = err
		}
	}
	if len(failed) > 0 {
		return nil, fmt.Errorf("critical steps failed (%s): %w", strings.Join(failed, ", "), lastErr)
	}
	outputs := map[string]any{}
	for _, o := range d.Outputs {
		if v, ok := x.vars[o]; ok {
			outputs[o] = v
		}
	}
	if len(outputs) > 0 {
		env.Logger.Info("runbook outputs", "document", d.name, "execution", env.ExecutionID, "outputs", outputs)
	}
	return outputs, nil
}

// attempts runs a step up to its maxAttempts times, each within its timeout,
// and records its outputs.
func (x *execution) attempts(ctx context.Context, s *Step) error {
	var err error
	for a := 1; a <= s.MaxAttempts; a++ {
		var result map[string]any
		result, err = x.attempt(ctx, s)
		if err == nil {
			return x.setOutputs(s, result)
		}
		if ctx.Err() != nil {
			return err
		}
		if a < s.MaxAttempts {
			x.env.Logger.Info("runbook step attempt failed; retrying", "step", s.Name, "attempt", a, "maxAttempts", s.MaxAttempts, "error", err)
		}
	}
	if s.MaxAttempts > 1 {
		return fmt.Errorf("after %d attempts: %w", s.MaxAttempts, err)
	}
	return err
}

// attempt runs a step once.
func (x *execution) attempt(ctx context.Context, s *Step) (map[string]any, error) {
	timeout := defaultTimeouts[s.Action]
	if s.TimeoutSeconds > 0 {
		timeout = time.Duration(s.TimeoutSeconds) * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	in, err := substitute(s.Inputs, x.vars)
	if err != nil {
		return nil, err
	}
	inputs := in.(map[string]any)
	var result map[string]any
	switch s.Action {
	case ActionExecuteScript:
		result, err = x.executeScript(ctx, s, inputs)
	case ActionSleep:
		result, err = x.sleep(ctx, inputs)
	case ActionInvokeLambda:
		result, err = x.invokeLambda(ctx, inputs)
	case ActionHTTPRequest:
		result, err = x.httpRequest(ctx, inputs)
	default:
		err = fmt.Errorf("action %s is not supported", s.Action)
	}
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("step timed out after %s: %w", timeout, err)
	}
	return result, err
}

// setOutputs stores a step's built-in and declared outputs.
func (x *execution) setOutputs(s *Step, result map[string]any) error {
	for _, name := range builtinOutputs[s.Action] {
		if v, ok := result[name]; ok {
			x.vars[s.Name+"."+name] = v
		}
	}
	for _, o := range s.Outputs {
		sel, err := parseSelector(o.Selector)
		if err != nil {
			return err
		}
		v, ok := sel.eval(result)
		if !ok {
			x.env.Logger.Info("runbook output selector matched nothing", "step", s.Name, "output", o.Name, "selector", o.Selector)
			continue
		}
		v, err = convertOutput(v, o.Type)
		if err != nil {
			return fmt.Errorf("output %s (%s): %w", o.Name, o.Selector, err)
		}
		x.vars[s.Name+"."+o.Name] = v
	}
	return nil
}

// sleep is aws:sleep.
func (x *execution) sleep(ctx context.Context, in map[string]any) (map[string]any, error) {
	var d time.Duration
	if v, ok := in["Duration"]; ok {
		var err error
		if d, err = ParseISODuration(text(v)); err != nil {
			return nil, err
		}
	} else {
		t, err := time.Parse(time.RFC3339, text(in["Timestamp"]))
		if err != nil {
			return nil, fmt.Errorf("Timestamp: %w", err)
		}
		d = t.Sub(x.env.Now())
	}
	if d > maxSleep {
		return nil, fmt.Errorf("aws:sleep waits at most %s, not %s", maxSleep, d)
	}
	if d > 0 {
		if err := x.env.Sleep(ctx, d); err != nil {
			return nil, err
		}
	}
	return map[string]any{}, nil
}

// invokeLambda is aws:invokeLambdaFunction through Env.Invoke. A function
// name that is not an ARN names a function of the execution's scope.
func (x *execution) invokeLambda(ctx context.Context, in map[string]any) (map[string]any, error) {
	if x.env.Invoke == nil {
		return nil, errors.New("aws:invokeLambdaFunction is not available: configd has no function invoker configured")
	}
	fn := text(in["FunctionName"])
	if !strings.HasPrefix(fn, "arn:") {
		fn = x.env.Scope.ARN("lambda", "function:"+fn)
	}
	if q := text(in["Qualifier"]); q != "" {
		fn += ":" + q
	}
	var payload []byte
	switch p := in["Payload"].(type) {
	case nil:
		payload = []byte("{}")
	case string:
		payload = []byte(p)
	default:
		payload = []byte(text(p))
	}
	out, err := x.env.Invoke(ctx, fn, payload)
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", fn, err)
	}
	return map[string]any{"StatusCode": 200, "Payload": string(out)}, nil
}
