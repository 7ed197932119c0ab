// Package storecodec holds the JSON records that the SQLite and PostgreSQL
// stores keep in their "body" columns, so that both write the same JSON.
package storecodec

import (
	"time"

	"github.com/configd/configd"
)

// The records below are the JSON form of domain structs in "body" columns.
// They name every field explicitly, so that renaming a Go field never changes
// what is on disk, and they hold times as epoch milliseconds (absent when
// zero). Slices and maps have no omitempty: a nil and an empty value both
// round-trip as they were.

// Millis returns t as epoch milliseconds, or nil for the zero time.
func Millis(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	v := t.UnixMilli()
	return &v
}

// FromMillis is the inverse of Millis; times come back in UTC.
func FromMillis(v *int64) time.Time {
	if v == nil {
		return time.Time{}
	}
	return time.UnixMilli(*v).UTC()
}

type RecordingGroupRecord struct {
	AllSupported               bool     `json:"allSupported,omitempty"`
	IncludeGlobalResourceTypes bool     `json:"includeGlobalResourceTypes,omitempty"`
	ResourceTypes              []string `json:"resourceTypes"`
	ExclusionByResourceTypes   []string `json:"exclusionByResourceTypes"`
	RecordingStrategy          string   `json:"recordingStrategy,omitempty"`
}

type RecordingModeOverrideRecord struct {
	Description        string   `json:"description,omitempty"`
	ResourceTypes      []string `json:"resourceTypes"`
	RecordingFrequency string   `json:"recordingFrequency,omitempty"`
}

type RecordingModeRecord struct {
	RecordingFrequency string                        `json:"recordingFrequency,omitempty"`
	Overrides          []RecordingModeOverrideRecord `json:"overrides"`
}

type RecorderRecord struct {
	Name                 string               `json:"name"`
	ARN                  string               `json:"arn,omitempty"`
	RoleARN              string               `json:"roleArn,omitempty"`
	RecordingGroup       RecordingGroupRecord `json:"recordingGroup"`
	RecordingMode        RecordingModeRecord  `json:"recordingMode"`
	ServicePrincipal     string               `json:"servicePrincipal,omitempty"`
	Recording            bool                 `json:"recording,omitempty"`
	LastStartTime        *int64               `json:"lastStartTime,omitempty"`
	LastStopTime         *int64               `json:"lastStopTime,omitempty"`
	LastStatus           string               `json:"lastStatus,omitempty"`
	LastStatusChangeTime *int64               `json:"lastStatusChangeTime,omitempty"`
	LastErrorCode        string               `json:"lastErrorCode,omitempty"`
	LastErrorMessage     string               `json:"lastErrorMessage,omitempty"`
}

func ToRecorderRecord(r *configd.Recorder) *RecorderRecord {
	rec := &RecorderRecord{
		Name:    r.Name,
		ARN:     r.ARN,
		RoleARN: r.RoleARN,
		RecordingGroup: RecordingGroupRecord{
			AllSupported:               r.RecordingGroup.AllSupported,
			IncludeGlobalResourceTypes: r.RecordingGroup.IncludeGlobalResourceTypes,
			ResourceTypes:              r.RecordingGroup.ResourceTypes,
			ExclusionByResourceTypes:   r.RecordingGroup.ExclusionByResourceTypes,
			RecordingStrategy:          r.RecordingGroup.RecordingStrategy,
		},
		RecordingMode: RecordingModeRecord{
			RecordingFrequency: r.RecordingMode.RecordingFrequency,
		},
		ServicePrincipal:     r.ServicePrincipal,
		Recording:            r.Recording,
		LastStartTime:        Millis(r.LastStartTime),
		LastStopTime:         Millis(r.LastStopTime),
		LastStatus:           r.LastStatus,
		LastStatusChangeTime: Millis(r.LastStatusChangeTime),
		LastErrorCode:        r.LastErrorCode,
		LastErrorMessage:     r.LastErrorMessage,
	}
	if r.RecordingMode.Overrides != nil {
		rec.RecordingMode.Overrides = make([]RecordingModeOverrideRecord, len(r.RecordingMode.Overrides))
		for i, o := range r.RecordingMode.Overrides {
			rec.RecordingMode.Overrides[i] = RecordingModeOverrideRecord(o)
		}
	}
	return rec
}

func (rec *RecorderRecord) Recorder() *configd.Recorder {
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
		LastStartTime:        FromMillis(rec.LastStartTime),
		LastStopTime:         FromMillis(rec.LastStopTime),
		LastStatus:           rec.LastStatus,
		LastStatusChangeTime: FromMillis(rec.LastStatusChangeTime),
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

type DeliveryInfoRecord struct {
	LastStatus         string `json:"lastStatus,omitempty"`
	LastErrorCode      string `json:"lastErrorCode,omitempty"`
	LastErrorMessage   string `json:"lastErrorMessage,omitempty"`
	LastAttemptTime    *int64 `json:"lastAttemptTime,omitempty"`
	LastSuccessfulTime *int64 `json:"lastSuccessfulTime,omitempty"`
	NextDeliveryTime   *int64 `json:"nextDeliveryTime,omitempty"`
}

func ToDeliveryInfoRecord(d configd.DeliveryInfo) DeliveryInfoRecord {
	return DeliveryInfoRecord{
		LastStatus:         d.LastStatus,
		LastErrorCode:      d.LastErrorCode,
		LastErrorMessage:   d.LastErrorMessage,
		LastAttemptTime:    Millis(d.LastAttemptTime),
		LastSuccessfulTime: Millis(d.LastSuccessfulTime),
		NextDeliveryTime:   Millis(d.NextDeliveryTime),
	}
}

func (rec DeliveryInfoRecord) Info() configd.DeliveryInfo {
	return configd.DeliveryInfo{
		LastStatus:         rec.LastStatus,
		LastErrorCode:      rec.LastErrorCode,
		LastErrorMessage:   rec.LastErrorMessage,
		LastAttemptTime:    FromMillis(rec.LastAttemptTime),
		LastSuccessfulTime: FromMillis(rec.LastSuccessfulTime),
		NextDeliveryTime:   FromMillis(rec.NextDeliveryTime),
	}
}

type DeliveryChannelRecord struct {
	Name              string             `json:"name"`
	S3BucketName      string             `json:"s3BucketName,omitempty"`
	S3KeyPrefix       string             `json:"s3KeyPrefix,omitempty"`
	S3KmsKeyARN       string             `json:"s3KmsKeyArn,omitempty"`
	SNSTopicARN       string             `json:"snsTopicArn,omitempty"`
	DeliveryFrequency string             `json:"deliveryFrequency,omitempty"`
	Snapshot          DeliveryInfoRecord `json:"snapshot"`
	History           DeliveryInfoRecord `json:"history"`
	Stream            DeliveryInfoRecord `json:"stream"`
}

func ToDeliveryChannelRecord(c *configd.DeliveryChannel) *DeliveryChannelRecord {
	return &DeliveryChannelRecord{
		Name:              c.Name,
		S3BucketName:      c.S3BucketName,
		S3KeyPrefix:       c.S3KeyPrefix,
		S3KmsKeyARN:       c.S3KmsKeyARN,
		SNSTopicARN:       c.SNSTopicARN,
		DeliveryFrequency: c.DeliveryFrequency,
		Snapshot:          ToDeliveryInfoRecord(c.Snapshot),
		History:           ToDeliveryInfoRecord(c.History),
		Stream:            ToDeliveryInfoRecord(c.Stream),
	}
}

func (rec *DeliveryChannelRecord) Channel() *configd.DeliveryChannel {
	return &configd.DeliveryChannel{
		Name:              rec.Name,
		S3BucketName:      rec.S3BucketName,
		S3KeyPrefix:       rec.S3KeyPrefix,
		S3KmsKeyARN:       rec.S3KmsKeyARN,
		SNSTopicARN:       rec.SNSTopicARN,
		DeliveryFrequency: rec.DeliveryFrequency,
		Snapshot:          rec.Snapshot.Info(),
		History:           rec.History.Info(),
		Stream:            rec.Stream.Info(),
	}
}

type RetentionRecord struct {
	Name                  string `json:"name"`
	RetentionPeriodInDays int    `json:"retentionPeriodInDays"`
}

type RelationshipRecord struct {
	ResourceType     string `json:"resourceType,omitempty"`
	ResourceID       string `json:"resourceId,omitempty"`
	ResourceName     string `json:"resourceName,omitempty"`
	RelationshipName string `json:"relationshipName,omitempty"`
}

type ItemRecord struct {
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
	Relationships              []RelationshipRecord `json:"relationships"`
	Configuration              string               `json:"configuration,omitempty"`
	SupplementaryConfiguration map[string]string    `json:"supplementaryConfiguration"`
	RecordingFrequency         string               `json:"recordingFrequency,omitempty"`
	DeliveryTime               *int64               `json:"configurationItemDeliveryTime,omitempty"`
	SchemaVersionID            string               `json:"schemaVersionId,omitempty"`
}

func ToItemRecord(ci *configd.ConfigurationItem) *ItemRecord {
	rec := &ItemRecord{
		Version:                    ci.Version,
		AccountID:                  ci.AccountID,
		CaptureTime:                Millis(ci.CaptureTime),
		Status:                     ci.Status,
		StateID:                    ci.StateID,
		MD5Hash:                    ci.MD5Hash,
		ARN:                        ci.ARN,
		ResourceType:               ci.ResourceType,
		ResourceID:                 ci.ResourceID,
		ResourceName:               ci.ResourceName,
		Region:                     ci.Region,
		AvailabilityZone:           ci.AvailabilityZone,
		ResourceCreationTime:       Millis(ci.ResourceCreationTime),
		Tags:                       ci.Tags,
		RelatedEvents:              ci.RelatedEvents,
		Configuration:              ci.Configuration,
		SupplementaryConfiguration: ci.SupplementaryConfiguration,
		RecordingFrequency:         ci.RecordingFrequency,
		DeliveryTime:               Millis(ci.DeliveryTime),
		SchemaVersionID:            ci.SchemaVersionID,
	}
	if ci.Relationships != nil {
		rec.Relationships = make([]RelationshipRecord, len(ci.Relationships))
		for i, r := range ci.Relationships {
			rec.Relationships[i] = RelationshipRecord(r)
		}
	}
	return rec
}

func (rec *ItemRecord) Item() configd.ConfigurationItem {
	ci := configd.ConfigurationItem{
		Version:                    rec.Version,
		AccountID:                  rec.AccountID,
		CaptureTime:                FromMillis(rec.CaptureTime),
		Status:                     rec.Status,
		StateID:                    rec.StateID,
		MD5Hash:                    rec.MD5Hash,
		ARN:                        rec.ARN,
		ResourceType:               rec.ResourceType,
		ResourceID:                 rec.ResourceID,
		ResourceName:               rec.ResourceName,
		Region:                     rec.Region,
		AvailabilityZone:           rec.AvailabilityZone,
		ResourceCreationTime:       FromMillis(rec.ResourceCreationTime),
		Tags:                       rec.Tags,
		RelatedEvents:              rec.RelatedEvents,
		Configuration:              rec.Configuration,
		SupplementaryConfiguration: rec.SupplementaryConfiguration,
		RecordingFrequency:         rec.RecordingFrequency,
		DeliveryTime:               FromMillis(rec.DeliveryTime),
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
