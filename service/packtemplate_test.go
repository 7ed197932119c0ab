package service

import (
	"testing"

	"github.com/configd/configd"
)

var testScope = configd.Scope{AccountID: "111111111111", Region: "eu-west-1"}

func TestParsePackTemplate(t *testing.T) {
	const rule = "Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n    Properties:\n      ConfigRuleName: r\n      Source: {Owner: AWS, SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED}\n"
	t.Run("OK", func(t *testing.T) {
		for name, tc := range map[string]struct{ body, want string }{
			"YAMLShortForms": {"Parameters:\n  P: {Type: String, Default: d}\nConditions:\n  C: !Not [!Equals [!Ref P, x]]\n" +
				"Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n    Properties:\n      ConfigRuleName: !Sub 'r-${AWS::Region}'\n      InputParameters:\n        a: !If [C, !Ref P, !Ref 'AWS::NoValue']\n        b: !Join ['-', [x, !Ref 'AWS::AccountId']]\n      Source: {Owner: AWS, SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED}\n",
				`r-eu-west-1 {"a":"d","b":"x-111111111111"}`},
			"JSONLongForms": {`{"Parameters":{"P":{"Type":"String"}},"Resources":{"R":{"Type":"AWS::Config::ConfigRule","Properties":{"InputParameters":{"a":{"Ref":"P"}},"Source":{"Owner":"AWS","SourceIdentifier":"X"}}}}}`,
				`R {"a":"given"}`},
		} {
			tpl, err := ParsePackTemplate(tc.body, map[string]string{"P": "given", "Unused": "x"}, testScope, "stack")
			if name == "YAMLShortForms" {
				tpl, err = ParsePackTemplate(tc.body, nil, testScope, "stack")
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got := tpl.Rules[0].Rule.Name + " " + tpl.Rules[0].Rule.InputParameters; got != tc.want {
				t.Fatalf("%s: got %s, want %s", name, got, tc.want)
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for name, body := range map[string]string{
			"Empty":         "",
			"List":          "[1]",
			"DuplicateName": rule + "  S:\n    Type: AWS::Config::ConfigRule\n    Properties:\n      ConfigRuleName: r\n      Source: {Owner: AWS, SourceIdentifier: X}\n",
			"GetAtt":        "Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n    Properties:\n      Description: !GetAtt X.Y\n      Source: {Owner: AWS, SourceIdentifier: X}\n",
			"UnknownCond":   "Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n    Properties:\n      Description: !If [Nope, a, b]\n      Source: {Owner: AWS, SourceIdentifier: X}\n",
			"BadAttempts":   rule + "  F:\n    Type: AWS::Config::RemediationConfiguration\n    Properties: {ConfigRuleName: r, TargetId: d, TargetType: SSM_DOCUMENT, MaximumAutomaticAttempts: many}\n",
		} {
			if _, err := ParsePackTemplate(body, nil, testScope, "stack"); !configd.IsCode(err, ErrConformancePackTemplateValidation) {
				t.Fatalf("%s: err = %v", name, err)
			}
		}
	})
}

// FuzzParsePackTemplate: templates are untrusted input; the parser must
// answer a template error or a template, never panic.
func FuzzParsePackTemplate(f *testing.F) {
	f.Add("Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n    Properties:\n      Source: {Owner: AWS, SourceIdentifier: X}\n")
	f.Add(`{"Conditions":{"C":{"Condition":"C"}},"Resources":{"R":{"Type":"AWS::Config::ConfigRule","Condition":"C"}}}`)
	f.Add("a: &x [*x]")
	f.Fuzz(func(t *testing.T, body string) {
		tpl, err := ParsePackTemplate(body, map[string]string{"P": "v"}, testScope, "stack")
		if err != nil && configd.ErrorCode(err) == configd.ErrInternalFailure {
			t.Fatalf("internal error: %v", err)
		}
		if err == nil && len(tpl.Rules) == 0 && len(tpl.Remediations) > 0 {
			t.Fatal("remediation without rule")
		}
	})
}
