package awsjson

import (
	"context"
	"sort"
	"strconv"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
	"github.com/configd/configd/service"
)

// aggregatorDefaultLimit is the page size of the aggregator listings.
const aggregatorDefaultLimit = 100

// registerAggregators routes the aggregator operations. The aggregate
// compliance reads (DescribeAggregateComplianceByConfigRules,
// GetAggregateComplianceDetailsByConfigRule,
// GetAggregateConfigRuleComplianceSummary) are not routed yet and answer
// NotImplementedException.
func (s *Server) registerAggregators() {
	s.handlers["PutConfigurationAggregator"] = op(s.putConfigurationAggregator)
	s.handlers["DescribeConfigurationAggregators"] = op(s.describeConfigurationAggregators)
	s.handlers["DeleteConfigurationAggregator"] = op(s.deleteConfigurationAggregator)
	s.handlers["DescribeConfigurationAggregatorSourcesStatus"] = op(s.describeAggregatorSourcesStatus)
	s.handlers["PutAggregationAuthorization"] = op(s.putAggregationAuthorization)
	s.handlers["DescribeAggregationAuthorizations"] = op(s.describeAggregationAuthorizations)
	s.handlers["DeleteAggregationAuthorization"] = op(s.deleteAggregationAuthorization)
	s.handlers["DescribePendingAggregationRequests"] = op(s.describePendingAggregationRequests)
	s.handlers["DeletePendingAggregationRequest"] = op(s.deletePendingAggregationRequest)
	s.handlers["SelectAggregateResourceConfig"] = op(s.selectAggregateResourceConfig)
	s.handlers["ListAggregateDiscoveredResources"] = op(s.listAggregateDiscoveredResources)
	s.handlers["GetAggregateResourceConfig"] = op(s.getAggregateResourceConfig)
	s.handlers["BatchGetAggregateResourceConfig"] = op(s.batchGetAggregateResourceConfig)
	s.handlers["GetAggregateDiscoveredResourceCounts"] = op(s.getAggregateDiscoveredResourceCounts)
}

// offsetPage returns the [start, end) window of a listing of n rows and
// the next token, paging by offset sealed with query.
func (s *Server) offsetPage(req *Request, query, token string, limitP *int32, n int) (int, int, string, error) {
	cursor, err := s.openToken(req, query, token)
	if err != nil {
		return 0, 0, "", err
	}
	start := 0
	if cursor != "" {
		if start, err = strconv.Atoi(cursor); err != nil || start < 0 {
			return 0, 0, "", configd.Errorf(configd.ErrInvalidNextToken, "The nextToken provided is invalid")
		}
	}
	start = min(start, n)
	end := min(start+limitOf(limitP, aggregatorDefaultLimit), n)
	next := ""
	if end < n {
		next = s.sealToken(req, query, strconv.Itoa(end))
	}
	return start, end, next, nil
}

// offsetMap pages n items as offsetPage does, and converts item i of the
// page with conv: the page (never nil, so that an empty one is written as
// []) and the next token.
func offsetMap[W any](s *Server, req *Request, query, token string, limitP *int32, n int, conv func(i int) W) ([]W, string, error) {
	start, end, next, err := s.offsetPage(req, query, token, limitP, n)
	if err != nil {
		return nil, "", err
	}
	page := make([]W, 0, end-start)
	for i := start; i < end; i++ {
		page = append(page, conv(i))
	}
	return page, next, nil
}

func aggregatorToWire(a *service.Aggregator) api.ConfigurationAggregator {
	src := api.AccountAggregationSource{AccountIds: a.AccountIDs, AwsRegions: a.Regions}
	if a.AllRegions {
		src.AllAwsRegions = api.Bool(true)
	}
	return api.ConfigurationAggregator{
		ConfigurationAggregatorName: a.Name, ConfigurationAggregatorArn: a.ARN,
		AccountAggregationSources: []api.AccountAggregationSource{src},
		CreationTime:              ts(a.CreationTime), LastUpdatedTime: ts(a.LastUpdatedTime),
	}
}

func (s *Server) putConfigurationAggregator(ctx context.Context, req *Request, in *api.PutConfigurationAggregatorRequest) (*api.PutConfigurationAggregatorResponse, error) {
	var srcs []service.AggregationSource
	for _, a := range in.AccountAggregationSources {
		srcs = append(srcs, service.AggregationSource{AccountIDs: a.AccountIds, AllRegions: a.AllAwsRegions != nil && *a.AllAwsRegions, Regions: a.AwsRegions})
	}
	a, err := s.Service.PutConfigurationAggregator(ctx, req.Scope, in.ConfigurationAggregatorName, srcs, in.OrganizationAggregationSource != nil, tagsFromWire(in.Tags))
	if err != nil {
		return nil, err
	}
	w := aggregatorToWire(a)
	return &api.PutConfigurationAggregatorResponse{ConfigurationAggregator: &w}, nil
}

func (s *Server) describeConfigurationAggregators(ctx context.Context, req *Request, in *api.DescribeConfigurationAggregatorsRequest) (*api.DescribeConfigurationAggregatorsResponse, error) {
	as, err := s.Service.DescribeConfigurationAggregators(ctx, req.Scope, in.ConfigurationAggregatorNames)
	if err != nil {
		return nil, err
	}
	list, next, err := offsetMap(s, req, fingerprint(in.ConfigurationAggregatorNames), in.NextToken, in.Limit, len(as), func(i int) api.ConfigurationAggregator {
		return aggregatorToWire(as[i])
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribeConfigurationAggregatorsResponse{ConfigurationAggregators: list, NextToken: next}, nil
}

func (s *Server) deleteConfigurationAggregator(ctx context.Context, req *Request, in *api.DeleteConfigurationAggregatorRequest) (empty, error) {
	return empty{}, s.Service.DeleteConfigurationAggregator(ctx, req.Scope, in.ConfigurationAggregatorName)
}

func (s *Server) describeAggregatorSourcesStatus(ctx context.Context, req *Request, in *api.DescribeConfigurationAggregatorSourcesStatusRequest) (*api.DescribeConfigurationAggregatorSourcesStatusResponse, error) {
	sts, err := s.Service.DescribeConfigurationAggregatorSourcesStatus(ctx, req.Scope, in.ConfigurationAggregatorName)
	if err != nil {
		return nil, err
	}
	var rows []api.AggregatedSourceStatus
	for _, st := range sts {
		if len(in.UpdateStatus) > 0 && !contains(in.UpdateStatus, st.Status) {
			continue
		}
		rows = append(rows, api.AggregatedSourceStatus{
			SourceId: st.Scope.AccountID, SourceType: "ACCOUNT", AwsRegion: st.Scope.Region,
			LastUpdateStatus: st.Status, LastUpdateTime: ts(st.UpdateTime), LastErrorCode: st.ErrorCode, LastErrorMessage: st.ErrorMsg,
		})
	}
	list, next, err := offsetMap(s, req, fingerprint(in.ConfigurationAggregatorName, in.UpdateStatus), in.NextToken, in.Limit, len(rows),
		func(i int) api.AggregatedSourceStatus { return rows[i] })
	if err != nil {
		return nil, err
	}
	return &api.DescribeConfigurationAggregatorSourcesStatusResponse{AggregatedSourceStatusList: list, NextToken: next}, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func authorizationToWire(a *service.Authorization) api.AggregationAuthorization {
	return api.AggregationAuthorization{AggregationAuthorizationArn: a.ARN, AuthorizedAccountId: a.AuthorizedAccount, AuthorizedAwsRegion: a.AuthorizedRegion, CreationTime: ts(a.CreationTime)}
}

func (s *Server) putAggregationAuthorization(ctx context.Context, req *Request, in *api.PutAggregationAuthorizationRequest) (*api.PutAggregationAuthorizationResponse, error) {
	a, err := s.Service.PutAggregationAuthorization(ctx, req.Scope, in.AuthorizedAccountId, in.AuthorizedAwsRegion, tagsFromWire(in.Tags))
	if err != nil {
		return nil, err
	}
	w := authorizationToWire(a)
	return &api.PutAggregationAuthorizationResponse{AggregationAuthorization: &w}, nil
}

func (s *Server) describeAggregationAuthorizations(ctx context.Context, req *Request, in *api.DescribeAggregationAuthorizationsRequest) (*api.DescribeAggregationAuthorizationsResponse, error) {
	as, err := s.Service.DescribeAggregationAuthorizations(ctx, req.Scope)
	if err != nil {
		return nil, err
	}
	list, next, err := offsetMap(s, req, "", in.NextToken, in.Limit, len(as), func(i int) api.AggregationAuthorization {
		return authorizationToWire(as[i])
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribeAggregationAuthorizationsResponse{AggregationAuthorizations: list, NextToken: next}, nil
}

func (s *Server) deleteAggregationAuthorization(ctx context.Context, req *Request, in *api.DeleteAggregationAuthorizationRequest) (empty, error) {
	return empty{}, s.Service.DeleteAggregationAuthorization(ctx, req.Scope, in.AuthorizedAccountId, in.AuthorizedAwsRegion)
}

func (s *Server) describePendingAggregationRequests(ctx context.Context, req *Request, in *api.DescribePendingAggregationRequestsRequest) (*api.DescribePendingAggregationRequestsResponse, error) {
	ps, err := s.Service.DescribePendingAggregationRequests(ctx, req.Scope)
	if err != nil {
		return nil, err
	}
	list, next, err := offsetMap(s, req, "", in.NextToken, in.Limit, len(ps), func(i int) api.PendingAggregationRequest {
		p := ps[i]
		return api.PendingAggregationRequest{RequesterAccountId: p.Account, RequesterAwsRegion: p.Region}
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribePendingAggregationRequestsResponse{PendingAggregationRequests: list, NextToken: next}, nil
}

func (s *Server) deletePendingAggregationRequest(ctx context.Context, req *Request, in *api.DeletePendingAggregationRequestRequest) (empty, error) {
	return empty{}, s.Service.DeletePendingAggregationRequest(ctx, req.Scope, in.RequesterAccountId, in.RequesterAwsRegion)
}

func (s *Server) selectAggregateResourceConfig(ctx context.Context, req *Request, in *api.SelectAggregateResourceConfigRequest) (*api.SelectAggregateResourceConfigResponse, error) {
	res, err := s.Service.SelectAggregateResourceConfig(ctx, req.Scope, in.ConfigurationAggregatorName, in.Expression)
	if err != nil {
		return nil, err
	}
	limit := in.Limit
	if limit == nil || *limit == 0 {
		limit = in.MaxResults
	}
	page, err := s.selectPage(req, fingerprint(in.ConfigurationAggregatorName, in.Expression), limit, in.NextToken, res)
	if err != nil {
		return nil, err
	}
	return &api.SelectAggregateResourceConfigResponse{Results: page.Results, QueryInfo: page.QueryInfo, NextToken: page.NextToken}, nil
}

func (s *Server) listAggregateDiscoveredResources(ctx context.Context, req *Request, in *api.ListAggregateDiscoveredResourcesRequest) (*api.ListAggregateDiscoveredResourcesResponse, error) {
	var f service.AggregateFilter
	if in.Filters != nil {
		f = service.AggregateFilter{AccountID: in.Filters.AccountId, Region: in.Filters.Region, ResourceID: in.Filters.ResourceId, ResourceName: in.Filters.ResourceName}
	}
	rs, err := s.Service.ListAggregateResources(ctx, req.Scope, in.ConfigurationAggregatorName, in.ResourceType, f)
	if err != nil {
		return nil, err
	}
	list, next, err := offsetMap(s, req, fingerprint(in.ConfigurationAggregatorName, in.ResourceType, f), in.NextToken, in.Limit, len(rs), func(i int) api.AggregateResourceIdentifier {
		r := rs[i]
		return api.AggregateResourceIdentifier{
			SourceAccountId: r.Scope.AccountID, SourceRegion: r.Scope.Region, ResourceId: r.ResourceID, ResourceType: r.ResourceType, ResourceName: r.ResourceName,
		}
	})
	if err != nil {
		return nil, err
	}
	return &api.ListAggregateDiscoveredResourcesResponse{ResourceIdentifiers: list, NextToken: next}, nil
}

func aggregateKey(id api.AggregateResourceIdentifier) service.AggregateKey {
	return service.AggregateKey{
		Scope: configd.Scope{AccountID: id.SourceAccountId, Region: id.SourceRegion},
		Key:   configd.ResourceKey{ResourceType: id.ResourceType, ResourceID: id.ResourceId},
	}
}

func (s *Server) getAggregateResourceConfig(ctx context.Context, req *Request, in *api.GetAggregateResourceConfigRequest) (*api.GetAggregateResourceConfigResponse, error) {
	if in.ResourceIdentifier == nil {
		return nil, configd.Errorf(configd.ErrValidation, "1 validation error detected: Value null at 'resourceIdentifier' failed to satisfy constraint: Member must not be null")
	}
	items, _, err := s.Service.GetAggregateItems(ctx, req.Scope, in.ConfigurationAggregatorName, []service.AggregateKey{aggregateKey(*in.ResourceIdentifier)})
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, configd.Errorf(configd.ErrResourceNotDiscovered, "Resource %s of resourceType:%s is unknown or has not been discovered", in.ResourceIdentifier.ResourceId, in.ResourceIdentifier.ResourceType)
	}
	w := itemToWire(items[0])
	return &api.GetAggregateResourceConfigResponse{ConfigurationItem: &w}, nil
}

func (s *Server) batchGetAggregateResourceConfig(ctx context.Context, req *Request, in *api.BatchGetAggregateResourceConfigRequest) (*api.BatchGetAggregateResourceConfigResponse, error) {
	keys := make([]service.AggregateKey, 0, len(in.ResourceIdentifiers))
	for _, id := range in.ResourceIdentifiers {
		keys = append(keys, aggregateKey(id))
	}
	items, unprocessed, err := s.Service.GetAggregateItems(ctx, req.Scope, in.ConfigurationAggregatorName, keys)
	if err != nil {
		return nil, err
	}
	out := &api.BatchGetAggregateResourceConfigResponse{BaseConfigurationItems: []api.BaseConfigurationItem{}, UnprocessedResourceIdentifiers: []api.AggregateResourceIdentifier{}}
	for _, ci := range items {
		out.BaseConfigurationItems = append(out.BaseConfigurationItems, itemToBase(ci))
	}
	for _, i := range unprocessed {
		out.UnprocessedResourceIdentifiers = append(out.UnprocessedResourceIdentifiers, in.ResourceIdentifiers[i])
	}
	return out, nil
}

func (s *Server) getAggregateDiscoveredResourceCounts(ctx context.Context, req *Request, in *api.GetAggregateDiscoveredResourceCountsRequest) (*api.GetAggregateDiscoveredResourceCountsResponse, error) {
	var f service.AggregateFilter
	if in.Filters != nil {
		f = service.AggregateFilter{AccountID: in.Filters.AccountId, Region: in.Filters.Region, ResourceType: in.Filters.ResourceType}
	}
	cs, err := s.Service.CountAggregateResources(ctx, req.Scope, in.ConfigurationAggregatorName, f)
	if err != nil {
		return nil, err
	}
	var total int64
	groups := map[string]int64{}
	var names []string
	for _, c := range cs {
		total += c.Count
		var g string
		switch in.GroupByKey {
		case "RESOURCE_TYPE":
			g = c.ResourceType
		case "ACCOUNT_ID":
			g = c.Scope.AccountID
		case "AWS_REGION":
			g = c.Scope.Region
		default:
			continue
		}
		if _, ok := groups[g]; !ok {
			names = append(names, g)
		}
		groups[g] += c.Count
	}
	sort.Strings(names)
	list, next, err := offsetMap(s, req, fingerprint(in.ConfigurationAggregatorName, f, in.GroupByKey), in.NextToken, in.Limit, len(names), func(i int) api.GroupedResourceCount {
		g := names[i]
		return api.GroupedResourceCount{GroupName: g, ResourceCount: api.Int64(groups[g])}
	})
	if err != nil {
		return nil, err
	}
	return &api.GetAggregateDiscoveredResourceCountsResponse{TotalDiscoveredResources: api.Int64(total), GroupByKey: in.GroupByKey, GroupedResourceCounts: list, NextToken: next}, nil
}
