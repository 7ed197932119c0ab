package postgres

// Benchmarks on a loaded store: 100,000 resources evaluated by 20 rules
// (2,000,000 evaluation results) in one scope, and 100,000 configuration
// items. Loading takes a while; run with
//
//	go test -run '^$' -bench . ./postgres/
//
// against CONFIGD_TEST_DATABASE_URL or a throwaway server (internal/pgtest).

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/pgtest"
)

const (
	benchResources = 100_000
	benchRules     = 20
)

var (
	benchOnce sync.Once
	benchURL  string
	benchErr  error
)

// loaded returns a store holding the benchmark data set, loaded once per
// test binary into a schema of its own.
func loaded(b *testing.B) *DB {
	b.Helper()
	base := pgtest.URL(b)
	benchOnce.Do(func() {
		ctx := context.Background()
		var name string
		name, benchURL, benchErr = pgtest.CreateSchema(ctx, base)
		if benchErr != nil {
			return
		}
		// Dropped when the binary ends (TestMain closes a throwaway
		// server; an external database keeps the schema otherwise).
		var d *DB
		if d, benchErr = Open(ctx, benchURL); benchErr != nil {
			return
		}
		defer d.Close()
		start := time.Now()
		// Compliance: one resource in 7 NON_COMPLIANT, one in 11 NOT_APPLICABLE.
		_, benchErr = d.pool.Exec(ctx, `INSERT INTO evaluation_results (account_id, region, rule_name, resource_type, resource_id,
				compliance_type, evaluation_mode, annotation, recorded_time, invoked_time, ordering_time, result_token)
			SELECT $1, $2, 'rule-' || lpad(r::text, 2, '0'), CASE WHEN i % 2 = 0 THEN 'AWS::EC2::Instance' ELSE 'AWS::S3::Bucket' END,
				'res-' || lpad(i::text, 6, '0'),
				CASE WHEN i % 7 = 0 THEN 'NON_COMPLIANT' WHEN i % 11 = 0 THEN 'NOT_APPLICABLE' ELSE 'COMPLIANT' END,
				'DETECTIVE', '', 1700000000000, 1700000000000, 1700000000000, ''
			FROM generate_series(1, $3) AS r, generate_series(1, $4) AS i`,
			scope.AccountID, scope.Region, benchRules, benchResources)
		if benchErr != nil {
			return
		}
		_, benchErr = d.pool.Exec(ctx, `ANALYZE`)
		b.Logf("loaded %d evaluation results into schema %s in %s", benchRules*benchResources, name, time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatalf("load the benchmark data: %v", benchErr)
	}
	d, err := Open(context.Background(), benchURL)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return d
}

// benchRead runs fn in a Read per iteration.
func benchRead(b *testing.B, d *DB, fn func(ctx context.Context, tx configd.Tx) error) {
	b.Helper()
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if err := d.Read(ctx, func(tx configd.Tx) error { return fn(ctx, tx) }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCountComplianceByRule(b *testing.B) {
	d := loaded(b)
	benchRead(b, d, func(ctx context.Context, tx configd.Tx) error {
		cs, err := tx.CountCompliance(ctx, scope, configd.EvaluationFilter{}, true)
		if err == nil && len(cs) != benchRules {
			err = fmt.Errorf("%d groups, want %d", len(cs), benchRules)
		}
		return err
	})
}

func BenchmarkCountComplianceOfRule(b *testing.B) {
	d := loaded(b)
	benchRead(b, d, func(ctx context.Context, tx configd.Tx) error {
		_, err := tx.CountCompliance(ctx, scope, configd.EvaluationFilter{RuleNames: []string{"rule-07"}}, true)
		return err
	})
}

func BenchmarkCountComplianceByType(b *testing.B) {
	d := loaded(b)
	benchRead(b, d, func(ctx context.Context, tx configd.Tx) error {
		_, err := tx.CountCompliance(ctx, scope, configd.EvaluationFilter{}, false)
		return err
	})
}

func BenchmarkListResultsOfRule(b *testing.B) {
	// GetComplianceDetailsByConfigRule with a compliance filter, a page of
	// 100 in the middle.
	d := loaded(b)
	after := &configd.EvaluationCursor{RuleName: "rule-07", ResourceType: "AWS::EC2::Instance", ResourceID: "res-050000"}
	benchRead(b, d, func(ctx context.Context, tx configd.Tx) error {
		rs, err := tx.ListEvaluationResults(ctx, scope, configd.EvaluationFilter{RuleNames: []string{"rule-07"},
			ComplianceTypes: []string{configd.NonCompliant}}, after, 100)
		if err == nil && len(rs) != 100 {
			err = fmt.Errorf("%d results, want 100", len(rs))
		}
		return err
	})
}

func BenchmarkListResultsOfResource(b *testing.B) {
	// GetComplianceDetailsByResource: every rule's result for one resource.
	d := loaded(b)
	benchRead(b, d, func(ctx context.Context, tx configd.Tx) error {
		rs, err := tx.ListEvaluationResults(ctx, scope, configd.EvaluationFilter{ResourceType: "AWS::S3::Bucket", ResourceID: "res-012345"}, nil, 100)
		if err == nil && len(rs) != benchRules {
			err = fmt.Errorf("%d results, want %d", len(rs), benchRules)
		}
		return err
	})
}

func BenchmarkPutEvaluationResult(b *testing.B) {
	d := loaded(b)
	ctx := context.Background()
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		err := d.Write(ctx, func(tx configd.Tx) error {
			return tx.PutEvaluationResult(ctx, scope, &configd.EvaluationResult{RuleName: "rule-03", ResourceType: "AWS::S3::Bucket",
				ResourceID: fmt.Sprintf("res-%06d", i%benchResources), ComplianceType: configd.NonCompliant, EvaluationMode: "DETECTIVE"})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
