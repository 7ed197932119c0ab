package awsjson

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
	"github.com/configd/configd/service"
)

// Page sizes of the compliance operations. DescribeComplianceByResource and
// GetComplianceDetailsByConfigRule default to 10 and cap at 100 (their Limit,
// API reference); DescribeComplianceByConfigRule and
// GetComplianceDetailsByResource have no Limit and AWS documents no page
// size: configd pages them by 25 rules (as DescribeConfigRules) and 100
// results.
const (
	complianceDefaultLimit      = 10
	complianceByRulePageSize    = 25
	detailsByResourcePageSize   = 100
	resultTokenOperation        = "ResultToken"
	proactiveResultsUnavailable = "configd cannot look up resource evaluations: no proactive evaluator is running."
)

// ProactiveResults is what GetComplianceDetailsByResource needs of the
// ResourceEvaluator (Server.Evaluations) to answer for a
// ResourceEvaluationId: the results of one proactive resource evaluation, in
// rule name order. The evaluator implements it; without it such requests
// are refused.
type ProactiveResults interface {
	ProactiveResults(ctx context.Context, scope configd.Scope, resourceEvaluationID string) ([]*configd.EvaluationResult, error)
}

func (s *Server) registerCompliance() {
	s.handlers["PutEvaluations"] = op(s.putEvaluations)
	s.handlers["PutExternalEvaluation"] = op(s.putExternalEvaluation)
	s.handlers["DeleteEvaluationResults"] = op(s.deleteEvaluationResults)
	s.handlers["DescribeComplianceByConfigRule"] = op(s.describeComplianceByConfigRule)
	s.handlers["DescribeComplianceByResource"] = op(s.describeComplianceByResource)
	s.handlers["GetComplianceDetailsByConfigRule"] = op(s.getComplianceDetailsByConfigRule)
	s.handlers["GetComplianceDetailsByResource"] = op(s.getComplianceDetailsByResource)
	s.handlers["GetComplianceSummaryByConfigRule"] = op(s.getComplianceSummaryByConfigRule)
	s.handlers["GetComplianceSummaryByResourceType"] = op(s.getComplianceSummaryByResourceType)
}

// openResultToken returns the claims of a result token the evaluator sealed
// (pagetoken codec, operation "ResultToken", empty query).
func (s *Server) openResultToken(scope configd.Scope, token string) (*configd.ResultTokenClaims, error) {
	raw, err := s.Tokens.Open(resultTokenOperation, scope, "", token)
	if err != nil {
		return nil, service.ErrInvalidResultToken()
	}
	var c configd.ResultTokenClaims
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return nil, service.ErrInvalidResultToken()
	}
	return &c, nil
}

// putEvaluations checks the result token unless TestMode is set: then any
// non-empty token is accepted ("TestMode ... doesn't require a valid value
// for the ResultToken parameter, but the value cannot be null",
// https://docs.aws.amazon.com/config/latest/APIReference/API_PutEvaluations.html),
// such as the "TESTMODE" that rule development kits send.
func (s *Server) putEvaluations(ctx context.Context, req *Request, in *api.PutEvaluationsRequest) (*api.PutEvaluationsResponse, error) {
	testMode := api.ToBool(in.TestMode, false)
	var claims *configd.ResultTokenClaims
	if !testMode {
		var err error
		if claims, err = s.openResultToken(req.Scope, in.ResultToken); err != nil {
			return nil, err
		}
	}
	var evals []configd.EvaluationResult
	if in.Evaluations != nil {
		evals = make([]configd.EvaluationResult, 0, len(in.Evaluations))
	}
	for _, e := range in.Evaluations {
		evals = append(evals, configd.EvaluationResult{
			ResourceType:      e.ComplianceResourceType,
			ResourceID:        e.ComplianceResourceId,
			ComplianceType:    e.ComplianceType,
			Annotation:        e.Annotation,
			OrderingTimestamp: e.OrderingTimestamp.Value(),
		})
	}
	failed, err := s.Service.PutEvaluations(ctx, req.Scope, claims, evals, testMode)
	if err != nil {
		return nil, err
	}
	out := &api.PutEvaluationsResponse{FailedEvaluations: []api.Evaluation{}}
	for _, i := range failed {
		out.FailedEvaluations = append(out.FailedEvaluations, in.Evaluations[i])
	}
	return out, nil
}

func (s *Server) putExternalEvaluation(ctx context.Context, req *Request, in *api.PutExternalEvaluationRequest) (*api.PutExternalEvaluationResponse, error) {
	e := in.ExternalEvaluation
	err := s.Service.PutExternalEvaluation(ctx, req.Scope, in.ConfigRuleName, configd.EvaluationResult{
		ResourceType:      e.ComplianceResourceType,
		ResourceID:        e.ComplianceResourceId,
		ComplianceType:    e.ComplianceType,
		Annotation:        e.Annotation,
		OrderingTimestamp: e.OrderingTimestamp.Value(),
	})
	if err != nil {
		return nil, err
	}
	return &api.PutExternalEvaluationResponse{}, nil
}

func (s *Server) deleteEvaluationResults(ctx context.Context, req *Request, in *api.DeleteEvaluationResultsRequest) (*api.DeleteEvaluationResultsResponse, error) {
	if err := s.Service.DeleteEvaluationResults(ctx, req.Scope, in.ConfigRuleName); err != nil {
		return nil, err
	}
	return &api.DeleteEvaluationResultsResponse{}, nil
}

func complianceToWire(c service.Compliance) *api.Compliance {
	w := &api.Compliance{ComplianceType: c.Type}
	if c.Contributors != nil {
		w.ComplianceContributorCount = countToWire(*c.Contributors)
	}
	return w
}

func countToWire(c service.CappedCount) *api.ComplianceContributorCount {
	return &api.ComplianceContributorCount{CappedCount: api.Int32(int32(c.Count)), CapExceeded: api.Bool(c.CapExceeded)}
}

func (s *Server) describeComplianceByConfigRule(ctx context.Context, req *Request, in *api.DescribeComplianceByConfigRuleRequest) (*api.DescribeComplianceByConfigRuleResponse, error) {
	query := fingerprint(in.ConfigRuleNames, in.ComplianceTypes)
	after, err := s.openToken(req, query, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := complianceByRulePageSize
	rules, err := s.Service.ComplianceByConfigRule(ctx, req.Scope, in.ConfigRuleNames, in.ComplianceTypes, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := &api.DescribeComplianceByConfigRuleResponse{ComplianceByConfigRules: []api.ComplianceByConfigRule{}}
	for i, r := range rules {
		if i == limit {
			out.NextToken = s.sealToken(req, query, rules[i-1].RuleName)
			break
		}
		out.ComplianceByConfigRules = append(out.ComplianceByConfigRules, api.ComplianceByConfigRule{ConfigRuleName: r.RuleName, Compliance: complianceToWire(r.Compliance)})
	}
	return out, nil
}

// keyCursor encodes a resource key as a NextToken cursor.
func resourceKeyCursor(k configd.ResourceKey) string {
	b, _ := json.Marshal([2]string{k.ResourceType, k.ResourceID})
	return string(b)
}

func parseResourceKeyCursor(c string) (*configd.ResourceKey, error) {
	if c == "" {
		return nil, nil
	}
	var p [2]string
	if err := json.Unmarshal([]byte(c), &p); err != nil {
		return nil, configd.Errorf(configd.ErrInvalidNextToken, "The nextToken provided is invalid")
	}
	return &configd.ResourceKey{ResourceType: p[0], ResourceID: p[1]}, nil
}

func (s *Server) describeComplianceByResource(ctx context.Context, req *Request, in *api.DescribeComplianceByResourceRequest) (*api.DescribeComplianceByResourceResponse, error) {
	query := fingerprint(in.ResourceType, in.ResourceId, in.ComplianceTypes)
	cursor, err := s.openToken(req, query, in.NextToken)
	if err != nil {
		return nil, err
	}
	after, err := parseResourceKeyCursor(cursor)
	if err != nil {
		return nil, err
	}
	limit := limitOf(in.Limit, complianceDefaultLimit)
	rs, err := s.Service.ComplianceByResource(ctx, req.Scope, in.ResourceType, in.ResourceId, in.ComplianceTypes, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := &api.DescribeComplianceByResourceResponse{ComplianceByResources: []api.ComplianceByResource{}}
	for i, r := range rs {
		if i == limit {
			out.NextToken = s.sealToken(req, query, resourceKeyCursor(rs[i-1].Key))
			break
		}
		out.ComplianceByResources = append(out.ComplianceByResources, api.ComplianceByResource{ResourceType: r.Key.ResourceType, ResourceId: r.Key.ResourceID, Compliance: complianceToWire(r.Compliance)})
	}
	return out, nil
}

func resultToWire(e *configd.EvaluationResult, resourceEvaluationID string) api.EvaluationResult {
	mode := e.EvaluationMode
	if mode == "" {
		mode = configd.EvaluationModeDetective
	}
	return api.EvaluationResult{
		EvaluationResultIdentifier: &api.EvaluationResultIdentifier{
			EvaluationResultQualifier: &api.EvaluationResultQualifier{
				ConfigRuleName: e.RuleName,
				ResourceType:   e.ResourceType,
				ResourceId:     e.ResourceID,
				EvaluationMode: mode,
			},
			OrderingTimestamp:    ts(e.OrderingTimestamp),
			ResourceEvaluationId: resourceEvaluationID,
		},
		ComplianceType:        e.ComplianceType,
		ResultRecordedTime:    ts(e.ResultRecordedTime),
		ConfigRuleInvokedTime: ts(e.ConfigRuleInvokedTime),
		Annotation:            e.Annotation,
	}
}

func evaluationCursor(e *configd.EvaluationResult) string {
	b, _ := json.Marshal([3]string{e.RuleName, e.ResourceType, e.ResourceID})
	return string(b)
}

func parseEvaluationCursor(c string) (*configd.EvaluationCursor, error) {
	if c == "" {
		return nil, nil
	}
	var p [3]string
	if err := json.Unmarshal([]byte(c), &p); err != nil {
		return nil, configd.Errorf(configd.ErrInvalidNextToken, "The nextToken provided is invalid")
	}
	return &configd.EvaluationCursor{RuleName: p[0], ResourceType: p[1], ResourceID: p[2]}, nil
}

// resultsPage renders one page of results, sealing a NextToken after the
// last one shown when there is one more than limit.
func (s *Server) resultsPage(req *Request, query string, rs []*configd.EvaluationResult, limit int) ([]api.EvaluationResult, string) {
	out := []api.EvaluationResult{}
	for i, e := range rs {
		if i == limit {
			return out, s.sealToken(req, query, evaluationCursor(rs[i-1]))
		}
		out = append(out, resultToWire(e, ""))
	}
	return out, ""
}

func (s *Server) getComplianceDetailsByConfigRule(ctx context.Context, req *Request, in *api.GetComplianceDetailsByConfigRuleRequest) (*api.GetComplianceDetailsByConfigRuleResponse, error) {
	query := fingerprint(in.ConfigRuleName, in.ComplianceTypes)
	cursor, err := s.openToken(req, query, in.NextToken)
	if err != nil {
		return nil, err
	}
	after, err := parseEvaluationCursor(cursor)
	if err != nil {
		return nil, err
	}
	limit := limitOf(in.Limit, complianceDefaultLimit)
	rs, err := s.Service.ComplianceDetailsByConfigRule(ctx, req.Scope, in.ConfigRuleName, in.ComplianceTypes, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := &api.GetComplianceDetailsByConfigRuleResponse{}
	out.EvaluationResults, out.NextToken = s.resultsPage(req, query, rs, limit)
	return out, nil
}

func (s *Server) getComplianceDetailsByResource(ctx context.Context, req *Request, in *api.GetComplianceDetailsByResourceRequest) (*api.GetComplianceDetailsByResourceResponse, error) {
	if in.ResourceEvaluationId != "" {
		return s.proactiveDetails(ctx, req, in)
	}
	query := fingerprint(in.ResourceType, in.ResourceId, in.ComplianceTypes)
	cursor, err := s.openToken(req, query, in.NextToken)
	if err != nil {
		return nil, err
	}
	after, err := parseEvaluationCursor(cursor)
	if err != nil {
		return nil, err
	}
	limit := detailsByResourcePageSize
	key := configd.ResourceKey{ResourceType: in.ResourceType, ResourceID: in.ResourceId}
	rs, err := s.Service.ComplianceDetailsByResource(ctx, req.Scope, key, in.ComplianceTypes, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := &api.GetComplianceDetailsByResourceResponse{}
	out.EvaluationResults, out.NextToken = s.resultsPage(req, query, rs, limit)
	return out, nil
}

// proactiveDetails answers GetComplianceDetailsByResource for a proactive
// resource evaluation, from the evaluator, in one page.
func (s *Server) proactiveDetails(ctx context.Context, req *Request, in *api.GetComplianceDetailsByResourceRequest) (*api.GetComplianceDetailsByResourceResponse, error) {
	pr, ok := s.Evaluations.(ProactiveResults)
	if !ok {
		return nil, configd.Errorf(configd.ErrInvalidParameterValue, proactiveResultsUnavailable)
	}
	rs, err := pr.ProactiveResults(ctx, req.Scope, in.ResourceEvaluationId)
	if err != nil {
		return nil, err
	}
	out := &api.GetComplianceDetailsByResourceResponse{EvaluationResults: []api.EvaluationResult{}}
	for _, e := range rs {
		if len(in.ComplianceTypes) > 0 && !slices.Contains(in.ComplianceTypes, e.ComplianceType) {
			continue
		}
		out.EvaluationResults = append(out.EvaluationResults, resultToWire(e, in.ResourceEvaluationId))
	}
	return out, nil
}

func summaryToWire(sum service.ComplianceSummary) *api.ComplianceSummary {
	return &api.ComplianceSummary{
		CompliantResourceCount:     countToWire(sum.Compliant),
		NonCompliantResourceCount:  countToWire(sum.NonCompliant),
		ComplianceSummaryTimestamp: ts(sum.Time),
	}
}

func (s *Server) getComplianceSummaryByConfigRule(ctx context.Context, req *Request, _ *api.GetComplianceSummaryByConfigRuleRequest) (*api.GetComplianceSummaryByConfigRuleResponse, error) {
	sum, err := s.Service.ComplianceSummaryByConfigRule(ctx, req.Scope)
	if err != nil {
		return nil, err
	}
	return &api.GetComplianceSummaryByConfigRuleResponse{ComplianceSummary: summaryToWire(sum)}, nil
}

func (s *Server) getComplianceSummaryByResourceType(ctx context.Context, req *Request, in *api.GetComplianceSummaryByResourceTypeRequest) (*api.GetComplianceSummaryByResourceTypeResponse, error) {
	sums, err := s.Service.ComplianceSummaryByResourceType(ctx, req.Scope, in.ResourceTypes)
	if err != nil {
		return nil, err
	}
	out := &api.GetComplianceSummaryByResourceTypeResponse{ComplianceSummariesByResourceType: []api.ComplianceSummaryByResourceType{}}
	for _, t := range sums {
		out.ComplianceSummariesByResourceType = append(out.ComplianceSummariesByResourceType, api.ComplianceSummaryByResourceType{ResourceType: t.ResourceType, ComplianceSummary: summaryToWire(t.Summary)})
	}
	return out, nil
}
