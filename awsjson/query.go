package awsjson

import (
	"context"
	"strconv"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
	"github.com/configd/configd/service"
)

// Page sizes: ListStoredQueries' MaxResults and SelectResourceConfig's
// Limit cap at 100 (the model's ranges); configd's default is the cap.
const (
	storedQueriesDefaultLimit = 100
	selectDefaultLimit        = 100
)

func (s *Server) registerQueries() {
	s.handlers["PutStoredQuery"] = op(s.putStoredQuery)
	s.handlers["GetStoredQuery"] = op(s.getStoredQuery)
	s.handlers["ListStoredQueries"] = op(s.listStoredQueries)
	s.handlers["DeleteStoredQuery"] = op(s.deleteStoredQuery)
	s.handlers["SelectResourceConfig"] = op(s.selectResourceConfig)
}

func (s *Server) putStoredQuery(ctx context.Context, req *Request, in *api.PutStoredQueryRequest) (*api.PutStoredQueryResponse, error) {
	if in.StoredQuery == nil {
		return nil, configd.Errorf(configd.ErrValidation, "1 validation error detected: Value null at 'storedQuery' failed to satisfy constraint: Member must not be null")
	}
	q := service.StoredQuery{Name: in.StoredQuery.QueryName, Description: in.StoredQuery.Description, Expression: in.StoredQuery.Expression}
	arn, err := s.Service.PutStoredQuery(ctx, req.Scope, q, tagsFromWire(in.Tags))
	if err != nil {
		return nil, err
	}
	return &api.PutStoredQueryResponse{QueryArn: arn}, nil
}

func (s *Server) getStoredQuery(ctx context.Context, req *Request, in *api.GetStoredQueryRequest) (*api.GetStoredQueryResponse, error) {
	q, err := s.Service.GetStoredQuery(ctx, req.Scope, in.QueryName)
	if err != nil {
		return nil, err
	}
	return &api.GetStoredQueryResponse{StoredQuery: &api.StoredQuery{
		QueryId: q.ID, QueryArn: q.ARN, QueryName: q.Name, Description: q.Description, Expression: q.Expression,
	}}, nil
}

func (s *Server) listStoredQueries(ctx context.Context, req *Request, in *api.ListStoredQueriesRequest) (*api.ListStoredQueriesResponse, error) {
	after, err := s.openToken(req, "", in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := limitOf(in.MaxResults, storedQueriesDefaultLimit)
	qs, err := s.Service.ListStoredQueries(ctx, req.Scope, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := &api.ListStoredQueriesResponse{StoredQueryMetadata: []api.StoredQueryMetadata{}}
	for i, q := range qs {
		if i == limit {
			out.NextToken = s.sealToken(req, "", qs[i-1].Name)
			break
		}
		out.StoredQueryMetadata = append(out.StoredQueryMetadata, api.StoredQueryMetadata{
			QueryId: q.ID, QueryArn: q.ARN, QueryName: q.Name, Description: q.Description,
		})
	}
	return out, nil
}

func (s *Server) deleteStoredQuery(ctx context.Context, req *Request, in *api.DeleteStoredQueryRequest) (empty, error) {
	return empty{}, s.Service.DeleteStoredQuery(ctx, req.Scope, in.QueryName)
}

func (s *Server) selectResourceConfig(ctx context.Context, req *Request, in *api.SelectResourceConfigRequest) (*api.SelectResourceConfigResponse, error) {
	res, err := s.Service.SelectResourceConfig(ctx, req.Scope, in.Expression)
	if err != nil {
		return nil, err
	}
	return s.selectPage(req, fingerprint(in.Expression), in.Limit, in.NextToken, res)
}

// selectPage cuts a page of results; the cursor is the offset of the
// page's first row, sealed with the expression.
func (s *Server) selectPage(req *Request, query string, limitP *int32, token string, res *service.SelectResult) (*api.SelectResourceConfigResponse, error) {
	cursor, err := s.openToken(req, query, token)
	if err != nil {
		return nil, err
	}
	start := 0
	if cursor != "" {
		if start, err = strconv.Atoi(cursor); err != nil || start < 0 {
			return nil, configd.Errorf(configd.ErrInvalidNextToken, "The nextToken provided is invalid")
		}
	}
	limit := limitOf(limitP, selectDefaultLimit)
	out := &api.SelectResourceConfigResponse{Results: []string{}, QueryInfo: &api.QueryInfo{SelectFields: []api.FieldInfo{}}}
	for _, f := range res.Fields {
		out.QueryInfo.SelectFields = append(out.QueryInfo.SelectFields, api.FieldInfo{Name: f})
	}
	if start < len(res.Results) {
		end := min(start+limit, len(res.Results))
		out.Results = append(out.Results, res.Results[start:end]...)
		if end < len(res.Results) {
			out.NextToken = s.sealToken(req, query, strconv.Itoa(end))
		}
	}
	return out, nil
}
