package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/configd/configd"
)

// Wire tests of the Config rule and compliance operations, through the
// aws-sdk-go-v2 client. Evaluation results come from PutEvaluations with
// result tokens the test seals as the evaluator does.

var (
	scopeA1 = configd.Scope{AccountID: acctA, Region: "us-east-1"}
	scopeB1 = configd.Scope{AccountID: acctB, Region: "us-east-1"}
)

const testFunctionARN = "arn:aws:lambda:us-east-1:111111111111:function:bucket-check"

func managedRule(name, id string) *types.ConfigRule {
	return &types.ConfigRule{ConfigRuleName: aws.String(name), Source: &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String(id)}}
}

func lambdaConfigRule(name string) *types.ConfigRule {
	return &types.ConfigRule{ConfigRuleName: aws.String(name), Source: &types.Source{Owner: types.OwnerCustomLambda, SourceIdentifier: aws.String(testFunctionARN),
		SourceDetails: []types.SourceDetail{{EventSource: types.EventSourceAwsConfig, MessageType: types.MessageTypeConfigurationItemChangeNotification}}},
		Scope: &types.Scope{ComplianceResourceTypes: []string{"AWS::S3::Bucket"}}}
}

func putRule(t *testing.T, c *cs.Client, r *types.ConfigRule, tags ...types.Tag) {
	t.Helper()
	if _, err := c.PutConfigRule(ctx, &cs.PutConfigRuleInput{ConfigRule: r, Tags: tags}); err != nil {
		t.Fatal(err)
	}
}

func describeRule(t *testing.T, c *cs.Client, name string) types.ConfigRule {
	t.Helper()
	out := must[*cs.DescribeConfigRulesOutput](t)(c.DescribeConfigRules(ctx, &cs.DescribeConfigRulesInput{ConfigRuleNames: []string{name}}))
	if len(out.ConfigRules) != 1 {
		t.Fatalf("DescribeConfigRules(%s) returned %d rules", name, len(out.ConfigRules))
	}
	return out.ConfigRules[0]
}

// sealResultToken returns a result token for an invocation of rule, as the
// evaluator seals it.
func sealResultToken(s *testServer, scope configd.Scope, rule string, invoked time.Time) string {
	b, _ := json.Marshal(configd.ResultTokenClaims{RuleName: rule, InvokedAt: invoked})
	return s.Tokens.Seal("ResultToken", scope, "", string(b))
}

// drainRuleJobs waits until no whole-rule evaluation of the scope's rules
// is pending: it finishes queued jobs itself, as an evaluator would, so that
// the test does not depend on one running.
func drainRuleJobs(t *testing.T, s *testServer, scope configd.Scope) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pending := 0
		err := s.Store.Write(ctx, func(tx configd.Tx) error {
			pending = 0
			now := time.Now()
			jobs, err := tx.ClaimJobs(ctx, configd.JobEvaluate, "wire-test", now, now.Add(time.Minute), 1000)
			if err != nil {
				return err
			}
			for _, j := range jobs {
				if _, err := tx.CompleteJob(ctx, j.ID, "wire-test"); err != nil {
					return err
				}
				var p configd.EvaluateJob
				if json.Unmarshal([]byte(j.Payload), &p) != nil || p.RuleName == "" || p.Resource != nil {
					continue
				}
				st, err := tx.GetRuleStatus(ctx, j.Scope, p.RuleName)
				if configd.IsCode(err, configd.ErrNoSuchConfigRule) {
					continue
				}
				if err != nil {
					return err
				}
				if st.EvaluationsPending > 0 {
					st.EvaluationsPending--
				}
				if err := tx.PutRuleStatus(ctx, j.Scope, p.RuleName, st); err != nil {
					return err
				}
			}
			rules, err := tx.ListRules(ctx, scope, "", 0)
			if err != nil {
				return err
			}
			for _, r := range rules {
				st, err := tx.GetRuleStatus(ctx, scope, r.Name)
				if err != nil {
					return err
				}
				pending += st.EvaluationsPending
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d rule evaluations still pending", pending)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWireConfigRules(t *testing.T) {
	s := startServer(t, func(c *ServeConfig) { c.noEvaluator = true }) // the test drains rule jobs itself
	c, cb := s.clientA(), s.client(keyB, secretB, "us-east-1")
	t.Run("ErrNoRecorder", func(t *testing.T) {
		_, err := c.PutConfigRule(ctx, &cs.PutConfigRuleInput{ConfigRule: managedRule("v", "S3_BUCKET_VERSIONING_ENABLED")})
		wantCode(t, err, "NoAvailableConfigurationRecorderException")
	})
	putRecorder(t, c, "default")
	putRecorder(t, cb, "default")

	putRule(t, c, &types.ConfigRule{ConfigRuleName: aws.String("versioning"), Description: aws.String("buckets keep versions"),
		Scope: &types.Scope{ComplianceResourceTypes: []string{"AWS::S3::Bucket"}}, InputParameters: aws.String(`{"isMfaDeleteEnabled":"false"}`),
		Source: &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String("S3_BUCKET_VERSIONING_ENABLED")}}, types.Tag{Key: aws.String("team"), Value: aws.String("storage")})
	var arn, id string
	t.Run("OKDescribeManaged", func(t *testing.T) {
		r := describeRule(t, c, "versioning")
		arn, id = aws.ToString(r.ConfigRuleArn), aws.ToString(r.ConfigRuleId)
		if !regexp.MustCompile(`^config-rule-[a-z0-9]{6}$`).MatchString(id) || arn != "arn:aws:config:us-east-1:"+acctA+":config-rule/"+id {
			t.Fatalf("id %q, arn %q", id, arn)
		}
		if r.ConfigRuleState != types.ConfigRuleStateActive || r.CreatedBy != nil || aws.ToString(r.Description) != "buckets keep versions" ||
			aws.ToString(r.InputParameters) != `{"isMfaDeleteEnabled":"false"}` || r.Source.Owner != types.OwnerAws || r.Source.SourceDetails != nil ||
			len(r.EvaluationModes) != 1 || r.EvaluationModes[0].Mode != types.EvaluationModeDetective || r.Scope.ComplianceResourceTypes[0] != "AWS::S3::Bucket" {
			t.Fatalf("rule = %+v", r)
		}
	})
	t.Run("OKUpdateByARN", func(t *testing.T) {
		putRule(t, c, &types.ConfigRule{ConfigRuleArn: aws.String(arn), Source: &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String("S3_BUCKET_VERSIONING_ENABLED")}})
		r := describeRule(t, c, "versioning")
		if aws.ToString(r.ConfigRuleId) != id || r.Scope != nil || r.Description != nil {
			t.Fatalf("updated rule = %+v", r)
		}
	})
	t.Run("OKCustomPolicy", func(t *testing.T) {
		policy := "rule versioned when resourceType == \"AWS::S3::Bucket\" {\n  supplementaryConfiguration.BucketVersioningConfiguration.status == \"Enabled\"\n}"
		putRule(t, c, &types.ConfigRule{ConfigRuleName: aws.String("guard"), Source: &types.Source{Owner: types.OwnerCustomPolicy,
			SourceDetails:       []types.SourceDetail{{EventSource: types.EventSourceAwsConfig, MessageType: types.MessageTypeConfigurationItemChangeNotification}},
			CustomPolicyDetails: &types.CustomPolicyDetails{PolicyRuntime: aws.String("guard-2.x.x"), PolicyText: aws.String(policy)}},
			EvaluationModes: []types.EvaluationModeConfiguration{{Mode: types.EvaluationModeDetective}, {Mode: types.EvaluationModeProactive}}})
		r := describeRule(t, c, "guard")
		if p := r.Source.CustomPolicyDetails; p == nil || aws.ToString(p.PolicyRuntime) != "guard-2.x.x" || p.PolicyText != nil || r.Source.SourceIdentifier != nil {
			t.Fatalf("source = %+v", r.Source)
		}
		out := must[*cs.GetCustomRulePolicyOutput](t)(c.GetCustomRulePolicy(ctx, &cs.GetCustomRulePolicyInput{ConfigRuleName: aws.String("guard")}))
		if aws.ToString(out.PolicyText) != policy {
			t.Fatalf("policy = %q", aws.ToString(out.PolicyText))
		}
		_, err := c.GetCustomRulePolicy(ctx, &cs.GetCustomRulePolicyInput{ConfigRuleName: aws.String("versioning")})
		wantCode(t, err, "NoSuchConfigRuleException")
	})
	t.Run("OKLambdaDefaults", func(t *testing.T) {
		r := lambdaConfigRule("lambda")
		r.Source.SourceDetails = append(r.Source.SourceDetails, types.SourceDetail{EventSource: types.EventSourceAwsConfig, MessageType: types.MessageTypeScheduledNotification})
		putRule(t, c, r)
		got := describeRule(t, c, "lambda")
		if len(got.Source.SourceDetails) != 2 || got.Source.SourceDetails[1].MaximumExecutionFrequency != types.MaximumExecutionFrequencyTwentyFourHours || aws.ToString(got.Source.SourceIdentifier) != testFunctionARN {
			t.Fatalf("source = %+v", got.Source)
		}
	})
	t.Run("ErrPutConfigRule", func(t *testing.T) {
		for _, tc := range []struct {
			name, code, msg string
			rule            *types.ConfigRule
		}{
			{"ErrUnknownIdentifier", "InvalidParameterValueException", "The sourceIdentifier NOPE is invalid. Please refer to the documentation for a list of valid sourceIdentifiers that can be used when AWS is the Owner.", managedRule("x", "NOPE")},
			{"ErrManagedSourceDetails", "InvalidParameterValueException", "SourceDetails should be null/empty if the owner is AWS. SourceDetails should be provided if the owner is CUSTOM_LAMBDA", func() *types.ConfigRule {
				r := managedRule("x", "S3_BUCKET_VERSIONING_ENABLED")
				r.Source.SourceDetails = []types.SourceDetail{{MessageType: types.MessageTypeConfigurationItemChangeNotification}}
				return r
			}()},
			{"ErrManagedFrequency", "InvalidParameterValueException", "A maximum execution frequency for this rule is not allowed because only a change in resources triggers this managed rule.", func() *types.ConfigRule {
				r := managedRule("x", "S3_BUCKET_VERSIONING_ENABLED")
				r.MaximumExecutionFrequency = types.MaximumExecutionFrequencyOneHour
				return r
			}()},
			{"ErrGuardSyntax", "InvalidParameterValueException", "line 2, column", &types.ConfigRule{ConfigRuleName: aws.String("x"), Source: &types.Source{Owner: types.OwnerCustomPolicy,
				SourceDetails:       []types.SourceDetail{{MessageType: types.MessageTypeConfigurationItemChangeNotification}},
				CustomPolicyDetails: &types.CustomPolicyDetails{PolicyRuntime: aws.String("guard-2.x.x"), PolicyText: aws.String("let x = 1\nconfiguration.a == ")}}}},
			{"ErrArnOnCreate", "InvalidParameterValueException", "ConfigRule Arn and Id can not be specified when creating a new ConfigRule.", func() *types.ConfigRule {
				r := managedRule("new", "S3_BUCKET_VERSIONING_ENABLED")
				r.ConfigRuleId = aws.String("config-rule-abcdef")
				return r
			}()},
			{"ErrProactiveLambda", "InvalidParameterValueException", "PROACTIVE", func() *types.ConfigRule {
				r := lambdaConfigRule("x")
				r.EvaluationModes = []types.EvaluationModeConfiguration{{Mode: types.EvaluationModeProactive}}
				return r
			}()},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := c.PutConfigRule(ctx, &cs.PutConfigRuleInput{ConfigRule: tc.rule})
				wantCode(t, err, tc.code)
				if !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("error %v does not contain %q", err, tc.msg)
				}
			})
		}
	})
	t.Run("ErrDescribeUnknown", func(t *testing.T) {
		_, err := c.DescribeConfigRules(ctx, &cs.DescribeConfigRulesInput{ConfigRuleNames: []string{"nope"}})
		wantCode(t, err, "NoSuchConfigRuleException", "The ConfigRule 'nope' provided in the request is invalid. Please check the configRule name")
	})
	t.Run("OKDescribePaging", func(t *testing.T) {
		for i := 0; i < 30; i++ {
			putRule(t, c, managedRule(fmt.Sprintf("page-%02d", i), "S3_BUCKET_VERSIONING_ENABLED"))
		}
		first := must[*cs.DescribeConfigRulesOutput](t)(c.DescribeConfigRules(ctx, &cs.DescribeConfigRulesInput{}))
		if len(first.ConfigRules) != 25 || first.NextToken == nil {
			t.Fatalf("first page: %d rules, token %v", len(first.ConfigRules), first.NextToken)
		}
		var names []string
		p := cs.NewDescribeConfigRulesPaginator(c, &cs.DescribeConfigRulesInput{})
		for p.HasMorePages() {
			for _, r := range must[*cs.DescribeConfigRulesOutput](t)(p.NextPage(ctx)).ConfigRules {
				names = append(names, aws.ToString(r.ConfigRuleName))
			}
		}
		if len(names) != 33 || names[0] != "guard" || names[32] != "versioning" {
			t.Fatalf("rules = %v", names)
		}
		pro := must[*cs.DescribeConfigRulesOutput](t)(c.DescribeConfigRules(ctx, &cs.DescribeConfigRulesInput{Filters: &types.DescribeConfigRulesFilters{EvaluationMode: types.EvaluationModeProactive}}))
		if len(pro.ConfigRules) != 1 || aws.ToString(pro.ConfigRules[0].ConfigRuleName) != "guard" {
			t.Fatalf("proactive rules = %+v", pro.ConfigRules)
		}
		_, err := c.DescribeConfigRules(ctx, &cs.DescribeConfigRulesInput{NextToken: first.NextToken, Filters: &types.DescribeConfigRulesFilters{EvaluationMode: types.EvaluationModeDetective}})
		wantCode(t, err, "InvalidNextTokenException")
	})
	t.Run("OKEvaluationStatus", func(t *testing.T) {
		out := must[*cs.DescribeConfigRuleEvaluationStatusOutput](t)(c.DescribeConfigRuleEvaluationStatus(ctx, &cs.DescribeConfigRuleEvaluationStatusInput{ConfigRuleNames: []string{"versioning"}}))
		st := out.ConfigRulesEvaluationStatus[0]
		if aws.ToString(st.ConfigRuleArn) != arn || aws.ToString(st.ConfigRuleId) != id || st.FirstActivatedTime == nil || st.FirstEvaluationStarted {
			t.Fatalf("status = %+v", st)
		}
		all := must[*cs.DescribeConfigRuleEvaluationStatusOutput](t)(c.DescribeConfigRuleEvaluationStatus(ctx, &cs.DescribeConfigRuleEvaluationStatusInput{}))
		if len(all.ConfigRulesEvaluationStatus) != 33 || all.NextToken != nil {
			t.Fatalf("all statuses: %d, token %v", len(all.ConfigRulesEvaluationStatus), all.NextToken)
		}
		n, pages := 0, 0
		p := cs.NewDescribeConfigRuleEvaluationStatusPaginator(c, &cs.DescribeConfigRuleEvaluationStatusInput{Limit: 10})
		for p.HasMorePages() {
			n += len(must[*cs.DescribeConfigRuleEvaluationStatusOutput](t)(p.NextPage(ctx)).ConfigRulesEvaluationStatus)
			pages++
		}
		if n != 33 || pages != 4 {
			t.Fatalf("paged statuses: %d in %d pages", n, pages)
		}
		_, err := c.DescribeConfigRuleEvaluationStatus(ctx, &cs.DescribeConfigRuleEvaluationStatusInput{ConfigRuleNames: []string{"nope"}})
		wantCode(t, err, "NoSuchConfigRuleException")
	})
	t.Run("OKTags", func(t *testing.T) {
		if _, err := c.TagResource(ctx, &cs.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
			t.Fatal(err)
		}
		tags := must[*cs.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &cs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})).Tags
		if len(tags) != 2 || aws.ToString(tags[0].Key) != "env" || aws.ToString(tags[1].Key) != "team" {
			t.Fatalf("tags = %v", tags)
		}
		if _, err := c.UntagResource(ctx, &cs.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"env"}}); err != nil {
			t.Fatal(err)
		}
		_, err := cb.ListTagsForResource(ctx, &cs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		wantCode(t, err, "ResourceNotFoundException")
	})
	t.Run("OKScopeIsolation", func(t *testing.T) {
		out := must[*cs.DescribeConfigRulesOutput](t)(cb.DescribeConfigRules(ctx, &cs.DescribeConfigRulesInput{}))
		if len(out.ConfigRules) != 0 || out.ConfigRules == nil {
			t.Fatalf("account B sees %v", out.ConfigRules)
		}
		putRule(t, cb, managedRule("versioning", "S3_BUCKET_VERSIONING_ENABLED"))
		if r := describeRule(t, cb, "versioning"); aws.ToString(r.ConfigRuleArn) == arn || !strings.Contains(aws.ToString(r.ConfigRuleArn), acctB) {
			t.Fatalf("account B's rule has ARN %s", aws.ToString(r.ConfigRuleArn))
		}
	})
	t.Run("OKStartEvaluation", func(t *testing.T) {
		drainRuleJobs(t, s, scopeA1)
		if _, err := c.StartConfigRulesEvaluation(ctx, &cs.StartConfigRulesEvaluationInput{ConfigRuleNames: []string{"versioning", "guard"}}); err != nil {
			t.Fatal(err)
		}
		_, err := c.StartConfigRulesEvaluation(ctx, &cs.StartConfigRulesEvaluationInput{ConfigRuleNames: []string{"guard"}})
		wantCode(t, err, "LimitExceededException")
		_, err = c.StartConfigRulesEvaluation(ctx, &cs.StartConfigRulesEvaluationInput{ConfigRuleNames: []string{"nope"}})
		wantCode(t, err, "NoSuchConfigRuleException")
		many := make([]string, 26)
		for i := range many {
			many[i] = fmt.Sprintf("page-%02d", i)
		}
		_, err = c.StartConfigRulesEvaluation(ctx, &cs.StartConfigRulesEvaluationInput{ConfigRuleNames: many})
		wantCode(t, err, "ValidationException")
	})
	t.Run("ErrMaxRules", func(t *testing.T) {
		err := s.Store.Write(ctx, func(tx configd.Tx) error {
			n, err := tx.CountRules(ctx, scopeA1)
			if err != nil {
				return err
			}
			for i := n; i < 1000; i++ {
				r := &configd.ConfigRule{Name: fmt.Sprintf("bulk-%04d", i), ID: fmt.Sprintf("config-rule-b%05d", i), ARN: fmt.Sprintf("arn:bulk:%d", i), State: configd.RuleStateActive,
					Source: configd.RuleSource{Owner: configd.OwnerAWS, SourceIdentifier: "S3_BUCKET_VERSIONING_ENABLED"}, EvaluationModes: []string{configd.EvaluationModeDetective}}
				if err := tx.PutRule(ctx, scopeA1, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.PutConfigRule(ctx, &cs.PutConfigRuleInput{ConfigRule: managedRule("one-more", "S3_BUCKET_VERSIONING_ENABLED")})
		wantCode(t, err, "MaxNumberOfConfigRulesExceededException", "Failed to put config rule 'one-more' because the maximum number of config rules: 1000 is reached.")
	})
	t.Run("OKDelete", func(t *testing.T) {
		if _, err := c.DeleteConfigRule(ctx, &cs.DeleteConfigRuleInput{ConfigRuleName: aws.String("versioning")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.DescribeConfigRules(ctx, &cs.DescribeConfigRulesInput{ConfigRuleNames: []string{"versioning"}})
		wantCode(t, err, "NoSuchConfigRuleException")
		_, err = c.ListTagsForResource(ctx, &cs.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		wantCode(t, err, "ResourceNotFoundException")
		_, err = c.DeleteConfigRule(ctx, &cs.DeleteConfigRuleInput{ConfigRuleName: aws.String("versioning")})
		wantCode(t, err, "NoSuchConfigRuleException")
		// Account B's rule of the same name is untouched.
		describeRule(t, cb, "versioning")
	})
	t.Run("ErrDeleteWithRemediation", func(t *testing.T) {
		_, err := c.PutRemediationConfigurations(ctx, &cs.PutRemediationConfigurationsInput{RemediationConfigurations: []types.RemediationConfiguration{{
			ConfigRuleName: aws.String("guard"), TargetType: types.RemediationTargetTypeSsmDocument, TargetId: aws.String("AWS-EnableS3BucketEncryption"),
			Parameters: map[string]types.RemediationParameterValue{"BucketName": {ResourceValue: &types.ResourceValue{Value: types.ResourceValueTypeResourceId}}},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.DeleteConfigRule(ctx, &cs.DeleteConfigRuleInput{ConfigRuleName: aws.String("guard")})
		wantCode(t, err, "ResourceInUseException", "The rule guard currently has a RemediationConfiguration. Please delete the RemediationConfiguration and try again.")
	})
}
