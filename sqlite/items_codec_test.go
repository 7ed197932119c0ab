package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/storecodec"
	"github.com/configd/configd/storetest"
)

// beforeBinaryItems returns the migrations before the one that converts
// items to their binary form.
func beforeBinaryItems(t *testing.T) []migration {
	t.Helper()
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if strings.HasSuffix(m.name, "_items_binary.sql") {
			return ms[:i]
		}
	}
	t.Fatal("no migration *_items_binary.sql")
	return nil
}

// beforeBinaryDB returns a database file at the schema version before
// items_binary, and a one-connection handle on it.
func beforeBinaryDB(t *testing.T) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "configd.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if err := migrate(context.Background(), db, beforeBinaryItems(t), time.Now); err != nil {
		t.Fatal(err)
	}
	return path, db
}

// TestMigrateItemsToBinary writes configuration items as JSON bodies into a
// database at the schema version before items_binary, opens it (which
// applies that migration) and reads them back.
func TestMigrateItemsToBinary(t *testing.T) {
	ctx := context.Background()
	path, db := beforeBinaryDB(t)
	items := storetest.LegacyItems(scope)
	var seqs []int64
	for _, ci := range items {
		body, err := json.Marshal(storecodec.ToItemRecord(ci))
		if err != nil {
			t.Fatal(err)
		}
		res, err := db.ExecContext(ctx, `INSERT INTO configuration_items
			(account_id, region, resource_type, resource_id, capture_time, body) VALUES (?, ?, ?, ?, ?, ?)`,
			scope.AccountID, scope.Region, ci.ResourceType, ci.ResourceID, ci.CaptureTime.UnixMilli(), string(body))
		if err != nil {
			t.Fatal(err)
		}
		seq, _ := res.LastInsertId()
		seqs = append(seqs, seq)
		if _, err := db.ExecContext(ctx, `INSERT INTO resources
			(account_id, region, resource_type, resource_id, resource_name, latest_seq) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT DO UPDATE SET latest_seq = excluded.latest_seq`,
			scope.AccountID, scope.Region, ci.ResourceType, ci.ResourceID, ci.ResourceName, seq); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	d, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open of a database before items_binary: %v", err)
	}
	defer d.Close()
	err = d.Read(ctx, func(tx configd.Tx) error {
		h, err := tx.History(ctx, scope, configd.HistoryQuery{Key: configd.ResourceKey{ResourceType: "AWS::EC2::Instance", ResourceID: "i-1"}, Chronological: true})
		if err != nil {
			return err
		}
		want := []configd.StoredItem{{Seq: seqs[0], Item: *items[0]}, {Seq: seqs[1], Item: *items[1]}}
		if !reflect.DeepEqual(h, want) {
			t.Errorf("history after migration:\n got %#v\nwant %#v", h, want)
		}
		b, err := tx.LatestItem(ctx, scope, configd.ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceID: "b"})
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(b, &configd.StoredItem{Seq: seqs[2], Item: *items[2]}) {
			t.Errorf("latest item after migration: %#v", b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var cols int
	if err := d.reader.db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('configuration_items') WHERE name = 'body'`).Scan(&cols); err != nil || cols != 0 {
		t.Errorf("configuration_items.body after migration: %d columns (%v), want none", cols, err)
	}
}

// TestMigrateItemsErrCorrupt checks that a body the migration cannot
// decode fails the migration (and so Open) instead of losing the item.
func TestMigrateItemsErrCorrupt(t *testing.T) {
	ctx := context.Background()
	path, db := beforeBinaryDB(t)
	if _, err := db.ExecContext(ctx, `INSERT INTO configuration_items
		(account_id, region, resource_type, resource_id, capture_time, body) VALUES ('a', 'r', 't', 'i', 0, '{not json')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if d, err := Open(ctx, path); err == nil {
		d.Close()
		t.Fatal("Open converted a corrupt item without an error")
	}
}

// TestOwnedBytes checks what ownedBytes relies on: the BLOB values the
// driver returns row after row are distinct slices that it does not write
// to again, after the next row, nor after the rows are closed.
func TestOwnedBytes(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "configd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.reader.db.QueryContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
		SELECT i, CAST(zeroblob(2048) || printf('%04d', i) AS BLOB) FROM n`)
	if err != nil {
		t.Fatal(err)
	}
	var kept [][]byte
	for rows.Next() {
		var (
			i int
			b ownedBytes
		)
		if err := rows.Scan(&i, &b); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, b)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(kept) != 100 {
		t.Fatalf("%d rows", len(kept))
	}
	for i, b := range kept {
		if want := fmt.Sprintf("%04d", i); len(b) != 2052 || string(b[2048:]) != want || strings.Trim(string(b[:2048]), "\x00") != "" {
			t.Fatalf("row %d: %d bytes ending %q, want ending %q: the driver reused a BLOB's memory", i, len(b), b[len(b)-4:], want)
		}
	}
}
