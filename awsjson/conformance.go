package awsjson

import (
	"context"
	"sort"
	"strconv"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
	"github.com/configd/configd/service"
)

// registerConformancePacks routes the conformance pack operations.
func (s *Server) registerConformancePacks() {
	s.handlers["PutConformancePack"] = op(s.putConformancePack)
	s.handlers["DescribeConformancePacks"] = op(s.describeConformancePacks)
	s.handlers["DescribeConformancePackStatus"] = op(s.describeConformancePackStatus)
	s.handlers["DeleteConformancePack"] = op(s.deleteConformancePack)
	s.handlers["DescribeConformancePackCompliance"] = op(s.describeConformancePackCompliance)
	s.handlers["GetConformancePackComplianceDetails"] = op(s.getConformancePackComplianceDetails)
	s.handlers["GetConformancePackComplianceSummary"] = op(s.getConformancePackComplianceSummary)
	s.handlers["ListConformancePackComplianceScores"] = op(s.listConformancePackComplianceScores)
}

func (s *Server) putConformancePack(ctx context.Context, req *Request, in *api.PutConformancePackRequest) (*api.PutConformancePackResponse, error) {
	pin := &service.PutConformancePackInput{
		Name: in.ConformancePackName, TemplateBody: in.TemplateBody, TemplateS3URI: in.TemplateS3Uri,
		DeliveryS3Bucket: in.DeliveryS3Bucket, DeliveryS3KeyPrefix: in.DeliveryS3KeyPrefix,
	}
	if d := in.TemplateSSMDocumentDetails; d != nil {
		pin.SSMDocumentName, pin.SSMDocumentVersion = d.DocumentName, d.DocumentVersion
	}
	for _, p := range in.ConformancePackInputParameters {
		pin.InputParameters = append(pin.InputParameters, service.PackParameter{Name: p.ParameterName, Value: p.ParameterValue})
	}
	p, err := s.Service.PutConformancePack(ctx, req.Scope, pin, tagsFromWire(in.Tags))
	if err != nil {
		return nil, err
	}
	return &api.PutConformancePackResponse{ConformancePackArn: p.ARN}, nil
}

func packToWire(p *service.ConformancePack) api.ConformancePackDetail {
	w := api.ConformancePackDetail{
		ConformancePackName: p.Name, ConformancePackArn: p.ARN, ConformancePackId: p.ID,
		DeliveryS3Bucket: p.DeliveryS3Bucket, DeliveryS3KeyPrefix: p.DeliveryS3KeyPrefix,
		ConformancePackInputParameters: []api.ConformancePackInputParameter{},
		LastUpdateRequestedTime:        ts(p.UpdateRequested), CreatedBy: p.CreatedBy,
	}
	for _, ip := range p.InputParameters {
		w.ConformancePackInputParameters = append(w.ConformancePackInputParameters, api.ConformancePackInputParameter{ParameterName: ip.Name, ParameterValue: ip.Value})
	}
	if p.SSMDocumentName != "" {
		w.TemplateSSMDocumentDetails = &api.TemplateSSMDocumentDetails{DocumentName: p.SSMDocumentName, DocumentVersion: p.SSMDocumentVersion}
	}
	return w
}

func (s *Server) describeConformancePacks(ctx context.Context, req *Request, in *api.DescribeConformancePacksRequest) (*api.DescribeConformancePacksResponse, error) {
	ps, err := s.Service.DescribeConformancePacks(ctx, req.Scope, in.ConformancePackNames)
	if err != nil {
		return nil, err
	}
	list, next, err := offsetMap(s, req, fingerprint(in.ConformancePackNames), in.NextToken, in.Limit, len(ps), func(i int) api.ConformancePackDetail {
		return packToWire(ps[i])
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribeConformancePacksResponse{ConformancePackDetails: list, NextToken: next}, nil
}

func (s *Server) describeConformancePackStatus(ctx context.Context, req *Request, in *api.DescribeConformancePackStatusRequest) (*api.DescribeConformancePackStatusResponse, error) {
	ps, err := s.Service.ConformancePackStatuses(ctx, req.Scope, in.ConformancePackNames)
	if err != nil {
		return nil, err
	}
	list, next, err := offsetMap(s, req, fingerprint(in.ConformancePackNames), in.NextToken, in.Limit, len(ps), func(i int) api.ConformancePackStatusDetail {
		p := ps[i]
		return api.ConformancePackStatusDetail{
			ConformancePackName: p.Name, ConformancePackId: p.ID, ConformancePackArn: p.ARN,
			ConformancePackState: p.State, StackArn: p.StackARN, ConformancePackStatusReason: p.StatusReason,
			LastUpdateRequestedTime: ts(p.UpdateRequested), LastUpdateCompletedTime: ts(p.UpdateCompleted),
		}
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribeConformancePackStatusResponse{ConformancePackStatusDetails: list, NextToken: next}, nil
}

func (s *Server) deleteConformancePack(ctx context.Context, req *Request, in *api.DeleteConformancePackRequest) (empty, error) {
	return empty{}, s.Service.DeleteConformancePack(ctx, req.Scope, in.ConformancePackName)
}

func (s *Server) describeConformancePackCompliance(ctx context.Context, req *Request, in *api.DescribeConformancePackComplianceRequest) (*api.DescribeConformancePackComplianceResponse, error) {
	var names []string
	var typ string
	if f := in.Filters; f != nil {
		names, typ = f.ConfigRuleNames, f.ComplianceType
	}
	if typ == configd.InsufficientData {
		// "INSUFFICIENT_DATA is not supported" (ConformancePackComplianceFilters).
		return nil, configd.Errorf(configd.ErrInvalidParameterValue, "The ComplianceType filter supports COMPLIANT and NON_COMPLIANT only.")
	}
	rs, err := s.Service.PackRulesCompliance(ctx, req.Scope, in.ConformancePackName, names, typ)
	if err != nil {
		return nil, err
	}
	list, next, err := offsetMap(s, req, fingerprint(in.ConformancePackName, names, typ), in.NextToken, in.Limit, len(rs), func(i int) api.ConformancePackRuleCompliance {
		r := rs[i]
		return api.ConformancePackRuleCompliance{ConfigRuleName: r.RuleName, ComplianceType: r.Type, Controls: []string{}}
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribeConformancePackComplianceResponse{ConformancePackName: in.ConformancePackName, ConformancePackRuleComplianceList: list, NextToken: next}, nil
}

func (s *Server) getConformancePackComplianceDetails(ctx context.Context, req *Request, in *api.GetConformancePackComplianceDetailsRequest) (*api.GetConformancePackComplianceDetailsResponse, error) {
	var f service.PackEvaluationFilter
	if w := in.Filters; w != nil {
		f = service.PackEvaluationFilter{RuleNames: w.ConfigRuleNames, ComplianceType: w.ComplianceType, ResourceType: w.ResourceType, ResourceIDs: w.ResourceIds}
	}
	if f.ComplianceType == configd.InsufficientData {
		// "INSUFFICIENT_DATA is not supported" (ConformancePackEvaluationFilters).
		return nil, configd.Errorf(configd.ErrInvalidParameterValue, "The ComplianceType filter supports COMPLIANT and NON_COMPLIANT only.")
	}
	if len(f.ResourceIDs) > 0 && f.ResourceType == "" {
		// "This is valid only when you provide resource type. If there is
		// no resource type, you will see an error."
		// (API_ConformancePackEvaluationFilters.html)
		return nil, configd.Errorf(configd.ErrInvalidParameterValue, "The ResourceIds filter requires the ResourceType filter.")
	}
	rs, err := s.Service.PackComplianceDetails(ctx, req.Scope, in.ConformancePackName, f)
	if err != nil {
		return nil, err
	}
	list, next, err := offsetMap(s, req, fingerprint(in.ConformancePackName, f), in.NextToken, in.Limit, len(rs), func(i int) api.ConformancePackEvaluationResult {
		r := rs[i]
		mode := r.EvaluationMode
		if mode == "" {
			mode = configd.EvaluationModeDetective
		}
		return api.ConformancePackEvaluationResult{
			ComplianceType: r.ComplianceType,
			EvaluationResultIdentifier: &api.EvaluationResultIdentifier{
				EvaluationResultQualifier: &api.EvaluationResultQualifier{ConfigRuleName: r.RuleName, ResourceType: r.ResourceType, ResourceId: r.ResourceID, EvaluationMode: mode},
				OrderingTimestamp:         ts(r.OrderingTimestamp),
			},
			ConfigRuleInvokedTime: ts(r.ConfigRuleInvokedTime), ResultRecordedTime: ts(r.ResultRecordedTime), Annotation: r.Annotation,
		}
	})
	if err != nil {
		return nil, err
	}
	return &api.GetConformancePackComplianceDetailsResponse{ConformancePackName: in.ConformancePackName, ConformancePackRuleEvaluationResults: list, NextToken: next}, nil
}

func (s *Server) getConformancePackComplianceSummary(ctx context.Context, req *Request, in *api.GetConformancePackComplianceSummaryRequest) (*api.GetConformancePackComplianceSummaryResponse, error) {
	cs, err := s.Service.ConformancePackCompliance(ctx, req.Scope, in.ConformancePackNames)
	if err != nil {
		return nil, err
	}
	list, next, err := offsetMap(s, req, fingerprint(in.ConformancePackNames), in.NextToken, in.Limit, len(cs), func(i int) api.ConformancePackComplianceSummary {
		c := cs[i]
		return api.ConformancePackComplianceSummary{ConformancePackName: c.Pack.Name, ConformancePackComplianceStatus: c.Type}
	})
	if err != nil {
		return nil, err
	}
	return &api.GetConformancePackComplianceSummaryResponse{ConformancePackComplianceSummaryList: list, NextToken: next}, nil
}

// listConformancePackComplianceScores sorts as API_ListConformancePackComplianceScores.html
// says: by name by default, by score with SortBy SCORE, where
// INSUFFICIENT_DATA comes last ascending and first descending. Unknown
// names in the filter are left out, not refused.
func (s *Server) listConformancePackComplianceScores(ctx context.Context, req *Request, in *api.ListConformancePackComplianceScoresRequest) (*api.ListConformancePackComplianceScoresResponse, error) {
	cs, err := s.Service.ConformancePackCompliance(ctx, req.Scope, nil)
	if err != nil {
		return nil, err
	}
	var names []string
	if in.Filters != nil {
		names = in.Filters.ConformancePackNames
	}
	var rows []*service.PackCompliance
	for _, c := range cs {
		if len(names) == 0 || contains(names, c.Pack.Name) {
			rows = append(rows, c)
		}
	}
	desc := in.SortOrder == "DESCENDING"
	value := func(c *service.PackCompliance) float64 {
		v, err := strconv.ParseFloat(c.Score, 64)
		if err != nil {
			return 1000 // INSUFFICIENT_DATA: above every score
		}
		return v
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if desc {
			a, b = b, a
		}
		if in.SortBy == "SCORE" {
			if va, vb := value(a), value(b); va != vb {
				return va < vb
			}
		}
		return a.Pack.Name < b.Pack.Name
	})
	list, next, err := offsetMap(s, req, fingerprint(names, in.SortBy, in.SortOrder), in.NextToken, in.Limit, len(rows), func(i int) api.ConformancePackComplianceScore {
		c := rows[i]
		return api.ConformancePackComplianceScore{Score: c.Score, ConformancePackName: c.Pack.Name, LastUpdatedTime: ts(c.Updated)}
	})
	if err != nil {
		return nil, err
	}
	return &api.ListConformancePackComplianceScoresResponse{ConformancePackComplianceScores: list, NextToken: next}, nil
}
