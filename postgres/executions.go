package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
	"sort"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/storecodec"
	"github.com/jackc/pgx/v5"
)

// Remediation executions. The per-resource guard is the unique partial
// index remediation_executions_active (migration 0002): the database, not a
// read before the write, refuses a second QUEUED or IN_PROGRESS execution
// of a rule on a resource, whichever process inserts it.

// remediationInProgress is the error for a second active execution of a
// rule on a resource, worded as AWS's API reference describes
// RemediationInProgressException
// (https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteRemediationConfiguration.html).
func remediationInProgress() error {
	return configd.Errorf(configd.ErrRemediationInProgress,
		"Remediation action is in progress. You can either cancel execution in Amazon Web Services Systems Manager or wait and try again later.")
}

// guardIndex is the unique partial index of the per-resource guard.
const guardIndex = "remediation_executions_active"

type stepRec struct {
	Name         string `json:"name,omitempty"`
	State        string `json:"state,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	StartTime    *int64 `json:"startTime,omitempty"`
	StopTime     *int64 `json:"stopTime,omitempty"`
}

func encodeSteps(steps []configd.StepDetail) (string, error) {
	var recs []stepRec
	if steps != nil {
		recs = make([]stepRec, len(steps))
		for i, s := range steps {
			recs[i] = stepRec{Name: s.Name, State: s.State, ErrorMessage: s.ErrorMessage, StartTime: storecodec.Millis(s.StartTime), StopTime: storecodec.Millis(s.StopTime)}
		}
	}
	return encode("execution steps", recs)
}

func decodeSteps(body string) ([]configd.StepDetail, error) {
	var recs []stepRec
	if err := decode("execution steps", body, &recs); err != nil {
		return nil, err
	}
	if recs == nil {
		return nil, nil
	}
	steps := make([]configd.StepDetail, len(recs))
	for i, r := range recs {
		steps[i] = configd.StepDetail{Name: r.Name, State: r.State, ErrorMessage: r.ErrorMessage, StartTime: storecodec.FromMillis(r.StartTime), StopTime: storecodec.FromMillis(r.StopTime)}
	}
	return steps, nil
}

// executionColumns are the columns scanExecution reads, in its order.
const executionColumns = `account_id, region, id, rule_name, resource_type, resource_id, state, steps, invocation_time,
	last_updated_time, automatic, attempt, run_at, owner, lease_until, seq`

// execRow is an execution with its scope and insertion order.
type execRow struct {
	configd.ScopedExecution
	seq int64
}

// scanExecution reads the executionColumns of a row.
func scanExecution(r pgx.Rows) (execRow, error) {
	var (
		row                   execRow
		e                     configd.RemediationExecution
		steps                 string
		invoked, updated, run *int64
		leaseUntil            *int64
	)
	if err := r.Scan(&row.Scope.AccountID, &row.Scope.Region, &e.ID, &e.RuleName, &e.ResourceType, &e.ResourceID, &e.State,
		&steps, &invoked, &updated, &e.Automatic, &e.Attempt, &run, &e.Owner, &leaseUntil, &row.seq); err != nil {
		return row, err
	}
	var err error
	if e.Steps, err = decodeSteps(steps); err != nil {
		return row, err
	}
	e.InvocationTime, e.LastUpdatedTime, e.RunAt, e.LeaseUntil = storecodec.FromMillis(invoked), storecodec.FromMillis(updated), storecodec.FromMillis(run), storecodec.FromMillis(leaseUntil)
	row.Execution = &e
	return row, nil
}

// executions returns the executions of sql.
func (t *tx) executions(ctx context.Context, sql string, args []any) ([]*configd.RemediationExecution, error) {
	rows, err := collect(ctx, t, sql, args, scanExecution)
	if err != nil {
		return nil, err
	}
	out := make([]*configd.RemediationExecution, len(rows))
	for i, r := range rows {
		out[i] = r.Execution
	}
	return out, nil
}

// newExecutionID returns a random version 4 UUID.
func newExecutionID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// InsertExecution adds a new execution, setting e.ID to a new UUID if it is
// empty. If the resource already has an
// active execution of the rule, it returns ErrRemediationInProgress and adds
// nothing. The unique index remediation_executions_active decides, as the
// arbiter of ON CONFLICT: an insert that meets an active execution another
// transaction has not committed yet waits for that transaction, then adds
// nothing if it committed. ON CONFLICT DO NOTHING, rather than a failing
// insert, leaves the caller's transaction usable, so that one Write can
// start executions for several resources and report those refused.
func (t *tx) InsertExecution(ctx context.Context, scope configd.Scope, e *configd.RemediationExecution) error {
	if !t.write {
		return errReadOnly
	}
	if e.RuleName == "" || e.State == "" {
		return fmt.Errorf("postgres: insert execution: a rule name and a state are required")
	}
	id := e.ID
	if id == "" {
		id = newExecutionID()
	}
	steps, err := encodeSteps(e.Steps)
	if err != nil {
		return err
	}
	tag, err := t.exec(ctx, `INSERT INTO remediation_executions (account_id, region, id, rule_name, resource_type,
			resource_id, state, steps, invocation_time, last_updated_time, automatic, attempt, run_at, owner, lease_until)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (account_id, region, rule_name, resource_type, resource_id) WHERE state IN ('QUEUED', 'IN_PROGRESS') DO NOTHING`,
		scope.AccountID, scope.Region, id, e.RuleName, e.ResourceType, e.ResourceID, e.State, steps,
		nullMS(e.InvocationTime), nullMS(e.LastUpdatedTime), e.Automatic, e.Attempt, nullMS(e.RunAt), e.Owner, nullMS(e.LeaseUntil))
	if err != nil {
		return fmt.Errorf("postgres: insert execution of %q on %s %s: %w", e.RuleName, e.ResourceType, e.ResourceID, err)
	}
	if tag.RowsAffected() == 0 {
		return remediationInProgress()
	}
	e.ID = id
	return nil
}

// UpdateExecution replaces the execution with e.ID; ErrResourceNotFound if
// there is none. Making an execution active again while another is active on
// the same resource violates the guard: ErrRemediationInProgress (and the
// transaction can only be rolled back).
func (t *tx) UpdateExecution(ctx context.Context, scope configd.Scope, e *configd.RemediationExecution) error {
	if !t.write {
		return errReadOnly
	}
	steps, err := encodeSteps(e.Steps)
	if err != nil {
		return err
	}
	tag, err := t.exec(ctx, `UPDATE remediation_executions SET rule_name = $4, resource_type = $5, resource_id = $6,
			state = $7, steps = $8, invocation_time = $9, last_updated_time = $10, automatic = $11, attempt = $12,
			run_at = $13, owner = $14, lease_until = $15
		WHERE account_id = $1 AND region = $2 AND id = $3`,
		scope.AccountID, scope.Region, e.ID, e.RuleName, e.ResourceType, e.ResourceID, e.State, steps,
		nullMS(e.InvocationTime), nullMS(e.LastUpdatedTime), e.Automatic, e.Attempt, nullMS(e.RunAt), e.Owner, nullMS(e.LeaseUntil))
	if isUniqueViolation(err, guardIndex) {
		return fmt.Errorf("postgres: update execution %s: %w", e.ID, remediationInProgress())
	}
	if err != nil {
		return fmt.Errorf("postgres: update execution %s: %w", e.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return noSuchExecution(e.ID)
	}
	return nil
}

// noSuchExecution is the error for an unknown execution id.
func noSuchExecution(id string) error {
	return configd.Errorf(configd.ErrResourceNotFound, "Remediation execution %s does not exist.", id)
}

// GetExecution returns the execution with id.
func (t *tx) GetExecution(ctx context.Context, scope configd.Scope, id string) (*configd.RemediationExecution, error) {
	out, err := t.executions(ctx, `SELECT `+executionColumns+` FROM remediation_executions
		WHERE account_id = $1 AND region = $2 AND id = $3`, []any{scope.AccountID, scope.Region, id})
	if err != nil {
		return nil, fmt.Errorf("postgres: get execution %s: %w", id, err)
	}
	if len(out) == 0 {
		return nil, noSuchExecution(id)
	}
	return out[0], nil
}

// ActiveExecution returns the active execution of a rule on a resource, or nil.
func (t *tx) ActiveExecution(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) (*configd.RemediationExecution, error) {
	out, err := t.executions(ctx, `SELECT `+executionColumns+` FROM remediation_executions
		WHERE account_id = $1 AND region = $2 AND rule_name = $3 AND resource_type = $4 AND resource_id = $5
			AND state IN ('QUEUED', 'IN_PROGRESS')`,
		[]any{scope.AccountID, scope.Region, rule, key.ResourceType, key.ResourceID})
	if err != nil {
		return nil, fmt.Errorf("postgres: active execution of %q on %s %s: %w", rule, key.ResourceType, key.ResourceID, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out[0], nil
}

// AllActiveExecutions implements configd.ActiveExecutionChecker: one
// statement outside a transaction, answered from the guard's partial index.
func (d *DB) AllActiveExecutions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey) (bool, error) {
	if len(keys) == 0 {
		return false, nil
	}
	types := make([]string, len(keys))
	ids := make([]string, len(keys))
	uniq := make(map[configd.ResourceKey]bool, len(keys))
	for i, k := range keys {
		types[i], ids[i] = k.ResourceType, k.ResourceID
		uniq[k] = true
	}
	var n int
	err := d.pool.QueryRow(ctx, `SELECT count(*) FROM remediation_executions
		WHERE account_id = $1 AND region = $2 AND rule_name = $3 AND state IN ('QUEUED', 'IN_PROGRESS')
			AND (resource_type, resource_id) IN (SELECT * FROM unnest($4::text[], $5::text[]))`,
		scope.AccountID, scope.Region, rule, types, ids).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("postgres: active executions of %q: %w", rule, mapError(ctx, err))
	}
	return n == len(uniq), nil
}

// CountActiveExecutions counts a rule's active executions (every rule's when
// rule is ""), and how many of them are IN_PROGRESS.
func (t *tx) CountActiveExecutions(ctx context.Context, scope configd.Scope, rule string) (active, inProgress int, err error) {
	sql := `SELECT count(*), count(*) FILTER (WHERE state = 'IN_PROGRESS') FROM remediation_executions
		WHERE account_id = $1 AND region = $2 AND state IN ('QUEUED', 'IN_PROGRESS')`
	args := []any{scope.AccountID, scope.Region}
	if rule != "" {
		sql += ` AND rule_name = $3`
		args = append(args, rule)
	}
	if err := t.scanRow(ctx, sql, args, &active, &inProgress); err != nil {
		return 0, 0, fmt.Errorf("postgres: count active executions: %w", err)
	}
	return active, inProgress, nil
}

// LatestExecutions returns the newest execution of each resource of a rule
// (of the keys given, all when none), ordered by (resource type, resource
// id), after the key after, at most limit (0: all).
func (t *tx) LatestExecutions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey, after *configd.ResourceKey, limit int) ([]*configd.RemediationExecution, error) {
	sql, args := keyFilter(`SELECT DISTINCT ON (resource_type, resource_id) `+executionColumns+` FROM remediation_executions
		WHERE account_id = $1 AND region = $2 AND rule_name = $3`, []any{scope.AccountID, scope.Region, rule}, keys, after)
	args = append(args, limitArg(limit))
	sql += fmt.Sprintf(` ORDER BY resource_type, resource_id, seq DESC LIMIT $%d`, len(args))
	out, err := t.executions(ctx, sql, args)
	if err != nil {
		return nil, fmt.Errorf("postgres: latest executions of %q: %w", rule, err)
	}
	return out, nil
}

// ExecutionHistory lists every execution of a rule on a resource, newest first.
func (t *tx) ExecutionHistory(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) ([]*configd.RemediationExecution, error) {
	out, err := t.executions(ctx, `SELECT `+executionColumns+` FROM remediation_executions
		WHERE account_id = $1 AND region = $2 AND rule_name = $3 AND resource_type = $4 AND resource_id = $5
		ORDER BY seq DESC`,
		[]any{scope.AccountID, scope.Region, rule, key.ResourceType, key.ResourceID})
	if err != nil {
		return nil, fmt.Errorf("postgres: execution history of %q on %s %s: %w", rule, key.ResourceType, key.ResourceID, err)
	}
	return out, nil
}

// ClaimExecutions leases to owner, until leaseUntil, at most max executions
// across scopes that are due at now (RunAt not after now) and QUEUED, or
// IN_PROGRESS without a lease or with an expired one (until < now: their
// worker died), earliest RunAt first. Each becomes IN_PROGRESS, owned by
// owner, updated at now. FOR UPDATE SKIP LOCKED makes concurrent claims, in
// any process, pass over rows another claim is taking: no execution is
// handed out twice, and no claim waits for another.
func (t *tx) ClaimExecutions(ctx context.Context, owner string, now, leaseUntil time.Time, max int) ([]configd.ScopedExecution, error) {
	if !t.write {
		return nil, errReadOnly
	}
	if owner == "" {
		return nil, fmt.Errorf("postgres: claim executions: an owner is required")
	}
	if max <= 0 {
		return nil, nil
	}
	rows, err := collect(ctx, t, `UPDATE remediation_executions
		SET state = 'IN_PROGRESS', owner = $1, lease_until = $3, last_updated_time = $2
		WHERE seq IN (SELECT seq FROM remediation_executions
			WHERE state IN ('QUEUED', 'IN_PROGRESS') AND run_at <= $2
				AND (state = 'QUEUED' OR lease_until IS NULL OR lease_until < $2)
			ORDER BY run_at, seq LIMIT $4
			FOR UPDATE SKIP LOCKED)
		RETURNING `+executionColumns,
		[]any{owner, now.UnixMilli(), leaseUntil.UnixMilli(), max}, scanExecution)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim executions: %w", err)
	}
	// RETURNING gives no order.
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i].Execution, rows[j].Execution
		if !a.RunAt.Equal(b.RunAt) {
			return a.RunAt.Before(b.RunAt)
		}
		return rows[i].seq < rows[j].seq
	})
	out := make([]configd.ScopedExecution, len(rows))
	for i, r := range rows {
		out[i] = r.ScopedExecution
	}
	return out, nil
}

// DeleteRuleExecutions deletes the executions of a rule.
func (t *tx) DeleteRuleExecutions(ctx context.Context, scope configd.Scope, rule string) error {
	if _, err := t.exec(ctx, `DELETE FROM remediation_executions WHERE account_id = $1 AND region = $2 AND rule_name = $3`,
		scope.AccountID, scope.Region, rule); err != nil {
		return fmt.Errorf("postgres: delete executions of %q: %w", rule, err)
	}
	return nil
}
