package sqlite

import (
	"time"

	"github.com/configd/configd"
)

// The records below are the JSON form of domain structs in "body" columns.
// They name every field explicitly, so that renaming a Go field never changes
// what is on disk, and they hold times as epoch milliseconds (absent when
// zero). Slices and maps have no omitempty: a nil and an empty value both
// round-trip as they were.

// millis returns t as epoch milliseconds, or nil for the zero time.
func millis(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	v := t.UnixMilli()
	return &v
}

// fromMillis is the inverse of millis; times come back in UTC.
func fromMillis(v *int64) time.Time {
	if v == nil {
		return time.Time{}
	}
	return time.UnixMilli(*v).UTC()
}

// nullMillis returns t as epoch milliseconds for a nullable column.
func nullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

type recordingGroupRecord struct {
	AllSupported               bool     `json:"allSupported,omitempty"`
	IncludeGlobalResourceTypes bool     `json:"includeGlobalResourceTypes,omitempty"`
	ResourceTypes              []string `json:"resourceTypes"`
	ExclusionByResourceTypes   []string `json:"exclusionByResourceTypes"`
	RecordingStrategy          string   `json:"recordingStrategy,omitempty"`
}

type recordingModeOverrideRecord struct {
	Description        string   `json:"description,omitempty"`
	ResourceTypes      []string `json:"resourceTypes"`
	RecordingFrequency string   `json:"recordingFrequency,omitempty"`
}

type recordingModeRecord struct {
	RecordingFrequency string                        `json:"recordingFrequency,omitempty"`
	Overrides          []recordingModeOverrideRecord `json:"overrides"`
}

type recorderRecord struct {
	Name                 string               `json:"name"`
	ARN                  string               `json:"arn,omitempty"`
	RoleARN              string               `json:"roleArn,omitempty"`
	RecordingGroup       recordingGroupRecord `json:"recordingGroup"`
	RecordingMode        recordingModeRecord  `json:"recordingMode"`
	ServicePrincipal     string               `json:"servicePrincipal,omitempty"`
	Recording            bool                 `json:"recording,omitempty"`
	LastStartTime        *int64               `json:"lastStartTime,omitempty"`
	LastStopTime         *int64               `json:"lastStopTime,omitempty"`
	LastStatus           string               `json:"lastStatus,omitempty"`
	LastStatusChangeTime *int64               `json:"lastStatusChangeTime,omitempty"`
	LastErrorCode        string               `json:"lastErrorCode,omitempty"`
	LastErrorMessage     string               `json:"lastErrorMessage,omitempty"`
}

func toRecorderRecord(r *configd.Recorder) *recorderRecord {
	rec := &recorderRecord{
		Name:    r.Name,
		ARN:     r.ARN,
		RoleARN: r.RoleARN,
		RecordingGroup: recordingGroupRecord{
			AllSupported:               r.RecordingGroup.AllSupported,
			IncludeGlobalResourceTypes: r.RecordingGroup.IncludeGlobalResourceTypes,
			ResourceTypes:              r.RecordingGroup.ResourceTypes,
			ExclusionByResourceTypes:   r.RecordingGroup.ExclusionByResourceTypes,
			RecordingStrategy:          r.RecordingGroup.RecordingStrategy,
		},
		RecordingMode: recordingModeRecord{
			RecordingFrequency: r.RecordingMode.RecordingFrequency,
		},
		ServicePrincipal:     r.ServicePrincipal,
		Recording:            r.Recording,
		LastStartTime:        millis(r.LastStartTime),
		LastStopTime:         millis(r.LastStopTime),
		LastStatus:           r.LastStatus,
		LastStatusChangeTime: millis(r.LastStatusChangeTime),
		LastErrorCode:        r.LastErrorCode,
		LastErrorMessage:     r.LastErrorMessage,
	}
	if r.RecordingMode.Overrides != nil {
		rec.RecordingMode.Overrides = make([]recordingModeOverrideRecord, len(r.RecordingMode.Overrides))
		for i, o := range r.RecordingMode.Overrides {
			rec.RecordingMode.Overrides[i] = recordingModeOverrideRecord(o)
		}
	}
	return rec
}

func (rec *recorderRecord) recorder() *configd.Recorder {
	r := &configd.Recorder{
		Name:    rec.Name,
		ARN:     rec.ARN,
		RoleARN: rec.RoleARN,
		RecordingGroup: configd.RecordingGroup{
			AllSupported:               rec.RecordingGroup.AllSupported,
			IncludeGlobalResourceTypes: rec.RecordingGroup.IncludeGlobalResourceTypes,
			ResourceTypes:              rec.RecordingGroup.ResourceTypes,
			ExclusionByResourceTypes:   rec.RecordingGroup.ExclusionByResourceTypes,
			RecordingStrategy:          rec.RecordingGroup.RecordingStrategy,
		},
		RecordingMode: configd.RecordingMode{
			RecordingFrequency: rec.RecordingMode.RecordingFrequency,
		},
		ServicePrincipal:     rec.ServicePrincipal,
		Recording:            rec.Recording,
		LastStartTime:        fromMillis(rec.LastStartTime),
		LastStopTime:         fromMillis(rec.LastStopTime),
		LastStatus:           rec.LastStatus,
		LastStatusChangeTime: fromMillis(rec.LastStatusChangeTime),
		LastErrorCode:        rec.LastErrorCode,
		LastErrorMessage:     rec.LastErrorMessage,
	}
	if rec.RecordingMode.Overrides != nil {
		r.RecordingMode.Overrides = make([]configd.RecordingModeOverride, len(rec.RecordingMode.Overrides))
		for i, o := range rec.RecordingMode.Overrides {
			r.RecordingMode.Overrides[i] = configd.RecordingModeOverride(o)
		}
	}
	return r
}

type deliveryInfoRecord struct {
	LastStatus         string `json:"lastStatus,omitempty"`
	LastErrorCode      string `json:"lastErrorCode,omitempty"`
	LastErrorMessage   string `json:"lastErrorMessage,omitempty"`
	LastAttemptTime    *int64 `json:"lastAttemptTime,omitempty"`
	LastSuccessfulTime *int64 `json:"lastSuccessfulTime,omitempty"`
	NextDeliveryTime   *int64 `json:"nextDeliveryTime,omitempty"`
}

func toDeliveryInfoRecord(d configd.DeliveryInfo) deliveryInfoRecord {
	return deliveryInfoRecord{
		LastStatus:         d.LastStatus,
		LastErrorCode:      d.LastErrorCode,
		LastErrorMessage:   d.LastErrorMessage,
		LastAttemptTime:    millis(d.LastAttemptTime),
		LastSuccessfulTime: millis(d.LastSuccessfulTime),
		NextDeliveryTime:   millis(d.NextDeliveryTime),
	}
}

func (rec deliveryInfoRecord) info() configd.DeliveryInfo {
	return configd.DeliveryInfo{
		LastStatus:         rec.LastStatus,
		LastErrorCode:      rec.LastErrorCode,
		LastErrorMessage:   rec.LastErrorMessage,
		LastAttemptTime:    fromMillis(rec.LastAttemptTime),
		LastSuccessfulTime: fromMillis(rec.LastSuccessfulTime),
		NextDeliveryTime:   fromMillis(rec.NextDeliveryTime),
	}
}

type deliveryChannelRecord struct {
	Name              string             `json:"name"`
	S3BucketName      string             `json:"s3BucketName,omitempty"`
	S3KeyPrefix       string             `json:"s3KeyPrefix,omitempty"`
	S3KmsKeyARN       string             `json:"s3KmsKeyArn,omitempty"`
	SNSTopicARN       string             `json:"snsTopicArn,omitempty"`
	DeliveryFrequency string             `json:"deliveryFrequency,omitempty"`
	Snapshot          deliveryInfoRecord `json:"snapshot"`
	History           deliveryInfoRecord `json:"history"`
	Stream            deliveryInfoRecord `json:"stream"`
}

func toDeliveryChannelRecord(c *configd.DeliveryChannel) *deliveryChannelRecord {
	return &deliveryChannelRecord{
		Name:              c.Name,
		S3BucketName:      c.S3BucketName,
		S3KeyPrefix:       c.S3KeyPrefix,
		S3KmsKeyARN:       c.S3KmsKeyARN,
		SNSTopicARN:       c.SNSTopicARN,
		DeliveryFrequency: c.DeliveryFrequency,
		Snapshot:          toDeliveryInfoRecord(c.Snapshot),
		History:           toDeliveryInfoRecord(c.History),
		Stream:            toDeliveryInfoRecord(c.Stream),
	}
}

func (rec *deliveryChannelRecord) channel() *configd.DeliveryChannel {
	return &configd.DeliveryChannel{
		Name:              rec.Name,
		S3BucketName:      rec.S3BucketName,
		S3KeyPrefix:       rec.S3KeyPrefix,
		S3KmsKeyARN:       rec.S3KmsKeyARN,
		SNSTopicARN:       rec.SNSTopicARN,
		DeliveryFrequency: rec.DeliveryFrequency,
		Snapshot:          rec.Snapshot.info(),
		History:           rec.History.info(),
		Stream:            rec.Stream.info(),
	}
}

type retentionRecord struct {
	Name                  string `json:"name"`
	RetentionPeriodInDays int    `json:"retentionPeriodInDays"`
}

type relationshipRecord struct {
	ResourceType     string `json:"resourceType,omitempty"`
	ResourceID       string `json:"resourceId,omitempty"`
	ResourceName     string `json:"resourceName,omitempty"`
	RelationshipName string `json:"relationshipName,omitempty"`
}

type itemRecord struct {
	Version                    string               `json:"version,omitempty"`
	AccountID                  string               `json:"accountId,omitempty"`
	CaptureTime                *int64               `json:"configurationItemCaptureTime,omitempty"`
	Status                     string               `json:"configurationItemStatus,omitempty"`
	StateID                    string               `json:"configurationStateId,omitempty"`
	MD5Hash                    string               `json:"configurationItemMD5Hash,omitempty"`
	ARN                        string               `json:"arn,omitempty"`
	ResourceType               string               `json:"resourceType"`
	ResourceID                 string               `json:"resourceId"`
	ResourceName               string               `json:"resourceName,omitempty"`
	Region                     string               `json:"awsRegion,omitempty"`
	AvailabilityZone           string               `json:"availabilityZone,omitempty"`
	ResourceCreationTime       *int64               `json:"resourceCreationTime,omitempty"`
	Tags                       map[string]string    `json:"tags"`
	RelatedEvents              []string             `json:"relatedEvents"`
	Relationships              []relationshipRecord `json:"relationships"`
	Configuration              string               `json:"configuration,omitempty"`
	SupplementaryConfiguration map[string]string    `json:"supplementaryConfiguration"`
	RecordingFrequency         string               `json:"recordingFrequency,omitempty"`
	DeliveryTime               *int64               `json:"configurationItemDeliveryTime,omitempty"`
	SchemaVersionID            string               `json:"schemaVersionId,omitempty"`
}

func toItemRecord(ci *configd.ConfigurationItem) *itemRecord {
	rec := &itemRecord{
		Version:                    ci.Version,
		AccountID:                  ci.AccountID,
		CaptureTime:                millis(ci.CaptureTime),
		Status:                     ci.Status,
		StateID:                    ci.StateID,
		MD5Hash:                    ci.MD5Hash,
		ARN:                        ci.ARN,
		ResourceType:               ci.ResourceType,
		ResourceID:                 ci.ResourceID,
		ResourceName:               ci.ResourceName,
		Region:                     ci.Region,
		AvailabilityZone:           ci.AvailabilityZone,
		ResourceCreationTime:       millis(ci.ResourceCreationTime),
		Tags:                       ci.Tags,
		RelatedEvents:              ci.RelatedEvents,
		Configuration:              ci.Configuration,
		SupplementaryConfiguration: ci.SupplementaryConfiguration,
		RecordingFrequency:         ci.RecordingFrequency,
		DeliveryTime:               millis(ci.DeliveryTime),
		SchemaVersionID:            ci.SchemaVersionID,
	}
	if ci.Relationships != nil {
		rec.Relationships = make([]relationshipRecord, len(ci.Relationships))
		for i, r := range ci.Relationships {
			rec.Relationships[i] = relationshipRecord(r)
		}
	}
	return rec
}

func (rec *itemRecord) item() configd.ConfigurationItem {
	ci := configd.ConfigurationItem{
		Version:                    rec.Version,
		AccountID:                  rec.AccountID,
		CaptureTime:                fromMillis(rec.CaptureTime),
		Status:                     rec.Status,
		StateID:                    rec.StateID,
		MD5Hash:                    rec.MD5Hash,
		ARN:                        rec.ARN,
		ResourceType:               rec.ResourceType,
		ResourceID:                 rec.ResourceID,
		ResourceName:               rec.ResourceName,
		Region:                     rec.Region,
		AvailabilityZone:           rec.AvailabilityZone,
		ResourceCreationTime:       fromMillis(rec.ResourceCreationTime),
		Tags:                       rec.Tags,
		RelatedEvents:              rec.RelatedEvents,
		Configuration:              rec.Configuration,
		SupplementaryConfiguration: rec.SupplementaryConfiguration,
		RecordingFrequency:         rec.RecordingFrequency,
		DeliveryTime:               fromMillis(rec.DeliveryTime),
		SchemaVersionID:            rec.SchemaVersionID,
	}
	if rec.Relationships != nil {
		ci.Relationships = make([]configd.Relationship, len(rec.Relationships))
		for i, r := range rec.Relationships {
			ci.Relationships[i] = configd.Relationship(r)
		}
	}
	return ci
}
