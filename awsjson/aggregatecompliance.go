package awsjson

import (
	"context"
	"sort"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
	"github.com/configd/configd/service"
)

// registerAggregateCompliance routes the aggregate compliance reads of
// rules and conformance packs.
func (s *Server) registerAggregateCompliance() {
	s.handlers["DescribeAggregateComplianceByConfigRules"] = op(s.describeAggregateComplianceByConfigRules)
	s.handlers["GetAggregateComplianceDetailsByConfigRule"] = op(s.getAggregateComplianceDetailsByConfigRule)
	s.handlers["GetAggregateConfigRuleComplianceSummary"] = op(s.getAggregateConfigRuleComplianceSummary)
	s.handlers["DescribeAggregateComplianceByConformancePacks"] = op(s.describeAggregateComplianceByConformancePacks)
	s.handlers["GetAggregateConformancePackComplianceSummary"] = op(s.getAggregateConformancePackComplianceSummary)
}

// groupOf is the group of a source scope under GroupByKey ACCOUNT_ID or
// AWS_REGION; without a key every scope is in one unnamed group.
func groupOf(sc configd.Scope, key string) string {
	switch key {
	case "ACCOUNT_ID":
		return sc.AccountID
	case "AWS_REGION":
		return sc.Region
	}
	return ""
}

func (s *Server) describeAggregateComplianceByConfigRules(ctx context.Context, req *Request, in *api.DescribeAggregateComplianceByConfigRulesRequest) (*api.DescribeAggregateComplianceByConfigRulesResponse, error) {
	var f service.AggregateComplianceFilter
	if w := in.Filters; w != nil {
		f = service.AggregateComplianceFilter{Name: w.ConfigRuleName, ComplianceType: w.ComplianceType, AccountID: w.AccountId, Region: w.AwsRegion}
	}
	rs, err := s.Service.AggregateComplianceByConfigRules(ctx, req.Scope, in.ConfigurationAggregatorName, f)
	if err != nil {
		return nil, err
	}
	list, next, err := offsetMap(s, req, fingerprint(in.ConfigurationAggregatorName, f), in.NextToken, in.Limit, len(rs), func(i int) api.AggregateComplianceByConfigRule {
		r := rs[i]
		return api.AggregateComplianceByConfigRule{
			ConfigRuleName: r.RuleName, Compliance: complianceToWire(r.Compliance), AccountId: r.Scope.AccountID, AwsRegion: r.Scope.Region,
		}
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribeAggregateComplianceByConfigRulesResponse{AggregateComplianceByConfigRules: list, NextToken: next}, nil
}

func (s *Server) getAggregateComplianceDetailsByConfigRule(ctx context.Context, req *Request, in *api.GetAggregateComplianceDetailsByConfigRuleRequest) (*api.GetAggregateComplianceDetailsByConfigRuleResponse, error) {
	source := configd.Scope{AccountID: in.AccountId, Region: in.AwsRegion}
	rs, err := s.Service.AggregateComplianceDetailsByConfigRule(ctx, req.Scope, in.ConfigurationAggregatorName, source, in.ConfigRuleName, in.ComplianceType)
	if err != nil {
		return nil, err
	}
	list, next, err := offsetMap(s, req, fingerprint(in.ConfigurationAggregatorName, source, in.ConfigRuleName, in.ComplianceType), in.NextToken, in.Limit, len(rs), func(i int) api.AggregateEvaluationResult {
		r := rs[i]
		w := resultToWire(r, "")
		return api.AggregateEvaluationResult{
			EvaluationResultIdentifier: w.EvaluationResultIdentifier, ComplianceType: w.ComplianceType,
			ResultRecordedTime: w.ResultRecordedTime, ConfigRuleInvokedTime: w.ConfigRuleInvokedTime, Annotation: w.Annotation,
			AccountId: source.AccountID, AwsRegion: source.Region,
		}
	})
	if err != nil {
		return nil, err
	}
	return &api.GetAggregateComplianceDetailsByConfigRuleResponse{AggregateEvaluationResults: list, NextToken: next}, nil
}

func addCount(a, b service.CappedCount, limit int) service.CappedCount {
	n := a.Count + b.Count
	return service.CappedCount{Count: min(n, limit), CapExceeded: a.CapExceeded || b.CapExceeded || n > limit}
}

func (s *Server) getAggregateConfigRuleComplianceSummary(ctx context.Context, req *Request, in *api.GetAggregateConfigRuleComplianceSummaryRequest) (*api.GetAggregateConfigRuleComplianceSummaryResponse, error) {
	var f service.AggregateComplianceFilter
	if w := in.Filters; w != nil {
		f = service.AggregateComplianceFilter{AccountID: w.AccountId, Region: w.AwsRegion}
	}
	sums, err := s.Service.AggregateConfigRuleComplianceSummary(ctx, req.Scope, in.ConfigurationAggregatorName, f)
	if err != nil {
		return nil, err
	}
	groups := map[string]*service.ComplianceSummary{}
	var names []string
	for _, sm := range sums {
		g := groupOf(sm.Scope, in.GroupByKey)
		cur, ok := groups[g]
		if !ok {
			c := sm.Summary
			groups[g] = &c
			names = append(names, g)
			continue
		}
		cur.Compliant = addCount(cur.Compliant, sm.Summary.Compliant, service.RuleCountCap)
		cur.NonCompliant = addCount(cur.NonCompliant, sm.Summary.NonCompliant, service.RuleCountCap)
		if sm.Summary.Time.After(cur.Time) {
			cur.Time = sm.Summary.Time
		}
	}
	sort.Strings(names)
	list, next, err := offsetMap(s, req, fingerprint(in.ConfigurationAggregatorName, f, in.GroupByKey), in.NextToken, in.Limit, len(names), func(i int) api.AggregateComplianceCount {
		g := names[i]
		return api.AggregateComplianceCount{GroupName: g, ComplianceSummary: summaryToWire(*groups[g])}
	})
	if err != nil {
		return nil, err
	}
	return &api.GetAggregateConfigRuleComplianceSummaryResponse{GroupByKey: in.GroupByKey, AggregateComplianceCounts: list, NextToken: next}, nil
}

func (s *Server) describeAggregateComplianceByConformancePacks(ctx context.Context, req *Request, in *api.DescribeAggregateComplianceByConformancePacksRequest) (*api.DescribeAggregateComplianceByConformancePacksResponse, error) {
	var f service.AggregateComplianceFilter
	if w := in.Filters; w != nil {
		f = service.AggregateComplianceFilter{Name: w.ConformancePackName, ComplianceType: w.ComplianceType, AccountID: w.AccountId, Region: w.AwsRegion}
	}
	cs, err := s.Service.AggregateComplianceByConformancePacks(ctx, req.Scope, in.ConfigurationAggregatorName, f)
	if err != nil {
		return nil, err
	}
	list, next, err := offsetMap(s, req, fingerprint(in.ConfigurationAggregatorName, f), in.NextToken, in.Limit, len(cs), func(i int) api.AggregateComplianceByConformancePack {
		c := cs[i]
		compliant, nonCompliant := c.Counts()
		return api.AggregateComplianceByConformancePack{
			ConformancePackName: c.Pack.Name, AccountId: c.Scope.AccountID, AwsRegion: c.Scope.Region,
			Compliance: &api.AggregateConformancePackCompliance{
				ComplianceType: c.Type, CompliantRuleCount: api.Int32(int32(compliant)), NonCompliantRuleCount: api.Int32(int32(nonCompliant)), TotalRuleCount: api.Int32(int32(len(c.Rules))),
			},
		}
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribeAggregateComplianceByConformancePacksResponse{AggregateComplianceByConformancePacks: list, NextToken: next}, nil
}

func (s *Server) getAggregateConformancePackComplianceSummary(ctx context.Context, req *Request, in *api.GetAggregateConformancePackComplianceSummaryRequest) (*api.GetAggregateConformancePackComplianceSummaryResponse, error) {
	var f service.AggregateComplianceFilter
	if w := in.Filters; w != nil {
		f = service.AggregateComplianceFilter{AccountID: w.AccountId, Region: w.AwsRegion}
	}
	cs, err := s.Service.AggregateComplianceByConformancePacks(ctx, req.Scope, in.ConfigurationAggregatorName, f)
	if err != nil {
		return nil, err
	}
	type count struct{ compliant, nonCompliant int32 }
	groups := map[string]*count{}
	var names []string
	for _, c := range cs {
		g := groupOf(c.Scope, in.GroupByKey)
		cur, ok := groups[g]
		if !ok {
			cur = &count{}
			groups[g] = cur
			names = append(names, g)
		}
		switch c.Type {
		case configd.Compliant:
			cur.compliant++
		case configd.NonCompliant:
			cur.nonCompliant++
		}
	}
	sort.Strings(names)
	list, next, err := offsetMap(s, req, fingerprint(in.ConfigurationAggregatorName, f, in.GroupByKey), in.NextToken, in.Limit, len(names), func(i int) api.AggregateConformancePackComplianceSummary {
		g := names[i]
		return api.AggregateConformancePackComplianceSummary{
			GroupName: g, ComplianceSummary: &api.AggregateConformancePackComplianceCount{CompliantConformancePackCount: api.Int32(groups[g].compliant), NonCompliantConformancePackCount: api.Int32(groups[g].nonCompliant)},
		}
	})
	if err != nil {
		return nil, err
	}
	return &api.GetAggregateConformancePackComplianceSummaryResponse{GroupByKey: in.GroupByKey, AggregateConformancePackComplianceSummaries: list, NextToken: next}, nil
}
