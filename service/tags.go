package service

import (
	"context"
	"slices"
	"strings"

	"github.com/configd/configd"
)

// maxTags is AWS Config's limit of tags per resource.
// https://docs.aws.amazon.com/config/latest/APIReference/API_TagResource.html
const maxTags = 50

// taggable reports whether arn names an existing Config resource of the
// scope that takes tags. Resource kinds that later issues add (rules,
// aggregators, conformance packs, stored queries) register here.
func (s *Service) taggable(ctx context.Context, tx configd.Tx, scope configd.Scope, arn string) error {
	notFound := configd.Errorf(configd.ErrResourceNotFound, "ResourceArn '%s' does not exist", arn)
	prefix := "arn:" + scope.Partition() + ":config:" + scope.Region + ":" + scope.AccountID + ":"
	if !strings.HasPrefix(arn, prefix) {
		return notFound
	}
	switch res := arn[len(prefix):]; {
	case strings.HasPrefix(res, "configuration-recorder/"):
		recs, err := tx.ListRecorders(ctx, scope)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(recs, func(r *configd.Recorder) bool { return r.ARN == arn }) {
			return nil
		}
	case strings.HasPrefix(res, "config-rule/"):
		r, err := ruleByARN(ctx, tx, scope, arn)
		if err != nil {
			return err
		}
		if r != nil {
			return nil
		}
	case strings.HasPrefix(res, "stored-query/"), strings.HasPrefix(res, "config-aggregator/"), strings.HasPrefix(res, "aggregation-authorization/"):
		kind := map[byte]string{'s': configd.DocStoredQuery, 'c': configd.DocConfigurationAggregator, 'a': configd.DocAggregationAuthorization}[res[0]]
		if ok, err := documentByARN(ctx, tx, scope, kind, arn); err != nil || ok {
			return err
		}
	}
	return notFound
}

// TagResource adds tags to a Config resource.
func (s *Service) TagResource(ctx context.Context, scope configd.Scope, arn string, tags []configd.Tag) error {
	return s.write(ctx, func(tx configd.Tx) error {
		if err := s.taggable(ctx, tx, scope, arn); err != nil {
			return err
		}
		return s.addTags(ctx, tx, scope, arn, tags)
	})
}

// addTags adds tags to arn, refusing more than maxTags in all.
func (s *Service) addTags(ctx context.Context, tx configd.Tx, scope configd.Scope, arn string, tags []configd.Tag) error {
	have, err := tx.ListTags(ctx, scope, arn)
	if err != nil {
		return err
	}
	keys := map[string]bool{}
	for _, t := range have {
		keys[t.Key] = true
	}
	for _, t := range tags {
		keys[t.Key] = true
	}
	if len(keys) > maxTags {
		return configd.Errorf(configd.ErrTooManyTags, "You have reached the limit of the number of tags you can use. You have %d tags; the limit is %d.", len(keys), maxTags)
	}
	return tx.PutTags(ctx, scope, arn, tags)
}

// UntagResource removes tag keys from a Config resource.
func (s *Service) UntagResource(ctx context.Context, scope configd.Scope, arn string, keys []string) error {
	return s.write(ctx, func(tx configd.Tx) error {
		if err := s.taggable(ctx, tx, scope, arn); err != nil {
			return err
		}
		return tx.DeleteTags(ctx, scope, arn, keys)
	})
}

// ListTags lists the tags of a Config resource.
func (s *Service) ListTags(ctx context.Context, scope configd.Scope, arn string) ([]configd.Tag, error) {
	var out []configd.Tag
	err := s.read(ctx, func(tx configd.Tx) error {
		if err := s.taggable(ctx, tx, scope, arn); err != nil {
			return err
		}
		var err error
		out, err = tx.ListTags(ctx, scope, arn)
		return err
	})
	return out, err
}
