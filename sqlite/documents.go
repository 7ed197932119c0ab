package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/configd/configd"
)

var (
	qDocGet = readQuery(`SELECT arn, body, updated_at FROM documents
		WHERE account_id = ? AND region = ? AND kind = ? AND name = ?`)
	qDocList = readQuery(`SELECT name, arn, body, updated_at FROM documents
		WHERE account_id = ? AND region = ? AND kind = ? AND name > ? ORDER BY name LIMIT ?`)
	qDocPut = writeQuery(`INSERT INTO documents (account_id, region, kind, name, arn, body, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, region, kind, name) DO UPDATE
		SET arn = excluded.arn, body = excluded.body, updated_at = excluded.updated_at`)
	qDocDelete = writeQuery(`DELETE FROM documents
		WHERE account_id = ? AND region = ? AND kind = ? AND name = ?`)
	qDocListAll = readQuery(`SELECT account_id, region, name, arn, body, updated_at FROM documents
		WHERE kind = ? ORDER BY account_id, region, name LIMIT ?`)
)

// Reset empties documents too; registered here so that the table's
// statements stay in one file.
func init() {
	resetQueries = append(resetQueries, writeQuery(`DELETE FROM documents`))
}

// sqlLimit maps a limit of 0 (no limit) to SQLite's -1.
func sqlLimit(limit int) int {
	if limit <= 0 {
		return -1
	}
	return limit
}

// GetDocument returns the document, or nil when absent.
func (t *tx) GetDocument(ctx context.Context, scope configd.Scope, kind, name string) (*configd.Document, error) {
	d := &configd.Document{Kind: kind, Name: name}
	var at int64
	err := t.queryRow(ctx, qDocGet, scope.AccountID, scope.Region, kind, name).Scan(&d.ARN, &d.Body, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get %s %q: %w", kind, name, err)
	}
	d.UpdatedAt = time.UnixMilli(at).UTC()
	return d, nil
}

// ListDocuments lists the documents of a kind by name after after.
func (t *tx) ListDocuments(ctx context.Context, scope configd.Scope, kind, after string, limit int) ([]*configd.Document, error) {
	rows, err := t.query(ctx, qDocList, scope.AccountID, scope.Region, kind, after, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: list %ss: %w", kind, err)
	}
	defer rows.Close()
	var out []*configd.Document
	for rows.Next() {
		d := &configd.Document{Kind: kind}
		var at int64
		if err := rows.Scan(&d.Name, &d.ARN, &d.Body, &at); err != nil {
			return nil, fmt.Errorf("sqlite: list %ss: %w", kind, err)
		}
		d.UpdatedAt = time.UnixMilli(at).UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list %ss: %w", kind, err)
	}
	return out, nil
}

// PutDocument creates or replaces the document.
func (t *tx) PutDocument(ctx context.Context, scope configd.Scope, d *configd.Document) error {
	if d.Kind == "" || d.Name == "" {
		return fmt.Errorf("sqlite: put document: empty kind or name")
	}
	_, err := t.exec(ctx, qDocPut, scope.AccountID, scope.Region, d.Kind, d.Name, d.ARN, d.Body, d.UpdatedAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlite: put %s %q: %w", d.Kind, d.Name, err)
	}
	return nil
}

// DeleteDocument deletes the document and reports whether it existed.
func (t *tx) DeleteDocument(ctx context.Context, scope configd.Scope, kind, name string) (bool, error) {
	res, err := t.exec(ctx, qDocDelete, scope.AccountID, scope.Region, kind, name)
	if err != nil {
		return false, fmt.Errorf("sqlite: delete %s %q: %w", kind, name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: delete %s %q: %w", kind, name, err)
	}
	return n > 0, nil
}

// ListDocumentsAllScopes lists the documents of a kind in every scope,
// ordered by account, region and name.
func (t *tx) ListDocumentsAllScopes(ctx context.Context, kind string, limit int) ([]configd.ScopedDocument, error) {
	rows, err := t.query(ctx, qDocListAll, kind, sqlLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: list %ss: %w", kind, err)
	}
	defer rows.Close()
	var out []configd.ScopedDocument
	for rows.Next() {
		var sd configd.ScopedDocument
		d := &configd.Document{Kind: kind}
		var at int64
		if err := rows.Scan(&sd.Scope.AccountID, &sd.Scope.Region, &d.Name, &d.ARN, &d.Body, &at); err != nil {
			return nil, fmt.Errorf("sqlite: list %ss: %w", kind, err)
		}
		d.UpdatedAt = time.UnixMilli(at).UTC()
		sd.Document = d
		out = append(out, sd)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list %ss: %w", kind, err)
	}
	return out, nil
}
