package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrationFiles holds the schema migrations, numbered from 0001 without gaps.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded migrations in version order and checks
// that they are numbered 1, 2, 3, ... without gaps or duplicates.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		if !ok {
			return nil, fmt.Errorf("migration %s: name is not NNNN_description.sql", base)
		}
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: bad version number %q", base, num)
		}
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", base, err)
		}
		ms = append(ms, migration{version: v, name: base, sql: string(text)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d (versions must be 1, 2, ... without gaps)", m.name, i+1)
		}
	}
	return ms, nil
}

// createVersionTable is run before any migration; it records which
// migrations were applied, one row each.
const createVersionTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at INTEGER NOT NULL
) STRICT`

// schemaVersion returns the highest applied migration, 0 for a new database.
func schemaVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// migrate brings the database at db up to the newest of ms. Each migration
// runs in its own write transaction, which re-reads the version first, so
// that two processes opening the same new file apply every migration once.
// A database whose version is higher than the newest known migration was
// written by a newer configd and is refused rather than misread.
func migrate(ctx context.Context, db *sql.DB, ms []migration, now func() time.Time) error {
	if _, err := db.ExecContext(ctx, createVersionTable); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	latest := len(ms)
	cur, err := schemaVersion(ctx, db)
	if err != nil {
		return err
	}
	if cur > latest {
		return fmt.Errorf("database schema version %d is newer than this configd supports (%d): upgrade configd to open it", cur, latest)
	}
	for _, m := range ms[cur:] {
		if err := applyMigration(ctx, db, m, latest, now); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration applies m unless another process applied it meanwhile.
func applyMigration(ctx context.Context, db *sql.DB, m migration, latest int, now func() time.Time) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: begin: %w", m.name, err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	cur, err := schemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	switch {
	case cur > latest:
		return fmt.Errorf("database schema version %d is newer than this configd supports (%d): upgrade configd to open it", cur, latest)
	case cur >= m.version:
		return tx.Rollback() // applied by another process
	case cur != m.version-1:
		return fmt.Errorf("migration %s: database is at version %d", m.name, cur)
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, now().UnixMilli()); err != nil {
		return fmt.Errorf("migration %s: record version: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return nil
}
