package configd

import (
	"context"
	"time"
)

// Remediation execution states (RemediationExecutionState).
const (
	ExecQueued     = "QUEUED"
	ExecInProgress = "IN_PROGRESS"
	ExecSucceeded  = "SUCCEEDED"
	ExecFailed     = "FAILED"
)

// Step states (RemediationExecutionStepState).
const (
	StepSucceeded = "SUCCEEDED"
	StepPending   = "PENDING"
	StepFailed    = "FAILED"
)

// RemediationParameter is one parameter of a remediation configuration:
// either the resource's id (ResourceValue "RESOURCE_ID") or static values.
type RemediationParameter struct {
	ResourceValue string   // "RESOURCE_ID" or ""
	StaticValues  []string // used when ResourceValue is ""
}

// ExecutionControls limit how many remediations of a rule run at once.
// A percentage the configuration did not set is 0, and not listed by
// DescribeRemediationConfigurations (as MaximumAutomaticAttempts, see
// RemediationConfiguration); Concurrency and ErrorThreshold apply the
// defaults.
type ExecutionControls struct {
	ConcurrentExecutionRatePercentage int // 1..100, or 0: DefaultConcurrentExecutionRatePercentage
	ErrorPercentage                   int // 1..100, or 0: DefaultErrorPercentage
}

// Defaults of the execution controls, from the API reference of SsmControls
// (https://docs.aws.amazon.com/config/latest/APIReference/API_SsmControls.html).
const (
	DefaultConcurrentExecutionRatePercentage = 10
	DefaultErrorPercentage                   = 50
)

// Concurrency returns ConcurrentExecutionRatePercentage, or the default.
func (ec *ExecutionControls) Concurrency() int {
	return orDefault(ec.ConcurrentExecutionRatePercentage, DefaultConcurrentExecutionRatePercentage)
}

// ErrorThreshold returns ErrorPercentage, or the default.
func (ec *ExecutionControls) ErrorThreshold() int {
	return orDefault(ec.ErrorPercentage, DefaultErrorPercentage)
}

// orDefault returns v, or d when v is 0 (not set by the configuration).
func orDefault[T int | int64](v, d T) T {
	if v > 0 {
		return v
	}
	return d
}

// RemediationConfiguration says what runs to remediate a rule's
// non-compliant resources.
type RemediationConfiguration struct {
	RuleName          string
	ARN               string
	TargetType        string // SSM_DOCUMENT
	TargetID          string // document name
	TargetVersion     string
	Parameters        map[string]RemediationParameter
	ResourceType      string
	Automatic         bool
	ExecutionControls *ExecutionControls
	// MaximumAutomaticAttempts and RetryAttemptSeconds are 0 when the
	// configuration did not set them: AWS applies its defaults but does not
	// list them in DescribeRemediationConfigurations (Terraform's provider,
	// whose attributes for them are optional and not computed, plans no
	// change after applying a configuration without them). Attempts and
	// RetryWindow apply the defaults.
	MaximumAutomaticAttempts int   // 1..25, or 0: DefaultMaximumAutomaticAttempts
	RetryAttemptSeconds      int64 // 1..2678000, or 0: DefaultRetryAttemptSeconds
	CreatedByService         string
}

// Defaults of a remediation configuration's retries, from the API reference
// of RemediationConfiguration
// (https://docs.aws.amazon.com/config/latest/APIReference/API_RemediationConfiguration.html).
const (
	DefaultMaximumAutomaticAttempts = 5
	DefaultRetryAttemptSeconds      = 60
)

// Attempts returns the most automatic attempts of a resource's remediation
// within RetryWindow: MaximumAutomaticAttempts, or the default.
func (c *RemediationConfiguration) Attempts() int {
	return orDefault(c.MaximumAutomaticAttempts, DefaultMaximumAutomaticAttempts)
}

// RetryWindow returns RetryAttemptSeconds, or the default, as a duration.
func (c *RemediationConfiguration) RetryWindow() time.Duration {
	return time.Duration(orDefault(c.RetryAttemptSeconds, DefaultRetryAttemptSeconds)) * time.Second
}

// RemediationException exempts a resource from a rule's remediation.
type RemediationException struct {
	RuleName       string
	ResourceType   string
	ResourceID     string
	Message        string
	ExpirationTime time.Time // zero: never expires
}

// StepDetail is one step of an execution.
type StepDetail struct {
	Name         string
	State        string
	ErrorMessage string
	StartTime    time.Time
	StopTime     time.Time
}

// RemediationExecution is one run of a remediation on one resource.
type RemediationExecution struct {
	ID              string
	RuleName        string
	ResourceType    string
	ResourceID      string
	State           string
	Steps           []StepDetail
	InvocationTime  time.Time
	LastUpdatedTime time.Time
	Automatic       bool
	// Attempt is the automatic attempt number (1-based) within the
	// configuration's retry window; 0 for manual executions.
	Attempt    int
	RunAt      time.Time // when a queued execution may start
	Owner      string    // the worker holding it
	LeaseUntil time.Time
}

// Active reports whether e is QUEUED or IN_PROGRESS.
func (e *RemediationExecution) Active() bool {
	return e.State == ExecQueued || e.State == ExecInProgress
}

// ScopedExecution is an execution with its scope.
type ScopedExecution struct {
	Scope     Scope
	Execution *RemediationExecution
}

// ActiveExecutionChecker is implemented by stores that can tell, in
// statements of their own (no transaction, no execution decoded), whether
// every key has an active execution of a rule. StartRemediationExecution
// uses it to refuse a call whose keys are all in flight, its hot path when
// many clients start the same remediation at once. Each key is checked
// against the committed state at the time of its statement; the guard
// itself stays the store's constraint on InsertExecution.
type ActiveExecutionChecker interface {
	AllActiveExecutions(ctx context.Context, scope Scope, rule string, keys []ResourceKey) (bool, error)
}

// RemediationStore keeps remediation configurations, exceptions and
// executions. It enforces the per-resource guard: at most one QUEUED or
// IN_PROGRESS execution per (scope, rule, resource type, resource id), by a
// constraint of the database, so that it holds across processes.
type RemediationStore interface {
	// GetRemediationConfiguration returns ErrNoSuchRemediationConfiguration if absent.
	GetRemediationConfiguration(ctx context.Context, scope Scope, rule string) (*RemediationConfiguration, error)
	// ListRemediationConfigurations lists configurations of the named rules
	// (all when empty), ordered by rule name.
	ListRemediationConfigurations(ctx context.Context, scope Scope, rules []string) ([]*RemediationConfiguration, error)
	PutRemediationConfiguration(ctx context.Context, scope Scope, c *RemediationConfiguration) error
	// DeleteRemediationConfiguration returns ErrNoSuchRemediationConfiguration if absent.
	DeleteRemediationConfiguration(ctx context.Context, scope Scope, rule string) error

	// PutRemediationException creates or replaces an exception.
	PutRemediationException(ctx context.Context, scope Scope, e *RemediationException) error
	// GetRemediationException returns nil and no error when absent.
	GetRemediationException(ctx context.Context, scope Scope, rule string, key ResourceKey) (*RemediationException, error)
	// DeleteRemediationException returns ErrNoSuchRemediationException if absent.
	DeleteRemediationException(ctx context.Context, scope Scope, rule string, key ResourceKey) error
	// ListRemediationExceptions lists a rule's exceptions (of the keys given,
	// all when empty) ordered by (resource type, resource id), after the key
	// after (nil: from the start), at most limit (0: all).
	ListRemediationExceptions(ctx context.Context, scope Scope, rule string, keys []ResourceKey, after *ResourceKey, limit int) ([]*RemediationException, error)
	// DeleteExpiredRemediationExceptions deletes exceptions of every scope
	// that expired at now, and returns how many.
	DeleteExpiredRemediationExceptions(ctx context.Context, now time.Time) (int64, error)

	// InsertExecution adds a new execution (state QUEUED or IN_PROGRESS).
	// If the resource already has an active execution of the rule, it
	// returns ErrRemediationInProgress and adds nothing.
	InsertExecution(ctx context.Context, scope Scope, e *RemediationExecution) error
	// UpdateExecution replaces the execution with e.ID.
	UpdateExecution(ctx context.Context, scope Scope, e *RemediationExecution) error
	// GetExecution returns the execution with id, or ErrResourceNotFound.
	GetExecution(ctx context.Context, scope Scope, id string) (*RemediationExecution, error)
	// ActiveExecution returns the active execution of a rule on a resource,
	// or nil and no error.
	ActiveExecution(ctx context.Context, scope Scope, rule string, key ResourceKey) (*RemediationExecution, error)
	// CountActiveExecutions counts a rule's active executions (all rules
	// when rule is ""), and how many of them are IN_PROGRESS.
	CountActiveExecutions(ctx context.Context, scope Scope, rule string) (active, inProgress int, err error)
	// LatestExecutions returns the newest execution of each resource key of
	// a rule (of the keys given, all when empty), ordered by (resource type,
	// resource id), after the key after, at most limit (0: all).
	LatestExecutions(ctx context.Context, scope Scope, rule string, keys []ResourceKey, after *ResourceKey, limit int) ([]*RemediationExecution, error)
	// ExecutionHistory lists every execution of a rule on a resource, newest first.
	ExecutionHistory(ctx context.Context, scope Scope, rule string, key ResourceKey) ([]*RemediationExecution, error)
	// ClaimExecutions leases to owner, until leaseUntil, at most max
	// executions across scopes that are QUEUED with RunAt not after now, or
	// IN_PROGRESS with an expired lease (their worker died), oldest first.
	// Concurrent claims never return the same execution.
	ClaimExecutions(ctx context.Context, owner string, now, leaseUntil time.Time, max int) ([]ScopedExecution, error)
	// DeleteRuleExecutions deletes the executions of a rule.
	DeleteRuleExecutions(ctx context.Context, scope Scope, rule string) error
}
