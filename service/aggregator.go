package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/configd/configd"
)

// Aggregator is a configuration aggregator with account sources
// (https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigurationAggregator.html).
// configd has no AWS Organizations, so organization sources are refused.
type Aggregator struct {
	Name            string    `json:"name"`
	ARN             string    `json:"arn"`
	AccountIDs      []string  `json:"accountIds"`
	AllRegions      bool      `json:"allRegions,omitempty"`
	Regions         []string  `json:"regions,omitempty"`
	CreationTime    time.Time `json:"creationTime"`
	LastUpdatedTime time.Time `json:"lastUpdatedTime"`
}

// Authorization is an aggregation authorization granted by its scope to an
// aggregator account and region.
type Authorization struct {
	ARN               string    `json:"arn"`
	AuthorizedAccount string    `json:"authorizedAccount"`
	AuthorizedRegion  string    `json:"authorizedRegion"`
	CreationTime      time.Time `json:"creationTime"`
}

// AggregationSource is an account source of PutConfigurationAggregator.
type AggregationSource struct {
	AccountIDs []string
	AllRegions bool
	Regions    []string
}

// SourceStatus is the state of one source account and region of an
// aggregator: SUCCEEDED when its data is visible, FAILED when the source
// has not authorized the aggregator.
type SourceStatus struct {
	Scope      configd.Scope
	Status     string
	UpdateTime time.Time
	ErrorCode  string
	ErrorMsg   string
}

func aggregatorNotFound() error {
	return configd.Errorf(ErrNoSuchConfigurationAggregator, "The configuration aggregator does not exist. Check the configuration aggregator name and try again.")
}

func decodeJSON[T any](d *configd.Document) (*T, error) {
	v := new(T)
	if err := json.Unmarshal([]byte(d.Body), v); err != nil {
		return nil, fmt.Errorf("decode %s %q: %w", d.Kind, d.Name, err)
	}
	return v, nil
}

func putJSON(ctx context.Context, tx configd.Tx, scope configd.Scope, kind, name, arn string, v any, now time.Time) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.PutDocument(ctx, scope, &configd.Document{Kind: kind, Name: name, ARN: arn, Body: string(b), UpdatedAt: now})
}

// PutConfigurationAggregator creates or updates an aggregator. Messages
// and rules come from the API reference: exactly one kind of source, one
// account source; an organization source is NoAvailableOrganizationException
// here (configd has no organization).
func (s *Service) PutConfigurationAggregator(ctx context.Context, scope configd.Scope, name string, sources []AggregationSource, orgSource bool, tags []configd.Tag) (*Aggregator, error) {
	switch {
	case len(sources) > 0 && orgSource:
		return nil, configd.Errorf(configd.ErrInvalidParameterValue, "The configuration aggregator cannot be created because your request contains both the AccountAggregationSource and the OrganizationAggregationSource. Include only one aggregation source and try again.")
	case len(sources) == 0 && !orgSource:
		return nil, configd.Errorf(configd.ErrInvalidParameterValue, "The configuration aggregator cannot be created because your request is missing either the AccountAggregationSource or the OrganizationAggregationSource. Include the appropriate aggregation source and try again.")
	case orgSource:
		return nil, configd.Errorf(ErrNoAvailableOrganization, "Organization is no longer available.")
	case len(sources) > 1:
		return nil, configd.Errorf(configd.ErrValidation, "1 validation error detected: Value '[...]' at 'accountAggregationSources' failed to satisfy constraint: Member must have length less than or equal to 1")
	}
	src := sources[0]
	if len(src.AccountIDs) == 0 {
		return nil, configd.Errorf(configd.ErrInvalidParameterValue, "The configuration aggregator cannot be created because the AccountIds list is empty.")
	}
	if src.AllRegions && len(src.Regions) > 0 {
		return nil, configd.Errorf(configd.ErrInvalidParameterValue, "Your request does not specify the regions or it specifies both AllAwsRegions and AwsRegions. Specify either AllAwsRegions or AwsRegions and try again.")
	}
	if !src.AllRegions && len(src.Regions) == 0 {
		return nil, configd.Errorf(configd.ErrInvalidParameterValue, "Your request does not specify the regions or it specifies both AllAwsRegions and AwsRegions. Specify either AllAwsRegions or AwsRegions and try again.")
	}
	var out *Aggregator
	err := s.write(ctx, func(tx configd.Tx) error {
		now := s.clock.Now()
		d, err := tx.GetDocument(ctx, scope, configd.DocConfigurationAggregator, name)
		if err != nil {
			return err
		}
		a := &Aggregator{Name: name, CreationTime: now}
		if d != nil {
			if a, err = decodeJSON[Aggregator](d); err != nil {
				return err
			}
		} else {
			a.ARN = "arn:" + scope.Partition() + ":config:" + scope.Region + ":" + scope.AccountID + ":config-aggregator/config-aggregator-" + NewUUID()[:8]
		}
		a.AccountIDs, a.AllRegions, a.Regions, a.LastUpdatedTime = slices.Clone(src.AccountIDs), src.AllRegions, slices.Clone(src.Regions), now
		if err := putJSON(ctx, tx, scope, configd.DocConfigurationAggregator, name, a.ARN, a, now); err != nil {
			return err
		}
		out = a
		if len(tags) > 0 {
			return s.addTags(ctx, tx, scope, a.ARN, tags)
		}
		return nil
	})
	return out, err
}

// DescribeConfigurationAggregators returns the named aggregators (all when
// names is empty), by name.
func (s *Service) DescribeConfigurationAggregators(ctx context.Context, scope configd.Scope, names []string) ([]*Aggregator, error) {
	var out []*Aggregator
	err := s.read(ctx, func(tx configd.Tx) error {
		out = nil
		ds, err := tx.ListDocuments(ctx, scope, configd.DocConfigurationAggregator, "", 0)
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, d := range ds {
			have[d.Name] = true
			if len(names) > 0 && !slices.Contains(names, d.Name) {
				continue
			}
			a, err := decodeJSON[Aggregator](d)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		for _, n := range names {
			if !have[n] {
				if len(names) > 1 {
					return configd.Errorf(ErrNoSuchConfigurationAggregator, "At least one of the configuration aggregators does not exist. Check the configuration aggregator names and try again.")
				}
				return aggregatorNotFound()
			}
		}
		return nil
	})
	return out, err
}

// DeleteConfigurationAggregator deletes the aggregator and its tags.
func (s *Service) DeleteConfigurationAggregator(ctx context.Context, scope configd.Scope, name string) error {
	return s.write(ctx, func(tx configd.Tx) error {
		d, err := tx.GetDocument(ctx, scope, configd.DocConfigurationAggregator, name)
		if err != nil {
			return err
		}
		if d == nil {
			return aggregatorNotFound()
		}
		if _, err := tx.DeleteDocument(ctx, scope, configd.DocConfigurationAggregator, name); err != nil {
			return err
		}
		return s.dropTags(ctx, tx, scope, d.ARN)
	})
}

// PutAggregationAuthorization lets the aggregator account and region read
// the scope's data; putting it again keeps it and adds tags.
func (s *Service) PutAggregationAuthorization(ctx context.Context, scope configd.Scope, account, region string, tags []configd.Tag) (*Authorization, error) {
	var out *Authorization
	err := s.write(ctx, func(tx configd.Tx) error {
		name := account + "/" + region
		d, err := tx.GetDocument(ctx, scope, configd.DocAggregationAuthorization, name)
		if err != nil {
			return err
		}
		if d != nil {
			if out, err = decodeJSON[Authorization](d); err != nil {
				return err
			}
		} else {
			now := s.clock.Now()
			out = &Authorization{
				ARN:               "arn:" + scope.Partition() + ":config:" + scope.Region + ":" + scope.AccountID + ":aggregation-authorization/" + name,
				AuthorizedAccount: account, AuthorizedRegion: region, CreationTime: now,
			}
			if err := putJSON(ctx, tx, scope, configd.DocAggregationAuthorization, name, out.ARN, out, now); err != nil {
				return err
			}
			// An authorization answers the pending request.
			if _, err := tx.DeleteDocument(ctx, scope, configd.DocPendingAggregationRequest, name); err != nil {
				return err
			}
		}
		if len(tags) > 0 {
			return s.addTags(ctx, tx, scope, out.ARN, tags)
		}
		return nil
	})
	return out, err
}

// DescribeAggregationAuthorizations lists the scope's authorizations.
func (s *Service) DescribeAggregationAuthorizations(ctx context.Context, scope configd.Scope) ([]*Authorization, error) {
	var out []*Authorization
	err := s.read(ctx, func(tx configd.Tx) error {
		out = nil
		ds, err := tx.ListDocuments(ctx, scope, configd.DocAggregationAuthorization, "", 0)
		if err != nil {
			return err
		}
		for _, d := range ds {
			a, err := decodeJSON[Authorization](d)
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// DeleteAggregationAuthorization revokes an authorization; revoking an
// absent one succeeds, as AWS does.
func (s *Service) DeleteAggregationAuthorization(ctx context.Context, scope configd.Scope, account, region string) error {
	return s.write(ctx, func(tx configd.Tx) error {
		name := account + "/" + region
		d, err := tx.GetDocument(ctx, scope, configd.DocAggregationAuthorization, name)
		if err != nil || d == nil {
			return err
		}
		if _, err := tx.DeleteDocument(ctx, scope, configd.DocAggregationAuthorization, name); err != nil {
			return err
		}
		return s.dropTags(ctx, tx, scope, d.ARN)
	})
}

// PendingRequest is an aggregator of another account that names this
// scope as a source without its authorization.
type PendingRequest struct {
	Account, Region string
}

// DescribePendingAggregationRequests lists the aggregators that name the
// scope's account (and region) as a source, that the scope has neither
// authorized nor dismissed with DeletePendingAggregationRequest.
func (s *Service) DescribePendingAggregationRequests(ctx context.Context, scope configd.Scope) ([]PendingRequest, error) {
	var out []PendingRequest
	err := s.read(ctx, func(tx configd.Tx) error {
		out = nil
		all, err := tx.ListDocumentsAllScopes(ctx, configd.DocConfigurationAggregator, 0)
		if err != nil {
			return err
		}
		seen := map[PendingRequest]bool{}
		for _, sd := range all {
			if sd.Scope.AccountID == scope.AccountID {
				continue
			}
			a, err := decodeJSON[Aggregator](sd.Document)
			if err != nil {
				return err
			}
			if !slices.Contains(a.AccountIDs, scope.AccountID) || !a.AllRegions && !slices.Contains(a.Regions, scope.Region) {
				continue
			}
			p := PendingRequest{sd.Scope.AccountID, sd.Scope.Region}
			name := p.Account + "/" + p.Region
			if seen[p] {
				continue
			}
			for _, kind := range []string{configd.DocAggregationAuthorization, configd.DocPendingAggregationRequest} {
				d, err := tx.GetDocument(ctx, scope, kind, name)
				if err != nil {
					return err
				}
				if d != nil {
					seen[p] = true
				}
			}
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
		sort.Slice(out, func(i, j int) bool {
			return out[i].Account+"/"+out[i].Region < out[j].Account+"/"+out[j].Region
		})
		return nil
	})
	return out, err
}

// DeletePendingAggregationRequest dismisses a pending request: configd
// keeps a marker document until the source authorizes the requester.
func (s *Service) DeletePendingAggregationRequest(ctx context.Context, scope configd.Scope, account, region string) error {
	return s.write(ctx, func(tx configd.Tx) error {
		name := account + "/" + region
		return putJSON(ctx, tx, scope, configd.DocPendingAggregationRequest, name, "", PendingRequest{account, region}, s.clock.Now())
	})
}

// aggregator loads the named aggregator of the scope.
func aggregator(ctx context.Context, tx configd.Tx, scope configd.Scope, name string) (*Aggregator, error) {
	d, err := tx.GetDocument(ctx, scope, configd.DocConfigurationAggregator, name)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, aggregatorNotFound()
	}
	return decodeJSON[Aggregator](d)
}

// sourceScopes lists the aggregator's source scopes and whether each is
// visible: the aggregator's own account always is; another account only
// if it authorized the aggregator's account and region in that region
// (https://docs.aws.amazon.com/config/latest/developerguide/authorize-aggregator-account-console.html).
// With AllRegions, the regions are those where configd holds data of the
// account.
func sourceScopes(ctx context.Context, tx configd.Tx, scope configd.Scope, a *Aggregator) ([]configd.Scope, map[configd.Scope]bool, error) {
	var scopes []configd.Scope
	if a.AllRegions {
		all, err := tx.Scopes(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, sc := range all {
			if slices.Contains(a.AccountIDs, sc.AccountID) {
				scopes = append(scopes, sc)
			}
		}
		for _, acct := range a.AccountIDs {
			if acct == scope.AccountID && !slices.Contains(scopes, configd.Scope{AccountID: acct, Region: scope.Region}) {
				scopes = append(scopes, configd.Scope{AccountID: acct, Region: scope.Region})
			}
		}
	} else {
		for _, acct := range a.AccountIDs {
			for _, r := range a.Regions {
				scopes = append(scopes, configd.Scope{AccountID: acct, Region: r})
			}
		}
	}
	sort.Slice(scopes, func(i, j int) bool {
		if scopes[i].AccountID != scopes[j].AccountID {
			return scopes[i].AccountID < scopes[j].AccountID
		}
		return scopes[i].Region < scopes[j].Region
	})
	scopes = slices.Compact(scopes)
	visible := map[configd.Scope]bool{}
	for _, sc := range scopes {
		if sc.AccountID == scope.AccountID {
			visible[sc] = true
			continue
		}
		d, err := tx.GetDocument(ctx, sc, configd.DocAggregationAuthorization, scope.AccountID+"/"+scope.Region)
		if err != nil {
			return nil, nil, err
		}
		visible[sc] = d != nil
	}
	return scopes, visible, nil
}

// VisibleScopes returns the source scopes whose data the aggregator reads.
func (s *Service) VisibleScopes(ctx context.Context, scope configd.Scope, name string) ([]configd.Scope, error) {
	var out []configd.Scope
	err := s.read(ctx, func(tx configd.Tx) error {
		out = nil
		a, err := aggregator(ctx, tx, scope, name)
		if err != nil {
			return err
		}
		scopes, visible, err := sourceScopes(ctx, tx, scope, a)
		for _, sc := range scopes {
			if visible[sc] {
				out = append(out, sc)
			}
		}
		return err
	})
	return out, err
}

// DescribeConfigurationAggregatorSourcesStatus reports each source
// account and region of the aggregator.
func (s *Service) DescribeConfigurationAggregatorSourcesStatus(ctx context.Context, scope configd.Scope, name string) ([]SourceStatus, error) {
	var out []SourceStatus
	err := s.read(ctx, func(tx configd.Tx) error {
		out = nil
		a, err := aggregator(ctx, tx, scope, name)
		if err != nil {
			return err
		}
		scopes, visible, err := sourceScopes(ctx, tx, scope, a)
		if err != nil {
			return err
		}
		for _, sc := range scopes {
			st := SourceStatus{Scope: sc, Status: "SUCCEEDED", UpdateTime: a.LastUpdatedTime}
			if !visible[sc] {
				st.Status, st.ErrorCode = "FAILED", "AuthorizationNotFound"
				st.ErrorMsg = fmt.Sprintf("Account %s has not authorized the aggregator account %s in region %s.", sc.AccountID, scope.AccountID, sc.Region)
			}
			out = append(out, st)
		}
		return nil
	})
	return out, err
}

// SelectAggregateResourceConfig runs an advanced query over the visible
// source scopes of the aggregator.
func (s *Service) SelectAggregateResourceConfig(ctx context.Context, scope configd.Scope, name, expr string) (*SelectResult, error) {
	if _, err := parseExpression(expr); err != nil {
		return nil, err
	}
	scopes, err := s.VisibleScopes(ctx, scope, name)
	if err != nil {
		return nil, err
	}
	return s.selectScopes(ctx, scopes, expr)
}

// AggregateResource is a resource of a source scope.
type AggregateResource struct {
	Scope configd.Scope
	configd.DiscoveredResource
}

// ListAggregateResources lists the non-deleted resources of a type in the
// visible source scopes, filtered by account, region, ID and name (empty
// filters match all), by account, region and ID.
func (s *Service) ListAggregateResources(ctx context.Context, scope configd.Scope, name, resourceType string, f AggregateFilter) ([]AggregateResource, error) {
	var out []AggregateResource
	err := s.eachSourceScope(ctx, scope, name, f, func() { out = nil }, func(tx configd.Tx, sc configd.Scope) error {
		rf := configd.ResourceFilter{ResourceType: resourceType, ResourceName: f.ResourceName}
		if f.ResourceID != "" {
			rf.ResourceIDs = []string{f.ResourceID}
		}
		rs, err := tx.ListResources(ctx, sc, rf, "", 0)
		for _, r := range rs {
			out = append(out, AggregateResource{sc, r})
		}
		return err
	})
	return out, err
}

// eachSourceScope calls fn, in one read transaction, for each source scope
// of the aggregator name that scope may see and f admits. reset is called
// first in the transaction, which may run again.
func (s *Service) eachSourceScope(ctx context.Context, scope configd.Scope, name string, f AggregateFilter, reset func(), fn func(configd.Tx, configd.Scope) error) error {
	scopes, err := s.VisibleScopes(ctx, scope, name)
	if err != nil {
		return err
	}
	return s.read(ctx, func(tx configd.Tx) error {
		reset()
		for _, sc := range scopes {
			if !f.inScope(sc) {
				continue
			}
			if err := fn(tx, sc); err != nil {
				return err
			}
		}
		return nil
	})
}

// AggregateFilter filters aggregate resource listings and counts.
type AggregateFilter struct {
	AccountID, Region, ResourceID, ResourceName, ResourceType string
}

// inScope reports whether the filter's account and region (empty: any)
// admit the source scope sc.
func (f AggregateFilter) inScope(sc configd.Scope) bool {
	return (f.AccountID == "" || sc.AccountID == f.AccountID) && (f.Region == "" || sc.Region == f.Region)
}

// AggregateCount is a resource count of one account, region and type.
type AggregateCount struct {
	Scope configd.Scope
	configd.ResourceCount
}

// CountAggregateResources counts the non-deleted resources of the visible
// source scopes by account, region and type.
func (s *Service) CountAggregateResources(ctx context.Context, scope configd.Scope, name string, f AggregateFilter) ([]AggregateCount, error) {
	var types []string
	if f.ResourceType != "" {
		types = []string{f.ResourceType}
	}
	var out []AggregateCount
	err := s.eachSourceScope(ctx, scope, name, f, func() { out = nil }, func(tx configd.Tx, sc configd.Scope) error {
		cs, err := tx.CountResources(ctx, sc, types)
		for _, c := range cs {
			out = append(out, AggregateCount{sc, c})
		}
		return err
	})
	return out, err
}

// GetAggregateItems returns the latest configuration item of each key in
// its source scope; keys of scopes the aggregator may not read, and
// resources not discovered, come back in unprocessed (by index).
func (s *Service) GetAggregateItems(ctx context.Context, scope configd.Scope, name string, keys []AggregateKey) (items []*configd.ConfigurationItem, unprocessed []int, err error) {
	scopes, err := s.VisibleScopes(ctx, scope, name)
	if err != nil {
		return nil, nil, err
	}
	err = s.read(ctx, func(tx configd.Tx) error {
		items, unprocessed = nil, nil
		for i, k := range keys {
			if !slices.Contains(scopes, k.Scope) {
				unprocessed = append(unprocessed, i)
				continue
			}
			it, err := tx.LatestItem(ctx, k.Scope, k.Key)
			if configd.ErrorCode(err) == configd.ErrResourceNotDiscovered ||
				err == nil && (it.Item.Status == configd.CIStatusResourceDeleted || it.Item.Status == configd.CIStatusResourceDeletedNotRecored) {
				unprocessed = append(unprocessed, i)
				continue
			}
			if err != nil {
				return err
			}
			ci := it.Item
			items = append(items, &ci)
		}
		return nil
	})
	return items, unprocessed, err
}

// AggregateKey names a resource of a source scope.
type AggregateKey struct {
	Scope configd.Scope
	Key   configd.ResourceKey
}
