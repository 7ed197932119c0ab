package sqlite

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/configd/configd"
)

// The evaluation benchmarks share one store loaded with
// -sqlite.benchresources resources evaluated by -sqlite.benchrules rules
// (the design point is 100,000 x 20: two million results).
var (
	benchResultResources = flag.Int("sqlite.benchresources", 10_000, "resources evaluated before the evaluation benchmarks run")
	benchResultRules     = flag.Int("sqlite.benchrules", 20, "rules evaluating every resource in the evaluation benchmarks")
)

var (
	resultsOnce sync.Once
	resultsDB   *DB
	resultsErr  error
)

// benchCompliance spreads compliance types: a tenth non-compliant.
func benchCompliance(n int) string {
	switch {
	case n%10 == 0:
		return configd.NonCompliant
	case n%10 == 1:
		return configd.NotApplicable
	}
	return configd.Compliant
}

func benchResult(rule, n int) *configd.EvaluationResult {
	key := benchKey(n)
	return &configd.EvaluationResult{
		RuleName:              fmt.Sprintf("rule-%02d", rule),
		ResourceType:          key.ResourceType,
		ResourceID:            key.ResourceID,
		EvaluationMode:        configd.EvaluationModeDetective,
		ComplianceType:        benchCompliance(n + rule),
		Annotation:            "checked",
		ResultRecordedTime:    benchT0,
		ConfigRuleInvokedTime: benchT0,
		OrderingTimestamp:     benchT0,
		ResultToken:           "token",
	}
}

// resultsStore returns the shared evaluation benchmark store, loading it on
// first use.
func resultsStore(b *testing.B) *DB {
	resultsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "configd-sqlite-bench-results")
		if err != nil {
			resultsErr = err
			return
		}
		benchCleanup = append(benchCleanup, func() { os.RemoveAll(dir) })
		ctx := context.Background()
		if resultsDB, resultsErr = Open(ctx, filepath.Join(dir, "bench.db")); resultsErr != nil {
			return
		}
		benchCleanup = append(benchCleanup, func() { resultsDB.Close() })
		start := time.Now()
		const batch = 5000
		for rule := range *benchResultRules {
			for from := 0; from < *benchResultResources; from += batch {
				resultsErr = resultsDB.Write(ctx, func(tx configd.Tx) error {
					for n := from; n < min(from+batch, *benchResultResources); n++ {
						if err := tx.PutEvaluationResult(ctx, scope, benchResult(rule, n)); err != nil {
							return err
						}
					}
					return nil
				})
				if resultsErr != nil {
					return
				}
			}
		}
		total := *benchResultRules * *benchResultResources
		fmt.Fprintf(os.Stderr, "loaded %d evaluation results in %v (%.0f/s)\n", total, time.Since(start),
			float64(total)/time.Since(start).Seconds())
	})
	if resultsErr != nil {
		b.Fatal(resultsErr)
	}
	return resultsDB
}

// BenchmarkListEvaluationResults reads pages of 100 results of a rule, from
// the middle of the rule, unfiltered and non-compliant only.
func BenchmarkListEvaluationResults(b *testing.B) {
	db := resultsStore(b)
	ctx := context.Background()
	mid := benchKey(*benchResultResources / 2)
	for _, c := range []struct {
		name string
		f    configd.EvaluationFilter
	}{
		{"Rule", configd.EvaluationFilter{RuleNames: []string{"rule-03"}}},
		{"RuleNonCompliant", configd.EvaluationFilter{RuleNames: []string{"rule-03"}, ComplianceTypes: []string{configd.NonCompliant}}},
		{"RuleTwoTypes", configd.EvaluationFilter{RuleNames: []string{"rule-03"}, ComplianceTypes: []string{configd.NonCompliant, configd.NotApplicable}}},
		{"AllRulesOfType", configd.EvaluationFilter{ResourceType: "AWS::S3::Bucket"}},
		{"Resource", configd.EvaluationFilter{ResourceType: mid.ResourceType, ResourceID: mid.ResourceID}},
	} {
		b.Run(c.name, func(b *testing.B) {
			after := &configd.EvaluationCursor{RuleName: "rule-03", ResourceType: mid.ResourceType, ResourceID: mid.ResourceID}
			if c.f.ResourceID != "" {
				after = nil
			}
			for b.Loop() {
				err := db.Read(ctx, func(tx configd.Tx) error {
					rs, err := tx.ListEvaluationResults(ctx, scope, c.f, after, 100)
					if err == nil && len(rs) == 0 {
						err = fmt.Errorf("empty page")
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCountCompliance counts by rule and by type, whole scope.
func BenchmarkCountCompliance(b *testing.B) {
	db := resultsStore(b)
	ctx := context.Background()
	for _, byRule := range []bool{true, false} {
		b.Run(fmt.Sprintf("ByRule=%v", byRule), func(b *testing.B) {
			for b.Loop() {
				err := db.Read(ctx, func(tx configd.Tx) error {
					cs, err := tx.CountCompliance(ctx, scope, configd.EvaluationFilter{}, byRule)
					if err == nil && len(cs) == 0 {
						err = fmt.Errorf("no counts")
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPutEvaluationResult replaces results, changing their compliance,
// 100 per transaction.
func BenchmarkPutEvaluationResult(b *testing.B) {
	db := resultsStore(b)
	ctx := context.Background()
	n := 0
	for b.Loop() {
		err := db.Write(ctx, func(tx configd.Tx) error {
			for range 100 {
				n++
				e := benchResult(n%*benchResultRules, n%*benchResultResources)
				e.ComplianceType = benchCompliance(n / *benchResultResources)
				if err := tx.PutEvaluationResult(ctx, scope, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/result")
}
