package awsjson

import (
	"context"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
)

// describeRulesPageSize is the page size of DescribeConfigRules, which has
// no Limit: 25, as AWS pages it (moto's CONFIG_RULE_PAGE_SIZE copies it).
const describeRulesPageSize = 25

// registerRules routes the Config rule and compliance operations.
func (s *Server) registerRules() {
	s.handlers["PutConfigRule"] = op(s.putConfigRule)
	s.handlers["DescribeConfigRules"] = op(s.describeConfigRules)
	s.handlers["DeleteConfigRule"] = op(s.deleteConfigRule)
	s.handlers["DescribeConfigRuleEvaluationStatus"] = op(s.describeConfigRuleEvaluationStatus)
	s.handlers["StartConfigRulesEvaluation"] = op(s.startConfigRulesEvaluation)
	s.handlers["GetCustomRulePolicy"] = op(s.getCustomRulePolicy)
	s.registerCompliance()
}

func ruleFromWire(w *api.ConfigRule) *configd.ConfigRule {
	r := &configd.ConfigRule{
		Name:                      w.ConfigRuleName,
		ARN:                       w.ConfigRuleArn,
		ID:                        w.ConfigRuleId,
		Description:               w.Description,
		InputParameters:           w.InputParameters,
		MaximumExecutionFrequency: w.MaximumExecutionFrequency,
		State:                     w.ConfigRuleState,
		CreatedBy:                 w.CreatedBy,
	}
	if sc := w.Scope; sc != nil {
		r.Scope = configd.RuleScope{ComplianceResourceTypes: sc.ComplianceResourceTypes, TagKey: sc.TagKey, TagValue: sc.TagValue, ComplianceResourceID: sc.ComplianceResourceId}
	}
	if src := w.Source; src != nil {
		r.Source = configd.RuleSource{Owner: src.Owner, SourceIdentifier: src.SourceIdentifier}
		for _, d := range src.SourceDetails {
			r.Source.SourceDetails = append(r.Source.SourceDetails, configd.SourceDetail{EventSource: d.EventSource, MessageType: d.MessageType, MaximumExecutionFrequency: d.MaximumExecutionFrequency})
		}
		if p := src.CustomPolicyDetails; p != nil {
			r.Source.CustomPolicy = &configd.CustomPolicy{PolicyRuntime: p.PolicyRuntime, PolicyText: p.PolicyText, EnableDebugLogDelivery: api.ToBool(p.EnableDebugLogDelivery, false)}
		}
	}
	for _, m := range w.EvaluationModes {
		r.EvaluationModes = append(r.EvaluationModes, m.Mode)
	}
	return r
}

// ruleToWire renders a rule as DescribeConfigRules does. Scope is left out
// when the rule has none; the policy text of a custom policy rule is left
// out, as AWS leaves it out (GetCustomRulePolicy returns it;
// terraform-provider-aws notes "PolicyText is not returned by the API").
func ruleToWire(r *configd.ConfigRule) api.ConfigRule {
	w := api.ConfigRule{
		ConfigRuleName:            r.Name,
		ConfigRuleArn:             r.ARN,
		ConfigRuleId:              r.ID,
		Description:               r.Description,
		InputParameters:           r.InputParameters,
		MaximumExecutionFrequency: r.MaximumExecutionFrequency,
		ConfigRuleState:           r.State,
		CreatedBy:                 r.CreatedBy,
		EvaluationModes:           []api.EvaluationModeConfiguration{},
		Source:                    &api.Source{Owner: r.Source.Owner, SourceIdentifier: r.Source.SourceIdentifier},
	}
	if w.ConfigRuleState == "" {
		w.ConfigRuleState = configd.RuleStateActive
	}
	if sc := r.Scope; len(sc.ComplianceResourceTypes) > 0 || sc.TagKey != "" || sc.TagValue != "" || sc.ComplianceResourceID != "" {
		w.Scope = &api.Scope{ComplianceResourceTypes: sc.ComplianceResourceTypes, TagKey: sc.TagKey, TagValue: sc.TagValue, ComplianceResourceId: sc.ComplianceResourceID}
	}
	if len(r.Source.SourceDetails) > 0 {
		w.Source.SourceDetails = []api.SourceDetail{}
		for _, d := range r.Source.SourceDetails {
			w.Source.SourceDetails = append(w.Source.SourceDetails, api.SourceDetail{EventSource: d.EventSource, MessageType: d.MessageType, MaximumExecutionFrequency: d.MaximumExecutionFrequency})
		}
	}
	if p := r.Source.CustomPolicy; p != nil {
		w.Source.CustomPolicyDetails = &api.CustomPolicyDetails{PolicyRuntime: p.PolicyRuntime, EnableDebugLogDelivery: api.Bool(p.EnableDebugLogDelivery)}
	}
	for _, m := range r.EvaluationModes {
		w.EvaluationModes = append(w.EvaluationModes, api.EvaluationModeConfiguration{Mode: m})
	}
	return w
}

func (s *Server) putConfigRule(ctx context.Context, req *Request, in *api.PutConfigRuleRequest) (empty, error) {
	_, err := s.Service.PutConfigRule(ctx, req.Scope, ruleFromWire(in.ConfigRule), tagsFromWire(in.Tags))
	return empty{}, err
}

// describeConfigRules pages by rule name, 25 rules a page; named rules fit
// one page (at most 25 names).
func (s *Server) describeConfigRules(ctx context.Context, req *Request, in *api.DescribeConfigRulesRequest) (*api.DescribeConfigRulesResponse, error) {
	mode := ""
	if in.Filters != nil {
		mode = in.Filters.EvaluationMode
	}
	query := fingerprint(in.ConfigRuleNames, mode)
	after, err := s.openToken(req, query, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := describeRulesPageSize
	rules, err := s.Service.ConfigRules(ctx, req.Scope, in.ConfigRuleNames, mode, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := &api.DescribeConfigRulesResponse{ConfigRules: []api.ConfigRule{}}
	for i, r := range rules {
		if i == limit {
			out.NextToken = s.sealToken(req, query, rules[i-1].Name)
			break
		}
		out.ConfigRules = append(out.ConfigRules, ruleToWire(r))
	}
	return out, nil
}

func (s *Server) deleteConfigRule(ctx context.Context, req *Request, in *api.DeleteConfigRuleRequest) (empty, error) {
	return empty{}, s.Service.DeleteConfigRule(ctx, req.Scope, in.ConfigRuleName)
}

// describeConfigRuleEvaluationStatus returns every rule's status when Limit
// is unset or 0 ("This parameter is required if the rule limit for your
// account is more than the default of 1000 rules",
// https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigRuleEvaluationStatus.html),
// else pages of Limit (at most 50) by rule name.
func (s *Server) describeConfigRuleEvaluationStatus(ctx context.Context, req *Request, in *api.DescribeConfigRuleEvaluationStatusRequest) (*api.DescribeConfigRuleEvaluationStatusResponse, error) {
	query := fingerprint(in.ConfigRuleNames)
	after, err := s.openToken(req, query, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := limitOf(in.Limit, 0)
	fetch := 0
	if limit > 0 && len(in.ConfigRuleNames) == 0 {
		fetch = limit + 1
	}
	sts, err := s.Service.RuleEvaluationStatuses(ctx, req.Scope, in.ConfigRuleNames, after, fetch)
	if err != nil {
		return nil, err
	}
	out := &api.DescribeConfigRuleEvaluationStatusResponse{ConfigRulesEvaluationStatus: []api.ConfigRuleEvaluationStatus{}}
	for i, rs := range sts {
		if fetch > 0 && i == limit {
			out.NextToken = s.sealToken(req, query, sts[i-1].Rule.Name)
			break
		}
		out.ConfigRulesEvaluationStatus = append(out.ConfigRulesEvaluationStatus, ruleStatusToWire(rs.Rule, rs.Status))
	}
	return out, nil
}

func ruleStatusToWire(r *configd.ConfigRule, st *configd.RuleStatus) api.ConfigRuleEvaluationStatus {
	if st == nil {
		st = &configd.RuleStatus{}
	}
	return api.ConfigRuleEvaluationStatus{
		ConfigRuleName:               r.Name,
		ConfigRuleArn:                r.ARN,
		ConfigRuleId:                 r.ID,
		LastSuccessfulInvocationTime: ts(st.LastSuccessfulInvocationTime),
		LastFailedInvocationTime:     ts(st.LastFailedInvocationTime),
		LastSuccessfulEvaluationTime: ts(st.LastSuccessfulEvaluationTime),
		LastFailedEvaluationTime:     ts(st.LastFailedEvaluationTime),
		FirstActivatedTime:           ts(st.FirstActivatedTime),
		LastDeactivatedTime:          ts(st.LastDeactivatedTime),
		LastErrorCode:                st.LastErrorCode,
		LastErrorMessage:             st.LastErrorMessage,
		FirstEvaluationStarted:       api.Bool(st.FirstEvaluationStarted),
	}
}

func (s *Server) startConfigRulesEvaluation(ctx context.Context, req *Request, in *api.StartConfigRulesEvaluationRequest) (*api.StartConfigRulesEvaluationResponse, error) {
	if err := s.Service.StartConfigRulesEvaluation(ctx, req.Scope, in.ConfigRuleNames); err != nil {
		return nil, err
	}
	return &api.StartConfigRulesEvaluationResponse{}, nil
}

func (s *Server) getCustomRulePolicy(ctx context.Context, req *Request, in *api.GetCustomRulePolicyRequest) (*api.GetCustomRulePolicyResponse, error) {
	text, err := s.Service.GetCustomRulePolicy(ctx, req.Scope, in.ConfigRuleName)
	if err != nil {
		return nil, err
	}
	return &api.GetCustomRulePolicyResponse{PolicyText: text}, nil
}
