package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/bench/internal/corpus"
	"github.com/configd/configd/service"
	"github.com/configd/configd/sqlite"
)

func TestSeed(t *testing.T) {
	scope := configd.Scope{AccountID: "123456789012", Region: "us-east-1"}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	opts := func(dir string) Options {
		return Options{DataDir: dir, Items: 1000, Versions: 4, Batch: 64, Scope: scope, Now: func() time.Time { return now }}
	}
	t.Run("OK", func(t *testing.T) {
		ctx := context.Background()
		dir := t.TempDir()
		st, err := Seed(ctx, opts(dir))
		if err != nil {
			t.Fatal(err)
		}
		if st.Items != 1000 || st.Resources != 250 || st.Bytes == 0 {
			t.Fatalf("stats %+v; want 1000 items of 250 resources", st)
		}
		store, err := sqlite.Open(ctx, dir+"/configd.db")
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		svc := service.New(service.Options{Store: store, Clock: configd.ClockFunc(func() time.Time { return now })})
		counts, err := svc.CountResources(ctx, scope, nil)
		if err != nil || len(counts) != 1 || counts[0].ResourceType != corpus.ResourceType || counts[0].Count != 250 {
			t.Fatalf("CountResources = %v, %v; want 250 %s", counts, err, corpus.ResourceType)
		}
		key := configd.ResourceKey{ResourceType: corpus.ResourceType, ResourceID: corpus.ResourceID(249)}
		hist, err := svc.History(ctx, scope, configd.HistoryQuery{Key: key, Limit: 10})
		if err != nil || len(hist) != 4 {
			t.Fatalf("History of the last resource: %d items, %v; want 4", len(hist), err)
		}
		newest, oldest := hist[0].Item, hist[3].Item
		if newest.Configuration != string(corpus.Configuration(249, 4)) || newest.Status != configd.CIStatusOK ||
			oldest.Status != configd.CIStatusResourceDiscovered || !oldest.CaptureTime.Before(newest.CaptureTime) || !newest.CaptureTime.Before(now) {
			t.Errorf("history newest %+v oldest %+v; want version 4 (OK) after version 1 (ResourceDiscovered), before now", newest, oldest)
		}
		if newest.StateID == "" || newest.Tags["team"] == "" {
			t.Errorf("newest item lacks a state id or tags: %+v", newest)
		}
		// The seeded store takes PutResourceConfig: its recorder runs.
		ci := &configd.ConfigurationItem{ResourceType: corpus.ResourceType, ResourceID: corpus.ResourceID(0), SchemaVersionID: "1", Configuration: `{"a":1}`}
		if err := svc.PutResourceConfig(ctx, scope, ci); err != nil {
			t.Errorf("PutResourceConfig on the seeded store: %v", err)
		}
	})
	t.Run("ErrAlreadySeeded", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := Seed(context.Background(), opts(dir)); err != nil {
			t.Fatal(err)
		}
		_, err := Seed(context.Background(), opts(dir))
		if err == nil || !strings.Contains(err.Error(), "already holds") {
			t.Errorf("second Seed = %v; want a refusal", err)
		}
	})
	t.Run("ErrBadCounts", func(t *testing.T) {
		o := opts(t.TempDir())
		o.Items = 3
		if _, err := Seed(context.Background(), o); err == nil {
			t.Error("Seed of 3 items with 4 versions succeeded")
		}
	})
}
