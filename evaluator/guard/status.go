package guard

import (
	"strings"
	"unicode/utf8"
)

// Status is the outcome of a clause, a rule or a whole policy.
type Status string

// The three outcomes Guard reports.
const (
	StatusPass Status = "PASS"
	StatusFail Status = "FAIL"
	StatusSkip Status = "SKIP"
)

// Compliance types AWS Config records for an evaluation
// (https://docs.aws.amazon.com/config/latest/APIReference/API_Evaluation.html).
const (
	Compliant     = "COMPLIANT"
	NonCompliant  = "NON_COMPLIANT"
	NotApplicable = "NOT_APPLICABLE"
)

// ComplianceType maps a Guard status to the compliance type AWS Config records
// for a custom policy rule: PASS is COMPLIANT, FAIL is NON_COMPLIANT and SKIP
// (or anything else) is NOT_APPLICABLE.
func (s Status) ComplianceType() string {
	switch s {
	case StatusPass:
		return Compliant
	case StatusFail:
		return NonCompliant
	}
	return NotApplicable
}

// Report is the result of evaluating a policy against one document.
type Report struct {
	// Status is FAIL if any rule failed, PASS if any passed and none failed,
	// and SKIP if every rule was skipped (or the policy has no rules).
	Status Status
	// Rules holds one result per rule, in the order of the policy text. Clauses
	// outside any named rule form a rule named "default", listed first.
	Rules []RuleResult
}

// RuleResult is the outcome of one named rule.
type RuleResult struct {
	Name   string
	Status Status
	// Messages explain a FAIL: the custom message (<< ... >>) of each failing
	// clause, or a generated description naming the query, the operator and
	// the value found. An evaluation error (for example EMPTY applied to a
	// number) fails the rule with a message starting "evaluation error:". Nil
	// unless Status is FAIL.
	Messages []string
}

// MaxAnnotationLength is the longest annotation AWS Config accepts on an
// evaluation (https://docs.aws.amazon.com/config/latest/APIReference/API_Evaluation.html).
const MaxAnnotationLength = 256

// Messages returns the messages of every failed rule, in rule order, without
// duplicates.
func (r *Report) Messages() []string {
	var out []string
	seen := map[string]bool{}
	for _, rule := range r.Rules {
		for _, m := range rule.Messages {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
	}
	return out
}

// Annotation joins the report's messages with "; " and cuts the result to
// MaxAnnotationLength bytes on a rune boundary, for use as the annotation of a
// NON_COMPLIANT evaluation. It is empty when no rule failed.
func (r *Report) Annotation() string {
	s := strings.Join(r.Messages(), "; ")
	if len(s) <= MaxAnnotationLength {
		return s
	}
	const ellipsis = "..."
	cut := MaxAnnotationLength - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
