package client

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
)

// BusyCodes returns the AWS error codes that mean "the resource is busy, try
// again later" for the remediation operations, which aws-sdk-go-v2 does not
// retry on its own: RemediationInProgressException and
// ResourceInUseException.
func BusyCodes() []string {
	return []string{"RemediationInProgressException", "ResourceInUseException"}
}

// NewRetryer returns aws-sdk-go-v2's standard retryer (retry.NewStandard)
// extended to retry BusyCodes, for users who prefer the SDK's retry
// middleware to StartRemediation and the delete helpers. Its defaults are
// DefaultMaxAttempts attempts and delays capped at DefaultCap. The busy codes
// also count as throttling errors, so that their retries start from the
// SDK's 1 s throttling base delay and take the cheaper throttling cost from
// the SDK's retry token bucket: waiting for a remediation is expected, not a
// sign of an unhealthy service. opts run after these settings and may
// override them.
//
// The SDK retryer sees calls, not keys: it cannot retry only the keys that a
// StartRemediationExecution response lists in FailedItems. StartRemediation
// can.
func NewRetryer(opts ...func(*retry.StandardOptions)) aws.Retryer {
	busy := map[string]struct{}{}
	for _, c := range BusyCodes() {
		busy[c] = struct{}{}
	}
	base := func(o *retry.StandardOptions) {
		o.MaxAttempts = DefaultMaxAttempts
		o.MaxBackoff = DefaultCap
		o.Retryables = append(o.Retryables, retry.RetryableErrorCode{Codes: busy})
		o.Throttles = append(o.Throttles, retry.ThrottleErrorCode{Codes: busy})
	}
	return retry.NewStandard(append([]func(*retry.StandardOptions){base}, opts...)...)
}

// WithRemediationRetries is a configservice option that replaces the
// client's retryer with NewRetryer(). Use it with configservice.New,
// configservice.NewFromConfig or on a single call:
//
//	cs := configservice.NewFromConfig(cfg, client.WithRemediationRetries)
//
// A RetryMaxAttempts set on the client still applies on top of it. To keep a
// retryer of your own instead, wrap it with
// retry.AddWithErrorCodes(r, client.BusyCodes()...).
func WithRemediationRetries(o *configservice.Options) {
	o.Retryer = NewRetryer()
}
