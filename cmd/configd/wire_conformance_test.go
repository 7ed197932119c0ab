package main

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// Wire tests of conformance packs, the aggregate compliance reads and the
// organization operations, through the aws-sdk-go-v2 client.

// packTemplate has a managed rule whose parameter comes from the pack's
// input, a custom Lambda rule, and a remediation of the managed rule that
// names it with Ref.
const packTemplate = `
Parameters:
  MaxAge:
    Type: String
    Default: "90"
  Versioning:
    Type: String
Conditions:
  HasVersioning: !Equals [!Ref Versioning, "yes"]
Resources:
  KeysRotated:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: access-keys-rotated
      InputParameters:
        maxAccessKeyAge: !Ref MaxAge
      Source:
        Owner: AWS
        SourceIdentifier: ACCESS_KEYS_ROTATED
      MaximumExecutionFrequency: TwentyFour_Hours
  BucketCheck:
    Type: AWS::Config::ConfigRule
    Properties:
      ConfigRuleName: bucket-check
      Description: !If [HasVersioning, "versioned", !Ref "AWS::NoValue"]
      Scope:
        ComplianceResourceTypes: [AWS::S3::Bucket]
      Source:
        Owner: CUSTOM_LAMBDA
        SourceIdentifier: !Sub "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:bucket-check"
        SourceDetails:
          - EventSource: aws.config
            MessageType: ConfigurationItemChangeNotification
  BucketFix:
    Type: AWS::Config::RemediationConfiguration
    Properties:
      ConfigRuleName: !Ref BucketCheck
      TargetId: AWS-EnableS3BucketEncryption
      TargetType: SSM_DOCUMENT
      Automatic: false
      Parameters:
        BucketName:
          ResourceValue:
            Value: RESOURCE_ID
`

func putPack(t *testing.T, c *cs.Client, name, body string, params ...types.ConformancePackInputParameter) *cs.PutConformancePackOutput {
	t.Helper()
	return must[*cs.PutConformancePackOutput](t)(c.PutConformancePack(ctx, &cs.PutConformancePackInput{ConformancePackName: aws.String(name), TemplateBody: aws.String(body), ConformancePackInputParameters: params}))
}

// packRules returns the pack's rule names by their template names.
func packRules(t *testing.T, c *cs.Client) map[string]string {
	t.Helper()
	out := map[string]string{}
	rules := must[*cs.DescribeConfigRulesOutput](t)(c.DescribeConfigRules(ctx, &cs.DescribeConfigRulesInput{}))
	for _, r := range rules.ConfigRules {
		name := aws.ToString(r.ConfigRuleName)
		if base, _, ok := strings.Cut(name, "-conformance-pack-"); ok {
			if aws.ToString(r.CreatedBy) != "config-conforms.amazonaws.com" {
				t.Fatalf("rule %s CreatedBy = %q", name, aws.ToString(r.CreatedBy))
			}
			out[base] = name
		}
	}
	return out
}

func TestWireConformancePacks(t *testing.T) {
	s := startServer(t)
	c := s.clientA()
	t.Run("ErrNoRecorderCreateFailed", func(t *testing.T) {
		putPack(t, c, "early", packTemplate, types.ConformancePackInputParameter{ParameterName: aws.String("Versioning"), ParameterValue: aws.String("no")})
		st := must[*cs.DescribeConformancePackStatusOutput](t)(c.DescribeConformancePackStatus(ctx, &cs.DescribeConformancePackStatusInput{ConformancePackNames: []string{"early"}}))
		if len(st.ConformancePackStatusDetails) != 1 || st.ConformancePackStatusDetails[0].ConformancePackState != types.ConformancePackStateCreateFailed {
			t.Fatalf("status = %+v", st.ConformancePackStatusDetails)
		}
		if len(packRules(t, c)) != 0 {
			t.Fatal("a failed pack created rules")
		}
		must[*cs.DeleteConformancePackOutput](t)(c.DeleteConformancePack(ctx, &cs.DeleteConformancePackInput{ConformancePackName: aws.String("early")}))
	})
	t.Run("OKStatusOfDeletedPack", func(t *testing.T) {
		// No NoSuchConformancePackException on this operation (the model
		// lists none): a deleted or unknown pack is not listed, which is
		// what Terraform's delete waiter polls for.
		st := must[*cs.DescribeConformancePackStatusOutput](t)(c.DescribeConformancePackStatus(ctx, &cs.DescribeConformancePackStatusInput{ConformancePackNames: []string{"early", "never-made"}}))
		if len(st.ConformancePackStatusDetails) != 0 {
			t.Fatalf("status of deleted packs = %+v", st.ConformancePackStatusDetails)
		}
		_, err := c.DescribeConformancePacks(ctx, &cs.DescribeConformancePacksInput{ConformancePackNames: []string{"early"}})
		wantCode(t, err, "NoSuchConformancePackException")
	})
	putRecorder(t, c, "default")

	var arn string
	t.Run("OKPut", func(t *testing.T) {
		out := putPack(t, c, "pack", packTemplate,
			types.ConformancePackInputParameter{ParameterName: aws.String("MaxAge"), ParameterValue: aws.String("30")},
			types.ConformancePackInputParameter{ParameterName: aws.String("Versioning"), ParameterValue: aws.String("yes")})
		arn = aws.ToString(out.ConformancePackArn)
		if !strings.HasPrefix(arn, "arn:aws:config:us-east-1:"+acctA+":conformance-pack/pack/conformance-pack-") {
			t.Fatalf("ARN = %q", arn)
		}
		rules := packRules(t, c)
		if len(rules) != 2 {
			t.Fatalf("pack rules = %v", rules)
		}
		got := must[*cs.DescribeConfigRulesOutput](t)(c.DescribeConfigRules(ctx, &cs.DescribeConfigRulesInput{ConfigRuleNames: []string{rules["access-keys-rotated"], rules["bucket-check"]}})).ConfigRules
		if aws.ToString(got[0].InputParameters) != `{"maxAccessKeyAge":"30"}` || got[0].MaximumExecutionFrequency != types.MaximumExecutionFrequencyTwentyFourHours {
			t.Fatalf("managed rule = %+v", got[0])
		}
		if aws.ToString(got[1].Source.SourceIdentifier) != testFunctionARN || aws.ToString(got[1].Description) != "versioned" {
			t.Fatalf("lambda rule = %+v", got[1])
		}
		rem := must[*cs.DescribeRemediationConfigurationsOutput](t)(c.DescribeRemediationConfigurations(ctx, &cs.DescribeRemediationConfigurationsInput{ConfigRuleNames: []string{rules["bucket-check"]}}))
		if len(rem.RemediationConfigurations) != 1 || aws.ToString(rem.RemediationConfigurations[0].TargetId) != "AWS-EnableS3BucketEncryption" {
			t.Fatalf("remediations = %+v", rem.RemediationConfigurations)
		}
		det := must[*cs.DescribeConformancePacksOutput](t)(c.DescribeConformancePacks(ctx, &cs.DescribeConformancePacksInput{}))
		if len(det.ConformancePackDetails) != 1 || aws.ToString(det.ConformancePackDetails[0].ConformancePackArn) != arn || len(det.ConformancePackDetails[0].ConformancePackInputParameters) != 2 {
			t.Fatalf("packs = %+v", det.ConformancePackDetails)
		}
		st := must[*cs.DescribeConformancePackStatusOutput](t)(c.DescribeConformancePackStatus(ctx, &cs.DescribeConformancePackStatusInput{}))
		if st.ConformancePackStatusDetails[0].ConformancePackState != types.ConformancePackStateCreateComplete || !strings.Contains(aws.ToString(st.ConformancePackStatusDetails[0].StackArn), ":stack/awsconfigconforms-pack-") {
			t.Fatalf("status = %+v", st.ConformancePackStatusDetails[0])
		}
	})
	t.Run("OKUpdateKeepsNames", func(t *testing.T) {
		before := packRules(t, c)
		putPack(t, c, "pack", packTemplate, types.ConformancePackInputParameter{ParameterName: aws.String("Versioning"), ParameterValue: aws.String("no")})
		after := packRules(t, c)
		if before["bucket-check"] != after["bucket-check"] || before["access-keys-rotated"] != after["access-keys-rotated"] {
			t.Fatalf("names changed: %v -> %v", before, after)
		}
		r := must[*cs.DescribeConfigRulesOutput](t)(c.DescribeConfigRules(ctx, &cs.DescribeConfigRulesInput{ConfigRuleNames: []string{after["access-keys-rotated"]}})).ConfigRules[0]
		if aws.ToString(r.InputParameters) != `{"maxAccessKeyAge":"90"}` {
			t.Fatalf("default parameter not applied: %s", aws.ToString(r.InputParameters))
		}
	})
	t.Run("ErrServiceLinkedRules", func(t *testing.T) {
		// A pack's rules change only with the pack: AWS refuses the three
		// operations with this error, as a 400.
		const denied = "An AWS service owns ServiceLinkedConfigRule. You do not have permissions to take action on this rule."
		rules := packRules(t, c)
		for _, name := range []string{rules["access-keys-rotated"], rules["bucket-check"]} { // bucket-check has a remediation
			_, err := c.DeleteConfigRule(ctx, &cs.DeleteConfigRuleInput{ConfigRuleName: aws.String(name)})
			wantCode(t, err, "AccessDeniedException", denied)
			var re interface{ HTTPStatusCode() int }
			if !errors.As(err, &re) || re.HTTPStatusCode() != 400 {
				t.Fatalf("status of %v, want 400", err)
			}
			_, err = c.DeleteEvaluationResults(ctx, &cs.DeleteEvaluationResultsInput{ConfigRuleName: aws.String(name)})
			wantCode(t, err, "AccessDeniedException", denied)
			_, err = c.PutConfigRule(ctx, &cs.PutConfigRuleInput{ConfigRule: &types.ConfigRule{ConfigRuleName: aws.String(name),
				Source: &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String("S3_BUCKET_VERSIONING_ENABLED")}}})
			wantCode(t, err, "AccessDeniedException", denied)
		}
		if after := packRules(t, c); !maps.Equal(after, rules) {
			t.Fatalf("rules %v, were %v", after, rules)
		}
		r := must[*cs.DescribeConfigRulesOutput](t)(c.DescribeConfigRules(ctx, &cs.DescribeConfigRulesInput{ConfigRuleNames: []string{rules["access-keys-rotated"]}})).ConfigRules[0]
		if aws.ToString(r.Source.SourceIdentifier) != "ACCESS_KEYS_ROTATED" || aws.ToString(r.CreatedBy) != "config-conforms.amazonaws.com" {
			t.Fatalf("rule changed: %+v", r)
		}
	})
	t.Run("ErrTemplate", func(t *testing.T) {
		for name, body := range map[string]string{
			"NotYAML":        "Resources: [",
			"NoResources":    "Parameters: {}",
			"OtherType":      "Resources:\n  B:\n    Type: AWS::S3::Bucket\n",
			"UnresolvedRef":  "Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n    Properties:\n      InputParameters: {a: !Ref Nope}\n      Source: {Owner: AWS, SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED}\n",
			"MissingParam":   "Parameters:\n  P: {Type: String}\nResources:\n  R:\n    Type: AWS::Config::ConfigRule\n    Properties:\n      Source: {Owner: AWS, SourceIdentifier: S3_BUCKET_VERSIONING_ENABLED}\n",
			"BadRule":        "Resources:\n  R:\n    Type: AWS::Config::ConfigRule\n    Properties:\n      Source: {Owner: NOBODY}\n",
			"UnknownRemRule": "Resources:\n  R:\n    Type: AWS::Config::RemediationConfiguration\n    Properties: {ConfigRuleName: x, TargetId: d, TargetType: SSM_DOCUMENT}\n",
		} {
			_, err := c.PutConformancePack(ctx, &cs.PutConformancePackInput{ConformancePackName: aws.String("bad"), TemplateBody: aws.String(body)})
			if err == nil {
				t.Fatalf("%s: accepted", name)
			}
			wantCode(t, err, "ConformancePackTemplateValidationException")
		}
		_, err := c.DescribeConformancePacks(ctx, &cs.DescribeConformancePacksInput{ConformancePackNames: []string{"bad"}})
		wantCode(t, err, "NoSuchConformancePackException")
	})
	t.Run("ErrTemplateSource", func(t *testing.T) {
		_, err := c.PutConformancePack(ctx, &cs.PutConformancePackInput{ConformancePackName: aws.String("s3"), TemplateS3Uri: aws.String("s3://bucket/pack.yaml")})
		wantCode(t, err, "InsufficientPermissionsException")
		_, err = c.PutConformancePack(ctx, &cs.PutConformancePackInput{ConformancePackName: aws.String("two"), TemplateS3Uri: aws.String("s3://bucket/pack.yaml"), TemplateBody: aws.String(packTemplate)})
		wantCode(t, err, "InvalidParameterValueException")
		_, err = c.PutConformancePack(ctx, &cs.PutConformancePackInput{ConformancePackName: aws.String("none")})
		wantCode(t, err, "InvalidParameterValueException")
		_, err = c.PutConformancePack(ctx, &cs.PutConformancePackInput{ConformancePackName: aws.String("1bad"), TemplateBody: aws.String(packTemplate)})
		wantCode(t, err, "ValidationException")
	})

	rules := packRules(t, c)
	drainRuleJobs(t, s, scopeA1)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	putEvaluations(t, c, sealResultToken(s, scopeA1, rules["bucket-check"], time.Now().Add(-time.Minute)),
		bucketEval("b1", types.ComplianceTypeNonCompliant, at), bucketEval("b2", types.ComplianceTypeCompliant, at), bucketEval("b3", types.ComplianceTypeCompliant, at))

	t.Run("OKCompliance", func(t *testing.T) {
		out := must[*cs.DescribeConformancePackComplianceOutput](t)(c.DescribeConformancePackCompliance(ctx, &cs.DescribeConformancePackComplianceInput{ConformancePackName: aws.String("pack")}))
		want := map[string]types.ConformancePackComplianceType{rules["bucket-check"]: types.ConformancePackComplianceTypeNonCompliant, rules["access-keys-rotated"]: types.ConformancePackComplianceTypeInsufficientData}
		if len(out.ConformancePackRuleComplianceList) != 2 {
			t.Fatalf("compliance = %+v", out.ConformancePackRuleComplianceList)
		}
		for _, r := range out.ConformancePackRuleComplianceList {
			if want[aws.ToString(r.ConfigRuleName)] != r.ComplianceType {
				t.Fatalf("rule %s = %s", aws.ToString(r.ConfigRuleName), r.ComplianceType)
			}
		}
		f := must[*cs.DescribeConformancePackComplianceOutput](t)(c.DescribeConformancePackCompliance(ctx, &cs.DescribeConformancePackComplianceInput{ConformancePackName: aws.String("pack"),
			Filters: &types.ConformancePackComplianceFilters{ComplianceType: types.ConformancePackComplianceTypeNonCompliant}}))
		if len(f.ConformancePackRuleComplianceList) != 1 {
			t.Fatalf("filtered = %+v", f.ConformancePackRuleComplianceList)
		}
		det := must[*cs.GetConformancePackComplianceDetailsOutput](t)(c.GetConformancePackComplianceDetails(ctx, &cs.GetConformancePackComplianceDetailsInput{ConformancePackName: aws.String("pack"), Limit: 2}))
		if len(det.ConformancePackRuleEvaluationResults) != 2 || det.NextToken == nil {
			t.Fatalf("details page = %+v", det)
		}
		det2 := must[*cs.GetConformancePackComplianceDetailsOutput](t)(c.GetConformancePackComplianceDetails(ctx, &cs.GetConformancePackComplianceDetailsInput{ConformancePackName: aws.String("pack"), Limit: 2, NextToken: det.NextToken}))
		if len(det2.ConformancePackRuleEvaluationResults) != 1 || aws.ToString(det2.ConformancePackRuleEvaluationResults[0].EvaluationResultIdentifier.EvaluationResultQualifier.ResourceId) != "b3" {
			t.Fatalf("details page 2 = %+v", det2.ConformancePackRuleEvaluationResults)
		}
		nc := must[*cs.GetConformancePackComplianceDetailsOutput](t)(c.GetConformancePackComplianceDetails(ctx, &cs.GetConformancePackComplianceDetailsInput{ConformancePackName: aws.String("pack"),
			Filters: &types.ConformancePackEvaluationFilters{ComplianceType: types.ConformancePackComplianceTypeNonCompliant, ResourceType: aws.String("AWS::S3::Bucket"), ResourceIds: []string{"b1", "b2"}}}))
		if len(nc.ConformancePackRuleEvaluationResults) != 1 || aws.ToString(nc.ConformancePackRuleEvaluationResults[0].Annotation) != "checked b1" {
			t.Fatalf("non-compliant details = %+v", nc.ConformancePackRuleEvaluationResults)
		}
		sum := must[*cs.GetConformancePackComplianceSummaryOutput](t)(c.GetConformancePackComplianceSummary(ctx, &cs.GetConformancePackComplianceSummaryInput{ConformancePackNames: []string{"pack"}}))
		if len(sum.ConformancePackComplianceSummaryList) != 1 || sum.ConformancePackComplianceSummaryList[0].ConformancePackComplianceStatus != types.ConformancePackComplianceTypeNonCompliant {
			t.Fatalf("summary = %+v", sum.ConformancePackComplianceSummaryList)
		}
		scores := must[*cs.ListConformancePackComplianceScoresOutput](t)(c.ListConformancePackComplianceScores(ctx, &cs.ListConformancePackComplianceScoresInput{}))
		if len(scores.ConformancePackComplianceScores) != 1 || aws.ToString(scores.ConformancePackComplianceScores[0].Score) != "66.67" {
			t.Fatalf("scores = %+v", scores.ConformancePackComplianceScores)
		}
	})
	t.Run("ErrCompliance", func(t *testing.T) {
		_, err := c.DescribeConformancePackCompliance(ctx, &cs.DescribeConformancePackComplianceInput{ConformancePackName: aws.String("pack"), Filters: &types.ConformancePackComplianceFilters{ConfigRuleNames: []string{"bucket-check"}}})
		wantCode(t, err, "NoSuchConfigRuleInConformancePackException")
		_, err = c.DescribeConformancePackCompliance(ctx, &cs.DescribeConformancePackComplianceInput{ConformancePackName: aws.String("nope")})
		wantCode(t, err, "NoSuchConformancePackException")
		_, err = c.GetConformancePackComplianceDetails(ctx, &cs.GetConformancePackComplianceDetailsInput{ConformancePackName: aws.String("pack"), Filters: &types.ConformancePackEvaluationFilters{ResourceIds: []string{"b1"}}})
		wantCode(t, err, "InvalidParameterValueException")
		_, err = c.GetConformancePackComplianceSummary(ctx, &cs.GetConformancePackComplianceSummaryInput{ConformancePackNames: []string{"nope"}})
		wantCode(t, err, "NoSuchConformancePackException")
	})
	t.Run("OKDelete", func(t *testing.T) {
		must[*cs.DeleteConformancePackOutput](t)(c.DeleteConformancePack(ctx, &cs.DeleteConformancePackInput{ConformancePackName: aws.String("pack")}))
		if left := packRules(t, c); len(left) != 0 {
			t.Fatalf("rules left = %v", left)
		}
		rem := must[*cs.DescribeRemediationConfigurationsOutput](t)(c.DescribeRemediationConfigurations(ctx, &cs.DescribeRemediationConfigurationsInput{ConfigRuleNames: []string{rules["bucket-check"]}}))
		if len(rem.RemediationConfigurations) != 0 {
			t.Fatalf("remediations left = %+v", rem.RemediationConfigurations)
		}
		_, err := c.DeleteConformancePack(ctx, &cs.DeleteConformancePackInput{ConformancePackName: aws.String("pack")})
		wantCode(t, err, "NoSuchConformancePackException")
	})
}

func TestWireAggregateCompliance(t *testing.T) {
	s := startServer(t)
	a, b := s.clientA(), s.client(keyB, secretB, "us-east-1")
	putRecorder(t, a, "default")
	putRecorder(t, b, "default")
	putRule(t, a, lambdaConfigRule("lambda"))
	putRule(t, b, lambdaConfigRule("lambda"))
	putPack(t, b, "bpack", packTemplate, types.ConformancePackInputParameter{ParameterName: aws.String("Versioning"), ParameterValue: aws.String("no")})
	drainRuleJobs(t, s, scopeA1)
	drainRuleJobs(t, s, scopeB1)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	invoked := time.Now().Add(-time.Minute)
	putEvaluations(t, a, sealResultToken(s, scopeA1, "lambda", invoked), bucketEval("a1", types.ComplianceTypeCompliant, at))
	putEvaluations(t, b, sealResultToken(s, scopeB1, "lambda", invoked), bucketEval("b1", types.ComplianceTypeNonCompliant, at), bucketEval("b2", types.ComplianceTypeCompliant, at))
	putEvaluations(t, b, sealResultToken(s, scopeB1, packRules(t, b)["bucket-check"], invoked), bucketEval("b1", types.ComplianceTypeCompliant, at))
	must[*cs.PutConfigurationAggregatorOutput](t)(a.PutConfigurationAggregator(ctx, &cs.PutConfigurationAggregatorInput{
		ConfigurationAggregatorName: aws.String("agg"), AccountAggregationSources: []types.AccountAggregationSource{{AccountIds: []string{acctA, acctB}, AwsRegions: []string{"us-east-1"}}},
	}))
	agg := aws.String("agg")
	byRules := func() []string {
		out := must[*cs.DescribeAggregateComplianceByConfigRulesOutput](t)(a.DescribeAggregateComplianceByConfigRules(ctx, &cs.DescribeAggregateComplianceByConfigRulesInput{ConfigurationAggregatorName: agg,
			Filters: &types.ConfigRuleComplianceFilters{ConfigRuleName: aws.String("lambda")}}))
		var r []string
		for _, c := range out.AggregateComplianceByConfigRules {
			r = append(r, aws.ToString(c.AccountId)+":"+string(c.Compliance.ComplianceType))
		}
		return r
	}
	t.Run("ErrIsolationWithoutAuthorization", func(t *testing.T) {
		if got := strings.Join(byRules(), ","); got != acctA+":COMPLIANT" {
			t.Fatalf("rules = %s", got)
		}
		det := must[*cs.GetAggregateComplianceDetailsByConfigRuleOutput](t)(a.GetAggregateComplianceDetailsByConfigRule(ctx, &cs.GetAggregateComplianceDetailsByConfigRuleInput{ConfigurationAggregatorName: agg,
			ConfigRuleName: aws.String("lambda"), AccountId: aws.String(acctB), AwsRegion: aws.String("us-east-1")}))
		if det.AggregateEvaluationResults == nil || len(det.AggregateEvaluationResults) != 0 {
			t.Fatalf("details of an unauthorized source = %+v", det.AggregateEvaluationResults)
		}
		packs := must[*cs.DescribeAggregateComplianceByConformancePacksOutput](t)(a.DescribeAggregateComplianceByConformancePacks(ctx, &cs.DescribeAggregateComplianceByConformancePacksInput{ConfigurationAggregatorName: agg}))
		if len(packs.AggregateComplianceByConformancePacks) != 0 {
			t.Fatalf("packs = %+v", packs.AggregateComplianceByConformancePacks)
		}
	})
	must[*cs.PutAggregationAuthorizationOutput](t)(b.PutAggregationAuthorization(ctx, &cs.PutAggregationAuthorizationInput{AuthorizedAccountId: aws.String(acctA), AuthorizedAwsRegion: aws.String("us-east-1")}))
	t.Run("OKAuthorized", func(t *testing.T) {
		if got := strings.Join(byRules(), ","); got != acctA+":COMPLIANT,"+acctB+":NON_COMPLIANT" {
			t.Fatalf("rules = %s", got)
		}
		det := must[*cs.GetAggregateComplianceDetailsByConfigRuleOutput](t)(a.GetAggregateComplianceDetailsByConfigRule(ctx, &cs.GetAggregateComplianceDetailsByConfigRuleInput{ConfigurationAggregatorName: agg,
			ConfigRuleName: aws.String("lambda"), AccountId: aws.String(acctB), AwsRegion: aws.String("us-east-1"), ComplianceType: types.ComplianceTypeNonCompliant}))
		if len(det.AggregateEvaluationResults) != 1 || aws.ToString(det.AggregateEvaluationResults[0].AccountId) != acctB ||
			aws.ToString(det.AggregateEvaluationResults[0].EvaluationResultIdentifier.EvaluationResultQualifier.ResourceId) != "b1" {
			t.Fatalf("details = %+v", det.AggregateEvaluationResults)
		}
		sum := must[*cs.GetAggregateConfigRuleComplianceSummaryOutput](t)(a.GetAggregateConfigRuleComplianceSummary(ctx, &cs.GetAggregateConfigRuleComplianceSummaryInput{ConfigurationAggregatorName: agg, GroupByKey: types.ConfigRuleComplianceSummaryGroupKeyAccountId}))
		if len(sum.AggregateComplianceCounts) != 2 || aws.ToString(sum.AggregateComplianceCounts[1].GroupName) != acctB ||
			sum.AggregateComplianceCounts[1].ComplianceSummary.NonCompliantResourceCount.CappedCount != 1 ||
			sum.AggregateComplianceCounts[1].ComplianceSummary.CompliantResourceCount.CappedCount != 1 {
			t.Fatalf("summary = %+v", sum.AggregateComplianceCounts)
		}
		packs := must[*cs.DescribeAggregateComplianceByConformancePacksOutput](t)(a.DescribeAggregateComplianceByConformancePacks(ctx, &cs.DescribeAggregateComplianceByConformancePacksInput{ConfigurationAggregatorName: agg}))
		if len(packs.AggregateComplianceByConformancePacks) != 1 {
			t.Fatalf("packs = %+v", packs.AggregateComplianceByConformancePacks)
		}
		p := packs.AggregateComplianceByConformancePacks[0]
		if aws.ToString(p.ConformancePackName) != "bpack" || p.Compliance.ComplianceType != types.ConformancePackComplianceTypeCompliant ||
			p.Compliance.TotalRuleCount != 2 || p.Compliance.CompliantRuleCount != 1 {
			t.Fatalf("pack = %+v %+v", p, p.Compliance)
		}
		psum := must[*cs.GetAggregateConformancePackComplianceSummaryOutput](t)(a.GetAggregateConformancePackComplianceSummary(ctx, &cs.GetAggregateConformancePackComplianceSummaryInput{ConfigurationAggregatorName: agg, GroupByKey: types.AggregateConformancePackComplianceSummaryGroupKeyAwsRegion}))
		if len(psum.AggregateConformancePackComplianceSummaries) != 1 || psum.AggregateConformancePackComplianceSummaries[0].ComplianceSummary.CompliantConformancePackCount != 1 {
			t.Fatalf("pack summary = %+v", psum.AggregateConformancePackComplianceSummaries)
		}
	})
	t.Run("ErrNoSuchAggregator", func(t *testing.T) {
		_, err := a.DescribeAggregateComplianceByConfigRules(ctx, &cs.DescribeAggregateComplianceByConfigRulesInput{ConfigurationAggregatorName: aws.String("nope")})
		wantCode(t, err, "NoSuchConfigurationAggregatorException")
		_, err = a.GetAggregateComplianceDetailsByConfigRule(ctx, &cs.GetAggregateComplianceDetailsByConfigRuleInput{ConfigurationAggregatorName: aws.String("nope"), ConfigRuleName: aws.String("lambda"), AccountId: aws.String(acctB), AwsRegion: aws.String("us-east-1")})
		wantCode(t, err, "NoSuchConfigurationAggregatorException")
		_, err = a.GetAggregateConfigRuleComplianceSummary(ctx, &cs.GetAggregateConfigRuleComplianceSummaryInput{ConfigurationAggregatorName: aws.String("nope")})
		wantCode(t, err, "NoSuchConfigurationAggregatorException")
		_, err = a.DescribeAggregateComplianceByConformancePacks(ctx, &cs.DescribeAggregateComplianceByConformancePacksInput{ConfigurationAggregatorName: aws.String("nope")})
		wantCode(t, err, "NoSuchConfigurationAggregatorException")
		_, err = a.GetAggregateConformancePackComplianceSummary(ctx, &cs.GetAggregateConformancePackComplianceSummaryInput{ConfigurationAggregatorName: aws.String("nope")})
		wantCode(t, err, "NoSuchConfigurationAggregatorException")
		// The account of a source is 12 digits (validation before lookup).
		_, err = a.GetAggregateComplianceDetailsByConfigRule(ctx, &cs.GetAggregateComplianceDetailsByConfigRuleInput{ConfigurationAggregatorName: aws.String("nope"), ConfigRuleName: aws.String("lambda"), AccountId: aws.String("acct"), AwsRegion: aws.String("us-east-1")})
		wantCode(t, err, "ValidationException")
	})
}

func TestWireOrganization(t *testing.T) {
	s := startServer(t)
	c := s.clientA()
	const denied = "This action can only be made by accounts in an AWS Organization"
	name := aws.String("org")
	t.Run("ErrNotInOrganization", func(t *testing.T) {
		calls := map[string]func() error{
			"PutOrganizationConfigRule": func() error {
				_, err := c.PutOrganizationConfigRule(ctx, &cs.PutOrganizationConfigRuleInput{OrganizationConfigRuleName: name,
					OrganizationManagedRuleMetadata: &types.OrganizationManagedRuleMetadata{RuleIdentifier: aws.String("S3_BUCKET_VERSIONING_ENABLED")}})
				return err
			},
			"DescribeOrganizationConfigRules": func() error {
				_, err := c.DescribeOrganizationConfigRules(ctx, &cs.DescribeOrganizationConfigRulesInput{})
				return err
			},
			"DescribeOrganizationConfigRuleStatuses": func() error {
				_, err := c.DescribeOrganizationConfigRuleStatuses(ctx, &cs.DescribeOrganizationConfigRuleStatusesInput{})
				return err
			},
			"DeleteOrganizationConfigRule": func() error {
				_, err := c.DeleteOrganizationConfigRule(ctx, &cs.DeleteOrganizationConfigRuleInput{OrganizationConfigRuleName: name})
				return err
			},
			"GetOrganizationConfigRuleDetailedStatus": func() error {
				_, err := c.GetOrganizationConfigRuleDetailedStatus(ctx, &cs.GetOrganizationConfigRuleDetailedStatusInput{OrganizationConfigRuleName: name})
				return err
			},
			"GetOrganizationCustomRulePolicy": func() error {
				_, err := c.GetOrganizationCustomRulePolicy(ctx, &cs.GetOrganizationCustomRulePolicyInput{OrganizationConfigRuleName: name})
				return err
			},
			"PutOrganizationConformancePack": func() error {
				_, err := c.PutOrganizationConformancePack(ctx, &cs.PutOrganizationConformancePackInput{OrganizationConformancePackName: name, TemplateBody: aws.String(packTemplate)})
				return err
			},
			"DescribeOrganizationConformancePacks": func() error {
				_, err := c.DescribeOrganizationConformancePacks(ctx, &cs.DescribeOrganizationConformancePacksInput{})
				return err
			},
			"DescribeOrganizationConformancePackStatuses": func() error {
				_, err := c.DescribeOrganizationConformancePackStatuses(ctx, &cs.DescribeOrganizationConformancePackStatusesInput{})
				return err
			},
			"DeleteOrganizationConformancePack": func() error {
				_, err := c.DeleteOrganizationConformancePack(ctx, &cs.DeleteOrganizationConformancePackInput{OrganizationConformancePackName: name})
				return err
			},
			"GetOrganizationConformancePackDetailedStatus": func() error {
				_, err := c.GetOrganizationConformancePackDetailedStatus(ctx, &cs.GetOrganizationConformancePackDetailedStatusInput{OrganizationConformancePackName: name})
				return err
			},
		}
		for op, call := range calls {
			t.Run(op, func(t *testing.T) { wantCode(t, call(), "OrganizationAccessDeniedException", denied) })
		}
	})
	t.Run("ErrValidationFirst", func(t *testing.T) {
		_, err := c.PutOrganizationConfigRule(ctx, &cs.PutOrganizationConfigRuleInput{OrganizationConfigRuleName: name})
		wantCode(t, err, "ValidationException")
		_, err = c.PutOrganizationConformancePack(ctx, &cs.PutOrganizationConformancePackInput{OrganizationConformancePackName: name})
		wantCode(t, err, "InvalidParameterValueException")
		_, err = c.DeleteOrganizationConfigRule(ctx, &cs.DeleteOrganizationConfigRuleInput{OrganizationConfigRuleName: aws.String(strings.Repeat("r", 65))})
		wantCode(t, err, "ValidationException")
	})
}
