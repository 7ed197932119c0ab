package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/configd/configd"
	"github.com/jackc/pgx/v5"
)

const (
	qDocGet = `SELECT arn, body, updated_at FROM documents
		WHERE account_id = $1 AND region = $2 AND kind = $3 AND name = $4`
	qDocList = `SELECT name, arn, body, updated_at FROM documents
		WHERE account_id = $1 AND region = $2 AND kind = $3 AND name > $4 ORDER BY name LIMIT $5`
	qDocPut = `INSERT INTO documents (account_id, region, kind, name, arn, body, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (account_id, region, kind, name) DO UPDATE
		SET arn = excluded.arn, body = excluded.body, updated_at = excluded.updated_at`
	qDocDelete = `DELETE FROM documents
		WHERE account_id = $1 AND region = $2 AND kind = $3 AND name = $4`
	qDocListAll = `SELECT account_id, region, name, arn, body, updated_at FROM documents
		WHERE kind = $1 ORDER BY account_id, region, name LIMIT $2`
)

// Reset empties documents too; registered here so that the table's
// statements stay in one file. Scopes does not look at documents: no
// background service works on them.
func init() {
	scopedTables = append(scopedTables, struct {
		name   string
		scopes bool
	}{"documents", false})
}

// pgLimit maps a limit of 0 (no limit) to NULL, which LIMIT ignores.
func pgLimit(limit int) *int64 {
	if limit <= 0 {
		return nil
	}
	v := int64(limit)
	return &v
}

// GetDocument returns the document, or nil when absent.
func (t *tx) GetDocument(ctx context.Context, scope configd.Scope, kind, name string) (*configd.Document, error) {
	d := &configd.Document{Kind: kind, Name: name}
	var at int64
	err := t.scanRow(ctx, qDocGet, []any{scope.AccountID, scope.Region, kind, name}, &d.ARN, &d.Body, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: get %s %q: %w", kind, name, err)
	}
	d.UpdatedAt = time.UnixMilli(at).UTC()
	return d, nil
}

// ListDocuments lists the documents of a kind by name after after.
func (t *tx) ListDocuments(ctx context.Context, scope configd.Scope, kind, after string, limit int) ([]*configd.Document, error) {
	out, err := collect(ctx, t, qDocList, []any{scope.AccountID, scope.Region, kind, after, pgLimit(limit)},
		func(r pgx.Rows) (*configd.Document, error) {
			d := &configd.Document{Kind: kind}
			var at int64
			err := r.Scan(&d.Name, &d.ARN, &d.Body, &at)
			d.UpdatedAt = time.UnixMilli(at).UTC()
			return d, err
		})
	if err != nil {
		return nil, fmt.Errorf("postgres: list %ss: %w", kind, err)
	}
	return out, nil
}

// PutDocument creates or replaces the document.
func (t *tx) PutDocument(ctx context.Context, scope configd.Scope, d *configd.Document) error {
	if d.Kind == "" || d.Name == "" {
		return fmt.Errorf("postgres: put document: empty kind or name")
	}
	_, err := t.exec(ctx, qDocPut, scope.AccountID, scope.Region, d.Kind, d.Name, d.ARN, d.Body, d.UpdatedAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("postgres: put %s %q: %w", d.Kind, d.Name, err)
	}
	return nil
}

// DeleteDocument deletes the document and reports whether it existed.
func (t *tx) DeleteDocument(ctx context.Context, scope configd.Scope, kind, name string) (bool, error) {
	tag, err := t.exec(ctx, qDocDelete, scope.AccountID, scope.Region, kind, name)
	if err != nil {
		return false, fmt.Errorf("postgres: delete %s %q: %w", kind, name, err)
	}
	return tag.RowsAffected() > 0, nil
}

// ListDocumentsAllScopes lists the documents of a kind in every scope,
// ordered by account, region and name.
func (t *tx) ListDocumentsAllScopes(ctx context.Context, kind string, limit int) ([]configd.ScopedDocument, error) {
	out, err := collect(ctx, t, qDocListAll, []any{kind, pgLimit(limit)},
		func(r pgx.Rows) (configd.ScopedDocument, error) {
			var sd configd.ScopedDocument
			d := &configd.Document{Kind: kind}
			var at int64
			err := r.Scan(&sd.Scope.AccountID, &sd.Scope.Region, &d.Name, &d.ARN, &d.Body, &at)
			d.UpdatedAt = time.UnixMilli(at).UTC()
			sd.Document = d
			return sd, err
		})
	if err != nil {
		return nil, fmt.Errorf("postgres: list %ss: %w", kind, err)
	}
	return out, nil
}
