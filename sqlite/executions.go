package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/configd/configd"
	sqlite3 "modernc.org/sqlite/lib"
)

// Remediation executions. The per-resource guard is the partial unique index
// remediation_executions_active: an INSERT or UPDATE that would make a
// second execution of a (scope, rule, resource) QUEUED or IN_PROGRESS fails
// in the database, and is reported as ErrRemediationInProgress. A claim
// moves an execution to IN_PROGRESS under the claimer's lease; an
// IN_PROGRESS execution whose lease expired (lease_until < now) or that has
// no lease is claimed again. Both need RunAt not after now (an execution
// that runs was due), so that a claim reads only the due part of
// remediation_executions_claim, not every queued retry.

// remediationInProgress is the error of a second active execution, worded
// as AWS's API reference describes RemediationInProgressException
// (https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteRemediationConfiguration.html).
func remediationInProgress() error {
	return configd.Errorf(configd.ErrRemediationInProgress,
		"Remediation action is in progress. You can either cancel execution in Amazon Web Services Systems Manager or wait and try again later.")
}

// noSuchExecution is the error of an unknown execution id (configd's own:
// AWS has no operation that reads an execution by id).
func noSuchExecution(id string) error {
	return configd.Errorf(configd.ErrResourceNotFound, "Remediation execution %s does not exist.", id)
}

const executionColumns = `account_id, region, id, rule_name, resource_type, resource_id, state, run_at, owner, lease_until, updated_at, body`

// activeStates is the condition of the partial indexes on active
// executions; queries must repeat it word for word for SQLite to use them.
const activeStates = `state IN ('QUEUED', 'IN_PROGRESS')`

var (
	qInsertExecution = writeQuery(`INSERT INTO remediation_executions (` + executionColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	qUpdateExecution = writeQuery(`UPDATE remediation_executions SET rule_name = ?, resource_type = ?, resource_id = ?,
		state = ?, run_at = ?, owner = ?, lease_until = ?, updated_at = ?, body = ?
		WHERE account_id = ? AND region = ? AND id = ?`)
	qGetExecution = readQuery(`SELECT ` + executionColumns + ` FROM remediation_executions
		WHERE account_id = ? AND region = ? AND id = ?`)
	qActiveExecution = readQuery(`SELECT ` + executionColumns + ` FROM remediation_executions
		WHERE account_id = ? AND region = ? AND rule_name = ? AND resource_type = ? AND resource_id = ? AND ` + activeStates)
	qActiveExists = readQuery(`SELECT 1 FROM remediation_executions
		WHERE account_id = ? AND region = ? AND rule_name = ? AND resource_type = ? AND resource_id = ? AND ` + activeStates)
	qCountActive = readQuery(`SELECT count(*), coalesce(sum(state = 'IN_PROGRESS'), 0) FROM remediation_executions
		WHERE account_id = ? AND region = ? AND rule_name = ? AND ` + activeStates)
	qCountActiveAll = readQuery(`SELECT count(*), coalesce(sum(state = 'IN_PROGRESS'), 0) FROM remediation_executions
		WHERE account_id = ? AND region = ? AND ` + activeStates)
	qLatestExecution = readQuery(`SELECT ` + executionColumns + ` FROM remediation_executions
		WHERE account_id = ? AND region = ? AND rule_name = ? AND resource_type = ? AND resource_id = ?
		ORDER BY seq DESC LIMIT 1`)
	qExecutionHistory = readQuery(`SELECT ` + executionColumns + ` FROM remediation_executions
		WHERE account_id = ? AND region = ? AND rule_name = ? AND resource_type = ? AND resource_id = ?
		ORDER BY seq DESC`)
	qDeleteRuleExecutions = writeQuery(`DELETE FROM remediation_executions WHERE account_id = ? AND region = ? AND rule_name = ?`)
	qClaimExecutions      = writeQuery(`UPDATE remediation_executions
		SET state = 'IN_PROGRESS', owner = ?1, lease_until = ?2, updated_at = ?3
		WHERE seq IN (SELECT seq FROM remediation_executions WHERE ` + activeStates + ` AND run_at <= ?3
			AND (state = 'QUEUED' OR lease_until IS NULL OR lease_until < ?3)
			ORDER BY run_at, seq LIMIT ?4)
		RETURNING seq, ` + executionColumns)
)

// latestExecutions holds the two forms of the LatestExecutions query: the
// newest execution of each resource of a rule, from the start or after a
// key. Both walk remediation_executions_by_resource in key order and pick
// each key's highest seq from the same index.
var latestExecutions = func() (qs [2]*query) {
	for i := range qs {
		cursor := ``
		if i == 1 {
			cursor = ` AND (e.resource_type, e.resource_id) > (?, ?)`
		}
		qs[i] = readQuery(`SELECT ` + prefixed("e.", executionColumns) + ` FROM remediation_executions e
			WHERE e.account_id = ? AND e.region = ? AND e.rule_name = ?` + cursor + `
				AND e.seq = (SELECT max(x.seq) FROM remediation_executions x
					WHERE x.account_id = e.account_id AND x.region = e.region AND x.rule_name = e.rule_name
						AND x.resource_type = e.resource_type AND x.resource_id = e.resource_id)
			ORDER BY e.resource_type, e.resource_id LIMIT ?`)
	}
	return qs
}()

// prefixed prefixes every column of a comma-separated list.
func prefixed(prefix, columns string) string {
	cs := strings.Split(columns, ", ")
	for i := range cs {
		cs[i] = prefix + cs[i]
	}
	return strings.Join(cs, ", ")
}

// isActiveConflict reports whether err is the violation of the per-resource
// guard (remediation_executions_active), whose columns include rule_name.
func isActiveConflict(err error) bool {
	var coded interface{ Code() int }
	if !errors.As(err, &coded) || coded.Code() != sqlite3.SQLITE_CONSTRAINT_UNIQUE {
		return false
	}
	return strings.Contains(err.Error(), "remediation_executions.rule_name")
}

// newExecutionID returns a random version 4 UUID.
func newExecutionID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// executionArgs returns the values of executionColumns for e.
func executionArgs(scope configd.Scope, e *configd.RemediationExecution) ([]any, error) {
	body, err := json.Marshal(toExecutionRecord(e))
	if err != nil {
		return nil, err
	}
	var owner any
	if e.Owner != "" {
		owner = e.Owner
	}
	return []any{scope.AccountID, scope.Region, e.ID, e.RuleName, e.ResourceType, e.ResourceID, e.State,
		e.RunAt.UnixMilli(), owner, nullMillis(e.LeaseUntil), e.LastUpdatedTime.UnixMilli(), string(body)}, nil
}

// InsertExecution adds e, setting e.ID to a new UUID if it is empty; it
// returns ErrRemediationInProgress if the resource already has an active
// execution of the rule.
func (t *tx) InsertExecution(ctx context.Context, scope configd.Scope, e *configd.RemediationExecution) error {
	if !t.write {
		return errReadOnly
	}
	if e.RuleName == "" || e.State == "" {
		return fmt.Errorf("sqlite: insert remediation execution: a rule name and a state are required")
	}
	id := e.ID
	if id == "" {
		id = newExecutionID()
	}
	rec := *e
	rec.ID = id
	args, err := executionArgs(scope, &rec)
	if err != nil {
		return fmt.Errorf("sqlite: encode remediation execution: %w", err)
	}
	if _, err := t.exec(ctx, qInsertExecution, args...); err != nil {
		if isActiveConflict(err) {
			return remediationInProgress()
		}
		return fmt.Errorf("sqlite: insert remediation execution of rule %q for %s %s: %w", e.RuleName, e.ResourceType, e.ResourceID, err)
	}
	e.ID = id
	return nil
}

// UpdateExecution replaces the execution with e.ID; ErrResourceNotFound if
// there is none, ErrRemediationInProgress if it would become a second active
// execution of its resource.
func (t *tx) UpdateExecution(ctx context.Context, scope configd.Scope, e *configd.RemediationExecution) error {
	args, err := executionArgs(scope, e)
	if err != nil {
		return fmt.Errorf("sqlite: encode remediation execution %s: %w", e.ID, err)
	}
	// executionArgs is in column order; UPDATE takes the key last.
	args = append(args[3:], args[0], args[1], args[2])
	n, err := t.execCount(ctx, qUpdateExecution, args...)
	if err != nil {
		if isActiveConflict(err) {
			return remediationInProgress()
		}
		return fmt.Errorf("sqlite: update remediation execution %s: %w", e.ID, err)
	}
	if n == 0 {
		return noSuchExecution(e.ID)
	}
	return nil
}

// scanExecution reads a row of executionColumns; the scope is returned
// apart.
func scanExecution(row rowScanner, extra ...any) (configd.Scope, *configd.RemediationExecution, error) {
	var (
		scope          configd.Scope
		e              configd.RemediationExecution
		runAt, updated int64
		owner          sql.NullString
		leaseUntil     sql.NullInt64
		body           []byte
	)
	dest := append(extra, &scope.AccountID, &scope.Region, &e.ID, &e.RuleName, &e.ResourceType, &e.ResourceID, &e.State,
		&runAt, &owner, &leaseUntil, &updated, &body)
	if err := row.Scan(dest...); err != nil {
		return scope, nil, err
	}
	var rec executionRecord
	if err := json.Unmarshal(body, &rec); err != nil {
		return scope, nil, fmt.Errorf("decode remediation execution %s: %w", e.ID, err)
	}
	rec.fill(&e)
	e.RunAt = time.UnixMilli(runAt).UTC()
	e.LastUpdatedTime = time.UnixMilli(updated).UTC()
	e.Owner = owner.String
	if leaseUntil.Valid {
		e.LeaseUntil = time.UnixMilli(leaseUntil.Int64).UTC()
	}
	return scope, &e, nil
}

// queryExecutions runs a query whose rows are executionColumns.
func (t *tx) queryExecutions(ctx context.Context, what string, q *query, args ...any) ([]*configd.RemediationExecution, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	defer rows.Close()
	var out []*configd.RemediationExecution
	for rows.Next() {
		_, e, err := scanExecution(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", what, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return out, nil
}

// GetExecution returns the execution with id.
func (t *tx) GetExecution(ctx context.Context, scope configd.Scope, id string) (*configd.RemediationExecution, error) {
	_, e, err := scanExecution(t.queryRow(ctx, qGetExecution, scope.AccountID, scope.Region, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noSuchExecution(id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get remediation execution %s: %w", id, err)
	}
	return e, nil
}

// ActiveExecution returns the QUEUED or IN_PROGRESS execution of a rule on a
// resource, or nil.
func (t *tx) ActiveExecution(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) (*configd.RemediationExecution, error) {
	_, e, err := scanExecution(t.queryRow(ctx, qActiveExecution, scope.AccountID, scope.Region, rule, key.ResourceType, key.ResourceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: active remediation execution of rule %q for %s %s: %w", rule, key.ResourceType, key.ResourceID, err)
	}
	return e, nil
}

// AllActiveExecutions implements configd.ActiveExecutionChecker: one
// statement per key on a read connection, outside a transaction, answered
// from the guard's partial index; it stops at the first key without an
// active execution.
func (d *DB) AllActiveExecutions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey) (bool, error) {
	if len(keys) == 0 {
		return false, nil
	}
	st := d.reader.stmts[qActiveExists]
	for _, k := range keys {
		var one int
		err := st.QueryRowContext(ctx, scope.AccountID, scope.Region, rule, k.ResourceType, k.ResourceID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("sqlite: active remediation execution of rule %q for %s %s: %w", rule, k.ResourceType, k.ResourceID, err)
		}
	}
	return true, nil
}

// CountActiveExecutions counts the active executions of rule (of every rule
// when rule is ""), and how many of them are IN_PROGRESS.
func (t *tx) CountActiveExecutions(ctx context.Context, scope configd.Scope, rule string) (active, inProgress int, err error) {
	var row rowScanner
	if rule == "" {
		row = t.queryRow(ctx, qCountActiveAll, scope.AccountID, scope.Region)
	} else {
		row = t.queryRow(ctx, qCountActive, scope.AccountID, scope.Region, rule)
	}
	if err := row.Scan(&active, &inProgress); err != nil {
		return 0, 0, fmt.Errorf("sqlite: count active remediation executions of rule %q: %w", rule, err)
	}
	return active, inProgress, nil
}

// LatestExecutions returns the newest execution of each resource of a rule
// (of keys, all when empty) in (type, id) order after the key after, at most
// limit (0 or less: all).
func (t *tx) LatestExecutions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey, after *configd.ResourceKey, limit int) ([]*configd.RemediationExecution, error) {
	what := fmt.Sprintf("latest remediation executions of rule %q", rule)
	if len(keys) > 0 {
		var out []*configd.RemediationExecution
		for _, k := range keysAfter(keys, after) {
			if limit > 0 && len(out) >= limit {
				break
			}
			es, err := t.queryExecutions(ctx, what, qLatestExecution, scope.AccountID, scope.Region, rule, k.ResourceType, k.ResourceID)
			if err != nil {
				return nil, err
			}
			out = append(out, es...)
		}
		return out, nil
	}
	if after == nil {
		return t.queryExecutions(ctx, what, latestExecutions[0], scope.AccountID, scope.Region, rule, noLimit(limit))
	}
	return t.queryExecutions(ctx, what, latestExecutions[1], scope.AccountID, scope.Region, rule,
		after.ResourceType, after.ResourceID, noLimit(limit))
}

// ExecutionHistory lists every execution of a rule on a resource, newest
// first.
func (t *tx) ExecutionHistory(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) ([]*configd.RemediationExecution, error) {
	return t.queryExecutions(ctx, fmt.Sprintf("remediation executions of rule %q for %s %s", rule, key.ResourceType, key.ResourceID),
		qExecutionHistory, scope.AccountID, scope.Region, rule, key.ResourceType, key.ResourceID)
}

// ClaimExecutions leases to owner, until leaseUntil, at most max executions
// of every scope that are due at now (RunAt not after now) and QUEUED, or
// IN_PROGRESS with an expired lease (or none), earliest RunAt first. Each
// becomes IN_PROGRESS, owned by owner, updated at now.
func (t *tx) ClaimExecutions(ctx context.Context, owner string, now, leaseUntil time.Time, max int) ([]configd.ScopedExecution, error) {
	if owner == "" {
		return nil, fmt.Errorf("sqlite: claim remediation executions: an owner is required")
	}
	if max <= 0 {
		return nil, nil
	}
	rows, err := t.query(ctx, qClaimExecutions, owner, leaseUntil.UnixMilli(), now.UnixMilli(), max)
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim remediation executions: %w", err)
	}
	defer rows.Close()
	type claimed struct {
		seq int64
		configd.ScopedExecution
	}
	var got []claimed
	for rows.Next() {
		var c claimed
		scope, e, err := scanExecution(rows, &c.seq)
		if err != nil {
			return nil, fmt.Errorf("sqlite: claim remediation executions: %w", err)
		}
		c.Scope, c.Execution = scope, e
		got = append(got, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: claim remediation executions: %w", err)
	}
	// RETURNING gives no order.
	sort.Slice(got, func(i, j int) bool {
		a, b := got[i].Execution, got[j].Execution
		if !a.RunAt.Equal(b.RunAt) {
			return a.RunAt.Before(b.RunAt)
		}
		return got[i].seq < got[j].seq
	})
	out := make([]configd.ScopedExecution, len(got))
	for i, c := range got {
		out[i] = c.ScopedExecution
	}
	return out, nil
}

// DeleteRuleExecutions deletes every execution of a rule.
func (t *tx) DeleteRuleExecutions(ctx context.Context, scope configd.Scope, rule string) error {
	if _, err := t.exec(ctx, qDeleteRuleExecutions, scope.AccountID, scope.Region, rule); err != nil {
		return fmt.Errorf("sqlite: delete remediation executions of rule %q: %w", rule, err)
	}
	return nil
}
