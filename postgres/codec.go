package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/configd/configd"
)

// The records below are the JSON text of domain structs kept in "body"
// columns (no query looks inside them). Every field has an explicit JSON
// name, so that renaming a Go field never changes what is stored, and times
// are epoch milliseconds, absent when zero. Slices, maps and pointers have no
// omitempty, so that nil and empty values both come back as they were.

// ms returns t as epoch milliseconds, or nil for the zero time.
func ms(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	v := t.UnixMilli()
	return &v
}

// fromMS is the inverse of ms; times come back in UTC.
func fromMS(v *int64) time.Time {
	if v == nil {
		return time.Time{}
	}
	return time.UnixMilli(*v).UTC()
}

// nullMS returns t as epoch milliseconds for a nullable column.
func nullMS(t time.Time) *int64 { return ms(t) }

// encode marshals a record for a body column.
func encode(what string, rec any) (string, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return "", fmt.Errorf("postgres: encode %s: %w", what, err)
	}
	return string(b), nil
}

// decode unmarshals a body column into rec.
func decode(what, body string, rec any) error {
	if err := json.Unmarshal([]byte(body), rec); err != nil {
		return fmt.Errorf("postgres: decode %s: %w", what, err)
	}
	return nil
}

type groupRec struct {
	AllSupported  bool     `json:"allSupported,omitempty"`
	IncludeGlobal bool     `json:"includeGlobalResourceTypes,omitempty"`
	ResourceTypes []string `json:"resourceTypes"`
	Exclusions    []string `json:"exclusionByResourceTypes"`
	Strategy      string   `json:"recordingStrategy,omitempty"`
}

type overrideRec struct {
	Description   string   `json:"description,omitempty"`
	ResourceTypes []string `json:"resourceTypes"`
	Frequency     string   `json:"recordingFrequency,omitempty"`
}

type modeRec struct {
	Frequency string        `json:"recordingFrequency,omitempty"`
	Overrides []overrideRec `json:"overrides"`
}

type recorderRec struct {
	Name                 string   `json:"name"`
	ARN                  string   `json:"arn,omitempty"`
	RoleARN              string   `json:"roleArn,omitempty"`
	Group                groupRec `json:"recordingGroup"`
	Mode                 modeRec  `json:"recordingMode"`
	ServicePrincipal     string   `json:"servicePrincipal,omitempty"`
	Recording            bool     `json:"recording,omitempty"`
	LastStartTime        *int64   `json:"lastStartTime,omitempty"`
	LastStopTime         *int64   `json:"lastStopTime,omitempty"`
	LastStatus           string   `json:"lastStatus,omitempty"`
	LastStatusChangeTime *int64   `json:"lastStatusChangeTime,omitempty"`
	LastErrorCode        string   `json:"lastErrorCode,omitempty"`
	LastErrorMessage     string   `json:"lastErrorMessage,omitempty"`
}

func recorderToRec(r *configd.Recorder) *recorderRec {
	rec := &recorderRec{
		Name:    r.Name,
		ARN:     r.ARN,
		RoleARN: r.RoleARN,
		Group: groupRec{
			AllSupported:  r.RecordingGroup.AllSupported,
			IncludeGlobal: r.RecordingGroup.IncludeGlobalResourceTypes,
			ResourceTypes: r.RecordingGroup.ResourceTypes,
			Exclusions:    r.RecordingGroup.ExclusionByResourceTypes,
			Strategy:      r.RecordingGroup.RecordingStrategy,
		},
		Mode:                 modeRec{Frequency: r.RecordingMode.RecordingFrequency},
		ServicePrincipal:     r.ServicePrincipal,
		Recording:            r.Recording,
		LastStartTime:        ms(r.LastStartTime),
		LastStopTime:         ms(r.LastStopTime),
		LastStatus:           r.LastStatus,
		LastStatusChangeTime: ms(r.LastStatusChangeTime),
		LastErrorCode:        r.LastErrorCode,
		LastErrorMessage:     r.LastErrorMessage,
	}
	if r.RecordingMode.Overrides != nil {
		rec.Mode.Overrides = make([]overrideRec, len(r.RecordingMode.Overrides))
		for i, o := range r.RecordingMode.Overrides {
			rec.Mode.Overrides[i] = overrideRec{Description: o.Description, ResourceTypes: o.ResourceTypes, Frequency: o.RecordingFrequency}
		}
	}
	return rec
}

func (rec *recorderRec) recorder() *configd.Recorder {
	r := &configd.Recorder{
		Name:    rec.Name,
		ARN:     rec.ARN,
		RoleARN: rec.RoleARN,
		RecordingGroup: configd.RecordingGroup{
			AllSupported:               rec.Group.AllSupported,
			IncludeGlobalResourceTypes: rec.Group.IncludeGlobal,
			ResourceTypes:              rec.Group.ResourceTypes,
			ExclusionByResourceTypes:   rec.Group.Exclusions,
			RecordingStrategy:          rec.Group.Strategy,
		},
		RecordingMode:        configd.RecordingMode{RecordingFrequency: rec.Mode.Frequency},
		ServicePrincipal:     rec.ServicePrincipal,
		Recording:            rec.Recording,
		LastStartTime:        fromMS(rec.LastStartTime),
		LastStopTime:         fromMS(rec.LastStopTime),
		LastStatus:           rec.LastStatus,
		LastStatusChangeTime: fromMS(rec.LastStatusChangeTime),
		LastErrorCode:        rec.LastErrorCode,
		LastErrorMessage:     rec.LastErrorMessage,
	}
	if rec.Mode.Overrides != nil {
		r.RecordingMode.Overrides = make([]configd.RecordingModeOverride, len(rec.Mode.Overrides))
		for i, o := range rec.Mode.Overrides {
			r.RecordingMode.Overrides[i] = configd.RecordingModeOverride{Description: o.Description, ResourceTypes: o.ResourceTypes, RecordingFrequency: o.Frequency}
		}
	}
	return r
}

type deliveryRec struct {
	LastStatus         string `json:"lastStatus,omitempty"`
	LastErrorCode      string `json:"lastErrorCode,omitempty"`
	LastErrorMessage   string `json:"lastErrorMessage,omitempty"`
	LastAttemptTime    *int64 `json:"lastAttemptTime,omitempty"`
	LastSuccessfulTime *int64 `json:"lastSuccessfulTime,omitempty"`
	NextDeliveryTime   *int64 `json:"nextDeliveryTime,omitempty"`
}

func deliveryToRec(d configd.DeliveryInfo) deliveryRec {
	return deliveryRec{
		LastStatus:         d.LastStatus,
		LastErrorCode:      d.LastErrorCode,
		LastErrorMessage:   d.LastErrorMessage,
		LastAttemptTime:    ms(d.LastAttemptTime),
		LastSuccessfulTime: ms(d.LastSuccessfulTime),
		NextDeliveryTime:   ms(d.NextDeliveryTime),
	}
}

func (rec deliveryRec) info() configd.DeliveryInfo {
	return configd.DeliveryInfo{
		LastStatus:         rec.LastStatus,
		LastErrorCode:      rec.LastErrorCode,
		LastErrorMessage:   rec.LastErrorMessage,
		LastAttemptTime:    fromMS(rec.LastAttemptTime),
		LastSuccessfulTime: fromMS(rec.LastSuccessfulTime),
		NextDeliveryTime:   fromMS(rec.NextDeliveryTime),
	}
}

type channelRec struct {
	Name              string      `json:"name"`
	S3BucketName      string      `json:"s3BucketName,omitempty"`
	S3KeyPrefix       string      `json:"s3KeyPrefix,omitempty"`
	S3KmsKeyARN       string      `json:"s3KmsKeyArn,omitempty"`
	SNSTopicARN       string      `json:"snsTopicArn,omitempty"`
	DeliveryFrequency string      `json:"deliveryFrequency,omitempty"`
	Snapshot          deliveryRec `json:"snapshot"`
	History           deliveryRec `json:"history"`
	Stream            deliveryRec `json:"stream"`
}

func channelToRec(c *configd.DeliveryChannel) *channelRec {
	return &channelRec{
		Name:              c.Name,
		S3BucketName:      c.S3BucketName,
		S3KeyPrefix:       c.S3KeyPrefix,
		S3KmsKeyARN:       c.S3KmsKeyARN,
		SNSTopicARN:       c.SNSTopicARN,
		DeliveryFrequency: c.DeliveryFrequency,
		Snapshot:          deliveryToRec(c.Snapshot),
		History:           deliveryToRec(c.History),
		Stream:            deliveryToRec(c.Stream),
	}
}

func (rec *channelRec) channel() *configd.DeliveryChannel {
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

type retentionRec struct {
	Name string `json:"name"`
	Days int    `json:"retentionPeriodInDays"`
}

type relationshipRec struct {
	ResourceType     string `json:"resourceType,omitempty"`
	ResourceID       string `json:"resourceId,omitempty"`
	ResourceName     string `json:"resourceName,omitempty"`
	RelationshipName string `json:"relationshipName,omitempty"`
}

// itemRec uses the member names of AWS Config's ConfigurationItem.
type itemRec struct {
	Version                    string            `json:"version,omitempty"`
	AccountID                  string            `json:"accountId,omitempty"`
	CaptureTime                *int64            `json:"configurationItemCaptureTime,omitempty"`
	Status                     string            `json:"configurationItemStatus,omitempty"`
	StateID                    string            `json:"configurationStateId,omitempty"`
	MD5Hash                    string            `json:"configurationItemMD5Hash,omitempty"`
	ARN                        string            `json:"arn,omitempty"`
	ResourceType               string            `json:"resourceType"`
	ResourceID                 string            `json:"resourceId"`
	ResourceName               string            `json:"resourceName,omitempty"`
	Region                     string            `json:"awsRegion,omitempty"`
	AvailabilityZone           string            `json:"availabilityZone,omitempty"`
	ResourceCreationTime       *int64            `json:"resourceCreationTime,omitempty"`
	Tags                       map[string]string `json:"tags"`
	RelatedEvents              []string          `json:"relatedEvents"`
	Relationships              []relationshipRec `json:"relationships"`
	Configuration              string            `json:"configuration,omitempty"`
	SupplementaryConfiguration map[string]string `json:"supplementaryConfiguration"`
	RecordingFrequency         string            `json:"recordingFrequency,omitempty"`
	DeliveryTime               *int64            `json:"configurationItemDeliveryTime,omitempty"`
	SchemaVersionID            string            `json:"schemaVersionId,omitempty"`
}

func itemToRec(ci *configd.ConfigurationItem) *itemRec {
	rec := &itemRec{
		Version:                    ci.Version,
		AccountID:                  ci.AccountID,
		CaptureTime:                ms(ci.CaptureTime),
		Status:                     ci.Status,
		StateID:                    ci.StateID,
		MD5Hash:                    ci.MD5Hash,
		ARN:                        ci.ARN,
		ResourceType:               ci.ResourceType,
		ResourceID:                 ci.ResourceID,
		ResourceName:               ci.ResourceName,
		Region:                     ci.Region,
		AvailabilityZone:           ci.AvailabilityZone,
		ResourceCreationTime:       ms(ci.ResourceCreationTime),
		Tags:                       ci.Tags,
		RelatedEvents:              ci.RelatedEvents,
		Configuration:              ci.Configuration,
		SupplementaryConfiguration: ci.SupplementaryConfiguration,
		RecordingFrequency:         ci.RecordingFrequency,
		DeliveryTime:               ms(ci.DeliveryTime),
		SchemaVersionID:            ci.SchemaVersionID,
	}
	if ci.Relationships != nil {
		rec.Relationships = make([]relationshipRec, len(ci.Relationships))
		for i, r := range ci.Relationships {
			rec.Relationships[i] = relationshipRec(r)
		}
	}
	return rec
}

func (rec *itemRec) item() configd.ConfigurationItem {
	ci := configd.ConfigurationItem{
		Version:                    rec.Version,
		AccountID:                  rec.AccountID,
		CaptureTime:                fromMS(rec.CaptureTime),
		Status:                     rec.Status,
		StateID:                    rec.StateID,
		MD5Hash:                    rec.MD5Hash,
		ARN:                        rec.ARN,
		ResourceType:               rec.ResourceType,
		ResourceID:                 rec.ResourceID,
		ResourceName:               rec.ResourceName,
		Region:                     rec.Region,
		AvailabilityZone:           rec.AvailabilityZone,
		ResourceCreationTime:       fromMS(rec.ResourceCreationTime),
		Tags:                       rec.Tags,
		RelatedEvents:              rec.RelatedEvents,
		Configuration:              rec.Configuration,
		SupplementaryConfiguration: rec.SupplementaryConfiguration,
		RecordingFrequency:         rec.RecordingFrequency,
		DeliveryTime:               fromMS(rec.DeliveryTime),
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
