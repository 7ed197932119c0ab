package service

import (
	"context"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/configd/configd"
)

// This file holds the compliance reads of conformance packs.

// ScoreInsufficientData is the score of a pack without compliant or
// non-compliant results (API_ConformancePackComplianceScore.html).
const ScoreInsufficientData = "INSUFFICIENT_DATA"

// PackRuleCompliance is the compliance of one rule of a pack.
type PackRuleCompliance struct {
	RuleName string
	Type     string // COMPLIANT, NON_COMPLIANT or INSUFFICIENT_DATA
}

// PackCompliance is the compliance of a pack: NON_COMPLIANT if any of its
// rules is, else INSUFFICIENT_DATA if none of its rules has data, else
// COMPLIANT
// (https://docs.aws.amazon.com/config/latest/developerguide/conformance-pack-dashboard.html),
// with its rules and its score: the percentage of compliant
// rule-resource combinations among the compliant and non-compliant ones
// (https://docs.aws.amazon.com/config/latest/developerguide/conformance-pack-compliance-score.html).
type PackCompliance struct {
	Pack  *ConformancePack
	Type  string
	Rules []PackRuleCompliance
	Score string
	// Updated is when the newest result of the pack's rules was recorded
	// (the pack's last update when there is none).
	Updated time.Time
}

// Counts returns the numbers of compliant and non-compliant rules.
func (c *PackCompliance) Counts() (compliant, nonCompliant int) {
	for _, r := range c.Rules {
		switch r.Type {
		case configd.Compliant:
			compliant++
		case configd.NonCompliant:
			nonCompliant++
		}
	}
	return
}

// packCompliance computes a pack's compliance in tx.
func packCompliance(ctx context.Context, tx configd.Tx, scope configd.Scope, p *ConformancePack) (*PackCompliance, error) {
	out := &PackCompliance{Pack: p, Type: configd.InsufficientData, Updated: p.UpdateCompleted}
	names := p.RuleNames()
	byRule := map[string]map[string]int{}
	if len(names) > 0 {
		counts, err := tx.CountCompliance(ctx, scope, configd.EvaluationFilter{RuleNames: names}, true)
		if err != nil {
			return nil, err
		}
		for _, c := range counts {
			byRule[c.Group] = c.Counts
		}
	}
	var compliant, nonCompliant int
	anyData := false
	for _, n := range names {
		c := complianceOf(byRule[n][configd.Compliant], byRule[n][configd.NonCompliant], 0)
		out.Rules = append(out.Rules, PackRuleCompliance{RuleName: n, Type: c.Type})
		compliant += byRule[n][configd.Compliant]
		nonCompliant += byRule[n][configd.NonCompliant]
		switch c.Type {
		case configd.NonCompliant:
			out.Type = configd.NonCompliant
			anyData = true
		case configd.Compliant:
			anyData = true
		}
	}
	if anyData && out.Type != configd.NonCompliant {
		out.Type = configd.Compliant
	}
	out.Score = ScoreInsufficientData
	if total := compliant + nonCompliant; total > 0 {
		out.Score = strconv.FormatFloat(math.Round(float64(compliant)*10000/float64(total))/100, 'f', -1, 64)
	}
	if len(names) > 0 && anyData {
		rs, err := tx.ListEvaluationResults(ctx, scope, configd.EvaluationFilter{RuleNames: names}, nil, 0)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if r.ResultRecordedTime.After(out.Updated) {
				out.Updated = r.ResultRecordedTime
			}
		}
	}
	return out, nil
}

// ConformancePackCompliance returns the compliance of the named packs,
// each of which must exist (every pack of the scope, by name, when names
// is empty).
func (s *Service) ConformancePackCompliance(ctx context.Context, scope configd.Scope, names []string) ([]*PackCompliance, error) {
	packs, err := s.DescribeConformancePacks(ctx, scope, names)
	if err != nil {
		return nil, err
	}
	var out []*PackCompliance
	err = s.read(ctx, func(tx configd.Tx) error {
		out = nil
		for _, p := range packs {
			c, err := packCompliance(ctx, tx, scope, p)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// checkPackRules refuses rule names that are not rules of the pack.
func checkPackRules(p *ConformancePack, names []string) error {
	have := p.RuleNames()
	for _, n := range names {
		if !slices.Contains(have, n) {
			// The exception's documented description
			// (API_DescribeConformancePackCompliance.html).
			return configd.Errorf(ErrNoSuchConfigRuleInConformancePack, "AWS Config rule that you passed in the filter does not exist.")
		}
	}
	return nil
}

// PackRulesCompliance returns the compliance of a pack's rules, of the
// named rules only when names is not empty (each must be a rule of the
// pack), of the given compliance type only when typ is not empty.
func (s *Service) PackRulesCompliance(ctx context.Context, scope configd.Scope, pack string, names []string, typ string) ([]PackRuleCompliance, error) {
	var out []PackRuleCompliance
	err := s.read(ctx, func(tx configd.Tx) error {
		out = nil
		p, err := loadPack(ctx, tx, scope, pack)
		if err != nil {
			return err
		}
		if err := checkPackRules(p, names); err != nil {
			return err
		}
		c, err := packCompliance(ctx, tx, scope, p)
		if err != nil {
			return err
		}
		for _, r := range c.Rules {
			if len(names) > 0 && !slices.Contains(names, r.RuleName) || typ != "" && r.Type != typ {
				continue
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// PackEvaluationFilter filters GetConformancePackComplianceDetails.
type PackEvaluationFilter struct {
	RuleNames      []string
	ComplianceType string
	ResourceType   string
	ResourceIDs    []string
}

// PackComplianceDetails returns the evaluation results of a pack's rules
// matching f, in (rule, resource type, resource id) order.
func (s *Service) PackComplianceDetails(ctx context.Context, scope configd.Scope, pack string, f PackEvaluationFilter) ([]*configd.EvaluationResult, error) {
	var out []*configd.EvaluationResult
	err := s.read(ctx, func(tx configd.Tx) error {
		out = nil
		p, err := loadPack(ctx, tx, scope, pack)
		if err != nil {
			return err
		}
		if err := checkPackRules(p, f.RuleNames); err != nil {
			return err
		}
		names := f.RuleNames
		if len(names) == 0 {
			names = p.RuleNames()
		}
		if len(names) == 0 {
			return nil
		}
		ef := configd.EvaluationFilter{RuleNames: names, ResourceType: f.ResourceType}
		if f.ComplianceType != "" {
			ef.ComplianceTypes = []string{f.ComplianceType}
		}
		rs, err := tx.ListEvaluationResults(ctx, scope, ef, nil, 0)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if len(f.ResourceIDs) > 0 && !slices.Contains(f.ResourceIDs, r.ResourceID) {
				continue
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}
