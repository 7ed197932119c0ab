package client

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// Execution is the last known status of the remediation execution of one
// resource key, as reported by DescribeRemediationExecutionStatus.
type Execution struct {
	Key types.ResourceKey
	// State is the execution state; "" if the service never reported the
	// key.
	State types.RemediationExecutionState
	// InvocationTime and LastUpdatedTime are zero when not reported.
	InvocationTime  time.Time
	LastUpdatedTime time.Time
	// Steps are the step details as reported.
	Steps []types.RemediationExecutionStep
	// StepErrors are the error messages of the steps that carry one, as
	// "step name: message", in step order.
	StepErrors []string
}

// Done reports whether the execution reached SUCCEEDED or FAILED.
func (e Execution) Done() bool {
	return e.State == types.RemediationExecutionStateSucceeded || e.State == types.RemediationExecutionStateFailed
}

// WaitForExecutions polls DescribeRemediationExecutionStatus for keys,
// following NextToken through every page, until each execution is SUCCEEDED
// or FAILED (the terminal states of RemediationExecutionStatus,
// https://docs.aws.amazon.com/config/latest/APIReference/API_RemediationExecutionStatus.html).
// QUEUED, IN_PROGRESS, UNKNOWN and keys without a status keep it waiting.
//
// Polls are spaced by the poll backoff (WithPollBackoff). The wait ends at
// the context's deadline or after the maximum wait (WithMaxWait, measured
// with the injected clock), whichever comes first; a poll that would start
// after it is not made. A poll that fails with a Busy or Throttled error is
// retried at the next poll; any other error ends the wait.
//
// It returns the executions in the order of keys (without repeats). A FAILED
// execution is not an error: check State and StepErrors. The error, if not
// nil, is a *WaitError that lists the executions still running and their
// last state.
func (c *Client) WaitForExecutions(ctx context.Context, rule string, keys []types.ResourceKey, opts ...Option) ([]Execution, error) {
	const op = "DescribeRemediationExecutionStatus"
	s := c.set.apply(opts)
	keys = dedupe(keys)
	execs := make([]Execution, len(keys))
	index := make(map[keyID]int, len(keys))
	for i, k := range keys {
		execs[i].Key = k
		index[idOf(k)] = i
	}
	var limit time.Time
	if s.maxWait > 0 {
		limit = s.now().Add(s.maxWait)
	}
	var lastErr error
	stop := func(n int, r StopReason) ([]Execution, error) {
		return execs, &WaitError{Rule: rule, Polls: n, Reason: r, Running: running(execs), Err: lastErr}
	}
	for n := 1; ; n++ {
		pending := runningKeys(execs)
		if len(pending) == 0 {
			return execs, nil
		}
		err := c.poll(ctx, rule, pending, execs, index)
		still := runningKeys(execs)
		if err != nil {
			lastErr = err
			if cerr := ctx.Err(); cerr != nil {
				s.report(Attempt{Op: op, Number: n, Keys: pending, Retry: still, Err: err})
				return stop(n, ctxReason(cerr))
			}
			if s.retryable.Classify(err) == Permanent {
				s.report(Attempt{Op: op, Number: n, Keys: pending, Retry: still, Err: err})
				return stop(n, StopPermanent)
			}
		}
		if len(still) == 0 {
			s.report(Attempt{Op: op, Number: n, Keys: pending, Err: err})
			return execs, nil
		}
		d, reason := s.plan(ctx, s.pollBackoff, n, 0, limit)
		s.report(Attempt{Op: op, Number: n, Keys: pending, Retry: still, Delay: d, Err: err})
		if reason == "" {
			reason = s.wait(ctx, d)
		}
		if reason != "" {
			return stop(n, reason)
		}
	}
}

// poll asks for the status of pending keys, MaxKeysPerCall at a time and
// every page of each, and updates execs. It stops at the first error.
func (c *Client) poll(ctx context.Context, rule string, pending []types.ResourceKey, execs []Execution, index map[keyID]int) error {
	for len(pending) > 0 {
		batch := pending[:min(len(pending), MaxKeysPerCall)]
		pending = pending[len(batch):]
		var token *string
		for {
			out, err := c.api.DescribeRemediationExecutionStatus(ctx, &configservice.DescribeRemediationExecutionStatusInput{
				ConfigRuleName: &rule,
				ResourceKeys:   batch,
				NextToken:      token,
			})
			if err != nil {
				return err
			}
			for _, st := range out.RemediationExecutionStatuses {
				if st.ResourceKey == nil {
					continue
				}
				if i, ok := index[idOf(*st.ResourceKey)]; ok {
					execs[i].update(st)
				}
			}
			if next := aws.ToString(out.NextToken); next == "" {
				break
			} else if next == aws.ToString(token) {
				// A server that hands back the token it was given would
				// keep this loop going forever.
				return fmt.Errorf("client: %s returned the same NextToken %q twice", "DescribeRemediationExecutionStatus", next)
			}
			token = out.NextToken
		}
	}
	return nil
}

// update records st unless execs already holds a status of a later
// invocation (a page may list older executions of the same key).
func (e *Execution) update(st types.RemediationExecutionStatus) {
	inv := aws.ToTime(st.InvocationTime)
	if e.State != "" && inv.Before(e.InvocationTime) {
		return
	}
	e.State = st.State
	e.InvocationTime = inv
	e.LastUpdatedTime = aws.ToTime(st.LastUpdatedTime)
	e.Steps = st.StepDetails
	e.StepErrors = nil
	for _, step := range st.StepDetails {
		if msg := aws.ToString(step.ErrorMessage); msg != "" {
			e.StepErrors = append(e.StepErrors, aws.ToString(step.Name)+": "+msg)
		}
	}
}

// running returns copies of the executions not Done.
func running(execs []Execution) []Execution {
	var out []Execution
	for _, e := range execs {
		if !e.Done() {
			out = append(out, e)
		}
	}
	return out
}

// runningKeys returns the keys of the executions not Done.
func runningKeys(execs []Execution) []types.ResourceKey {
	var out []types.ResourceKey
	for _, e := range execs {
		if !e.Done() {
			out = append(out, e.Key)
		}
	}
	return out
}
