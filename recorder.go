package configd

import (
	"context"
	"time"
)

// Recording strategies of a recording group.
const (
	StrategyAllSupported = "ALL_SUPPORTED_RESOURCE_TYPES"
	StrategyInclusion    = "INCLUSION_BY_RESOURCE_TYPES"
	StrategyExclusion    = "EXCLUSION_BY_RESOURCE_TYPES"
)

// Recording frequencies.
const (
	FrequencyContinuous = "CONTINUOUS"
	FrequencyDaily      = "DAILY"
)

// Recorder statuses (lastStatus of ConfigurationRecorderStatus).
const (
	RecorderStatusPending = "Pending"
	RecorderStatusSuccess = "Success"
	RecorderStatusFailure = "Failure"
)

// RecordingGroup says which resource types a recorder records.
type RecordingGroup struct {
	AllSupported               bool
	IncludeGlobalResourceTypes bool
	ResourceTypes              []string
	ExclusionByResourceTypes   []string
	RecordingStrategy          string
}

// RecordingModeOverride sets another frequency for some resource types.
type RecordingModeOverride struct {
	Description        string
	ResourceTypes      []string
	RecordingFrequency string
}

// RecordingMode says how often a recorder records.
type RecordingMode struct {
	RecordingFrequency string
	Overrides          []RecordingModeOverride
}

// Recorder is a configuration recorder and its status.
type Recorder struct {
	Name           string
	ARN            string
	RoleARN        string
	RecordingGroup RecordingGroup
	RecordingMode  RecordingMode
	// ServicePrincipal is set for service-linked recorders.
	ServicePrincipal string

	Recording            bool
	LastStartTime        time.Time
	LastStopTime         time.Time
	LastStatus           string
	LastStatusChangeTime time.Time
	LastErrorCode        string
	LastErrorMessage     string
}

// ServiceLinked reports whether r is a service-linked recorder.
func (r *Recorder) ServiceLinked() bool { return r.ServicePrincipal != "" }

// DeliveryInfo is the status of one kind of delivery of a channel.
type DeliveryInfo struct {
	LastStatus         string // Success, Failure, Not_Applicable
	LastErrorCode      string
	LastErrorMessage   string
	LastAttemptTime    time.Time
	LastSuccessfulTime time.Time
	NextDeliveryTime   time.Time
}

// DeliveryChannel is where configuration snapshots and history are delivered,
// with the status of its deliveries.
type DeliveryChannel struct {
	Name              string
	S3BucketName      string
	S3KeyPrefix       string
	S3KmsKeyARN       string
	SNSTopicARN       string
	DeliveryFrequency string

	Snapshot DeliveryInfo
	History  DeliveryInfo
	Stream   DeliveryInfo
}

// RetentionConfiguration is how long configuration history is kept.
type RetentionConfiguration struct {
	Name                  string
	RetentionPeriodInDays int
}

// Tag is a key and value attached to a Config resource by its ARN.
type Tag struct {
	Key   string
	Value string
}

// RecorderStore keeps configuration recorders.
type RecorderStore interface {
	// GetRecorder returns a *Error with code ErrNoSuchConfigurationRecorder if absent.
	GetRecorder(ctx context.Context, scope Scope, name string) (*Recorder, error)
	// ListRecorders lists the scope's recorders ordered by name.
	ListRecorders(ctx context.Context, scope Scope) ([]*Recorder, error)
	// PutRecorder creates or replaces the recorder named r.Name.
	PutRecorder(ctx context.Context, scope Scope, r *Recorder) error
	// DeleteRecorder deletes the recorder; ErrNoSuchConfigurationRecorder if absent.
	DeleteRecorder(ctx context.Context, scope Scope, name string) error
}

// DeliveryChannelStore keeps delivery channels.
type DeliveryChannelStore interface {
	// GetDeliveryChannel returns ErrNoSuchDeliveryChannel if absent.
	GetDeliveryChannel(ctx context.Context, scope Scope, name string) (*DeliveryChannel, error)
	ListDeliveryChannels(ctx context.Context, scope Scope) ([]*DeliveryChannel, error)
	PutDeliveryChannel(ctx context.Context, scope Scope, c *DeliveryChannel) error
	// DeleteDeliveryChannel returns ErrNoSuchDeliveryChannel if absent.
	DeleteDeliveryChannel(ctx context.Context, scope Scope, name string) error
}

// RetentionStore keeps retention configurations.
type RetentionStore interface {
	// GetRetention returns ErrNoSuchRetentionConfiguration if absent.
	GetRetention(ctx context.Context, scope Scope, name string) (*RetentionConfiguration, error)
	ListRetentions(ctx context.Context, scope Scope) ([]*RetentionConfiguration, error)
	PutRetention(ctx context.Context, scope Scope, r *RetentionConfiguration) error
	// DeleteRetention returns ErrNoSuchRetentionConfiguration if absent.
	DeleteRetention(ctx context.Context, scope Scope, name string) error
}

// TagStore keeps the tags of Config resources (rules, aggregators, ...), by ARN.
type TagStore interface {
	// ListTags returns the tags of arn ordered by key.
	ListTags(ctx context.Context, scope Scope, arn string) ([]Tag, error)
	// PutTags adds or overwrites tags of arn.
	PutTags(ctx context.Context, scope Scope, arn string, tags []Tag) error
	// DeleteTags removes the keys from arn; absent keys are ignored.
	DeleteTags(ctx context.Context, scope Scope, arn string, keys []string) error
	// DeleteAllTags removes every tag of arn.
	DeleteAllTags(ctx context.Context, scope Scope, arn string) error
}
