package configd

import (
	"context"
	"time"
)

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
