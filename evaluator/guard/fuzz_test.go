package guard

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

var fuzzSeeds = []string{
	"",
	"a exists",
	s3Policy,
	securityGroupPolicy,
	ec2Policy,
	tagsPolicy,
	dynamoPolicy,
	"let x = [1, 'a', /b/, r[1,2), {k: null}]\n%x[0] IN r(0, 5]",
	"rule a { b }\nrule b { a }",
	"rule r when %v !empty { some x[*][ y == 1 ].z !IN [1] << m >> }",
	"AWS::S3::Bucket when a exists { b[ keys == /c/ ] !empty { this.d > 1.5 or not e is_null } }",
	"configuration[ n | x == 1 ].%n.* == 'q'",
	"let a = some b.c\nwhen %a empty { this == null }",
	"a == [[[1]]]\nb == {x: {y: [1, {z: 2}]}}",
}

// FuzzParse checks that Parse never panics and that every failure is a
// *SyntaxError with a position inside the text.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, policy string) {
		p, err := Parse(policy)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T) is not a *SyntaxError", err, err)
			}
			if se.Line < 1 || se.Column < 1 || se.Line > len(policy)+1 {
				t.Fatalf("position %d:%d out of range", se.Line, se.Column)
			}
			return
		}
		if p == nil {
			t.Fatal("nil policy without error")
		}
	})
}

// FuzzParseEvaluate evaluates every policy that parses against a fixed
// configuration item: evaluation must not panic, must finish within its
// budget, and must report consistently and deterministically.
func FuzzParseEvaluate(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	var doc any
	if err := json.Unmarshal([]byte(s3BucketCI), &doc); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, policy string) {
		p, err := Parse(policy)
		if err != nil {
			return
		}
		rep := p.Evaluate(doc)
		if len(rep.Rules) != len(p.RuleNames()) {
			t.Fatalf("%d results for %d rules", len(rep.Rules), len(p.RuleNames()))
		}
		want := StatusSkip
		for _, r := range rep.Rules {
			switch r.Status {
			case StatusFail:
				want = StatusFail
			case StatusPass:
				if want == StatusSkip {
					want = StatusPass
				}
			case StatusSkip:
			default:
				t.Fatalf("rule %s has status %q", r.Name, r.Status)
			}
			if r.Status != StatusFail && len(r.Messages) > 0 {
				t.Fatalf("rule %s is %s with messages %q", r.Name, r.Status, r.Messages)
			}
		}
		if rep.Status != want {
			t.Fatalf("status %s, rules say %s", rep.Status, want)
		}
		if again := p.Evaluate(doc); !reflect.DeepEqual(again, rep) {
			t.Fatalf("evaluation is not deterministic:\n%+v\n%+v", rep, again)
		}
	})
}
