package client

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/aws/smithy-go"
)

// Jitter selects how Backoff randomises a delay below its ceiling.
type Jitter int

const (
	// FullJitter draws the delay uniformly from [0, ceiling). It is the zero
	// value and the default: it spreads clients that were refused together
	// the most (the "full jitter" of the AWS Architecture Blog post
	// "Exponential Backoff And Jitter", which aws-sdk-go-v2's standard
	// retryer also uses).
	FullJitter Jitter = iota
	// EqualJitter draws the delay from [ceiling/2, ceiling).
	EqualJitter
	// NoJitter waits exactly the ceiling; useful in tests and examples.
	NoJitter
)

// Backoff is the delay policy: capped exponential backoff with jitter. The
// ceiling of the delay before retry n (n = 1 after the first call) is
// min(Cap, Base * 2^(n-1)); Jitter picks the delay below it.
type Backoff struct {
	// Base is the ceiling of the first delay; <= 0 means the default of the
	// method (DefaultBase or DefaultPollBase).
	Base time.Duration
	// Cap bounds every delay; <= 0 means the default of the method
	// (DefaultCap or DefaultPollCap).
	Cap time.Duration
	// Jitter picks the delay below the ceiling; the zero value is FullJitter.
	Jitter Jitter
}

func (b Backoff) withDefaults(base, limit time.Duration) Backoff {
	if b.Base <= 0 {
		b.Base = base
	}
	if b.Cap <= 0 {
		b.Cap = limit
	}
	return b
}

// Ceiling returns the largest delay Delay may return before retry n
// (n >= 1): min(Cap, Base * 2^(n-1)), without overflow. Base and Cap must be
// positive; n < 1 is treated as 1.
func (b Backoff) Ceiling(n int) time.Duration {
	d := min(b.Base, b.Cap)
	for i := 1; i < n && d < b.Cap; i++ {
		if d > b.Cap/2 {
			return b.Cap
		}
		d *= 2
	}
	return min(d, b.Cap)
}

// Delay returns the delay before retry n (n >= 1) given a random number r in
// [0, 1); values outside are clamped into it, so a FullJitter delay is always
// below the ceiling. It is a pure function, so schedules can
// be tested with chosen r.
func (b Backoff) Delay(n int, r float64) time.Duration {
	c := b.Ceiling(n)
	r = min(max(r, 0), math.Nextafter(1, 0))
	switch b.Jitter {
	case NoJitter:
		return c
	case EqualJitter:
		half := c / 2
		return half + time.Duration(r*float64(c-half))
	default:
		return time.Duration(r * float64(c))
	}
}

// Class says how a failed call is treated.
type Class int

const (
	// Permanent errors are never retried: validation, permission and
	// not-found errors, and every code not in the table.
	Permanent Class = iota
	// Throttled means the service rejected the rate of calls.
	Throttled
	// Busy means the resource is busy (a remediation in progress, a rule in
	// use); the same call can succeed once the work ends.
	Busy
)

// String returns the name of c.
func (c Class) String() string {
	switch c {
	case Throttled:
		return "throttled"
	case Busy:
		return "busy"
	default:
		return "permanent"
	}
}

// Retryable is the retryability policy: a table from AWS error code to
// Class. Codes not in the table are Permanent. Build one from
// DefaultRetryable and add or remove codes; the table is plain data.
type Retryable map[string]Class

// DefaultRetryable returns a new copy of the default table:
//
//   - Busy: RemediationInProgressException ("Remediation action is in
//     progress ... wait and try again later") and ResourceInUseException
//     (for DeleteConfigRule: the rule is being deleted or "a remediation
//     action is associated with the rule"), both from
//     https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteRemediationConfiguration.html
//     and API_DeleteConfigRule.html.
//   - Throttled: ThrottlingException, the only throttling error among AWS
//     Config's common errors
//     (https://docs.aws.amazon.com/config/latest/APIReference/CommonErrors.html).
//   - Permanent, listed to make the decision visible: validation and
//     permission errors, the not-found errors, and LimitExceededException.
//     aws-sdk-go-v2 counts LimitExceededException as throttling, but AWS
//     Config uses it for quotas (aggregators, service-linked roles) and for
//     StartConfigRulesEvaluation; none of the operations called here
//     document it, and retrying a quota only delays the failure.
//
// Server errors (InternalFailure, ServiceUnavailable) and connection errors
// are left to the SDK's own retryer, which runs inside each call.
func DefaultRetryable() Retryable {
	return Retryable{
		"RemediationInProgressException": Busy,
		"ResourceInUseException":         Busy,
		"ThrottlingException":            Throttled,

		"ValidationException":                     Permanent,
		"InvalidParameterValueException":          Permanent,
		"InvalidNextTokenException":               Permanent,
		"InvalidLimitException":                   Permanent,
		"SerializationException":                  Permanent,
		"InsufficientPermissionsException":        Permanent,
		"AccessDeniedException":                   Permanent,
		"UnrecognizedClientException":             Permanent,
		"InvalidSignatureException":               Permanent,
		"IncompleteSignatureException":            Permanent,
		"MissingAuthenticationTokenException":     Permanent,
		"NoSuchRemediationConfigurationException": Permanent,
		"NoSuchConfigRuleException":               Permanent,
		"LimitExceededException":                  Permanent,
	}
}

// Classify returns the Class of err. Errors without an AWS error code
// (network errors, context errors) are Permanent.
func (r Retryable) Classify(err error) Class {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Permanent
	}
	code := ErrorCode(err)
	if code == "" {
		return Permanent
	}
	return r[code]
}

// ErrorCode returns the AWS error code of err (the ErrorCode of the first
// smithy.APIError in its chain, e.g. "RemediationInProgressException"), or ""
// if it has none.
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// deadline returns the earliest of the context's deadline and limit (zero
// limit means none), and whether there is one.
func deadline(ctx context.Context, limit time.Time) (time.Time, bool) {
	d, ok := ctx.Deadline()
	if !limit.IsZero() && (!ok || limit.Before(d)) {
		return limit, true
	}
	return d, ok
}
