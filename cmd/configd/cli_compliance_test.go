package main

import (
	"regexp"
	"strings"
	"testing"
)

func TestCompliance(t *testing.T) {
	byRule := cliOK(`{"ComplianceByConfigRules":[` +
		`{"ConfigRuleName":"enc","Compliance":{"ComplianceType":"NON_COMPLIANT","ComplianceContributorCount":{"CappedCount":25,"CapExceeded":true}}},` +
		`{"ConfigRuleName":"tags","Compliance":{"ComplianceType":"COMPLIANT"}},` +
		`{"ConfigRuleName":"new","Compliance":{"ComplianceType":"INSUFFICIENT_DATA"}}]}`)
	ruleSummary := cliOK(`{"ComplianceSummary":{"CompliantResourceCount":{"CappedCount":1},"NonCompliantResourceCount":{"CappedCount":1},"ComplianceSummaryTimestamp":1767323045}}`)
	resourceSummary := cliOK(`{"ComplianceSummariesByResourceType":[{"ComplianceSummary":{"CompliantResourceCount":{"CappedCount":7},"NonCompliantResourceCount":{"CappedCount":30}}}]}`)

	t.Run("OKSummary", func(t *testing.T) {
		srv := newCLIScript(t, byRule, ruleSummary, resourceSummary)
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "compliance")...)
		wantExit(t, code, 0, out, errOut)
		want := "RULE  COMPLIANCE         NON-COMPLIANT RESOURCES\n" +
			"enc   NON_COMPLIANT      25+\n" +
			"tags  COMPLIANT          -\n" +
			"new   INSUFFICIENT_DATA  -\n" +
			"\n" +
			"Rules:     1 compliant, 1 non-compliant (as of 2026-01-02T03:04:05Z)\n" +
			"Resources: 7 compliant, 30 non-compliant\n"
		if out != want {
			t.Fatalf("stdout:\n%s\nwant:\n%s", out, want)
		}
		if ops := strings.Join(srv.ops(), ","); ops != "DescribeComplianceByConfigRule,GetComplianceSummaryByConfigRule,GetComplianceSummaryByResourceType" {
			t.Fatalf("calls = %s", ops)
		}
	})

	t.Run("OKSummaryJSON", func(t *testing.T) {
		srv := newCLIScript(t, byRule, ruleSummary, resourceSummary)
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "compliance", "--output", "json")...)
		wantExit(t, code, 0, out, errOut)
		m := decodeJSON(t, out)
		rules := m["ComplianceByConfigRules"].([]any)
		count := rules[0].(map[string]any)["Compliance"].(map[string]any)["ComplianceContributorCount"].(map[string]any)
		if len(rules) != 3 || count["CappedCount"] != 25.0 || count["CapExceeded"] != true {
			t.Fatalf("rules = %v", rules)
		}
		if r := m["Resources"].(map[string]any); r["NonCompliantResourceCount"].(map[string]any)["CappedCount"] != 30.0 {
			t.Fatalf("resources = %v", r)
		}
	})

	t.Run("OKRule", func(t *testing.T) {
		srv := newCLIScript(t,
			cliOK(`{"ComplianceByConfigRules":[{"ConfigRuleName":"enc","Compliance":{"ComplianceType":"NON_COMPLIANT"}}]}`),
			cliOK(`{"EvaluationResults":[{"EvaluationResultIdentifier":{"EvaluationResultQualifier":{"ConfigRuleName":"enc","ResourceType":"AWS::S3::Bucket","ResourceId":"a"}},`+
				`"ComplianceType":"NON_COMPLIANT","ResultRecordedTime":1767323045,"Annotation":"no default encryption"}],"NextToken":"t2"}`),
			cliOK(`{"EvaluationResults":[{"EvaluationResultIdentifier":{"EvaluationResultQualifier":{"ConfigRuleName":"enc","ResourceType":"AWS::S3::Bucket","ResourceId":"b"}},`+
				`"ComplianceType":"COMPLIANT","ResultRecordedTime":1767323045}]}`),
		)
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "compliance", "--rule", "enc")...)
		wantExit(t, code, 0, out, errOut)
		want := "Rule enc: NON_COMPLIANT\n\n" +
			"RESOURCE TYPE    RESOURCE ID  COMPLIANCE     RECORDED              ANNOTATION\n" +
			"AWS::S3::Bucket  a            NON_COMPLIANT  2026-01-02T03:04:05Z  no default encryption\n" +
			"AWS::S3::Bucket  b            COMPLIANT      2026-01-02T03:04:05Z  -\n"
		if out != want {
			t.Fatalf("stdout:\n%s\nwant:\n%s", out, want)
		}
		if got := srv.call(0).body["ConfigRuleNames"].([]any); len(got) != 1 || got[0] != "enc" {
			t.Fatalf("DescribeComplianceByConfigRule request = %v", srv.call(0).body)
		}
		if srv.call(2).body["NextToken"] != "t2" {
			t.Fatalf("third call = %v, want NextToken t2", srv.call(2).body)
		}
	})

	t.Run("OKResourceType", func(t *testing.T) {
		srv := newCLIScript(t,
			cliOK(`{"ComplianceByResources":[{"ResourceType":"AWS::S3::Bucket","ResourceId":"a","Compliance":{"ComplianceType":"NON_COMPLIANT","ComplianceContributorCount":{"CappedCount":2}}},`+
				`{"ResourceType":"AWS::S3::Bucket","ResourceId":"b","Compliance":{"ComplianceType":"COMPLIANT"}}]}`),
			cliOK(`{"ComplianceSummariesByResourceType":[{"ResourceType":"AWS::S3::Bucket","ComplianceSummary":{"CompliantResourceCount":{"CappedCount":1},"NonCompliantResourceCount":{"CappedCount":1}}}]}`),
		)
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "compliance", "--resource-type", bucketType)...)
		wantExit(t, code, 0, out, errOut)
		want := "RESOURCE ID  COMPLIANCE     NON-COMPLIANT RULES\n" +
			"a            NON_COMPLIANT  2\n" +
			"b            COMPLIANT      -\n" +
			"\nAWS::S3::Bucket: 1 compliant, 1 non-compliant\n"
		if out != want {
			t.Fatalf("stdout:\n%s\nwant:\n%s", out, want)
		}
		if srv.call(0).body["ResourceType"] != bucketType {
			t.Fatalf("request = %v", srv.call(0).body)
		}
	})

	t.Run("OKNoRules", func(t *testing.T) {
		srv := newCLIScript(t, cliOK(`{"ComplianceByConfigRules":[]}`), cliOK(`{}`), cliOK(`{"ComplianceSummariesByResourceType":[]}`))
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "compliance")...)
		wantExit(t, code, 0, out, errOut)
		if out != "no Config rules\n\nRules:     no data\nResources: no data\n" {
			t.Fatalf("stdout = %q", out)
		}
	})

	t.Run("ErrBothFilters", func(t *testing.T) {
		out, errOut, code := newCLIEnv(false, 0).run("compliance", "--rule", "enc", "--resource-type", bucketType)
		wantExit(t, code, exitUsage, out, errOut)
		if !strings.Contains(errOut, "give --rule or --resource-type, not both") {
			t.Fatalf("stderr = %q", errOut)
		}
	})

	t.Run("ErrNotImplemented", func(t *testing.T) {
		srv := newCLIScript(t, cliReply{501, `{"__type":"NotImplementedException","message":"DescribeComplianceByConfigRule is not implemented"}`})
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "compliance")...)
		wantExit(t, code, exitFailed, out, errOut)
		wantLine(t, errOut, "configd compliance: NotImplementedException: DescribeComplianceByConfigRule is not implemented")
	})
}

func TestRules(t *testing.T) {
	rules := cliOK(`{"ConfigRules":[` +
		`{"ConfigRuleName":"enc","ConfigRuleState":"ACTIVE","Source":{"Owner":"AWS","SourceIdentifier":"S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"},"Scope":{"ComplianceResourceTypes":["AWS::S3::Bucket"]}},` +
		`{"ConfigRuleName":"lambda","ConfigRuleState":"ACTIVE","Source":{"Owner":"CUSTOM_LAMBDA","SourceIdentifier":"arn:aws:lambda:us-east-1:111111111111:function:check"}},` +
		`{"ConfigRuleName":"new","ConfigRuleState":"EVALUATING","Source":{"Owner":"CUSTOM_POLICY"}}]}`)
	status := cliOK(`{"ConfigRulesEvaluationStatus":[` +
		`{"ConfigRuleName":"enc","FirstEvaluationStarted":true,"LastSuccessfulEvaluationTime":1767323045},` +
		`{"ConfigRuleName":"lambda","FirstEvaluationStarted":true,"LastSuccessfulEvaluationTime":1767323000,"LastFailedEvaluationTime":1767323045,"LastErrorCode":"AccessDenied","LastErrorMessage":"cannot invoke"}]}`)

	t.Run("OKTable", func(t *testing.T) {
		srv := newCLIScript(t, rules, status)
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "rules")...)
		wantExit(t, code, 0, out, errOut)
		want := "RULE    STATE       SOURCE                                                              EVALUATION     LAST EVALUATED        LAST ERROR\n" +
			"enc     ACTIVE      AWS S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED                        OK             2026-01-02T03:04:05Z  -\n" +
			"lambda  ACTIVE      CUSTOM_LAMBDA arn:aws:lambda:us-east-1:111111111111:function:check  FAILED         2026-01-02T03:04:05Z  AccessDenied: cannot invoke\n" +
			"new     EVALUATING  CUSTOM_POLICY                                                       NOT_EVALUATED  -                     -\n"
		if out != want {
			t.Fatalf("stdout:\n%s\nwant:\n%s", out, want)
		}
		if names := srv.call(1).body["ConfigRuleNames"].([]any); len(names) != 3 {
			t.Fatalf("status request = %v, want the three names", srv.call(1).body)
		}
	})

	t.Run("OKJSONNames", func(t *testing.T) {
		srv := newCLIScript(t, rules, status)
		out, errOut, code := newCLIEnv(false, 0).run(at(srv.URL, "rules", "--rule", "enc", "lambda", "new", "--output", "json")...)
		wantExit(t, code, 0, out, errOut)
		if names := srv.call(0).body["ConfigRuleNames"].([]any); len(names) != 3 || names[1] != "lambda" {
			t.Fatalf("DescribeConfigRules request = %v", srv.call(0).body)
		}
		rs := decodeJSON(t, out)["ConfigRules"].([]any)
		l := rs[1].(map[string]any)
		if len(rs) != 3 || l["Evaluation"] != "FAILED" || l["LastErrorCode"] != "AccessDenied" || l["LastFailedEvaluationTime"] != "2026-01-02T03:04:05Z" {
			t.Fatalf("rules = %v", rs)
		}
		if rs[0].(map[string]any)["ComplianceResourceTypes"].([]any)[0] != bucketType {
			t.Fatalf("rule enc = %v", rs[0])
		}
	})

	t.Run("ErrConnectionRefused", func(t *testing.T) {
		srv := newCLIScript(t, rules)
		url := srv.URL
		srv.Close()
		out, errOut, code := newCLIEnv(false, 0).run(at(url, "rules")...)
		wantExit(t, code, exitFailed, out, errOut)
		if !regexp.MustCompile(`^configd rules: DescribeConfigRules: .*connection refused\n$`).MatchString(errOut) {
			t.Fatalf("stderr = %q", errOut)
		}
	})

	t.Run("ErrNoRegion", func(t *testing.T) {
		t.Setenv("AWS_REGION", "")
		t.Setenv("AWS_DEFAULT_REGION", "")
		t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
		t.Setenv("AWS_PROFILE", "")
		out, errOut, code := newCLIEnv(false, 0).run("rules", "--endpoint-url", "http://127.0.0.1:1")
		wantExit(t, code, exitFailed, out, errOut)
		wantLine(t, errOut, "configd rules: no region: give --region, or set AWS_REGION or a profile's region")
	})
}
