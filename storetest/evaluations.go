package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/configd/configd"
)

// result returns an evaluation result with every field set.
func result(rule, typ, id, compliance string) *configd.EvaluationResult {
	return &configd.EvaluationResult{
		RuleName:              rule,
		ResourceType:          typ,
		ResourceID:            id,
		EvaluationMode:        configd.EvaluationModeDetective,
		ComplianceType:        compliance,
		Annotation:            "annotation of " + id,
		ResultRecordedTime:    minute(3),
		ConfigRuleInvokedTime: minute(2),
		OrderingTimestamp:     minute(1),
		ResultToken:           "token-" + rule + "-" + id,
	}
}

// resultKeys returns "rule type id" of each result.
func resultKeys(rs []*configd.EvaluationResult) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.RuleName + " " + r.ResourceType + " " + r.ResourceID
	}
	return out
}

// sorted returns a sorted copy of ss.
func sorted(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return out
}

var complianceTypes = []string{configd.Compliant, configd.NonCompliant, configd.NotApplicable, configd.InsufficientData}

// resultFixture stores a set of results with gaps, several rules, types and
// compliance types, ids shared by two types, and names that sort
// differently by byte than by letter ("R0" < "r1"). It returns them in
// (rule, type, id) order. Scope B gets the same keys with other compliance,
// so that a store that leaks across scopes fails the comparisons.
func resultFixture(t *testing.T, s configd.Store) []*configd.EvaluationResult {
	t.Helper()
	var out []*configd.EvaluationResult
	n := 0
	for _, rule := range []string{"r1", "R0", "r2", "r10"} {
		for _, typ := range []string{typeInstance, typeBucket, typeVolume} {
			for _, id := range []string{"x", "a", "B", "b", "c-1", "c-10", "c-2"} {
				n++
				if n%5 == 0 || (rule == "r10" && typ == typeBucket) {
					continue // gaps
				}
				out = append(out, result(rule, typ, id, complianceTypes[(n*7)%len(complianceTypes)]))
			}
		}
	}
	write(t, s, func(ctx context.Context, tx configd.Tx) error {
		for _, r := range out {
			must(t, "PutEvaluationResult", tx.PutEvaluationResult(ctx, scopeA, r))
			other := *r
			other.ComplianceType = configd.NonCompliant
			must(t, "PutEvaluationResult", tx.PutEvaluationResult(ctx, scopeB, &other))
		}
		// Another rule only in B.
		return tx.PutEvaluationResult(ctx, scopeB, result("b-only", typeInstance, "x", configd.Compliant))
	})
	slices.SortFunc(out, func(a, b *configd.EvaluationResult) int { return compareCursor(cursorOf(a), cursorOf(b)) })
	return out
}

func cursorOf(r *configd.EvaluationResult) configd.EvaluationCursor {
	return configd.EvaluationCursor{RuleName: r.RuleName, ResourceType: r.ResourceType, ResourceID: r.ResourceID}
}

func compareCursor(a, b configd.EvaluationCursor) int {
	if a.RuleName != b.RuleName {
		return cmpString(a.RuleName, b.RuleName)
	}
	if a.ResourceType != b.ResourceType {
		return cmpString(a.ResourceType, b.ResourceType)
	}
	return cmpString(a.ResourceID, b.ResourceID)
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// matches reports whether r matches f (the model of the filter).
func matches(r *configd.EvaluationResult, f configd.EvaluationFilter) bool {
	return (len(f.RuleNames) == 0 || slices.Contains(f.RuleNames, r.RuleName)) &&
		(f.ResourceType == "" || r.ResourceType == f.ResourceType) &&
		(f.ResourceID == "" || r.ResourceID == f.ResourceID) &&
		(len(f.ComplianceTypes) == 0 || slices.Contains(f.ComplianceTypes, r.ComplianceType))
}

// evaluationFilters is a set of filters covering every field alone and in
// combination.
var evaluationFilters = []configd.EvaluationFilter{
	{},
	{RuleNames: []string{"r2"}},
	{RuleNames: []string{"r2", "R0", "r2"}},
	{RuleNames: []string{"absent"}},
	{RuleNames: []string{"r10", "absent", "b-only"}},
	{ResourceType: typeBucket},
	{ResourceType: typeVolume},
	{ResourceType: "AWS::Absent::Type"},
	{ResourceType: typeInstance, ResourceID: "x"},
	{ResourceType: typeInstance, ResourceID: "absent"},
	{ResourceID: "B"},
	{ComplianceTypes: []string{configd.NonCompliant}},
	{ComplianceTypes: []string{configd.NonCompliant, configd.Compliant}},
	{ComplianceTypes: complianceTypes},
	{RuleNames: []string{"r1", "r2"}, ResourceType: typeInstance, ComplianceTypes: []string{configd.NonCompliant}},
	{RuleNames: []string{"r1", "r10"}, ResourceType: typeVolume, ComplianceTypes: []string{configd.Compliant, configd.NotApplicable}},
	{RuleNames: []string{"R0", "r1"}, ResourceType: typeInstance, ResourceID: "c-1", ComplianceTypes: []string{configd.Compliant, configd.NonCompliant, configd.InsufficientData}},
	{ResourceID: "x", ComplianceTypes: []string{configd.NotApplicable}},
}

// listResults runs ListEvaluationResults.
func listResults(t *testing.T, s configd.Store, scope configd.Scope, f configd.EvaluationFilter, after *configd.EvaluationCursor, limit int) []*configd.EvaluationResult {
	t.Helper()
	var out []*configd.EvaluationResult
	read(t, s, func(ctx context.Context, tx configd.Tx) error {
		var err error
		out, err = tx.ListEvaluationResults(ctx, scope, f, after, limit)
		must(t, "ListEvaluationResults", err)
		return nil
	})
	return out
}

// countModel counts want like CountCompliance.
func countModel(all []*configd.EvaluationResult, f configd.EvaluationFilter, byRule bool) []configd.ComplianceCount {
	groups := map[string]map[string]int{}
	for _, r := range all {
		if !matches(r, f) {
			continue
		}
		g := r.ResourceType
		if byRule {
			g = r.RuleName
		}
		if groups[g] == nil {
			groups[g] = map[string]int{}
		}
		groups[g][r.ComplianceType]++
	}
	out := []configd.ComplianceCount{}
	for g, c := range groups {
		out = append(out, configd.ComplianceCount{Group: g, Counts: c})
	}
	slices.SortFunc(out, func(a, b configd.ComplianceCount) int { return cmpString(a.Group, b.Group) })
	return out
}

// checkCounts compares CountCompliance with the model for every filter.
func checkCounts(t *testing.T, s configd.Store, all []*configd.EvaluationResult) {
	t.Helper()
	read(t, s, func(ctx context.Context, tx configd.Tx) error {
		for _, f := range evaluationFilters {
			for _, byRule := range []bool{true, false} {
				got, err := tx.CountCompliance(ctx, scopeA, f, byRule)
				must(t, "CountCompliance", err)
				if got == nil {
					got = []configd.ComplianceCount{}
				}
				wantEqual(t, fmt.Sprintf("CountCompliance(%+v, byRule %v)", f, byRule), got, countModel(all, f, byRule))
			}
		}
		return nil
	})
}

var evaluationTests = []test{
	{"OK", func(t *testing.T, s configd.Store) {
		e := result("r", typeInstance, "i-1", configd.NonCompliant)
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetEvaluationResult(ctx, scopeA, "r", keyI1)
			must(t, "GetEvaluationResult", err)
			wantEqual(t, "absent result", got, (*configd.EvaluationResult)(nil))
			must(t, "PutEvaluationResult", tx.PutEvaluationResult(ctx, scopeA, e))
			got, err = tx.GetEvaluationResult(ctx, scopeA, "r", keyI1)
			must(t, "GetEvaluationResult", err)
			wantEqual(t, "result in the same transaction", got, e)
			return nil
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetEvaluationResult(ctx, scopeA, "r", keyI1)
			must(t, "GetEvaluationResult", err)
			wantEqual(t, "result", got, e)
			got, err = tx.GetEvaluationResult(ctx, scopeA, "r", keyI2)
			must(t, "GetEvaluationResult", err)
			wantEqual(t, "result of another resource", got, (*configd.EvaluationResult)(nil))
			got, err = tx.GetEvaluationResult(ctx, scopeA, "other", keyI1)
			must(t, "GetEvaluationResult", err)
			wantEqual(t, "result of another rule", got, (*configd.EvaluationResult)(nil))
			return nil
		})
		// Replacing keeps one result per (rule, resource); zero times stay zero.
		e2 := &configd.EvaluationResult{RuleName: "r", ResourceType: typeInstance, ResourceID: "i-1", ComplianceType: configd.Compliant}
		write(t, s, func(ctx context.Context, tx configd.Tx) error { return tx.PutEvaluationResult(ctx, scopeA, e2) })
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetEvaluationResult(ctx, scopeA, "r", keyI1)
			must(t, "GetEvaluationResult", err)
			wantEqual(t, "replaced result", got, e2)
			all, err := tx.ListEvaluationResults(ctx, scopeA, configd.EvaluationFilter{}, nil, 0)
			must(t, "ListEvaluationResults", err)
			wantEqual(t, "results after replace", all, []*configd.EvaluationResult{e2})
			return nil
		})
	}},
	{"ListModel", func(t *testing.T, s configd.Store) {
		all := resultFixture(t, s)
		for _, f := range evaluationFilters {
			var want []*configd.EvaluationResult
			for _, r := range all {
				if matches(r, f) {
					want = append(want, r)
				}
			}
			name := fmt.Sprintf("%+v", f)
			got := listResults(t, s, scopeA, f, nil, 0)
			if !slices.EqualFunc(got, want, func(a, b *configd.EvaluationResult) bool { return *a == *b }) {
				t.Errorf("filter %s:\n got %v\nwant %v", name, resultKeys(got), resultKeys(want))
				continue
			}
			// Paging with every page size visits the same results.
			for _, size := range []int{1, 2, 3, 7, 1000} {
				var paged []*configd.EvaluationResult
				var after *configd.EvaluationCursor
				for pages := 0; pages <= len(want)+1; pages++ {
					page := listResults(t, s, scopeA, f, after, size)
					if len(page) > size {
						t.Fatalf("filter %s: page of %d results with limit %d", name, len(page), size)
					}
					if len(page) == 0 {
						break
					}
					paged = append(paged, page...)
					c := cursorOf(page[len(page)-1])
					after = &c
				}
				wantEqual(t, fmt.Sprintf("filter %s, pages of %d", name, size), resultKeys(paged), resultKeys(want))
			}
		}
	}},
	{"ListCursor", func(t *testing.T, s configd.Store) {
		all := resultFixture(t, s)
		// Cursors between, before and after existing keys.
		for _, c := range []configd.EvaluationCursor{
			{},
			{RuleName: "R0"},
			{RuleName: "r1", ResourceType: typeBucket, ResourceID: "b0"},
			{RuleName: "r1", ResourceType: typeInstance},
			{RuleName: "r1", ResourceType: "AWS::EC2::Z", ResourceID: "a"},
			{RuleName: "r10", ResourceType: typeVolume, ResourceID: "x"},
			{RuleName: "r15"},
			{RuleName: "zzz"},
		} {
			for _, f := range evaluationFilters {
				var want []string
				for _, r := range all {
					if matches(r, f) && compareCursor(cursorOf(r), c) > 0 {
						want = append(want, resultKeys([]*configd.EvaluationResult{r})[0])
					}
				}
				if want == nil {
					want = []string{}
				}
				wantEqual(t, fmt.Sprintf("filter %+v after %+v", f, c), resultKeys(listResults(t, s, scopeA, f, &c, 0)), want)
			}
		}
	}},
	{"Counts", func(t *testing.T, s configd.Store) {
		all := resultFixture(t, s)
		checkCounts(t, s, all)
		// Changing compliance moves a result from one count to another;
		// replacing with the same compliance changes nothing.
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			for i, r := range all {
				if i%3 == 0 {
					r.ComplianceType = complianceTypes[(i/3)%len(complianceTypes)]
					r.Annotation = "changed"
					must(t, "PutEvaluationResult", tx.PutEvaluationResult(ctx, scopeA, r))
				}
			}
			return nil
		})
		checkCounts(t, s, all)
		// Deleting a rule's results removes its counts, in its scope only.
		write(t, s, func(ctx context.Context, tx configd.Tx) error { return tx.DeleteEvaluationResults(ctx, scopeA, "r1") })
		all = slices.DeleteFunc(all, func(r *configd.EvaluationResult) bool { return r.RuleName == "r1" })
		checkCounts(t, s, all)
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			cs, err := tx.CountCompliance(ctx, scopeB, configd.EvaluationFilter{RuleNames: []string{"r1"}}, true)
			must(t, "CountCompliance", err)
			if len(cs) != 1 || cs[0].Group != "r1" || len(cs[0].Counts) != 1 || cs[0].Counts[configd.NonCompliant] == 0 {
				t.Errorf("counts of r1 in B after deleting in A: %+v", cs)
			}
			return nil
		})
		wantEqual(t, "results of r1 after delete", len(listResults(t, s, scopeA, configd.EvaluationFilter{RuleNames: []string{"r1"}}, nil, 0)), 0)
		wantEqual(t, "results of r1 in B", len(listResults(t, s, scopeB, configd.EvaluationFilter{RuleNames: []string{"r1"}}, nil, 0)) > 0, true)
	}},
	{"CountRolledBack", func(t *testing.T, s configd.Store) {
		all := resultFixture(t, s)
		err := s.Write(context.Background(), func(tx configd.Tx) error {
			ctx := context.Background()
			for _, r := range all {
				c := *r
				c.ComplianceType = configd.NotApplicable
				must(t, "PutEvaluationResult", tx.PutEvaluationResult(ctx, scopeA, &c))
			}
			must(t, "DeleteEvaluationResults", tx.DeleteEvaluationResults(ctx, scopeA, "r2"))
			return errSentinel
		})
		if err != errSentinel {
			t.Fatalf("Write: %v", err)
		}
		checkCounts(t, s, all)
	}},
}
