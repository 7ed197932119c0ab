package runbook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/configd/configd"
)

// native is a runbook implemented in Go: AWS's document, step for step,
// with the AWS calls made through aws-sdk-go-v2.
type native struct {
	name   string
	params []Parameter
	steps  []nativeStep
}

// nativeStep is one step of a native runbook.
type nativeStep struct {
	name string
	// continueOnFailure runs the next step after a failure (onFailure:
	// Continue); the execution still fails unless a later step ends it
	// successfully (AWS-StopEC2Instance's forced stop).
	continueOnFailure bool
	// next, when set, chooses the following step by name ("" = the next in
	// order, end = stop): branches (aws:branch) and isEnd.
	next func(c *call) string
	run  func(ctx context.Context, c *call) error
}

// nativeStepTimeout bounds each native step (AWS-StopEC2Instance's waits
// included).
const nativeStepTimeout = 15 * time.Minute

// end is nativeStep.next's value for "no more steps".
const end = "\x00end"

// call is the state of one native execution.
type call struct {
	env Env
	cfg aws.Config // env.AWS, or the AutomationAssumeRole's credentials
	p   values
}

func (n *native) Name() string            { return n.name }
func (n *native) Parameters() []Parameter { return append([]Parameter(nil), n.params...) }

// Run executes the steps in order, following branches, and fails on the
// first failed step unless it continues on failure; a run whose last
// executed step succeeded after a continued failure succeeds, as with
// AWS-StopEC2Instance, whose forced stop repairs a failed stop.
func (n *native) Run(ctx context.Context, env Env, params map[string][]string, report StepReporter) error {
	env = env.filled()
	p, err := resolve(n.params, params)
	if err != nil {
		return failFirst(env, n.steps[0].name, report, fmt.Errorf("%s: %w", n.name, err))
	}
	c := &call{env: env, cfg: env.AWS, p: values(p)}
	if role := c.p.str("AutomationAssumeRole"); role != "" {
		cfg, err := assumeRole(ctx, env, role)
		if err != nil {
			return failFirst(env, n.steps[0].name, report, err)
		}
		c.cfg = cfg
	}
	var lastErr error
	for i := 0; i < len(n.steps); {
		s := n.steps[i]
		err := runStep(ctx, env, s.name, report, func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, nativeStepTimeout)
			defer cancel()
			return s.run(ctx, c)
		})
		switch {
		case err != nil && !s.continueOnFailure:
			return err
		case err != nil:
			lastErr = err
		default:
			lastErr = nil
		}
		next := ""
		if s.next != nil {
			next = s.next(c)
		}
		switch next {
		case "":
			i++
		case end:
			i = len(n.steps)
		default:
			i = n.index(next)
		}
	}
	return lastErr
}

// index returns the position of the step named name.
func (n *native) index(name string) int {
	for i, s := range n.steps {
		if s.name == name {
			return i
		}
	}
	panic("runbook: no step " + name + " in " + n.name)
}

// runStep reports a step as PENDING, runs it, and reports its outcome.
func runStep(ctx context.Context, env Env, name string, report StepReporter, run func(context.Context) error) error {
	start := env.Now()
	report(configd.StepDetail{Name: name, State: configd.StepPending, StartTime: start})
	err := run(ctx)
	d := configd.StepDetail{Name: name, State: configd.StepSucceeded, StartTime: start, StopTime: env.Now()}
	if err != nil {
		d.State = configd.StepFailed
		d.ErrorMessage = stepMessage(err)
		env.Logger.Warn("runbook step failed", "step", name, "execution", env.ExecutionID, "error", d.ErrorMessage)
	} else {
		env.Logger.Debug("runbook step succeeded", "step", name, "execution", env.ExecutionID)
	}
	report(d)
	if err != nil {
		return fmt.Errorf("step %s failed: %w", name, err)
	}
	return nil
}

// failFirst reports the first step as failed before it could start (bad
// parameters, a role that cannot be assumed): DescribeRemediationExecutionStatus
// shows errors only in step details.
func failFirst(env Env, step string, report StepReporter, err error) error {
	now := env.Now()
	report(configd.StepDetail{Name: step, State: configd.StepFailed, ErrorMessage: stepMessage(err), StartTime: now, StopTime: now})
	return err
}

// maxStepMessage bounds a step's error message.
const maxStepMessage = 1024

// stepMessage is the ErrorMessage of a failed step: AWS API errors as
// "Code: message", bounded.
func stepMessage(err error) string {
	msg := err.Error()
	var api smithy.APIError
	if errors.As(err, &api) {
		msg = api.ErrorCode() + ": " + api.ErrorMessage()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		msg = "Step timed out: " + msg
	}
	if len(msg) > maxStepMessage {
		msg = msg[:maxStepMessage-3] + "..."
	}
	return msg
}

// assumeRole returns env.AWS with the credentials of role, assumed through
// STS with env.AWS's credentials, as Systems Manager does with a document's
// assumeRole (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-setup.html).
// The credentials are fetched at once, so a role that cannot be assumed
// fails the execution before any change.
func assumeRole(ctx context.Context, env Env, role string) (aws.Config, error) {
	cfg := env.AWS.Copy()
	session := "configd-remediation"
	if env.ExecutionID != "" {
		session = "configd-" + env.ExecutionID
		if len(session) > 64 {
			session = session[:64]
		}
	}
	provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(env.AWS), role, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = session
		o.Duration = 15 * time.Minute
	})
	cfg.Credentials = aws.NewCredentialsCache(provider)
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return aws.Config{}, fmt.Errorf("assume AutomationAssumeRole %s: %w", role, err)
	}
	return cfg, nil
}

// Parameter helpers for the native runbooks.

// roleParam is AutomationAssumeRole, optional in AWS-* runbooks and
// required in AWSConfigRemediation-* ones.
func roleParam(required bool) Parameter {
	p := Parameter{Name: "AutomationAssumeRole", Type: TypeString, Required: required,
		Description:    "The ARN of the IAM role configd assumes through STS to run the steps; empty uses configd's own credentials.",
		AllowedPattern: `^$|^arn:aws[a-z0-9-]*:iam::\d{12}:role/[\w+=,.@/-]+$`}
	if !required {
		p.Default = []string{""}
	}
	return p
}

// required returns a required String parameter.
func required(name, desc string) Parameter {
	return Parameter{Name: name, Type: TypeString, Required: true, Description: desc}
}

// optional returns an optional parameter with a default.
func optional(name, typ, def, desc string, allowed ...string) Parameter {
	return Parameter{Name: name, Type: typ, Default: []string{def}, Description: desc, AllowedValues: allowed}
}

// nativeRunbooks returns the native implementations of AWS's runbooks.
func nativeRunbooks() []Runbook {
	var out []Runbook
	for _, n := range append(append(s3Runbooks(), ec2Runbooks()...), otherRunbooks()...) {
		out = append(out, n)
	}
	return out
}

// alias returns n under another name (a runbook AWS publishes under two
// names, or one named differently in configd's issue).
func alias(n *native, name string) *native {
	c := *n
	c.name = name
	return &c
}

// poll calls check every interval until it reports done or fails, at most
// timeout/interval+1 times (so an injected Sleep that returns at once still
// ends).
func poll(ctx context.Context, env Env, interval, timeout time.Duration, check func() (bool, error)) error {
	for i := int(timeout / interval); ; i-- {
		done, err := check()
		if err != nil || done {
			return err
		}
		if i <= 0 {
			return fmt.Errorf("not done after %s", timeout)
		}
		if err := env.Sleep(ctx, interval); err != nil {
			return err
		}
	}
}
