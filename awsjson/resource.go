package awsjson

import (
	"context"
	"strconv"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
)

// Page sizes from the API reference: GetResourceConfigHistory defaults to 10,
// ListDiscoveredResources and GetDiscoveredResourceCounts to 100; all cap at
// 100 (the model's Limit range), and 0 means the default.
const (
	historyDefaultLimit = 10
	listDefaultLimit    = 100
	countsDefaultLimit  = 100
)

func (s *Server) registerResource() {
	s.handlers["PutResourceConfig"] = op(s.putResourceConfig)
	s.handlers["DeleteResourceConfig"] = op(s.deleteResourceConfig)
	s.handlers["BatchGetResourceConfig"] = op(s.batchGetResourceConfig)
	s.handlers["GetResourceConfigHistory"] = op(s.getResourceConfigHistory)
	s.handlers["ListDiscoveredResources"] = op(s.listDiscoveredResources)
	s.handlers["GetDiscoveredResourceCounts"] = op(s.getDiscoveredResourceCounts)
}

func (s *Server) putResourceConfig(ctx context.Context, req *Request, in *api.PutResourceConfigRequest) (empty, error) {
	ci := &configd.ConfigurationItem{
		ResourceType:    in.ResourceType,
		ResourceID:      in.ResourceId,
		ResourceName:    in.ResourceName,
		Configuration:   in.Configuration,
		Tags:            in.Tags,
		SchemaVersionID: in.SchemaVersionId,
	}
	return empty{}, s.Service.PutResourceConfig(ctx, req.Scope, ci)
}

func (s *Server) deleteResourceConfig(ctx context.Context, req *Request, in *api.DeleteResourceConfigRequest) (empty, error) {
	return empty{}, s.Service.DeleteResourceConfig(ctx, req.Scope, configd.ResourceKey{ResourceType: in.ResourceType, ResourceID: in.ResourceId})
}

func (s *Server) batchGetResourceConfig(ctx context.Context, req *Request, in *api.BatchGetResourceConfigRequest) (*api.BatchGetResourceConfigResponse, error) {
	keys := make([]configd.ResourceKey, 0, len(in.ResourceKeys))
	for _, k := range in.ResourceKeys {
		keys = append(keys, configd.ResourceKey{ResourceType: k.ResourceType, ResourceID: k.ResourceId})
	}
	items, err := s.Service.BatchGet(ctx, req.Scope, keys)
	if err != nil {
		return nil, err
	}
	out := &api.BatchGetResourceConfigResponse{BaseConfigurationItems: []api.BaseConfigurationItem{}, UnprocessedResourceKeys: []api.ResourceKey{}}
	for _, ci := range items {
		out.BaseConfigurationItems = append(out.BaseConfigurationItems, itemToBase(ci))
	}
	return out, nil
}

func (s *Server) getResourceConfigHistory(ctx context.Context, req *Request, in *api.GetResourceConfigHistoryRequest) (*api.GetResourceConfigHistoryResponse, error) {
	q := configd.HistoryQuery{
		Key:           configd.ResourceKey{ResourceType: in.ResourceType, ResourceID: in.ResourceId},
		Earlier:       in.EarlierTime.Value(),
		Later:         in.LaterTime.Value(),
		Chronological: in.ChronologicalOrder == "Forward",
		Limit:         limitOf(in.Limit, historyDefaultLimit),
	}
	query := fingerprint(in.ResourceType, in.ResourceId, q.Earlier.UnixMilli(), q.Later.UnixMilli(), q.Chronological)
	cursor, err := s.openToken(req, query, in.NextToken)
	if err != nil {
		return nil, err
	}
	if cursor != "" {
		if q.After, err = strconv.ParseInt(cursor, 10, 64); err != nil {
			return nil, configd.Errorf(configd.ErrInvalidNextToken, "The nextToken provided is invalid")
		}
	}
	want := q.Limit
	q.Limit++ // one more tells whether there is a next page
	items, err := s.Service.History(ctx, req.Scope, q)
	if err != nil {
		return nil, err
	}
	out := &api.GetResourceConfigHistoryResponse{ConfigurationItems: []api.ConfigurationItem{}}
	for i := range items {
		if i == want {
			out.NextToken = s.sealToken(req, query, strconv.FormatInt(items[i-1].Seq, 10))
			break
		}
		out.ConfigurationItems = append(out.ConfigurationItems, itemToWire(&items[i].Item))
	}
	return out, nil
}

func (s *Server) listDiscoveredResources(ctx context.Context, req *Request, in *api.ListDiscoveredResourcesRequest) (*api.ListDiscoveredResourcesResponse, error) {
	f := configd.ResourceFilter{
		ResourceType:   in.ResourceType,
		ResourceIDs:    in.ResourceIds,
		ResourceName:   in.ResourceName,
		IncludeDeleted: in.IncludeDeletedResources != nil && *in.IncludeDeletedResources,
	}
	query := fingerprint(f)
	after, err := s.openToken(req, query, in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := limitOf(in.Limit, listDefaultLimit)
	rs, err := s.Service.ListResources(ctx, req.Scope, f, after, limit+1)
	if err != nil {
		return nil, err
	}
	out := &api.ListDiscoveredResourcesResponse{ResourceIdentifiers: []api.ResourceIdentifier{}}
	for i, r := range rs {
		if i == limit {
			out.NextToken = s.sealToken(req, query, rs[i-1].ResourceID)
			break
		}
		out.ResourceIdentifiers = append(out.ResourceIdentifiers, api.ResourceIdentifier{
			ResourceType:         r.ResourceType,
			ResourceId:           r.ResourceID,
			ResourceName:         r.ResourceName,
			ResourceDeletionTime: ts(r.DeletionTime),
		})
	}
	return out, nil
}

func (s *Server) getDiscoveredResourceCounts(ctx context.Context, req *Request, in *api.GetDiscoveredResourceCountsRequest) (*api.GetDiscoveredResourceCountsResponse, error) {
	query := fingerprint(in.ResourceTypes)
	after, err := s.openToken(req, query, in.NextToken)
	if err != nil {
		return nil, err
	}
	counts, err := s.Service.CountResources(ctx, req.Scope, in.ResourceTypes)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, c := range counts {
		total += c.Count
	}
	limit := limitOf(in.Limit, countsDefaultLimit)
	out := &api.GetDiscoveredResourceCountsResponse{TotalDiscoveredResources: api.Int64(total), ResourceCounts: []api.ResourceCount{}}
	for i, c := range counts {
		if c.ResourceType <= after && after != "" {
			continue
		}
		if len(out.ResourceCounts) == limit {
			out.NextToken = s.sealToken(req, query, counts[i-1].ResourceType)
			break
		}
		out.ResourceCounts = append(out.ResourceCounts, api.ResourceCount{ResourceType: c.ResourceType, Count: api.Int64(c.Count)})
	}
	return out, nil
}

func (s *Server) registerTags() {
	s.handlers["TagResource"] = op(s.tagResource)
	s.handlers["UntagResource"] = op(s.untagResource)
	s.handlers["ListTagsForResource"] = op(s.listTagsForResource)
}

func (s *Server) tagResource(ctx context.Context, req *Request, in *api.TagResourceRequest) (empty, error) {
	return empty{}, s.Service.TagResource(ctx, req.Scope, in.ResourceArn, tagsFromWire(in.Tags))
}

func (s *Server) untagResource(ctx context.Context, req *Request, in *api.UntagResourceRequest) (empty, error) {
	return empty{}, s.Service.UntagResource(ctx, req.Scope, in.ResourceArn, in.TagKeys)
}

// listTagsForResource pages by tag key; Limit defaults to and caps at 50.
func (s *Server) listTagsForResource(ctx context.Context, req *Request, in *api.ListTagsForResourceRequest) (*api.ListTagsForResourceResponse, error) {
	after, err := s.openToken(req, in.ResourceArn, in.NextToken)
	if err != nil {
		return nil, err
	}
	tags, err := s.Service.ListTags(ctx, req.Scope, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	limit := limitOf(in.Limit, 50)
	out := &api.ListTagsForResourceResponse{Tags: []api.Tag{}}
	for i, t := range tags {
		if after != "" && t.Key <= after {
			continue
		}
		if len(out.Tags) == limit {
			out.NextToken = s.sealToken(req, in.ResourceArn, tags[i-1].Key)
			break
		}
		out.Tags = append(out.Tags, api.Tag{Key: t.Key, Value: t.Value})
	}
	return out, nil
}
