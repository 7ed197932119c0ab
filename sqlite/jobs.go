package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/configd/configd"
)

// The job queue. A job is waiting while owner is NULL and leased while owner
// is set; a lease expired when lease_until < now (a lease holds through its
// last millisecond, as every lease of this store). Coalescing (jobs_coalesce)
// is among waiting jobs only: a job a worker holds may have read the state
// before the change a new job carries, so the new job is queued beside it.
// Every write transaction of SQLite holds the one write lock, so the
// select-then-update of ClaimJobs can never hand a job to two claimers.

const jobColumns = `id, kind, account_id, region, key, payload, run_at, attempt, owner, lease_until, last_error, created_at`

var (
	qEnqueueJob = itemWriteQuery(`INSERT INTO jobs
		(kind, account_id, region, key, payload, run_at, attempt, owner, lease_until, last_error, created_at)
		VALUES (?, ?, ?, ?, ?, ?, 0, NULL, NULL, '', ?)
		ON CONFLICT (kind, account_id, region, key) WHERE key <> '' AND owner IS NULL DO NOTHING`)
	qClaimJobs = writeQuery(`UPDATE jobs SET owner = ?1, lease_until = ?2, attempt = attempt + 1
		WHERE id IN (SELECT id FROM jobs WHERE kind = ?3 AND run_at <= ?4 AND (owner IS NULL OR lease_until < ?4)
			ORDER BY run_at, id LIMIT ?5)
		RETURNING ` + jobColumns)
	qCompleteJob = writeQuery(`DELETE FROM jobs WHERE id = ? AND owner = ?`)
	// qDropSupersededJob deletes a job being rescheduled when a waiting job
	// with the same key exists: that job will do the same work, later.
	qDropSupersededJob = writeQuery(`DELETE FROM jobs WHERE id = ?1 AND owner = ?2 AND key <> ''
		AND EXISTS (SELECT 1 FROM jobs w WHERE w.kind = jobs.kind AND w.account_id = jobs.account_id
			AND w.region = jobs.region AND w.key = jobs.key AND w.key <> '' AND w.owner IS NULL)`)
	qRescheduleJob = writeQuery(`UPDATE jobs SET owner = NULL, lease_until = NULL, run_at = ?, last_error = ?
		WHERE id = ? AND owner = ?`)
	qCountJobs      = readQuery(`SELECT count(*) FROM jobs WHERE kind = ?`)
	qCountScopeJobs = readQuery(`SELECT count(*) FROM jobs WHERE account_id = ? AND region = ? AND kind = ?`)

	qAcquireLease = writeQuery(`INSERT INTO leases (name, owner, lease_until) VALUES (?1, ?2, ?4)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
		WHERE leases.owner = excluded.owner OR leases.lease_until < ?3`)
	qReleaseLease = writeQuery(`DELETE FROM leases WHERE name = ? AND owner = ?`)
)

// EnqueueJob adds j, setting j.ID, unless a waiting job (one no worker
// holds) with the same kind, scope and non-empty key exists.
func (t *tx) EnqueueJob(ctx context.Context, j *configd.Job) (bool, error) {
	if !t.write {
		return false, errReadOnly
	}
	if j.Kind == "" {
		return false, fmt.Errorf("sqlite: enqueue job: a kind is required")
	}
	res, err := t.exec(ctx, qEnqueueJob, j.Kind, j.Scope.AccountID, j.Scope.Region, j.Key, j.Payload,
		j.RunAt.UnixMilli(), j.CreatedAt.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("sqlite: enqueue %s job: %w", j.Kind, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: enqueue %s job: %w", j.Kind, err)
	}
	if n == 0 {
		return false, nil
	}
	id, err := res.LastInsertId()
	if err != nil {
		return false, fmt.Errorf("sqlite: enqueue %s job: %w", j.Kind, err)
	}
	j.ID = id
	j.Attempt, j.Owner, j.LeaseUntil, j.LastError = 0, "", time.Time{}, ""
	return true, nil
}

// ClaimJobs leases to owner, until leaseUntil, at most max jobs of kind that
// are due at now and not leased (or whose lease expired), earliest RunAt
// first.
func (t *tx) ClaimJobs(ctx context.Context, kind, owner string, now, leaseUntil time.Time, max int) ([]*configd.Job, error) {
	if owner == "" {
		return nil, fmt.Errorf("sqlite: claim jobs: an owner is required")
	}
	if max <= 0 {
		return nil, nil
	}
	rows, err := t.query(ctx, qClaimJobs, owner, leaseUntil.UnixMilli(), kind, now.UnixMilli(), max)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim %s jobs: %w", kind, err)
	}
	defer rows.Close()
	var out []*configd.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: claim %s jobs: %w", kind, err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim %s jobs: %w", kind, err)
	}
	// RETURNING gives no order.
	sort.Slice(out, func(a, b int) bool {
		if !out[a].RunAt.Equal(out[b].RunAt) {
			return out[a].RunAt.Before(out[b].RunAt)
		}
		return out[a].ID < out[b].ID
	})
	return out, nil
}

// scanJob reads a row of jobColumns.
func scanJob(rows *sql.Rows) (*configd.Job, error) {
	var (
		j                configd.Job
		runAt, createdAt int64
		owner            sql.NullString
		leaseUntil       sql.NullInt64
	)
	if err := rows.Scan(&j.ID, &j.Kind, &j.Scope.AccountID, &j.Scope.Region, &j.Key, &j.Payload,
		&runAt, &j.Attempt, &owner, &leaseUntil, &j.LastError, &createdAt); err != nil {
		return nil, err
	}
	j.RunAt = time.UnixMilli(runAt).UTC()
	j.CreatedAt = time.UnixMilli(createdAt).UTC()
	j.Owner = owner.String
	if leaseUntil.Valid {
		j.LeaseUntil = time.UnixMilli(leaseUntil.Int64).UTC()
	}
	return &j, nil
}

// CompleteJob deletes the job if owner holds it.
func (t *tx) CompleteJob(ctx context.Context, id int64, owner string) (bool, error) {
	res, err := t.exec(ctx, qCompleteJob, id, owner)
	if err != nil {
		return false, fmt.Errorf("sqlite: complete job %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: complete job %d: %w", id, err)
	}
	return n > 0, nil
}

// RescheduleJob releases the job, if owner holds it, to run again at runAt
// with lastErr. If a waiting job with the same key was queued meanwhile, the
// job is deleted instead: the waiting one will do its work.
func (t *tx) RescheduleJob(ctx context.Context, id int64, owner string, runAt time.Time, lastErr string) error {
	res, err := t.exec(ctx, qDropSupersededJob, id, owner)
	if err != nil {
		return fmt.Errorf("sqlite: reschedule job %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		if err != nil {
			return fmt.Errorf("sqlite: reschedule job %d: %w", id, err)
		}
		return nil
	}
	if _, err := t.exec(ctx, qRescheduleJob, runAt.UnixMilli(), lastErr, id, owner); err != nil {
		return fmt.Errorf("sqlite: reschedule job %d: %w", id, err)
	}
	return nil
}

// CountJobs counts the jobs of kind in scope, or in every scope when scope
// is the zero Scope.
func (t *tx) CountJobs(ctx context.Context, kind string, scope configd.Scope) (int, error) {
	var row rowScanner
	if scope == (configd.Scope{}) {
		row = t.queryRow(ctx, qCountJobs, kind)
	} else {
		row = t.queryRow(ctx, qCountScopeJobs, scope.AccountID, scope.Region, kind)
	}
	var n int
	if err := row.Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count %s jobs: %w", kind, err)
	}
	return n, nil
}

// AcquireLease takes or renews the named lease for owner until until, if it
// is free, expired at now (its until is before now) or owner's already.
func (t *tx) AcquireLease(ctx context.Context, name, owner string, now, until time.Time) (bool, error) {
	if owner == "" {
		return false, fmt.Errorf("sqlite: acquire lease %q: an owner is required", name)
	}
	res, err := t.exec(ctx, qAcquireLease, name, owner, now.UnixMilli(), until.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("sqlite: acquire lease %q: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: acquire lease %q: %w", name, err)
	}
	return n > 0, nil
}

// ReleaseLease frees the named lease if owner holds it.
func (t *tx) ReleaseLease(ctx context.Context, name, owner string) error {
	if _, err := t.exec(ctx, qReleaseLease, name, owner); err != nil {
		return fmt.Errorf("sqlite: release lease %q: %w", name, err)
	}
	return nil
}
