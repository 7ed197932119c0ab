package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFiles holds the schema migrations, numbered from 0001 without gaps.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change: its SQL, then, for the few
// migrations that must convert rows with configd's own code, a Go step
// (migrationSteps).
type migration struct {
	version int
	name    string
	sql     string
	step    func(ctx context.Context, tx pgx.Tx) error
}

// migrationSteps holds the Go steps of migrations, by file name; each runs
// in the migrating transaction right after the file's SQL.
var migrationSteps = map[string]func(ctx context.Context, tx pgx.Tx) error{
	"0005_items_binary.sql": convertItemsToBinary,
}

// loadMigrations reads the migrations of fsys in version order and checks
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
		ms = append(ms, migration{version: v, name: base, sql: string(text), step: migrationSteps[base]})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d (versions must be 1, 2, ... without gaps)", m.name, i+1)
		}
	}
	return ms, nil
}

// migrateLock is the advisory lock that serializes migrations of one schema
// across processes: a 64-bit hash of a fixed text and the schema's name.
const migrateLock = `SELECT pg_advisory_xact_lock(hashtextextended('configd migrate ' || current_schema(), 0))`

// createVersionTable records which migrations were applied, one row each.
const createVersionTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`

// migrate brings the schema of the pool's search_path up to the newest of
// ms, in one transaction that first takes migrateLock: processes that open
// the database together wait for each other, and the later ones find the
// work done. A database whose version is higher than the newest known
// migration was written by a newer configd and is refused, not misread. If
// any migration fails, none is applied.
func migrate(ctx context.Context, pool *pgxpool.Pool, ms []migration) error {
	return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, migrateLock); err != nil {
			return fmt.Errorf("lock for migrations: %w", err)
		}
		if _, err := tx.Exec(ctx, createVersionTable); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var cur int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		latest := len(ms)
		if cur > latest {
			return fmt.Errorf("database schema version %d is newer than this configd supports (%d): upgrade configd to open it", cur, latest)
		}
		for _, m := range ms[cur:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if m.step != nil {
				if err := m.step(ctx, tx); err != nil {
					return fmt.Errorf("migration %s: %w", m.name, err)
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return fmt.Errorf("migration %s: record version: %w", m.name, err)
			}
		}
		return nil
	})
}
