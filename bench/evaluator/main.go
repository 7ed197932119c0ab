// Command evaluator measures configd's rule engine:
//
//  1. native: managed-rule evaluations per second (16 managed rules over a
//     mix of S3 buckets, security groups, instances and volumes, each item
//     evaluated by every rule of its type, on every core);
//
//  2. guard: configuration items per second through a 10-clause Guard
//     policy, the item turned into its Guard document each time, as the
//     engine does;
//
//  3. sweep: full re-evaluation of N (100,000) recorded items against 20
//     rules (16 managed, 4 Guard) through the engine, on demand, from the
//     SQLite store to stored results;
//
//  4. changes: change jobs per second, after N (10,000) items are recorded
//     one by one with the 20 rules in the scope;
//
//  5. latency: from PutResourceConfig to the updated compliance readable
//     through GetComplianceDetailsByResource, with the engine running in the
//     background, over HTTP on loopback with the AWS SDK (p50, p99, max).
//
//     go run ./bench/evaluator                # everything, about a minute
//     go run ./bench/evaluator -items 20000   # a smaller sweep
//
// Targets (issue 4): native ≥ 100,000 evaluations/s, Guard ≥ 20,000 items/s,
// sweep < 30 s, latency p99 < 50 ms.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/evaluator"
	"github.com/configd/configd/evaluator/guard"
	"github.com/configd/configd/evaluator/managedrule"
)

func main() {
	items := flag.Int("items", 100_000, "configuration items of the sweep")
	phase := flag.Duration("phase", 3*time.Second, "duration of the native and Guard phases")
	puts := flag.Int("puts", 1000, "PutResourceConfig calls of the latency phase")
	changes := flag.Int("changes", 10_000, "items recorded in the changes phase")
	only := flag.String("only", "", "run one phase: native, guard, sweep, changes or latency")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	fmt.Printf("configd evaluator benchmark: %d cores, GOMAXPROCS %d\n", runtime.NumCPU(), runtime.GOMAXPROCS(0))
	run := func(name string, fn func() error) {
		if *only != "" && *only != name {
			return
		}
		if err := fn(); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
			pprof.StopCPUProfile()
			os.Exit(1)
		}
	}
	run("native", func() error { return benchNative(ctx, *phase) })
	run("guard", func() error { return benchGuard(*phase) })
	run("sweep", func() error { return benchSweep(ctx, *items) })
	run("changes", func() error { return benchChanges(ctx, *changes) })
	run("latency", func() error { return benchLatency(ctx, *puts) })
}

// parallel runs fn(worker, i) for i = 0, 1, ... on every core until d has
// passed, and returns the calls made and the time taken.
func parallel(d time.Duration, fn func(worker, i int) int) (int64, time.Duration) {
	var total atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for i := w; time.Now().Before(deadline); i += runtime.GOMAXPROCS(0) {
				n += fn(w, i)
			}
			total.Add(int64(n))
		}()
	}
	wg.Wait()
	return total.Load(), time.Since(start)
}

type nativeRule struct {
	rule   managedrule.Rule
	params map[string]string
	types  []string
}

func benchNative(ctx context.Context, d time.Duration) error {
	var rules []nativeRule
	for _, mr := range managedRules {
		r, ok := managedrule.Get(mr[0])
		if !ok {
			return fmt.Errorf("%s is not implemented", mr[0])
		}
		params, err := managedrule.Parameters(mr[0], mr[1])
		if err != nil {
			return err
		}
		spec, _ := managedrule.Lookup(mr[0])
		rules = append(rules, nativeRule{r, params, spec.ResourceTypes})
	}
	byType := map[string][]nativeRule{}
	for _, r := range rules {
		for _, t := range r.types {
			byType[t] = append(byType[t], r)
		}
	}
	// Fresh items (a fresh decode each), as when changes arrive.
	const corpus = 50_000
	items := make([]*configd.ConfigurationItem, corpus)
	for i := range items {
		items[i] = itemAt(i)
	}
	now := time.Now()
	var failed atomic.Int64
	n, took := parallel(d, func(_, i int) int {
		ci := items[i%corpus]
		rs := byType[ci.ResourceType]
		for _, r := range rs {
			if _, err := r.rule.Evaluate(ctx, managedrule.Input{CI: ci, Params: r.params, AccountID: "123456789012", Region: "us-east-1", Now: now}); err != nil {
				failed.Add(1)
			}
		}
		return len(rs)
	})
	if failed.Load() > 0 {
		return fmt.Errorf("%d evaluations failed", failed.Load())
	}
	fmt.Printf("native:  %9.0f managed-rule evaluations/s (%d evaluations in %.1fs; target >= 100,000)\n", float64(n)/took.Seconds(), n, took.Seconds())
	return nil
}

func benchGuard(d time.Duration) error {
	policy, err := guard.Parse(guardPolicy10)
	if err != nil {
		return err
	}
	const corpus = 20_000
	items := make([]*configd.ConfigurationItem, corpus)
	for i := range items {
		items[i] = bucketItem(i)
	}
	var verdicts [3]atomic.Int64
	var failed atomic.Int64
	n, took := parallel(d, func(_, i int) int {
		doc, err := evaluator.GuardDocument(items[i%corpus])
		if err != nil {
			failed.Add(1)
			return 0
		}
		switch policy.Evaluate(doc).Status {
		case guard.StatusPass:
			verdicts[0].Add(1)
		case guard.StatusFail:
			verdicts[1].Add(1)
		default:
			verdicts[2].Add(1)
		}
		return 1
	})
	if failed.Load() > 0 {
		return fmt.Errorf("%d documents failed", failed.Load())
	}
	fmt.Printf("guard:   %9.0f items/s through a 10-clause policy (%d items in %.1fs: %d PASS, %d FAIL, %d SKIP; target >= 20,000)\n",
		float64(n)/took.Seconds(), n, took.Seconds(), verdicts[0].Load(), verdicts[1].Load(), verdicts[2].Load())
	return nil
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
