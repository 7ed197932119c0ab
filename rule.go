package configd

import (
	"context"
	"time"
)

// Rule owners (Source.Owner).
const (
	OwnerAWS          = "AWS"
	OwnerCustomLambda = "CUSTOM_LAMBDA"
	OwnerCustomPolicy = "CUSTOM_POLICY"
)

// Rule states (ConfigRuleState).
const (
	RuleStateActive          = "ACTIVE"
	RuleStateDeleting        = "DELETING"
	RuleStateDeletingResults = "DELETING_RESULTS"
	RuleStateEvaluating      = "EVALUATING"
)

// Message types that trigger rules (SourceDetail.MessageType).
const (
	MessageConfigurationItemChange          = "ConfigurationItemChangeNotification"
	MessageOversizedConfigurationItemChange = "OversizedConfigurationItemChangeNotification"
	MessageScheduled                        = "ScheduledNotification"
	MessageConfigurationSnapshotDelivery    = "ConfigurationSnapshotDeliveryCompleted"
)

// Compliance types.
const (
	Compliant        = "COMPLIANT"
	NonCompliant     = "NON_COMPLIANT"
	NotApplicable    = "NOT_APPLICABLE"
	InsufficientData = "INSUFFICIENT_DATA"
)

// Evaluation modes.
const (
	EvaluationModeDetective = "DETECTIVE"
	EvaluationModeProactive = "PROACTIVE"
)

// AccountResourceType is the resource type of account-level evaluations.
const AccountResourceType = "AWS::::Account"

// RuleScope limits the resources a rule evaluates.
type RuleScope struct {
	ComplianceResourceTypes []string
	TagKey                  string
	TagValue                string
	ComplianceResourceID    string
}

// SourceDetail is one trigger of a custom rule.
type SourceDetail struct {
	EventSource               string // aws.config
	MessageType               string
	MaximumExecutionFrequency string
}

// CustomPolicy is the policy of a CUSTOM_POLICY rule.
type CustomPolicy struct {
	PolicyRuntime          string // guard-2.x.x
	PolicyText             string
	EnableDebugLogDelivery bool
}

// RuleSource says what evaluates a rule.
type RuleSource struct {
	Owner            string
	SourceIdentifier string // managed rule identifier or Lambda function ARN
	SourceDetails    []SourceDetail
	CustomPolicy     *CustomPolicy
}

// ConfigRule is an AWS Config rule.
type ConfigRule struct {
	Name                      string
	ARN                       string
	ID                        string
	Description               string
	Scope                     RuleScope
	Source                    RuleSource
	InputParameters           string // JSON object text
	MaximumExecutionFrequency string // One_Hour ... TwentyFour_Hours, for periodic rules
	State                     string
	CreatedBy                 string
	EvaluationModes           []string
}

// RuleStatus is the evaluation status of a rule
// (DescribeConfigRuleEvaluationStatus), and configd's schedule for it.
type RuleStatus struct {
	FirstActivatedTime           time.Time
	LastDeactivatedTime          time.Time
	LastSuccessfulInvocationTime time.Time
	LastFailedInvocationTime     time.Time
	LastSuccessfulEvaluationTime time.Time
	LastFailedEvaluationTime     time.Time
	LastErrorCode                string
	LastErrorMessage             string
	FirstEvaluationStarted       bool
	// NextScheduledRun is when a periodic rule runs next (zero: not periodic).
	NextScheduledRun time.Time
	// LastOnDemandRun is when StartConfigRulesEvaluation last started it.
	LastOnDemandRun time.Time
	// EvaluationsPending counts queued evaluations of the rule not yet done.
	EvaluationsPending int
}

// EvaluationResult is the compliance of one resource under one rule: the
// latest evaluation (AWS keeps one per rule and resource).
type EvaluationResult struct {
	RuleName              string
	ResourceType          string
	ResourceID            string
	EvaluationMode        string
	ComplianceType        string
	Annotation            string
	ResultRecordedTime    time.Time // when configd stored it
	ConfigRuleInvokedTime time.Time // when the evaluation started
	OrderingTimestamp     time.Time // the time of the event evaluated
	ResultToken           string
}

// EvaluationFilter selects evaluation results. Empty fields match all.
type EvaluationFilter struct {
	RuleNames       []string
	ResourceType    string
	ResourceID      string
	ComplianceTypes []string
}

// EvaluationCursor continues a listing after the result with these keys,
// in (rule, resource type, resource id) order.
type EvaluationCursor struct {
	RuleName     string
	ResourceType string
	ResourceID   string
}

// ComplianceCount counts results by compliance type for one group (a rule
// name or a resource type, by the query).
type ComplianceCount struct {
	Group  string
	Counts map[string]int // compliance type -> number of results
}

// RuleStore keeps Config rules, their status and their evaluation results.
type RuleStore interface {
	// GetRule returns ErrNoSuchConfigRule if absent.
	GetRule(ctx context.Context, scope Scope, name string) (*ConfigRule, error)
	// ListRules lists the scope's rules ordered by name, after the name
	// after ("" from the start), at most limit (0: all).
	ListRules(ctx context.Context, scope Scope, after string, limit int) ([]*ConfigRule, error)
	// CountRules counts the scope's rules.
	CountRules(ctx context.Context, scope Scope) (int, error)
	// PutRule creates or replaces the rule named r.Name.
	PutRule(ctx context.Context, scope Scope, r *ConfigRule) error
	// DeleteRule deletes the rule, its status and its results;
	// ErrNoSuchConfigRule if absent.
	DeleteRule(ctx context.Context, scope Scope, name string) error

	// GetRuleStatus returns the rule's status (zero value if never set);
	// ErrNoSuchConfigRule if the rule is absent.
	GetRuleStatus(ctx context.Context, scope Scope, name string) (*RuleStatus, error)
	// PutRuleStatus replaces the rule's status.
	PutRuleStatus(ctx context.Context, scope Scope, name string, st *RuleStatus) error
	// DueRules returns the (scope, rule name) of periodic rules whose
	// NextScheduledRun is not after now, across scopes, at most limit.
	DueRules(ctx context.Context, now time.Time, limit int) ([]ScopedName, error)

	// PutEvaluationResult stores e as the result of (rule, resource type,
	// resource id), replacing the previous one.
	PutEvaluationResult(ctx context.Context, scope Scope, e *EvaluationResult) error
	// GetEvaluationResult returns the result of a rule for a resource, or
	// nil and no error when there is none.
	GetEvaluationResult(ctx context.Context, scope Scope, rule string, key ResourceKey) (*EvaluationResult, error)
	// DeleteEvaluationResults deletes every result of a rule.
	DeleteEvaluationResults(ctx context.Context, scope Scope, rule string) error
	// ListEvaluationResults lists results matching f in (rule, resource
	// type, resource id) order after cursor (nil: from the start), at most
	// limit (0: all).
	ListEvaluationResults(ctx context.Context, scope Scope, f EvaluationFilter, after *EvaluationCursor, limit int) ([]*EvaluationResult, error)
	// CountCompliance counts the results matching f by compliance type,
	// grouped by rule name (byRule) or by resource type, ordered by group.
	CountCompliance(ctx context.Context, scope Scope, f EvaluationFilter, byRule bool) ([]ComplianceCount, error)
}

// ScopedName names an object in a scope.
type ScopedName struct {
	Scope Scope
	Name  string
}
