package service

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/configd/configd"
)

const bucketType = "AWS::S3::Bucket"

// seedResults stores a result of rule for each bucket id, through
// StoreEvaluation.
func seedResults(t *testing.T, s *Service, scope configd.Scope, rule string, byID map[string]string) {
	t.Helper()
	ctx := context.Background()
	err := s.write(ctx, func(tx configd.Tx) error {
		for id, ct := range byID {
			e := &configd.EvaluationResult{RuleName: rule, ResourceType: bucketType, ResourceID: id, ComplianceType: ct, EvaluationMode: configd.EvaluationModeDetective,
				ResultRecordedTime: s.clock.Now(), ConfigRuleInvokedTime: s.clock.Now(), OrderingTimestamp: s.clock.Now()}
			if err := s.StoreEvaluation(ctx, tx, scope, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// recordingListener records what it is told and fails when fail is set.
type recordingListener struct {
	calls [][2]*configd.EvaluationResult
	fail  error
}

func (l *recordingListener) ComplianceChanged(ctx context.Context, tx configd.Tx, scope configd.Scope, prev, cur *configd.EvaluationResult) error {
	l.calls = append(l.calls, [2]*configd.EvaluationResult{prev, cur})
	return l.fail
}

func eval(id, ct string, at time.Time) configd.EvaluationResult {
	return configd.EvaluationResult{ResourceType: bucketType, ResourceID: id, ComplianceType: ct, Annotation: "because", OrderingTimestamp: at}
}

func TestPutEvaluations(t *testing.T) {
	ctx := context.Background()
	s, clk := newRuleService(t)
	l := &recordingListener{}
	s.AddComplianceListener(l)
	if _, err := s.PutConfigRule(ctx, scopeA, lambdaRule("l", change), nil); err != nil {
		t.Fatal(err)
	}
	invoked := clk.t.Add(-time.Second)
	claims := &configd.ResultTokenClaims{RuleName: "l", InvokedAt: invoked}
	t0 := clk.t
	t.Run("OKTestModeStoresNothing", func(t *testing.T) {
		failed, err := s.PutEvaluations(ctx, scopeA, nil, []configd.EvaluationResult{eval("b1", configd.Compliant, t0)}, true)
		if err != nil || len(failed) != 0 {
			t.Fatalf("failed = %v (%v)", failed, err)
		}
		if res, _ := s.ComplianceDetailsByConfigRule(ctx, scopeA, "l", nil, nil, 0); len(res) != 0 || len(l.calls) != 0 {
			t.Fatalf("test mode stored %d results, told listeners %d times", len(res), len(l.calls))
		}
	})
	t.Run("ErrInsufficientDataInTestMode", func(t *testing.T) {
		_, err := s.PutEvaluations(ctx, scopeA, nil, []configd.EvaluationResult{eval("b1", configd.InsufficientData, t0)}, true)
		if configd.ErrorCode(err) != configd.ErrInvalidParameterValue {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrNilEvaluations", func(t *testing.T) {
		_, err := s.PutEvaluations(ctx, scopeA, claims, nil, false)
		if configd.ErrorCode(err) != configd.ErrInvalidParameterValue || configd.ErrorMessage(err) != msgNilEvaluations {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrNoClaims", func(t *testing.T) {
		_, err := s.PutEvaluations(ctx, scopeA, nil, []configd.EvaluationResult{}, false)
		if configd.ErrorCode(err) != configd.ErrInvalidResultToken || configd.ErrorMessage(err) != "The resultToken provided is invalid" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrDeletedRule", func(t *testing.T) {
		_, err := s.PutEvaluations(ctx, scopeA, &configd.ResultTokenClaims{RuleName: "gone"}, []configd.EvaluationResult{eval("b1", configd.Compliant, t0)}, false)
		if configd.ErrorCode(err) != configd.ErrNoSuchConfigRule {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		clk.t = clk.t.Add(time.Minute)
		failed, err := s.PutEvaluations(ctx, scopeA, claims, []configd.EvaluationResult{eval("b1", configd.NonCompliant, t0), eval("b2", configd.Compliant, t0)}, false)
		if err != nil || len(failed) != 0 {
			t.Fatalf("failed = %v (%v)", failed, err)
		}
		res, err := s.ComplianceDetailsByConfigRule(ctx, scopeA, "l", nil, nil, 0)
		if err != nil || len(res) != 2 {
			t.Fatalf("results = %v (%v)", res, err)
		}
		r := res[0]
		if r.ResourceID != "b1" || r.RuleName != "l" || r.ComplianceType != configd.NonCompliant || r.Annotation != "because" || r.EvaluationMode != configd.EvaluationModeDetective ||
			!r.ResultRecordedTime.Equal(clk.t) || !r.ConfigRuleInvokedTime.Equal(invoked) || !r.OrderingTimestamp.Equal(t0) {
			t.Fatalf("result = %+v", r)
		}
		if len(l.calls) != 2 || l.calls[0][0] != nil || l.calls[0][1].ResourceID != "b1" {
			t.Fatalf("listener calls = %v", l.calls)
		}
		st := status(t, s, scopeA, "l")
		if !st.LastSuccessfulEvaluationTime.Equal(clk.t) || !st.FirstEvaluationStarted {
			t.Fatalf("status = %+v", st)
		}
	})
	t.Run("OKOlderEvaluationFails", func(t *testing.T) {
		l.calls = nil
		failed, err := s.PutEvaluations(ctx, scopeA, claims, []configd.EvaluationResult{eval("b1", configd.Compliant, t0.Add(-time.Second)), eval("b2", configd.NonCompliant, t0.Add(time.Second))}, false)
		if err != nil || len(failed) != 1 || failed[0] != 0 {
			t.Fatalf("failed = %v (%v)", failed, err)
		}
		if len(l.calls) != 1 || l.calls[0][0].ComplianceType != configd.Compliant || l.calls[0][1].ComplianceType != configd.NonCompliant {
			t.Fatalf("listener calls = %v", l.calls)
		}
	})
	t.Run("ErrListenerRollsBack", func(t *testing.T) {
		l.fail = configd.Errorf(configd.ErrInternalFailure, "boom")
		defer func() { l.fail = nil }()
		_, err := s.PutEvaluations(ctx, scopeA, claims, []configd.EvaluationResult{eval("b3", configd.Compliant, t0)}, false)
		if err == nil || !errors.Is(err, l.fail) {
			t.Fatalf("got %v", err)
		}
		res, _ := s.ComplianceDetailsByResource(ctx, scopeA, configd.ResourceKey{ResourceType: bucketType, ResourceID: "b3"}, nil, nil, 0)
		if len(res) != 0 {
			t.Fatalf("a failed listener left %v", res)
		}
	})
	t.Run("ErrProactiveClaims", func(t *testing.T) {
		_, err := s.PutEvaluations(ctx, scopeA, &configd.ResultTokenClaims{RuleName: "l", EvaluationMode: configd.EvaluationModeProactive}, []configd.EvaluationResult{eval("b1", configd.Compliant, t0)}, false)
		if configd.ErrorCode(err) != configd.ErrInvalidResultToken {
			t.Fatalf("got %v", err)
		}
	})
}

func TestPutExternalEvaluation(t *testing.T) {
	ctx := context.Background()
	s, clk := newRuleService(t)
	for _, r := range []*configd.ConfigRule{managed("process", ProcessCheckIdentifier, ""), managed("v", "S3_BUCKET_VERSIONING_ENABLED", "")} {
		if _, err := s.PutConfigRule(ctx, scopeA, r, nil); err != nil {
			t.Fatal(err)
		}
	}
	acct := configd.EvaluationResult{ResourceType: configd.AccountResourceType, ResourceID: "111111111111", ComplianceType: configd.Compliant, OrderingTimestamp: clk.t}
	t.Run("OK", func(t *testing.T) {
		if err := s.PutExternalEvaluation(ctx, scopeA, "process", acct); err != nil {
			t.Fatal(err)
		}
		res, err := s.ComplianceDetailsByConfigRule(ctx, scopeA, "process", nil, nil, 0)
		if err != nil || len(res) != 1 || res[0].ResourceType != configd.AccountResourceType || !res[0].ResultRecordedTime.Equal(clk.t) {
			t.Fatalf("results = %+v (%v)", res, err)
		}
	})
	t.Run("ErrNotProcessCheck", func(t *testing.T) {
		if err := s.PutExternalEvaluation(ctx, scopeA, "v", acct); configd.ErrorCode(err) != configd.ErrNoSuchConfigRule {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrInsufficientData", func(t *testing.T) {
		e := acct
		e.ComplianceType = configd.InsufficientData
		if err := s.PutExternalEvaluation(ctx, scopeA, "process", e); configd.ErrorCode(err) != configd.ErrInvalidParameterValue {
			t.Fatalf("got %v", err)
		}
	})
}

func TestComplianceQueries(t *testing.T) {
	ctx := context.Background()
	s, _ := newRuleService(t)
	for _, n := range []string{"mixed", "good", "na", "none", "many"} {
		if _, err := s.PutConfigRule(ctx, scopeA, managed(n, "S3_BUCKET_VERSIONING_ENABLED", ""), nil); err != nil {
			t.Fatal(err)
		}
	}
	seedResults(t, s, scopeA, "mixed", map[string]string{"b1": configd.NonCompliant, "b2": configd.NonCompliant, "b3": configd.Compliant})
	seedResults(t, s, scopeA, "good", map[string]string{"b1": configd.Compliant, "b3": configd.Compliant})
	seedResults(t, s, scopeA, "na", map[string]string{"b4": configd.NotApplicable})
	many := map[string]string{}
	for i := 0; i < 101; i++ {
		many["m"+itoa(1000+i)] = configd.NonCompliant
	}
	seedResults(t, s, scopeA, "many", many)

	t.Run("OKByConfigRule", func(t *testing.T) {
		rs, err := s.ComplianceByConfigRule(ctx, scopeA, nil, nil, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]Compliance{}
		for _, r := range rs {
			got[r.RuleName] = r.Compliance
		}
		if len(rs) != 5 || got["mixed"].Type != configd.NonCompliant || got["mixed"].Contributors.Count != 2 || got["mixed"].Contributors.CapExceeded ||
			got["good"].Type != configd.Compliant || got["good"].Contributors != nil ||
			got["na"].Type != configd.InsufficientData || got["none"].Type != configd.InsufficientData ||
			got["many"].Contributors.Count != ResourceCountCap || !got["many"].Contributors.CapExceeded {
			t.Fatalf("compliance = %+v", got)
		}
	})
	t.Run("OKByConfigRuleFiltered", func(t *testing.T) {
		rs, err := s.ComplianceByConfigRule(ctx, scopeA, []string{"good", "mixed", "none"}, []string{configd.Compliant, configd.InsufficientData}, "", 0)
		if err != nil || len(rs) != 2 || rs[0].RuleName != "good" || rs[1].RuleName != "none" {
			t.Fatalf("rules = %+v (%v)", rs, err)
		}
	})
	t.Run("ErrByConfigRuleUnknown", func(t *testing.T) {
		if _, err := s.ComplianceByConfigRule(ctx, scopeA, []string{"nope"}, nil, "", 0); configd.ErrorCode(err) != configd.ErrNoSuchConfigRule {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("OKByResource", func(t *testing.T) {
		rs, err := s.ComplianceByResource(ctx, scopeA, bucketType, "", nil, nil, 3)
		if err != nil || len(rs) != 3 {
			t.Fatalf("resources = %+v (%v)", rs, err)
		}
		// b1: mixed says non-compliant, good compliant; b2 non-compliant;
		// b3 compliant twice; b4 (only NOT_APPLICABLE) is not listed.
		if rs[0].Key.ResourceID != "b1" || rs[0].Compliance.Type != configd.NonCompliant || rs[0].Compliance.Contributors.Count != 1 ||
			rs[2].Key.ResourceID != "b3" || rs[2].Compliance.Type != configd.Compliant {
			t.Fatalf("resources = %+v", rs)
		}
		next, err := s.ComplianceByResource(ctx, scopeA, bucketType, "", []string{configd.Compliant}, &rs[2].Key, 0)
		if err != nil || len(next) != 0 {
			t.Fatalf("compliant resources after b3 = %+v (%v)", next, err)
		}
	})
	t.Run("OKByResourceUnevaluated", func(t *testing.T) {
		rs, err := s.ComplianceByResource(ctx, scopeA, bucketType, "b4", nil, nil, 0)
		if err != nil || len(rs) != 1 || rs[0].Compliance.Type != configd.InsufficientData {
			t.Fatalf("resources = %+v (%v)", rs, err)
		}
	})
	t.Run("ErrByResourceIDWithoutType", func(t *testing.T) {
		if _, err := s.ComplianceByResource(ctx, scopeA, "", "b1", nil, nil, 0); configd.ErrorCode(err) != configd.ErrInvalidParameterValue {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("OKDetailsByResource", func(t *testing.T) {
		rs, err := s.ComplianceDetailsByResource(ctx, scopeA, configd.ResourceKey{ResourceType: bucketType, ResourceID: "b1"}, []string{configd.NonCompliant}, nil, 0)
		if err != nil || len(rs) != 1 || rs[0].RuleName != "mixed" {
			t.Fatalf("results = %+v (%v)", rs, err)
		}
	})
	t.Run("ErrDetailsFilterInsufficientData", func(t *testing.T) {
		_, err := s.ComplianceDetailsByConfigRule(ctx, scopeA, "mixed", []string{configd.InsufficientData}, nil, 0)
		if configd.ErrorCode(err) != configd.ErrInvalidParameterValue {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("OKSummaryByConfigRule", func(t *testing.T) {
		sum, err := s.ComplianceSummaryByConfigRule(ctx, scopeA)
		if err != nil || sum.Compliant.Count != 1 || sum.NonCompliant.Count != 2 || sum.NonCompliant.CapExceeded || sum.Time.IsZero() {
			t.Fatalf("summary = %+v (%v)", sum, err)
		}
	})
	t.Run("OKSummaryByResourceType", func(t *testing.T) {
		sums, err := s.ComplianceSummaryByResourceType(ctx, scopeA, nil)
		if err != nil || len(sums) != 1 || sums[0].ResourceType != "" || sums[0].Summary.Compliant.Count != 1 ||
			sums[0].Summary.NonCompliant.Count != ResourceCountCap || !sums[0].Summary.NonCompliant.CapExceeded {
			t.Fatalf("summaries = %+v (%v)", sums, err)
		}
		sums, err = s.ComplianceSummaryByResourceType(ctx, scopeA, []string{"AWS::EC2::Instance", bucketType})
		if err != nil || len(sums) != 2 || sums[0].Summary.NonCompliant.Count != 0 || sums[1].ResourceType != bucketType {
			t.Fatalf("summaries = %+v (%v)", sums, err)
		}
	})
	t.Run("OKScopeIsolation", func(t *testing.T) {
		sum, err := s.ComplianceSummaryByConfigRule(ctx, scopeB)
		if err != nil || sum.Compliant.Count+sum.NonCompliant.Count != 0 {
			t.Fatalf("scope B summary = %+v (%v)", sum, err)
		}
		rs, err := s.ComplianceByResource(ctx, scopeB, "", "", nil, nil, 0)
		if err != nil || len(rs) != 0 {
			t.Fatalf("scope B resources = %+v (%v)", rs, err)
		}
	})
	t.Run("OKDeleteEvaluationResults", func(t *testing.T) {
		if err := s.DeleteEvaluationResults(ctx, scopeA, "mixed"); err != nil {
			t.Fatal(err)
		}
		rs, err := s.ComplianceByConfigRule(ctx, scopeA, []string{"mixed"}, nil, "", 0)
		if err != nil || rs[0].Compliance.Type != configd.InsufficientData {
			t.Fatalf("after delete = %+v (%v)", rs, err)
		}
		if err := s.DeleteEvaluationResults(ctx, scopeA, "nope"); configd.ErrorCode(err) != configd.ErrNoSuchConfigRule {
			t.Fatalf("got %v", err)
		}
	})
}
