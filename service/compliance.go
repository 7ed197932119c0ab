package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/configd/configd"
)

// Caps of compliance counts: "up to a maximum of 25 for rules and 100 for
// resources" (https://docs.aws.amazon.com/config/latest/APIReference/API_ComplianceSummary.html).
// configd applies the same caps to ComplianceContributorCount: resources
// contributing to a rule's compliance, rules to a resource's.
const (
	RuleCountCap     = 25
	ResourceCountCap = 100
)

// Messages of the evaluation operations.
const (
	// moto/config/models.py (put_evaluations), a copy of AWS's text.
	msgNilEvaluations = "The Evaluations object in your request cannot be null.Add the required parameters and try again."
	// configd's wording: "Config does not accept INSUFFICIENT_DATA as the
	// value for ComplianceType from a PutEvaluations request"
	// (https://docs.aws.amazon.com/config/latest/APIReference/API_Evaluation.html).
	msgInsufficientData = "INSUFFICIENT_DATA is not a valid ComplianceType of an evaluation: AWS Config does not accept it from PutEvaluations or PutExternalEvaluation."
	// configd's wording of API_GetComplianceDetailsByConfigRule.html:
	// "INSUFFICIENT_DATA cannot be used as a ComplianceType for filtering results."
	msgInsufficientDataFilter = "INSUFFICIENT_DATA cannot be used as a ComplianceType for filtering results."
	// moto/config/exceptions.py (InvalidResultTokenException).
	msgInvalidResultToken = "The resultToken provided is invalid"
	// configd's wording.
	msgResourceIDWithoutType = "A ResourceType must be provided with a ResourceId."
	msgResourceRequired      = "ResourceType and ResourceId must be provided, or a ResourceEvaluationId."
)

// ErrInvalidResultToken is the error of a PutEvaluations result token that
// configd did not issue, for the edge that opens tokens.
func ErrInvalidResultToken() error {
	return configd.Errorf(configd.ErrInvalidResultToken, msgInvalidResultToken)
}

// StoreEvaluation stores e as the result of its rule for its resource,
// replacing the previous one, and tells the compliance listeners (previous
// and new result) inside tx, so that what they do commits or rolls back with
// the result. It is the single write path of evaluation results:
// PutEvaluations, PutExternalEvaluation and the evaluator use it.
func (s *Service) StoreEvaluation(ctx context.Context, tx configd.Tx, scope configd.Scope, e *configd.EvaluationResult) error {
	prev, err := tx.GetEvaluationResult(ctx, scope, e.RuleName, configd.ResourceKey{ResourceType: e.ResourceType, ResourceID: e.ResourceID})
	if err != nil {
		return err
	}
	return s.storeEvaluation(ctx, tx, scope, prev, e)
}

func (s *Service) storeEvaluation(ctx context.Context, tx configd.Tx, scope configd.Scope, prev, e *configd.EvaluationResult) error {
	if err := tx.PutEvaluationResult(ctx, scope, e); err != nil {
		return err
	}
	for _, l := range s.listeners {
		if err := l.ComplianceChanged(ctx, tx, scope, prev, e); err != nil {
			return fmt.Errorf("compliance listener: %w", err)
		}
	}
	return nil
}

// checkEvaluations refuses a missing list and INSUFFICIENT_DATA results.
func checkEvaluations(evals []configd.EvaluationResult) error {
	if evals == nil {
		return invalid(msgNilEvaluations)
	}
	for _, e := range evals {
		if e.ComplianceType == configd.InsufficientData {
			return invalid(msgInsufficientData)
		}
	}
	return nil
}

// PutEvaluations stores the evaluations a rule invocation reports, as AWS's
// PutEvaluations does, and returns the indexes of those it did not store
// (FailedEvaluations). claims is what the result token stands for; it is
// unused in test mode, where nothing is stored ("PutEvaluations doesn't
// require a valid value for the ResultToken parameter" then,
// https://docs.aws.amazon.com/config/latest/APIReference/API_PutEvaluations.html).
// Each evaluation needs ResourceType, ResourceID, ComplianceType, Annotation
// and OrderingTimestamp; the rest comes from the claims and the clock. An
// evaluation ordered before the stored result of its resource (an older
// event answered late) is not stored and is reported as failed.
func (s *Service) PutEvaluations(ctx context.Context, scope configd.Scope, claims *configd.ResultTokenClaims, evals []configd.EvaluationResult, testMode bool) ([]int, error) {
	if err := checkEvaluations(evals); err != nil {
		return nil, err
	}
	if testMode {
		return nil, nil
	}
	if claims == nil || claims.RuleName == "" || claims.EvaluationMode == configd.EvaluationModeProactive {
		// Proactive evaluations are never answered through PutEvaluations:
		// rules whose evaluator calls it (CUSTOM_LAMBDA) are detective only.
		return nil, ErrInvalidResultToken()
	}
	var failed []int
	err := s.write(ctx, func(tx configd.Tx) error {
		failed = failed[:0]
		if _, err := getRule(ctx, tx, scope, claims.RuleName); err != nil {
			return err
		}
		now := s.clock.Now()
		stored := 0
		for i := range evals {
			e := evals[i]
			e.RuleName = claims.RuleName
			e.EvaluationMode = configd.EvaluationModeDetective
			e.ResultRecordedTime = now
			e.ConfigRuleInvokedTime = claims.InvokedAt
			e.ResultToken = ""
			prev, err := tx.GetEvaluationResult(ctx, scope, e.RuleName, configd.ResourceKey{ResourceType: e.ResourceType, ResourceID: e.ResourceID})
			if err != nil {
				return err
			}
			if prev != nil && e.OrderingTimestamp.Before(prev.OrderingTimestamp) {
				failed = append(failed, i)
				continue
			}
			if err := s.storeEvaluation(ctx, tx, scope, prev, &e); err != nil {
				return err
			}
			stored++
		}
		if stored == 0 {
			return nil
		}
		if err := tx.Lock(ctx, scope, RuleJobKey(claims.RuleName)); err != nil {
			return err
		}
		st, err := tx.GetRuleStatus(ctx, scope, claims.RuleName)
		if err != nil {
			return err
		}
		st.LastSuccessfulEvaluationTime = now
		st.FirstEvaluationStarted = true
		return tx.PutRuleStatus(ctx, scope, claims.RuleName, st)
	})
	return failed, err
}

// PutExternalEvaluation stores the result of a process check
// (Owner AWS, SourceIdentifier AWS_CONFIG_PROCESS_CHECK) for a resource; any
// other rule is NoSuchConfigRuleException ("Verify that the rule is an AWS
// Config Process Check rule",
// https://docs.aws.amazon.com/config/latest/APIReference/API_PutExternalEvaluation.html).
func (s *Service) PutExternalEvaluation(ctx context.Context, scope configd.Scope, rule string, e configd.EvaluationResult) error {
	if e.ComplianceType == configd.InsufficientData {
		return invalid(msgInsufficientData)
	}
	return s.write(ctx, func(tx configd.Tx) error {
		r, err := getRule(ctx, tx, scope, rule)
		if err != nil {
			return err
		}
		if r.Source.Owner != configd.OwnerAWS || r.Source.SourceIdentifier != ProcessCheckIdentifier {
			return ruleNotFound(rule)
		}
		now := s.clock.Now()
		e.RuleName = r.Name
		e.EvaluationMode = configd.EvaluationModeDetective
		e.ResultRecordedTime = now
		e.ConfigRuleInvokedTime = now
		e.ResultToken = ""
		return s.StoreEvaluation(ctx, tx, scope, &e)
	})
}

// DeleteEvaluationResults deletes every evaluation result of a rule; the
// rule stays and can be evaluated again. A conformance pack's rule is
// refused (serviceOwned).
func (s *Service) DeleteEvaluationResults(ctx context.Context, scope configd.Scope, rule string) error {
	return s.write(ctx, func(tx configd.Tx) error {
		r, err := getRule(ctx, tx, scope, rule)
		if err != nil {
			return err
		}
		if err := serviceOwned(r); err != nil {
			return err
		}
		if err := ruleInUse(r); err != nil {
			return err
		}
		return tx.DeleteEvaluationResults(ctx, scope, rule)
	})
}

// CappedCount is a count up to a cap, as AWS's ComplianceContributorCount.
type CappedCount struct {
	Count       int
	CapExceeded bool
}

func capped(n, limit int) CappedCount {
	if n > limit {
		return CappedCount{Count: limit, CapExceeded: true}
	}
	return CappedCount{Count: n}
}

// Compliance is the compliance of a rule or a resource as AWS reports it
// (https://docs.aws.amazon.com/config/latest/APIReference/API_Compliance.html):
// NON_COMPLIANT when any evaluation is, with the number of contributors
// (resources of a rule, rules of a resource); else COMPLIANT when any
// evaluation is; else INSUFFICIENT_DATA ("AWS Config does not support the
// NOT_APPLICABLE value for the Compliance data type").
type Compliance struct {
	Type string
	// Contributors is set for NON_COMPLIANT only.
	Contributors *CappedCount
}

func complianceOf(compliant, nonCompliant, limit int) Compliance {
	switch {
	case nonCompliant > 0:
		c := capped(nonCompliant, limit)
		return Compliance{Type: configd.NonCompliant, Contributors: &c}
	case compliant > 0:
		return Compliance{Type: configd.Compliant}
	}
	return Compliance{Type: configd.InsufficientData}
}

// RuleCompliance is the compliance of one rule.
type RuleCompliance struct {
	RuleName   string
	Compliance Compliance
}

// ResourceCompliance is the compliance of one resource.
type ResourceCompliance struct {
	Key        configd.ResourceKey
	Compliance Compliance
}

// ComplianceByConfigRule returns the compliance of the named rules, each of
// which must exist (all rules of the scope when names is empty, ordered by
// name after the name after), keeping those whose compliance type is in
// types (all when empty), at most limit (0: all).
func (s *Service) ComplianceByConfigRule(ctx context.Context, scope configd.Scope, names, types []string, after string, limit int) ([]RuleCompliance, error) {
	var out []RuleCompliance
	err := s.read(ctx, func(tx configd.Tx) error {
		f := configd.EvaluationFilter{RuleNames: names}
		if len(names) > 0 {
			for _, n := range names {
				if _, err := getRule(ctx, tx, scope, n); err != nil {
					return err
				}
			}
		} else {
			all, err := tx.ListRules(ctx, scope, after, 0)
			if err != nil {
				return err
			}
			for _, r := range all {
				names = append(names, r.Name)
			}
		}
		counts, err := tx.CountCompliance(ctx, scope, f, true)
		if err != nil {
			return err
		}
		byRule := map[string]map[string]int{}
		for _, c := range counts {
			byRule[c.Group] = c.Counts
		}
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				continue
			}
			seen[n] = true
			c := complianceOf(byRule[n][configd.Compliant], byRule[n][configd.NonCompliant], ResourceCountCap)
			if len(types) > 0 && !slices.Contains(types, c.Type) {
				continue
			}
			out = append(out, RuleCompliance{RuleName: n, Compliance: c})
			if limit > 0 && len(out) == limit {
				return nil
			}
		}
		return nil
	})
	return out, err
}

// resourceTally counts, for one resource, the rules that find it compliant
// and those that find it non-compliant.
type resourceTally struct{ compliant, nonCompliant int }

// tallyResources reads every evaluation result matching f, in batches, and
// tallies them by resource.
func tallyResources(ctx context.Context, tx configd.Tx, scope configd.Scope, f configd.EvaluationFilter) (map[configd.ResourceKey]*resourceTally, error) {
	const batch = 1000
	out := map[configd.ResourceKey]*resourceTally{}
	var after *configd.EvaluationCursor
	for {
		page, err := tx.ListEvaluationResults(ctx, scope, f, after, batch)
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			k := configd.ResourceKey{ResourceType: e.ResourceType, ResourceID: e.ResourceID}
			t := out[k]
			if t == nil {
				t = &resourceTally{}
				out[k] = t
			}
			switch e.ComplianceType {
			case configd.Compliant:
				t.compliant++
			case configd.NonCompliant:
				t.nonCompliant++
			}
		}
		if len(page) < batch {
			return out, nil
		}
		last := page[len(page)-1]
		after = &configd.EvaluationCursor{RuleName: last.RuleName, ResourceType: last.ResourceType, ResourceID: last.ResourceID}
	}
}

func compareKeys(a, b configd.ResourceKey) int {
	return cmp.Or(cmp.Compare(a.ResourceType, b.ResourceType), cmp.Compare(a.ResourceID, b.ResourceID))
}

// ComplianceByResource returns the compliance of resources, ordered by
// (type, id) after the key after (nil: from the start), keeping those whose
// compliance type is in types (all when empty), at most limit (0: all).
// resourceType and resourceID narrow the resources ("" for all). Only
// resources with a COMPLIANT or NON_COMPLIANT result are listed; a resource
// named by type and id without one is INSUFFICIENT_DATA, as AWS reports it
// (https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeComplianceByResource.html).
func (s *Service) ComplianceByResource(ctx context.Context, scope configd.Scope, resourceType, resourceID string, types []string, after *configd.ResourceKey, limit int) ([]ResourceCompliance, error) {
	if resourceID != "" && resourceType == "" {
		return nil, invalid(msgResourceIDWithoutType)
	}
	var out []ResourceCompliance
	err := s.read(ctx, func(tx configd.Tx) error {
		tally, err := tallyResources(ctx, tx, scope, configd.EvaluationFilter{ResourceType: resourceType, ResourceID: resourceID})
		if err != nil {
			return err
		}
		var keys []configd.ResourceKey
		for k, t := range tally {
			if t.compliant+t.nonCompliant > 0 {
				keys = append(keys, k)
			}
		}
		if resourceID != "" && len(keys) == 0 {
			keys = append(keys, configd.ResourceKey{ResourceType: resourceType, ResourceID: resourceID})
		}
		slices.SortFunc(keys, compareKeys)
		for _, k := range keys {
			if after != nil && compareKeys(k, *after) <= 0 {
				continue
			}
			t := tally[k]
			if t == nil {
				t = &resourceTally{}
			}
			c := complianceOf(t.compliant, t.nonCompliant, RuleCountCap)
			if len(types) > 0 && !slices.Contains(types, c.Type) {
				continue
			}
			out = append(out, ResourceCompliance{Key: k, Compliance: c})
			if limit > 0 && len(out) == limit {
				return nil
			}
		}
		return nil
	})
	return out, err
}

func checkFilterTypes(types []string) error {
	if slices.Contains(types, configd.InsufficientData) {
		return invalid(msgInsufficientDataFilter)
	}
	return nil
}

// ComplianceDetailsByConfigRule returns a rule's evaluation results ordered
// by (resource type, resource id) after the cursor (nil: from the start),
// of the compliance types given (all when empty), at most limit (0: all).
func (s *Service) ComplianceDetailsByConfigRule(ctx context.Context, scope configd.Scope, rule string, types []string, after *configd.EvaluationCursor, limit int) ([]*configd.EvaluationResult, error) {
	if err := checkFilterTypes(types); err != nil {
		return nil, err
	}
	var out []*configd.EvaluationResult
	err := s.read(ctx, func(tx configd.Tx) error {
		if _, err := getRule(ctx, tx, scope, rule); err != nil {
			return err
		}
		var err error
		out, err = tx.ListEvaluationResults(ctx, scope, configd.EvaluationFilter{RuleNames: []string{rule}, ComplianceTypes: types}, after, limit)
		return err
	})
	return out, err
}

// ComplianceDetailsByResource returns the evaluation results of one
// resource ordered by rule name after the cursor (nil: from the start), of
// the compliance types given (all when empty), at most limit (0: all).
func (s *Service) ComplianceDetailsByResource(ctx context.Context, scope configd.Scope, key configd.ResourceKey, types []string, after *configd.EvaluationCursor, limit int) ([]*configd.EvaluationResult, error) {
	if key.ResourceType == "" || key.ResourceID == "" {
		return nil, invalid(msgResourceRequired)
	}
	if err := checkFilterTypes(types); err != nil {
		return nil, err
	}
	var out []*configd.EvaluationResult
	err := s.read(ctx, func(tx configd.Tx) error {
		var err error
		out, err = tx.ListEvaluationResults(ctx, scope, configd.EvaluationFilter{ResourceType: key.ResourceType, ResourceID: key.ResourceID, ComplianceTypes: types}, after, limit)
		return err
	})
	return out, err
}

// ComplianceSummary counts compliant and non-compliant rules or resources.
type ComplianceSummary struct {
	Compliant    CappedCount
	NonCompliant CappedCount
	Time         time.Time
}

// ComplianceSummaryByConfigRule counts the scope's compliant and
// non-compliant rules, up to 25 each (rules without results count in
// neither).
func (s *Service) ComplianceSummaryByConfigRule(ctx context.Context, scope configd.Scope) (ComplianceSummary, error) {
	var out ComplianceSummary
	err := s.read(ctx, func(tx configd.Tx) error {
		counts, err := tx.CountCompliance(ctx, scope, configd.EvaluationFilter{}, true)
		if err != nil {
			return err
		}
		var compliant, nonCompliant int
		for _, c := range counts {
			switch complianceOf(c.Counts[configd.Compliant], c.Counts[configd.NonCompliant], 0).Type {
			case configd.Compliant:
				compliant++
			case configd.NonCompliant:
				nonCompliant++
			}
		}
		out = ComplianceSummary{Compliant: capped(compliant, RuleCountCap), NonCompliant: capped(nonCompliant, RuleCountCap), Time: s.clock.Now()}
		return nil
	})
	return out, err
}

// TypeSummary is the compliance summary of one resource type ("": all).
type TypeSummary struct {
	ResourceType string
	Summary      ComplianceSummary
}

// ComplianceSummaryByResourceType counts compliant and non-compliant
// resources, up to 100 each: one summary of every resource when types is
// empty, else one per type given.
func (s *Service) ComplianceSummaryByResourceType(ctx context.Context, scope configd.Scope, types []string) ([]TypeSummary, error) {
	var out []TypeSummary
	err := s.read(ctx, func(tx configd.Tx) error {
		now := s.clock.Now()
		groups := types
		if len(groups) == 0 {
			groups = []string{""}
		}
		for _, t := range groups {
			if slices.ContainsFunc(out, func(o TypeSummary) bool { return o.ResourceType == t }) {
				continue
			}
			tally, err := tallyResources(ctx, tx, scope, configd.EvaluationFilter{ResourceType: t})
			if err != nil {
				return err
			}
			var compliant, nonCompliant int
			for _, r := range tally {
				switch complianceOf(r.compliant, r.nonCompliant, 0).Type {
				case configd.Compliant:
					compliant++
				case configd.NonCompliant:
					nonCompliant++
				}
			}
			out = append(out, TypeSummary{ResourceType: t, Summary: ComplianceSummary{Compliant: capped(compliant, ResourceCountCap), NonCompliant: capped(nonCompliant, ResourceCountCap), Time: now}})
		}
		return nil
	})
	return out, err
}
