package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"

	"github.com/configd/configd"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// tx is a configd.Tx on one pgx transaction. Its methods may be called from
// several goroutines; statements run one at a time.
type tx struct {
	tx    pgx.Tx
	write bool

	mu sync.Mutex
	// retry is the first serialization failure or deadlock seen: the
	// database aborted the transaction, and Write runs it again.
	retry error
	// countsChanged is set by the methods that change evaluation results,
	// and so add compliance deltas for DB.rollup to fold.
	countsChanged bool
}

var _ configd.Tx = (*tx)(nil)

// note records a retryable error and maps a connection error to
// ServiceUnavailable; t.mu is held.
func (t *tx) note(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if t.retry == nil && isRetryable(err) {
		t.retry = err
	}
	return mapError(ctx, err)
}

// exec runs a statement that writes and returns no rows.
func (t *tx) exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if !t.write {
		return pgconn.CommandTag{}, errReadOnly
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tag, err := t.tx.Exec(ctx, sql, args...)
	return tag, t.note(ctx, err)
}

// scanRow runs a statement that returns at most one row and scans it into
// dest; it returns pgx.ErrNoRows when there is none.
func (t *tx) scanRow(ctx context.Context, sql string, args []any, dest ...any) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	err := t.tx.QueryRow(ctx, sql, args...).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return pgx.ErrNoRows
	}
	return t.note(ctx, err)
}

// collect runs a statement and returns one value per row, made by scan.
func collect[T any](ctx context.Context, t *tx, sql string, args []any, scan func(pgx.Rows) (T, error)) ([]T, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	rows, err := t.tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, t.note(ctx, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, t.note(ctx, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, t.note(ctx, err)
	}
	return out, nil
}

// lockKey returns the 64-bit advisory lock key of a namespace and parts: an
// FNV-1a hash, the same in every process. Two keys that collide only make
// two unrelated transactions wait for each other.
func lockKey(namespace string, parts ...string) int64 {
	h := fnv.New64a()
	h.Write([]byte(namespace))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return int64(h.Sum64())
}

// advisoryLock takes a transaction-level advisory lock, held until commit
// or rollback.
func (t *tx) advisoryLock(ctx context.Context, key int64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := t.tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, key)
	return t.note(ctx, err)
}

// Lock takes a transaction-level advisory lock on (scope, name), so that
// write transactions that lock the same key run their read-check-write
// sequences one at a time, across processes. In a Read transaction it does
// nothing (a snapshot needs no lock), as in the SQLite store.
func (t *tx) Lock(ctx context.Context, scope configd.Scope, name string) error {
	if !t.write {
		return nil
	}
	if err := t.advisoryLock(ctx, lockKey("lock", scope.AccountID, scope.Region, name)); err != nil {
		return fmt.Errorf("postgres: lock %q: %w", name, err)
	}
	return nil
}

// Meta returns the value stored under key, or "" if there is none.
func (t *tx) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := t.scanRow(ctx, `SELECT value FROM meta WHERE key = $1`, []any{key}, &v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres: get meta %q: %w", key, err)
	}
	return v, nil
}

// SetMetaIfAbsent stores value under key unless key exists and returns the
// value stored. Of concurrent calls, the first to commit wins: the others'
// insert waits for it and then does nothing, and the read that follows sees
// the winner's value.
func (t *tx) SetMetaIfAbsent(ctx context.Context, key, value string) (string, error) {
	if _, err := t.exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
		return "", fmt.Errorf("postgres: set meta %q: %w", key, err)
	}
	return t.Meta(ctx, key)
}

// SetMeta stores value under key, replacing any value.
func (t *tx) SetMeta(ctx context.Context, key, value string) error {
	if _, err := t.exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return fmt.Errorf("postgres: set meta %q: %w", key, err)
	}
	return nil
}

// scopedTables lists every table whose rows belong to a scope: what Scopes
// looks at and Reset empties. resource_types stands for the inventory and
// the history in Scopes (a scope has history only if it has inventory).
var scopedTables = []struct {
	name   string
	scopes bool // looked at by Scopes
}{
	{"recorders", true},
	{"delivery_channels", true},
	{"retention_configurations", true},
	{"tags", true},
	{"resource_types", true},
	{"resources", false},
	{"configuration_items", false},
	{"config_rules", true},
	{"rule_statuses", false},
	{"evaluation_results", true},
	{"compliance_counts", false}, // after evaluation_results, whose deletion adds deltas
	{"compliance_deltas", false},
	{"jobs", true},
	{"remediation_configurations", true},
	{"remediation_exceptions", true},
	{"remediation_executions", true},
}

// scopesQuery reads the distinct scopes of every table Scopes looks at.
var scopesQuery = func() string {
	q := ""
	for _, tb := range scopedTables {
		if !tb.scopes {
			continue
		}
		if q != "" {
			q += "\nUNION "
		}
		q += "SELECT account_id, region FROM " + tb.name
	}
	return q + "\nORDER BY 1, 2"
}()

// Scopes lists the scopes that hold any data, ordered by account and region.
func (t *tx) Scopes(ctx context.Context) ([]configd.Scope, error) {
	out, err := collect(ctx, t, scopesQuery, nil, func(r pgx.Rows) (configd.Scope, error) {
		var s configd.Scope
		err := r.Scan(&s.AccountID, &s.Region)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list scopes: %w", err)
	}
	return out, nil
}

// reset deletes the data of every scope. DELETE rather than TRUNCATE: it
// does not wait for running Reads, nor make them wait.
func (t *tx) reset(ctx context.Context) error {
	t.countsChanged = true
	for _, tb := range scopedTables {
		if _, err := t.exec(ctx, `DELETE FROM `+tb.name); err != nil {
			return fmt.Errorf("postgres: reset %s: %w", tb.name, err)
		}
	}
	return nil
}
