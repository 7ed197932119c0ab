package guard

import (
	"strings"
	"testing"
)

// evalCase evaluates policy against the JSON document doc.
type evalCase struct {
	name   string
	policy string
	doc    string
	want   Status
	// msg, when set, must be a substring of one of the report's messages.
	msg string
}

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Helper()
			p, err := Parse(tc.policy)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			rep, err := p.EvaluateJSON([]byte(tc.doc))
			if err != nil {
				t.Fatalf("EvaluateJSON: %v", err)
			}
			if rep.Status != tc.want {
				t.Fatalf("status = %s, want %s; report %+v", rep.Status, tc.want, rep.Rules)
			}
			if tc.msg != "" && !strings.Contains(strings.Join(rep.Messages(), "\n"), tc.msg) {
				t.Fatalf("messages %q do not contain %q", rep.Messages(), tc.msg)
			}
			if tc.want != StatusFail && len(rep.Messages()) != 0 {
				t.Fatalf("a %s report has messages %q", tc.want, rep.Messages())
			}
		})
	}
}

const (
	pass = StatusPass
	fail = StatusFail
	skip = StatusSkip
)

func TestUnaryOperators(t *testing.T) {
	doc := `{"s": "x", "e": "", "l": [1, 2], "el": [], "m": {"a": 1}, "em": {}, "i": 5, "f": 5.5, "b": false, "n": null}`
	runEvalCases(t, []evalCase{
		{"OK/ExistsPresent", `s exists`, doc, pass, ""},
		{"OK/ExistsNull", `n exists`, doc, pass, ""},
		{"ErrExistsMissing", `missing exists`, doc, fail, `"missing" not found at /`},
		{"OK/NotExistsMissing", `missing !exists`, doc, pass, ""},
		{"OK/NotKeywordExistsMissing", `missing not exists`, doc, pass, ""},
		{"OK/LeadingNotExists", `not missing exists`, doc, pass, ""},
		{"ErrLeadingBangExists", `!s exists`, doc, fail, "found"},
		{"OK/UppercaseOperator", `s EXISTS`, doc, pass, ""},
		{"OK/EmptyString", `e empty`, doc, pass, ""},
		{"OK/EmptyList", `el empty`, doc, pass, ""},
		{"OK/EmptyStruct", `em empty`, doc, pass, ""},
		{"OK/EmptyMissing", `missing empty`, doc, pass, ""},
		{"ErrEmptyNonEmptyList", `l empty`, doc, fail, ""},
		{"OK/NotEmptyList", `l !empty`, doc, pass, ""},
		{"ErrNotEmptyMissing", `missing not empty`, doc, fail, ""},
		{"OK/NotEmptyBool", `b !empty`, doc, pass, ""},
		{"ErrEmptyOnNumber", `i empty`, doc, fail, "evaluation error: EMPTY cannot be applied to int at /i"},
		{"ErrEmptyOnNull", `n !empty`, doc, fail, "evaluation error"},
		{"OK/IsString", `s is_string`, doc, pass, ""},
		{"ErrIsStringOnInt", `i is_string`, doc, fail, "found 5 at /i"},
		{"OK/IsList", `l is_list`, doc, pass, ""},
		{"OK/IsStruct", `m is_struct`, doc, pass, ""},
		{"OK/IsBool", `b IS_BOOL`, doc, pass, ""},
		{"OK/IsInt", `i is_int`, doc, pass, ""},
		{"ErrIsIntOnFloat", `f is_int`, doc, fail, ""},
		{"OK/IsFloat", `f is_float`, doc, pass, ""},
		{"OK/IsNull", `n is_null`, doc, pass, ""},
		{"OK/NotIsNull", `s !is_null`, doc, pass, ""},
		{"ErrIsStringMissing", `missing is_string`, doc, fail, ""},
		{"OK/NotIsStringMissing", `missing not is_string`, doc, pass, ""},
		{"OK/EachListValue", `l[*] is_int`, doc, pass, ""},
		{"ErrEachListValue", `l[*] is_string`, doc, fail, "found 1 at /l/0"},
		{"OK/SomeListValue", `some l[*] == 2`, doc, pass, ""},
	})
}

func TestFloatLiteralKeepsItsKind(t *testing.T) {
	runEvalCases(t, []evalCase{
		{"OK/JSONNumberWithFraction", `f is_float`, `{"f": 1.0}`, pass, ""},
		{"OK/LiteralFloat", "let x = 1.0\n%x is_float", `{}`, pass, ""},
		{"OK/LiteralInt", "let x = 1\n%x is_int", `{}`, pass, ""},
	})
}

func TestEmptySelection(t *testing.T) {
	tmpl := `{"Resources": {"a": {"Type": "AWS::S3::Bucket", "Properties": {"x": 1}}}}`
	runEvalCases(t, []evalCase{
		// A filter that selects nothing gives no values: comparisons SKIP.
		{"OK/FilterNoMatchSkips", `Resources.*[ Type == 'AWS::SQS::Queue' ].Properties.x == 1`, tmpl, skip, ""},
		{"OK/FilterNoMatchUnarySkips", `Resources.*[ Type == 'AWS::SQS::Queue' ].Properties exists`, tmpl, skip, ""},
		{"OK/FilterMatch", `Resources.*[ Type == 'AWS::S3::Bucket' ].Properties.x == 1`, tmpl, pass, ""},
		// EMPTY on a filter asks whether it selected anything.
		{"OK/FilterEmpty", `Resources.*[ Type == 'AWS::SQS::Queue' ] empty`, tmpl, pass, ""},
		{"ErrFilterNotEmpty", `Resources.*[ Type == 'AWS::SQS::Queue' ] !empty`, tmpl, fail, "selected no values"},
		{"OK/FilterNotEmpty", `Resources.*[ Type == 'AWS::S3::Bucket' ] !empty`, tmpl, pass, ""},
		{"OK/VariableEmpty", "let q = Resources.*[ Type == 'AWS::SQS::Queue' ]\n%q empty", tmpl, pass, ""},
		{"OK/WhenVariableNotEmptySkips", "let q = Resources.*[ Type == 'AWS::SQS::Queue' ]\nwhen %q !empty { %q.Properties.x == 2 }", tmpl, skip, ""},
		// A bare variable holding a value is not empty, even an empty list.
		{"ErrVariableHoldingEmptyList", "let q = l\n%q empty", `{"l": []}`, fail, ""},
		// Missing keys are retrieval errors, not empty selections: they fail.
		{"ErrMissingResources", `Resources.*.Properties.x == 1`, `{}`, fail, `"Resources" not found`},
		{"ErrEmptyResources", `Resources.*.Properties.x == 1`, `{"Resources": {}}`, fail, "no entries in the empty struct at /Resources"},
		{"ErrAllIndicesOnEmptyList", `tags[*].key == "a"`, `{"tags": []}`, fail, "no entries in the empty list at /tags"},
		// A list compared with a scalar compares each element, so no elements pass.
		{"OK/EmptyListAgainstScalar", `tags == "a"`, `{"tags": []}`, pass, ""},
		// A variable whose filter selected nothing makes a comparison SKIP, as
		// Guard's engine does (its troubleshooting page describes FAIL).
		{"OK/EmptyVariableLHSSkips", "let v = Resources.*[ Type == 'X' ]\n%v.Properties.x == 1", tmpl, skip, ""},
		// A variable whose query selected nothing on the right-hand side SKIPs.
		{"OK/EmptyRHSSkips", "let q = Resources.*[ Type == 'X' ]\nResources.a.Type == %q", tmpl, skip, ""},
	})
}

func TestBinaryOperators(t *testing.T) {
	doc := `{"s": "abc", "n": 5, "f": 5.5, "b": true, "z": null, "l": ["x", "y"], "xx": ["x", "x"],
		"nums": [6, 7], "mixed": [6, 4], "m": {"a": 1, "b": [1, 2]}, "t": "t2.micro", "five": 5.0,
		"other": "abc", "ol": ["y", "x"]}`
	runEvalCases(t, []evalCase{
		{"OK/EqString", `s == "abc"`, doc, pass, ""},
		{"ErrEqString", `s == "abd"`, doc, fail, `s == "abd": found "abc" at /s`},
		{"OK/NeString", `s != 'abd'`, doc, pass, ""},
		{"OK/EqInt", `n == 5`, doc, pass, ""},
		{"OK/EqIntAgainstFloat", `five == 5`, doc, pass, ""},
		{"OK/EqFloat", `f == 5.5`, doc, pass, ""},
		{"OK/EqBool", `b == true`, doc, pass, ""},
		{"OK/EqBoolTitle", `b == True`, doc, pass, ""},
		{"OK/EqNull", `z == null`, doc, pass, ""},
		{"OK/EqStruct", `m == {a: 1, "b": [1, 2]}`, doc, pass, ""},
		{"ErrEqStruct", `m == {a: 1}`, doc, fail, ""},
		// Values of different kinds do not compare: both == and != fail.
		{"ErrEqStringInt", `s == 5`, doc, fail, `"abc" at /s cannot be compared with 5`},
		{"ErrNeStringInt", `s != 5`, doc, fail, "cannot be compared"},
		{"ErrNeNull", `s != null`, doc, fail, "cannot be compared"},
		{"ErrEqMissing", `missing == 1`, doc, fail, `"missing" not found`},
		{"ErrNeMissing", `missing != 1`, doc, fail, `"missing" not found`},
		{"OK/Regex", `s == /^ab/`, doc, pass, ""},
		{"OK/RegexCaseInsensitive", `s != /(?i)ABD/`, doc, pass, ""},
		{"ErrRegex", `s == /^b/`, doc, fail, ""},
		{"OK/RegexEscapedSlash", `p == /^a\/b$/`, `{"p": "a/b"}`, pass, ""},
		{"OK/In", `s IN ["abc", "def"]`, doc, pass, ""},
		{"ErrIn", `s in ["def"]`, doc, fail, `"abc" at /s has no match`},
		{"OK/NotIn", `s NOT IN ["def"]`, doc, pass, ""},
		{"ErrNotIn", `s not in ["abc"]`, doc, fail, ""},
		{"OK/BangIn", `s !IN ["def"]`, doc, pass, ""},
		{"OK/InRegexList", `t IN [/^t2\./, "m5.large"]`, doc, pass, ""},
		{"OK/InMixedKindsList", `n IN ["5", 5]`, doc, pass, ""},
		{"OK/InString", `s IN "xabcx"`, doc, pass, ""},
		{"ErrInString", `s IN "ab"`, doc, fail, ""},
		{"OK/EqSingleElementList", `s == ["abc"]`, doc, pass, ""},
		{"ErrEqMultiElementList", `s == ["abc", "d"]`, doc, fail, "cannot be compared"},
		{"OK/ListEqScalarEachElement", `xx == "x"`, doc, pass, ""},
		{"ErrListEqScalarEachElement", `l == "x"`, doc, fail, `found "y" at /l/1`},
		{"OK/ListEqList", `l == ["x", "y"]`, doc, pass, ""},
		{"ErrListEqListOrder", `l == ["y", "x"]`, doc, fail, ""},
		{"OK/ListInList", `l IN ["x", "y", "z"]`, doc, pass, ""},
		{"ErrListInList", `l IN ["x", "z"]`, doc, fail, ""},
		{"OK/ListNotInList", `l NOT IN ["v", "w"]`, doc, pass, ""},
		{"ErrListNotInList", `l NOT IN ["x", "w"]`, doc, fail, ""},
		{"OK/ListInListOfLists", `l IN [["x", "y"], ["z"]]`, doc, pass, ""},
		{"OK/Gt", `n > 4`, doc, pass, ""},
		{"ErrGt", `n > 5`, doc, fail, "found 5 at /n"},
		{"OK/Ge", `n >= 5`, doc, pass, ""},
		{"OK/Lt", `n < 5.5`, doc, pass, ""},
		{"OK/Le", `f <= 5.5`, doc, pass, ""},
		{"OK/GtStrings", `s > "abb"`, doc, pass, ""},
		{"OK/GtListEachElement", `nums > 5`, doc, pass, ""},
		{"ErrGtListEachElement", `mixed > 5`, doc, fail, "found 4 at /mixed/1"},
		{"ErrGtNotComparable", `s > 5`, doc, fail, "cannot be compared"},
		{"OK/NotGt", `not n > 5`, doc, pass, ""},
		{"OK/LeadingNotEq", `not s == "x"`, doc, pass, ""},
		{"ErrLeadingNotNe", `not s != "x"`, doc, fail, ""},
		{"OK/RangeClosedOpen", `n IN r[5, 10)`, doc, pass, ""},
		{"ErrRangeOpenLow", `n IN r(5, 10]`, doc, fail, ""},
		{"OK/RangeUpperInclusive", `n IN r(1, 5]`, doc, pass, ""},
		{"ErrRangeUpperExclusive", `n IN r(1, 5)`, doc, fail, ""},
		{"OK/RangeFloat", `f IN r[5.0, 6.0]`, doc, pass, ""},
		{"OK/RangeNotIn", `n NOT IN r[6, 10]`, doc, pass, ""},
		{"OK/RangeChar", `c IN r[a, f]`, `{"c": "b"}`, pass, ""},
		{"OK/RangeNegative", `v IN r[-10, -1]`, `{"v": -5}`, pass, ""},
		{"OK/QueryEqQuery", `s == other`, doc, pass, ""},
		{"ErrQueryEqQuery", `s == n`, doc, fail, ""},
		{"OK/QueryNeQuery", `s != t`, doc, pass, ""},
		{"ErrQueryNeQuery", `s != other`, doc, fail, ""},
		{"OK/QuerySetsEqual", `l[*] == ol[*]`, doc, pass, ""},
		{"OK/QueryInQueryList", `t IN allowed`, `{"t": "a", "allowed": ["a", "b"]}`, pass, ""},
		{"ErrQueryInQueryList", `t IN allowed`, `{"t": "c", "allowed": ["a", "b"]}`, fail, ""},
		{"OK/QueryInQueryValues", `t IN allowed[*]`, `{"t": "b", "allowed": ["a", "b"]}`, pass, ""},
		{"ErrRHSUnresolved", `s == missing`, doc, fail, "the right-hand side did not resolve"},
		{"OK/LiteralVariable", "let x = 5\n%x == 5", doc, pass, ""},
		{"OK/LiteralVariableRHS", "let allowed = ['abc', 'def']\ns IN %allowed", doc, pass, ""},
		{"OK/AssignColonEquals", "let x := 5\nn == %x", doc, pass, ""},
		{"OK/LiteralLHSAgainstQuery", "let x = 'x'\n%x IN l", doc, pass, ""},
		{"OK/LiteralListInQuery", "let want = ['x']\n%want IN l[*]", doc, pass, ""},
		{"ErrLiteralListInQuery", "let want = ['x', 'q']\n%want IN l[*]", doc, fail, `"q" in the policy has no match`},
	})
}

func TestConjunctionsAndDisjunctions(t *testing.T) {
	doc := `{"a": 1, "b": 2}`
	runEvalCases(t, []evalCase{
		{"OK/Conjunction", "a == 1\nb == 2", doc, pass, ""},
		{"ErrConjunction", "a == 1\nb == 3", doc, fail, "b == 3"},
		{"OK/Or", "a == 2 or a == 1", doc, pass, ""},
		{"OK/OR", "a == 2 OR\na == 1", doc, pass, ""},
		{"OK/PipeOR", "a == 2 |OR| a == 1", doc, pass, ""},
		{"ErrOr", "a == 2 or a == 3", doc, fail, "a == 3"},
		{"OK/CNF", "a == 2 or a == 1\nb == 2 or b == 5", doc, pass, ""},
		{"ErrCNF", "a == 2 or a == 1\nb == 4 or b == 5", doc, fail, ""},
		// A skipped clause neither passes nor fails a conjunction.
		{"OK/SkipAndPass", "x[ y == 1 ].z == 1\na == 1", `{"a": 1, "x": [{"y": 2}]}`, pass, ""},
		{"OK/AllSkip", "x[ y == 1 ].z == 1", `{"x": [{"y": 2}]}`, skip, ""},
		{"ErrSkipOrFail", "x[ y == 1 ].z == 1 or a == 5", `{"a": 1, "x": [{"y": 2}]}`, fail, ""},
		{"OK/CommentsEverywhere", "# leading\na == 1 # trailing\n# between\nb == 2", doc, pass, ""},
		{"OK/MultiLineClause", "a\n  ==\n  1", doc, pass, ""},
	})
}

func TestWhenAndRules(t *testing.T) {
	doc := `{"resourceType": "AWS::S3::Bucket", "a": 1}`
	runEvalCases(t, []evalCase{
		{"OK/RuleWhenHolds", `rule r when resourceType == "AWS::S3::Bucket" { a == 1 }`, doc, pass, ""},
		{"OK/RuleWhenNotHoldsSkips", `rule r when resourceType == "AWS::EC2::Instance" { a == 2 }`, doc, skip, ""},
		{"OK/RuleWhenUnresolvedSkips", `rule r when missing == 1 { a == 2 }`, doc, skip, ""},
		{"ErrRuleWhenHolds", `rule r WHEN a exists { a == 2 }`, doc, fail, "a == 2"},
		{"OK/WhenBlock", "when a == 2 { a == 3 }\na == 1", doc, pass, ""},
		{"OK/WhenBlockInRule", "rule r { when a == 1 { a == 1 } }", doc, pass, ""},
		{"OK/WhenConjunction", "rule r when a == 1\n resourceType exists { a == 1 }", doc, pass, ""},
		{"OK/WhenDisjunction", "rule r when a == 5 or a == 1 { a == 1 }", doc, pass, ""},
		{"OK/WhenOnRuleSkipped", "rule base { a == 2 }\nrule r when base { a == 3 }\nrule ok { a == 1 }", doc, fail, "a == 2"},
		{"OK/RuleRef", "rule base { a == 1 }\nrule r { base }", doc, pass, ""},
		{"ErrRuleRef", "rule base { a == 2 }\nrule r { base }", doc, fail, "rule base did not pass (FAIL)"},
		{"OK/NotRuleRef", "rule base { a == 2 }\nrule r { not base }\nrule s { !base }", doc, fail, ""},
		{"ErrRuleRefSkipped", "rule base when a == 2 { a == 1 }\nrule r { base }", doc, fail, "rule base did not pass (SKIP)"},
		{"OK/NotRuleRefSkipped", "rule base when a == 2 { a == 1 }\nrule r { not base }", doc, pass, ""},
		{"ErrRuleRefMessage", "rule base { a == 2 }\nrule r { base << base must hold >> }", doc, fail, "base must hold"},
		{"OK/RuleRefOr", "rule x { a == 2 }\nrule y { a == 1 }\nrule r { x or y }", doc, fail, ""},
		{"ErrUndefinedRule", "rule r { nothere }", doc, fail, "evaluation error: rule nothere is not defined"},
		{"ErrCyclicRules", "rule a1 { b1 }\nrule b1 { a1 }", doc, fail, "refers to itself"},
		{"OK/DuplicateNameFirstNotSkipped", "rule d when a == 2 { a == 5 }\nrule d { a == 1 }\nrule r { d }", doc, pass, ""},
		{"OK/EmptyPolicy", "# nothing", doc, skip, ""},
	})
}

func TestRuleResults(t *testing.T) {
	p, err := Parse("a == 1\nrule x { a == 2 << a is not two >> }\nrule y when a == 5 { a exists }\nrule z { a == 1 }")
	if err != nil {
		t.Fatal(err)
	}
	rep := p.Evaluate(map[string]any{"a": 1.0})
	want := []RuleResult{
		{Name: "default", Status: pass},
		{Name: "x", Status: fail, Messages: []string{"a is not two"}},
		{Name: "y", Status: skip},
		{Name: "z", Status: pass},
	}
	if len(rep.Rules) != len(want) {
		t.Fatalf("rules = %+v", rep.Rules)
	}
	for i, w := range want {
		g := rep.Rules[i]
		if g.Name != w.Name || g.Status != w.Status || strings.Join(g.Messages, "|") != strings.Join(w.Messages, "|") {
			t.Errorf("rule %d = %+v, want %+v", i, g, w)
		}
	}
	if rep.Status != fail {
		t.Errorf("status = %s", rep.Status)
	}
	if got := p.RuleNames(); strings.Join(got, ",") != "default,x,y,z" {
		t.Errorf("RuleNames = %v", got)
	}
}

func TestVariables(t *testing.T) {
	doc := `{"ports": [22, 80], "items": [{"a": 1}, {"b": 2}], "target": {"fromPort": 20, "toPort": 30}}`
	runEvalCases(t, []evalCase{
		{"OK/FileQuery", "let p = ports[*]\n%p > 10", doc, pass, ""},
		{"ErrFileQuery", "let p = ports[*]\n%p > 30", doc, fail, "found 22 at /ports/0"},
		{"OK/RuleScope", "rule r { let p = ports[*]\n %p < 100 }", doc, pass, ""},
		{"OK/DottedEachValue", "let i = items[*]\n%i.a == 1 or %i.b == 2", doc, fail, ""},
		// A variable assigned with SOME keeps only the values that resolved.
		{"OK/SomeAssignment", "let a = some items[*].a\n%a == 1", doc, pass, ""},
		{"ErrAllAssignment", "let a = items[*].a\n%a == 1", doc, fail, `"a" not found at /items/1`},
		{"OK/BlockScopeSeesOuter", "rule r { let lim = 100\n ports[*] { this < %lim } }", doc, pass, ""},
		// A block's variable resolves against the value the block was entered with.
		{"OK/BlockScopeRoot", `target {
			let each = this
			%each.fromPort < %each.toPort
		}`, doc, pass, ""},
		{"OK/NestedScopes", `target {
			let t = this
			let blocked = [22, 25]
			%blocked {
				this < %t.fromPort or this > %t.toPort
			}
		}`, doc, fail, ""},
		{"ErrUndefined", "%nope exists", doc, fail, "evaluation error: variable %nope is not defined"},
		{"ErrSelfReference", "let x = %x.a\n%x exists", doc, fail, "refers to itself"},
		{"OK/VariableIndex", "let p = ports\n%p[1] == 80", doc, pass, ""},
		{"OK/VariableAllIndicesKeepsValue", "let p = ports\n%p[*] is_list", doc, pass, ""},
		// A literal list is one value: a block over it runs once, on the list.
		{"OK/BlockOverLiteralList", "let l = [1, 2]\n%l { this is_list }", doc, pass, ""},
	})
}

func TestCustomMessages(t *testing.T) {
	doc := `{"a": 1, "l": [1, 2]}`
	runEvalCases(t, []evalCase{
		{"ErrUnary", "missing exists << missing must exist >>", doc, fail, "missing must exist"},
		{"ErrBinary", "a == 2 <<a must be two>>", doc, fail, "a must be two"},
		{"ErrMultiLine", "a == 2 <<\n  a must\n  be two\n>>", doc, fail, "a must\n  be two"},
		{"ErrGenerated", "l[*] == 1", doc, fail, "l[*] == 1: found 2 at /l/1"},
		{"OK/MessageOnPass", "a == 1 << unused >>", doc, pass, ""},
		{"ErrMessageWithLt", "a < 1 << a < 1 is required >>", doc, fail, "a < 1 is required"},
	})
}

func TestReportHelpers(t *testing.T) {
	tests := []struct {
		name string
		s    Status
		want string
	}{
		{"OK/Pass", StatusPass, "COMPLIANT"},
		{"OK/Fail", StatusFail, "NON_COMPLIANT"},
		{"OK/Skip", StatusSkip, "NOT_APPLICABLE"},
		{"OK/Unknown", Status("?"), "NOT_APPLICABLE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.s.ComplianceType(); got != tc.want {
				t.Fatalf("ComplianceType = %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("OK/AnnotationCut", func(t *testing.T) {
		r := &Report{Rules: []RuleResult{
			{Name: "a", Status: fail, Messages: []string{strings.Repeat("é", 200), "second"}},
			{Name: "b", Status: fail, Messages: []string{"second"}},
		}}
		got := r.Annotation()
		if len(got) > MaxAnnotationLength || !strings.HasSuffix(got, "...") {
			t.Fatalf("Annotation = %d bytes %q", len(got), got)
		}
		if msgs := r.Messages(); len(msgs) != 2 {
			t.Fatalf("Messages = %q, want duplicates removed", msgs)
		}
	})
	t.Run("OK/AnnotationShort", func(t *testing.T) {
		r := &Report{Rules: []RuleResult{{Messages: []string{"x"}}, {Messages: []string{"y"}}}}
		if got := r.Annotation(); got != "x; y" {
			t.Fatalf("Annotation = %q", got)
		}
	})
}
