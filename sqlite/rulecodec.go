package sqlite

import (
	"github.com/configd/configd"
	"github.com/configd/configd/internal/storecodec"
)

// The JSON records of rules, rule statuses and evaluation results, in the
// style of codec.go: explicit field names, times as epoch milliseconds
// (absent when zero), slices without omitempty so that nil and empty both
// round-trip.

type ruleScopeRecord struct {
	ComplianceResourceTypes []string `json:"complianceResourceTypes"`
	TagKey                  string   `json:"tagKey,omitempty"`
	TagValue                string   `json:"tagValue,omitempty"`
	ComplianceResourceID    string   `json:"complianceResourceId,omitempty"`
}

type sourceDetailRecord struct {
	EventSource               string `json:"eventSource,omitempty"`
	MessageType               string `json:"messageType,omitempty"`
	MaximumExecutionFrequency string `json:"maximumExecutionFrequency,omitempty"`
}

type customPolicyRecord struct {
	PolicyRuntime          string `json:"policyRuntime,omitempty"`
	PolicyText             string `json:"policyText,omitempty"`
	EnableDebugLogDelivery bool   `json:"enableDebugLogDelivery,omitempty"`
}

type ruleSourceRecord struct {
	Owner            string               `json:"owner,omitempty"`
	SourceIdentifier string               `json:"sourceIdentifier,omitempty"`
	SourceDetails    []sourceDetailRecord `json:"sourceDetails"`
	CustomPolicy     *customPolicyRecord  `json:"customPolicy,omitempty"`
}

type ruleRecord struct {
	Name                      string           `json:"name"`
	ARN                       string           `json:"arn,omitempty"`
	ID                        string           `json:"id,omitempty"`
	Description               string           `json:"description,omitempty"`
	Scope                     ruleScopeRecord  `json:"scope"`
	Source                    ruleSourceRecord `json:"source"`
	InputParameters           string           `json:"inputParameters,omitempty"`
	MaximumExecutionFrequency string           `json:"maximumExecutionFrequency,omitempty"`
	State                     string           `json:"state,omitempty"`
	CreatedBy                 string           `json:"createdBy,omitempty"`
	EvaluationModes           []string         `json:"evaluationModes"`
}

func toRuleRecord(r *configd.ConfigRule) *ruleRecord {
	rec := &ruleRecord{
		Name:        r.Name,
		ARN:         r.ARN,
		ID:          r.ID,
		Description: r.Description,
		Scope:       ruleScopeRecord(r.Scope),
		Source: ruleSourceRecord{
			Owner:            r.Source.Owner,
			SourceIdentifier: r.Source.SourceIdentifier,
		},
		InputParameters:           r.InputParameters,
		MaximumExecutionFrequency: r.MaximumExecutionFrequency,
		State:                     r.State,
		CreatedBy:                 r.CreatedBy,
		EvaluationModes:           r.EvaluationModes,
	}
	if r.Source.SourceDetails != nil {
		rec.Source.SourceDetails = make([]sourceDetailRecord, len(r.Source.SourceDetails))
		for i, d := range r.Source.SourceDetails {
			rec.Source.SourceDetails[i] = sourceDetailRecord(d)
		}
	}
	if p := r.Source.CustomPolicy; p != nil {
		cp := customPolicyRecord(*p)
		rec.Source.CustomPolicy = &cp
	}
	return rec
}

func (rec *ruleRecord) rule() *configd.ConfigRule {
	r := &configd.ConfigRule{
		Name:        rec.Name,
		ARN:         rec.ARN,
		ID:          rec.ID,
		Description: rec.Description,
		Scope:       configd.RuleScope(rec.Scope),
		Source: configd.RuleSource{
			Owner:            rec.Source.Owner,
			SourceIdentifier: rec.Source.SourceIdentifier,
		},
		InputParameters:           rec.InputParameters,
		MaximumExecutionFrequency: rec.MaximumExecutionFrequency,
		State:                     rec.State,
		CreatedBy:                 rec.CreatedBy,
		EvaluationModes:           rec.EvaluationModes,
	}
	if rec.Source.SourceDetails != nil {
		r.Source.SourceDetails = make([]configd.SourceDetail, len(rec.Source.SourceDetails))
		for i, d := range rec.Source.SourceDetails {
			r.Source.SourceDetails[i] = configd.SourceDetail(d)
		}
	}
	if p := rec.Source.CustomPolicy; p != nil {
		cp := configd.CustomPolicy(*p)
		r.Source.CustomPolicy = &cp
	}
	return r
}

type ruleStatusRecord struct {
	FirstActivatedTime           *int64 `json:"firstActivatedTime,omitempty"`
	LastDeactivatedTime          *int64 `json:"lastDeactivatedTime,omitempty"`
	LastSuccessfulInvocationTime *int64 `json:"lastSuccessfulInvocationTime,omitempty"`
	LastFailedInvocationTime     *int64 `json:"lastFailedInvocationTime,omitempty"`
	LastSuccessfulEvaluationTime *int64 `json:"lastSuccessfulEvaluationTime,omitempty"`
	LastFailedEvaluationTime     *int64 `json:"lastFailedEvaluationTime,omitempty"`
	LastErrorCode                string `json:"lastErrorCode,omitempty"`
	LastErrorMessage             string `json:"lastErrorMessage,omitempty"`
	FirstEvaluationStarted       bool   `json:"firstEvaluationStarted,omitempty"`
	NextScheduledRun             *int64 `json:"nextScheduledRun,omitempty"`
	LastOnDemandRun              *int64 `json:"lastOnDemandRun,omitempty"`
	EvaluationsPending           int    `json:"evaluationsPending,omitempty"`
}

func toRuleStatusRecord(st *configd.RuleStatus) *ruleStatusRecord {
	return &ruleStatusRecord{
		FirstActivatedTime:           storecodec.Millis(st.FirstActivatedTime),
		LastDeactivatedTime:          storecodec.Millis(st.LastDeactivatedTime),
		LastSuccessfulInvocationTime: storecodec.Millis(st.LastSuccessfulInvocationTime),
		LastFailedInvocationTime:     storecodec.Millis(st.LastFailedInvocationTime),
		LastSuccessfulEvaluationTime: storecodec.Millis(st.LastSuccessfulEvaluationTime),
		LastFailedEvaluationTime:     storecodec.Millis(st.LastFailedEvaluationTime),
		LastErrorCode:                st.LastErrorCode,
		LastErrorMessage:             st.LastErrorMessage,
		FirstEvaluationStarted:       st.FirstEvaluationStarted,
		NextScheduledRun:             storecodec.Millis(st.NextScheduledRun),
		LastOnDemandRun:              storecodec.Millis(st.LastOnDemandRun),
		EvaluationsPending:           st.EvaluationsPending,
	}
}

func (rec *ruleStatusRecord) status() *configd.RuleStatus {
	return &configd.RuleStatus{
		FirstActivatedTime:           storecodec.FromMillis(rec.FirstActivatedTime),
		LastDeactivatedTime:          storecodec.FromMillis(rec.LastDeactivatedTime),
		LastSuccessfulInvocationTime: storecodec.FromMillis(rec.LastSuccessfulInvocationTime),
		LastFailedInvocationTime:     storecodec.FromMillis(rec.LastFailedInvocationTime),
		LastSuccessfulEvaluationTime: storecodec.FromMillis(rec.LastSuccessfulEvaluationTime),
		LastFailedEvaluationTime:     storecodec.FromMillis(rec.LastFailedEvaluationTime),
		LastErrorCode:                rec.LastErrorCode,
		LastErrorMessage:             rec.LastErrorMessage,
		FirstEvaluationStarted:       rec.FirstEvaluationStarted,
		NextScheduledRun:             storecodec.FromMillis(rec.NextScheduledRun),
		LastOnDemandRun:              storecodec.FromMillis(rec.LastOnDemandRun),
		EvaluationsPending:           rec.EvaluationsPending,
	}
}

// evaluationRecord is the body of an evaluation_results row: the fields of
// EvaluationResult that are not columns.
type evaluationRecord struct {
	EvaluationMode        string `json:"evaluationMode,omitempty"`
	Annotation            string `json:"annotation,omitempty"`
	ResultRecordedTime    *int64 `json:"resultRecordedTime,omitempty"`
	ConfigRuleInvokedTime *int64 `json:"configRuleInvokedTime,omitempty"`
	OrderingTimestamp     *int64 `json:"orderingTimestamp,omitempty"`
	ResultToken           string `json:"resultToken,omitempty"`
}

func toEvaluationRecord(e *configd.EvaluationResult) *evaluationRecord {
	return &evaluationRecord{
		EvaluationMode:        e.EvaluationMode,
		Annotation:            e.Annotation,
		ResultRecordedTime:    storecodec.Millis(e.ResultRecordedTime),
		ConfigRuleInvokedTime: storecodec.Millis(e.ConfigRuleInvokedTime),
		OrderingTimestamp:     storecodec.Millis(e.OrderingTimestamp),
		ResultToken:           e.ResultToken,
	}
}

// result rebuilds the EvaluationResult of a row from its columns and body.
func (rec *evaluationRecord) result(rule, typ, id, compliance string) *configd.EvaluationResult {
	return &configd.EvaluationResult{
		RuleName:              rule,
		ResourceType:          typ,
		ResourceID:            id,
		EvaluationMode:        rec.EvaluationMode,
		ComplianceType:        compliance,
		Annotation:            rec.Annotation,
		ResultRecordedTime:    storecodec.FromMillis(rec.ResultRecordedTime),
		ConfigRuleInvokedTime: storecodec.FromMillis(rec.ConfigRuleInvokedTime),
		OrderingTimestamp:     storecodec.FromMillis(rec.OrderingTimestamp),
		ResultToken:           rec.ResultToken,
	}
}
