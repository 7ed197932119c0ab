package awsjson

import (
	"context"
	"strconv"
	"strings"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
	"github.com/configd/configd/service"
)

// ListResourceEvaluations returns 10 evaluations per page unless Limit says
// otherwise (at most 100, the model's bound), as the API reference gives
// (https://docs.aws.amazon.com/config/latest/APIReference/API_ListResourceEvaluations.html).
const resourceEvaluationsDefaultLimit = 10

// registerEvaluations routes the proactive resource evaluation operations.
func (s *Server) registerEvaluations() {
	s.handlers["StartResourceEvaluation"] = op(s.startResourceEvaluation)
	s.handlers["GetResourceEvaluationSummary"] = op(s.getResourceEvaluationSummary)
	s.handlers["ListResourceEvaluations"] = op(s.listResourceEvaluations)
}

// ResourceEvaluator runs proactive evaluations (StartResourceEvaluation);
// the evaluator package implements it. Stored evaluations are read through
// the service.
type ResourceEvaluator interface {
	// StartResourceEvaluation evaluates req and returns the evaluation's id.
	StartResourceEvaluation(ctx context.Context, scope configd.Scope, req *service.ResourceEvaluation) (string, error)
}

const msgNoResourceEvaluator = "configd runs no evaluator: proactive evaluations are not available."

func (s *Server) startResourceEvaluation(ctx context.Context, req *Request, in *api.StartResourceEvaluationRequest) (*api.StartResourceEvaluationResponse, error) {
	if s.Evaluations == nil {
		return nil, configd.Errorf(configd.ErrNotImplemented, msgNoResourceEvaluator)
	}
	re := &service.ResourceEvaluation{Mode: in.EvaluationMode, ClientToken: in.ClientToken}
	if in.ResourceDetails != nil {
		d := in.ResourceDetails
		re.ResourceID, re.ResourceType, re.Configuration, re.ConfigurationSchema = d.ResourceId, d.ResourceType, d.ResourceConfiguration, d.ResourceConfigurationSchemaType
	}
	if in.EvaluationContext != nil {
		re.ContextID = in.EvaluationContext.EvaluationContextIdentifier
	}
	if in.EvaluationTimeout != nil {
		re.TimeoutSeconds = int(*in.EvaluationTimeout)
	}
	id, err := s.Evaluations.StartResourceEvaluation(ctx, req.Scope, re)
	if err != nil {
		return nil, err
	}
	return &api.StartResourceEvaluationResponse{ResourceEvaluationId: id}, nil
}

func (s *Server) getResourceEvaluationSummary(ctx context.Context, req *Request, in *api.GetResourceEvaluationSummaryRequest) (*api.GetResourceEvaluationSummaryResponse, error) {
	re, err := s.Service.ResourceEvaluation(ctx, req.Scope, in.ResourceEvaluationId)
	if err != nil {
		return nil, err
	}
	out := &api.GetResourceEvaluationSummaryResponse{
		ResourceEvaluationId:     re.ID,
		EvaluationMode:           re.Mode,
		EvaluationStatus:         &api.EvaluationStatus{Status: re.Status, FailureReason: re.FailureReason},
		EvaluationStartTimestamp: api.NewTimestamp(re.StartTime),
		Compliance:               re.Compliance,
		ResourceDetails: &api.ResourceDetails{ResourceId: re.ResourceID, ResourceType: re.ResourceType,
			ResourceConfiguration: re.Configuration, ResourceConfigurationSchemaType: re.ConfigurationSchema},
	}
	if re.ContextID != "" {
		out.EvaluationContext = &api.EvaluationContext{EvaluationContextIdentifier: re.ContextID}
	}
	return out, nil
}

func (s *Server) listResourceEvaluations(ctx context.Context, req *Request, in *api.ListResourceEvaluationsRequest) (*api.ListResourceEvaluationsResponse, error) {
	var f service.ResourceEvaluationFilter
	if in.Filters != nil {
		f.Mode, f.ContextID = in.Filters.EvaluationMode, in.Filters.EvaluationContextIdentifier
		if w := in.Filters.TimeWindow; w != nil {
			f.Start, f.End = w.StartTime.Value(), w.EndTime.Value()
		}
	}
	query := fingerprint(f.Mode, f.ContextID, f.Start.UnixMilli(), f.End.UnixMilli())
	cursor, err := s.openToken(req, query, in.NextToken)
	if err != nil {
		return nil, err
	}
	var after *service.ResourceEvaluationCursor
	if cursor != "" {
		start, id, ok := strings.Cut(cursor, "/")
		ms, perr := strconv.ParseInt(start, 10, 64)
		if !ok || perr != nil {
			return nil, configd.Errorf(configd.ErrInvalidNextToken, "The nextToken provided is invalid")
		}
		after = &service.ResourceEvaluationCursor{Start: ms, ID: id}
	}
	limit := limitOf(in.Limit, resourceEvaluationsDefaultLimit)
	list, err := s.Service.ListResourceEvaluations(ctx, req.Scope, f, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := &api.ListResourceEvaluationsResponse{ResourceEvaluations: []api.ResourceEvaluation{}}
	if len(list) > limit {
		list = list[:limit]
		last := list[len(list)-1]
		out.NextToken = s.sealToken(req, query, strconv.FormatInt(last.StartTime.UnixMilli(), 10)+"/"+last.ID)
	}
	for _, re := range list {
		out.ResourceEvaluations = append(out.ResourceEvaluations, api.ResourceEvaluation{ResourceEvaluationId: re.ID, EvaluationMode: re.Mode,
			EvaluationStartTimestamp: api.NewTimestamp(re.StartTime)})
	}
	return out, nil
}
