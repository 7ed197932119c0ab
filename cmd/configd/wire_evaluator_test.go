package main

import (
	"io"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/configd/configd"
)

var scopeEvalA = configd.Scope{AccountID: acctA, Region: "us-east-1"}

// evalBucket is an S3 bucket item in AWS Config's format with the given
// versioning status.
func evalBucket(name, versioning string, tags map[string]string) *configd.ConfigurationItem {
	return &configd.ConfigurationItem{
		ResourceType: "AWS::S3::Bucket", ResourceID: name, ResourceName: name, ARN: "arn:aws:s3:::" + name,
		Configuration: `{"name":"` + name + `","owner":{"id":"abc"},"creationDate":"2024-01-01T00:00:00.000Z"}`,
		SupplementaryConfiguration: map[string]string{
			"BucketVersioningConfiguration": `{"status":"` + versioning + `","isMfaDeleteEnabled":null}`,
		},
		Tags: tags,
	}
}

// seed records items as `configd import` does (PutResourceConfig refuses
// AWS:: types).
func seed(t *testing.T, s *testServer, scope configd.Scope, items ...*configd.ConfigurationItem) {
	t.Helper()
	for _, ci := range items {
		if _, err := s.Service.Record(ctx, scope, ci); err != nil {
			t.Fatal(err)
		}
	}
}

// waitFor polls cond until it holds, failing after ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// details returns the rule's results as "id=COMPLIANCE" strings, sorted.
func details(t *testing.T, c *cs.Client, rule string) []string {
	t.Helper()
	var out []string
	p := cs.NewGetComplianceDetailsByConfigRulePaginator(c, &cs.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String(rule),
		ComplianceTypes: []types.ComplianceType{types.ComplianceTypeCompliant, types.ComplianceTypeNonCompliant, types.ComplianceTypeNotApplicable}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.EvaluationResults {
			out = append(out, aws.ToString(r.EvaluationResultIdentifier.EvaluationResultQualifier.ResourceId)+"="+string(r.ComplianceType))
		}
	}
	sort.Strings(out)
	return out
}

// waitDetails waits until the rule's results are want.
func waitDetails(t *testing.T, c *cs.Client, rule string, want ...string) {
	t.Helper()
	sort.Strings(want)
	var got []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		got = details(t, c, rule)
		if strings.Join(got, ",") == strings.Join(want, ",") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("results of %s = %q, want %q", rule, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func ruleStatus(t *testing.T, c *cs.Client, rule string) types.ConfigRuleEvaluationStatus {
	t.Helper()
	out := must[*cs.DescribeConfigRuleEvaluationStatusOutput](t)(c.DescribeConfigRuleEvaluationStatus(ctx, &cs.DescribeConfigRuleEvaluationStatusInput{ConfigRuleNames: []string{rule}}))
	if len(out.ConfigRulesEvaluationStatus) != 1 {
		t.Fatalf("%d statuses", len(out.ConfigRulesEvaluationStatus))
	}
	return out.ConfigRulesEvaluationStatus[0]
}

// A managed rule on imported items: compliance appears in every compliance
// API, follows changes and deletions, and is re-evaluated on demand.
func TestEvaluatorManagedRule(t *testing.T) {
	s := startServer(t)
	c := s.clientA()
	putRecorder(t, c, "default")
	seed(t, s, scopeEvalA, evalBucket("b-on", "Enabled", nil), evalBucket("b-off", "Off", nil))
	r := managedRule("versioning", "S3_BUCKET_VERSIONING_ENABLED")
	r.Scope = &types.Scope{ComplianceResourceTypes: []string{"AWS::S3::Bucket"}}
	putRule(t, c, r)
	waitDetails(t, c, "versioning", "b-off=NON_COMPLIANT", "b-on=COMPLIANT")

	t.Run("OKEveryComplianceAPI", func(t *testing.T) {
		byRule := must[*cs.DescribeComplianceByConfigRuleOutput](t)(c.DescribeComplianceByConfigRule(ctx, &cs.DescribeComplianceByConfigRuleInput{ConfigRuleNames: []string{"versioning"}}))
		if len(byRule.ComplianceByConfigRules) != 1 || byRule.ComplianceByConfigRules[0].Compliance.ComplianceType != types.ComplianceTypeNonCompliant {
			t.Fatalf("DescribeComplianceByConfigRule = %+v", byRule.ComplianceByConfigRules)
		}
		byRes := must[*cs.DescribeComplianceByResourceOutput](t)(c.DescribeComplianceByResource(ctx, &cs.DescribeComplianceByResourceInput{ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("b-on")}))
		if len(byRes.ComplianceByResources) != 1 || byRes.ComplianceByResources[0].Compliance.ComplianceType != types.ComplianceTypeCompliant {
			t.Fatalf("DescribeComplianceByResource = %+v", byRes.ComplianceByResources)
		}
		det := must[*cs.GetComplianceDetailsByResourceOutput](t)(c.GetComplianceDetailsByResource(ctx, &cs.GetComplianceDetailsByResourceInput{ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("b-off")}))
		if len(det.EvaluationResults) != 1 || aws.ToString(det.EvaluationResults[0].EvaluationResultIdentifier.EvaluationResultQualifier.ConfigRuleName) != "versioning" {
			t.Fatalf("GetComplianceDetailsByResource = %+v", det.EvaluationResults)
		}
		sum := must[*cs.GetComplianceSummaryByConfigRuleOutput](t)(c.GetComplianceSummaryByConfigRule(ctx, &cs.GetComplianceSummaryByConfigRuleInput{}))
		if n := sum.ComplianceSummary.NonCompliantResourceCount.CappedCount; n != 1 {
			t.Fatalf("non-compliant rules = %d, want 1", n)
		}
		byType := must[*cs.GetComplianceSummaryByResourceTypeOutput](t)(c.GetComplianceSummaryByResourceType(ctx, &cs.GetComplianceSummaryByResourceTypeInput{ResourceTypes: []string{"AWS::S3::Bucket"}}))
		if len(byType.ComplianceSummariesByResourceType) != 1 || byType.ComplianceSummariesByResourceType[0].ComplianceSummary.CompliantResourceCount.CappedCount != 1 ||
			byType.ComplianceSummariesByResourceType[0].ComplianceSummary.NonCompliantResourceCount.CappedCount != 1 {
			t.Fatalf("GetComplianceSummaryByResourceType = %+v", byType.ComplianceSummariesByResourceType)
		}
		st := ruleStatus(t, c, "versioning")
		if !st.FirstEvaluationStarted || st.LastSuccessfulInvocationTime == nil || st.LastSuccessfulEvaluationTime == nil || aws.ToString(st.LastErrorCode) != "" {
			t.Fatalf("status = %+v", st)
		}
	})
	t.Run("OKUpdatedOnChange", func(t *testing.T) {
		seed(t, s, scopeEvalA, evalBucket("b-off", "Enabled", nil), evalBucket("b-new", "Suspended", nil))
		waitDetails(t, c, "versioning", "b-new=NON_COMPLIANT", "b-off=COMPLIANT", "b-on=COMPLIANT")
		seed(t, s, scopeEvalA, &configd.ConfigurationItem{ResourceType: "AWS::S3::Bucket", ResourceID: "b-new", Status: configd.CIStatusResourceDeleted})
		waitDetails(t, c, "versioning", "b-new=NOT_APPLICABLE", "b-off=COMPLIANT", "b-on=COMPLIANT")
	})
	t.Run("OKOnDemand", func(t *testing.T) {
		// An item written behind the evaluator's back (no change job).
		err := s.Store.Write(ctx, func(tx configd.Tx) error {
			ci := evalBucket("b-quiet", "Off", nil)
			ci.Version, ci.AccountID, ci.Region, ci.CaptureTime, ci.Status = configd.CIVersion, acctA, "us-east-1", time.Now().UTC().Truncate(time.Millisecond), configd.CIStatusResourceDiscovered
			_, err := tx.AppendItem(ctx, scopeEvalA, ci)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		must[*cs.StartConfigRulesEvaluationOutput](t)(c.StartConfigRulesEvaluation(ctx, &cs.StartConfigRulesEvaluationInput{ConfigRuleNames: []string{"versioning"}}))
		waitDetails(t, c, "versioning", "b-new=NOT_APPLICABLE", "b-off=COMPLIANT", "b-on=COMPLIANT", "b-quiet=NON_COMPLIANT")
	})
	t.Run("ErrNotImplementedRule", func(t *testing.T) {
		// In the catalogue, not evaluated natively.
		putRule(t, c, managedRule("rsa", "ACM_PCA_ROOT_CA_DISABLED"))
		seed(t, s, scopeEvalA, &configd.ConfigurationItem{ResourceType: "AWS::ACMPCA::CertificateAuthority", ResourceID: "ca", Configuration: `{}`})
		waitFor(t, "the not-implemented status", func() bool { return aws.ToString(ruleStatus(t, c, "rsa").LastErrorCode) != "" })
		st := ruleStatus(t, c, "rsa")
		if aws.ToString(st.LastErrorCode) != configd.ErrNotImplemented || !strings.Contains(aws.ToString(st.LastErrorMessage), "ACM_PCA_ROOT_CA_DISABLED") {
			t.Fatalf("status = %s: %s", aws.ToString(st.LastErrorCode), aws.ToString(st.LastErrorMessage))
		}
		if got := details(t, c, "rsa"); len(got) != 0 {
			t.Fatalf("a rule configd does not implement got results %q", got)
		}
	})
}

// A Guard custom policy rule: PASS, FAIL with the policy's message, SKIP.
func TestEvaluatorGuardRule(t *testing.T) {
	s := startServer(t)
	c := s.clientA()
	putRecorder(t, c, "default")
	seed(t, s, scopeEvalA, evalBucket("b1", "Enabled", map[string]string{"team": "a"}), evalBucket("b2", "Off", nil))
	policy := `rule versioned when resourceType == "AWS::S3::Bucket" {
    supplementaryConfiguration.BucketVersioningConfiguration.status == "Enabled" << versioning is off >>
    tags.team exists << no team tag >>
}`
	putRule(t, c, &types.ConfigRule{ConfigRuleName: aws.String("guard"),
		Source: &types.Source{Owner: types.OwnerCustomPolicy, CustomPolicyDetails: &types.CustomPolicyDetails{PolicyRuntime: aws.String("guard-2.x.x"), PolicyText: aws.String(policy)},
			SourceDetails: []types.SourceDetail{{EventSource: types.EventSourceAwsConfig, MessageType: types.MessageTypeConfigurationItemChangeNotification}}},
		Scope: &types.Scope{ComplianceResourceTypes: []string{"AWS::S3::Bucket", "AWS::SQS::Queue"}}})
	waitDetails(t, c, "guard", "b1=COMPLIANT", "b2=NON_COMPLIANT")
	det := must[*cs.GetComplianceDetailsByResourceOutput](t)(c.GetComplianceDetailsByResource(ctx, &cs.GetComplianceDetailsByResourceInput{ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("b2")}))
	if a := aws.ToString(det.EvaluationResults[0].Annotation); a != "versioning is off; no team tag" {
		t.Fatalf("annotation = %q", a)
	}
	seed(t, s, scopeEvalA, evalBucket("b2", "Enabled", map[string]string{"team": "b"}), &configd.ConfigurationItem{ResourceType: "AWS::SQS::Queue", ResourceID: "q", Configuration: `{}`})
	waitDetails(t, c, "guard", "b1=COMPLIANT", "b2=COMPLIANT", "q=NOT_APPLICABLE")
}

// startClockedServer starts configd in emulator mode (no signature checks,
// so the clock can move) with clock.
func startClockedServer(t *testing.T, clock configd.Clock) *testServer {
	t.Helper()
	dir := t.TempDir()
	m := &Main{Config: ServeConfig{Addr: "127.0.0.1:0", DataDir: filepath.Join(dir, "data"), AcceptAnyCredentials: true}, Clock: clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return &testServer{Main: m, dir: dir}
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// A periodic rule runs on its schedule, driven by an injected clock.
func TestEvaluatorSchedule(t *testing.T) {
	clock := &testClock{now: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
	s := startClockedServer(t, clock)
	c := cs.New(cs.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL()), Retryer: closedConnRetryer(),
		Credentials: credentials.NewStaticCredentialsProvider(acctA, "x", "")})
	putRecorder(t, c, "default")
	seed(t, s, scopeEvalA, &configd.ConfigurationItem{ResourceType: "AWS::CloudTrail::Trail", ResourceID: "trail", ResourceName: "trail",
		Configuration: `{"name":"trail","s3BucketName":"logs","isMultiRegionTrail":true,"homeRegion":"us-east-1"}`})
	r := managedRule("trail", "CLOUD_TRAIL_ENABLED")
	r.MaximumExecutionFrequency = types.MaximumExecutionFrequencyOneHour
	putRule(t, c, r)
	waitDetails(t, c, "trail", acctA+"=COMPLIANT")

	seed(t, s, scopeEvalA, &configd.ConfigurationItem{ResourceType: "AWS::CloudTrail::Trail", ResourceID: "trail", Status: configd.CIStatusResourceDeleted})
	eng := s.evaluator()
	if n, err := eng.Schedule(ctx); err != nil || n != 0 {
		t.Fatalf("Schedule before the hour = %d, %v", n, err)
	}
	if got := details(t, c, "trail"); strings.Join(got, ",") != acctA+"=COMPLIANT" {
		t.Fatalf("a periodic rule changed on a change: %q", got)
	}
	clock.advance(time.Hour)
	if n, err := eng.Schedule(ctx); err != nil || n != 1 {
		t.Fatalf("Schedule at the hour = %d, %v", n, err)
	}
	waitDetails(t, c, "trail", acctA+"=NON_COMPLIANT")
	if st := ruleStatus(t, c, "trail"); !aws.ToTime(st.LastSuccessfulInvocationTime).Equal(clock.Now()) {
		t.Fatalf("last invocation %v, want %v", aws.ToTime(st.LastSuccessfulInvocationTime), clock.Now())
	}
}

// pythonRule is a Lambda-style rule written for AWS Lambda with boto3, in
// the shape of AWS's Python example for change-triggered rules
// (https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_develop-rules_python-sample.html),
// judging S3 buckets on their versioning. It runs unchanged.
const pythonRule = `import json
import boto3

config = boto3.client("config")


def evaluate(item, rule_parameters):
    if item["configurationItemStatus"] == "ResourceDeleted":
        return "NOT_APPLICABLE"
    status = item["supplementaryConfiguration"]["BucketVersioningConfiguration"]["status"]
    return "COMPLIANT" if status == rule_parameters["wanted"] else "NON_COMPLIANT"


def lambda_handler(event, context):
    invoking_event = json.loads(event["invokingEvent"])
    rule_parameters = json.loads(event["ruleParameters"])
    item = invoking_event["configurationItem"]
    compliance = "NOT_APPLICABLE" if event["eventLeftScope"] else evaluate(item, rule_parameters)
    config.put_evaluations(
        Evaluations=[{
            "ComplianceResourceType": item["resourceType"],
            "ComplianceResourceId": item["resourceId"],
            "ComplianceType": compliance,
            "Annotation": "versioning is " + str(item["supplementaryConfiguration"].get("BucketVersioningConfiguration", {}).get("status")),
            "OrderingTimestamp": item["configurationItemCaptureTime"],
        }],
        ResultToken=event["resultToken"],
    )
`

// A Lambda-style rule run as a local Python command answers through
// PutEvaluations, signed with the account's key from the credentials file.
func TestEvaluatorLambdaRule(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		t.Skip("boto3 is not installed")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "versioning_rule.py"), []byte(pythonRule), 0o600); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:lambda:us-east-1:" + acctA + ":function:versioning"
	conf := filepath.Join(dir, "configd.yaml")
	if err := os.WriteFile(conf, []byte("functions:\n  \""+arn+"\":\n    python: versioning_rule.py\n    timeout: 60s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, func(c *ServeConfig) { c.ConfigFile = conf })
	c := s.clientA()
	putRecorder(t, c, "default")
	seed(t, s, scopeEvalA, evalBucket("b1", "Enabled", nil), evalBucket("b2", "Off", nil))
	putRule(t, c, &types.ConfigRule{ConfigRuleName: aws.String("py"), InputParameters: aws.String(`{"wanted":"Enabled"}`),
		Source: &types.Source{Owner: types.OwnerCustomLambda, SourceIdentifier: aws.String(arn),
			SourceDetails: []types.SourceDetail{{EventSource: types.EventSourceAwsConfig, MessageType: types.MessageTypeConfigurationItemChangeNotification}}},
		Scope: &types.Scope{ComplianceResourceTypes: []string{"AWS::S3::Bucket"}}})
	waitDetails(t, c, "py", "b1=COMPLIANT", "b2=NON_COMPLIANT")

	seed(t, s, scopeEvalA, evalBucket("b2", "Enabled", nil))
	waitDetails(t, c, "py", "b1=COMPLIANT", "b2=COMPLIANT")
	det := must[*cs.GetComplianceDetailsByResourceOutput](t)(c.GetComplianceDetailsByResource(ctx, &cs.GetComplianceDetailsByResourceInput{ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("b2")}))
	if a := aws.ToString(det.EvaluationResults[0].Annotation); a != "versioning is Enabled" {
		t.Fatalf("annotation = %q", a)
	}
	st := ruleStatus(t, c, "py")
	if st.LastSuccessfulInvocationTime == nil || aws.ToString(st.LastErrorCode) != "" {
		t.Fatalf("status = %+v", st)
	}

	t.Run("OKOnDemand", func(t *testing.T) {
		// An item written behind the evaluator's back: only a re-evaluation sees it.
		err := s.Store.Write(ctx, func(tx configd.Tx) error {
			ci := evalBucket("b3", "Suspended", nil)
			ci.Version, ci.AccountID, ci.Region, ci.CaptureTime, ci.Status = configd.CIVersion, acctA, "us-east-1", time.Now().UTC().Truncate(time.Millisecond), configd.CIStatusResourceDiscovered
			_, err := tx.AppendItem(ctx, scopeEvalA, ci)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		must[*cs.StartConfigRulesEvaluationOutput](t)(c.StartConfigRulesEvaluation(ctx, &cs.StartConfigRulesEvaluationInput{ConfigRuleNames: []string{"py"}}))
		waitDetails(t, c, "py", "b1=COMPLIANT", "b2=COMPLIANT", "b3=NON_COMPLIANT")
	})
	t.Run("ErrUnknownFunction", func(t *testing.T) {
		putRule(t, c, &types.ConfigRule{ConfigRuleName: aws.String("nofn"),
			Source: &types.Source{Owner: types.OwnerCustomLambda, SourceIdentifier: aws.String(arn + "-missing"),
				SourceDetails: []types.SourceDetail{{EventSource: types.EventSourceAwsConfig, MessageType: types.MessageTypeConfigurationItemChangeNotification}}},
			Scope: &types.Scope{ComplianceResourceTypes: []string{"AWS::S3::Bucket"}}})
		waitFor(t, "the failed invocation", func() bool { return ruleStatus(t, c, "nofn").LastFailedInvocationTime != nil })
		if msg := aws.ToString(ruleStatus(t, c, "nofn").LastErrorMessage); !strings.Contains(msg, "no function is configured") {
			t.Fatalf("LastErrorMessage = %q", msg)
		}
	})
}

// Proactive evaluation of a resource configuration that is not recorded,
// against a Guard rule with the PROACTIVE mode.
func TestEvaluatorProactive(t *testing.T) {
	s := startServer(t)
	c := s.clientA()
	putRecorder(t, c, "default")
	policy := `rule versioned when resourceType == "AWS::S3::Bucket" {
    configuration.VersioningConfiguration.Status == "Enabled" << versioning must be enabled >>
}`
	putRule(t, c, &types.ConfigRule{ConfigRuleName: aws.String("pro"),
		Source: &types.Source{Owner: types.OwnerCustomPolicy, CustomPolicyDetails: &types.CustomPolicyDetails{PolicyRuntime: aws.String("guard-2.x.x"), PolicyText: aws.String(policy)},
			SourceDetails: []types.SourceDetail{{EventSource: types.EventSourceAwsConfig, MessageType: types.MessageTypeConfigurationItemChangeNotification}}},
		Scope:           &types.Scope{ComplianceResourceTypes: []string{"AWS::S3::Bucket"}},
		EvaluationModes: []types.EvaluationModeConfiguration{{Mode: types.EvaluationModeProactive}, {Mode: types.EvaluationModeDetective}}})
	start := func(conf, token string) (string, error) {
		in := &cs.StartResourceEvaluationInput{EvaluationMode: types.EvaluationModeProactive,
			ResourceDetails:   &types.ResourceDetails{ResourceId: aws.String("planned"), ResourceType: aws.String("AWS::S3::Bucket"), ResourceConfiguration: aws.String(conf)},
			EvaluationContext: &types.EvaluationContext{EvaluationContextIdentifier: aws.String("pipeline-1")}}
		if token != "" {
			in.ClientToken = aws.String(token)
		}
		out, err := c.StartResourceEvaluation(ctx, in)
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ResourceEvaluationId), nil
	}
	token1 := strings.Repeat("t", 64) // the model's length: exactly 64
	bad := must[string](t)(start(`{"BucketName":"planned","VersioningConfiguration":{"Status":"Suspended"}}`, token1))
	good := must[string](t)(start(`{"BucketName":"planned","VersioningConfiguration":{"Status":"Enabled"}}`, ""))

	sum := must[*cs.GetResourceEvaluationSummaryOutput](t)(c.GetResourceEvaluationSummary(ctx, &cs.GetResourceEvaluationSummaryInput{ResourceEvaluationId: aws.String(bad)}))
	if sum.EvaluationStatus.Status != types.ResourceEvaluationStatusSucceeded || sum.Compliance != types.ComplianceTypeNonCompliant ||
		sum.EvaluationMode != types.EvaluationModeProactive || aws.ToString(sum.EvaluationContext.EvaluationContextIdentifier) != "pipeline-1" ||
		aws.ToString(sum.ResourceDetails.ResourceType) != "AWS::S3::Bucket" || sum.EvaluationStartTimestamp == nil {
		t.Fatalf("summary = %+v", sum)
	}
	det := must[*cs.GetComplianceDetailsByResourceOutput](t)(c.GetComplianceDetailsByResource(ctx, &cs.GetComplianceDetailsByResourceInput{ResourceEvaluationId: aws.String(bad)}))
	if len(det.EvaluationResults) != 1 || det.EvaluationResults[0].ComplianceType != types.ComplianceTypeNonCompliant ||
		aws.ToString(det.EvaluationResults[0].Annotation) != "versioning must be enabled" ||
		det.EvaluationResults[0].EvaluationResultIdentifier.EvaluationResultQualifier.EvaluationMode != types.EvaluationModeProactive {
		t.Fatalf("details = %+v", det.EvaluationResults)
	}
	sum = must[*cs.GetResourceEvaluationSummaryOutput](t)(c.GetResourceEvaluationSummary(ctx, &cs.GetResourceEvaluationSummaryInput{ResourceEvaluationId: aws.String(good)}))
	if sum.Compliance != types.ComplianceTypeCompliant {
		t.Fatalf("compliance of the good configuration = %s", sum.Compliance)
	}
	// A proactive evaluation records nothing detective.
	if got := details(t, c, "pro"); len(got) != 0 {
		t.Fatalf("detective results %q", got)
	}

	t.Run("OKList", func(t *testing.T) {
		var ids []string
		p := cs.NewListResourceEvaluationsPaginator(c, &cs.ListResourceEvaluationsInput{Limit: 1,
			Filters: &types.ResourceEvaluationFilters{EvaluationContextIdentifier: aws.String("pipeline-1")}})
		for p.HasMorePages() {
			page := must[*cs.ListResourceEvaluationsOutput](t)(p.NextPage(ctx))
			for _, r := range page.ResourceEvaluations {
				ids = append(ids, aws.ToString(r.ResourceEvaluationId))
			}
		}
		if len(ids) != 2 {
			t.Fatalf("listed %q", ids)
		}
		none := must[*cs.ListResourceEvaluationsOutput](t)(c.ListResourceEvaluations(ctx, &cs.ListResourceEvaluationsInput{
			Filters: &types.ResourceEvaluationFilters{EvaluationContextIdentifier: aws.String("other")}}))
		if none.ResourceEvaluations == nil || len(none.ResourceEvaluations) != 0 {
			t.Fatalf("filtered list = %+v", none.ResourceEvaluations)
		}
	})
	t.Run("OKIdempotent", func(t *testing.T) {
		again := must[string](t)(start(`{"BucketName":"planned","VersioningConfiguration":{"Status":"Suspended"}}`, token1))
		if again != bad {
			t.Fatalf("the same client token gave a new evaluation %s", again)
		}
	})
	t.Run("ErrTokenMismatch", func(t *testing.T) {
		_, err := start(`{"BucketName":"other"}`, token1)
		wantCode(t, err, configd.ErrIdempotentParameterMismatch)
	})
	t.Run("ErrDetectiveMode", func(t *testing.T) {
		_, err := c.StartResourceEvaluation(ctx, &cs.StartResourceEvaluationInput{EvaluationMode: types.EvaluationModeDetective,
			ResourceDetails: &types.ResourceDetails{ResourceId: aws.String("x"), ResourceType: aws.String("AWS::S3::Bucket"), ResourceConfiguration: aws.String(`{}`)}})
		wantCode(t, err, configd.ErrInvalidParameterValue)
	})
	t.Run("ErrNotJSON", func(t *testing.T) {
		_, err := start(`not json`, "")
		wantCode(t, err, configd.ErrInvalidParameterValue)
	})
	t.Run("ErrUnknownID", func(t *testing.T) {
		_, err := c.GetResourceEvaluationSummary(ctx, &cs.GetResourceEvaluationSummaryInput{ResourceEvaluationId: aws.String("nope")})
		wantCode(t, err, configd.ErrResourceNotFound)
	})
	t.Run("OKManagedRules", func(t *testing.T) {
		// S3_BUCKET_LOGGING_ENABLED is a proactive rule (its AWS page says
		// so); S3_BUCKET_VERSIONING_ENABLED is not, and gives no result.
		for name, id := range map[string]string{"logging": "S3_BUCKET_LOGGING_ENABLED", "versioning": "S3_BUCKET_VERSIONING_ENABLED"} {
			putRule(t, c, &types.ConfigRule{ConfigRuleName: aws.String(name),
				Source:          &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String(id)},
				Scope:           &types.Scope{ComplianceResourceTypes: []string{"AWS::S3::Bucket"}},
				EvaluationModes: []types.EvaluationModeConfiguration{{Mode: types.EvaluationModeProactive}, {Mode: types.EvaluationModeDetective}}})
		}
		results := func(conf string) map[string]types.ComplianceType {
			out := must[*cs.StartResourceEvaluationOutput](t)(c.StartResourceEvaluation(ctx, &cs.StartResourceEvaluationInput{EvaluationMode: types.EvaluationModeProactive,
				ResourceDetails: &types.ResourceDetails{ResourceId: aws.String("planned"), ResourceType: aws.String("AWS::S3::Bucket"), ResourceConfiguration: aws.String(conf)}}))
			det := must[*cs.GetComplianceDetailsByResourceOutput](t)(c.GetComplianceDetailsByResource(ctx, &cs.GetComplianceDetailsByResourceInput{ResourceEvaluationId: out.ResourceEvaluationId}))
			got := map[string]types.ComplianceType{}
			for _, r := range det.EvaluationResults {
				got[aws.ToString(r.EvaluationResultIdentifier.EvaluationResultQualifier.ConfigRuleName)] = r.ComplianceType
			}
			return got
		}
		got := results(`{"BucketName":"planned","VersioningConfiguration":{"Status":"Enabled"}}`)
		if want := map[string]types.ComplianceType{"pro": types.ComplianceTypeCompliant, "logging": types.ComplianceTypeNonCompliant}; !maps.Equal(got, want) {
			t.Fatalf("without logging: %v, want %v", got, want)
		}
		// The section's example configuration.
		got = results(`{"BucketName":"planned","VersioningConfiguration":{"Status":"Enabled"},"LoggingConfiguration":{"DestinationBucketName":"logs","LogFilePrefix":"my-log"}}`)
		if want := map[string]types.ComplianceType{"pro": types.ComplianceTypeCompliant, "logging": types.ComplianceTypeCompliant}; !maps.Equal(got, want) {
			t.Fatalf("with logging: %v, want %v", got, want)
		}
	})
	t.Run("ErrTimeRange", func(t *testing.T) {
		now := time.Now()
		_, err := c.ListResourceEvaluations(ctx, &cs.ListResourceEvaluationsInput{Filters: &types.ResourceEvaluationFilters{
			TimeWindow: &types.TimeWindow{StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Hour))}}})
		wantCode(t, err, configd.ErrInvalidTimeRange)
	})
}
