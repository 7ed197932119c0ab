package sqlite

import (
	"github.com/configd/configd"
	"github.com/configd/configd/internal/storecodec"
)

// The JSON records of remediation configurations, exceptions and
// executions, in the style of internal/storecodec.

type remediationParameterRecord struct {
	ResourceValue string   `json:"resourceValue,omitempty"`
	StaticValues  []string `json:"staticValues"`
}

type executionControlsRecord struct {
	ConcurrentExecutionRatePercentage int `json:"concurrentExecutionRatePercentage"`
	ErrorPercentage                   int `json:"errorPercentage"`
}

type remediationConfigRecord struct {
	RuleName                 string                                `json:"configRuleName"`
	ARN                      string                                `json:"arn,omitempty"`
	TargetType               string                                `json:"targetType,omitempty"`
	TargetID                 string                                `json:"targetId,omitempty"`
	TargetVersion            string                                `json:"targetVersion,omitempty"`
	Parameters               map[string]remediationParameterRecord `json:"parameters"`
	ResourceType             string                                `json:"resourceType,omitempty"`
	Automatic                bool                                  `json:"automatic,omitempty"`
	ExecutionControls        *executionControlsRecord              `json:"executionControls,omitempty"`
	MaximumAutomaticAttempts int                                   `json:"maximumAutomaticAttempts,omitempty"`
	RetryAttemptSeconds      int64                                 `json:"retryAttemptSeconds,omitempty"`
	CreatedByService         string                                `json:"createdByService,omitempty"`
}

func toRemediationConfigRecord(c *configd.RemediationConfiguration) *remediationConfigRecord {
	rec := &remediationConfigRecord{
		RuleName:                 c.RuleName,
		ARN:                      c.ARN,
		TargetType:               c.TargetType,
		TargetID:                 c.TargetID,
		TargetVersion:            c.TargetVersion,
		ResourceType:             c.ResourceType,
		Automatic:                c.Automatic,
		MaximumAutomaticAttempts: c.MaximumAutomaticAttempts,
		RetryAttemptSeconds:      c.RetryAttemptSeconds,
		CreatedByService:         c.CreatedByService,
	}
	if c.Parameters != nil {
		rec.Parameters = make(map[string]remediationParameterRecord, len(c.Parameters))
		for k, p := range c.Parameters {
			rec.Parameters[k] = remediationParameterRecord(p)
		}
	}
	if ec := c.ExecutionControls; ec != nil {
		r := executionControlsRecord(*ec)
		rec.ExecutionControls = &r
	}
	return rec
}

func (rec *remediationConfigRecord) config() *configd.RemediationConfiguration {
	c := &configd.RemediationConfiguration{
		RuleName:                 rec.RuleName,
		ARN:                      rec.ARN,
		TargetType:               rec.TargetType,
		TargetID:                 rec.TargetID,
		TargetVersion:            rec.TargetVersion,
		ResourceType:             rec.ResourceType,
		Automatic:                rec.Automatic,
		MaximumAutomaticAttempts: rec.MaximumAutomaticAttempts,
		RetryAttemptSeconds:      rec.RetryAttemptSeconds,
		CreatedByService:         rec.CreatedByService,
	}
	if rec.Parameters != nil {
		c.Parameters = make(map[string]configd.RemediationParameter, len(rec.Parameters))
		for k, p := range rec.Parameters {
			c.Parameters[k] = configd.RemediationParameter(p)
		}
	}
	if ec := rec.ExecutionControls; ec != nil {
		r := configd.ExecutionControls(*ec)
		c.ExecutionControls = &r
	}
	return c
}

// exceptionRecord is the body of a remediation_exceptions row: the fields
// that are not columns.
type exceptionRecord struct {
	Message        string `json:"message,omitempty"`
	ExpirationTime *int64 `json:"expirationTime,omitempty"`
}

type stepRecord struct {
	Name         string `json:"name,omitempty"`
	State        string `json:"state,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	StartTime    *int64 `json:"startTime,omitempty"`
	StopTime     *int64 `json:"stopTime,omitempty"`
}

// executionRecord is the body of a remediation_executions row: the fields
// that are not columns.
type executionRecord struct {
	Steps          []stepRecord `json:"steps"`
	InvocationTime *int64       `json:"invocationTime,omitempty"`
	Automatic      bool         `json:"automatic,omitempty"`
	Attempt        int          `json:"attempt,omitempty"`
}

func toExecutionRecord(e *configd.RemediationExecution) *executionRecord {
	rec := &executionRecord{
		InvocationTime: storecodec.Millis(e.InvocationTime),
		Automatic:      e.Automatic,
		Attempt:        e.Attempt,
	}
	if e.Steps != nil {
		rec.Steps = make([]stepRecord, len(e.Steps))
		for i, s := range e.Steps {
			rec.Steps[i] = stepRecord{
				Name:         s.Name,
				State:        s.State,
				ErrorMessage: s.ErrorMessage,
				StartTime:    storecodec.Millis(s.StartTime),
				StopTime:     storecodec.Millis(s.StopTime),
			}
		}
	}
	return rec
}

// fill sets the fields of e that the record holds.
func (rec *executionRecord) fill(e *configd.RemediationExecution) {
	e.InvocationTime = storecodec.FromMillis(rec.InvocationTime)
	e.Automatic = rec.Automatic
	e.Attempt = rec.Attempt
	if rec.Steps != nil {
		e.Steps = make([]configd.StepDetail, len(rec.Steps))
		for i, s := range rec.Steps {
			e.Steps[i] = configd.StepDetail{
				Name:         s.Name,
				State:        s.State,
				ErrorMessage: s.ErrorMessage,
				StartTime:    storecodec.FromMillis(s.StartTime),
				StopTime:     storecodec.FromMillis(s.StopTime),
			}
		}
	}
}
