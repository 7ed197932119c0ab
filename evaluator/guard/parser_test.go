package guard

import (
	"errors"
	"strings"
	"testing"
)

func TestParseOK(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		rules  string // comma-separated rule names
	}{
		{"OK/Empty", "", ""},
		{"OK/OnlyComments", "# a\n   # b\n", ""},
		{"OK/DefaultRule", "a exists", "default"},
		{"OK/NamedRules", "rule a { x exists }\nrule b when a { y exists }", "a,b"},
		{"OK/DefaultFirst", "rule a { x exists }\nz exists", "default,a"},
		{"OK/Assignments", "let a = 1\nlet b := [1, 2.5, 'x', \"y\", /re/, r[1,2), {k: 'v', 'q': null}, true, False, NULL]\nlet c = some x.y[*]", ""},
		{"OK/AllOperators", `a == 1
a != 1
a > 1
a >= 1
a < 1
a <= 1
a IN [1]
a in [1]
a NOT IN [1]
a not in [1]
a !in [1]
a exists
a EXISTS
a !exists
a not exists
a NOT EXISTS
a empty
a !empty
a is_string
a IS_LIST
a is_struct
a is_bool
a is_int
a is_float
a is_null
a !is_null
not a == 1
! a exists`, "default"},
		{"OK/QueryParts", "a.b[*].c[0].d.1.*['k'].\"q\".%v[ x == 1 ][ keys == /k/ ][ n | y exists ][ n2 ].this exists", "default"},
		{"OK/SomeAndThis", "some a[*] == 1\nthis.a exists\nTHIS exists", "default"},
		{"OK/PropertyNamedLikeKeywords", "some_value exists\nthisone exists\ntrueish == falsey\nnullable == r\nor_else exists\ninput in [1]", "default"},
		{"OK/PropertyNamedSome", "some == 1", "default"},
		{"OK/Disjunctions", "a exists or b exists OR c exists |OR| d exists", "default"},
		{"OK/WhenBlockTop", "when a exists { b exists }", "default"},
		{"OK/TypeBlocks", "AWS::S3::Bucket { a exists }\nAWS::S3::Bucket a exists\nAWS::S3::Bucket when b exists { a exists }", "default"},
		{"OK/TypeBlockInRule", "rule r { AWS::EC2::Instance { x exists } or Custom::Thing y exists }", "r"},
		{"OK/BlockClauses", "a[*] { let x = this\n b exists }\na !empty { b exists }\nsome a[*] { b exists }", "default"},
		{"OK/RuleRefs", "rule a { x exists }\nrule b {\n a\n not a\n !a << msg >>\n a or x exists\n}", "a,b"},
		{"OK/CustomMessages", "a exists << m >>\na == 1 <<m>>\na[*] { b exists <<m>> }", "default"},
		{"OK/MultiLineFilter", "Resources.*[\n  Type in [ /IAM::Policy/,\n            /IAM::ManagedPolicy/ ]\n  Properties.PolicyDocument exists\n] !empty", "default"},
		{"OK/RuleBraceSameLine", "rule r{a exists}", "r"},
		{"OK/CRLF", "rule r {\r\n  a exists\r\n}\r\n", "r"},
		{"OK/NegativeNumbers", "a == -1\nb == -1.5\nc IN r[-3, -1]", "default"},
		{"OK/Exponent", "a == 1e3\nb == 1.5E-2", "default"},
		{"OK/StringEscapes", `a == "say \"hi\""` + "\n" + `b == 'it\'s'` + "\n" + `c == "back\slash"`, "default"},
		{"OK/UnicodeKeys", "résumé.naïve exists", "default"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.policy)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := strings.Join(p.RuleNames(), ","); got != tc.rules {
				t.Fatalf("rules = %q, want %q", got, tc.rules)
			}
		})
	}
}

func TestParseLiterals(t *testing.T) {
	p, err := Parse(`let v = [1, -2, 2.5, 'a', "b\"c", true, null, /x\/y/, r(1, 5], r[a, c], {k: [1], "s p": {}}]`)
	if err != nil {
		t.Fatal(err)
	}
	got := render(p.lets[0].lit)
	want := `[1,-2,2.5,"a","b\"c",true,null,/x/y/,r(1,5],r['a','c'],{"k":[1],"s p":{}}]`
	if got != want {
		t.Fatalf("literal = %s\nwant      %s", got, want)
	}
	if _, ok := p.lets[0].lit.([]any)[2].(floatLit); !ok {
		t.Fatal("2.5 is not a float literal")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name      string
		policy    string
		line, col int
		msg       string
	}{
		{"ErrMissingRHS", "rule r {\n  a == \n}", 3, 1, "expected a value or a query"},
		{"ErrNoOperator", "a b", 1, 3, "expected an operator"},
		{"ErrNoOperatorInFilter", "a[ b c ] exists", 1, 6, "expected an operator"},
		{"ErrUnterminatedString", "a == 'abc", 1, 6, "string has no closing '"},
		{"ErrUnterminatedRegex", "a == /abc", 1, 6, "regular expression has no closing /"},
		{"ErrInvalidRegex", "a == /a(b/", 1, 6, "invalid regular expression"},
		{"ErrLookaheadRegex", "a == /(?=x)/", 1, 6, "invalid regular expression"},
		{"ErrEmptyRegex", "a == //", 1, 6, "empty regular expression"},
		{"ErrUnclosedBlock", "rule r {\n a exists\n", 1, 8, "block has no closing }"},
		{"ErrEmptyBlock", "rule r { }", 1, 8, "empty block"},
		{"ErrRuleName", "rule 1x { a exists }", 1, 6, "expected a rule name"},
		{"ErrParameterizedRule", "rule r(x) { %x exists }", 1, 7, "parameterized rules are not supported"},
		{"ErrRuleCall", "rule r { other(a) }", 1, 10, "not supported"},
		{"ErrFunction", "let c = count(a[*])", 1, 9, "built-in functions are not supported"},
		{"ErrFunctionRHS", "a == count(b)", 1, 6, "built-in functions are not supported"},
		{"ErrWhenWithoutBlock", "when a exists", 1, 14, "expected {"},
		{"ErrWhenNoConditions", "when { a exists }", 1, 6, "expected at least one clause"},
		{"ErrLetWithoutEquals", "let x 5", 1, 7, "expected = or :="},
		{"ErrLetWithoutValue", "let x = ", 1, 9, "expected a value or a query"},
		{"ErrLetTwice", "let x = 1\nlet x = 2", 2, 5, "assigned twice"},
		{"ErrLetTwiceInBlock", "rule r {\n let y = 1\n let y = 2\n y exists }", 3, 6, "assigned twice"},
		{"ErrUnclosedMessage", "a exists << oops", 1, 10, "custom message has no closing >>"},
		{"ErrRangeMixed", "a IN r[1, 2.5]", 1, 6, "range bounds"},
		{"ErrListTrailingComma", "a IN [1, 2, ]", 1, 13, "expected a value in the list"},
		{"ErrListSeparator", "a IN [1 2]", 1, 9, "expected , or ]"},
		{"ErrMapColon", "a == {k 1}", 1, 9, "expected : after the map key"},
		{"ErrDotNothing", "a. == 1", 1, 3, "after '.'"},
		{"ErrBracketIndex", "a[1 == 2] exists", 1, 3, "expected an integer index"},
		{"ErrIntegerRange", "a == 99999999999999999999", 1, 6, "integer 99999999999999999999 is out of range"},
		{"ErrTypeBlockSpace", "AWS::S3::Bucket{ a exists }", 1, 16, "expected white space after AWS::S3::Bucket"},
		{"ErrTypeBlockWhenNoBrace", "AWS::S3::Bucket when a exists b exists", 1, 39, "expected {"},
		{"ErrBareNameAtTop", "a\n", 2, 1, "expected an operator"},
		{"ErrUnclosedFilter", "a[ b exists", 1, 12, "expected ]"},
		{"ErrStrayBrace", "}", 1, 1, "expected a clause"},
		{"ErrColumnCountsRunes", "a == 'é' b c", 1, 12, "expected an operator"},
		{"ErrNotUTF8", "a == '\xff'", 1, 7, "not valid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.policy)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse error = %v, want *SyntaxError", err)
			}
			if se.Line != tc.line || se.Column != tc.col || !strings.Contains(se.Msg, tc.msg) {
				t.Fatalf("error = %d:%d %q, want %d:%d containing %q", se.Line, se.Column, se.Msg, tc.line, tc.col, tc.msg)
			}
			if want := "line " + itoa(tc.line) + ", column " + itoa(tc.col); !strings.Contains(se.Error(), want) {
				t.Fatalf("Error() = %q, want it to name %q", se.Error(), want)
			}
		})
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		msg    string
	}{
		{"ErrDeepFilters", strings.Repeat("a[ ", 100) + "b exists" + strings.Repeat(" ] exists", 100), "nesting is deeper than"},
		{"ErrDeepLists", "a == " + strings.Repeat("[", 100) + strings.Repeat("]", 100), "nesting is deeper than"},
		{"ErrDeepBlocks", strings.Repeat("a {\n", 100) + "b exists" + strings.Repeat("}", 100), "nesting is deeper than"},
		{"ErrLongRegex", "a == /" + strings.Repeat("a", maxRegexLength+1) + "/", "longer than"},
		{"ErrLongPolicy", strings.Repeat("#", MaxPolicyLength+1), "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.policy)
			var se *SyntaxError
			if !errors.As(err, &se) || !strings.Contains(se.Msg, tc.msg) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tc.msg)
			}
		})
	}
	t.Run("OK/NestingWithinLimit", func(t *testing.T) {
		if _, err := Parse(strings.Repeat("a[ ", 20) + "b exists" + strings.Repeat(" ] exists", 20)); err != nil {
			t.Fatal(err)
		}
	})
}
