package evaluator

import (
	"context"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/evaluator/managedrule"
)

// toResult converts a native result of rule into the stored form.
func toResult(rule string, r managedrule.Result, invokedAt, ordering time.Time) *configd.EvaluationResult {
	return &configd.EvaluationResult{
		RuleName:              rule,
		ResourceType:          r.ResourceType,
		ResourceID:            r.ResourceID,
		EvaluationMode:        configd.EvaluationModeDetective,
		ComplianceType:        r.ComplianceType,
		Annotation:            r.Annotation,
		ConfigRuleInvokedTime: invokedAt,
		OrderingTimestamp:     ordering,
	}
}

// storeAll writes results in tx (see store), skipping those of rules
// deleted since they were evaluated, so that no result outlives its rule.
func (e *Engine) storeAll(ctx context.Context, tx configd.Tx, scope configd.Scope, results []*configd.EvaluationResult, now time.Time) error {
	exists := map[string]bool{}
	for _, r := range results {
		ok, seen := exists[r.RuleName]
		if !seen {
			_, err := tx.GetRule(ctx, scope, r.RuleName)
			switch {
			case err == nil:
				ok = true
			case !configd.IsCode(err, configd.ErrNoSuchConfigRule):
				return err
			}
			exists[r.RuleName] = ok
		}
		if !ok {
			continue
		}
		if _, err := e.store(ctx, tx, scope, r, now); err != nil {
			return err
		}
	}
	return nil
}

// store writes res unless the stored result of the same rule and resource
// comes from a later invocation: that evaluation read newer data than this
// one (two jobs of one resource can run at once on different workers, and
// a sweep reads a snapshot that a change may overtake). It reports whether
// it wrote.
func (e *Engine) store(ctx context.Context, tx configd.Tx, scope configd.Scope, res *configd.EvaluationResult, now time.Time) (bool, error) {
	res.ResultRecordedTime = now
	if c, ok := e.o.Results.(conditionalStore); ok {
		return c.StoreEvaluationUnlessNewer(ctx, tx, scope, res)
	}
	prev, err := tx.GetEvaluationResult(ctx, scope, res.RuleName, configd.ResourceKey{ResourceType: res.ResourceType, ResourceID: res.ResourceID})
	if err != nil {
		return false, err
	}
	if prev != nil && prev.ConfigRuleInvokedTime.After(res.ConfigRuleInvokedTime) {
		return false, nil
	}
	if e.o.Results != nil {
		return true, e.o.Results.StoreEvaluation(ctx, tx, scope, res)
	}
	return true, tx.PutEvaluationResult(ctx, scope, res)
}

// conditionalStore is a ResultStore that also checks the stored result's
// invocation time itself, with one read (service.Service).
type conditionalStore interface {
	StoreEvaluationUnlessNewer(ctx context.Context, tx configd.Tx, scope configd.Scope, e *configd.EvaluationResult) (bool, error)
}

// status is what one job learned about a rule's evaluation, applied to its
// RuleStatus (DescribeConfigRuleEvaluationStatus,
// https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigRuleEvaluationStatus.html).
type status struct {
	invokedAt time.Time
	// invokeOK / invokeFailed: the rule's evaluation (a native evaluation,
	// a function invocation) started or could not start.
	invokeOK, invokeFailed bool
	// evalOK / evalFailed: results were stored / could not be produced.
	evalOK, evalFailed bool
	errCode, errMsg    string
	// sweepDone: a rule-wide evaluation finished (EvaluationsPending).
	sweepDone bool
}

func (s *status) invoked()   { s.invokeOK = true }
func (s *status) evaluated() { s.evalOK = true }

func (s *status) invokeError(code, msg string) {
	s.invokeFailed, s.errCode, s.errMsg = true, code, msg
}

func (s *status) evalError(code, msg string) {
	s.evalFailed, s.errCode, s.errMsg = true, code, msg
}

// statuses collects the status of several rules.
type statuses map[string]*status

func (ss statuses) of(rule string, invokedAt time.Time) *status {
	s, ok := ss[rule]
	if !ok {
		s = &status{invokedAt: invokedAt}
		ss[rule] = s
	}
	return s
}

// merge adds the statuses of other (another job's) into ss: what either
// saw happened; the later invocation's time and error win.
func (ss statuses) merge(other statuses) {
	for name, o := range other {
		s, ok := ss[name]
		if !ok {
			cp := *o
			ss[name] = &cp
			continue
		}
		if o.invokedAt.After(s.invokedAt) {
			s.invokedAt = o.invokedAt
		}
		s.invokeOK = s.invokeOK || o.invokeOK
		s.invokeFailed = s.invokeFailed || o.invokeFailed
		s.evalOK = s.evalOK || o.evalOK
		s.evalFailed = s.evalFailed || o.evalFailed
		s.sweepDone = s.sweepDone || o.sweepDone
		if o.errCode != "" {
			s.errCode, s.errMsg = o.errCode, o.errMsg
		}
	}
}

// apply writes the collected statuses into the rules' RuleStatus. A rule
// deleted meanwhile is skipped.
func (ss statuses) apply(ctx context.Context, tx configd.Tx, scope configd.Scope, now time.Time) error {
	for name, s := range ss {
		if err := tx.Lock(ctx, scope, "rule/"+name); err != nil {
			return err
		}
		st, err := tx.GetRuleStatus(ctx, scope, name)
		if configd.IsCode(err, configd.ErrNoSuchConfigRule) {
			continue
		}
		if err != nil {
			return err
		}
		st.FirstEvaluationStarted = true
		if s.invokeOK {
			st.LastSuccessfulInvocationTime = s.invokedAt
		}
		if s.invokeFailed {
			st.LastFailedInvocationTime = s.invokedAt
		}
		if s.evalOK {
			st.LastSuccessfulEvaluationTime = now
		}
		if s.evalFailed {
			st.LastFailedEvaluationTime = now
		}
		if s.errCode != "" {
			st.LastErrorCode, st.LastErrorMessage = s.errCode, truncate(s.errMsg, 1000)
		}
		if s.sweepDone && st.EvaluationsPending > 0 {
			st.EvaluationsPending--
		}
		if err := tx.PutRuleStatus(ctx, scope, name, st); err != nil {
			return err
		}
	}
	return nil
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
