package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/configd/configd"
)

// query is one SQL statement of the store. Every query is registered at
// package initialization, so that Open prepares it once per pool.
type query struct {
	text  string
	write bool
	// keepsScope is set on the writes that can change neither a recorder
	// nor a rule (those of configuration items and jobs, and savepoints);
	// any other write forgets what the transaction remembers of its scopes
	// (tx.scopes).
	keepsScope bool
}

// queries lists every registered query.
var queries []*query

// readQuery registers a statement that only reads.
func readQuery(text string) *query {
	q := &query{text: text}
	queries = append(queries, q)
	return q
}

// writeQuery registers a statement that writes; it is prepared only on the
// write connection.
func writeQuery(text string) *query {
	q := &query{text: text, write: true}
	queries = append(queries, q)
	return q
}

// itemWriteQuery registers a statement that writes configuration items,
// the inventory or jobs, never a recorder or a rule.
func itemWriteQuery(text string) *query {
	q := writeQuery(text)
	q.keepsScope = true
	return q
}

// errReadOnly is returned by the writing methods of a Read transaction.
var errReadOnly = errors.New("sqlite: write in a read-only transaction")

// tx is a configd.Tx on one database/sql transaction.
type tx struct {
	ctx   context.Context // of the Read or Write that runs fn
	tx    *sql.Tx
	pool  *pool
	write bool
	// detached is set while the transaction holds other Writes' work (group
	// commit, group.go): statements then ignore the end of their context.
	detached bool
	// seen is the inventory state of the last resource LatestItem read or
	// AppendItem wrote in this write transaction, so that AppendItem after
	// LatestItem of the same resource (the service's Record) does not read
	// it again. Anything that may undo writes (a rollback to a savepoint,
	// Reset) clears it.
	seen *seenResource
	// scopes remembers, in this write transaction, what it read of each
	// scope's recorders and rules (recording.go).
	scopes map[configd.Scope]*scopeFacts

	mu    sync.Mutex
	stmts map[*query]*sql.Stmt // the pool's statements bound to this transaction
}

var _ configd.Tx = (*tx)(nil)

// stmt returns q bound to the transaction, reusing the statement prepared on
// the connection.
func (t *tx) stmt(ctx context.Context, q *query) (*sql.Stmt, error) {
	if q.write && !t.write {
		return nil, errReadOnly
	}
	ctx = t.stmtContext(ctx)
	t.mu.Lock()
	defer t.mu.Unlock()
	if st, ok := t.stmts[q]; ok {
		return st, nil
	}
	var st *sql.Stmt
	if parent := t.pool.stmts[q]; parent != nil {
		st = t.tx.StmtContext(ctx, parent)
	} else {
		var err error
		if st, err = t.tx.PrepareContext(ctx, q.text); err != nil {
			return nil, err
		}
	}
	if t.stmts == nil {
		t.stmts = make(map[*query]*sql.Stmt)
	}
	t.stmts[q] = st
	return st, nil
}

// exec runs a statement that returns no rows.
func (t *tx) exec(ctx context.Context, q *query, args ...any) (sql.Result, error) {
	st, err := t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	if !q.keepsScope {
		t.scopes = nil
	}
	return st.ExecContext(t.stmtContext(ctx), args...)
}

// query runs a statement that returns rows.
func (t *tx) query(ctx context.Context, q *query, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(t.stmtContext(ctx), args...)
}

// queryRow runs a statement that returns at most one row; the error, if
// any, is reported by Scan.
func (t *tx) queryRow(ctx context.Context, q *query, args ...any) rowScanner {
	st, err := t.stmt(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(t.stmtContext(ctx), args...)
}

// rowScanner is *sql.Row or errRow.
type rowScanner interface{ Scan(dest ...any) error }

// errRow is a row whose Scan fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// Lock is a no-op: SQLite has one writer, so write transactions are already
// serialized.
func (t *tx) Lock(ctx context.Context, scope configd.Scope, name string) error { return nil }

var (
	qGetMeta = readQuery(`SELECT value FROM meta WHERE key = ?`)
	qPutMeta = writeQuery(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`)
	qSetMeta = writeQuery(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
)

// SetMeta stores value under key, replacing any value.
func (t *tx) SetMeta(ctx context.Context, key, value string) error {
	if _, err := t.exec(ctx, qSetMeta, key, value); err != nil {
		return fmt.Errorf("sqlite: set meta %q: %w", key, err)
	}
	return nil
}

// Meta returns the value stored under key, or "" if there is none.
func (t *tx) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := t.queryRow(ctx, qGetMeta, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: get meta %q: %w", key, err)
	}
	return v, nil
}

// SetMetaIfAbsent stores value under key unless key exists and returns the
// value stored.
func (t *tx) SetMetaIfAbsent(ctx context.Context, key, value string) (string, error) {
	if _, err := t.exec(ctx, qPutMeta, key, value); err != nil {
		return "", fmt.Errorf("sqlite: set meta %q: %w", key, err)
	}
	return t.Meta(ctx, key)
}

// qScopes reads only small tables: resource_types stands for the inventory
// and the history (a scope has history only if it has inventory rows), and
// config_rules for rule statuses and evaluation results (DeleteRule deletes
// them). Jobs, remediation exceptions and executions hang off rules and
// remediation configurations; they are not read here (they may be many).
var qScopes = readQuery(`SELECT account_id, region FROM recorders
UNION SELECT account_id, region FROM delivery_channels
UNION SELECT account_id, region FROM retention_configurations
UNION SELECT account_id, region FROM tags
UNION SELECT account_id, region FROM resource_types
UNION SELECT account_id, region FROM config_rules
UNION SELECT account_id, region FROM remediation_configurations
ORDER BY 1, 2`)

// Scopes lists the scopes that hold any data, ordered by account and region.
func (t *tx) Scopes(ctx context.Context) ([]configd.Scope, error) {
	rows, err := t.query(ctx, qScopes)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list scopes: %w", err)
	}
	defer rows.Close()
	var out []configd.Scope
	for rows.Next() {
		var s configd.Scope
		if err := rows.Scan(&s.AccountID, &s.Region); err != nil {
			return nil, fmt.Errorf("sqlite: list scopes: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list scopes: %w", err)
	}
	return out, nil
}

// resetQueries empty every scoped table. meta, leases (they name processes,
// not data) and sqlite_sequence (the AUTOINCREMENT counters) are kept.
var resetQueries = []*query{
	writeQuery(`DELETE FROM recorders`),
	writeQuery(`DELETE FROM delivery_channels`),
	writeQuery(`DELETE FROM retention_configurations`),
	writeQuery(`DELETE FROM tags`),
	writeQuery(`DELETE FROM resources`),
	writeQuery(`DELETE FROM resource_types`),
	writeQuery(`DELETE FROM configuration_items`),
	writeQuery(`DELETE FROM config_rules`),
	writeQuery(`DELETE FROM rule_status`),
	writeQuery(`DELETE FROM evaluation_results`),
	writeQuery(`DELETE FROM compliance_counts`),
	writeQuery(`DELETE FROM jobs`),
	writeQuery(`DELETE FROM remediation_configurations`),
	writeQuery(`DELETE FROM remediation_exceptions`),
	writeQuery(`DELETE FROM remediation_executions`),
}

// reset deletes the data of every scope.
func (t *tx) reset() error {
	t.seen, t.scopes = nil, nil
	for _, q := range resetQueries {
		if _, err := t.exec(t.ctx, q); err != nil {
			return fmt.Errorf("sqlite: reset: %w", err)
		}
	}
	return nil
}
