// Package remediation is configd's remediation engine: it runs the runbook
// of a rule's remediation configuration (package runbook) on non-compliant
// resources, on request (StartRemediationExecution) or automatically, and
// guarantees that two remediations never run on the same resource at once.
//
// # Lifecycle of an execution
//
//	StartRemediationExecution, a NON_COMPLIANT result of an Automatic rule,
//	or a retry of a failed automatic attempt (due later)
//	    |
//	    v
//	  QUEUED --claim--> IN_PROGRESS --start transaction--> runbook runs
//	    ^                  |    |                              |
//	    | deferred by      |    | skipped, stopped,            | ends
//	    | ExecutionControls|    | no document                  v
//	    +------------------+    +----------------------> FAILED or SUCCEEDED
//
// A claim makes an execution IN_PROGRESS under the worker's lease; the start
// transaction either runs it, ends it without running (FAILED with a
// configd:* step), or puts it back to QUEUED for later (ExecutionControls).
//
// Every state lives in the store. The store enforces the per-resource guard:
// at most one QUEUED or IN_PROGRESS execution per (account, region, rule,
// resource type, resource id), by a database constraint, so concurrent
// requests, automatic triggers and several configd processes on one database
// cannot start two. A request for a resource in flight is refused
// (FailedItems, or RemediationInProgressException when every key is), and an
// automatic trigger for it is coalesced without spending an attempt.
//
// # Leases
//
// A worker claims due executions (QUEUED with RunAt not after now, or
// IN_PROGRESS with an expired lease) with a lease of Options.Lease, then, in
// one start transaction, checks the execution is still its own, re-checks
// the resource's compliance (a resource no longer NON_COMPLIANT is skipped,
// as is, for automatic executions, a resource an exception now covers),
// applies ExecutionControls, and marks it IN_PROGRESS. While the runbook
// runs, the worker renews the lease every Lease/3 and writes step progress
// (each runbook step becomes a StepDetail). The end transaction sets
// SUCCEEDED or FAILED and clears the lease; every write checks that the
// worker still holds the execution, so a worker that lost its lease changes
// nothing.
//
// A worker that dies (kill -9) leaves its execution IN_PROGRESS. Once the
// lease expires another claim takes it: its PENDING steps are marked failed
// ("interrupted") and a StepResumed step says what happened; it runs again
// up to Options.MaxResumes times, then ends FAILED. Either way the guard is
// released and the resource can be remediated again. On a graceful Stop,
// running executions end their lease at once and run again after restart.
//
// # Automatic remediation
//
// The engine is a configd.ComplianceListener: when a detective evaluation
// stores a NON_COMPLIANT result for a rule whose configuration is Automatic,
// an automatic execution is queued in the same transaction, unless an
// unexpired remediation exception covers the resource. Switching a
// configuration to Automatic queues every resource already NON_COMPLIANT.
// A failed automatic attempt is retried after RetryDelay; when
// MaximumAutomaticAttempts attempts have failed within RetryAttemptSeconds,
// the engine puts a remediation exception on the resource naming the
// failures, as AWS does, which blocks automatic remediation until it expires
// or is deleted. Expired exceptions are deleted every Options.ExpiryInterval.
//
// After a successful execution the resource is re-recorded at once
// (Options.Rerecord, a targeted discovery poll for AWS types) and a
// re-evaluation of the rule on it is queued, so its compliance follows the
// fix without waiting for a schedule.
//
// # Observability
//
// Metrics (Metrics) count executions by rule, runbook and final state,
// attempts, retries, guard rejections by operation and exceptions created,
// and expose the queue depth and an execution duration histogram. Each state
// transition writes one log line with the rule, the resource, the execution
// id and the attempt.
package remediation
