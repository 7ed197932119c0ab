package managedrule

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/configd/configd"
)

// Rules on the S3 bucket settings AWS Config records as supplementary
// configuration besides those of rules_s3.go. The shapes, as in AWS Config's
// bucket items (sources in docs/ci-formats.md, "S3 supplementary
// configuration": items recorded by AWS Config in Cloud Custodian's tests,
// tests/data/config/s3-rep-and-notify.json):
//
//	BucketNotificationConfiguration {"configurations":{"<id>":{"type":"QueueConfiguration","queueARN":"arn:aws:sqs:...",
//	                                 "events":["s3:ObjectCreated:*"],"objectPrefixes":[],"filter":{...}}}}
//	                                 ("topicARN" for TopicConfiguration, "functionARN" for LambdaConfiguration;
//	                                 {"configurations":{}} when the bucket sends none)
//	BucketReplicationConfiguration  {"roleARN":"...","rules":{"<id>":{"prefix":"","status":"Enabled",
//	                                 "destinationConfig":{"bucketARN":"arn:aws:s3:::dest","storageClass":null,"Account":"..."}}}}
//	                                 (absent when the bucket has no replication configuration)
//
// S3_BUCKET_CROSS_REGION_REPLICATION_ENABLED
// (https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-cross-region-replication-enabled.html)
// is not implemented: it is COMPLIANT only when a replication rule's
// destination bucket is in another Region, and nothing configd records says
// so. The item names the destination by an ARN without a Region
// (arn:aws:s3:::name), and a rule's inventory holds the resources of one
// account and Region only, so a destination in another Region is never
// found there; the rule could never be COMPLIANT. The same limit applies to
// S3_BUCKET_REPLICATION_ENABLED's ReplicationType parameter, which is
// evaluated where the recorded items settle it and is an error otherwise
// (see checkS3ReplicationEnabled).

func init() {
	register(
		&resourceRule{id: "S3_EVENT_NOTIFICATIONS_ENABLED", types: []string{s3Bucket}, check: checkS3EventNotifications},
		&resourceRule{id: "S3_BUCKET_REPLICATION_ENABLED", types: []string{s3Bucket}, check: checkS3ReplicationEnabled},
	)
}

// s3NotificationConfig is one entry of BucketNotificationConfiguration's
// configurations.
type s3NotificationConfig struct {
	Type        flexString `json:"type"`
	QueueARN    flexString `json:"queueARN"`
	TopicARN    flexString `json:"topicARN"`
	FunctionARN flexString `json:"functionARN"`
	Events      stringList `json:"events"`
}

// destination is the ARN the notification is sent to.
func (n *s3NotificationConfig) destination() string {
	for _, a := range []flexString{n.QueueARN, n.TopicARN, n.FunctionARN} {
		if s := strings.TrimSpace(string(a)); s != "" {
			return s
		}
	}
	return ""
}

// s3EventCovers reports whether a configured event type delivers the event
// type want: the same type, or a wildcard type ("s3:ObjectCreated:*") of
// which want is a member ("s3:ObjectCreated:Put").
func s3EventCovers(configured, want string) bool {
	if configured == want {
		return true
	}
	prefix, ok := strings.CutSuffix(configured, "*")
	return ok && strings.HasPrefix(want, prefix)
}

// checkS3EventNotifications: NON_COMPLIANT when the bucket sends no event
// notifications, or when none goes to destinationArn, or when the listed
// eventTypes are not delivered; COMPLIANT otherwise.
// https://docs.aws.amazon.com/config/latest/developerguide/s3-event-notifications-enabled.html
//
// Decisions the page leaves open:
//   - Without parameters one notification configuration of any kind
//     (queue, topic, Lambda function) is enough.
//   - destinationArn is met by one configuration sending to exactly that
//     ARN; configurations to other destinations do not make the bucket
//     NON_COMPLIANT.
//   - eventTypes ("the preferred event types") is met when every listed
//     type is delivered by some configuration (to destinationArn when that
//     is given). A configured wildcard ("s3:ObjectCreated:*") delivers the
//     types under it ("s3:ObjectCreated:Put"); a listed wildcard needs the
//     same configured wildcard. Configured types beyond the list are
//     allowed. Types are compared case-sensitively, as S3 names them.
//   - Key name filters (prefix, suffix) of a configuration are not judged.
//   - An item without BucketNotificationConfiguration (AWS Config's bucket
//     items always carry it) counts as no notifications. Delivery to
//     Amazon EventBridge is not recorded (docs/ci-formats.md), so it does
//     not count.
func checkS3EventNotifications(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var n struct {
		Configurations map[string]s3NotificationConfig `json:"configurations"`
	}
	if _, err := decodeSupplementary(ci, "BucketNotificationConfiguration", &n); err != nil {
		return verdict{}, err
	}
	if len(n.Configurations) == 0 {
		return nonCompliant("The bucket has no event notifications."), nil
	}
	dest := strings.TrimSpace(in.Params["destinationArn"])
	want := csv(in.Params["eventTypes"])
	ids := make([]string, 0, len(n.Configurations))
	for id := range n.Configurations {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var matching []*s3NotificationConfig
	for _, id := range ids {
		c := n.Configurations[id]
		if dest == "" || c.destination() == dest {
			matching = append(matching, &c)
		}
	}
	if len(matching) == 0 {
		return nonCompliant("No event notification is sent to " + dest + "."), nil
	}
	var missing []string
	for _, w := range want {
		if !s3EventDelivered(matching, w) && !contains(missing, w) {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		msg := "Event notifications do not deliver " + strings.Join(missing, ", ")
		if dest != "" {
			msg += " to " + dest
		}
		return nonCompliant(msg + "."), nil
	}
	return compliant(), nil
}

func s3EventDelivered(confs []*s3NotificationConfig, want string) bool {
	for _, c := range confs {
		for _, e := range c.Events {
			if s3EventCovers(strings.TrimSpace(e), want) {
				return true
			}
		}
	}
	return false
}

// s3ReplicationRule is one entry of BucketReplicationConfiguration's rules.
type s3ReplicationRule struct {
	Status            flexString `json:"status"`
	DestinationConfig *struct {
		BucketARN flexString `json:"bucketARN"`
		// AWS Config writes "Account"; encoding/json also matches
		// "account".
		Account flexString `json:"Account"`
	} `json:"destinationConfig"`
}

// Replication types of S3_BUCKET_REPLICATION_ENABLED's ReplicationType.
const (
	replicationCrossRegion = "CROSS-REGION"
	replicationSameRegion  = "SAME-REGION"
)

// checkS3ReplicationEnabled: NON_COMPLIANT when the bucket has no
// replication rule or a rule that is not enabled; with ReplicationType,
// also when an enabled rule replicates within the source's Region
// (CROSS-REGION) or to another Region (SAME-REGION); COMPLIANT otherwise.
// https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-replication-enabled.html
//
// Decisions the page leaves open:
//   - "has a replication rule that is not enabled": one disabled rule makes
//     the bucket NON_COMPLIANT even when others are enabled.
//   - ReplicationType is compared case-insensitively; another value is an
//     invalid parameter (an error).
//   - The Region of a destination bucket is not in the item (its ARN has
//     none). It is known when the bucket is recorded, not deleted, in the
//     rule's inventory (the source's account and Region): the Region of
//     that item. A destination not found there (another Region, another
//     account as destinationConfig's Account may say, or not recorded) has
//     no known Region. A rule known to break ReplicationType makes the
//     bucket NON_COMPLIANT; otherwise a destination of unknown Region is an
//     error (the evaluation cannot be made), as is a missing inventory.
//     In practice CROSS-REGION can only be found NON_COMPLIANT or fail, and
//     SAME-REGION is COMPLIANT when every destination is a recorded bucket
//     of the same account and Region.
func checkS3ReplicationEnabled(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var rc struct {
		Rules map[string]s3ReplicationRule `json:"rules"`
	}
	if _, err := decodeSupplementary(ci, "BucketReplicationConfiguration", &rc); err != nil {
		return verdict{}, err
	}
	if len(rc.Rules) == 0 {
		return nonCompliant("The bucket has no replication rule."), nil
	}
	ids := make([]string, 0, len(rc.Rules))
	for id := range rc.Rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var disabled []string
	for _, id := range ids {
		if !strings.EqualFold(strings.TrimSpace(string(rc.Rules[id].Status)), "Enabled") {
			disabled = append(disabled, id)
		}
	}
	if len(disabled) > 0 {
		return nonCompliant("Replication rules not enabled: " + strings.Join(disabled, ", ") + "."), nil
	}
	typ := strings.ToUpper(strings.TrimSpace(in.Params["ReplicationType"]))
	switch typ {
	case "":
		return compliant(), nil
	case replicationCrossRegion, replicationSameRegion:
	default:
		return verdict{}, fmt.Errorf("ReplicationType must be %s or %s, not %q", replicationCrossRegion, replicationSameRegion, in.Params["ReplicationType"])
	}
	regions, err := recordedBucketRegions(in)
	if err != nil {
		return verdict{}, err
	}
	source := ci.Region
	var unknown []string
	for _, id := range ids {
		dest := ""
		if d := rc.Rules[id].DestinationConfig; d != nil {
			dest = s3BucketFromARN(string(d.BucketARN))
		}
		region, known := regions[dest]
		switch {
		case dest == "" || !known || region == "" || source == "":
			unknown = append(unknown, dest)
		case typ == replicationCrossRegion && region == source:
			return nonCompliant(fmt.Sprintf("Replication rule %s replicates to bucket %s in the same Region (%s).", id, dest, region)), nil
		case typ == replicationSameRegion && region != source:
			return nonCompliant(fmt.Sprintf("Replication rule %s replicates to bucket %s in another Region (%s).", id, dest, region)), nil
		}
	}
	if len(unknown) > 0 {
		return verdict{}, fmt.Errorf("the Region of replication destination bucket %s is unknown: it is not recorded in account %s, Region %s",
			strings.Join(unknown, ", "), ci.AccountID, source)
	}
	return compliant(), nil
}

// recordedBucketRegions maps the names of the S3 buckets recorded in the
// rule's inventory, deleted ones left out, to their Regions.
func recordedBucketRegions(in *Input) (map[string]string, error) {
	if in.Inventory == nil {
		return nil, fmt.Errorf("no inventory to look up the Region of replication destination buckets")
	}
	// The check function has no context of its own; the evaluator's
	// inventory reads inside its transaction.
	items, err := in.Inventory.ListItems(context.Background(), s3Bucket)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", s3Bucket, err)
	}
	out := make(map[string]string, len(items))
	for _, b := range items {
		if b != nil && !deleted(b) {
			out[bucketName(b)] = b.Region
		}
	}
	return out, nil
}

// s3BucketFromARN returns the bucket name of an S3 bucket ARN
// (arn:aws:s3:::name, in any partition), or s itself when it is not one.
func s3BucketFromARN(s string) string {
	s = strings.TrimSpace(s)
	parts := strings.SplitN(s, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && parts[2] == "s3" {
		return parts[5]
	}
	return s
}
