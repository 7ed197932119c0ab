package evaluator

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/recorder"
	"github.com/configd/configd/snapshot"
)

// The event AWS Config sends the function of a Lambda-style rule, as
// documented in
// https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_develop-rules_example-events.html
// (the event and its attributes) and
// https://docs.aws.amazon.com/config/latest/developerguide/example-sns-notification.html
// (the configuration item change notification its invokingEvent carries:
// configurationItemDiff, configurationItem, notificationCreationTime,
// messageType, recordVersion).

// EventVersion is the version of AWS Config's rule events ("The current
// version for AWS Config events is 1.0").
const EventVersion = "1.0"

// recordVersion of ScheduledNotification and
// OversizedConfigurationItemChangeNotification invoking events, as in AWS's
// examples of both.
const (
	scheduledRecordVersion = "1.0"
	oversizedRecordVersion = "1.0"
)

// isoMillis is how AWS writes times in notifications: 2016-02-17T01:36:34.043Z.
const isoMillis = "2006-01-02T15:04:05.000Z"

// Event is the JSON object a rule's function receives. Field order follows
// AWS's examples.
type Event struct {
	// InvokingEvent is a JSON object as a string: a configuration item
	// change notification, an oversized one, or a scheduled notification.
	InvokingEvent string `json:"invokingEvent"`
	// RuleParameters is the rule's InputParameters as a JSON string ("{}"
	// when it has none).
	RuleParameters   string `json:"ruleParameters"`
	ResultToken      string `json:"resultToken"`
	EventLeftScope   bool   `json:"eventLeftScope"`
	ExecutionRoleArn string `json:"executionRoleArn"`
	ConfigRuleArn    string `json:"configRuleArn"`
	ConfigRuleName   string `json:"configRuleName"`
	ConfigRuleID     string `json:"configRuleId"`
	AccountID        string `json:"accountId"`
	Version          string `json:"version"`
	EvaluationMode   string `json:"evaluationMode,omitempty"`
}

// ChangeNotification is the invokingEvent of a configuration change.
type ChangeNotification struct {
	// ConfigurationItemDiff is null when the evaluation is not caused by a
	// change (a re-evaluation on demand).
	ConfigurationItemDiff    *recorder.ItemDiff `json:"configurationItemDiff"`
	ConfigurationItem        snapshot.Item      `json:"configurationItem"`
	NotificationCreationTime string             `json:"notificationCreationTime"`
	MessageType              string             `json:"messageType"`
	RecordVersion            string             `json:"recordVersion"`
}

// OversizedNotification is the invokingEvent of a change whose notification
// exceeds the size limit: a summary of the item
// (https://docs.aws.amazon.com/config/latest/developerguide/oversized-notification-example.html).
type OversizedNotification struct {
	ConfigurationItemSummary ItemSummary `json:"configurationItemSummary"`
	MessageType              string      `json:"messageType"`
	NotificationCreationTime string      `json:"notificationCreationTime"`
	RecordVersion            string      `json:"recordVersion"`
}

// ItemSummary is the configurationItemSummary of an oversized notification.
type ItemSummary struct {
	ChangeType                   string          `json:"changeType"`
	ConfigurationItemVersion     string          `json:"configurationItemVersion"`
	ConfigurationItemCaptureTime string          `json:"configurationItemCaptureTime"`
	ConfigurationStateID         json.RawMessage `json:"configurationStateId"`
	AwsAccountID                 string          `json:"awsAccountId"`
	ConfigurationItemStatus      string          `json:"configurationItemStatus"`
	ResourceType                 string          `json:"resourceType"`
	ResourceID                   string          `json:"resourceId"`
	ResourceName                 *string         `json:"resourceName"`
	ARN                          string          `json:"ARN"`
	AwsRegion                    string          `json:"awsRegion"`
	AvailabilityZone             *string         `json:"availabilityZone"`
	ConfigurationStateMd5Hash    string          `json:"configurationStateMd5Hash"`
	ResourceCreationTime         *string         `json:"resourceCreationTime"`
}

// ScheduledNotification is the invokingEvent of a periodic evaluation.
type ScheduledNotification struct {
	AwsAccountID             string `json:"awsAccountId"`
	NotificationCreationTime string `json:"notificationCreationTime"`
	MessageType              string `json:"messageType"`
	RecordVersion            string `json:"recordVersion"`
}

// marshal encodes v as AWS does: without escaping <, > and &.
func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// The event types hold only encodable values.
		panic("evaluator: encode event: " + err.Error())
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// ChangeInvokingEvent returns the invokingEvent for the item ci, whose
// previous item is prev (nil for a new resource), created at now. withDiff
// false gives a null configurationItemDiff (a re-evaluation, not a change).
// When the notification is longer than oversize bytes it returns the
// oversized form instead. The second result is the message type.
func ChangeInvokingEvent(ci, prev *configd.ConfigurationItem, withDiff bool, now time.Time, oversize int) (string, string) {
	version := ci.Version
	if version == "" {
		version = configd.CIVersion
	}
	n := ChangeNotification{
		ConfigurationItem:        notificationItem(ci),
		NotificationCreationTime: now.UTC().Format(isoMillis),
		MessageType:              configd.MessageConfigurationItemChange,
		RecordVersion:            version,
	}
	diff := recorder.Diff(prev, ci)
	if withDiff {
		n.ConfigurationItemDiff = diff
	}
	b := marshal(n)
	if oversize <= 0 || len(b) <= oversize {
		return string(b), configd.MessageConfigurationItemChange
	}
	return string(marshal(OversizedNotification{
		ConfigurationItemSummary: summarize(ci, diff.ChangeType),
		MessageType:              configd.MessageOversizedConfigurationItemChange,
		NotificationCreationTime: n.NotificationCreationTime,
		RecordVersion:            oversizedRecordVersion,
	})), configd.MessageOversizedConfigurationItemChange
}

// notificationItem is ci in the notification format. Supplementary values
// are JSON values as stored: AccessControlList, a JSON string holding JSON,
// stays that string (snapshot.FromItem would quote it once more).
func notificationItem(ci *configd.ConfigurationItem) snapshot.Item {
	it := snapshot.FromItem(ci)
	for k, v := range ci.SupplementaryConfiguration {
		if json.Valid([]byte(v)) {
			it.SupplementaryConfiguration[k] = json.RawMessage(v)
		}
	}
	return it
}

func summarize(ci *configd.ConfigurationItem, changeType string) ItemSummary {
	it := snapshot.FromItem(ci)
	s := ItemSummary{
		ChangeType:                   changeType,
		ConfigurationItemVersion:     it.ConfigurationItemVersion,
		ConfigurationItemCaptureTime: it.ConfigurationItemCaptureTime,
		ConfigurationStateID:         it.ConfigurationStateID,
		AwsAccountID:                 it.AwsAccountID,
		ConfigurationItemStatus:      it.ConfigurationItemStatus,
		ResourceType:                 it.ResourceType,
		ResourceID:                   it.ResourceID,
		ResourceName:                 it.ResourceName,
		ARN:                          it.ARN,
		AwsRegion:                    it.AwsRegion,
		ConfigurationStateMd5Hash:    it.ConfigurationStateMd5Hash,
		ResourceCreationTime:         it.ResourceCreationTime,
	}
	if it.AvailabilityZone != "" {
		az := it.AvailabilityZone
		s.AvailabilityZone = &az
	}
	if len(s.ConfigurationStateID) == 0 {
		s.ConfigurationStateID = json.RawMessage(strconv.FormatInt(ci.CaptureTime.UnixMilli(), 10))
	}
	return s
}

// ScheduledInvokingEvent returns the invokingEvent of a periodic evaluation
// of account at now.
func ScheduledInvokingEvent(account string, now time.Time) string {
	return string(marshal(ScheduledNotification{
		AwsAccountID:             account,
		NotificationCreationTime: now.UTC().Format(isoMillis),
		MessageType:              configd.MessageScheduled,
		RecordVersion:            scheduledRecordVersion,
	}))
}

// NewEvent returns the event of rule r in scope around invokingEvent.
// roleARN is the execution role (the recorder's role).
func NewEvent(scope configd.Scope, r *configd.ConfigRule, invokingEvent, resultToken, roleARN string, leftScope bool) Event {
	params := r.InputParameters
	if params == "" {
		params = "{}"
	}
	return Event{
		InvokingEvent:    invokingEvent,
		RuleParameters:   params,
		ResultToken:      resultToken,
		EventLeftScope:   leftScope,
		ExecutionRoleArn: roleARN,
		ConfigRuleArn:    r.ARN,
		ConfigRuleName:   r.Name,
		ConfigRuleID:     r.ID,
		AccountID:        scope.AccountID,
		Version:          EventVersion,
		EvaluationMode:   configd.EvaluationModeDetective,
	}
}

// defaultRoleARN is the execution role named in events when the scope's
// recorder has none: AWS Config's service-linked role.
func defaultRoleARN(scope configd.Scope) string {
	return "arn:" + scope.Partition() + ":iam::" + scope.AccountID + ":role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
}
