package configd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"
)

// NewOwnerID names a holder of leases and job claims: "host/pid/random",
// unique across processes and restarts, and telling in logs which process
// holds what.
func NewOwnerID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Job kinds.
const (
	// JobEvaluate evaluates rules against a resource or a whole rule.
	JobEvaluate = "evaluate"
)

// Job is durable background work (an evaluation to run, a schedule to
// fire), kept in the store so that it survives crashes and is shared by every
// configd process on one database. Workers claim jobs with a lease; a job
// whose worker died is claimed again when its lease expires.
type Job struct {
	ID    int64
	Kind  string
	Scope Scope
	// Key coalesces: a job is not enqueued while a pending job of the same
	// kind, scope and key exists. "" never coalesces.
	Key        string
	Payload    string // JSON
	RunAt      time.Time
	Attempt    int // claims so far
	Owner      string
	LeaseUntil time.Time
	LastError  string
	CreatedAt  time.Time
}

// JobStore is the durable job queue and the named leases of leader duties.
type JobStore interface {
	// EnqueueJob adds j (setting j.ID) unless a pending job with the same
	// kind, scope and non-empty key exists; it reports whether it added.
	EnqueueJob(ctx context.Context, j *Job) (bool, error)
	// ClaimJobs leases to owner, until leaseUntil, at most max jobs of kind
	// whose RunAt is not after now and which are not leased or whose lease
	// expired, oldest RunAt first, incrementing their Attempt. Concurrent
	// claims never return the same job.
	ClaimJobs(ctx context.Context, kind, owner string, now, leaseUntil time.Time, max int) ([]*Job, error)
	// CompleteJob deletes the job if owner still holds its lease, and
	// reports whether it did.
	CompleteJob(ctx context.Context, id int64, owner string) (bool, error)
	// RescheduleJob releases the job (if owner holds it) to run again at
	// runAt, recording lastErr.
	RescheduleJob(ctx context.Context, id int64, owner string, runAt time.Time, lastErr string) error
	// CountJobs counts the jobs of kind in scope (all scopes when scope is
	// the zero Scope).
	CountJobs(ctx context.Context, kind string, scope Scope) (int, error)

	// AcquireLease takes or renews the named lease for owner until until,
	// if it is free, expired at now, or already owner's; it reports whether
	// owner holds it.
	AcquireLease(ctx context.Context, name, owner string, now, until time.Time) (bool, error)
	// ReleaseLease frees the named lease if owner holds it.
	ReleaseLease(ctx context.Context, name, owner string) error
}

// Evaluation triggers (EvaluateJob.Trigger), beside the message types.
const (
	// TriggerOnDemand is StartConfigRulesEvaluation.
	TriggerOnDemand = "OnDemand"
	// TriggerRuleUpdated is a rule created or updated, evaluated at once
	// against existing resources.
	TriggerRuleUpdated = "RuleUpdated"
)

// EvaluateJob is the payload of a JobEvaluate job.
type EvaluateJob struct {
	// RuleName is the rule to evaluate; "" means every rule whose scope
	// matches the resource.
	RuleName string `json:"ruleName,omitempty"`
	// Resource is the resource to evaluate; nil means every recorded
	// resource in the rule's scope (periodic, on-demand, new rule).
	Resource *ResourceKey `json:"resource,omitempty"`
	// Trigger is a message type (MessageConfigurationItemChange,
	// MessageScheduled) or TriggerOnDemand / TriggerRuleUpdated.
	Trigger string `json:"trigger"`
	// Seq is the store sequence number of the configuration item that
	// triggered a change evaluation (0 otherwise).
	Seq int64 `json:"seq,omitempty"`
}

// ResultTokenClaims is what a PutEvaluations result token stands for: the
// rule invocation it answers. configd seals it with the pagetoken codec
// (operation "ResultToken"), so tokens cannot be forged.
type ResultTokenClaims struct {
	RuleName       string    `json:"r"`
	InvokedAt      time.Time `json:"i"`
	EvaluationMode string    `json:"m,omitempty"`
	ResourceEvalID string    `json:"e,omitempty"` // proactive evaluations
}

// ComplianceListener is told of every evaluation result stored, inside the
// transaction that stores it, so that what it does (queueing an automatic
// remediation) commits or rolls back with the result. prev is nil for a first
// result.
type ComplianceListener interface {
	ComplianceChanged(ctx context.Context, tx Tx, scope Scope, prev, cur *EvaluationResult) error
}
