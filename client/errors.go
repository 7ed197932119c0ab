package client

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// StopReason says why a Client stopped retrying or waiting.
type StopReason string

const (
	// StopPermanent: the last error is not retryable (see Retryable).
	StopPermanent StopReason = "permanent"
	// StopAttempts: the maximum number of attempts was made.
	StopAttempts StopReason = "max-attempts"
	// StopDeadline: the context's deadline (or, for WaitForExecutions, the
	// maximum wait) passed or would pass before the next attempt.
	StopDeadline StopReason = "deadline"
	// StopCanceled: the context was canceled.
	StopCanceled StopReason = "canceled"
)

// ctxReason maps a context error to a StopReason.
func ctxReason(err error) StopReason {
	if errors.Is(err, context.DeadlineExceeded) {
		return StopDeadline
	}
	return StopCanceled
}

// reasonErr returns the context error matching r, or nil.
func reasonErr(r StopReason) error {
	switch r {
	case StopDeadline:
		return context.DeadlineExceeded
	case StopCanceled:
		return context.Canceled
	}
	return nil
}

// RetryError is returned by the delete helpers when they give up. It wraps
// the last error of the service, and context.DeadlineExceeded or
// context.Canceled when the context ended the retries, so errors.As finds
// the SDK's typed exception and errors.Is finds the context error.
type RetryError struct {
	// Op is the AWS operation, e.g. "DeleteRemediationConfiguration".
	Op string
	// Attempts is the number of calls made.
	Attempts int
	// Reason says why retrying stopped.
	Reason StopReason
	// Err is the last error returned by the service.
	Err error
}

// Error implements error.
func (e *RetryError) Error() string {
	return fmt.Sprintf("client: %s gave up after %d attempt(s) (%s): %v", e.Op, e.Attempts, e.Reason, e.Err)
}

// Unwrap returns the last service error and the context error, if any.
func (e *RetryError) Unwrap() []error {
	errs := []error{e.Err}
	if c := reasonErr(e.Reason); c != nil {
		errs = append(errs, c)
	}
	return errs
}

// FailedItemError is the error recorded for a key that
// StartRemediationExecution returned in FailedItems.
type FailedItemError struct {
	// Message is the FailureMessage of the response.
	Message string
	// InProgress reports whether Message was taken to mean that a
	// remediation is in progress for the key (see WithInProgressMessage);
	// such keys are retried.
	InProgress bool
}

// Error implements error.
func (e *FailedItemError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "no failure message"
	}
	if e.InProgress {
		return "remediation in progress: " + msg
	}
	return "remediation refused: " + msg
}

// StartError is returned by StartRemediation when at least one key did not
// start. Its Unwrap lists each key's last error, so errors.As finds, for
// example, a *types.RemediationInProgressException, and errors.Is finds
// context.DeadlineExceeded when the deadline stopped the retries.
type StartError struct {
	// Rule is the Config rule name.
	Rule string
	// NotStarted lists the keys that did not start, as in StartResult.
	NotStarted []NotStarted
}

// Error implements error.
func (e *StartError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "client: remediation of rule %q did not start for %d resource(s):", e.Rule, len(e.NotStarted))
	for i, ns := range e.NotStarted {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s (%s after %d attempt(s)): %v", KeyString(ns.Key), ns.Reason, ns.Attempts, ns.Err)
	}
	return b.String()
}

// Unwrap returns the last error of every key not started, and
// context.DeadlineExceeded or context.Canceled if the context stopped any.
func (e *StartError) Unwrap() []error {
	errs := make([]error, 0, len(e.NotStarted)+1)
	var ctxErr error
	for _, ns := range e.NotStarted {
		if ns.Err != nil {
			errs = append(errs, ns.Err)
		}
		if c := reasonErr(ns.Reason); c != nil && ctxErr == nil {
			ctxErr = c
		}
	}
	if ctxErr != nil {
		errs = append(errs, ctxErr)
	}
	return errs
}

// WaitError is returned by WaitForExecutions when it stops before every
// execution ended. It wraps the last poll error, if any, and
// context.DeadlineExceeded or context.Canceled when the wait timed out or
// was canceled.
type WaitError struct {
	// Rule is the Config rule name.
	Rule string
	// Polls is the number of polls made (a poll may span several pages).
	Polls int
	// Reason says why the wait stopped.
	Reason StopReason
	// Running lists, with their last known state, the executions that had
	// not reached SUCCEEDED or FAILED.
	Running []Execution
	// Err is the last error of a poll, or nil.
	Err error
}

// Error implements error.
func (e *WaitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "client: waiting for remediation of rule %q stopped after %d poll(s) (%s); %d still running:",
		e.Rule, e.Polls, e.Reason, len(e.Running))
	for i, x := range e.Running {
		if i > 0 {
			b.WriteString(",")
		}
		state := string(x.State)
		if state == "" {
			state = "no status"
		}
		fmt.Fprintf(&b, " %s (%s)", KeyString(x.Key), state)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, "; last error: %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the last poll error and the context error, if any.
func (e *WaitError) Unwrap() []error {
	var errs []error
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	if c := reasonErr(e.Reason); c != nil {
		errs = append(errs, c)
	}
	return errs
}

// KeyString formats a resource key as "type/id".
func KeyString(k types.ResourceKey) string {
	id := ""
	if k.ResourceId != nil {
		id = *k.ResourceId
	}
	return string(k.ResourceType) + "/" + id
}
