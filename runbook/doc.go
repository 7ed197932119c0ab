// Package runbook provides what a remediation runs: the documents a
// remediation configuration's TargetId names.
//
// A Registry holds three kinds of runbooks:
//
//   - native implementations of AWS's most used remediation runbooks
//     (AWS-EnableS3BucketEncryption, AWSConfigRemediation-EnableKeyRotation,
//     ...), which make the documented AWS API calls with aws-sdk-go-v2
//     through Env.AWS, with the documents' parameters and step names;
//   - Configd-TestRunbook, whose executions take DurationSeconds and fail
//     FailTimes times per resource, to test retry logic deterministically,
//     and Configd-NoopRunbook, which does nothing, for benchmarks;
//   - user documents in AWS's Automation document format, read from a
//     directory (see Document).
//
// The remediation engine validates a configuration's parameters with
// Registry.Validate when it is put, resolves RESOURCE_ID when an execution
// starts, and calls Runbook.Run, which reports every step as a
// configd.StepDetail.
//
// AutomationAssumeRole (and a document's assumeRole), when set, is assumed
// through STS with Env.AWS's credentials before the first step, and the
// steps use the role's credentials; when it cannot be assumed the execution
// fails on its first step. An empty value runs with Env.AWS's credentials.
package runbook
