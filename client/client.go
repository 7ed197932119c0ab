package client

import (
	"context"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// Defaults of the retry policy. See doc.go for why these values.
const (
	// DefaultBase is the ceiling of the first retry delay; each further retry
	// doubles the ceiling until it reaches DefaultCap.
	DefaultBase = 200 * time.Millisecond
	// DefaultCap bounds a single retry delay. It equals the default maximum
	// backoff of aws-sdk-go-v2's standard retryer (retry.DefaultMaxBackoff).
	DefaultCap = 20 * time.Second
	// DefaultMaxAttempts is how many calls StartRemediation and the delete
	// helpers make at most, the first one included.
	DefaultMaxAttempts = 10
	// DefaultPollBase is the ceiling of the first delay between two polls of
	// WaitForExecutions.
	DefaultPollBase = 2 * time.Second
	// DefaultPollCap bounds a single delay between two polls.
	DefaultPollCap = 30 * time.Second
	// DefaultMaxWait bounds WaitForExecutions when the context has no earlier
	// deadline.
	DefaultMaxWait = 15 * time.Minute
	// MaxKeysPerCall is the most resource keys StartRemediationExecution and
	// DescribeRemediationExecutionStatus accept in one request
	// (https://docs.aws.amazon.com/config/latest/APIReference/API_StartRemediationExecution.html).
	MaxKeysPerCall = 100
)

// API is the part of *configservice.Client this package calls. A
// *configservice.Client satisfies it; tests use fakes.
type API interface {
	StartRemediationExecution(ctx context.Context, in *configservice.StartRemediationExecutionInput, optFns ...func(*configservice.Options)) (*configservice.StartRemediationExecutionOutput, error)
	DescribeRemediationExecutionStatus(ctx context.Context, in *configservice.DescribeRemediationExecutionStatusInput, optFns ...func(*configservice.Options)) (*configservice.DescribeRemediationExecutionStatusOutput, error)
	DeleteRemediationConfiguration(ctx context.Context, in *configservice.DeleteRemediationConfigurationInput, optFns ...func(*configservice.Options)) (*configservice.DeleteRemediationConfigurationOutput, error)
	DeleteConfigRule(ctx context.Context, in *configservice.DeleteConfigRuleInput, optFns ...func(*configservice.Options)) (*configservice.DeleteConfigRuleOutput, error)
}

var _ API = (*configservice.Client)(nil)

// Client wraps an API with the retry and wait policies of this package. It
// holds no mutable state and is safe for concurrent use.
type Client struct {
	api API
	set settings
}

// New returns a Client that calls api with the given options as defaults.
// Each method also accepts options that apply to that call only.
func New(api API, opts ...Option) *Client {
	s := defaultSettings()
	for _, o := range opts {
		o(&s)
	}
	return &Client{api: api, set: s}
}

// Attempt describes one call made by a Client method, reported to the
// OnAttempt hook after the call returns and before any wait.
type Attempt struct {
	// Op is the AWS operation called, e.g. "StartRemediationExecution".
	Op string
	// Number counts the calls of this operation made by one method call,
	// starting at 1 (for WaitForExecutions: the poll number).
	Number int
	// Keys are the resource keys sent (StartRemediation, WaitForExecutions).
	Keys []types.ResourceKey
	// Code is the AWS error code of the call, or "" if it returned no error.
	Code string
	// Retry are the keys that will be sent again (StartRemediation), or, for
	// WaitForExecutions, the keys still running.
	Retry []types.ResourceKey
	// Delay is the wait before the next call, or 0 if none follows.
	Delay time.Duration
	// Err is the error of the call, or for StartRemediation a
	// *FailedItemError when the call succeeded but refused keys.
	Err error
}

// Option configures a Client or one call of its methods.
type Option func(*settings)

type settings struct {
	backoff     Backoff
	pollBackoff Backoff
	retryable   Retryable
	maxAttempts int
	maxWait     time.Duration
	now         func() time.Time
	sleep       func(context.Context, time.Duration) error
	rand        func() float64
	onAttempt   func(Attempt)
	inProgress  func(string) bool
}

func defaultSettings() settings {
	return settings{
		backoff:     Backoff{Base: DefaultBase, Cap: DefaultCap},
		pollBackoff: Backoff{Base: DefaultPollBase, Cap: DefaultPollCap},
		retryable:   DefaultRetryable(),
		maxAttempts: DefaultMaxAttempts,
		maxWait:     DefaultMaxWait,
		now:         time.Now,
		sleep:       sleepContext,
		rand:        rand.Float64,
		inProgress:  IsInProgressMessage,
	}
}

// apply returns a copy of s with opts applied.
func (s settings) apply(opts []Option) settings {
	for _, o := range opts {
		o(&s)
	}
	return s
}

// WithBackoff sets the delays between retries of StartRemediation and the
// delete helpers. Zero fields keep their defaults.
func WithBackoff(b Backoff) Option {
	return func(s *settings) { s.backoff = b.withDefaults(DefaultBase, DefaultCap) }
}

// WithPollBackoff sets the delays between polls of WaitForExecutions. Zero
// fields keep their defaults.
func WithPollBackoff(b Backoff) Option {
	return func(s *settings) { s.pollBackoff = b.withDefaults(DefaultPollBase, DefaultPollCap) }
}

// WithRetryable sets the table of retried error codes. A nil table retries
// nothing.
func WithRetryable(r Retryable) Option {
	return func(s *settings) { s.retryable = r }
}

// WithMaxAttempts sets the most calls StartRemediation (per batch of keys)
// and the delete helpers make, the first one included. n < 1 means 1.
func WithMaxAttempts(n int) Option {
	return func(s *settings) { s.maxAttempts = max(n, 1) }
}

// WithMaxWait bounds WaitForExecutions, measured with the injected clock,
// besides the context's deadline. d <= 0 leaves only the context.
func WithMaxWait(d time.Duration) Option {
	return func(s *settings) { s.maxWait = d }
}

// WithNow sets the clock used to stamp starts and to compare against
// deadlines. Nil restores time.Now.
func WithNow(now func() time.Time) Option {
	return func(s *settings) {
		if now == nil {
			now = time.Now
		}
		s.now = now
	}
}

// WithSleep sets how the Client waits between calls. sleep must return early
// with ctx.Err() when ctx is done. Nil restores the real timer.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(s *settings) {
		if sleep == nil {
			sleep = sleepContext
		}
		s.sleep = sleep
	}
}

// WithRand sets the random source of the jitter; it must return values in
// [0, 1). Nil restores math/rand/v2.Float64.
func WithRand(r func() float64) Option {
	return func(s *settings) {
		if r == nil {
			r = rand.Float64
		}
		s.rand = r
	}
}

// WithOnAttempt sets a hook called after every call, for logs and metrics.
// It runs on the caller's goroutine and must not block.
func WithOnAttempt(f func(Attempt)) Option {
	return func(s *settings) { s.onAttempt = f }
}

// WithInProgressMessage sets how StartRemediation decides, from the
// FailureMessage of a StartRemediationExecution response, that its
// FailedItems were refused because a remediation is in progress (and so are
// retried). Nil restores IsInProgressMessage.
func WithInProgressMessage(f func(failureMessage string) bool) Option {
	return func(s *settings) {
		if f == nil {
			f = IsInProgressMessage
		}
		s.inProgress = f
	}
}

// IsInProgressMessage is the default test of WithInProgressMessage. AWS does
// not document the FailureMessage texts of StartRemediationExecution (its
// reference only gives "the resource is already compliant" as an example,
// https://docs.aws.amazon.com/config/latest/APIReference/API_StartRemediationExecution.html),
// so the test is by wording: it reports whether msg mentions a remediation
// "in progress" (any case, with or without the space, which also matches the
// exception name RemediationInProgressException). Every other message, an
// empty one included, is treated as a permanent refusal.
func IsInProgressMessage(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "in progress") || strings.Contains(m, "inprogress") ||
		strings.Contains(m, "in_progress")
}

// sleepContext waits d on a real timer, or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
