package service

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/configd/configd"
)

var (
	scopeA = configd.Scope{AccountID: "111111111111", Region: "us-east-1"}
	scopeB = configd.Scope{AccountID: "222222222222", Region: "us-east-1"}
)

func managed(name, id, params string) *configd.ConfigRule {
	return &configd.ConfigRule{Name: name, InputParameters: params, Source: configd.RuleSource{Owner: configd.OwnerAWS, SourceIdentifier: id}}
}

func lambdaRule(name string, details ...configd.SourceDetail) *configd.ConfigRule {
	return &configd.ConfigRule{Name: name, Source: configd.RuleSource{Owner: configd.OwnerCustomLambda,
		SourceIdentifier: "arn:aws:lambda:us-east-1:111111111111:function:check", SourceDetails: details}}
}

func policyRule(name, text string, details ...configd.SourceDetail) *configd.ConfigRule {
	if details == nil {
		details = []configd.SourceDetail{{EventSource: "aws.config", MessageType: configd.MessageConfigurationItemChange}}
	}
	return &configd.ConfigRule{Name: name, Source: configd.RuleSource{Owner: configd.OwnerCustomPolicy, SourceDetails: details,
		CustomPolicy: &configd.CustomPolicy{PolicyRuntime: "guard-2.x.x", PolicyText: text}}}
}

// keyAge is the required parameter of ACCESS_KEYS_ROTATED, a periodic rule.
const keyAge = `{"maxAccessKeyAge":"90"}`

var (
	change    = configd.SourceDetail{EventSource: "aws.config", MessageType: configd.MessageConfigurationItemChange}
	scheduled = configd.SourceDetail{EventSource: "aws.config", MessageType: configd.MessageScheduled}
)

func TestCheckRule(t *testing.T) {
	with := func(r *configd.ConfigRule, f func(r *configd.ConfigRule)) *configd.ConfigRule { f(r); return r }
	tests := []struct {
		name string
		rule *configd.ConfigRule
		code string // "" for OK
		msg  string // a part of the message
	}{
		{"OKManaged", managed("v", "S3_BUCKET_VERSIONING_ENABLED", `{"isMfaDeleteEnabled":"true"}`), "", ""},
		{"OKManagedPeriodicFrequency", with(managed("a", "ACCESS_KEYS_ROTATED", keyAge), func(r *configd.ConfigRule) { r.MaximumExecutionFrequency = "One_Hour" }), "", ""},
		{"OKProcessCheck", managed("p", ProcessCheckIdentifier, ""), "", ""},
		{"OKLambda", lambdaRule("l", change, scheduled), "", ""},
		{"OKPolicy", policyRule("g", "configuration.x == 1"), "", ""},
		{"OKProactiveManaged", with(managed("v", "S3_BUCKET_VERSIONING_ENABLED", ""), func(r *configd.ConfigRule) {
			r.EvaluationModes = []string{configd.EvaluationModeDetective, configd.EvaluationModeProactive}
		}), "", ""},
		{"OKByARN", with(managed("", "S3_BUCKET_VERSIONING_ENABLED", ""), func(r *configd.ConfigRule) { r.ARN = "arn:x" }), "", ""},
		{"ErrNoIdentifier", managed("", "S3_BUCKET_VERSIONING_ENABLED", ""), configd.ErrInvalidParameterValue, msgNoIdentifier},
		{"ErrState", with(managed("v", "S3_BUCKET_VERSIONING_ENABLED", ""), func(r *configd.ConfigRule) { r.State = configd.RuleStateDeleting }), configd.ErrInvalidParameterValue, "The ConfigRuleState DELETING is invalid"},
		{"ErrCreatedBy", with(managed("v", "S3_BUCKET_VERSIONING_ENABLED", ""), func(r *configd.ConfigRule) { r.CreatedBy = "securityhub.amazonaws.com" }), configd.ErrInvalidParameterValue, "CreatedBy"},
		{"ErrTagValueWithoutKey", with(managed("v", "S3_BUCKET_VERSIONING_ENABLED", ""), func(r *configd.ConfigRule) { r.Scope.TagValue = "x" }), configd.ErrInvalidParameterValue, msgTagValueWithoutKey},
		{"ErrScopeBoth", with(managed("v", "S3_BUCKET_VERSIONING_ENABLED", ""), func(r *configd.ConfigRule) {
			r.Scope.TagKey = "k"
			r.Scope.ComplianceResourceTypes = []string{"AWS::S3::Bucket"}
		}), configd.ErrInvalidParameterValue, msgScopeBoth},
		{"ErrScopeResourceID", with(managed("v", "S3_BUCKET_VERSIONING_ENABLED", ""), func(r *configd.ConfigRule) { r.Scope.ComplianceResourceID = "b" }), configd.ErrInvalidParameterValue, msgScopeResourceID},
		{"ErrManagedSourceDetails", with(managed("v", "S3_BUCKET_VERSIONING_ENABLED", ""), func(r *configd.ConfigRule) { r.Source.SourceDetails = []configd.SourceDetail{change} }), configd.ErrInvalidParameterValue, msgSourceDetails},
		{"ErrUnknownIdentifier", managed("v", "NO_SUCH_RULE", ""), configd.ErrInvalidParameterValue, "NO_SUCH_RULE"},
		{"ErrUnknownParameter", managed("v", "S3_BUCKET_VERSIONING_ENABLED", `{"nope":"1"}`), configd.ErrInvalidParameterValue, "Unknown parameters"},
		{"ErrManagedFrequencyOnChangeRule", with(managed("v", "S3_BUCKET_VERSIONING_ENABLED", ""), func(r *configd.ConfigRule) { r.MaximumExecutionFrequency = "One_Hour" }), configd.ErrInvalidParameterValue, msgManagedFrequency},
		{"ErrLambdaWithoutDetails", lambdaRule("l"), configd.ErrInvalidParameterValue, msgSourceDetails},
		{"ErrLambdaARN", with(lambdaRule("l", change), func(r *configd.ConfigRule) { r.Source.SourceIdentifier = "my-function" }), configd.ErrInsufficientPermissions, "my-function cannot be invoked"},
		{"ErrLambdaPolicyDetails", with(lambdaRule("l", change), func(r *configd.ConfigRule) { r.Source.CustomPolicy = &configd.CustomPolicy{PolicyText: "x"} }), configd.ErrInvalidParameterValue, msgPolicyDetails},
		{"ErrPolicyWithoutDetails", with(policyRule("g", "a == 1"), func(r *configd.ConfigRule) { r.Source.CustomPolicy = nil }), configd.ErrInvalidParameterValue, msgPolicyDetails},
		{"ErrPolicyPeriodic", policyRule("g", "a == 1", scheduled), configd.ErrInvalidParameterValue, msgPolicySourceDetail},
		{"ErrPolicyNoSourceDetails", with(policyRule("g", "a == 1"), func(r *configd.ConfigRule) { r.Source.SourceDetails = nil }), configd.ErrInvalidParameterValue, msgPolicySourceDetail},
		{"ErrPolicySyntax", policyRule("g", "rule r {\n  configuration.x == \n}"), configd.ErrInvalidParameterValue, "line 3, column"},
		{"ErrDetailFrequencyOnChange", lambdaRule("l", configd.SourceDetail{MessageType: configd.MessageConfigurationItemChange, MaximumExecutionFrequency: "One_Hour"}), configd.ErrInvalidParameterValue, msgDetailFrequency},
		{"ErrDetailWithoutMessageType", lambdaRule("l", configd.SourceDetail{EventSource: "aws.config"}), configd.ErrInvalidParameterValue, msgMessageType},
		{"ErrLambdaInputJSON", with(lambdaRule("l", change), func(r *configd.ConfigRule) { r.InputParameters = "[1]" }), configd.ErrInvalidParameterValue, "Invalid json [1]"},
		{"ErrOwner", with(managed("v", "S3_BUCKET_VERSIONING_ENABLED", ""), func(r *configd.ConfigRule) { r.Source.Owner = "ME" }), configd.ErrInvalidParameterValue, "The owner ME"},
		{"ErrDuplicateMode", with(managed("v", "S3_BUCKET_VERSIONING_ENABLED", ""), func(r *configd.ConfigRule) {
			r.EvaluationModes = []string{configd.EvaluationModeDetective, configd.EvaluationModeDetective}
		}), configd.ErrInvalidParameterValue, "more than once"},
		{"ErrProactiveLambda", with(lambdaRule("l", change), func(r *configd.ConfigRule) { r.EvaluationModes = []string{configd.EvaluationModeProactive} }), configd.ErrInvalidParameterValue, msgProactive},
		{"ErrProactivePeriodicManaged", with(managed("a", "ACCESS_KEYS_ROTATED", keyAge), func(r *configd.ConfigRule) { r.EvaluationModes = []string{configd.EvaluationModeProactive} }), configd.ErrInvalidParameterValue, msgProactive},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkRule(tc.rule)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("checkRule: %v", err)
				}
				return
			}
			if configd.ErrorCode(err) != tc.code || !strings.Contains(configd.ErrorMessage(err), tc.msg) {
				t.Fatalf("got %v, want %s containing %q", err, tc.code, tc.msg)
			}
		})
	}
}

// TestCheckRuleDefaults: what AWS fills in on a rule put without it.
func TestCheckRuleDefaults(t *testing.T) {
	r := lambdaRule("l", configd.SourceDetail{MessageType: configd.MessageScheduled}, configd.SourceDetail{MessageType: configd.MessageConfigurationItemChange})
	if err := checkRule(r); err != nil {
		t.Fatal(err)
	}
	d := r.Source.SourceDetails
	if d[0].EventSource != "aws.config" || d[0].MaximumExecutionFrequency != DefaultFrequency || d[1].MaximumExecutionFrequency != "" {
		t.Fatalf("source details = %+v", d)
	}
	if len(r.EvaluationModes) != 1 || r.EvaluationModes[0] != configd.EvaluationModeDetective {
		t.Fatalf("evaluation modes = %v", r.EvaluationModes)
	}
	p := policyRule("g", "a == 1")
	p.Source.SourceIdentifier = "ignored"
	if err := checkRule(p); err != nil || p.Source.SourceIdentifier != "" {
		t.Fatalf("custom policy source identifier = %q (%v)", p.Source.SourceIdentifier, err)
	}
}

func TestPeriod(t *testing.T) {
	freq := func(r *configd.ConfigRule, f string) *configd.ConfigRule { r.MaximumExecutionFrequency = f; return r }
	tests := []struct {
		name     string
		rule     *configd.ConfigRule
		periodic bool
		want     time.Duration
	}{
		{"OKManagedPeriodicDefault", managed("a", "ACCESS_KEYS_ROTATED", keyAge), true, 24 * time.Hour},
		{"OKManagedPeriodicFrequency", freq(managed("a", "ACCESS_KEYS_ROTATED", keyAge), "Three_Hours"), true, 3 * time.Hour},
		{"OKManagedChange", managed("v", "S3_BUCKET_VERSIONING_ENABLED", ""), false, 0},
		{"OKLambdaScheduled", lambdaRule("l", configd.SourceDetail{MessageType: configd.MessageScheduled, MaximumExecutionFrequency: "Six_Hours"}), true, 6 * time.Hour},
		{"OKLambdaScheduledRuleFrequency", freq(lambdaRule("l", configd.SourceDetail{MessageType: configd.MessageScheduled}), "Twelve_Hours"), true, 12 * time.Hour},
		{"OKLambdaChangeWithFrequency", freq(lambdaRule("l", change), "One_Hour"), false, 0},
		{"OKProcessCheck", managed("p", ProcessCheckIdentifier, ""), false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, ok := Period(tc.rule)
			if ok != tc.periodic || d != tc.want {
				t.Fatalf("Period = %v, %v; want %v, %v", d, ok, tc.want, tc.periodic)
			}
		})
	}
}

// newRuleService returns a service whose scopes A and B have a
// configuration recorder.
func newRuleService(t *testing.T) (*Service, *fakeClock) {
	t.Helper()
	s, clk := newService(t)
	for _, sc := range []configd.Scope{scopeA, scopeB} {
		if _, err := s.PutRecorder(context.Background(), sc, &configd.Recorder{Name: "default", RoleARN: "arn:aws:iam::" + sc.AccountID + ":role/config"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	return s, clk
}

// jobs claims every pending job of the scope (as an evaluator would) and
// returns their payloads; complete completes them.
func claimJobs(t *testing.T, s *Service, now time.Time, complete bool) []configd.EvaluateJob {
	t.Helper()
	ctx := context.Background()
	var out []configd.EvaluateJob
	err := s.write(ctx, func(tx configd.Tx) error {
		out = nil
		jobs, err := tx.ClaimJobs(ctx, configd.JobEvaluate, "test", now, now.Add(time.Minute), 100)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			var p configd.EvaluateJob
			if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
				return err
			}
			out = append(out, p)
			if complete {
				if err := finishJob(ctx, tx, j, "test"); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// finishJob completes a job held by owner as the evaluator does: a
// whole-rule job is no longer pending in the rule's status.
func finishJob(ctx context.Context, tx configd.Tx, j *configd.Job, owner string) error {
	if _, err := tx.CompleteJob(ctx, j.ID, owner); err != nil {
		return err
	}
	var p configd.EvaluateJob
	json.Unmarshal([]byte(j.Payload), &p)
	st, err := tx.GetRuleStatus(ctx, j.Scope, p.RuleName)
	if err != nil {
		return err
	}
	st.EvaluationsPending--
	return tx.PutRuleStatus(ctx, j.Scope, p.RuleName, st)
}

func status(t *testing.T, s *Service, scope configd.Scope, name string) *configd.RuleStatus {
	t.Helper()
	sts, err := s.RuleEvaluationStatuses(context.Background(), scope, []string{name}, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	return sts[0].Status
}

func TestPutConfigRule(t *testing.T) {
	ctx := context.Background()
	t.Run("ErrNoRecorder", func(t *testing.T) {
		s, _ := newService(t)
		_, err := s.PutConfigRule(ctx, scopeA, managed("v", "S3_BUCKET_VERSIONING_ENABLED", ""), nil)
		if configd.ErrorCode(err) != configd.ErrNoAvailableConfigurationRecorder {
			t.Fatalf("got %v", err)
		}
	})
	s, clk := newRuleService(t)
	var created *configd.ConfigRule
	t.Run("OKCreate", func(t *testing.T) {
		r, err := s.PutConfigRule(ctx, scopeA, managed("keys", "ACCESS_KEYS_ROTATED", `{"maxAccessKeyAge":"30"}`), []configd.Tag{{Key: "team", Value: "a"}})
		if err != nil {
			t.Fatal(err)
		}
		created = r
		if !regexp.MustCompile(`^config-rule-[a-z0-9]{6}$`).MatchString(r.ID) || r.ARN != "arn:aws:config:us-east-1:111111111111:config-rule/"+r.ID || r.State != configd.RuleStateActive {
			t.Fatalf("rule = %+v", r)
		}
		st := status(t, s, scopeA, "keys")
		if !st.FirstActivatedTime.Equal(clk.t) || !st.NextScheduledRun.Equal(clk.t.Add(24*time.Hour)) {
			t.Fatalf("status = %+v", st)
		}
		tags, err := s.ListTags(ctx, scopeA, r.ARN)
		if err != nil || len(tags) != 1 || tags[0].Key != "team" {
			t.Fatalf("tags = %v, %v", tags, err)
		}
		jobs := claimJobs(t, s, clk.t, true)
		if len(jobs) != 1 || jobs[0].RuleName != "keys" || jobs[0].Trigger != configd.TriggerRuleUpdated || jobs[0].Resource != nil {
			t.Fatalf("jobs = %+v", jobs)
		}
	})
	t.Run("OKUpdateKeepsIdentity", func(t *testing.T) {
		clk.t = clk.t.Add(time.Hour)
		u := managed("", "ACCESS_KEYS_ROTATED", keyAge)
		u.ARN = created.ARN
		u.MaximumExecutionFrequency = "One_Hour"
		r, err := s.PutConfigRule(ctx, scopeA, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Name != "keys" || r.ID != created.ID || r.ARN != created.ARN {
			t.Fatalf("updated rule = %+v", r)
		}
		st := status(t, s, scopeA, "keys")
		if !st.FirstActivatedTime.Equal(clk.t.Add(-time.Hour)) || !st.NextScheduledRun.Equal(clk.t.Add(time.Hour)) {
			t.Fatalf("status after update = %+v", st)
		}
		if jobs := claimJobs(t, s, clk.t, true); len(jobs) != 1 || jobs[0].Trigger != configd.TriggerRuleUpdated {
			t.Fatalf("jobs = %+v", jobs)
		}
	})
	t.Run("ErrUnknownARN", func(t *testing.T) {
		u := managed("", "ACCESS_KEYS_ROTATED", keyAge)
		u.ID = "config-rule-zzzzzz"
		_, err := s.PutConfigRule(ctx, scopeA, u, nil)
		if configd.ErrorCode(err) != configd.ErrInvalidParameterValue || configd.ErrorMessage(err) != msgNoIdentifier {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrARNOnCreate", func(t *testing.T) {
		u := managed("new", "ACCESS_KEYS_ROTATED", keyAge)
		u.ARN = created.ARN
		_, err := s.PutConfigRule(ctx, scopeA, u, nil)
		if configd.ErrorMessage(err) != msgArnOnCreate {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrIdentifierMismatch", func(t *testing.T) {
		u := managed("keys", "ACCESS_KEYS_ROTATED", keyAge)
		u.ID = "config-rule-other1"
		_, err := s.PutConfigRule(ctx, scopeA, u, nil)
		if configd.ErrorCode(err) != configd.ErrInvalidParameterValue {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("OKScopeIsolation", func(t *testing.T) {
		rs, err := s.ConfigRules(ctx, scopeB, nil, "", "", 0)
		if err != nil || len(rs) != 0 {
			t.Fatalf("scope B sees %d rules (%v)", len(rs), err)
		}
		_, err = s.ConfigRules(ctx, scopeB, []string{"keys"}, "", "", 0)
		if configd.ErrorCode(err) != configd.ErrNoSuchConfigRule {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("OKListFilteredPages", func(t *testing.T) {
		p := policyRule("zz-proactive", "a == 1")
		p.EvaluationModes = []string{configd.EvaluationModeProactive}
		if _, err := s.PutConfigRule(ctx, scopeA, p, nil); err != nil {
			t.Fatal(err)
		}
		rs, err := s.ConfigRules(ctx, scopeA, nil, configd.EvaluationModeProactive, "", 2)
		if err != nil || len(rs) != 1 || rs[0].Name != "zz-proactive" {
			t.Fatalf("proactive rules = %v (%v)", rs, err)
		}
		page, err := s.ConfigRules(ctx, scopeA, nil, "", "keys", 25)
		if err != nil || len(page) != 1 || page[0].Name != "zz-proactive" {
			t.Fatalf("rules after keys = %v (%v)", page, err)
		}
	})
	t.Run("ErrMaxRules", func(t *testing.T) {
		err := s.write(ctx, func(tx configd.Tx) error {
			for i := 0; i < MaxConfigRules-2; i++ { // with keys and zz-proactive
				r := managed("bulk-"+itoa(1000+i), "S3_BUCKET_VERSIONING_ENABLED", "")
				r.ID, r.ARN, r.State, r.EvaluationModes = "config-rule-b"+itoa(i), "arn:b"+itoa(i), configd.RuleStateActive, []string{configd.EvaluationModeDetective}
				if err := tx.PutRule(ctx, scopeA, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.PutConfigRule(ctx, scopeA, managed("one-too-many", "S3_BUCKET_VERSIONING_ENABLED", ""), nil)
		if configd.ErrorCode(err) != configd.ErrMaxNumberOfConfigRules || configd.ErrorMessage(err) != "Failed to put config rule 'one-too-many' because the maximum number of config rules: 1000 is reached." {
			t.Fatalf("got %v", err)
		}
		// Updating an existing rule is still allowed.
		if _, err := s.PutConfigRule(ctx, scopeA, managed("keys", "ACCESS_KEYS_ROTATED", keyAge), nil); err != nil {
			t.Fatal(err)
		}
		// Another scope has its own limit.
		if _, err := s.PutConfigRule(ctx, scopeB, managed("one-too-many", "S3_BUCKET_VERSIONING_ENABLED", ""), nil); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDeleteConfigRule(t *testing.T) {
	ctx := context.Background()
	s, _ := newRuleService(t)
	r, err := s.PutConfigRule(ctx, scopeA, managed("v", "S3_BUCKET_VERSIONING_ENABLED", ""), []configd.Tag{{Key: "k", Value: "v"}})
	if err != nil {
		t.Fatal(err)
	}
	seedResults(t, s, scopeA, "v", map[string]string{"b1": configd.NonCompliant})
	t.Run("ErrNoSuchRule", func(t *testing.T) {
		err := s.DeleteConfigRule(ctx, scopeB, "v")
		if configd.ErrorCode(err) != configd.ErrNoSuchConfigRule || configd.ErrorMessage(err) != "The ConfigRule 'v' provided in the request is invalid. Please check the configRule name" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrRemediationConfigured", func(t *testing.T) {
		err := s.write(ctx, func(tx configd.Tx) error {
			return tx.PutRemediationConfiguration(ctx, scopeA, &configd.RemediationConfiguration{RuleName: "v", TargetType: "SSM_DOCUMENT", TargetID: "AWS-EnableS3BucketVersioning"})
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.DeleteConfigRule(ctx, scopeA, "v")
		if configd.ErrorCode(err) != configd.ErrResourceInUse || configd.ErrorMessage(err) != "The rule v currently has a RemediationConfiguration. Please delete the RemediationConfiguration and try again." {
			t.Fatalf("got %v", err)
		}
		if err := s.write(ctx, func(tx configd.Tx) error { return tx.DeleteRemediationConfiguration(ctx, scopeA, "v") }); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		if err := s.DeleteConfigRule(ctx, scopeA, "v"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ConfigRules(ctx, scopeA, []string{"v"}, "", "", 0); configd.ErrorCode(err) != configd.ErrNoSuchConfigRule {
			t.Fatalf("rule still there: %v", err)
		}
		if _, err := s.ListTags(ctx, scopeA, r.ARN); configd.ErrorCode(err) != configd.ErrResourceNotFound {
			t.Fatalf("tags of a deleted rule: %v", err)
		}
		// A new rule of the same name starts without the old results.
		if _, err := s.PutConfigRule(ctx, scopeA, managed("v", "S3_BUCKET_VERSIONING_ENABLED", ""), nil); err != nil {
			t.Fatal(err)
		}
		res, err := s.ComplianceDetailsByConfigRule(ctx, scopeA, "v", nil, nil, 0)
		if err != nil || len(res) != 0 {
			t.Fatalf("results = %v (%v)", res, err)
		}
	})
}

func TestStartConfigRulesEvaluation(t *testing.T) {
	ctx := context.Background()
	s, clk := newRuleService(t)
	for _, n := range []string{"a", "b"} {
		if _, err := s.PutConfigRule(ctx, scopeA, managed(n, "S3_BUCKET_VERSIONING_ENABLED", ""), nil); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("ErrEvaluationPending", func(t *testing.T) {
		// The evaluation of a new rule is still queued.
		err := s.StartConfigRulesEvaluation(ctx, scopeA, []string{"a"})
		if configd.ErrorCode(err) != configd.ErrLimitExceeded || !strings.Contains(configd.ErrorMessage(err), "in progress") {
			t.Fatalf("got %v", err)
		}
	})
	claimJobs(t, s, clk.t, true)
	t.Run("OKStalePendingCount", func(t *testing.T) {
		// A rule job ended without its count going down: with no job left,
		// the count does not block the rule.
		err := s.write(ctx, func(tx configd.Tx) error {
			st, err := tx.GetRuleStatus(ctx, scopeA, "b")
			if err != nil {
				return err
			}
			st.EvaluationsPending = 3
			return tx.PutRuleStatus(ctx, scopeA, "b", st)
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.StartConfigRulesEvaluation(ctx, scopeA, []string{"b"}); err != nil {
			t.Fatal(err)
		}
		if st := status(t, s, scopeA, "b"); st.EvaluationsPending != 1 {
			t.Fatalf("pending = %d, want 1", st.EvaluationsPending)
		}
		claimJobs(t, s, clk.t, true)
		clk.t = clk.t.Add(time.Minute)
	})
	t.Run("ErrNoSuchRuleStartsNone", func(t *testing.T) {
		err := s.StartConfigRulesEvaluation(ctx, scopeA, []string{"a", "nope"})
		if configd.ErrorCode(err) != configd.ErrNoSuchConfigRule {
			t.Fatalf("got %v", err)
		}
		if jobs := claimJobs(t, s, clk.t, false); len(jobs) != 0 {
			t.Fatalf("a refused request queued %v", jobs)
		}
	})
	t.Run("OK", func(t *testing.T) {
		if err := s.StartConfigRulesEvaluation(ctx, scopeA, []string{"a", "b", "a"}); err != nil {
			t.Fatal(err)
		}
		jobs := claimJobs(t, s, clk.t, false)
		if len(jobs) != 2 || jobs[0].Trigger != configd.TriggerOnDemand {
			t.Fatalf("jobs = %+v", jobs)
		}
		if st := status(t, s, scopeA, "a"); !st.LastOnDemandRun.Equal(clk.t) {
			t.Fatalf("status = %+v", st)
		}
	})
	t.Run("ErrRunning", func(t *testing.T) {
		clk.t = clk.t.Add(2 * time.Minute)
		// The jobs are claimed, not completed: still running.
		err := s.StartConfigRulesEvaluation(ctx, scopeA, []string{"b"})
		if configd.ErrorCode(err) != configd.ErrLimitExceeded {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrOncePerMinute", func(t *testing.T) {
		err := s.write(ctx, func(tx configd.Tx) error {
			jobs, err := tx.ClaimJobs(ctx, configd.JobEvaluate, "test2", clk.t.Add(time.Hour), clk.t.Add(2*time.Hour), 100)
			if err != nil {
				return err
			}
			for _, j := range jobs {
				if err := finishJob(ctx, tx, j, "test2"); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.StartConfigRulesEvaluation(ctx, scopeA, []string{"a"}); err != nil {
			t.Fatal(err)
		}
		claimJobs(t, s, clk.t, true)
		clk.t = clk.t.Add(59 * time.Second)
		err = s.StartConfigRulesEvaluation(ctx, scopeA, []string{"a"})
		if configd.ErrorCode(err) != configd.ErrLimitExceeded || !strings.Contains(configd.ErrorMessage(err), "less than a minute") {
			t.Fatalf("got %v", err)
		}
		clk.t = clk.t.Add(time.Second)
		if err := s.StartConfigRulesEvaluation(ctx, scopeA, []string{"a"}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestGetCustomRulePolicy(t *testing.T) {
	ctx := context.Background()
	s, _ := newRuleService(t)
	if _, err := s.PutConfigRule(ctx, scopeA, policyRule("g", "configuration.x == 1"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutConfigRule(ctx, scopeA, managed("v", "S3_BUCKET_VERSIONING_ENABLED", ""), nil); err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		text, err := s.GetCustomRulePolicy(ctx, scopeA, "g")
		if err != nil || text != "configuration.x == 1" {
			t.Fatalf("policy = %q (%v)", text, err)
		}
	})
	t.Run("ErrNotCustomPolicy", func(t *testing.T) {
		if _, err := s.GetCustomRulePolicy(ctx, scopeA, "v"); configd.ErrorCode(err) != configd.ErrNoSuchConfigRule {
			t.Fatalf("got %v", err)
		}
	})
}

// FuzzCheckRule: PutConfigRule's checks never panic on untrusted input
// (parameters, policy text, identifiers), and a rule they accept has an
// evaluation mode.
func FuzzCheckRule(f *testing.F) {
	f.Add("AWS", "S3_BUCKET_VERSIONING_ENABLED", `{"isMfaDeleteEnabled":"true"}`, "")
	f.Add("CUSTOM_POLICY", "", "", "rule r when resourceType == \"AWS::S3::Bucket\" { configuration.x == 1 }")
	f.Add("CUSTOM_LAMBDA", "arn:aws:lambda:us-east-1:111111111111:function:f", `{"a":1}`, "")
	f.Add("AWS", "ACCESS_KEYS_ROTATED", `{"maxAccessKeyAge":"x"}`, "")
	f.Fuzz(func(t *testing.T, owner, id, params, policy string) {
		r := &configd.ConfigRule{Name: "r", InputParameters: params, Source: configd.RuleSource{Owner: owner, SourceIdentifier: id}}
		if owner == configd.OwnerCustomPolicy {
			r.Source.CustomPolicy = &configd.CustomPolicy{PolicyRuntime: "guard-2.x.x", PolicyText: policy}
		}
		if owner != configd.OwnerAWS {
			r.Source.SourceDetails = []configd.SourceDetail{change}
		}
		if err := checkRule(r); err == nil && len(r.EvaluationModes) == 0 {
			t.Fatal("accepted rule without an evaluation mode")
		}
	})
}
