package awsjson

import (
	"context"

	"github.com/configd/configd/api"
)

func (s *Server) registerRecorder() {
	s.handlers["PutConfigurationRecorder"] = op(s.putConfigurationRecorder)
	s.handlers["DescribeConfigurationRecorders"] = op(s.describeConfigurationRecorders)
	s.handlers["DescribeConfigurationRecorderStatus"] = op(s.describeConfigurationRecorderStatus)
	s.handlers["DeleteConfigurationRecorder"] = op(s.deleteConfigurationRecorder)
	s.handlers["StartConfigurationRecorder"] = op(s.startConfigurationRecorder)
	s.handlers["StopConfigurationRecorder"] = op(s.stopConfigurationRecorder)
	s.handlers["ListConfigurationRecorders"] = op(s.listConfigurationRecorders)
	s.handlers["AssociateResourceTypes"] = op(s.associateResourceTypes)
	s.handlers["DisassociateResourceTypes"] = op(s.disassociateResourceTypes)
	s.handlers["PutServiceLinkedConfigurationRecorder"] = op(s.putServiceLinkedConfigurationRecorder)
	s.handlers["DeleteServiceLinkedConfigurationRecorder"] = op(s.deleteServiceLinkedConfigurationRecorder)
}

func (s *Server) putConfigurationRecorder(ctx context.Context, req *Request, in *api.PutConfigurationRecorderRequest) (empty, error) {
	_, err := s.Service.PutRecorder(ctx, req.Scope, recorderFromWire(in.ConfigurationRecorder), tagsFromWire(in.Tags))
	return empty{}, err
}

func (s *Server) describeConfigurationRecorders(ctx context.Context, req *Request, in *api.DescribeConfigurationRecordersRequest) (*api.DescribeConfigurationRecordersResponse, error) {
	rs, err := s.Service.DescribeRecorders(ctx, req.Scope, in.ConfigurationRecorderNames, in.Arn, in.ServicePrincipal)
	if err != nil {
		return nil, err
	}
	out := &api.DescribeConfigurationRecordersResponse{ConfigurationRecorders: []api.ConfigurationRecorder{}}
	for _, r := range rs {
		out.ConfigurationRecorders = append(out.ConfigurationRecorders, recorderToWire(r))
	}
	return out, nil
}

func (s *Server) describeConfigurationRecorderStatus(ctx context.Context, req *Request, in *api.DescribeConfigurationRecorderStatusRequest) (*api.DescribeConfigurationRecorderStatusResponse, error) {
	rs, err := s.Service.DescribeRecorders(ctx, req.Scope, in.ConfigurationRecorderNames, in.Arn, in.ServicePrincipal)
	if err != nil {
		return nil, err
	}
	out := &api.DescribeConfigurationRecorderStatusResponse{ConfigurationRecordersStatus: []api.ConfigurationRecorderStatus{}}
	for _, r := range rs {
		out.ConfigurationRecordersStatus = append(out.ConfigurationRecordersStatus, recorderStatusToWire(r))
	}
	return out, nil
}

func (s *Server) deleteConfigurationRecorder(ctx context.Context, req *Request, in *api.DeleteConfigurationRecorderRequest) (empty, error) {
	return empty{}, s.Service.DeleteRecorder(ctx, req.Scope, in.ConfigurationRecorderName)
}

func (s *Server) startConfigurationRecorder(ctx context.Context, req *Request, in *api.StartConfigurationRecorderRequest) (empty, error) {
	return empty{}, s.Service.StartRecorder(ctx, req.Scope, in.ConfigurationRecorderName)
}

func (s *Server) stopConfigurationRecorder(ctx context.Context, req *Request, in *api.StopConfigurationRecorderRequest) (empty, error) {
	return empty{}, s.Service.StopRecorder(ctx, req.Scope, in.ConfigurationRecorderName)
}

// listConfigurationRecorders pages by recorder name; MaxResults defaults to
// and is capped at 100, as the model's MaxResults range.
func (s *Server) listConfigurationRecorders(ctx context.Context, req *Request, in *api.ListConfigurationRecordersRequest) (*api.ListConfigurationRecordersResponse, error) {
	var scopes, principals []string
	for _, f := range in.Filters {
		switch f.FilterName {
		case "recordingScope":
			scopes = append(scopes, f.FilterValue...)
		case "servicePrincipal":
			principals = append(principals, f.FilterValue...)
		}
	}
	query := fingerprint(in.Filters)
	after, err := s.openToken(req, query, in.NextToken)
	if err != nil {
		return nil, err
	}
	rs, err := s.Service.ListRecorders(ctx, req.Scope, scopes, principals)
	if err != nil {
		return nil, err
	}
	limit := limitOf(in.MaxResults, 100)
	out := &api.ListConfigurationRecordersResponse{ConfigurationRecorderSummaries: []api.ConfigurationRecorderSummary{}}
	i := 0
	if after != "" {
		for i < len(rs) && rs[i].Name <= after {
			i++
		}
	}
	for ; i < len(rs) && len(out.ConfigurationRecorderSummaries) < limit; i++ {
		r := rs[i]
		out.ConfigurationRecorderSummaries = append(out.ConfigurationRecorderSummaries, api.ConfigurationRecorderSummary{Arn: r.ARN, Name: r.Name, ServicePrincipal: r.ServicePrincipal, RecordingScope: recorderToWire(r).RecordingScope})
	}
	if i < len(rs) {
		out.NextToken = s.sealToken(req, query, rs[i-1].Name)
	}
	return out, nil
}

func (s *Server) associateResourceTypes(ctx context.Context, req *Request, in *api.AssociateResourceTypesRequest) (*api.AssociateResourceTypesResponse, error) {
	r, err := s.Service.AssociateResourceTypes(ctx, req.Scope, in.ConfigurationRecorderArn, in.ResourceTypes)
	if err != nil {
		return nil, err
	}
	w := recorderToWire(r)
	return &api.AssociateResourceTypesResponse{ConfigurationRecorder: &w}, nil
}

func (s *Server) disassociateResourceTypes(ctx context.Context, req *Request, in *api.DisassociateResourceTypesRequest) (*api.DisassociateResourceTypesResponse, error) {
	r, err := s.Service.DisassociateResourceTypes(ctx, req.Scope, in.ConfigurationRecorderArn, in.ResourceTypes)
	if err != nil {
		return nil, err
	}
	w := recorderToWire(r)
	return &api.DisassociateResourceTypesResponse{ConfigurationRecorder: &w}, nil
}

func (s *Server) putServiceLinkedConfigurationRecorder(ctx context.Context, req *Request, in *api.PutServiceLinkedConfigurationRecorderRequest) (*api.PutServiceLinkedConfigurationRecorderResponse, error) {
	r, err := s.Service.PutServiceLinkedRecorder(ctx, req.Scope, in.ServicePrincipal, tagsFromWire(in.Tags))
	if err != nil {
		return nil, err
	}
	return &api.PutServiceLinkedConfigurationRecorderResponse{Arn: r.ARN, Name: r.Name}, nil
}

func (s *Server) deleteServiceLinkedConfigurationRecorder(ctx context.Context, req *Request, in *api.DeleteServiceLinkedConfigurationRecorderRequest) (*api.DeleteServiceLinkedConfigurationRecorderResponse, error) {
	r, err := s.Service.DeleteServiceLinkedRecorder(ctx, req.Scope, in.ServicePrincipal)
	if err != nil {
		return nil, err
	}
	return &api.DeleteServiceLinkedConfigurationRecorderResponse{Arn: r.ARN, Name: r.Name}, nil
}
