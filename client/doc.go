// Package client holds Go helpers for the remediation API of AWS Config,
// for use against AWS itself or against configd. It calls an
// aws-sdk-go-v2 *configservice.Client (or anything with the same methods,
// see API) and imports nothing from configd's server packages.
//
// # Why
//
// AWS Config guards each resource while a remediation runs on it:
// StartRemediationExecution refuses the resource, either failing with
// RemediationInProgressException or listing it in FailedItems with a
// FailureMessage; DeleteRemediationConfiguration fails with
// RemediationInProgressException while an execution runs; DeleteConfigRule
// fails with ResourceInUseException while a remediation configuration is
// attached. The SDKs do not retry these codes. This package does:
//
//   - Client.StartRemediation starts executions, re-sending only the keys
//     still refused, and says which keys started (and when) and which did
//     not (and why);
//   - Client.DeleteRemediationConfiguration and Client.DeleteConfigRule
//     wait out the guard and treat "already gone" as success;
//   - Client.WaitForExecutions polls DescribeRemediationExecutionStatus
//     until every execution is SUCCEEDED or FAILED;
//   - NewRetryer and WithRemediationRetries teach the SDK's own standard
//     retryer the same codes, for callers who prefer it.
//
// # Policies
//
// Retrying is three small policies, each replaceable by an Option:
//
//   - Backoff (delay): capped exponential backoff with full jitter. The
//     delay before retry n is drawn from [0, min(Cap, Base*2^(n-1))).
//     Defaults: Base 200 ms and Cap 20 s (DefaultBase, DefaultCap) for
//     calls; Base 2 s and Cap 30 s (DefaultPollBase, DefaultPollCap) between
//     polls. 200 ms retries a short-lived guard quickly, and 20 s matches the
//     SDK's own maximum backoff; polls start slower because a remediation
//     runs an SSM Automation document, which takes seconds to minutes.
//   - Retryable (which errors): a table from AWS error code to Class. By
//     default RemediationInProgressException and ResourceInUseException are
//     Busy, ThrottlingException is Throttled, and everything else,
//     validation and permission errors included, is Permanent and never
//     retried. See DefaultRetryable for the reasons.
//   - Budget (how long): at most DefaultMaxAttempts (10) calls, the first
//     included, and never past the context's deadline: a retry whose delay
//     would reach the deadline is not waited for. With the defaults the
//     ten calls span at most about 65 s of delays (33 s on average).
//     WaitForExecutions has no attempt limit; it stops at the context's
//     deadline or after DefaultMaxWait (15 min), whichever comes first.
//
// The clock (WithNow), the sleep (WithSleep) and the random source
// (WithRand) are injectable, so tests run schedules without waiting, and
// WithOnAttempt reports every call (operation, number, keys, error code,
// delay) for logs and metrics. A Client holds no mutable state; the package
// has no globals.
//
// The SDK client's own retryer still runs inside every call made here (by
// default 3 attempts for throttling, server and connection errors). Give
// the SDK client aws.NopRetryer{} if only this package should retry.
//
// # FailedItems
//
// A StartRemediationExecution response carries one FailureMessage for all
// its FailedItems. AWS documents no list of messages, so a key listed there
// is retried only when the message says a remediation is "in progress"
// (IsInProgressMessage, replaceable with WithInProgressMessage); any other
// message, such as "the resource is already compliant", gives the key up at
// once with a *FailedItemError.
package client
