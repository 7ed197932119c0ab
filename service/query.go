package service

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/configd/configd"
	"github.com/configd/configd/query"
)

// Error codes of the advanced query and aggregator operations that the root
// package does not name (yet); values are AWS's exception names
// (https://docs.aws.amazon.com/config/latest/APIReference/API_SelectResourceConfig.html,
// https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationAggregator.html).
const (
	ErrInvalidExpression                 = "InvalidExpressionException"
	ErrNoSuchConfigurationAggregator     = "NoSuchConfigurationAggregatorException"
	ErrOrganizationAccessDenied          = "OrganizationAccessDeniedException"
	ErrNoAvailableOrganization           = "NoAvailableOrganizationException"
	ErrOrganizationAllFeaturesNotEnabled = "OrganizationAllFeaturesNotEnabledException"
)

// maxStoredQueries is AWS Config's limit of stored queries per account and
// region; PutStoredQuery refuses the 301st with a ValidationException
// (https://docs.aws.amazon.com/config/latest/APIReference/API_PutStoredQuery.html).
const maxStoredQueries = 300

// queryNamePattern is StoredQuery.QueryName's documented pattern.
var queryNamePattern = regexp.MustCompile(`^[a-zA-Z0-9-_]+$`)

// StoredQuery is an advanced query saved under a name
// (https://docs.aws.amazon.com/config/latest/APIReference/API_StoredQuery.html).
type StoredQuery struct {
	ID          string `json:"id"`
	ARN         string `json:"arn"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Expression  string `json:"expression"`
}

// storedQueryNotFound is GetStoredQuery's and DeleteStoredQuery's error for
// an absent name.
func storedQueryNotFound(name string) error {
	return configd.Errorf(configd.ErrResourceNotFound, "The stored query with name '%s' does not exist.", name)
}

func decodeStoredQuery(d *configd.Document) (*StoredQuery, error) {
	q := new(StoredQuery)
	if err := json.Unmarshal([]byte(d.Body), q); err != nil {
		return nil, fmt.Errorf("decode stored query %q: %w", d.Name, err)
	}
	return q, nil
}

// PutStoredQuery creates the query or, for an existing name, replaces its
// description and expression, keeping its ID and ARN; tags are added to the
// query's. The expression must parse (ValidationException otherwise, as the
// API reference lists for input that fails validation). It returns the ARN.
func (s *Service) PutStoredQuery(ctx context.Context, scope configd.Scope, q StoredQuery, tags []configd.Tag) (string, error) {
	if !queryNamePattern.MatchString(q.Name) || len(q.Name) > 64 {
		return "", configd.Errorf(configd.ErrValidation, "1 validation error detected: Value '%s' at 'storedQuery.queryName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9-_]+$", q.Name)
	}
	if q.Expression == "" {
		return "", configd.Errorf(configd.ErrValidation, "1 validation error detected: Value null at 'storedQuery.expression' failed to satisfy constraint: Member must not be null")
	}
	if err := checkExpression(q.Expression); err != nil {
		return "", configd.Errorf(configd.ErrValidation, "%s", configd.ErrorMessage(err))
	}
	var arn string
	err := s.write(ctx, func(tx configd.Tx) error {
		if err := tx.Lock(ctx, scope, "stored-query"); err != nil {
			return err
		}
		old, err := tx.GetDocument(ctx, scope, configd.DocStoredQuery, q.Name)
		if err != nil {
			return err
		}
		if old != nil {
			prev, err := decodeStoredQuery(old)
			if err != nil {
				return err
			}
			q.ID, q.ARN = prev.ID, prev.ARN
		} else {
			all, err := tx.ListDocuments(ctx, scope, configd.DocStoredQuery, "", maxStoredQueries+1)
			if err != nil {
				return err
			}
			if len(all) >= maxStoredQueries {
				return configd.Errorf(configd.ErrValidation, "You have reached the limit of the number of stored queries you can create. The limit is %d.", maxStoredQueries)
			}
			q.ID = NewUUID()
			q.ARN = "arn:" + scope.Partition() + ":config:" + scope.Region + ":" + scope.AccountID + ":stored-query/" + q.Name + "/query-" + q.ID
		}
		body, err := json.Marshal(q)
		if err != nil {
			return err
		}
		if err := tx.PutDocument(ctx, scope, &configd.Document{Kind: configd.DocStoredQuery, Name: q.Name, ARN: q.ARN, Body: string(body), UpdatedAt: s.clock.Now()}); err != nil {
			return err
		}
		arn = q.ARN
		if len(tags) > 0 {
			return s.addTags(ctx, tx, scope, q.ARN, tags)
		}
		return nil
	})
	return arn, err
}

// GetStoredQuery returns the query named name, or ResourceNotFoundException.
func (s *Service) GetStoredQuery(ctx context.Context, scope configd.Scope, name string) (*StoredQuery, error) {
	var out *StoredQuery
	err := s.read(ctx, func(tx configd.Tx) error {
		d, err := tx.GetDocument(ctx, scope, configd.DocStoredQuery, name)
		if err != nil {
			return err
		}
		if d == nil {
			return storedQueryNotFound(name)
		}
		out, err = decodeStoredQuery(d)
		return err
	})
	return out, err
}

// ListStoredQueries lists queries by name after after, at most limit.
func (s *Service) ListStoredQueries(ctx context.Context, scope configd.Scope, after string, limit int) ([]*StoredQuery, error) {
	var out []*StoredQuery
	err := s.read(ctx, func(tx configd.Tx) error {
		ds, err := tx.ListDocuments(ctx, scope, configd.DocStoredQuery, after, limit)
		if err != nil {
			return err
		}
		for _, d := range ds {
			q, err := decodeStoredQuery(d)
			if err != nil {
				return err
			}
			out = append(out, q)
		}
		return nil
	})
	return out, err
}

// DeleteStoredQuery deletes the query and its tags, or returns
// ResourceNotFoundException.
func (s *Service) DeleteStoredQuery(ctx context.Context, scope configd.Scope, name string) error {
	return s.write(ctx, func(tx configd.Tx) error {
		d, err := tx.GetDocument(ctx, scope, configd.DocStoredQuery, name)
		if err != nil {
			return err
		}
		if d == nil {
			return storedQueryNotFound(name)
		}
		if _, err := tx.DeleteDocument(ctx, scope, configd.DocStoredQuery, name); err != nil {
			return err
		}
		return s.dropTags(ctx, tx, scope, d.ARN)
	})
}

// dropTags deletes every tag of arn.
func (s *Service) dropTags(ctx context.Context, tx configd.Tx, scope configd.Scope, arn string) error {
	tags, err := tx.ListTags(ctx, scope, arn)
	if err != nil || len(tags) == 0 {
		return err
	}
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		keys = append(keys, t.Key)
	}
	return tx.DeleteTags(ctx, scope, arn, keys)
}

// documentByARN reports whether a document of kind in scope has the ARN.
func documentByARN(ctx context.Context, tx configd.Tx, scope configd.Scope, kind, arn string) (bool, error) {
	ds, err := tx.ListDocuments(ctx, scope, kind, "", 0)
	if err != nil {
		return false, err
	}
	for _, d := range ds {
		if d.ARN == arn {
			return true, nil
		}
	}
	return false, nil
}

// checkExpression parses an advanced query expression, returning
// InvalidExpressionException for one that does not parse.
func checkExpression(expr string) error {
	_, err := parseExpression(expr)
	return err
}

func parseExpression(expr string) (*query.Query, error) {
	q, err := query.Parse(expr)
	if err != nil {
		return nil, configd.Errorf(ErrInvalidExpression, "Invalid query expression: %s", err.Error())
	}
	return q, nil
}

// scopeItems returns the latest configuration item of every non-deleted
// resource of the scope, ordered by type and ID.
func scopeItems(ctx context.Context, tx configd.Tx, scope configd.Scope) ([]query.Item, error) {
	counts, err := tx.CountResources(ctx, scope, nil)
	if err != nil {
		return nil, err
	}
	var out []query.Item
	for _, c := range counts {
		rs, err := tx.ListResources(ctx, scope, configd.ResourceFilter{ResourceType: c.ResourceType}, "", 0)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			it, err := tx.LatestItem(ctx, scope, configd.ResourceKey{ResourceType: r.ResourceType, ResourceID: r.ResourceID})
			if configd.ErrorCode(err) == configd.ErrResourceNotDiscovered {
				continue
			}
			if err != nil {
				return nil, err
			}
			if it.Item.Status == configd.CIStatusResourceDeleted || it.Item.Status == configd.CIStatusResourceDeletedNotRecored {
				continue
			}
			out = append(out, query.ItemOf(&it.Item))
		}
	}
	return out, nil
}

// SelectResult is the answer of an advanced query: the names of the
// selected fields and every result row as a JSON object.
type SelectResult struct {
	Fields  []string
	Results []string
}

// SelectResourceConfig runs an advanced query over the latest
// configuration items of the scope's non-deleted resources
// (https://docs.aws.amazon.com/config/latest/APIReference/API_SelectResourceConfig.html).
// An expression that does not parse is InvalidExpressionException.
func (s *Service) SelectResourceConfig(ctx context.Context, scope configd.Scope, expr string) (*SelectResult, error) {
	return s.selectScopes(ctx, []configd.Scope{scope}, expr)
}

// selectScopes runs an advanced query over the items of several scopes.
func (s *Service) selectScopes(ctx context.Context, scopes []configd.Scope, expr string) (*SelectResult, error) {
	q, err := parseExpression(expr)
	if err != nil {
		return nil, err
	}
	var items []query.Item
	err = s.read(ctx, func(tx configd.Tx) error {
		items = nil
		for _, sc := range scopes {
			its, err := scopeItems(ctx, tx, sc)
			if err != nil {
				return err
			}
			items = append(items, its...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res, err := q.Run(items)
	if err != nil {
		return nil, err
	}
	out := &SelectResult{Results: res}
	for _, f := range q.Fields {
		out.Fields = append(out.Fields, f.Name())
	}
	return out, nil
}
