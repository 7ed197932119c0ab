package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/configd/configd"
)

// The tests of ResourceStore.LatestItems run in the Items group.
func init() { itemTests = append(itemTests, latestItemsTests...) }

// latestItems reads the newest items of keys in scope.
func latestItems(t *testing.T, s configd.Store, scope configd.Scope, keys ...configd.ResourceKey) []*configd.StoredItem {
	t.Helper()
	var items []*configd.StoredItem
	read(t, s, func(ctx context.Context, tx configd.Tx) error {
		var err error
		items, err = tx.LatestItems(ctx, scope, keys)
		return err
	})
	return items
}

var latestItemsTests = []test{
	{"ReadThenAppendInOneTx", func(t *testing.T, s configd.Store) {
		// The service reads a resource's latest item and appends the next in
		// one transaction; the inventory and the counts follow every step.
		k := configd.ResourceKey{ResourceType: typeInstance, ResourceID: "i-9"}
		steps := []*configd.ConfigurationItem{
			item(typeInstance, "i-9", "", minute(0)),
			item(typeInstance, "i-9", "", minute(1)),
			deletedItem(typeInstance, "i-9", "", minute(2)),
			deletedItem(typeInstance, "i-9", "", minute(3)),
			item(typeInstance, "i-9", "", minute(4)),
		}
		wantCounts := []int64{1, 1, 0, 0, 1}
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			for i, ci := range steps {
				_, err := tx.LatestItem(ctx, scopeA, k)
				if i == 0 {
					wantCode(t, "LatestItem before the first append", err, configd.ErrResourceNotDiscovered, "")
				} else {
					must(t, "LatestItem", err)
				}
				if i%2 == 1 { // another scope in between
					_, err = tx.LatestItem(ctx, scopeB, k)
					wantCode(t, "LatestItem in another scope", err, configd.ErrResourceNotDiscovered, "")
				}
				if _, err := tx.AppendItem(ctx, scopeA, ci); err != nil {
					return err
				}
				cs, err := tx.CountResources(ctx, scopeA, nil)
				must(t, "CountResources", err)
				var n int64
				for _, c := range cs {
					n += c.Count
				}
				wantEqual(t, fmt.Sprintf("count after step %d", i), n, wantCounts[i])
			}
			return nil
		})
		wantEqual(t, "count after commit", counts(t, s, scopeA), []configd.ResourceCount{{ResourceType: typeInstance, Count: 1}})
		wantEqual(t, "live", len(list(t, s, scopeA, configd.ResourceFilter{ResourceType: typeInstance}, "", 0)), 1)
	}},
	{"LatestItems", func(t *testing.T, s configd.Store) {
		i1v1, i1v2 := item(typeInstance, "i-1", "web", minute(0)), item(typeInstance, "i-1", "web", minute(1))
		i1v2.Configuration = `{"instanceId":"i-1","state":{"name":"stopped"}}`
		i2 := item(typeInstance, "i-2", "db", minute(0))
		b, bGone := item(typeBucket, "b", "logs", minute(0)), deletedItem(typeBucket, "b", "logs", minute(1))
		odd := item(typeInstance, "i-\"\\/\u00e9\x01 ,]", "", minute(0))
		seqs := appendItems(t, s, scopeA, i1v1, i1v2, i2, b, bGone, odd)
		otherScope := appendItems(t, s, scopeB, item(typeInstance, "i-3", "", minute(0)))[0]
		keyB := configd.ResourceKey{ResourceType: typeBucket, ResourceID: "b"}
		keyOdd := configd.ResourceKey{ResourceType: typeInstance, ResourceID: odd.ResourceID}
		keyI3 := configd.ResourceKey{ResourceType: typeInstance, ResourceID: "i-3"}

		t.Run("OK", func(t *testing.T) {
			got := latestItems(t, s, scopeA,
				keyI2, configd.ResourceKey{ResourceType: typeInstance, ResourceID: "unknown"}, keyI1, keyB,
				keyI1, configd.ResourceKey{ResourceType: typeVolume, ResourceID: "i-1"}, keyI3, keyOdd)
			wantEqual(t, "LatestItems", got, []*configd.StoredItem{
				{Seq: seqs[2], Item: *i2}, {Seq: seqs[1], Item: *i1v2}, {Seq: seqs[4], Item: *bGone},
				{Seq: seqs[1], Item: *i1v2}, {Seq: seqs[5], Item: *odd},
			})
		})
		t.Run("OKOneKey", func(t *testing.T) {
			wantEqual(t, "LatestItems of one key", latestItems(t, s, scopeA, keyI1), []*configd.StoredItem{{Seq: seqs[1], Item: *i1v2}})
			wantEqual(t, "LatestItems of one key in another scope", latestItems(t, s, scopeB, keyI3),
				[]*configd.StoredItem{{Seq: otherScope, Item: *item(typeInstance, "i-3", "", minute(0))}})
		})
		t.Run("OKNone", func(t *testing.T) {
			if got := latestItems(t, s, scopeA); len(got) != 0 {
				t.Errorf("LatestItems of no keys: %+v", got)
			}
			if got := latestItems(t, s, scopeA, keyI3); len(got) != 0 {
				t.Errorf("LatestItems of a key of another scope: %+v", got)
			}
			if got := latestItems(t, s, scopeC, keyI1, keyI2); len(got) != 0 {
				t.Errorf("LatestItems in an empty scope: %+v", got)
			}
		})
	}},
	{"LatestItemsMany", func(t *testing.T, s configd.Store) {
		const n = 250
		cis := make([]*configd.ConfigurationItem, n)
		for i := range cis {
			cis[i] = item(typeInstance, fmt.Sprintf("i-%03d", i), "", minute(0))
		}
		seqs := appendItems(t, s, scopeA, cis...)
		// Every other resource, in descending order, and keys that do not exist.
		var (
			keys []configd.ResourceKey
			want []*configd.StoredItem
		)
		for i := n - 1; i >= 0; i -= 2 {
			keys = append(keys, configd.ResourceKey{ResourceType: typeInstance, ResourceID: cis[i].ResourceID},
				configd.ResourceKey{ResourceType: typeInstance, ResourceID: fmt.Sprintf("x-%03d", i)})
			want = append(want, &configd.StoredItem{Seq: seqs[i], Item: *cis[i]})
		}
		wantEqual(t, "LatestItems of many keys", latestItems(t, s, scopeA, keys...), want)
	}},
}
