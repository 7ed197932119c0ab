package postgres

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/pgtest"
	"github.com/configd/configd/internal/storecodec"
	"github.com/configd/configd/storetest"
	"github.com/jackc/pgx/v5/pgxpool"
)

var itemScope = configd.Scope{AccountID: "123456789012", Region: "us-east-1"}

// TestMigrationSteps checks that every Go step belongs to a migration file.
func TestMigrationSteps(t *testing.T) {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	for name := range migrationSteps {
		if !slices.ContainsFunc(ms, func(m migration) bool { return m.name == name && m.step != nil }) {
			t.Errorf("migration step %s: no such migration file", name)
		}
	}
}

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

// legacySchema returns the URL of a new schema migrated to just before
// items_binary, with items stored as JSON bodies, and their seqs.
func legacySchema(t *testing.T, items []*configd.ConfigurationItem, corrupt bool) (string, []int64) {
	t.Helper()
	ctx := context.Background()
	u := pgtest.Database(t)
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := migrate(ctx, pool, beforeBinaryItems(t)); err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, ci := range items {
		body, err := encode("configuration item", storecodec.ToItemRecord(ci))
		if err != nil {
			t.Fatal(err)
		}
		if corrupt {
			body = "{not json"
		}
		var seq int64
		if err := pool.QueryRow(ctx, `INSERT INTO configuration_items
			(account_id, region, resource_type, resource_id, capture_time, body) VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq`,
			itemScope.AccountID, itemScope.Region, ci.ResourceType, ci.ResourceID, ci.CaptureTime.UnixMilli(), body).Scan(&seq); err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
		if _, err := pool.Exec(ctx, `INSERT INTO resources
			(account_id, region, resource_type, resource_id, resource_name, latest_seq) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (account_id, region, resource_type, resource_id) DO UPDATE SET latest_seq = excluded.latest_seq`,
			itemScope.AccountID, itemScope.Region, ci.ResourceType, ci.ResourceID, ci.ResourceName, seq); err != nil {
			t.Fatal(err)
		}
	}
	return u, seqs
}

// TestMigrateItemsToBinary writes configuration items as JSON bodies into a
// schema migrated to just before items_binary, opens it (which applies that
// migration) and reads them back.
func TestMigrateItemsToBinary(t *testing.T) {
	ctx := context.Background()
	items := storetest.LegacyItems(itemScope)
	// More than one conversion batch of one resource's versions.
	for i := range convertBatch + 5 {
		items = append(items, &configd.ConfigurationItem{ResourceType: "T", ResourceID: "many",
			CaptureTime: time.UnixMilli(int64(i)).UTC(), Configuration: `{"i":` + strings.Repeat("1", i%7+1) + `}`})
	}
	u, seqs := legacySchema(t, items, false)
	d := openURL(t, u)
	err := d.Read(ctx, func(tx configd.Tx) error {
		h, err := tx.History(ctx, itemScope, configd.HistoryQuery{Key: configd.ResourceKey{ResourceType: "AWS::EC2::Instance", ResourceID: "i-1"}, Chronological: true})
		if err != nil {
			return err
		}
		want := []configd.StoredItem{{Seq: seqs[0], Item: *items[0]}, {Seq: seqs[1], Item: *items[1]}}
		if !reflect.DeepEqual(h, want) {
			t.Errorf("history after migration:\n got %#v\nwant %#v", h, want)
		}
		b, err := tx.LatestItem(ctx, itemScope, configd.ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceID: "b"})
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(b, &configd.StoredItem{Seq: seqs[2], Item: *items[2]}) {
			t.Errorf("latest item after migration: %#v", b)
		}
		many, err := tx.History(ctx, itemScope, configd.HistoryQuery{Key: configd.ResourceKey{ResourceType: "T", ResourceID: "many"}, Chronological: true})
		if err != nil {
			return err
		}
		if len(many) != convertBatch+5 {
			t.Fatalf("history of many: %d items, want %d", len(many), convertBatch+5)
		}
		for i, it := range many {
			if it.Seq != seqs[3+i] || !reflect.DeepEqual(&it.Item, items[3+i]) {
				t.Fatalf("history of many, item %d: %#v, want seq %d %#v", i, it, seqs[3+i], items[3+i])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var cols int
	if err := d.pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'configuration_items' AND column_name = 'body'`).Scan(&cols); err != nil || cols != 0 {
		t.Errorf("configuration_items.body after migration: %d columns (%v), want none", cols, err)
	}
}

// TestMigrateItemsErrCorrupt checks that a body the migration cannot decode
// fails the migration (and so Open), leaving the schema as it was.
func TestMigrateItemsErrCorrupt(t *testing.T) {
	u, _ := legacySchema(t, storetest.LegacyItems(itemScope)[:1], true)
	if d, err := Open(context.Background(), u); err == nil {
		d.Close()
		t.Fatal("Open converted a corrupt item without an error")
	}
	pool, err := pgxpool.New(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var v int
	if err := pool.QueryRow(context.Background(), `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil || v != len(beforeBinaryItems(t)) {
		t.Errorf("schema version after a failed migration: %d (%v), want %d", v, err, len(beforeBinaryItems(t)))
	}
}
