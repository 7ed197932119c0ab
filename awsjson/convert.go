package awsjson

import (
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
	"github.com/configd/configd/service"
)

func ts(t time.Time) *api.Timestamp { return api.NewTimestamp(t) }

func recorderFromWire(w *api.ConfigurationRecorder) *configd.Recorder {
	r := &configd.Recorder{Name: w.Name, RoleARN: w.RoleARN}
	if g := w.RecordingGroup; g != nil {
		r.RecordingGroup = configd.RecordingGroup{
			AllSupported:               g.AllSupported != nil && *g.AllSupported,
			IncludeGlobalResourceTypes: g.IncludeGlobalResourceTypes != nil && *g.IncludeGlobalResourceTypes,
			ResourceTypes:              g.ResourceTypes,
		}
		if g.ExclusionByResourceTypes != nil {
			r.RecordingGroup.ExclusionByResourceTypes = g.ExclusionByResourceTypes.ResourceTypes
		}
		if g.RecordingStrategy != nil {
			r.RecordingGroup.RecordingStrategy = g.RecordingStrategy.UseOnly
		}
	}
	if m := w.RecordingMode; m != nil {
		r.RecordingMode.RecordingFrequency = m.RecordingFrequency
		for _, o := range m.RecordingModeOverrides {
			r.RecordingMode.Overrides = append(r.RecordingMode.Overrides, configd.RecordingModeOverride{Description: o.Description, ResourceTypes: o.ResourceTypes, RecordingFrequency: o.RecordingFrequency})
		}
	}
	return r
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func recorderToWire(r *configd.Recorder) api.ConfigurationRecorder {
	g := r.RecordingGroup
	w := api.ConfigurationRecorder{
		Arn:     r.ARN,
		Name:    r.Name,
		RoleARN: r.RoleARN,
		RecordingGroup: &api.RecordingGroup{
			AllSupported:               api.Bool(g.AllSupported),
			IncludeGlobalResourceTypes: api.Bool(g.IncludeGlobalResourceTypes),
			ResourceTypes:              orEmpty(g.ResourceTypes),
			ExclusionByResourceTypes:   &api.ExclusionByResourceTypes{ResourceTypes: orEmpty(g.ExclusionByResourceTypes)},
			RecordingStrategy:          &api.RecordingStrategy{UseOnly: g.RecordingStrategy},
		},
		RecordingMode: &api.RecordingMode{
			RecordingFrequency:     r.RecordingMode.RecordingFrequency,
			RecordingModeOverrides: []api.RecordingModeOverride{},
		},
		RecordingScope:   service.RecordingScope(r),
		ServicePrincipal: r.ServicePrincipal,
	}
	for _, o := range r.RecordingMode.Overrides {
		w.RecordingMode.RecordingModeOverrides = append(w.RecordingMode.RecordingModeOverrides, api.RecordingModeOverride{Description: o.Description, ResourceTypes: o.ResourceTypes, RecordingFrequency: o.RecordingFrequency})
	}
	return w
}

func recorderStatusToWire(r *configd.Recorder) api.ConfigurationRecorderStatus {
	return api.ConfigurationRecorderStatus{
		Arn:                  r.ARN,
		Name:                 r.Name,
		LastStartTime:        ts(r.LastStartTime),
		LastStopTime:         ts(r.LastStopTime),
		Recording:            api.Bool(r.Recording),
		LastStatus:           r.LastStatus,
		LastErrorCode:        r.LastErrorCode,
		LastErrorMessage:     r.LastErrorMessage,
		LastStatusChangeTime: ts(r.LastStatusChangeTime),
		ServicePrincipal:     r.ServicePrincipal,
	}
}

func channelFromWire(w *api.DeliveryChannel) *configd.DeliveryChannel {
	c := &configd.DeliveryChannel{Name: w.Name, S3BucketName: w.S3BucketName, S3KeyPrefix: w.S3KeyPrefix, S3KmsKeyARN: w.S3KmsKeyArn, SNSTopicARN: w.SnsTopicARN}
	if p := w.ConfigSnapshotDeliveryProperties; p != nil {
		c.DeliveryFrequency = p.DeliveryFrequency
	}
	return c
}

func channelToWire(c *configd.DeliveryChannel) api.DeliveryChannel {
	w := api.DeliveryChannel{Name: c.Name, S3BucketName: c.S3BucketName, S3KeyPrefix: c.S3KeyPrefix, S3KmsKeyArn: c.S3KmsKeyARN, SnsTopicARN: c.SNSTopicARN}
	if c.DeliveryFrequency != "" {
		w.ConfigSnapshotDeliveryProperties = &api.ConfigSnapshotDeliveryProperties{DeliveryFrequency: c.DeliveryFrequency}
	}
	return w
}

func exportInfo(d configd.DeliveryInfo) *api.ConfigExportDeliveryInfo {
	return &api.ConfigExportDeliveryInfo{
		LastStatus:         d.LastStatus,
		LastErrorCode:      d.LastErrorCode,
		LastErrorMessage:   d.LastErrorMessage,
		LastAttemptTime:    ts(d.LastAttemptTime),
		LastSuccessfulTime: ts(d.LastSuccessfulTime),
		NextDeliveryTime:   ts(d.NextDeliveryTime),
	}
}

func channelStatusToWire(c *configd.DeliveryChannel) api.DeliveryChannelStatus {
	return api.DeliveryChannelStatus{
		Name:                       c.Name,
		ConfigSnapshotDeliveryInfo: exportInfo(c.Snapshot),
		ConfigHistoryDeliveryInfo:  exportInfo(c.History),
		ConfigStreamDeliveryInfo: &api.ConfigStreamDeliveryInfo{
			LastStatus:           c.Stream.LastStatus,
			LastErrorCode:        c.Stream.LastErrorCode,
			LastErrorMessage:     c.Stream.LastErrorMessage,
			LastStatusChangeTime: ts(c.Stream.LastAttemptTime),
		},
	}
}

func relationshipsToWire(rs []configd.Relationship) []api.Relationship {
	out := make([]api.Relationship, 0, len(rs))
	for _, r := range rs {
		out = append(out, api.Relationship{ResourceType: r.ResourceType, ResourceId: r.ResourceID, ResourceName: r.ResourceName, RelationshipName: r.RelationshipName})
	}
	return out
}

func mapOrEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// itemToWire renders a configuration item as GetResourceConfigHistory does:
// lists and maps present (empty when empty), as AWS returns them.
func itemToWire(ci *configd.ConfigurationItem) api.ConfigurationItem {
	return api.ConfigurationItem{
		Version:                       ci.Version,
		AccountId:                     ci.AccountID,
		ConfigurationItemCaptureTime:  ts(ci.CaptureTime),
		ConfigurationItemStatus:       ci.Status,
		ConfigurationStateId:          ci.StateID,
		ConfigurationItemMD5Hash:      ci.MD5Hash,
		Arn:                           ci.ARN,
		ResourceType:                  ci.ResourceType,
		ResourceId:                    ci.ResourceID,
		ResourceName:                  ci.ResourceName,
		AwsRegion:                     ci.Region,
		AvailabilityZone:              ci.AvailabilityZone,
		ResourceCreationTime:          ts(ci.ResourceCreationTime),
		Tags:                          mapOrEmpty(ci.Tags),
		RelatedEvents:                 orEmpty(ci.RelatedEvents),
		Relationships:                 relationshipsToWire(ci.Relationships),
		Configuration:                 ci.Configuration,
		SupplementaryConfiguration:    mapOrEmpty(ci.SupplementaryConfiguration),
		RecordingFrequency:            ci.RecordingFrequency,
		ConfigurationItemDeliveryTime: ts(ci.DeliveryTime),
	}
}

func itemToBase(ci *configd.ConfigurationItem) api.BaseConfigurationItem {
	return api.BaseConfigurationItem{
		Version:                       ci.Version,
		AccountId:                     ci.AccountID,
		ConfigurationItemCaptureTime:  ts(ci.CaptureTime),
		ConfigurationItemStatus:       ci.Status,
		ConfigurationStateId:          ci.StateID,
		Arn:                           ci.ARN,
		ResourceType:                  ci.ResourceType,
		ResourceId:                    ci.ResourceID,
		ResourceName:                  ci.ResourceName,
		AwsRegion:                     ci.Region,
		AvailabilityZone:              ci.AvailabilityZone,
		ResourceCreationTime:          ts(ci.ResourceCreationTime),
		Configuration:                 ci.Configuration,
		SupplementaryConfiguration:    mapOrEmpty(ci.SupplementaryConfiguration),
		RecordingFrequency:            ci.RecordingFrequency,
		ConfigurationItemDeliveryTime: ts(ci.DeliveryTime),
	}
}

func tagsFromWire(ts []api.Tag) []configd.Tag {
	out := make([]configd.Tag, 0, len(ts))
	for _, t := range ts {
		out = append(out, configd.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}
