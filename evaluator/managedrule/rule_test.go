package managedrule

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/configd/configd"
)

// requiredParams gives valid values for the required parameters of a rule,
// so that every rule can run with defaults.
func requiredParams(t *testing.T, id string) map[string]string {
	t.Helper()
	spec, _ := Lookup(id)
	in := map[string]string{}
	for _, p := range spec.Parameters {
		if !p.Optional {
			in[p.Name] = "x"
		}
	}
	var b strings.Builder
	b.WriteString("{")
	first := true
	for k, v := range in {
		if !first {
			b.WriteString(",")
		}
		first = false
		b.WriteString(jsonString(k) + ":" + jsonString(v))
	}
	b.WriteString("}")
	params, err := Parameters(id, b.String())
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return params
}

func TestImplementedRulesMatchCatalogue(t *testing.T) {
	ids := ImplementedIdentifiers()
	if len(ids) < 43 {
		t.Fatalf("%d rules implemented, want at least 43", len(ids))
	}
	for _, id := range ids {
		spec, ok := Lookup(id)
		if !ok {
			t.Errorf("%s: not in the catalogue", id)
			continue
		}
		if !Implemented(id) {
			t.Errorf("Implemented(%s) = false", id)
		}
		r, _ := Get(id)
		if r.Identifier() != id {
			t.Errorf("rule %s says it is %s", id, r.Identifier())
		}
		if rr, ok := r.(*resourceRule); ok {
			if !slices.Equal(sortedCopy(rr.types), sortedCopy(spec.ResourceTypes)) {
				t.Errorf("%s evaluates %v, the catalogue lists %v", id, rr.types, spec.ResourceTypes)
			}
		} else if len(spec.ResourceTypes) != 0 {
			t.Errorf("%s is account-level but the catalogue lists resource types %v", id, spec.ResourceTypes)
		}
	}
	if Implemented("ACCESS_KEYS_ROTATED") || Implemented("NO_SUCH_RULE") {
		t.Error("Implemented is true for a rule without a native implementation")
	}
}

func sortedCopy(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return out
}

// TestResourceRulesNotApplicable checks, for every resource rule, that a
// deleted resource of each of its types and a resource of another type are
// not applicable, and that a configuration that is not JSON is an error.
func TestResourceRulesNotApplicable(t *testing.T) {
	for _, id := range ImplementedIdentifiers() {
		r, _ := Get(id)
		rr, ok := r.(*resourceRule)
		if !ok {
			continue
		}
		params := requiredParams(t, id)
		t.Run(id, func(t *testing.T) {
			eval := func(ci *configd.ConfigurationItem) ([]Result, error) {
				return rr.Evaluate(context.Background(), Input{CI: ci, Params: params, Now: testNow})
			}
			for _, typ := range rr.types {
				res, err := eval(deletedItem(item(typ, "gone", "", nil)))
				if err != nil || len(res) != 1 || res[0].ComplianceType != NotApplicable {
					t.Errorf("deleted %s: %+v, %v; want NOT_APPLICABLE", typ, res, err)
				}
			}
			res, err := eval(item("AWS::Foo::Bar", "x", "{not json", nil))
			if err != nil || len(res) != 1 || res[0].ComplianceType != NotApplicable {
				t.Errorf("other type: %+v, %v; want NOT_APPLICABLE", res, err)
			}
			if !readsOnlySupplementary[id] && rr.types[0] != s3Bucket {
				if _, err := eval(item(rr.types[0], "x", "{not json", map[string]string{})); err == nil {
					t.Errorf("malformed configuration: want an error")
				}
			}
		})
	}
}

// readsOnlySupplementary lists the rules that never decode the
// configuration itself (besides the S3 rules).
var readsOnlySupplementary = map[string]bool{
	"REQUIRED_TAGS": true, "DYNAMODB_PITR_ENABLED": true, "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED": true,
}

func TestMalformedSupplementaryIsAnError(t *testing.T) {
	ci := bucket("b", map[string]string{"BucketVersioningConfiguration": `{"status":`})
	if _, err := Evaluate(context.Background(), "S3_BUCKET_VERSIONING_ENABLED", Input{CI: ci}); err == nil {
		t.Fatal("want an error")
	}
}

func TestTruncate(t *testing.T) {
	cases := []struct {
		name, in string
		wantLen  int
	}{
		{"OK", "short", 5},
		{"OKExact", strings.Repeat("a", 256), 256},
		{"OKCut", strings.Repeat("a", 300), 256},
		{"OKMultibyte", strings.Repeat("é", 200), 255},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := truncate(tc.in)
			if len(got) != tc.wantLen || !utf8.ValidString(got) {
				t.Errorf("truncate: %d bytes (valid UTF-8 %t), want %d", len(got), utf8.ValidString(got), tc.wantLen)
			}
			if len(tc.in) > MaxAnnotationLength && !strings.HasSuffix(got, "...") {
				t.Errorf("cut annotation %q lacks ...", got)
			}
		})
	}
}

func TestLongAnnotationIsTruncated(t *testing.T) {
	var ids []string
	for i := 0; i < 40; i++ {
		ids = append(ids, "arn:aws:iam::aws:policy/SomeRatherLongPolicyName"+strings.Repeat("x", i%3))
	}
	params, err := Parameters("IAM_ROLE_MANAGED_POLICY_CHECK", `{"managedPolicyArns":"`+strings.Join(ids, ",")+`"}`)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(context.Background(), "IAM_ROLE_MANAGED_POLICY_CHECK", Input{CI: roleItem(`[]`, `[]`), Params: params})
	if err != nil {
		t.Fatal(err)
	}
	if got := res[0].Annotation; len(got) != MaxAnnotationLength || !strings.HasSuffix(got, "...") {
		t.Errorf("annotation of %d characters: %q", len(got), got)
	}
}
