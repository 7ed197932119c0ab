package service

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"slices"
	"time"

	"github.com/configd/configd"
)

// This file holds the Config rule operations over the store; rulecheck.go
// checks PutConfigRule requests before they reach it.

// MaxConfigRules is how many rules a scope may hold: "the maximum number of
// 1000 rules" (API_PutConfigRule.html, MaxNumberOfConfigRulesExceededException).
const MaxConfigRules = 1000

// onDemandInterval: StartConfigRulesEvaluation may run a rule at most once a
// minute (LimitExceededException, API_StartConfigRulesEvaluation.html).
const onDemandInterval = time.Minute

// More messages.
const (
	// moto/config/exceptions.py (NoSuchConfigRuleException).
	msgNoSuchRule = "The ConfigRule '%s' provided in the request is invalid. Please check the configRule name"
	// moto/config/exceptions.py, with AWS's limit.
	msgMaxRules = "Failed to put config rule '%s' because the maximum number of config rules: %d is reached."
	// Sent by AWS (hashicorp/terraform pull request 14269 quotes it).
	msgRuleDeleting = "The rule %s is currently being deleted. Please retry after some time."
	// Sent by AWS (rebuy-de/aws-nuke pull request 1001 quotes it).
	msgRuleHasRemediation = "The rule %s currently has a RemediationConfiguration. Please delete the RemediationConfiguration and try again."
	// INSUFFICIENT_SLCR_PERMISSIONS, quoted by "Service-Linked AWS Config
	// Rules" in the AWS Config developer guide.
	msgServiceLinkedRule = "An AWS service owns ServiceLinkedConfigRule. You do not have permissions to take action on this rule."
	// The exception's documented description (API_PutConfigRule.html).
	msgNoRecorderForRule = "There are no configuration recorders available to provide the role needed to describe your resources. Create a configuration recorder."
	// configd's wording: AWS's texts are not known.
	msgOnDemandTooSoon = "The rule %s was started on demand less than a minute ago. StartConfigRulesEvaluation runs a rule at most once a minute."
	msgEvaluating      = "An evaluation of the rule %s is in progress. Call StartConfigRulesEvaluation again after it completes."
)

func ruleNotFound(name string) error {
	return configd.Errorf(configd.ErrNoSuchConfigRule, msgNoSuchRule, name)
}

// getRule reads a rule, answering AWS's message when it is absent.
func getRule(ctx context.Context, tx configd.Tx, scope configd.Scope, name string) (*configd.ConfigRule, error) {
	r, err := tx.GetRule(ctx, scope, name)
	if configd.IsCode(err, configd.ErrNoSuchConfigRule) {
		return nil, ruleNotFound(name)
	}
	return r, err
}

// ruleInUse refuses work on a rule that is being deleted or evaluated, as
// AWS does for rules whose state is not ACTIVE.
// serviceOwned refuses a change to a service-linked rule, one whose
// CreatedBy names the AWS service that owns it (in configd, the rules of a
// conformance pack). AWS's PutConfigRule, DeleteConfigRule and
// DeleteEvaluationResults answer such a request with AccessDeniedException
// and msgServiceLinkedRule ("Service-Linked AWS Config Rules" in the AWS
// Config developer guide; the conformance pack troubleshooting page shows
// the same error for DeleteConfigRule on a pack's rule). Only the pack
// changes its rules: PutConformancePack and DeleteConformancePack.
func serviceOwned(r *configd.ConfigRule) error {
	if r.CreatedBy == "" {
		return nil
	}
	return configd.Errorf(configd.ErrAccessDenied, msgServiceLinkedRule)
}

func ruleInUse(r *configd.ConfigRule) error {
	if r.State == "" || r.State == configd.RuleStateActive {
		return nil
	}
	if r.State == configd.RuleStateEvaluating {
		return configd.Errorf(configd.ErrResourceInUse, "The rule %s is currently being evaluated. Please retry after some time.", r.Name)
	}
	return configd.Errorf(configd.ErrResourceInUse, msgRuleDeleting, r.Name)
}

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"

// ruleID returns "config-rule-" and 6 random lowercase letters and digits,
// the form of AWS's ConfigRuleId.
func ruleID() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return "config-rule-" + string(b)
}

// RuleJobKey is the coalescing key of the jobs that evaluate a whole rule
// (creation, update, on demand, schedule), and the name of the Tx.Lock that
// serializes changes to the rule's status.
func RuleJobKey(name string) string { return "rule/" + name }

// enqueueRuleJob queues a whole-rule evaluation of the rule unless one is
// already waiting, and counts it in st.EvaluationsPending, which the
// evaluator decrements when the job ends (done, or abandoned). It reports
// whether it queued a job; the caller stores st.
func enqueueRuleJob(ctx context.Context, tx configd.Tx, scope configd.Scope, name, trigger string, now time.Time, st *configd.RuleStatus) (bool, error) {
	payload, _ := json.Marshal(configd.EvaluateJob{RuleName: name, Trigger: trigger})
	added, err := tx.EnqueueJob(ctx, &configd.Job{Kind: configd.JobEvaluate, Scope: scope, Key: RuleJobKey(name), Payload: string(payload), RunAt: now, CreatedAt: now})
	if added {
		st.EvaluationsPending++
	}
	return added, err
}

// PutConfigRule creates or updates a rule (by name, or by ARN or id for an
// update), as AWS's PutConfigRule does, and returns it as stored. A new rule
// gets an id config-rule-xxxxxx and its ARN; tags are added to the rule's.
// The rule is evaluated at once against existing resources: a whole-rule
// evaluation job is queued in the same transaction, and a periodic rule's
// next run is scheduled a period from now.
func (s *Service) PutConfigRule(ctx context.Context, scope configd.Scope, in *configd.ConfigRule, tags []configd.Tag) (*configd.ConfigRule, error) {
	r := cloneRule(in)
	if err := checkRule(r); err != nil {
		return nil, err
	}
	err := s.write(ctx, func(tx configd.Tx) error {
		if err := tx.Lock(ctx, scope, "config-rules"); err != nil {
			return err
		}
		recs, err := tx.ListRecorders(ctx, scope)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(recs, func(r *configd.Recorder) bool { return !r.ServiceLinked() }) {
			return configd.Errorf(configd.ErrNoAvailableConfigurationRecorder, msgNoRecorderForRule)
		}
		prev, err := findRule(ctx, tx, scope, r)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		st := &configd.RuleStatus{FirstActivatedTime: now}
		if prev == nil {
			if r.ARN != "" || r.ID != "" {
				return invalid(msgArnOnCreate)
			}
			n, err := tx.CountRules(ctx, scope)
			if err != nil {
				return err
			}
			if n >= MaxConfigRules {
				return configd.Errorf(configd.ErrMaxNumberOfConfigRules, msgMaxRules, r.Name, MaxConfigRules)
			}
			r.ID = ruleID()
			r.ARN = scope.ARN("config", "config-rule/"+r.ID)
		} else {
			if err := serviceOwned(prev); err != nil {
				return err
			}
			if err := ruleInUse(prev); err != nil {
				return err
			}
			if (r.ARN != "" && r.ARN != prev.ARN) || (r.ID != "" && r.ID != prev.ID) {
				return invalid(msgIdentifierMismatch, prev.Name)
			}
			r.Name, r.ARN, r.ID = prev.Name, prev.ARN, prev.ID
			if err := tx.Lock(ctx, scope, RuleJobKey(r.Name)); err != nil {
				return err
			}
			if st, err = tx.GetRuleStatus(ctx, scope, r.Name); err != nil {
				return err
			}
		}
		r.State = configd.RuleStateActive
		if err := tx.PutRule(ctx, scope, r); err != nil {
			return err
		}
		if len(tags) > 0 {
			if err := s.addTags(ctx, tx, scope, r.ARN, tags); err != nil {
				return err
			}
		}
		st.NextScheduledRun = time.Time{}
		if d, ok := Period(r); ok {
			st.NextScheduledRun = now.Add(d)
		}
		if _, err := enqueueRuleJob(ctx, tx, scope, r.Name, configd.TriggerRuleUpdated, now, st); err != nil {
			return err
		}
		return tx.PutRuleStatus(ctx, scope, r.Name, st)
	})
	if err != nil {
		return nil, err
	}
	s.wakeEvaluator()
	return r, nil
}

// findRule returns the existing rule a PutConfigRule request names (nil
// for a new rule): by name, else by ARN or id, which must then exist.
func findRule(ctx context.Context, tx configd.Tx, scope configd.Scope, r *configd.ConfigRule) (*configd.ConfigRule, error) {
	if r.Name != "" {
		prev, err := tx.GetRule(ctx, scope, r.Name)
		if configd.IsCode(err, configd.ErrNoSuchConfigRule) {
			return nil, nil
		}
		return prev, err
	}
	all, err := tx.ListRules(ctx, scope, "", 0)
	if err != nil {
		return nil, err
	}
	for _, o := range all {
		if (r.ARN != "" && o.ARN == r.ARN) || (r.ID != "" && o.ID == r.ID) {
			return o, nil
		}
	}
	return nil, invalid(msgNoIdentifier)
}

func cloneRule(in *configd.ConfigRule) *configd.ConfigRule {
	r := *in
	r.Scope.ComplianceResourceTypes = slices.Clone(in.Scope.ComplianceResourceTypes)
	r.Source.SourceDetails = slices.Clone(in.Source.SourceDetails)
	if in.Source.CustomPolicy != nil {
		p := *in.Source.CustomPolicy
		r.Source.CustomPolicy = &p
	}
	r.EvaluationModes = slices.Clone(in.EvaluationModes)
	return &r
}

// ConfigRules returns the named rules, each of which must exist, in the
// order named; or, when names is empty, the scope's rules ordered by name
// after the name after, at most limit (0: all). A non-empty mode keeps only
// the rules evaluated in that mode (DescribeConfigRules' Filters).
func (s *Service) ConfigRules(ctx context.Context, scope configd.Scope, names []string, mode, after string, limit int) ([]*configd.ConfigRule, error) {
	keep := func(r *configd.ConfigRule) bool { return mode == "" || slices.Contains(r.EvaluationModes, mode) }
	var out []*configd.ConfigRule
	err := s.read(ctx, func(tx configd.Tx) error {
		if len(names) > 0 {
			for _, n := range names {
				r, err := getRule(ctx, tx, scope, n)
				if err != nil {
					return err
				}
				if keep(r) && !slices.ContainsFunc(out, func(o *configd.ConfigRule) bool { return o.Name == r.Name }) {
					out = append(out, r)
				}
			}
			return nil
		}
		for {
			batch := limit
			if mode != "" || batch == 0 {
				batch = 100
			}
			page, err := tx.ListRules(ctx, scope, after, batch)
			if err != nil {
				return err
			}
			for _, r := range page {
				if keep(r) {
					out = append(out, r)
					if limit > 0 && len(out) == limit {
						return nil
					}
				}
			}
			if len(page) < batch {
				return nil
			}
			after = page[len(page)-1].Name
		}
	})
	return out, err
}

// DeleteConfigRule deletes a rule with its status, its evaluation results
// and its tags. A rule with a remediation configuration is refused with
// ResourceInUseException, and a conformance pack's rule with
// AccessDeniedException, as AWS does.
func (s *Service) DeleteConfigRule(ctx context.Context, scope configd.Scope, name string) error {
	return s.write(ctx, func(tx configd.Tx) error {
		r, err := getRule(ctx, tx, scope, name)
		if err != nil {
			return err
		}
		if err := serviceOwned(r); err != nil {
			return err
		}
		if err := ruleInUse(r); err != nil {
			return err
		}
		_, err = tx.GetRemediationConfiguration(ctx, scope, name)
		switch {
		case err == nil:
			return configd.Errorf(configd.ErrResourceInUse, msgRuleHasRemediation, name)
		case !configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration):
			return err
		}
		if err := tx.DeleteRule(ctx, scope, name); err != nil {
			return err
		}
		return tx.DeleteAllTags(ctx, scope, r.ARN)
	})
}

// RuleEvaluationStatus is a rule with its evaluation status.
type RuleEvaluationStatus struct {
	Rule   *configd.ConfigRule
	Status *configd.RuleStatus
}

// RuleEvaluationStatuses returns the status of the named rules, each of
// which must exist; or, when names is empty, of the scope's rules ordered by
// name after the name after, at most limit (0: all).
func (s *Service) RuleEvaluationStatuses(ctx context.Context, scope configd.Scope, names []string, after string, limit int) ([]RuleEvaluationStatus, error) {
	var out []RuleEvaluationStatus
	err := s.read(ctx, func(tx configd.Tx) error {
		var rules []*configd.ConfigRule
		if len(names) > 0 {
			for _, n := range names {
				r, err := getRule(ctx, tx, scope, n)
				if err != nil {
					return err
				}
				rules = append(rules, r)
			}
		} else {
			var err error
			if rules, err = tx.ListRules(ctx, scope, after, limit); err != nil {
				return err
			}
		}
		for _, r := range rules {
			st, err := tx.GetRuleStatus(ctx, scope, r.Name)
			if err != nil {
				return err
			}
			out = append(out, RuleEvaluationStatus{Rule: r, Status: st})
		}
		return nil
	})
	return out, err
}

// StartConfigRulesEvaluation queues an on-demand evaluation of each named
// rule (every rule of the scope when names is empty) against the last known
// state of the resources in its scope. As AWS does, it refuses with
// LimitExceededException, and starts none, when a rule was started on demand
// less than a minute ago or a whole-rule evaluation of it is still queued or
// running (RuleStatus.EvaluationsPending, or a waiting job). A pending count
// left behind while the scope has no evaluation job at all is reset.
func (s *Service) StartConfigRulesEvaluation(ctx context.Context, scope configd.Scope, names []string) error {
	err := s.write(ctx, func(tx configd.Tx) error {
		if len(names) == 0 {
			all, err := tx.ListRules(ctx, scope, "", 0)
			if err != nil {
				return err
			}
			for _, r := range all {
				names = append(names, r.Name)
			}
		}
		now := s.clock.Now()
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				continue
			}
			seen[n] = true
			r, err := getRule(ctx, tx, scope, n)
			if err != nil {
				return err
			}
			if err := ruleInUse(r); err != nil {
				return err
			}
			if err := tx.Lock(ctx, scope, RuleJobKey(n)); err != nil {
				return err
			}
			st, err := tx.GetRuleStatus(ctx, scope, n)
			if err != nil {
				return err
			}
			if !st.LastOnDemandRun.IsZero() && now.Sub(st.LastOnDemandRun) < onDemandInterval {
				return configd.Errorf(configd.ErrLimitExceeded, msgOnDemandTooSoon, n)
			}
			if st.EvaluationsPending > 0 {
				// The count is only as good as every path of the evaluator
				// that ends a rule job; with no evaluation job left in the
				// scope, none of the rule's can be running.
				jobs, err := tx.CountJobs(ctx, configd.JobEvaluate, scope)
				if err != nil {
					return err
				}
				if jobs > 0 {
					return configd.Errorf(configd.ErrLimitExceeded, msgEvaluating, n)
				}
				st.EvaluationsPending = 0
			}
			added, err := enqueueRuleJob(ctx, tx, scope, n, configd.TriggerOnDemand, now, st)
			if err != nil {
				return err
			}
			if !added {
				return configd.Errorf(configd.ErrLimitExceeded, msgEvaluating, n)
			}
			st.LastOnDemandRun = now
			if err := tx.PutRuleStatus(ctx, scope, n, st); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.wakeEvaluator()
	}
	return err
}

// GetCustomRulePolicy returns the Guard policy text of a CUSTOM_POLICY rule;
// for any other rule, NoSuchConfigRuleException ("Verify that the rule is an
// Config Custom Policy rule", API_GetCustomRulePolicy.html).
func (s *Service) GetCustomRulePolicy(ctx context.Context, scope configd.Scope, name string) (string, error) {
	var text string
	err := s.read(ctx, func(tx configd.Tx) error {
		r, err := getRule(ctx, tx, scope, name)
		if err != nil {
			return err
		}
		if r.Source.Owner != configd.OwnerCustomPolicy || r.Source.CustomPolicy == nil {
			return ruleNotFound(name)
		}
		text = r.Source.CustomPolicy.PolicyText
		return nil
	})
	return text, err
}

// ruleByARN returns the scope's rule with the ARN, or nil.
func ruleByARN(ctx context.Context, tx configd.Tx, scope configd.Scope, arn string) (*configd.ConfigRule, error) {
	all, err := tx.ListRules(ctx, scope, "", 0)
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		if r.ARN == arn {
			return r, nil
		}
	}
	return nil, nil
}
