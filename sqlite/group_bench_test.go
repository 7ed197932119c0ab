package sqlite

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/configd/configd"
)

// BenchmarkAppendItemConcurrent appends one item per Write from 16 goroutines,
// as concurrent PutResourceConfig requests do, with group commit (batches
// of up to 64 Writes) and without it (batches of 1).
func BenchmarkAppendItemConcurrent(b *testing.B) {
	for _, c := range []struct {
		name     string
		maxBatch int
	}{{"batch=1", 1}, {"batch=64", defaultMaxBatch}} {
		b.Run(c.name, func(b *testing.B) {
			d := openTemp(b)
			d.maxBatch = c.maxBatch
			ctx := context.Background()
			var n atomic.Int64
			before := d.commits.Load()
			b.SetParallelism(8) // 16 goroutines on 2 CPUs
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := int(n.Add(1))
					ci := benchItem(i, 0)
					err := d.Write(ctx, func(tx configd.Tx) error {
						_, err := tx.AppendItem(ctx, scope, ci)
						return err
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/float64(d.commits.Load()-before), "writes/commit")
		})
	}
}
