package postgres

import (
	"context"
	"fmt"
	"time"
)

// Compliance deltas (migration 0003) are folded into compliance_counts by
// rollup, in a short transaction of its own, so that writers of results
// never wait for each other on a counter row. A DB starts a rollup in the
// background after every rollupEvery commits that changed results; at most
// one runs per DB, and across processes one at a time (the others skip).
const (
	rollupEvery = 64
	// rollupBatch is how many deltas one rollup statement moves.
	rollupBatch = 10_000
	// rollupBatches bounds the statements of one rollup.
	rollupBatches = 10
)

// rollupLock is the advisory lock that lets one rollup run at a time per
// schema; the others skip rather than wait.
const rollupLock = `SELECT pg_try_advisory_xact_lock(hashtextextended('configd rollup ' || current_schema(), 0))`

// rollupSQL moves up to rollupBatch deltas into compliance_counts. Deltas
// another rollup is moving are skipped (and not counted twice); counter rows
// are updated in key order.
const rollupSQL = `WITH moved AS (
		DELETE FROM compliance_deltas WHERE id IN (
			SELECT id FROM compliance_deltas ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
		RETURNING account_id, region, rule_name, resource_type, compliance_type, n
	)
	INSERT INTO compliance_counts AS c (account_id, region, rule_name, resource_type, compliance_type, n)
	SELECT account_id, region, rule_name, resource_type, compliance_type, sum(n) FROM moved
	GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
	ON CONFLICT (account_id, region, rule_name, resource_type, compliance_type) DO UPDATE SET n = c.n + excluded.n`

// countsCommitted notes a commit that changed evaluation results and starts
// a background rollup every rollupEvery of them.
func (d *DB) countsCommitted() {
	if d.countWrites.Add(1)%rollupEvery != 0 {
		return
	}
	if !d.rolling.CompareAndSwap(false, true) {
		return
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		d.rolling.Store(false)
		return
	}
	d.bg.Add(1)
	d.mu.Unlock()
	go func() {
		defer d.bg.Done()
		defer d.rolling.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = d.rollup(ctx) // best effort: the deltas stay correct until the next one
	}()
}

// rollup moves compliance deltas into compliance_counts, unless another
// rollup holds the lock, and returns how many deltas it moved.
func (d *DB) rollup(ctx context.Context) (int64, error) {
	var moved int64
	for range rollupBatches {
		n, err := d.rollupBatch(ctx)
		moved += n
		if err != nil {
			return moved, fmt.Errorf("postgres: roll up compliance counts: %w", mapError(ctx, err))
		}
		if n < rollupBatch {
			break
		}
	}
	return moved, nil
}

// rollupBatch moves one batch in one transaction; 0 if another rollup runs.
func (d *DB) rollupBatch(ctx context.Context) (int64, error) {
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer rollback(ctx, tx)
	var locked bool
	if err := tx.QueryRow(ctx, rollupLock).Scan(&locked); err != nil || !locked {
		return 0, err
	}
	// The number of deltas moved, not of counter rows written.
	var n int64
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM compliance_deltas LIMIT $1) d`, rollupBatch).Scan(&n); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	if _, err := tx.Exec(ctx, rollupSQL, rollupBatch); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM compliance_counts WHERE n = 0`); err != nil {
		return 0, err
	}
	return n, tx.Commit(ctx)
}
