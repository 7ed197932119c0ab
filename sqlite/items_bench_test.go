package sqlite

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/configd/configd"
)

// BenchmarkLatestItems reads the latest items of n random resources in one
// call, as BatchGetResourceConfig does.
func BenchmarkLatestItems(b *testing.B) {
	d := loadedStore(b)
	ctx := context.Background()
	resources := benchResources()
	for _, n := range []int{1, 10, 100} {
		b.Run("keys="+strconv.Itoa(n), func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				keys := make([]configd.ResourceKey, n)
				for pb.Next() {
					for i := range keys {
						keys[i] = benchKey(rand.IntN(resources))
					}
					err := d.Read(ctx, func(tx configd.Tx) error {
						items, err := tx.LatestItems(ctx, scope, keys)
						if err == nil && len(items) != n {
							b.Errorf("%d items, want %d", len(items), n)
						}
						return err
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
