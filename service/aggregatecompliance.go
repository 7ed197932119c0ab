package service

import (
	"context"

	"github.com/configd/configd"
)

// This file holds the aggregate compliance reads: the compliance of rules
// and conformance packs of an aggregator's source scopes that authorized
// it (see sourceScopes), each scope's data read as the scope's own
// compliance operations read it
// (https://docs.aws.amazon.com/config/latest/developerguide/aggregate-data.html).

// AggregateComplianceFilter selects source scopes and objects; empty
// fields match all.
type AggregateComplianceFilter struct {
	Name           string // a rule or conformance pack name
	ComplianceType string
	AccountID      string
	Region         string
}

func (f AggregateComplianceFilter) scope(sc configd.Scope) bool {
	return (f.AccountID == "" || sc.AccountID == f.AccountID) && (f.Region == "" || sc.Region == f.Region)
}

// AggregateRuleCompliance is the compliance of a rule of a source scope.
type AggregateRuleCompliance struct {
	Scope configd.Scope
	RuleCompliance
}

// AggregateComplianceByConfigRules returns the compliance of the rules of
// the aggregator's visible source scopes matching f, by account, region
// and rule name.
func (s *Service) AggregateComplianceByConfigRules(ctx context.Context, scope configd.Scope, aggregator string, f AggregateComplianceFilter) ([]AggregateRuleCompliance, error) {
	scopes, err := s.VisibleScopes(ctx, scope, aggregator)
	if err != nil {
		return nil, err
	}
	var types []string
	if f.ComplianceType != "" {
		types = []string{f.ComplianceType}
	}
	var out []AggregateRuleCompliance
	for _, sc := range scopes {
		if !f.scope(sc) {
			continue
		}
		rs, err := s.ComplianceByConfigRule(ctx, sc, nil, types, "", 0)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if f.Name == "" || r.RuleName == f.Name {
				out = append(out, AggregateRuleCompliance{Scope: sc, RuleCompliance: r})
			}
		}
	}
	return out, nil
}

// AggregateComplianceDetailsByConfigRule returns the evaluation results of
// a rule of one source scope, of one compliance type when typ is set; none
// when the scope is not a visible source or has no such rule.
func (s *Service) AggregateComplianceDetailsByConfigRule(ctx context.Context, scope configd.Scope, aggregator string, source configd.Scope, rule, typ string) ([]*configd.EvaluationResult, error) {
	scopes, err := s.VisibleScopes(ctx, scope, aggregator)
	if err != nil {
		return nil, err
	}
	visible := false
	for _, sc := range scopes {
		visible = visible || sc == source
	}
	if !visible {
		return nil, nil
	}
	var out []*configd.EvaluationResult
	err = s.read(ctx, func(tx configd.Tx) error {
		ef := configd.EvaluationFilter{RuleNames: []string{rule}}
		if typ != "" {
			ef.ComplianceTypes = []string{typ}
		}
		var err error
		out, err = tx.ListEvaluationResults(ctx, source, ef, nil, 0)
		return err
	})
	return out, err
}

// AggregateSummary is a compliance summary of one source scope.
type AggregateSummary struct {
	Scope   configd.Scope
	Summary ComplianceSummary
}

// AggregateConfigRuleComplianceSummary returns the rule compliance
// summary (compliant and non-compliant rules) of each visible source scope
// matching f's account and region.
func (s *Service) AggregateConfigRuleComplianceSummary(ctx context.Context, scope configd.Scope, aggregator string, f AggregateComplianceFilter) ([]AggregateSummary, error) {
	scopes, err := s.VisibleScopes(ctx, scope, aggregator)
	if err != nil {
		return nil, err
	}
	var out []AggregateSummary
	for _, sc := range scopes {
		if !f.scope(sc) {
			continue
		}
		sum, err := s.ComplianceSummaryByConfigRule(ctx, sc)
		if err != nil {
			return nil, err
		}
		out = append(out, AggregateSummary{Scope: sc, Summary: sum})
	}
	return out, nil
}

// AggregatePackCompliance is the compliance of a conformance pack of a
// source scope.
type AggregatePackCompliance struct {
	Scope configd.Scope
	*PackCompliance
}

// AggregateComplianceByConformancePacks returns the compliance of the
// conformance packs of the aggregator's visible source scopes matching f,
// by account, region and pack name.
func (s *Service) AggregateComplianceByConformancePacks(ctx context.Context, scope configd.Scope, aggregator string, f AggregateComplianceFilter) ([]AggregatePackCompliance, error) {
	scopes, err := s.VisibleScopes(ctx, scope, aggregator)
	if err != nil {
		return nil, err
	}
	var out []AggregatePackCompliance
	for _, sc := range scopes {
		if !f.scope(sc) {
			continue
		}
		cs, err := s.ConformancePackCompliance(ctx, sc, nil)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if (f.Name == "" || c.Pack.Name == f.Name) && (f.ComplianceType == "" || c.Type == f.ComplianceType) {
				out = append(out, AggregatePackCompliance{Scope: sc, PackCompliance: c})
			}
		}
	}
	return out, nil
}
