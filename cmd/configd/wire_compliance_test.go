package main

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// Wire tests of PutEvaluations, PutExternalEvaluation and the compliance
// queries; helpers are in wire_rules_test.go.

func putEvaluations(t *testing.T, c *cs.Client, token string, evals ...types.Evaluation) *cs.PutEvaluationsOutput {
	t.Helper()
	return must[*cs.PutEvaluationsOutput](t)(c.PutEvaluations(ctx, &cs.PutEvaluationsInput{ResultToken: aws.String(token), Evaluations: evals}))
}

func bucketEval(id string, ct types.ComplianceType, at time.Time) types.Evaluation {
	return types.Evaluation{ComplianceResourceType: aws.String("AWS::S3::Bucket"), ComplianceResourceId: aws.String(id), ComplianceType: ct, OrderingTimestamp: aws.Time(at), Annotation: aws.String("checked " + id)}
}

func TestWireEvaluations(t *testing.T) {
	s := startServer(t, func(c *ServeConfig) { c.noEvaluator = true }) // the test drains rule jobs itself
	c, cb := s.clientA(), s.client(keyB, secretB, "us-east-1")
	putRecorder(t, c, "default")
	putRecorder(t, cb, "default")
	putRule(t, c, lambdaConfigRule("lambda"))
	putRule(t, c, lambdaConfigRule("other"))
	putRule(t, c, managedRule("process", "AWS_CONFIG_PROCESS_CHECK"))
	putRule(t, c, managedRule("versioning", "S3_BUCKET_VERSIONING_ENABLED"))
	drainRuleJobs(t, s, scopeA1)
	invoked := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	token := sealResultToken(s, scopeA1, "lambda", invoked)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)

	t.Run("OKTestMode", func(t *testing.T) {
		out := must[*cs.PutEvaluationsOutput](t)(c.PutEvaluations(ctx, &cs.PutEvaluationsInput{ResultToken: aws.String("TESTMODE"), TestMode: true, Evaluations: []types.Evaluation{bucketEval("b1", types.ComplianceTypeCompliant, at)}}))
		if out.FailedEvaluations == nil || len(out.FailedEvaluations) != 0 {
			t.Fatalf("failed = %v", out.FailedEvaluations)
		}
		res := must[*cs.GetComplianceDetailsByConfigRuleOutput](t)(c.GetComplianceDetailsByConfigRule(ctx, &cs.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("lambda")}))
		if len(res.EvaluationResults) != 0 {
			t.Fatalf("test mode stored %v", res.EvaluationResults)
		}
	})
	t.Run("ErrInvalidToken", func(t *testing.T) {
		_, err := c.PutEvaluations(ctx, &cs.PutEvaluationsInput{ResultToken: aws.String("forged"), Evaluations: []types.Evaluation{bucketEval("b1", types.ComplianceTypeCompliant, at)}})
		wantCode(t, err, "InvalidResultTokenException", "The resultToken provided is invalid")
		// A token of account A's rule is not account B's.
		_, err = cb.PutEvaluations(ctx, &cs.PutEvaluationsInput{ResultToken: aws.String(token), Evaluations: []types.Evaluation{bucketEval("b1", types.ComplianceTypeCompliant, at)}})
		wantCode(t, err, "InvalidResultTokenException")
	})
	t.Run("ErrInsufficientData", func(t *testing.T) {
		_, err := c.PutEvaluations(ctx, &cs.PutEvaluationsInput{ResultToken: aws.String(token), Evaluations: []types.Evaluation{bucketEval("b1", types.ComplianceTypeInsufficientData, at)}})
		wantCode(t, err, "InvalidParameterValueException")
	})
	t.Run("OKPutEvaluations", func(t *testing.T) {
		out := putEvaluations(t, c, token, bucketEval("b1", types.ComplianceTypeNonCompliant, at), bucketEval("b2", types.ComplianceTypeCompliant, at), bucketEval("b3", types.ComplianceTypeNonCompliant, at))
		if len(out.FailedEvaluations) != 0 {
			t.Fatalf("failed = %v", out.FailedEvaluations)
		}
		putEvaluations(t, c, sealResultToken(s, scopeA1, "other", invoked), bucketEval("b2", types.ComplianceTypeNonCompliant, at), bucketEval("b4", types.ComplianceTypeNotApplicable, at))
		st := must[*cs.DescribeConfigRuleEvaluationStatusOutput](t)(c.DescribeConfigRuleEvaluationStatus(ctx, &cs.DescribeConfigRuleEvaluationStatusInput{ConfigRuleNames: []string{"lambda"}})).ConfigRulesEvaluationStatus[0]
		if st.LastSuccessfulEvaluationTime == nil || !st.FirstEvaluationStarted {
			t.Fatalf("status = %+v", st)
		}
	})
	t.Run("OKOlderEvaluationFails", func(t *testing.T) {
		out := putEvaluations(t, c, token, bucketEval("b1", types.ComplianceTypeCompliant, at.Add(-time.Minute)))
		if len(out.FailedEvaluations) != 1 || aws.ToString(out.FailedEvaluations[0].ComplianceResourceId) != "b1" {
			t.Fatalf("failed = %+v", out.FailedEvaluations)
		}
	})
	t.Run("OKDetailsByConfigRule", func(t *testing.T) {
		var got []types.EvaluationResult
		p := cs.NewGetComplianceDetailsByConfigRulePaginator(c, &cs.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("lambda"), Limit: 2})
		pages := 0
		for p.HasMorePages() {
			got = append(got, must[*cs.GetComplianceDetailsByConfigRuleOutput](t)(p.NextPage(ctx)).EvaluationResults...)
			pages++
		}
		if len(got) != 3 || pages != 2 {
			t.Fatalf("%d results in %d pages", len(got), pages)
		}
		r := got[0]
		q := r.EvaluationResultIdentifier.EvaluationResultQualifier
		if aws.ToString(q.ConfigRuleName) != "lambda" || aws.ToString(q.ResourceType) != "AWS::S3::Bucket" || aws.ToString(q.ResourceId) != "b1" || q.EvaluationMode != types.EvaluationModeDetective ||
			r.ComplianceType != types.ComplianceTypeNonCompliant || aws.ToString(r.Annotation) != "checked b1" || !r.EvaluationResultIdentifier.OrderingTimestamp.Equal(at) ||
			!r.ConfigRuleInvokedTime.Equal(invoked) || r.ResultRecordedTime == nil {
			t.Fatalf("result = %+v / %+v", r, q)
		}
		nc := must[*cs.GetComplianceDetailsByConfigRuleOutput](t)(c.GetComplianceDetailsByConfigRule(ctx, &cs.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("lambda"), ComplianceTypes: []types.ComplianceType{types.ComplianceTypeCompliant}}))
		if len(nc.EvaluationResults) != 1 || aws.ToString(nc.EvaluationResults[0].EvaluationResultIdentifier.EvaluationResultQualifier.ResourceId) != "b2" {
			t.Fatalf("compliant results = %+v", nc.EvaluationResults)
		}
		_, err := c.GetComplianceDetailsByConfigRule(ctx, &cs.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("lambda"), ComplianceTypes: []types.ComplianceType{types.ComplianceTypeInsufficientData}})
		wantCode(t, err, "InvalidParameterValueException")
		_, err = c.GetComplianceDetailsByConfigRule(ctx, &cs.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("nope")})
		wantCode(t, err, "NoSuchConfigRuleException")
	})
	t.Run("OKDetailsByResource", func(t *testing.T) {
		out := must[*cs.GetComplianceDetailsByResourceOutput](t)(c.GetComplianceDetailsByResource(ctx, &cs.GetComplianceDetailsByResourceInput{ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("b2")}))
		if len(out.EvaluationResults) != 2 || aws.ToString(out.EvaluationResults[0].EvaluationResultIdentifier.EvaluationResultQualifier.ConfigRuleName) != "lambda" {
			t.Fatalf("results = %+v", out.EvaluationResults)
		}
		_, err := c.GetComplianceDetailsByResource(ctx, &cs.GetComplianceDetailsByResourceInput{ResourceType: aws.String("AWS::S3::Bucket")})
		wantCode(t, err, "InvalidParameterValueException")
	})
	t.Run("OKComplianceByConfigRule", func(t *testing.T) {
		out := must[*cs.DescribeComplianceByConfigRuleOutput](t)(c.DescribeComplianceByConfigRule(ctx, &cs.DescribeComplianceByConfigRuleInput{}))
		got := map[string]*types.Compliance{}
		for _, r := range out.ComplianceByConfigRules {
			got[aws.ToString(r.ConfigRuleName)] = r.Compliance
		}
		if len(got) != 4 || got["lambda"].ComplianceType != types.ComplianceTypeNonCompliant || got["lambda"].ComplianceContributorCount.CappedCount != 2 ||
			got["lambda"].ComplianceContributorCount.CapExceeded || got["versioning"].ComplianceType != types.ComplianceTypeInsufficientData {
			t.Fatalf("compliance = %+v", out.ComplianceByConfigRules)
		}
		only := must[*cs.DescribeComplianceByConfigRuleOutput](t)(c.DescribeComplianceByConfigRule(ctx, &cs.DescribeComplianceByConfigRuleInput{ComplianceTypes: []types.ComplianceType{types.ComplianceTypeInsufficientData}}))
		if len(only.ComplianceByConfigRules) != 2 {
			t.Fatalf("rules without data = %+v", only.ComplianceByConfigRules)
		}
		_, err := c.DescribeComplianceByConfigRule(ctx, &cs.DescribeComplianceByConfigRuleInput{ConfigRuleNames: []string{"nope"}})
		wantCode(t, err, "NoSuchConfigRuleException")
	})
	t.Run("OKComplianceByResource", func(t *testing.T) {
		var got []types.ComplianceByResource
		p := cs.NewDescribeComplianceByResourcePaginator(c, &cs.DescribeComplianceByResourceInput{ResourceType: aws.String("AWS::S3::Bucket"), Limit: 1})
		for p.HasMorePages() {
			got = append(got, must[*cs.DescribeComplianceByResourceOutput](t)(p.NextPage(ctx)).ComplianceByResources...)
		}
		// b1, b3: non-compliant under lambda; b2: non-compliant under other
		// (compliant under lambda); b4: only NOT_APPLICABLE, not listed.
		if len(got) != 3 || aws.ToString(got[1].ResourceId) != "b2" || got[1].Compliance.ComplianceType != types.ComplianceTypeNonCompliant || got[1].Compliance.ComplianceContributorCount.CappedCount != 1 {
			t.Fatalf("resources = %+v", got)
		}
		one := must[*cs.DescribeComplianceByResourceOutput](t)(c.DescribeComplianceByResource(ctx, &cs.DescribeComplianceByResourceInput{ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("b4")}))
		if len(one.ComplianceByResources) != 1 || one.ComplianceByResources[0].Compliance.ComplianceType != types.ComplianceTypeInsufficientData {
			t.Fatalf("b4 = %+v", one.ComplianceByResources)
		}
	})
	t.Run("OKSummaries", func(t *testing.T) {
		sum := must[*cs.GetComplianceSummaryByConfigRuleOutput](t)(c.GetComplianceSummaryByConfigRule(ctx, &cs.GetComplianceSummaryByConfigRuleInput{})).ComplianceSummary
		if sum.NonCompliantResourceCount.CappedCount != 2 || sum.CompliantResourceCount.CappedCount != 0 || sum.ComplianceSummaryTimestamp == nil {
			t.Fatalf("summary by rule = %+v", sum)
		}
		byType := must[*cs.GetComplianceSummaryByResourceTypeOutput](t)(c.GetComplianceSummaryByResourceType(ctx, &cs.GetComplianceSummaryByResourceTypeInput{ResourceTypes: []string{"AWS::S3::Bucket"}})).ComplianceSummariesByResourceType
		if len(byType) != 1 || aws.ToString(byType[0].ResourceType) != "AWS::S3::Bucket" || byType[0].ComplianceSummary.NonCompliantResourceCount.CappedCount != 3 {
			t.Fatalf("summary by type = %+v", byType)
		}
		b := must[*cs.GetComplianceSummaryByConfigRuleOutput](t)(cb.GetComplianceSummaryByConfigRule(ctx, &cs.GetComplianceSummaryByConfigRuleInput{})).ComplianceSummary
		if b.NonCompliantResourceCount.CappedCount != 0 {
			t.Fatalf("account B sees %+v", b)
		}
	})
	t.Run("OKExternalEvaluation", func(t *testing.T) {
		_, err := c.PutExternalEvaluation(ctx, &cs.PutExternalEvaluationInput{ConfigRuleName: aws.String("process"), ExternalEvaluation: &types.ExternalEvaluation{
			ComplianceResourceType: aws.String("AWS::::Account"), ComplianceResourceId: aws.String(acctA), ComplianceType: types.ComplianceTypeCompliant, OrderingTimestamp: aws.Time(at)}})
		if err != nil {
			t.Fatal(err)
		}
		out := must[*cs.DescribeComplianceByConfigRuleOutput](t)(c.DescribeComplianceByConfigRule(ctx, &cs.DescribeComplianceByConfigRuleInput{ConfigRuleNames: []string{"process"}}))
		if out.ComplianceByConfigRules[0].Compliance.ComplianceType != types.ComplianceTypeCompliant {
			t.Fatalf("process check = %+v", out.ComplianceByConfigRules[0].Compliance)
		}
		_, err = c.PutExternalEvaluation(ctx, &cs.PutExternalEvaluationInput{ConfigRuleName: aws.String("lambda"), ExternalEvaluation: &types.ExternalEvaluation{
			ComplianceResourceType: aws.String("AWS::::Account"), ComplianceResourceId: aws.String(acctA), ComplianceType: types.ComplianceTypeCompliant, OrderingTimestamp: aws.Time(at)}})
		wantCode(t, err, "NoSuchConfigRuleException")
	})
	t.Run("OKDeleteEvaluationResults", func(t *testing.T) {
		if _, err := c.DeleteEvaluationResults(ctx, &cs.DeleteEvaluationResultsInput{ConfigRuleName: aws.String("lambda")}); err != nil {
			t.Fatal(err)
		}
		out := must[*cs.DescribeComplianceByConfigRuleOutput](t)(c.DescribeComplianceByConfigRule(ctx, &cs.DescribeComplianceByConfigRuleInput{ConfigRuleNames: []string{"lambda"}}))
		if out.ComplianceByConfigRules[0].Compliance.ComplianceType != types.ComplianceTypeInsufficientData {
			t.Fatalf("after delete = %+v", out.ComplianceByConfigRules[0].Compliance)
		}
		_, err := c.DeleteEvaluationResults(ctx, &cs.DeleteEvaluationResultsInput{ConfigRuleName: aws.String("nope")})
		wantCode(t, err, "NoSuchConfigRuleException")
	})
	t.Run("ErrTokenOfDeletedRule", func(t *testing.T) {
		if _, err := c.DeleteConfigRule(ctx, &cs.DeleteConfigRuleInput{ConfigRuleName: aws.String("other")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.PutEvaluations(ctx, &cs.PutEvaluationsInput{ResultToken: aws.String(sealResultToken(s, scopeA1, "other", invoked)), Evaluations: []types.Evaluation{bucketEval("b1", types.ComplianceTypeCompliant, at)}})
		wantCode(t, err, "NoSuchConfigRuleException")
	})
}
