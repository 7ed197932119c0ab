package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"github.com/configd/configd"
	"github.com/jackc/pgx/v5"
)

var complianceTypes = []string{configd.Compliant, configd.NonCompliant, configd.NotApplicable, configd.InsufficientData}

// checkCounts compares CountCompliance, for several filters and both
// groupings, with a count of the rows of evaluation_results.
func checkCounts(t *testing.T, d *DB, what string) {
	t.Helper()
	ctx := context.Background()
	filters := []configd.EvaluationFilter{
		{},
		{RuleNames: []string{"r1", "r3"}},
		{ResourceType: "AWS::S3::Bucket"},
		{ComplianceTypes: []string{configd.NonCompliant}},
		{RuleNames: []string{"r2"}, ResourceType: "AWS::EC2::Instance", ComplianceTypes: []string{configd.Compliant, configd.NotApplicable}},
	}
	for _, f := range filters {
		for _, byRule := range []bool{true, false} {
			var got, want []configd.ComplianceCount
			err := d.Read(ctx, func(tx configd.Tx) error {
				var err error
				if got, err = tx.CountCompliance(ctx, scope, f, byRule); err != nil {
					return err
				}
				// The same query over the results themselves.
				want, err = tx.(*txType).countResultRows(ctx, scope, f, byRule)
				return err
			})
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: CountCompliance(%+v, byRule=%v)\n got %v\nwant %v", what, f, byRule, got, want)
			}
		}
	}
}

// txType names the store's transaction type in tests, where tx is often a
// variable.
type txType = tx

// countResultRows counts evaluation_results rows directly.
func (t *tx) countResultRows(ctx context.Context, scope configd.Scope, f configd.EvaluationFilter, byRule bool) ([]configd.ComplianceCount, error) {
	where, args := evaluationWhere(scope, f)
	group := "resource_type"
	if byRule {
		group = "rule_name"
	}
	type row struct {
		group, compliance string
		n                 int
	}
	rows, err := collect(ctx, t, `SELECT `+group+`, compliance_type, count(*) FROM evaluation_results`+where+` GROUP BY 1, 2 ORDER BY 1, 2`, args,
		func(r pgx.Rows) (row, error) {
			var v row
			err := r.Scan(&v.group, &v.compliance, &v.n)
			return v, err
		})
	if err != nil {
		return nil, err
	}
	var out []configd.ComplianceCount
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Group != r.group {
			out = append(out, configd.ComplianceCount{Group: r.group, Counts: map[string]int{}})
		}
		out[len(out)-1].Counts[r.compliance] = r.n
	}
	return out, nil
}

// putResults writes results of rules r0..r4 on n resources with random
// compliance, in one transaction.
func putResults(t *testing.T, d *DB, rng *rand.Rand, n int) {
	t.Helper()
	ctx := context.Background()
	err := d.Write(ctx, func(tx configd.Tx) error {
		for range n {
			typ := []string{"AWS::S3::Bucket", "AWS::EC2::Instance"}[rng.IntN(2)]
			if err := tx.PutEvaluationResult(ctx, scope, &configd.EvaluationResult{
				RuleName: fmt.Sprint("r", rng.IntN(5)), ResourceType: typ, ResourceID: fmt.Sprint("res-", rng.IntN(40)),
				ComplianceType: complianceTypes[rng.IntN(len(complianceTypes))], EvaluationMode: configd.EvaluationModeDetective,
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestComplianceCounts(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	write := func(fn func(tx configd.Tx) error) {
		t.Helper()
		if err := d.Write(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	rollup := func() {
		t.Helper()
		if _, err := d.rollup(ctx); err != nil {
			t.Fatalf("rollup: %v", err)
		}
	}
	putResults(t, d, rng, 150)
	checkCounts(t, d, "new results, deltas only")
	rollup()
	checkCounts(t, d, "after a rollup")
	putResults(t, d, rng, 150) // mostly replacing results, many with another compliance
	checkCounts(t, d, "replaced results")
	write(func(tx configd.Tx) error { return tx.DeleteEvaluationResults(ctx, scope, "r1") })
	checkCounts(t, d, "results of a rule deleted")
	rollup()
	checkCounts(t, d, "after a second rollup")
	var deltas, counts int
	if err := d.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM compliance_deltas), (SELECT count(*) FROM compliance_counts WHERE n <= 0)`).Scan(&deltas, &counts); err != nil {
		t.Fatal(err)
	}
	if deltas != 0 || counts != 0 {
		t.Errorf("after a rollup: %d deltas left, %d counters at zero or below; want none", deltas, counts)
	}
	// A rolled-back transaction leaves no delta behind.
	_ = d.Write(ctx, func(tx configd.Tx) error {
		tx.PutEvaluationResult(ctx, scope, &configd.EvaluationResult{RuleName: "r0", ResourceType: "AWS::S3::Bucket", ResourceID: "gone", ComplianceType: configd.Compliant})
		return errSentinel
	})
	checkCounts(t, d, "after a rollback")
	if err := d.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, d, "after Reset")
	rollup()
	if err := d.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM compliance_deltas), (SELECT count(*) FROM compliance_counts)`).Scan(&deltas, &counts); err != nil {
		t.Fatal(err)
	}
	if deltas != 0 || counts != 0 {
		t.Errorf("after Reset: %d deltas, %d counters; want none", deltas, counts)
	}
}

var errSentinel = fmt.Errorf("roll back")

func TestComplianceCountsConcurrent(t *testing.T) {
	// Writers in two processes, with rollups running among them (every
	// rollupEvery commits, and by hand): no change is lost or counted twice.
	dbs := twoPools(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range 40 {
				putResults(t, dbs[w%2], rng, 1+rng.IntN(5))
				if i%10 == 0 {
					if _, err := dbs[w%2].rollup(ctx); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	checkCounts(t, dbs[0], "after concurrent writes")
	for _, d := range dbs {
		if _, err := d.rollup(ctx); err != nil {
			t.Fatal(err)
		}
	}
	checkCounts(t, dbs[1], "after the last rollups")
}
