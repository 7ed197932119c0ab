package sqlite

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/configd/configd"
)

// The benchmarks share one store loaded with -sqlite.benchitems items:
// resources of 10 versions each, over two resource types.
var benchItems = flag.Int("sqlite.benchitems", 100_000, "configuration items loaded before the benchmarks run")

const benchVersions = 10

var (
	benchOnce sync.Once
	benchDB   *DB
	benchDir  string
	benchErr  error
)

// benchCleanup holds what other shared benchmark stores leave to undo.
var benchCleanup []func()

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(benchCleanup) - 1; i >= 0; i-- {
		benchCleanup[i]()
	}
	if benchDB != nil {
		benchDB.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

var benchT0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// benchItem is version v of resource n.
func benchItem(n, v int) *configd.ConfigurationItem {
	typ := "AWS::EC2::Instance"
	if n%2 == 1 {
		typ = "AWS::S3::Bucket"
	}
	id := fmt.Sprintf("r-%08d", n)
	return &configd.ConfigurationItem{
		Version:       configd.CIVersion,
		AccountID:     scope.AccountID,
		Region:        scope.Region,
		CaptureTime:   benchT0.Add(time.Duration(v) * time.Hour),
		Status:        configd.CIStatusOK,
		ARN:           "arn:aws:ec2:us-east-1:123456789012:instance/" + id,
		ResourceType:  typ,
		ResourceID:    id,
		ResourceName:  fmt.Sprintf("name-%d", n%1000),
		Tags:          map[string]string{"env": "prod", "version": fmt.Sprint(v)},
		Configuration: fmt.Sprintf(`{"id":%q,"version":%d,"state":{"name":"running"},"padding":"%0200d"}`, id, v, 0),
	}
}

func benchKey(n int) configd.ResourceKey {
	it := benchItem(n, 0)
	return configd.ResourceKey{ResourceType: it.ResourceType, ResourceID: it.ResourceID}
}

func benchResources() int { return max(1, *benchItems/benchVersions) }

// loadedStore returns the shared benchmark store, loading it on first use.
func loadedStore(b *testing.B) *DB {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "configd-sqlite-bench")
		if benchErr != nil {
			return
		}
		ctx := context.Background()
		benchDB, benchErr = Open(ctx, filepath.Join(benchDir, "bench.db"))
		if benchErr != nil {
			return
		}
		start := time.Now()
		const batch = 5000
		n := 0
		resources := benchResources()
		for v := range benchVersions {
			for first := 0; first < resources; first += batch {
				benchErr = benchDB.Write(ctx, func(tx configd.Tx) error {
					for r := first; r < min(first+batch, resources); r++ {
						if _, err := tx.AppendItem(ctx, scope, benchItem(r, v)); err != nil {
							return err
						}
						n++
					}
					return nil
				})
				if benchErr != nil {
					return
				}
			}
		}
		fmt.Fprintf(os.Stderr, "loaded %d configuration items of %d resources in %v\n", n, resources, time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatalf("load benchmark store: %v", benchErr)
	}
	return benchDB
}

// BenchmarkAppendItem commits one configuration item per write transaction,
// as the recorder does for a change it observes.
func BenchmarkAppendItem(b *testing.B) {
	d := loadedStore(b)
	ctx := context.Background()
	resources := benchResources()
	v := benchVersions
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ci := benchItem(i%resources, v+i/resources)
		err := d.Write(ctx, func(tx configd.Tx) error {
			_, err := tx.AppendItem(ctx, scope, ci)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendItemBatch appends 100 items per write transaction, as a
// discovery sweep does.
func BenchmarkAppendItemBatch(b *testing.B) {
	d := loadedStore(b)
	ctx := context.Background()
	resources := benchResources()
	v := 1000
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		err := d.Write(ctx, func(tx configd.Tx) error {
			for j := range 100 {
				k := i*100 + j
				if _, err := tx.AppendItem(ctx, scope, benchItem(k%resources, v+k/resources)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/item")
}

func BenchmarkLatestItem(b *testing.B) {
	d := loadedStore(b)
	ctx := context.Background()
	resources := benchResources()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := benchKey(rand.IntN(resources))
			err := d.Read(ctx, func(tx configd.Tx) error {
				_, err := tx.LatestItem(ctx, scope, key)
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkHistory(b *testing.B) {
	d := loadedStore(b)
	ctx := context.Background()
	resources := benchResources()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			q := configd.HistoryQuery{
				Key:     benchKey(rand.IntN(resources)),
				Earlier: benchT0.Add(2 * time.Hour),
				Limit:   5,
			}
			err := d.Read(ctx, func(tx configd.Tx) error {
				items, err := tx.History(ctx, scope, q)
				if err == nil && len(items) != 5 {
					err = fmt.Errorf("history of %v: %d items, want 5", q.Key, len(items))
				}
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkListResources(b *testing.B) {
	d := loadedStore(b)
	ctx := context.Background()
	resources := benchResources()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			after := benchKey(rand.IntN(resources) &^ 1).ResourceID
			err := d.Read(ctx, func(tx configd.Tx) error {
				_, err := tx.ListResources(ctx, scope, configd.ResourceFilter{ResourceType: "AWS::EC2::Instance"}, after, 100)
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkCountResources(b *testing.B) {
	d := loadedStore(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		err := d.Read(ctx, func(tx configd.Tx) error {
			_, err := tx.CountResources(ctx, scope, nil)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
