package client

import (
	"context"
	"time"
)

// plan decides whether a call may follow call number n. It returns the
// delay to wait before it, or a StopReason when no call follows: the
// attempt budget (maxAttempts > 0) is spent, the context is done, or the
// delay would reach the deadline (the context's, or limit if earlier and
// non-zero). Waiting for a retry that the deadline would cut short only
// delays the caller, so the retries stop early instead.
func (s *settings) plan(ctx context.Context, b Backoff, n, maxAttempts int, limit time.Time) (time.Duration, StopReason) {
	if maxAttempts > 0 && n >= maxAttempts {
		return 0, StopAttempts
	}
	if err := ctx.Err(); err != nil {
		return 0, ctxReason(err)
	}
	d := b.Delay(n, s.rand())
	if dl, ok := deadline(ctx, limit); ok && !s.now().Add(d).Before(dl) {
		return 0, StopDeadline
	}
	return d, ""
}

// wait sleeps d with the injected sleep and maps a context error to a
// StopReason.
func (s *settings) wait(ctx context.Context, d time.Duration) StopReason {
	if err := s.sleep(ctx, d); err != nil {
		if ctx.Err() != nil {
			return ctxReason(ctx.Err())
		}
		return ctxReason(err)
	}
	return ""
}

// report calls the OnAttempt hook, if any.
func (s *settings) report(a Attempt) {
	if s.onAttempt != nil {
		a.Code = ErrorCode(a.Err)
		s.onAttempt(a)
	}
}

// retryCall runs call until it succeeds, fails with a Permanent error, or
// the policy stops it. An error whose code is gone counts as success (the
// thing to delete is already gone).
func (c *Client) retryCall(ctx context.Context, s settings, op, gone string, call func(context.Context) error) error {
	var last error
	for n := 1; ; n++ {
		err := call(ctx)
		if err == nil || (gone != "" && ErrorCode(err) == gone) {
			s.report(Attempt{Op: op, Number: n, Err: err})
			return nil
		}
		if cerr := ctx.Err(); cerr != nil {
			s.report(Attempt{Op: op, Number: n, Err: err})
			if last == nil {
				last = err
			}
			return &RetryError{Op: op, Attempts: n, Reason: ctxReason(cerr), Err: last}
		}
		last = err
		if s.retryable.Classify(err) == Permanent {
			s.report(Attempt{Op: op, Number: n, Err: err})
			return &RetryError{Op: op, Attempts: n, Reason: StopPermanent, Err: err}
		}
		d, reason := s.plan(ctx, s.backoff, n, s.maxAttempts, time.Time{})
		s.report(Attempt{Op: op, Number: n, Err: err, Delay: d})
		if reason == "" {
			reason = s.wait(ctx, d)
		}
		if reason != "" {
			return &RetryError{Op: op, Attempts: n, Reason: reason, Err: err}
		}
	}
}
