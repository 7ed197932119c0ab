package client

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// StartResult is the outcome of StartRemediation: every distinct key given
// appears exactly once, in Started or in NotStarted.
type StartResult struct {
	Started    []Started
	NotStarted []NotStarted
}

// Started is a key whose remediation execution the service accepted.
type Started struct {
	Key types.ResourceKey
	// At is when the accepting response arrived, by the injected clock.
	At time.Time
	// Attempts is the number of calls that carried the key.
	Attempts int
}

// NotStarted is a key whose remediation execution never started.
type NotStarted struct {
	Key types.ResourceKey
	// Err is the last error for the key: the call's error, or a
	// *FailedItemError if the service listed the key in FailedItems.
	Err error
	// Attempts is the number of calls that carried the key (0 if the
	// context ended before its batch was sent).
	Attempts int
	// Reason says why the key was given up.
	Reason StopReason
}

// keyID identifies a resource key by value.
type keyID struct{ typ, id string }

func idOf(k types.ResourceKey) keyID {
	return keyID{string(k.ResourceType), aws.ToString(k.ResourceId)}
}

// dedupe returns keys without repeats, keeping the first of each.
func dedupe(keys []types.ResourceKey) []types.ResourceKey {
	seen := make(map[keyID]bool, len(keys))
	out := make([]types.ResourceKey, 0, len(keys))
	for _, k := range keys {
		if id := idOf(k); !seen[id] {
			seen[id] = true
			out = append(out, k)
		}
	}
	return out
}

// StartRemediation starts remediation executions of rule for keys, retrying
// the keys the service refuses for a while:
//
//   - a call that fails with a Busy or Throttled error (see Retryable; by
//     default RemediationInProgressException, ResourceInUseException and
//     ThrottlingException) is retried with all the keys it carried;
//   - keys returned in FailedItems are retried if the FailureMessage says a
//     remediation is in progress (see WithInProgressMessage), and given up
//     at once otherwise (for example "already compliant");
//   - keys accepted are never sent again.
//
// Retries stop at the maximum number of attempts, at a Permanent error
// (validation and permission errors are never retried), or when the next
// delay would reach the context's deadline, whichever comes first. Keys are
// sent in batches of MaxKeysPerCall, one after the other, each with its own
// attempt budget; repeated keys are sent once. No keys means nothing to do.
//
// The result lists every key. The error is nil if every key started, and
// otherwise a *StartError listing the keys that did not.
func (c *Client) StartRemediation(ctx context.Context, rule string, keys []types.ResourceKey, opts ...Option) (StartResult, error) {
	s := c.set.apply(opts)
	keys = dedupe(keys)
	var res StartResult
	var stop StopReason
	for len(keys) > 0 {
		batch := keys[:min(len(keys), MaxKeysPerCall)]
		keys = keys[len(batch):]
		if stop != "" {
			// The context ended an earlier batch: these keys are not sent.
			for _, k := range batch {
				res.NotStarted = append(res.NotStarted, NotStarted{Key: k, Err: reasonErr(stop), Reason: stop})
			}
			continue
		}
		if r := c.startBatch(ctx, &s, rule, batch, &res); r == StopDeadline || r == StopCanceled {
			stop = r
		}
	}
	if len(res.NotStarted) > 0 {
		return res, &StartError{Rule: rule, NotStarted: res.NotStarted}
	}
	return res, nil
}

// startBatch runs the attempts for one batch of at most MaxKeysPerCall keys
// and records each key in res. It returns why it stopped retrying, or "" if
// no key was left to retry.
func (c *Client) startBatch(ctx context.Context, s *settings, rule string, batch []types.ResourceKey, res *StartResult) StopReason {
	const op = "StartRemediationExecution"
	pending := batch
	last := make(map[keyID]error, len(batch))
	giveUp := func(keys []types.ResourceKey, n int, r StopReason) {
		for _, k := range keys {
			res.NotStarted = append(res.NotStarted, NotStarted{Key: k, Err: last[idOf(k)], Attempts: n, Reason: r})
		}
	}
	for n := 1; ; n++ {
		out, err := c.api.StartRemediationExecution(ctx, &configservice.StartRemediationExecutionInput{
			ConfigRuleName: &rule,
			ResourceKeys:   pending,
		})
		at := s.now()
		var retry []types.ResourceKey
		attemptErr := err
		switch {
		case err != nil && ctx.Err() != nil:
			// Keep the service's earlier answer if there was one: it says
			// more than the context error.
			for _, k := range pending {
				if last[idOf(k)] == nil {
					last[idOf(k)] = err
				}
			}
			s.report(Attempt{Op: op, Number: n, Keys: pending, Err: err})
			r := ctxReason(ctx.Err())
			giveUp(pending, n, r)
			return r
		case err != nil:
			for _, k := range pending {
				last[idOf(k)] = err
			}
			if s.retryable.Classify(err) == Permanent {
				s.report(Attempt{Op: op, Number: n, Keys: pending, Err: err})
				giveUp(pending, n, StopPermanent)
				return StopPermanent
			}
			retry = pending
		default:
			failed := make(map[keyID]bool, len(out.FailedItems))
			for _, k := range out.FailedItems {
				failed[idOf(k)] = true
			}
			fe := &FailedItemError{Message: aws.ToString(out.FailureMessage)}
			fe.InProgress = s.inProgress(fe.Message)
			var refused []types.ResourceKey
			for _, k := range pending {
				switch {
				case !failed[idOf(k)]:
					res.Started = append(res.Started, Started{Key: k, At: at, Attempts: n})
				case fe.InProgress:
					last[idOf(k)] = fe
					retry = append(retry, k)
				default:
					last[idOf(k)] = fe
					refused = append(refused, k)
				}
			}
			giveUp(refused, n, StopPermanent)
			if len(retry) > 0 || len(refused) > 0 {
				attemptErr = fe
			}
		}
		if len(retry) == 0 {
			s.report(Attempt{Op: op, Number: n, Keys: pending, Err: attemptErr})
			return ""
		}
		d, reason := s.plan(ctx, s.backoff, n, s.maxAttempts, time.Time{})
		s.report(Attempt{Op: op, Number: n, Keys: pending, Retry: retry, Delay: d, Err: attemptErr})
		if reason == "" {
			reason = s.wait(ctx, d)
		}
		if reason != "" {
			giveUp(retry, n, reason)
			return reason
		}
		pending = retry
	}
}
