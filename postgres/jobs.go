package postgres

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/storecodec"
	"github.com/jackc/pgx/v5"
)

// jobColumns are the columns scanJob reads, in its order.
const jobColumns = `id, kind, account_id, region, key, payload, run_at, attempt, owner, lease_until, last_error, created_at`

// scanJob reads the jobColumns of a row.
func scanJob(r pgx.Rows) (*configd.Job, error) {
	var (
		j                   configd.Job
		runAt               int64
		leaseUntil, created *int64
	)
	if err := r.Scan(&j.ID, &j.Kind, &j.Scope.AccountID, &j.Scope.Region, &j.Key, &j.Payload, &runAt, &j.Attempt,
		&j.Owner, &leaseUntil, &j.LastError, &created); err != nil {
		return nil, err
	}
	j.RunAt = time.UnixMilli(runAt).UTC()
	j.LeaseUntil, j.CreatedAt = storecodec.FromMillis(leaseUntil), storecodec.FromMillis(created)
	return &j, nil
}

// EnqueueJob adds j, setting j.ID, unless a pending job (one no worker
// holds) of the same kind and scope has the same non-empty key; it reports
// whether it added. The unique index jobs_pending_key decides, so concurrent
// enqueues of one key add one job, across processes.
func (t *tx) EnqueueJob(ctx context.Context, j *configd.Job) (bool, error) {
	if !t.write {
		return false, errReadOnly
	}
	if j.Kind == "" {
		return false, fmt.Errorf("postgres: enqueue job: a kind is required")
	}
	var id int64
	err := t.scanRow(ctx, `INSERT INTO jobs (kind, account_id, region, key, payload, run_at, attempt, owner, lease_until, last_error, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 0, '', NULL, '', $7)
		ON CONFLICT (kind, account_id, region, key) WHERE key <> '' AND owner = '' DO NOTHING
		RETURNING id`,
		[]any{j.Kind, j.Scope.AccountID, j.Scope.Region, j.Key, j.Payload, j.RunAt.UnixMilli(), nullMS(j.CreatedAt)}, &id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("postgres: enqueue %s job: %w", j.Kind, err)
	}
	j.ID = id
	j.Attempt, j.Owner, j.LeaseUntil, j.LastError = 0, "", time.Time{}, ""
	return true, nil
}

// ClaimJobs leases to owner, until leaseUntil, at most max jobs of kind that
// are due at now and not held (or whose lease expired: until < now), oldest
// RunAt first,
// incrementing their Attempt. FOR UPDATE SKIP LOCKED makes concurrent claims,
// in any process, pass over the rows another claim is taking, so no job is
// handed out twice and no claim waits for another.
func (t *tx) ClaimJobs(ctx context.Context, kind, owner string, now, leaseUntil time.Time, max int) ([]*configd.Job, error) {
	if !t.write {
		return nil, errReadOnly
	}
	if owner == "" {
		return nil, fmt.Errorf("postgres: claim %s jobs: an owner is required", kind)
	}
	if max <= 0 {
		return nil, nil
	}
	out, err := collect(ctx, t, `UPDATE jobs SET owner = $2, lease_until = $4, attempt = attempt + 1
		WHERE id IN (SELECT id FROM jobs
			WHERE kind = $1 AND run_at <= $3 AND (owner = '' OR lease_until IS NULL OR lease_until < $3)
			ORDER BY run_at, id LIMIT $5 FOR UPDATE SKIP LOCKED)
		RETURNING `+jobColumns,
		[]any{kind, owner, now.UnixMilli(), leaseUntil.UnixMilli(), max}, scanJob)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim %s jobs: %w", kind, err)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].RunAt.Equal(out[j].RunAt) {
			return out[i].RunAt.Before(out[j].RunAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// CompleteJob deletes the job if owner holds it, and reports whether it did.
func (t *tx) CompleteJob(ctx context.Context, id int64, owner string) (bool, error) {
	tag, err := t.exec(ctx, `DELETE FROM jobs WHERE id = $1 AND owner = $2`, id, owner)
	if err != nil {
		return false, fmt.Errorf("postgres: complete job %d: %w", id, err)
	}
	return tag.RowsAffected() > 0, nil
}

// RescheduleJob releases the job, if owner holds it, to run again at runAt,
// recording lastErr. If meanwhile a pending job with the same key was
// enqueued, the released job is merged into it (deleted, and the pending
// job's run time moved up to the earlier of the two), since both would do
// the same work; the pending-key index stays unique.
func (t *tx) RescheduleJob(ctx context.Context, id int64, owner string, runAt time.Time, lastErr string) error {
	if !t.write {
		return errReadOnly
	}
	// One statement: merge into a pending twin if there is one, else release.
	_, err := t.exec(ctx, `WITH held AS (
			SELECT id, kind, account_id, region, key FROM jobs WHERE id = $1 AND owner = $2 FOR UPDATE
		), twin AS (
			UPDATE jobs p SET run_at = LEAST(p.run_at, $3)
			FROM held h
			WHERE h.key <> '' AND p.owner = '' AND p.kind = h.kind AND p.account_id = h.account_id
				AND p.region = h.region AND p.key = h.key AND p.id <> h.id
			RETURNING h.id
		), merged AS (
			DELETE FROM jobs WHERE id IN (SELECT id FROM twin)
		)
		UPDATE jobs SET owner = '', lease_until = NULL, run_at = $3, last_error = $4
		WHERE id IN (SELECT id FROM held) AND NOT EXISTS (SELECT 1 FROM twin)`,
		id, owner, runAt.UnixMilli(), lastErr)
	if isUniqueViolation(err, "jobs_pending_key") {
		// A twin was enqueued and committed after this statement's
		// snapshot; the transaction is aborted, and Write runs it again.
		t.mu.Lock()
		if t.retry == nil {
			t.retry = err
		}
		t.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("postgres: reschedule job %d: %w", id, err)
	}
	return nil
}

// CountJobs counts the jobs of kind in scope, or in every scope for the zero
// Scope.
func (t *tx) CountJobs(ctx context.Context, kind string, scope configd.Scope) (int, error) {
	var (
		n   int
		err error
	)
	if scope == (configd.Scope{}) {
		err = t.scanRow(ctx, `SELECT count(*) FROM jobs WHERE kind = $1`, []any{kind}, &n)
	} else {
		err = t.scanRow(ctx, `SELECT count(*) FROM jobs WHERE kind = $1 AND account_id = $2 AND region = $3`,
			[]any{kind, scope.AccountID, scope.Region}, &n)
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: count %s jobs: %w", kind, err)
	}
	return n, nil
}

// AcquireLease takes or renews the named lease for owner until until, if it
// is free, expired at now (a lease until T is held at T and expired after
// it), or already owner's, and reports whether owner
// holds it. The upsert locks the lease's row and checks the condition on its
// newest version, so of concurrent acquirers exactly one wins.
func (t *tx) AcquireLease(ctx context.Context, name, owner string, now, until time.Time) (bool, error) {
	if !t.write {
		return false, errReadOnly
	}
	var got string
	err := t.scanRow(ctx, `INSERT INTO leases (name, owner, lease_until) VALUES ($1, $2, $4)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
			WHERE leases.owner = excluded.owner OR leases.lease_until < $3
		RETURNING owner`, []any{name, owner, now.UnixMilli(), until.UnixMilli()}, &got)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("postgres: acquire lease %q: %w", name, err)
	}
	return got == owner, nil
}

// ReleaseLease frees the named lease if owner holds it.
func (t *tx) ReleaseLease(ctx context.Context, name, owner string) error {
	if _, err := t.exec(ctx, `DELETE FROM leases WHERE name = $1 AND owner = $2`, name, owner); err != nil {
		return fmt.Errorf("postgres: release lease %q: %w", name, err)
	}
	return nil
}
