package awsjson

import (
	"context"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
)

func (s *Server) registerDelivery() {
	s.handlers["PutDeliveryChannel"] = op(s.putDeliveryChannel)
	s.handlers["DescribeDeliveryChannels"] = op(s.describeDeliveryChannels)
	s.handlers["DescribeDeliveryChannelStatus"] = op(s.describeDeliveryChannelStatus)
	s.handlers["DeleteDeliveryChannel"] = op(s.deleteDeliveryChannel)
	s.handlers["DeliverConfigSnapshot"] = op(s.deliverConfigSnapshot)
}

func (s *Server) putDeliveryChannel(ctx context.Context, req *Request, in *api.PutDeliveryChannelRequest) (empty, error) {
	return empty{}, s.Service.PutDeliveryChannel(ctx, req.Scope, channelFromWire(in.DeliveryChannel))
}

func (s *Server) describeDeliveryChannels(ctx context.Context, req *Request, in *api.DescribeDeliveryChannelsRequest) (*api.DescribeDeliveryChannelsResponse, error) {
	cs, err := s.Service.DescribeDeliveryChannels(ctx, req.Scope, in.DeliveryChannelNames)
	if err != nil {
		return nil, err
	}
	out := &api.DescribeDeliveryChannelsResponse{DeliveryChannels: []api.DeliveryChannel{}}
	for _, c := range cs {
		out.DeliveryChannels = append(out.DeliveryChannels, channelToWire(c))
	}
	return out, nil
}

func (s *Server) describeDeliveryChannelStatus(ctx context.Context, req *Request, in *api.DescribeDeliveryChannelStatusRequest) (*api.DescribeDeliveryChannelStatusResponse, error) {
	cs, err := s.Service.DescribeDeliveryChannels(ctx, req.Scope, in.DeliveryChannelNames)
	if err != nil {
		return nil, err
	}
	out := &api.DescribeDeliveryChannelStatusResponse{DeliveryChannelsStatus: []api.DeliveryChannelStatus{}}
	for _, c := range cs {
		out.DeliveryChannelsStatus = append(out.DeliveryChannelsStatus, channelStatusToWire(c))
	}
	return out, nil
}

func (s *Server) deleteDeliveryChannel(ctx context.Context, req *Request, in *api.DeleteDeliveryChannelRequest) (empty, error) {
	return empty{}, s.Service.DeleteDeliveryChannel(ctx, req.Scope, in.DeliveryChannelName)
}

func (s *Server) deliverConfigSnapshot(ctx context.Context, req *Request, in *api.DeliverConfigSnapshotRequest) (*api.DeliverConfigSnapshotResponse, error) {
	id, err := s.Service.DeliverSnapshot(ctx, req.Scope, in.DeliveryChannelName)
	if err != nil {
		return nil, err
	}
	return &api.DeliverConfigSnapshotResponse{ConfigSnapshotId: id}, nil
}

func (s *Server) registerRetention() {
	s.handlers["PutRetentionConfiguration"] = op(s.putRetentionConfiguration)
	s.handlers["DescribeRetentionConfigurations"] = op(s.describeRetentionConfigurations)
	s.handlers["DeleteRetentionConfiguration"] = op(s.deleteRetentionConfiguration)
}

func (s *Server) putRetentionConfiguration(ctx context.Context, req *Request, in *api.PutRetentionConfigurationRequest) (*api.PutRetentionConfigurationResponse, error) {
	r, err := s.Service.PutRetention(ctx, req.Scope, int(*in.RetentionPeriodInDays))
	if err != nil {
		return nil, err
	}
	return &api.PutRetentionConfigurationResponse{RetentionConfiguration: retentionToWire(r)}, nil
}

func retentionToWire(r *configd.RetentionConfiguration) *api.RetentionConfiguration {
	return &api.RetentionConfiguration{Name: r.Name, RetentionPeriodInDays: api.Int32(int32(r.RetentionPeriodInDays))}
}

// describeRetentionConfigurations: there is at most one retention
// configuration per region, so there is never a next page; a NextToken is
// still checked.
func (s *Server) describeRetentionConfigurations(ctx context.Context, req *Request, in *api.DescribeRetentionConfigurationsRequest) (*api.DescribeRetentionConfigurationsResponse, error) {
	if _, err := s.openToken(req, "", in.NextToken); err != nil {
		return nil, err
	}
	rs, err := s.Service.DescribeRetentions(ctx, req.Scope, in.RetentionConfigurationNames)
	if err != nil {
		return nil, err
	}
	out := &api.DescribeRetentionConfigurationsResponse{RetentionConfigurations: []api.RetentionConfiguration{}}
	for _, r := range rs {
		out.RetentionConfigurations = append(out.RetentionConfigurations, *retentionToWire(r))
	}
	return out, nil
}

func (s *Server) deleteRetentionConfiguration(ctx context.Context, req *Request, in *api.DeleteRetentionConfigurationRequest) (empty, error) {
	return empty{}, s.Service.DeleteRetention(ctx, req.Scope, in.RetentionConfigurationName)
}
