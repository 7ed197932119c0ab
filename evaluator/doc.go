// Package evaluator is configd's rule engine: it evaluates AWS Config rules
// against the recorded configuration items and stores their compliance.
//
// # Work queue
//
// Every evaluation is a durable job in the store (configd.JobEvaluate, payload
// configd.EvaluateJob), so that it survives crashes and is shared by every
// configd process on one database:
//
//   - recording a configuration item queues a change job for its resource
//     (service.Service.Record, in the recording transaction, when the scope
//     has rules); its key "res/<type>/<id>" coalesces bursts of changes;
//   - PutConfigRule queues a RuleUpdated job and StartConfigRulesEvaluation
//     an OnDemand job for the rule (key "rule/<name>");
//   - the scheduler queues a ScheduledNotification job for each periodic
//     rule whose RuleStatus.NextScheduledRun has come, and moves that time on
//     by the rule's frequency in the same transaction.
//
// Workers claim due jobs with a lease (ClaimJobs), run them, and complete
// them in the transaction that stores their results, so a result is never
// stored twice for one job nor lost: a worker that dies leaves its jobs to be
// claimed again when the lease expires. A job that fails (a store error) is
// released to run again after an exponential backoff (Backoff) and dropped
// after MaxAttempts. Errors of a rule itself (a managed rule configd does not
// implement, a function that fails) are not job failures: they are recorded
// in the rule's status (DescribeConfigRuleEvaluationStatus) and the job
// completes.
//
// # Evaluations
//
// A change job evaluates the resource's latest item against every
// change-triggered rule of the scope whose scope holds it (TriggersOf,
// InScope). A resource that was deleted or left a rule's scope becomes
// NOT_APPLICABLE, when the rule had a result for it.
//
// A rule job (RuleUpdated, OnDemand, Scheduled) evaluates the rule against
// every recorded, non-deleted resource in its scope, reading the inventory in
// one snapshot and writing results in batches while it reads; managed rules
// that judge the account (CLOUD_TRAIL_ENABLED) evaluate once, as
// AWS::::Account. After a rule update, resources it judged before that are
// no longer in scope become NOT_APPLICABLE.
//
// Rule kinds:
//
//   - AWS managed rules run natively (package managedrule) with their
//     parameters' defaults applied; a catalogued rule without a native
//     implementation is reported as not implemented in the rule's status and
//     never gets a result.
//   - Guard custom policy rules (package guard) evaluate the item as AWS
//     Config delivers it (GuardDocument): PASS is COMPLIANT, FAIL
//     NON_COMPLIANT with the failure messages as annotation, SKIP
//     NOT_APPLICABLE.
//   - Lambda-style rules (CUSTOM_LAMBDA) get AWS's event (Event,
//     ChangeInvokingEvent, ScheduledInvokingEvent) with a sealed result token
//     and answer through PutEvaluations. The function is a local command
//     (Command, PythonHandler) or a Lambda Invoke endpoint (Functions). Rule
//     jobs of change-triggered Lambda rules queue one job per resource in
//     scope, so that each invocation is a job of its own.
//
// A result is stored only if no result of a later invocation is stored for
// the same rule and resource, so that a slow job never overwrites what a
// newer one found.
package evaluator
