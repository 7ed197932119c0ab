package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/configd/configd"
)

var (
	keyI1 = configd.ResourceKey{ResourceType: typeInstance, ResourceID: "i-1"}
	keyI2 = configd.ResourceKey{ResourceType: typeInstance, ResourceID: "i-2"}
)

// latest reads the newest item of key in scope.
func latest(t *testing.T, s configd.Store, scope configd.Scope, key configd.ResourceKey) *configd.StoredItem {
	t.Helper()
	var it *configd.StoredItem
	read(t, s, func(ctx context.Context, tx configd.Tx) error {
		var err error
		it, err = tx.LatestItem(ctx, scope, key)
		return err
	})
	return it
}

// history runs q in scope.
func history(t *testing.T, s configd.Store, scope configd.Scope, q configd.HistoryQuery) []configd.StoredItem {
	t.Helper()
	var items []configd.StoredItem
	read(t, s, func(ctx context.Context, tx configd.Tx) error {
		var err error
		items, err = tx.History(ctx, scope, q)
		return err
	})
	return items
}

// list lists inventory rows in scope.
func list(t *testing.T, s configd.Store, scope configd.Scope, f configd.ResourceFilter, after string, limit int) []configd.DiscoveredResource {
	t.Helper()
	var rows []configd.DiscoveredResource
	read(t, s, func(ctx context.Context, tx configd.Tx) error {
		var err error
		rows, err = tx.ListResources(ctx, scope, f, after, limit)
		return err
	})
	return rows
}

// counts counts resources in scope.
func counts(t *testing.T, s configd.Store, scope configd.Scope, types ...string) []configd.ResourceCount {
	t.Helper()
	var cs []configd.ResourceCount
	read(t, s, func(ctx context.Context, tx configd.Tx) error {
		var err error
		cs, err = tx.CountResources(ctx, scope, types)
		return err
	})
	return cs
}

var itemTests = []test{
	{"OK", func(t *testing.T, s configd.Store) {
		v1, v2 := item(typeInstance, "i-1", "web", minute(0)), item(typeInstance, "i-1", "web", minute(1))
		v2.Configuration = `{"instanceId":"i-1","state":{"name":"stopped"}}`
		seqs := appendItems(t, s, scopeA, v1, v2)
		if seqs[1] <= seqs[0] || seqs[0] <= 0 {
			t.Fatalf("seqs %v: want positive and increasing", seqs)
		}
		got := latest(t, s, scopeA, keyI1)
		wantEqual(t, "LatestItem", got, &configd.StoredItem{Seq: seqs[1], Item: *v2})
	}},
	{"Minimal", func(t *testing.T, s configd.Store) {
		ci := &configd.ConfigurationItem{ResourceType: typeBucket, ResourceID: "b", CaptureTime: t0, Status: configd.CIStatusOK}
		seqs := appendItems(t, s, scopeA, ci)
		got := latest(t, s, scopeA, configd.ResourceKey{ResourceType: typeBucket, ResourceID: "b"})
		wantEqual(t, "LatestItem of an item with zero fields", got, &configd.StoredItem{Seq: seqs[0], Item: *ci})
	}},
	{"SeqIncreasing", func(t *testing.T, s configd.Store) {
		var prev int64
		for i := range 5 {
			scope := []configd.Scope{scopeA, scopeB, scopeC}[i%3]
			seq := appendItems(t, s, scope, item(typeInstance, "i-"+string(rune('a'+i)), "", minute(i)))[0]
			if seq <= prev {
				t.Fatalf("seq %d after %d: sequence numbers must increase across resources and scopes", seq, prev)
			}
			prev = seq
		}
	}},
	{"ErrNotDiscovered", func(t *testing.T, s configd.Store) {
		appendItems(t, s, scopeA, item(typeInstance, "i-1", "", t0))
		err := view(s, func(ctx context.Context, tx configd.Tx) error {
			_, err := tx.LatestItem(ctx, scopeA, keyI2)
			return err
		})
		wantCode(t, "LatestItem of unknown id", err, configd.ErrResourceNotDiscovered,
			"Resource i-2 of resourceType:AWS::EC2::Instance is unknown or has not been discovered")
		err = view(s, func(ctx context.Context, tx configd.Tx) error {
			_, err := tx.LatestItem(ctx, scopeA, configd.ResourceKey{ResourceType: typeVolume, ResourceID: "i-1"})
			return err
		})
		wantCode(t, "LatestItem of known id with other type", err, configd.ErrResourceNotDiscovered, "")
	}},
	{"LatestIsDeletion", func(t *testing.T, s configd.Store) {
		seqs := appendItems(t, s, scopeA, item(typeInstance, "i-1", "", minute(0)), deletedItem(typeInstance, "i-1", "", minute(1)))
		got := latest(t, s, scopeA, keyI1)
		if got.Seq != seqs[1] || got.Item.Status != configd.CIStatusResourceDeleted {
			t.Errorf("LatestItem after deletion: seq %d status %s, want seq %d status %s",
				got.Seq, got.Item.Status, seqs[1], configd.CIStatusResourceDeleted)
		}
	}},
}

// fiveVersions appends versions of i-1 captured at minutes 0..4 and, to be
// left out of its history, items of i-2 and of a resource with the same id
// and another type. It returns the seqs of i-1's versions, oldest first.
func fiveVersions(t *testing.T, s configd.Store) []int64 {
	t.Helper()
	var seqs []int64
	for i := range 5 {
		got := appendItems(t, s, scopeA,
			item(typeInstance, "i-1", "", minute(i)),
			item(typeInstance, "i-2", "", minute(i)),
			item(typeVolume, "i-1", "", minute(i)))
		seqs = append(seqs, got[0])
	}
	return seqs
}

// reversed returns a reversed copy of s.
func reversed(s []int64) []int64 {
	out := make([]int64, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

var historyTests = []test{
	{"Order", func(t *testing.T, s configd.Store) {
		seqs := fiveVersions(t, s)
		got := history(t, s, scopeA, configd.HistoryQuery{Key: keyI1, Limit: 10})
		wantEqual(t, "default order (newest first)", seqsOf(got), reversed(seqs))
		for i, it := range got {
			if it.Item.ResourceID != "i-1" || it.Item.ResourceType != typeInstance || !it.Item.CaptureTime.Equal(minute(4-i)) {
				t.Errorf("item %d: %s %s at %v", i, it.Item.ResourceType, it.Item.ResourceID, it.Item.CaptureTime)
			}
		}
		got = history(t, s, scopeA, configd.HistoryQuery{Key: keyI1, Chronological: true, Limit: 10})
		wantEqual(t, "chronological order", seqsOf(got), seqs)
	}},
	{"Bounds", func(t *testing.T, s configd.Store) {
		seqs := fiveVersions(t, s)
		cases := []struct {
			name           string
			earlier, later time.Time
			chronological  bool
			want           []int64
		}{
			{"both", minute(1), minute(3), false, []int64{seqs[3], seqs[2], seqs[1]}},
			{"bothChronological", minute(1), minute(3), true, []int64{seqs[1], seqs[2], seqs[3]}},
			{"earlierOnly", minute(3), time.Time{}, false, []int64{seqs[4], seqs[3]}},
			{"laterOnly", time.Time{}, minute(1), false, []int64{seqs[1], seqs[0]}},
			{"between", minute(1).Add(time.Millisecond), minute(2).Add(-time.Millisecond), false, nil},
			{"exact", minute(2), minute(2), false, []int64{seqs[2]}},
			{"afterAll", minute(5), time.Time{}, false, nil},
		}
		for _, c := range cases {
			got := history(t, s, scopeA, configd.HistoryQuery{Key: keyI1, Earlier: c.earlier, Later: c.later, Chronological: c.chronological, Limit: 10})
			if len(got) != len(c.want) || (len(c.want) > 0 && !equalSeqs(seqsOf(got), c.want)) {
				t.Errorf("%s: seqs %v, want %v", c.name, seqsOf(got), c.want)
			}
		}
	}},
	{"Paging", func(t *testing.T, s configd.Store) {
		seqs := fiveVersions(t, s)
		for _, chrono := range []bool{false, true} {
			want := reversed(seqs)
			if chrono {
				want = seqs
			}
			var all []int64
			var after int64
			for page := 0; ; page++ {
				got := history(t, s, scopeA, configd.HistoryQuery{Key: keyI1, Chronological: chrono, After: after, Limit: 2})
				if len(got) > 2 {
					t.Fatalf("chronological=%v page %d: %d items, limit 2", chrono, page, len(got))
				}
				if len(got) == 0 {
					break
				}
				all = append(all, seqsOf(got)...)
				after = got[len(got)-1].Seq
				if page > 5 {
					t.Fatalf("chronological=%v: paging does not end", chrono)
				}
			}
			wantEqual(t, "pages joined", all, want)
		}
	}},
	{"PagingWithBounds", func(t *testing.T, s configd.Store) {
		seqs := fiveVersions(t, s)
		q := configd.HistoryQuery{Key: keyI1, Earlier: minute(1), Later: minute(3), Limit: 2}
		got := history(t, s, scopeA, q)
		wantEqual(t, "first page", seqsOf(got), []int64{seqs[3], seqs[2]})
		q.After = got[1].Seq
		got = history(t, s, scopeA, q)
		wantEqual(t, "second page", seqsOf(got), []int64{seqs[1]})
	}},
	{"NoLimit", func(t *testing.T, s configd.Store) {
		seqs := fiveVersions(t, s)
		got := history(t, s, scopeA, configd.HistoryQuery{Key: keyI1})
		wantEqual(t, "Limit 0", seqsOf(got), reversed(seqs))
	}},
	{"Unknown", func(t *testing.T, s configd.Store) {
		fiveVersions(t, s)
		got := history(t, s, scopeA, configd.HistoryQuery{Key: configd.ResourceKey{ResourceType: typeInstance, ResourceID: "i-9"}, Limit: 10})
		if len(got) != 0 {
			t.Errorf("history of unknown resource: %v", seqsOf(got))
		}
	}},
}

// equalSeqs reports whether a and b hold the same seqs in the same order.
func equalSeqs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// inventory appends instances a, b (deleted), c, d named web, db, web, web
// and a bucket, and returns the deletion time of b.
func inventory(t *testing.T, s configd.Store) time.Time {
	t.Helper()
	appendItems(t, s, scopeA,
		item(typeInstance, "d", "web", minute(0)),
		item(typeInstance, "b", "db", minute(0)),
		item(typeInstance, "a", "web", minute(0)),
		item(typeInstance, "c", "web", minute(0)),
		item(typeBucket, "a", "web", minute(0)),
		deletedItem(typeInstance, "b", "db", minute(5)),
	)
	return minute(5)
}

var inventoryTests = []test{
	{"OK", func(t *testing.T, s configd.Store) {
		inventory(t, s)
		got := list(t, s, scopeA, configd.ResourceFilter{ResourceType: typeInstance}, "", 10)
		wantEqual(t, "ListResources", got, []configd.DiscoveredResource{
			{ResourceType: typeInstance, ResourceID: "a", ResourceName: "web"},
			{ResourceType: typeInstance, ResourceID: "c", ResourceName: "web"},
			{ResourceType: typeInstance, ResourceID: "d", ResourceName: "web"},
		})
		wantEqual(t, "ListResources of other type", idsOf(list(t, s, scopeA, configd.ResourceFilter{ResourceType: typeBucket}, "", 10)), []string{"a"})
		if got := list(t, s, scopeA, configd.ResourceFilter{ResourceType: typeVolume}, "", 10); len(got) != 0 {
			t.Errorf("ListResources of type without resources: %v", got)
		}
	}},
	{"Paging", func(t *testing.T, s configd.Store) {
		inventory(t, s)
		f := configd.ResourceFilter{ResourceType: typeInstance, IncludeDeleted: true}
		wantEqual(t, "limit 2", idsOf(list(t, s, scopeA, f, "", 2)), []string{"a", "b"})
		wantEqual(t, "after b", idsOf(list(t, s, scopeA, f, "b", 2)), []string{"c", "d"})
		wantEqual(t, "after bb", idsOf(list(t, s, scopeA, f, "bb", 10)), []string{"c", "d"})
		if got := list(t, s, scopeA, f, "d", 2); len(got) != 0 {
			t.Errorf("after the last id: %v", idsOf(got))
		}
		wantEqual(t, "limit 0", idsOf(list(t, s, scopeA, f, "", 0)), []string{"a", "b", "c", "d"})
	}},
	{"FilterIDs", func(t *testing.T, s configd.Store) {
		inventory(t, s)
		f := configd.ResourceFilter{ResourceType: typeInstance, ResourceIDs: []string{"d", "a", "zz", "b"}}
		wantEqual(t, "ids", idsOf(list(t, s, scopeA, f, "", 10)), []string{"a", "d"})
		f.IncludeDeleted = true
		wantEqual(t, "ids with deleted", idsOf(list(t, s, scopeA, f, "", 10)), []string{"a", "b", "d"})
		wantEqual(t, "ids after a, limit 1", idsOf(list(t, s, scopeA, f, "a", 1)), []string{"b"})
	}},
	{"FilterName", func(t *testing.T, s configd.Store) {
		inventory(t, s)
		f := configd.ResourceFilter{ResourceType: typeInstance, ResourceName: "web"}
		wantEqual(t, "name", idsOf(list(t, s, scopeA, f, "", 10)), []string{"a", "c", "d"})
		wantEqual(t, "name after a, limit 1", idsOf(list(t, s, scopeA, f, "a", 1)), []string{"c"})
		f.ResourceIDs = []string{"d", "b"}
		wantEqual(t, "name and ids", idsOf(list(t, s, scopeA, f, "", 10)), []string{"d"})
		f = configd.ResourceFilter{ResourceType: typeInstance, ResourceName: "db"}
		if got := list(t, s, scopeA, f, "", 10); len(got) != 0 {
			t.Errorf("name of deleted resource without IncludeDeleted: %v", idsOf(got))
		}
		f.IncludeDeleted = true
		wantEqual(t, "name of deleted resource", idsOf(list(t, s, scopeA, f, "", 10)), []string{"b"})
		f.ResourceName = "WEB"
		if got := list(t, s, scopeA, f, "", 10); len(got) != 0 {
			t.Errorf("name is compared exactly, got %v", idsOf(got))
		}
	}},
	{"Deleted", func(t *testing.T, s configd.Store) {
		deletedAt := inventory(t, s)
		got := list(t, s, scopeA, configd.ResourceFilter{ResourceType: typeInstance, IncludeDeleted: true}, "", 10)
		wantEqual(t, "ListResources with deleted", got, []configd.DiscoveredResource{
			{ResourceType: typeInstance, ResourceID: "a", ResourceName: "web"},
			{ResourceType: typeInstance, ResourceID: "b", ResourceName: "db", DeletionTime: deletedAt},
			{ResourceType: typeInstance, ResourceID: "c", ResourceName: "web"},
			{ResourceType: typeInstance, ResourceID: "d", ResourceName: "web"},
		})
		// A resource that comes back is listed again, without deletion time.
		appendItems(t, s, scopeA, item(typeInstance, "b", "db2", minute(6)))
		got = list(t, s, scopeA, configd.ResourceFilter{ResourceType: typeInstance, ResourceIDs: []string{"b"}}, "", 10)
		wantEqual(t, "ListResources after re-creation", got, []configd.DiscoveredResource{
			{ResourceType: typeInstance, ResourceID: "b", ResourceName: "db2"},
		})
	}},
	{"LatestName", func(t *testing.T, s configd.Store) {
		appendItems(t, s, scopeA, item(typeInstance, "a", "old", minute(0)), item(typeInstance, "a", "new", minute(1)))
		wantEqual(t, "name of the newest item", list(t, s, scopeA, configd.ResourceFilter{ResourceType: typeInstance}, "", 10),
			[]configd.DiscoveredResource{{ResourceType: typeInstance, ResourceID: "a", ResourceName: "new"}})
		if got := list(t, s, scopeA, configd.ResourceFilter{ResourceType: typeInstance, ResourceName: "old"}, "", 10); len(got) != 0 {
			t.Errorf("filter by the old name: %v", idsOf(got))
		}
	}},
	{"ErrNoType", func(t *testing.T, s configd.Store) {
		inventory(t, s)
		err := view(s, func(ctx context.Context, tx configd.Tx) error {
			_, err := tx.ListResources(ctx, scopeA, configd.ResourceFilter{}, "", 10)
			return err
		})
		if err == nil {
			t.Errorf("ListResources without a resource type: no error")
		}
	}},
}

var countTests = []test{
	{"OK", func(t *testing.T, s configd.Store) {
		inventory(t, s)
		// More versions of a resource count once.
		appendItems(t, s, scopeA, item(typeInstance, "a", "web", minute(7)), item(typeInstance, "a", "web", minute(8)))
		wantEqual(t, "all types", counts(t, s, scopeA), []configd.ResourceCount{
			{ResourceType: typeInstance, Count: 3},
			{ResourceType: typeBucket, Count: 1},
		})
	}},
	{"Types", func(t *testing.T, s configd.Store) {
		inventory(t, s)
		wantEqual(t, "given types", counts(t, s, scopeA, typeInstance, typeVolume),
			[]configd.ResourceCount{{ResourceType: typeInstance, Count: 3}})
		wantEqual(t, "type without resources", len(counts(t, s, scopeA, typeVolume)), 0)
	}},
	{"DeleteAndRecreate", func(t *testing.T, s configd.Store) {
		appendItems(t, s, scopeA, item(typeBucket, "a", "", minute(0)), item(typeBucket, "b", "", minute(0)))
		appendItems(t, s, scopeA, deletedItem(typeBucket, "a", "", minute(1)), deletedItem(typeBucket, "b", "", minute(1)))
		if got := counts(t, s, scopeA); len(got) != 0 {
			t.Errorf("counts after every resource was deleted: %v", got)
		}
		appendItems(t, s, scopeA, deletedItem(typeBucket, "b", "", minute(2))) // deleted twice
		appendItems(t, s, scopeA, item(typeBucket, "a", "", minute(3)))
		wantEqual(t, "counts after re-creation", counts(t, s, scopeA), []configd.ResourceCount{{ResourceType: typeBucket, Count: 1}})
	}},
}

var pruneTests = []test{
	{"KeepsLatest", func(t *testing.T, s configd.Store) {
		seqs := fiveVersions(t, s) // i-1, i-2 and the volume i-1 at minutes 0..4
		lone := appendItems(t, s, scopeA, item(typeBucket, "old", "", minute(-10)))[0]
		gone := appendItems(t, s, scopeA, item(typeBucket, "gone", "", minute(-10)), deletedItem(typeBucket, "gone", "", minute(-9)))
		var n int64
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			var err error
			n, err = tx.PruneHistory(ctx, scopeA, minute(3))
			return err
		})
		// Minutes 0, 1, 2 of three resources, and the first item of "gone".
		if n != 10 {
			t.Errorf("PruneHistory deleted %d items, want 10", n)
		}
		wantEqual(t, "history of i-1 (the item at the cutoff is kept)",
			seqsOf(history(t, s, scopeA, configd.HistoryQuery{Key: keyI1})), []int64{seqs[4], seqs[3]})
		wantEqual(t, "history of a resource whose only item is old",
			seqsOf(history(t, s, scopeA, configd.HistoryQuery{Key: configd.ResourceKey{ResourceType: typeBucket, ResourceID: "old"}})), []int64{lone})
		wantEqual(t, "history of a deleted resource",
			seqsOf(history(t, s, scopeA, configd.HistoryQuery{Key: configd.ResourceKey{ResourceType: typeBucket, ResourceID: "gone"}})), []int64{gone[1]})
		if got := latest(t, s, scopeA, configd.ResourceKey{ResourceType: typeBucket, ResourceID: "old"}); got.Seq != lone {
			t.Errorf("LatestItem after prune: seq %d, want %d", got.Seq, lone)
		}
		wantEqual(t, "inventory after prune", idsOf(list(t, s, scopeA, configd.ResourceFilter{ResourceType: typeBucket, IncludeDeleted: true}, "", 0)),
			[]string{"gone", "old"})
	}},
	{"Nothing", func(t *testing.T, s configd.Store) {
		seqs := fiveVersions(t, s)
		var n int64
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			var err error
			n, err = tx.PruneHistory(ctx, scopeA, minute(0))
			return err
		})
		if n != 0 {
			t.Errorf("PruneHistory before the oldest item deleted %d", n)
		}
		wantEqual(t, "history", seqsOf(history(t, s, scopeA, configd.HistoryQuery{Key: keyI1})), reversed(seqs))
	}},
}
