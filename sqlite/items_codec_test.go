package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/storecodec"
)

// legacyItems are items as the store kept them before migration 0004,
// covering every field and the nil/empty distinctions.
func legacyItems() []*configd.ConfigurationItem {
	t0 := time.Date(2024, 3, 4, 5, 6, 7, 890_000_000, time.UTC)
	return []*configd.ConfigurationItem{
		{
			Version: configd.CIVersion, AccountID: scope.AccountID, CaptureTime: t0, Status: configd.CIStatusResourceDiscovered,
			StateID: "1709528767890", MD5Hash: "m", ARN: "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
			ResourceType: "AWS::EC2::Instance", ResourceID: "i-1", ResourceName: "web", Region: scope.Region,
			AvailabilityZone: "us-east-1a", ResourceCreationTime: t0.Add(-time.Hour),
			Tags: map[string]string{"env": "prod"}, RelatedEvents: []string{"e"},
			Relationships:              []configd.Relationship{{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-1", RelationshipName: "Is contained in Vpc"}},
			Configuration:              "{\"a\": [1, 2],\n \"s\": \"\\\"quoted\\\" \u00e9\"}",
			SupplementaryConfiguration: map[string]string{"BucketPolicy": `{"policyText":null}`},
			RecordingFrequency:         configd.FrequencyContinuous, DeliveryTime: t0.Add(time.Minute), SchemaVersionID: "1",
		},
		{
			ResourceType: "AWS::EC2::Instance", ResourceID: "i-1", CaptureTime: t0.Add(time.Minute), Status: configd.CIStatusOK,
			Tags: map[string]string{}, RelatedEvents: []string{}, Relationships: []configd.Relationship{},
			SupplementaryConfiguration: map[string]string{},
		},
		{ResourceType: "AWS::S3::Bucket", ResourceID: "b", CaptureTime: t0, Status: configd.CIStatusResourceDeleted},
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

// TestMigrateItemsToBinary writes configuration items as JSON bodies into a
// database at the schema version before items_binary, opens it (which
// applies that migration) and reads them back.
func TestMigrateItemsToBinary(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "configd.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if err := migrate(ctx, db, beforeBinaryItems(t), time.Now); err != nil {
		t.Fatal(err)
	}
	items := legacyItems()
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
	path := filepath.Join(t.TempDir(), "configd.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if err := migrate(ctx, db, beforeBinaryItems(t), time.Now); err != nil {
		t.Fatal(err)
	}
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
