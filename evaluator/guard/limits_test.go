package guard

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEvaluateGoValues(t *testing.T) {
	p, err := Parse("a == 1\nb.c IN ['x']\nd > 1.5\ne is_int")
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{"a": 1, "b": map[string]any{"c": "x"}, "d": json.Number("2.5"), "e": int64(3)}
	if rep := p.Evaluate(doc); rep.Status != pass {
		t.Fatalf("status = %s: %+v", rep.Status, rep.Rules)
	}
	if _, err := p.EvaluateJSON([]byte(`{"a": 1} x`)); err == nil {
		t.Fatal("EvaluateJSON accepted trailing data")
	}
	if _, err := p.EvaluateJSON([]byte(`{`)); err == nil {
		t.Fatal("EvaluateJSON accepted broken JSON")
	}
}

func TestStepBudgetBoundsPairwiseComparisons(t *testing.T) {
	l := make([]any, 3000)
	m := make([]any, 3000)
	for i := range l {
		l[i] = float64(i)
		m[i] = map[string]any{"k": float64(i), "v": []any{"x", "y"}}
	}
	doc := map[string]any{"l": l, "m": m}
	// Each clause compares every value of a 3000-value query with every value
	// of another: 9 million comparisons, far beyond the budget.
	for _, policy := range []string{
		"l[*] > l[*]",
		"l[*] != l[*]",
		"m[*] == m[*]",
		"m[*] IN m[*]",
		"let all = m[*]\n%all NOT IN m",
	} {
		t.Run("Err/"+policy, func(t *testing.T) {
			p, err := Parse(policy)
			if err != nil {
				t.Fatal(err)
			}
			rep := p.Evaluate(doc)
			if rep.Status != fail || !strings.Contains(strings.Join(rep.Messages(), ""), "step budget") {
				t.Fatalf("report = %+v", rep.Rules)
			}
		})
	}
}

func TestStepBudgetChargesLongStrings(t *testing.T) {
	policy := strings.Repeat("s != /needle/\n", 100)
	p, err := Parse(policy)
	if err != nil {
		t.Fatal(err)
	}
	rep := p.Evaluate(map[string]any{"s": strings.Repeat("hay ", 1<<18)})
	if rep.Status != fail || !strings.Contains(strings.Join(rep.Messages(), ""), "step budget") {
		t.Fatalf("report = %+v", rep.Rules)
	}
	// A short string passes the same 100 clauses well within the budget.
	if rep := p.Evaluate(map[string]any{"s": "hay"}); rep.Status != pass {
		t.Fatalf("report = %+v", rep.Rules)
	}
}

func TestMessagesAreCapped(t *testing.T) {
	l := make([]any, 500)
	for i := range l {
		l[i] = map[string]any{"a": float64(i), "b": "x"}
	}
	p, err := Parse("l[*] { a < 0\n b == 'y' }")
	if err != nil {
		t.Fatal(err)
	}
	rep := p.Evaluate(map[string]any{"l": l})
	if rep.Status != fail || len(rep.Rules[0].Messages) != maxRuleMessages {
		t.Fatalf("status %s with %d messages", rep.Status, len(rep.Rules[0].Messages))
	}
	if got := rep.Rules[0].Messages[0]; got != "a < 0: found 0 at /l/0/a" {
		t.Fatalf("first message = %q", got)
	}
}

func TestStepBudget(t *testing.T) {
	// Each clause walks every element of a large list: together they exceed
	// the budget, and the rule fails instead of running on.
	var b strings.Builder
	for i := 0; i < 40; i++ {
		b.WriteString("l[*] { this >= 0 }\n")
	}
	p, err := Parse(b.String())
	if err != nil {
		t.Fatal(err)
	}
	l := make([]any, 30000)
	for i := range l {
		l[i] = float64(i)
	}
	rep := p.Evaluate(map[string]any{"l": l})
	if rep.Status != fail || !strings.Contains(strings.Join(rep.Messages(), ""), "step budget") {
		t.Fatalf("report = %+v", rep.Rules)
	}
}

// TestConcurrentEvaluate evaluates one policy from many goroutines; run with
// -race it shows that evaluation never writes to the shared Policy.
func TestConcurrentEvaluate(t *testing.T) {
	p, err := Parse(securityGroupPolicy + "\n" + s3Policy + "\nlet x = configuration.ipPermissions[*]\nrule v { %x.fromPort >= 0 }")
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal([]byte(securityGroupCI), &doc); err != nil {
		t.Fatal(err)
	}
	want := p.Evaluate(doc)
	done := make(chan *Report)
	for i := 0; i < 8; i++ {
		go func() { done <- p.Evaluate(doc) }()
	}
	for i := 0; i < 8; i++ {
		if got := <-done; got.Status != want.Status || len(got.Rules) != len(want.Rules) {
			t.Fatalf("concurrent report %+v differs from %+v", got, want)
		}
	}
}
