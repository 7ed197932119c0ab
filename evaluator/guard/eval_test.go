package guard

import (
	"encoding/json"
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

func TestBlockClauses(t *testing.T) {
	doc := `{"rules": [{"from": 80, "cidr": "10.0.0.0/8"}, {"from": 443, "cidr": "0.0.0.0/0"}], "empty": []}`
	runEvalCases(t, []evalCase{
		{"OK/AllValues", "rules[*] { from exists\n cidr is_string }", doc, pass, ""},
		{"ErrAllValues", "rules[*] { cidr != '0.0.0.0/0' }", doc, fail, `found "0.0.0.0/0" at /rules/1/cidr`},
		{"OK/SomeValues", "some rules[*] { from == 443 }", doc, pass, ""},
		{"ErrSomeValues", "some rules[*] { from == 22 }", doc, fail, ""},
		{"OK/FilterSelectsNothingSkips", "rules[ from == 22 ] { cidr == 'x' }", doc, skip, ""},
		{"ErrNotEmptyBlock", "rules[ from == 22 ] !empty { cidr == 'x' }", doc, fail, "selected no values"},
		{"ErrUnresolvedBlock", "missing[*] { a exists }", doc, fail, `missing[*]: "missing" not found`},
		{"ErrEmptyListBlock", "empty[*] { a exists }", doc, fail, "no entries"},
		{"OK/NestedBlocks", "rules[*] { when from == 443 { cidr == '0.0.0.0/0' } }", doc, pass, ""},
		{"OK/BlockWithMessage", "rules[*] { from < 1000 << low port >> }", doc, pass, ""},
	})
}

func TestFilters(t *testing.T) {
	doc := `{
		"tags": [{"key": "env", "value": "prod"}, {"key": "team", "value": "core"}],
		"ports": [22, 80, 443],
		"res": {"b1": {"Type": "AWS::S3::Bucket", "x": 1}, "q1": {"Type": "AWS::SQS::Queue", "x": 2}},
		"labels": {"aws:cloudformation:stack-name": "s", "owner": "me", "aws:x": "y"}
	}`
	runEvalCases(t, []evalCase{
		{"OK/ListFilter", `tags[ key == "env" ].value == "prod"`, doc, pass, ""},
		{"ErrListFilter", `tags[ key == "team" ].value == "prod"`, doc, fail, `found "core" at /tags/1/value`},
		{"OK/FilterConjunction", "tags[ key == 'env'\n value == 'prod' ] !empty", doc, pass, ""},
		{"OK/FilterDisjunction", "tags[ key == 'x' or key == 'env' ].value == 'prod'", doc, pass, ""},
		{"OK/FilterThis", `ports[ this > 79 ] IN [80, 443]`, doc, pass, ""},
		{"OK/FilterAfterAllIndicesOnScalars", `ports[*][ this < 80 ] == 22`, doc, pass, ""},
		{"OK/StructValuesFilter", `res[ Type == "AWS::S3::Bucket" ].x == 1`, doc, pass, ""},
		{"OK/AllValuesFilter", `res.*[ Type == /SQS/ ].x == 2`, doc, pass, ""},
		{"OK/FilterWithSome", `tags[ some this.* == "core" ].key == "team"`, doc, pass, ""},
		{"OK/KeysFilterRegex", `labels[ keys == /^aws:/ ] !empty`, doc, pass, ""},
		{"OK/KeysFilterValues", `labels[ keys == /^aws:/ ] IN ["s", "y"]`, doc, pass, ""},
		{"OK/KeysFilterNe", `labels[ keys != /^aws:/ ] == "me"`, doc, pass, ""},
		{"OK/KeysFilterIn", `labels[ keys in ["owner", "nobody"] ] == "me"`, doc, pass, ""},
		{"OK/KeysFilterNotIn", `labels[ keys not in ["owner", "aws:x"] ] == "s"`, doc, pass, ""},
		{"OK/KeysFilterNoneSkips", `labels[ keys == "nothing" ] == "x"`, doc, skip, ""},
		{"ErrKeysFilterOnList", `ports[ keys == "x" ] exists`, doc, fail, "cannot filter the keys of list"},
		{"OK/CaptureName", "res[ name | Type == 'AWS::SQS::Queue' ] !empty\n%name == 'q1'", doc, pass, ""},
		{"OK/AllValuesCapture", "res[ n ].Type exists\n%n IN ['b1', 'q1']", doc, pass, ""},
		{"OK/VariableKeyInterpolation", "let k = 'owner'\nlabels.%k == 'me'", doc, pass, ""},
		{"ErrFilterOnScalar", `tags[0].key[ this == "env" ] exists`, doc, fail, "cannot filter string"},
		{"OK/ChainedFilters", `res.*[ x > 0 ][ Type == /S3/ ].x == 1`, doc, pass, ""},
	})
}

func TestQueryParts(t *testing.T) {
	doc := `{"l": [10, 20, 30], "m": {"a b": 1, "aws:tag": "v", "n": {"k": true}}, "BucketName": "bn",
		"configuration": {"bucketName": "x", "serverSideEncryption": {"sseAlgorithm": "AES256"}}}`
	runEvalCases(t, []evalCase{
		{"OK/Index", `l[1] == 20`, doc, pass, ""},
		{"OK/DottedIndex", `l.2 == 30`, doc, pass, ""},
		// Guard reads a negative index as its absolute value.
		{"OK/NegativeIndex", `l[-1] == 20`, doc, pass, ""},
		{"ErrIndexOutOfRange", `l[5] == 1`, doc, fail, "index 5 is out of range at /l"},
		{"ErrIndexOnStruct", `m[0] == 1`, doc, fail, "is not a list"},
		{"ErrKeyOnList", `l.a == 1`, doc, fail, `cannot read "a": list at /l is not a struct`},
		{"OK/QuotedKey", `m['a b'] == 1`, doc, pass, ""},
		{"OK/DottedQuotedKey", `m."aws:tag" == "v"`, doc, pass, ""},
		{"OK/QuotedFirstPart", `"BucketName" == "bn"`, doc, pass, ""},
		{"OK/AllValues", `m.n.* == true`, doc, pass, ""},
		{"OK/This", `this.m.n.k == true`, doc, pass, ""},
		{"OK/ScalarAsList", `m.n.k[*] == true`, doc, pass, ""},
		// Guard retries a missing key in other letter cases.
		{"OK/CaseConversionCamel", `configuration.BucketName == "x"`, doc, pass, ""},
		{"OK/CaseConversionNested", `configuration.ServerSideEncryption.SSEAlgorithm == "AES256"`, doc, pass, ""},
		{"OK/CaseConversionSnake", `configuration.server_side_encryption exists`, doc, pass, ""},
		{"OK/WhitespaceBeforeDot", "configuration\n  .bucketName == 'x'", doc, pass, ""},
	})
}

func TestTypeBlocks(t *testing.T) {
	ci := `{"resourceType": "AWS::S3::Bucket", "configuration": {"versioning": "Enabled"}}`
	template := `{"Resources": {
		"a": {"Type": "AWS::S3::Bucket", "Properties": {"Versioning": "Enabled"}},
		"b": {"Type": "AWS::S3::Bucket", "Properties": {"Versioning": "Suspended"}},
		"q": {"Type": "AWS::SQS::Queue", "Properties": {}}}}`
	runEvalCases(t, []evalCase{
		{"OK/ConfigItem", `AWS::S3::Bucket { configuration.versioning == "Enabled" }`, ci, pass, ""},
		{"ErrConfigItem", `AWS::S3::Bucket { configuration.versioning == "Suspended" }`, ci, fail, `found "Enabled" at /configuration/versioning`},
		{"OK/ConfigItemOtherType", `AWS::EC2::Instance { configuration.instanceType == "t2.micro" }`, ci, skip, ""},
		{"OK/SingleClauseForm", `AWS::S3::Bucket configuration.versioning exists`, ci, pass, ""},
		{"OK/InRule", "rule r { AWS::S3::Bucket { configuration.versioning exists } }", ci, pass, ""},
		{"OK/WhenOnTypeBlock", `AWS::S3::Bucket when configuration.versioning == "Off" { configuration.x exists }`, ci, skip, ""},
		{"OK/Disjunction", "AWS::EC2::Instance { configuration.x exists } or\nAWS::S3::Bucket { configuration.versioning exists }", ci, pass, ""},
		{"ErrTemplateEachResource", `AWS::S3::Bucket { Properties.Versioning == "Enabled" }`, template, fail, "/Resources/b/Properties/Versioning"},
		{"OK/TemplateNoResourcesOfType", `AWS::EC2::Instance { Properties.x exists }`, template, skip, ""},
		{"OK/TemplateModuleSuffix", `AWS::SQS::Queue::MODULE { Properties empty }`, template, pass, ""},
		{"OK/NeitherTemplateNorItem", `AWS::S3::Bucket { x exists }`, `{"x": 1}`, skip, ""},
		{"OK/TwoPartTypeName", `Custom::Thing { configuration exists }`, `{"resourceType": "Custom::Thing", "configuration": {}}`, pass, ""},
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
