package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/configd/configd/client"
)

// runRemediate runs `configd remediate <command>`: start remediations and
// manage remediation configurations and exceptions, through the AWS Config
// API of any endpoint, with the retries of the client package.
func runRemediate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCLI(ctx, stdout, stderr)
	return dispatch(ctx, c, "remediate", []subcommand{
		{"start", "start remediations, retrying resources busy with another, and optionally wait", (*cli).remediateStart},
		{"status", "show the remediation executions of a rule", (*cli).remediateStatus},
		{"delete-config", "delete a rule's remediation configuration, waiting out running executions", (*cli).remediateDeleteConfig},
		{"exceptions", "list, put or delete remediation exceptions", (*cli).remediateExceptions},
	}, args)
}

// remediateStart runs `configd remediate start`.
//
// Exit status: 0 if every resource's remediation started (with --wait:
// SUCCEEDED); 1 if one failed, was refused or never started within the
// attempts, or an operation failed; 2 on a usage error; 3 if --timeout
// passed first (and nothing failed).
func (c *cli) remediateStart(ctx context.Context, args []string) error {
	fs := newFlagSet("remediate start", c.stderr,
		"configd remediate start --endpoint-url http://127.0.0.1:4599 --rule s3-encryption --resource-type AWS::S3::Bucket --resource-id logs-bucket data-bucket --wait --timeout 5m\n\n"+
			"Exit status: 0 every resource started (with --wait: SUCCEEDED); 1 a remediation failed, was refused or never\n"+
			"started, or a call failed; 2 usage error; 3 --timeout passed first.")
	af := addAWSFlags(fs)
	k := addKeyFlags(fs, true, "resource type, e.g. AWS::S3::Bucket (required)", "resource `id`; repeat the flag or list several ids after it (at least one)")
	wait := fs.Bool("wait", false, "wait until every started execution is SUCCEEDED or FAILED")
	timeout := fs.Duration("timeout", 15*time.Minute, "give up starting and waiting after this long (0: no limit)")
	attempts := fs.Int("max-attempts", client.DefaultMaxAttempts, "most StartRemediationExecution calls per batch of resources, the first included")
	_, err := parseArgs(fs, args, &k.ids)
	if err != nil {
		return err
	}
	if err := k.check(); err != nil {
		return usage(fs, "%v", err)
	}
	rule, typ, ids := &k.rule, &k.typ, k.ids
	switch {
	case *timeout < 0:
		return usage(fs, "--timeout must not be negative")
	}
	svc, err := c.service(ctx, fs, af)
	if err != nil {
		return err
	}
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}

	keys := resourceKeys(*typ, ids)
	terminal, width := c.terminal(c.stdout)
	p := newProgress(*rule, keys, *wait, newRenderer(c.stdout, af.json(), terminal, width))
	p.now = c.now
	if terminal && !af.json() && c.tick > 0 {
		stop := p.tickEvery(c.tick)
		defer stop()
	}
	opts := append([]client.Option{
		client.WithMaxAttempts(*attempts),
		// --timeout, through the context, is the only limit of the wait.
		client.WithMaxWait(0),
		client.WithOnAttempt(p.attempt),
	}, c.clientOpts...)
	cl := client.New(observedAPI{API: svc, p: p, now: c.now}, opts...)

	res, startErr := cl.StartRemediation(ctx, *rule, keys)
	p.started(res)
	var waitErr error
	if *wait && len(res.Started) > 0 {
		started := make([]types.ResourceKey, len(res.Started))
		for i, s := range res.Started {
			started[i] = s.Key
		}
		var execs []client.Execution
		execs, waitErr = cl.WaitForExecutions(ctx, *rule, started)
		p.waited(execs)
	}
	err = p.finish(waitErr)
	if err == nil && startErr != nil {
		// Every key is accounted for in res, so this does not happen; never
		// exit 0 with an error, though.
		return startErr
	}
	return err
}

// remediateStatus runs `configd remediate status`.
func (c *cli) remediateStatus(ctx context.Context, args []string) error {
	fs := newFlagSet("remediate status", c.stderr,
		"configd remediate status --rule s3-encryption --resource-type AWS::S3::Bucket --resource-id logs-bucket")
	af := addAWSFlags(fs)
	k := addKeyFlags(fs, false, "show only resources of this type", "show only the resource with this `id` (needs --resource-type); repeat the flag or list several ids")
	_, err := parseArgs(fs, args, &k.ids)
	if err != nil {
		return err
	}
	if err := k.check(); err != nil {
		return usage(fs, "%v", err)
	}
	rule, typ, ids := &k.rule, &k.typ, k.ids
	svc, err := c.service(ctx, fs, af)
	if err != nil {
		return err
	}
	sts, err := executionStatuses(ctx, svc, *rule, *typ, ids)
	if err != nil {
		return err
	}
	if af.json() {
		out := struct {
			RemediationExecutionStatuses []resourceReport `json:"RemediationExecutionStatuses"`
		}{[]resourceReport{}}
		for _, st := range sts {
			out.RemediationExecutionStatuses = append(out.RemediationExecutionStatuses, statusReport(st))
		}
		writeJSON(c.stdout, out)
		return nil
	}
	t := newTable(c.stdout, "RESOURCE TYPE", "RESOURCE ID", "STATE", "STEP", "INVOKED", "UPDATED", "ERROR")
	for _, st := range sts {
		var typ, id string
		if st.ResourceKey != nil {
			typ, id = string(st.ResourceKey.ResourceType), aws.ToString(st.ResourceKey.ResourceId)
		}
		e := execution(types.ResourceKey{}, st)
		step, n := currentStep(st.StepDetails)
		if step != "" {
			step = fmt.Sprintf("%d/%d %s", n, len(st.StepDetails), step)
		}
		errs := ""
		if len(e.StepErrors) > 0 {
			errs = e.StepErrors[0]
		}
		t.row(typ, id, string(st.State), step, stamp(st.InvocationTime), stamp(st.LastUpdatedTime), errs)
	}
	t.flush()
	if len(sts) == 0 {
		fmt.Fprintf(c.stdout, "no remediation executions for rule %s\n", *rule)
	}
	return nil
}

// executionStatuses lists every page of DescribeRemediationExecutionStatus
// for rule (the given keys, 100 per request, or all), keeping only typ if
// given without ids (the API filters by key, not by type).
func executionStatuses(ctx context.Context, svc *configservice.Client, rule, typ string, ids []string) ([]types.RemediationExecutionStatus, error) {
	var out []types.RemediationExecutionStatus
	keys := resourceKeys(typ, ids)
	for first := true; first || len(keys) > 0; first = false {
		in := &configservice.DescribeRemediationExecutionStatusInput{ConfigRuleName: &rule}
		if len(keys) > 0 {
			n := min(len(keys), client.MaxKeysPerCall)
			in.ResourceKeys, keys = keys[:n], keys[n:]
		}
		p := configservice.NewDescribeRemediationExecutionStatusPaginator(svc, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, st := range page.RemediationExecutionStatuses {
				if typ != "" && len(ids) == 0 && (st.ResourceKey == nil || string(st.ResourceKey.ResourceType) != typ) {
					continue
				}
				out = append(out, st)
			}
		}
	}
	return out, nil
}

// statusReport is the JSON form of one execution status.
func statusReport(st types.RemediationExecutionStatus) resourceReport {
	rr := resourceReport{State: string(st.State), StepDetails: []stepReport{}, StepErrors: []string{}}
	if st.ResourceKey != nil {
		rr.ResourceType, rr.ResourceId = string(st.ResourceKey.ResourceType), aws.ToString(st.ResourceKey.ResourceId)
	}
	e := execution(types.ResourceKey{}, st)
	rr.InvocationTime, rr.LastUpdatedTime = jsonTime(st.InvocationTime), jsonTime(st.LastUpdatedTime)
	rr.CurrentStep, _ = currentStep(st.StepDetails)
	for _, s := range st.StepDetails {
		rr.StepDetails = append(rr.StepDetails, stepReport{
			Name: aws.ToString(s.Name), State: string(s.State), ErrorMessage: aws.ToString(s.ErrorMessage),
			StartTime: jsonTime(s.StartTime), StopTime: jsonTime(s.StopTime),
		})
	}
	rr.StepErrors = append(rr.StepErrors, e.StepErrors...)
	return rr
}

// remediateDeleteConfig runs `configd remediate delete-config`.
func (c *cli) remediateDeleteConfig(ctx context.Context, args []string) error {
	fs := newFlagSet("remediate delete-config", c.stderr,
		"configd remediate delete-config --rule s3-encryption --timeout 2m\n\n"+
			"Retries RemediationInProgressException and ResourceInUseException with backoff; a configuration\n"+
			"that does not exist counts as deleted. Exit status: 0 deleted; 1 failed; 2 usage error; 3 --timeout passed first.")
	af := addAWSFlags(fs)
	rule := fs.String("rule", "", "Config rule name (required)")
	typ := fs.String("resource-type", "", "resource type of the configuration (optional)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up retrying after this long (0: no limit)")
	attempts := fs.Int("max-attempts", client.DefaultMaxAttempts, "most DeleteRemediationConfiguration calls, the first included")
	pos, err := parseArgs(fs, args, nil)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usage(fs, "unexpected argument %q", pos[0])
	case *rule == "":
		return usage(fs, "--rule is required")
	case *timeout < 0:
		return usage(fs, "--timeout must not be negative")
	}
	svc, err := c.service(ctx, fs, af)
	if err != nil {
		return err
	}
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	const gone = "NoSuchRemediationConfigurationException"
	var log []attemptReport
	onAttempt := func(a client.Attempt) {
		ar := attemptReport{Operation: a.Op, Number: a.Number, ErrorCode: a.Code, DelaySeconds: a.Delay.Seconds()}
		if a.Err != nil {
			ar.Error = errMessage(a.Err)
			// "No such configuration" counts as deleted; it is not worth a line.
			if !af.json() && a.Code != gone {
				next := ""
				if a.Delay > 0 {
					next = fmt.Sprintf(", retrying in %s", roundDelay(a.Delay))
				}
				fmt.Fprintf(c.stdout, "%s attempt %d failed%s: %s\n", a.Op, a.Number, next, errLine(a.Err))
			}
		}
		log = append(log, ar)
	}
	opts := append([]client.Option{client.WithMaxAttempts(*attempts), client.WithOnAttempt(onAttempt)}, c.clientOpts...)
	err = client.New(svc, opts...).DeleteRemediationConfiguration(ctx, *rule, *typ)
	if af.json() {
		rep := struct {
			ConfigRuleName string          `json:"ConfigRuleName"`
			Deleted        bool            `json:"Deleted"`
			Attempts       []attemptReport `json:"Attempts"`
			Error          string          `json:"Error,omitempty"`
		}{ConfigRuleName: *rule, Deleted: err == nil, Attempts: append([]attemptReport{}, log...)}
		if err != nil {
			rep.Error = retryLine(err)
		}
		writeJSON(c.stdout, rep)
	} else if err == nil {
		if len(log) > 0 && log[len(log)-1].ErrorCode == gone {
			fmt.Fprintf(c.stdout, "rule %s has no remediation configuration; nothing to delete\n", *rule)
		} else {
			fmt.Fprintf(c.stdout, "deleted the remediation configuration of rule %s\n", *rule)
		}
	}
	if err != nil {
		return retryExit(err)
	}
	return nil
}

// retryLine formats a *client.RetryError on one line: the last AWS error
// and why the retries stopped.
func retryLine(err error) string {
	var re *client.RetryError
	if !errors.As(err, &re) {
		return errLine(err)
	}
	line := errLine(re.Err)
	switch re.Reason {
	case client.StopPermanent:
		return line
	default:
		return fmt.Sprintf("%s (%s after %s)", line, reasonText(re.Reason), plural(re.Attempts, "attempt"))
	}
}

// retryExit is the command error for a *client.RetryError: exit status 3
// when the timeout stopped the retries, 1 otherwise.
func retryExit(err error) error {
	code := exitFailed
	var re *client.RetryError
	if errors.As(err, &re) && re.Reason == client.StopDeadline {
		code = exitTimeout
	}
	return &exitError{code: code, err: errors.New(retryLine(err))}
}
