package service

import (
	"context"
	"fmt"
	"time"

	"github.com/configd/configd"
)

// FailedRemediationExceptions is one FailedBatches entry of
// PutRemediationExceptions or DeleteRemediationExceptions.
type FailedRemediationExceptions struct {
	Message string
	Keys    []configd.ResourceKey
	// Items are the exceptions refused (PutRemediationExceptions only).
	Items []*configd.RemediationException
}

// failedBatches groups refused keys by message, in the order of first refusal.
type failedBatches struct {
	order []string
	by    map[string]*FailedRemediationExceptions
}

func (f *failedBatches) add(msg string, k configd.ResourceKey, e *configd.RemediationException) {
	if f.by == nil {
		f.by = map[string]*FailedRemediationExceptions{}
	}
	b := f.by[msg]
	if b == nil {
		b = &FailedRemediationExceptions{Message: msg}
		f.by[msg] = b
		f.order = append(f.order, msg)
	}
	b.Keys = append(b.Keys, k)
	if e != nil {
		b.Items = append(b.Items, e)
	}
}

func (f *failedBatches) list() []FailedRemediationExceptions {
	out := []FailedRemediationExceptions{}
	for _, m := range f.order {
		out = append(out, *f.by[m])
	}
	return out
}

// PutRemediationExceptions creates or replaces an exception for each key.
// As AWS documents, exceptions are placed on NON_COMPLIANT resources only: a
// key the rule evaluated COMPLIANT or NOT_APPLICABLE is returned in a failed
// batch (a key not evaluated yet is accepted, so that automatic remediation
// can be blocked ahead of the first evaluation). An expiration time not after
// now is refused with InvalidParameterValueException.
// https://docs.aws.amazon.com/config/latest/APIReference/API_PutRemediationExceptions.html
func (s *Service) PutRemediationExceptions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey, message string, expires time.Time) ([]FailedRemediationExceptions, error) {
	now := s.clock.Now()
	if !expires.IsZero() && !expires.After(now) {
		return nil, configd.Errorf(configd.ErrInvalidParameterValue, "The ExpirationTime %s is not in the future.", expires.UTC().Format(time.RFC3339))
	}
	var failed failedBatches
	err := s.write(ctx, func(tx configd.Tx) error {
		failed = failedBatches{}
		_, ruleErr := tx.GetRule(ctx, scope, rule)
		if ruleErr != nil && !configd.IsCode(ruleErr, configd.ErrNoSuchConfigRule) {
			return ruleErr
		}
		seen := map[configd.ResourceKey]bool{}
		for _, k := range keys {
			if seen[k] {
				continue
			}
			seen[k] = true
			e := &configd.RemediationException{RuleName: rule, ResourceType: k.ResourceType, ResourceID: k.ResourceID, Message: message, ExpirationTime: expires}
			switch {
			case ruleErr != nil:
				failed.add(noSuchRuleMessage(rule), k, e)
				continue
			case k.ResourceType == "" || k.ResourceID == "":
				failed.add("Each resource key needs a ResourceType and a ResourceId.", k, e)
				continue
			}
			r, err := tx.GetEvaluationResult(ctx, scope, rule, k)
			if err != nil {
				return err
			}
			if r != nil && (r.ComplianceType == configd.Compliant || r.ComplianceType == configd.NotApplicable) {
				failed.add(fmt.Sprintf("Remediation exceptions can only be placed on NON_COMPLIANT resources; the rule evaluated this resource %s.", r.ComplianceType), k, e)
				continue
			}
			if err := tx.PutRemediationException(ctx, scope, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return failed.list(), nil
}

// DescribeRemediationExceptions lists the rule's unexpired exceptions (of
// keys when given) in (resource type, resource id) order after the key
// after, at most limit (0: all).
// https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeRemediationExceptions.html
func (s *Service) DescribeRemediationExceptions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey, after *configd.ResourceKey, limit int) ([]*configd.RemediationException, error) {
	now := s.clock.Now()
	var out []*configd.RemediationException
	err := s.read(ctx, func(tx configd.Tx) error {
		out = nil
		cursor := after
		for {
			// Expired exceptions not yet deleted are skipped, so a page may
			// need more than one read.
			page, err := tx.ListRemediationExceptions(ctx, scope, rule, keys, cursor, limit)
			if err != nil {
				return err
			}
			for _, e := range page {
				if ExceptionActive(e, now) {
					out = append(out, e)
				}
			}
			if limit == 0 || len(page) < limit || len(out) >= limit {
				if limit > 0 && len(out) > limit {
					out = out[:limit]
				}
				return nil
			}
			last := page[len(page)-1]
			cursor = &configd.ResourceKey{ResourceType: last.ResourceType, ResourceID: last.ResourceID}
		}
	})
	return out, err
}

// DeleteRemediationExceptions deletes the exception of each key; keys
// without one are returned in a failed batch.
// https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteRemediationExceptions.html
func (s *Service) DeleteRemediationExceptions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey) ([]FailedRemediationExceptions, error) {
	var failed failedBatches
	err := s.write(ctx, func(tx configd.Tx) error {
		failed = failedBatches{}
		seen := map[configd.ResourceKey]bool{}
		for _, k := range keys {
			if seen[k] {
				continue
			}
			seen[k] = true
			err := tx.DeleteRemediationException(ctx, scope, rule, k)
			if configd.IsCode(err, configd.ErrNoSuchRemediationException) {
				failed.add(msgNoSuchRemediationException, k, nil)
				continue
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return failed.list(), nil
}

// ExpireRemediationExceptions deletes the exceptions of every scope that
// expired, and returns how many (the exception expiry duty).
func (s *Service) ExpireRemediationExceptions(ctx context.Context) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx configd.Tx) error {
		var err error
		n, err = tx.DeleteExpiredRemediationExceptions(ctx, s.clock.Now())
		return err
	})
	return n, err
}
