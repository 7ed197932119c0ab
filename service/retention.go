package service

import (
	"context"
	"time"

	"github.com/configd/configd"
)

// RetentionName is the only retention configuration name AWS uses.
const RetentionName = "default"

// PutRetention sets the retention period (30 to 2557 days, checked by the
// model's validation) of the scope's "default" retention configuration.
func (s *Service) PutRetention(ctx context.Context, scope configd.Scope, days int) (*configd.RetentionConfiguration, error) {
	r := &configd.RetentionConfiguration{Name: RetentionName, RetentionPeriodInDays: days}
	return r, s.write(ctx, func(tx configd.Tx) error { return tx.PutRetention(ctx, scope, r) })
}

// DescribeRetentions returns the named retention configurations, or all.
func (s *Service) DescribeRetentions(ctx context.Context, scope configd.Scope, names []string) ([]*configd.RetentionConfiguration, error) {
	var out []*configd.RetentionConfiguration
	err := s.read(ctx, func(tx configd.Tx) error {
		if len(names) == 0 {
			all, err := tx.ListRetentions(ctx, scope)
			out = all
			return err
		}
		for _, n := range names {
			r, err := tx.GetRetention(ctx, scope, n)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// DeleteRetention deletes a retention configuration.
func (s *Service) DeleteRetention(ctx context.Context, scope configd.Scope, name string) error {
	return s.write(ctx, func(tx configd.Tx) error { return tx.DeleteRetention(ctx, scope, name) })
}

// PruneExpired deletes, in every scope with a retention configuration, the
// history older than its period (the latest item of each resource is always
// kept, as AWS keeps the current state). It returns the number deleted.
func (s *Service) PruneExpired(ctx context.Context) (int64, error) {
	var scopes []configd.Scope
	if err := s.read(ctx, func(tx configd.Tx) error {
		var err error
		scopes, err = tx.Scopes(ctx)
		return err
	}); err != nil {
		return 0, err
	}
	var total int64
	for _, sc := range scopes {
		err := s.write(ctx, func(tx configd.Tx) error {
			rs, err := tx.ListRetentions(ctx, sc)
			if err != nil || len(rs) == 0 {
				return err
			}
			cutoff := s.clock.Now().Add(-time.Duration(rs[0].RetentionPeriodInDays) * 24 * time.Hour)
			n, err := tx.PruneHistory(ctx, sc, cutoff)
			total += n
			return err
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
