package service

import (
	"context"
	"fmt"
	"time"

	"github.com/configd/configd"
)

// ResourceIDValue is the only ResourceValue of a remediation parameter: the
// id of the resource being remediated.
const ResourceIDValue = "RESOURCE_ID"

// TargetTypeSSMDocument is the only remediation target type.
const TargetTypeSSMDocument = "SSM_DOCUMENT"

// Messages of the remediation operations. AWS documents the exception
// descriptions in the API reference (Errors sections and the exception
// shapes); configd uses them as messages.
const (
	// https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteRemediationConfiguration.html
	msgRemediationInProgress = "Remediation action is in progress. You can either cancel execution in AWS Systems Manager or wait and try again later."
	// https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeRemediationExecutionStatus.html
	msgNoSuchRemediationConfiguration = "You specified an AWS Config rule without a remediation configuration."
	// https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteRemediationExceptions.html
	msgNoSuchRemediationException = "You tried to delete a remediation exception that does not exist."
)

// MessageInProgress is the FailureMessage of StartRemediationExecution for
// keys refused by the per-resource guard. Clients match "in progress".
const MessageInProgress = "A remediation of the resource is already queued or in progress; it was not started again. Wait for it to finish and try again."

// noSuchRuleMessage is the message AWS Config gives when a named rule does
// not exist.
func noSuchRuleMessage(name string) string { return fmt.Sprintf(msgNoSuchRule, name) }

// ErrRemediationInProgress returns the RemediationInProgressException
// refusing a second execution on a resource, or the deletion of a
// configuration whose executions are active.
func ErrRemediationInProgress() error {
	return configd.Errorf(configd.ErrRemediationInProgress, msgRemediationInProgress)
}

// ErrNoSuchRemediationConfiguration returns the error of a rule without a
// remediation configuration.
func ErrNoSuchRemediationConfiguration() error {
	return configd.Errorf(configd.ErrNoSuchRemediationConfiguration, msgNoSuchRemediationConfiguration)
}

// RemediationValidator checks a configuration's target and parameters
// against its document (the runbook registry); it returns a *configd.Error
// with code InvalidParameterValueException to refuse it.
type RemediationValidator func(c *configd.RemediationConfiguration) error

// FailedRemediationConfigurations is one FailedBatches entry of
// PutRemediationConfigurations: configurations refused for one reason.
type FailedRemediationConfigurations struct {
	Message string
	Items   []*configd.RemediationConfiguration
}

// PutRemediationConfigurationsResult is what PutRemediationConfigurations did.
type PutRemediationConfigurationsResult struct {
	Failed []FailedRemediationConfigurations
	// Saved are the configurations stored, defaults and ARN filled.
	Saved []*configd.RemediationConfiguration
	// Queued counts the automatic executions queued because a configuration
	// was switched to Automatic over resources already NON_COMPLIANT, and
	// QueuedExecutions lists them.
	Queued           int
	QueuedExecutions []*configd.RemediationExecution
}

// NormalizeRemediationConfiguration checks the parts of c that the model does
// not (each parameter has exactly one of ResourceValue and StaticValues) and
// sets the target type. AWS's defaults of the retries and execution
// controls are not filled in: AWS does not list them
// (configd.RemediationConfiguration), and they apply where they are used.
func NormalizeRemediationConfiguration(c *configd.RemediationConfiguration) error {
	if c.TargetType == "" {
		c.TargetType = TargetTypeSSMDocument
	}
	for name, p := range c.Parameters {
		switch {
		case p.ResourceValue != "" && p.StaticValues != nil:
			return configd.Errorf(configd.ErrInvalidParameterValue, "The parameter %s has both a ResourceValue and a StaticValue; give exactly one.", name)
		case p.ResourceValue == "" && p.StaticValues == nil:
			return configd.Errorf(configd.ErrInvalidParameterValue, "The parameter %s has neither a ResourceValue nor a StaticValue; give exactly one.", name)
		case p.ResourceValue != "" && p.ResourceValue != ResourceIDValue:
			return configd.Errorf(configd.ErrInvalidParameterValue, "The ResourceValue of parameter %s must be %s.", name, ResourceIDValue)
		}
	}
	c.CreatedByService = "" // output only; configd has no service-linked rules
	return nil
}

// PutRemediationConfigurations creates or replaces (a full replacement, as
// AWS does) the remediation configuration of each rule. Invalid input fails
// the whole call with InvalidParameterValueException; a configuration whose
// rule does not exist is returned in a failed batch. The ARN of a rule's
// configuration is kept across updates. A configuration that becomes
// Automatic queues an automatic execution for every resource the rule
// already found NON_COMPLIANT.
// https://docs.aws.amazon.com/config/latest/APIReference/API_PutRemediationConfigurations.html
func (s *Service) PutRemediationConfigurations(ctx context.Context, scope configd.Scope, cs []*configd.RemediationConfiguration, validate RemediationValidator) (*PutRemediationConfigurationsResult, error) {
	seen := map[string]bool{}
	for _, c := range cs {
		if seen[c.RuleName] {
			return nil, configd.Errorf(configd.ErrInvalidParameterValue, "The rule %s has more than one remediation configuration in the request.", c.RuleName)
		}
		seen[c.RuleName] = true
		if err := NormalizeRemediationConfiguration(c); err != nil {
			return nil, err
		}
		if validate != nil {
			if err := validate(c); err != nil {
				return nil, err
			}
		}
	}
	var res *PutRemediationConfigurationsResult
	err := s.write(ctx, func(tx configd.Tx) error {
		res = &PutRemediationConfigurationsResult{}
		now := s.clock.Now()
		var order []string
		failed := map[string]*FailedRemediationConfigurations{}
		for _, in := range cs {
			c := *in
			if _, err := tx.GetRule(ctx, scope, c.RuleName); err != nil {
				if !configd.IsCode(err, configd.ErrNoSuchConfigRule) {
					return err
				}
				msg := noSuchRuleMessage(c.RuleName)
				if failed[msg] == nil {
					failed[msg] = &FailedRemediationConfigurations{Message: msg}
					order = append(order, msg)
				}
				failed[msg].Items = append(failed[msg].Items, in)
				continue
			}
			if err := tx.Lock(ctx, scope, remediationLock(c.RuleName)); err != nil {
				return err
			}
			prev, err := tx.GetRemediationConfiguration(ctx, scope, c.RuleName)
			if err != nil && !configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration) {
				return err
			}
			if prev != nil && prev.ARN != "" {
				c.ARN = prev.ARN
			} else {
				c.ARN = scope.ARN("config", "remediation-configuration/"+c.RuleName+"/"+NewUUID())
			}
			if err := tx.PutRemediationConfiguration(ctx, scope, &c); err != nil {
				return err
			}
			res.Saved = append(res.Saved, &c)
			if c.Automatic && (prev == nil || !prev.Automatic) {
				xs, err := s.queueNonCompliant(ctx, tx, scope, &c, now)
				if err != nil {
					return err
				}
				res.Queued += len(xs)
				res.QueuedExecutions = append(res.QueuedExecutions, xs...)
			}
		}
		for _, msg := range order {
			res.Failed = append(res.Failed, *failed[msg])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// remediationLock names the lock that serializes read-check-write sequences
// on a rule's remediation state across processes (PostgreSQL).
func remediationLock(rule string) string { return "remediation/" + rule }

// queueNonCompliant queues an automatic execution for every resource the
// rule found NON_COMPLIANT (of c.ResourceType when set).
func (s *Service) queueNonCompliant(ctx context.Context, tx configd.Tx, scope configd.Scope, c *configd.RemediationConfiguration, now time.Time) ([]*configd.RemediationExecution, error) {
	f := configd.EvaluationFilter{RuleNames: []string{c.RuleName}, ResourceType: c.ResourceType, ComplianceTypes: []string{configd.NonCompliant}}
	var after *configd.EvaluationCursor
	var queued []*configd.RemediationExecution
	for {
		page, err := tx.ListEvaluationResults(ctx, scope, f, after, 500)
		if err != nil {
			return queued, err
		}
		for _, r := range page {
			if r.EvaluationMode == configd.EvaluationModeProactive {
				continue
			}
			out, x, err := s.QueueAutomaticTx(ctx, tx, scope, c, configd.ResourceKey{ResourceType: r.ResourceType, ResourceID: r.ResourceID}, now)
			if err != nil {
				return queued, err
			}
			if out == Queued {
				queued = append(queued, x)
			}
		}
		if len(page) < 500 {
			return queued, nil
		}
		last := page[len(page)-1]
		after = &configd.EvaluationCursor{RuleName: last.RuleName, ResourceType: last.ResourceType, ResourceID: last.ResourceID}
	}
}

// QueueOutcome is what QueueAutomaticTx did.
type QueueOutcome int

// Outcomes of QueueAutomaticTx.
const (
	// Queued: a new automatic execution was queued.
	Queued QueueOutcome = iota
	// Coalesced: an execution of the rule on the resource is already queued
	// or in progress; nothing was added and no attempt was spent.
	Coalesced
	// Excepted: an unexpired remediation exception covers the resource.
	Excepted
	// NotAutomatic: the configuration is not automatic, or does not apply
	// to the resource's type.
	NotAutomatic
)

// String names the outcome.
func (o QueueOutcome) String() string {
	return [...]string{"queued", "coalesced", "excepted", "not_automatic"}[o]
}

// QueueAutomaticTx queues, inside tx, an automatic remediation of key under
// the rule's configuration c, unless c is not automatic (or is for another
// resource type), an unexpired remediation exception covers the resource,
// or an execution is already active (coalesced: no attempt is spent). The
// new execution's Attempt continues the series of automatic attempts that
// failed within c.RetryAttemptSeconds (see AutomaticFailures).
func (s *Service) QueueAutomaticTx(ctx context.Context, tx configd.Tx, scope configd.Scope, c *configd.RemediationConfiguration, key configd.ResourceKey, now time.Time) (QueueOutcome, *configd.RemediationExecution, error) {
	if !c.Automatic || (c.ResourceType != "" && c.ResourceType != key.ResourceType) {
		return NotAutomatic, nil, nil
	}
	ex, err := tx.GetRemediationException(ctx, scope, c.RuleName, key)
	if err != nil {
		return 0, nil, err
	}
	if ex != nil && ExceptionActive(ex, now) {
		return Excepted, nil, nil
	}
	active, err := tx.ActiveExecution(ctx, scope, c.RuleName, key)
	if err != nil {
		return 0, nil, err
	}
	if active != nil {
		return Coalesced, active, nil
	}
	hist, err := tx.ExecutionHistory(ctx, scope, c.RuleName, key)
	if err != nil {
		return 0, nil, err
	}
	e := &configd.RemediationExecution{
		ID: NewUUID(), RuleName: c.RuleName, ResourceType: key.ResourceType, ResourceID: key.ResourceID,
		State: configd.ExecQueued, InvocationTime: now, LastUpdatedTime: now, RunAt: now,
		Automatic: true, Attempt: len(AutomaticFailures(hist, c, now)) + 1, Steps: []configd.StepDetail{},
	}
	if err := tx.InsertExecution(ctx, scope, e); err != nil {
		if configd.IsCode(err, configd.ErrRemediationInProgress) {
			return Coalesced, nil, nil
		}
		return 0, nil, err
	}
	return Queued, e, nil
}

// ExceptionActive reports whether a remediation exception blocks automatic
// remediation at now: it never expires, or expires after now.
func ExceptionActive(e *configd.RemediationException, now time.Time) bool {
	return e.ExpirationTime.IsZero() || e.ExpirationTime.After(now)
}

// Steps configd adds to an execution it ends without running the runbook.
// Such an execution is FAILED but is not a failed attempt: it neither counts
// toward MaximumAutomaticAttempts nor is retried.
const (
	// StepSkipped: the resource was no longer NON_COMPLIANT, or an
	// exception covered it, when the execution was about to run.
	StepSkipped = "configd:CheckCompliance"
	// StepStopped: ExecutionControls stopped the rest of a batch once
	// ErrorPercentage of it had failed.
	StepStopped = "configd:ExecutionControls"
)

// Skipped reports whether configd ended e without running it: its last
// step is StepSkipped or StepStopped.
func Skipped(e *configd.RemediationExecution) bool {
	if len(e.Steps) == 0 {
		return false
	}
	last := e.Steps[len(e.Steps)-1].Name
	return last == StepSkipped || last == StepStopped
}

// AutomaticFailures returns the newest run of automatic executions in hist
// (newest first, as ExecutionHistory lists it) that failed within the retry
// window of c (finished after now - c.RetryWindow()), up to the first
// success, manual execution, or failure older than the window. Skipped
// executions neither count nor break the run. AWS puts a remediation
// exception on the resource when MaximumAutomaticAttempts attempts failed
// within RetryAttemptSeconds
// (https://docs.aws.amazon.com/config/latest/APIReference/API_RemediationConfiguration.html).
func AutomaticFailures(hist []*configd.RemediationExecution, c *configd.RemediationConfiguration, now time.Time) []*configd.RemediationExecution {
	window := c.RetryWindow()
	var out []*configd.RemediationExecution
	for _, e := range hist {
		if e.Active() || Skipped(e) {
			continue
		}
		if !e.Automatic || e.State != configd.ExecFailed || now.Sub(e.LastUpdatedTime) > window {
			break
		}
		out = append(out, e)
	}
	return out
}

// DescribeRemediationConfigurations returns the configurations of the named
// rules that have one, ordered by rule name.
func (s *Service) DescribeRemediationConfigurations(ctx context.Context, scope configd.Scope, rules []string) ([]*configd.RemediationConfiguration, error) {
	var out []*configd.RemediationConfiguration
	err := s.read(ctx, func(tx configd.Tx) error {
		var err error
		out, err = tx.ListRemediationConfigurations(ctx, scope, rules)
		return err
	})
	return out, err
}

// DeleteRemediationConfiguration deletes a rule's remediation configuration
// and its execution history. It fails with
// NoSuchRemediationConfigurationException if there is none (or it is for
// another resource type than resourceType, when given), and with
// RemediationInProgressException while an execution of the rule is queued or
// in progress.
// https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteRemediationConfiguration.html
func (s *Service) DeleteRemediationConfiguration(ctx context.Context, scope configd.Scope, rule, resourceType string) error {
	return s.write(ctx, func(tx configd.Tx) error {
		if err := tx.Lock(ctx, scope, remediationLock(rule)); err != nil {
			return err
		}
		c, err := tx.GetRemediationConfiguration(ctx, scope, rule)
		if configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration) {
			return ErrNoSuchRemediationConfiguration()
		}
		if err != nil {
			return err
		}
		if resourceType != "" && c.ResourceType != "" && resourceType != c.ResourceType {
			return ErrNoSuchRemediationConfiguration()
		}
		active, _, err := tx.CountActiveExecutions(ctx, scope, rule)
		if err != nil {
			return err
		}
		if active > 0 {
			return ErrRemediationInProgress()
		}
		if err := tx.DeleteRuleExecutions(ctx, scope, rule); err != nil {
			return err
		}
		return tx.DeleteRemediationConfiguration(ctx, scope, rule)
	})
}

// StartRemediationResult is what StartRemediationExecution did.
type StartRemediationResult struct {
	// Started are the executions queued, in the order of the keys.
	Started []*configd.RemediationExecution
	// InProgress are the keys refused by the guard: an execution of the
	// rule on them is already queued or in progress.
	InProgress []configd.ResourceKey
}

// FailureMessage is the response's FailureMessage: MessageInProgress when
// some keys were refused, else "".
func (r *StartRemediationResult) FailureMessage() string {
	if len(r.InProgress) > 0 {
		return MessageInProgress
	}
	return ""
}

// StartRemediationExecution queues a manual execution of the rule's
// remediation on each key (duplicates count once). Keys whose execution is
// still queued or in progress are refused (the per-resource guard, enforced
// by the store) and returned in InProgress; when every key is refused, the
// call fails with RemediationInProgressException. A rule without a
// remediation configuration fails with NoSuchRemediationConfigurationException.
// https://docs.aws.amazon.com/config/latest/APIReference/API_StartRemediationExecution.html
func (s *Service) StartRemediationExecution(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey) (*StartRemediationResult, error) {
	var res *StartRemediationResult
	err := s.write(ctx, func(tx configd.Tx) error {
		res = &StartRemediationResult{}
		if _, err := tx.GetRemediationConfiguration(ctx, scope, rule); err != nil {
			if configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration) {
				return ErrNoSuchRemediationConfiguration()
			}
			return err
		}
		now := s.clock.Now()
		seen := map[configd.ResourceKey]bool{}
		for _, k := range keys {
			if seen[k] {
				continue
			}
			seen[k] = true
			active, err := tx.ActiveExecution(ctx, scope, rule, k)
			if err != nil {
				return err
			}
			if active != nil {
				res.InProgress = append(res.InProgress, k)
				continue
			}
			e := &configd.RemediationExecution{
				ID: NewUUID(), RuleName: rule, ResourceType: k.ResourceType, ResourceID: k.ResourceID,
				State: configd.ExecQueued, InvocationTime: now, LastUpdatedTime: now, RunAt: now, Steps: []configd.StepDetail{},
			}
			if err := tx.InsertExecution(ctx, scope, e); err != nil {
				if configd.IsCode(err, configd.ErrRemediationInProgress) {
					res.InProgress = append(res.InProgress, k)
					continue
				}
				return err
			}
			res.Started = append(res.Started, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(res.Started) == 0 && len(res.InProgress) > 0 {
		return res, ErrRemediationInProgress()
	}
	return res, nil
}

// DescribeRemediationExecutionStatus returns the newest execution of each
// resource of the rule (of keys when given) in (resource type, resource id)
// order, after the key after, at most limit (0: all). The rule must have a
// remediation configuration.
// https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeRemediationExecutionStatus.html
func (s *Service) DescribeRemediationExecutionStatus(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey, after *configd.ResourceKey, limit int) ([]*configd.RemediationExecution, error) {
	var out []*configd.RemediationExecution
	err := s.read(ctx, func(tx configd.Tx) error {
		if _, err := tx.GetRemediationConfiguration(ctx, scope, rule); err != nil {
			if configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration) {
				return ErrNoSuchRemediationConfiguration()
			}
			return err
		}
		var err error
		out, err = tx.LatestExecutions(ctx, scope, rule, keys, after, limit)
		return err
	})
	return out, err
}

// RemediationExecutionHistory returns every execution of the rule on one
// resource, newest first (a configd extension: AWS shows only the latest).
func (s *Service) RemediationExecutionHistory(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) ([]*configd.RemediationExecution, error) {
	var out []*configd.RemediationExecution
	err := s.read(ctx, func(tx configd.Tx) error {
		if _, err := tx.GetRemediationConfiguration(ctx, scope, rule); err != nil {
			if configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration) {
				return ErrNoSuchRemediationConfiguration()
			}
			return err
		}
		var err error
		out, err = tx.ExecutionHistory(ctx, scope, rule, key)
		return err
	})
	return out, err
}
