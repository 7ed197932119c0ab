package managedrule

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// Notification and replication values in AWS Config's shapes; the first of
// each is as in an item AWS Config recorded (Cloud Custodian's
// tests/data/config/s3-rep-and-notify.json), with this test's account.
const (
	queueARN = "arn:aws:sqs:us-east-1:123456789012:test-queue"
	topicARN = "arn:aws:sns:us-east-1:123456789012:alerts"
	lambdaFn = "arn:aws:lambda:us-east-1:123456789012:function:lambdaenv"

	recordedNotifications = `{"configurations":{` +
		`"OGQ5OTAyNjYtYjBmNy00ZTkwLWFiMjUtZjE4ODBmYTgwNTE0":{"type":"QueueConfiguration","queueARN":"` + queueARN + `","events":["s3:ObjectCreated:*"],"objectPrefixes":[],"filter":{"s3KeyFilter":{"filterRules":[{"name":"Prefix","value":"images/"}]}}},` +
		`"ZDAzZDViMTUtNGU3MS00ZWIwLWI0MzgtOTZiMWQ3ZWNkZDY1":{"type":"LambdaConfiguration","functionARN":"` + lambdaFn + `","events":["s3:ObjectRemoved:Delete"],"objectPrefixes":[],"filter":{"s3KeyFilter":{"filterRules":[{"name":"Prefix","value":"void/"}]}}},` +
		`"rabbit":{"type":"TopicConfiguration","topicARN":"` + topicARN + `","events":["s3:ReducedRedundancyLostObject","s3:ObjectCreated:CompleteMultipartUpload"],"objectPrefixes":[],"filter":null}}}`
	noNotifications = `{"configurations":{}}`

	recordedReplication = `{"roleARN":"arn:aws:iam::123456789012:role/repl","rules":{"testing-99":{"prefix":"","status":"Enabled","destinationConfig":{"Account":"000111222333","bucketARN":"arn:aws:s3:::testing-west","storageClass":null}}}}`
)

// notifications builds a BucketNotificationConfiguration with one
// configuration per destination ARN, each with the given events.
func notifications(confs map[string][]string) string {
	var b strings.Builder
	b.WriteString(`{"configurations":{`)
	i := 0
	for arn, events := range confs {
		if i > 0 {
			b.WriteString(",")
		}
		typ, key := "QueueConfiguration", "queueARN"
		switch {
		case strings.Contains(arn, ":sns:"):
			typ, key = "TopicConfiguration", "topicARN"
		case strings.Contains(arn, ":lambda:"):
			typ, key = "LambdaConfiguration", "functionARN"
		}
		ev := `[]`
		if len(events) > 0 {
			ev = `["` + strings.Join(events, `","`) + `"]`
		}
		b.WriteString(jsonString("id" + string(rune('a'+i))))
		b.WriteString(`:{"type":"` + typ + `","` + key + `":"` + arn + `","events":` + ev + `,"objectPrefixes":[],"filter":null}`)
		i++
	}
	b.WriteString(`}}`)
	return b.String()
}

func notifyBucket(value string) *configdItem {
	return bucket("b", map[string]string{"BucketNotificationConfiguration": value})
}

func TestS3EventNotificationsEnabled(t *testing.T) {
	created := notifications(map[string][]string{queueARN: {"s3:ObjectCreated:*"}})
	runRuleCases(t, "S3_EVENT_NOTIFICATIONS_ENABLED", []ruleCase{
		{name: "CompliantRecordedItem", ci: notifyBucket(recordedNotifications), want: Compliant},
		{name: "CompliantDoubleEncoded", ci: notifyBucket(jsonString(recordedNotifications)), want: Compliant},
		{name: "CompliantLambdaOnly", ci: notifyBucket(notifications(map[string][]string{lambdaFn: {"s3:ObjectRemoved:*"}})), want: Compliant},
		{name: "NonCompliantNone", ci: notifyBucket(noNotifications), want: NonCompliant, annotation: "no event notifications"},
		{name: "NonCompliantKeyMissing", ci: bucket("b", nil), want: NonCompliant, annotation: "no event notifications"},

		{name: "ParamDestinationCompliant", ci: notifyBucket(recordedNotifications),
			params: `{"destinationArn":"` + topicARN + `"}`, want: Compliant},
		{name: "ParamDestinationNonCompliant", ci: notifyBucket(created),
			params: `{"destinationArn":"` + topicARN + `"}`, want: NonCompliant, annotation: "No event notification is sent to " + topicARN},

		{name: "ParamEventTypesExact", ci: notifyBucket(recordedNotifications),
			params: `{"eventTypes":"s3:ObjectRemoved:Delete, s3:ReducedRedundancyLostObject"}`, want: Compliant},
		{name: "ParamEventTypesUnderConfiguredWildcard", ci: notifyBucket(created),
			params: `{"eventTypes":"s3:ObjectCreated:Put,s3:ObjectCreated:Copy"}`, want: Compliant},
		{name: "ParamEventTypesMissing", ci: notifyBucket(created),
			params: `{"eventTypes":"s3:ObjectCreated:*,s3:ObjectRemoved:*"}`, want: NonCompliant, annotation: "do not deliver s3:ObjectRemoved:*."},
		{name: "ParamListedWildcardNeedsWildcard", ci: notifyBucket(notifications(map[string][]string{queueARN: {"s3:ObjectCreated:Put"}})),
			params: `{"eventTypes":"s3:ObjectCreated:*"}`, want: NonCompliant, annotation: "s3:ObjectCreated:*"},
		{name: "ParamEventTypesCaseSensitive", ci: notifyBucket(created),
			params: `{"eventTypes":"s3:objectcreated:put"}`, want: NonCompliant},

		{name: "ParamBothCompliant", ci: notifyBucket(recordedNotifications),
			params: `{"destinationArn":"` + lambdaFn + `","eventTypes":"s3:ObjectRemoved:Delete"}`, want: Compliant},
		// The topic receives ReducedRedundancyLostObject, the function does not.
		{name: "ParamBothEventToOtherDestination", ci: notifyBucket(recordedNotifications),
			params: `{"destinationArn":"` + lambdaFn + `","eventTypes":"s3:ReducedRedundancyLostObject"}`, want: NonCompliant,
			annotation: "do not deliver s3:ReducedRedundancyLostObject to " + lambdaFn},
		{name: "ParamBothNoNotifications", ci: notifyBucket(noNotifications),
			params: `{"destinationArn":"` + queueARN + `","eventTypes":"s3:ObjectCreated:*"}`, want: NonCompliant, annotation: "no event notifications"},

		{name: "NotApplicableDeleted", ci: deletedItem(notifyBucket(recordedNotifications)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item("AWS::SQS::Queue", "q", `{}`, nil), want: NotApplicable},
	})
}

func TestS3EventNotificationsEnabledMalformed(t *testing.T) {
	_, err := Evaluate(context.Background(), "S3_EVENT_NOTIFICATIONS_ENABLED",
		Input{CI: notifyBucket(`{"configurations":[1]}`), Params: map[string]string{}})
	if err == nil {
		t.Fatal("want an error for a malformed BucketNotificationConfiguration")
	}
}

// replication builds a BucketReplicationConfiguration from rule id to
// status and destination bucket name.
func replication(rules ...[3]string) string {
	var b strings.Builder
	b.WriteString(`{"roleARN":"arn:aws:iam::123456789012:role/repl","rules":{`)
	for i, r := range rules {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(jsonString(r[0]) + `:{"prefix":null,"status":"` + r[1] + `","destinationConfig":{"bucketARN":"arn:aws:s3:::` + r[2] + `","storageClass":null}}`)
	}
	b.WriteString(`}}`)
	return b.String()
}

func replBucket(value string) *configdItem {
	return bucket("src", map[string]string{"BucketReplicationConfiguration": value})
}

// replicationInventory holds the source, a destination in the same account
// and Region, a deleted bucket, and a bucket recorded with another Region
// (as an inventory that spans Regions would hold it).
func replicationInventory() *memInventory {
	other := bucket("dst-west", nil)
	other.Region = "us-west-2"
	return &memInventory{items: []*configdItem{
		bucket("src", nil), bucket("dst-same", nil), deletedItem(bucket("dst-gone", nil)), other,
		item("AWS::SQS::Queue", "dst-queue", `{}`, nil),
	}}
}

func TestS3BucketReplicationEnabled(t *testing.T) {
	same := replication([3]string{"r1", "Enabled", "dst-same"})
	west := replication([3]string{"r1", "Enabled", "dst-west"})
	runInventoryCases(t, "S3_BUCKET_REPLICATION_ENABLED", replicationInventory(), []ruleCase{
		{name: "CompliantRecordedItem", ci: replBucket(recordedReplication), want: Compliant},
		{name: "CompliantDoubleEncoded", ci: replBucket(jsonString(recordedReplication)), want: Compliant},
		{name: "CompliantTwoEnabled", ci: replBucket(replication([3]string{"a", "Enabled", "x"}, [3]string{"b", "Enabled", "y"})), want: Compliant},
		{name: "NonCompliantNoConfiguration", ci: bucket("src", nil), want: NonCompliant, annotation: "no replication rule"},
		{name: "NonCompliantNoRules", ci: replBucket(`{"roleARN":"arn:aws:iam::123456789012:role/repl","rules":{}}`), want: NonCompliant, annotation: "no replication rule"},
		{name: "NonCompliantDisabled", ci: replBucket(replication([3]string{"off", "Disabled", "x"})), want: NonCompliant, annotation: "not enabled: off."},
		{name: "NonCompliantOneOfTwoDisabled", ci: replBucket(replication([3]string{"on", "Enabled", "x"}, [3]string{"off", "Disabled", "y"})),
			want: NonCompliant, annotation: "not enabled: off."},

		{name: "ParamSameRegionCompliant", ci: replBucket(same), params: `{"ReplicationType":"SAME-REGION"}`, want: Compliant},
		{name: "ParamSameRegionCaseInsensitive", ci: replBucket(same), params: `{"ReplicationType":"same-region"}`, want: Compliant},
		{name: "ParamSameRegionNonCompliant", ci: replBucket(replication([3]string{"r1", "Enabled", "dst-same"}, [3]string{"r2", "Enabled", "dst-west"})),
			params: `{"ReplicationType":"SAME-REGION"}`, want: NonCompliant, annotation: "r2 replicates to bucket dst-west in another Region (us-west-2)"},
		{name: "ParamCrossRegionCompliant", ci: replBucket(west), params: `{"ReplicationType":"CROSS-REGION"}`, want: Compliant},
		{name: "ParamCrossRegionNonCompliant", ci: replBucket(same), params: `{"ReplicationType":"CROSS-REGION"}`, want: NonCompliant,
			annotation: "r1 replicates to bucket dst-same in the same Region (us-east-1)"},
		// A rule known to be same-Region decides, whatever the other
		// destinations.
		{name: "ParamCrossRegionNonCompliantWithUnknown", ci: replBucket(replication([3]string{"a", "Enabled", "elsewhere"}, [3]string{"b", "Enabled", "dst-same"})),
			params: `{"ReplicationType":"CROSS-REGION"}`, want: NonCompliant, annotation: "dst-same"},
		{name: "ParamDisabledFirst", ci: replBucket(replication([3]string{"r1", "Disabled", "dst-west"})),
			params: `{"ReplicationType":"CROSS-REGION"}`, want: NonCompliant, annotation: "not enabled"},
		{name: "ParamNoConfiguration", ci: bucket("src", nil), params: `{"ReplicationType":"CROSS-REGION"}`, want: NonCompliant},

		{name: "NotApplicableDeleted", ci: deletedItem(replBucket(same)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item("AWS::SQS::Queue", "q", `{}`, nil), want: NotApplicable},
	})
}

// TestS3BucketReplicationEnabledErrors: the evaluations that cannot be made.
func TestS3BucketReplicationEnabledErrors(t *testing.T) {
	eval := func(ci *configdItem, params map[string]string, inv Inventory) error {
		_, err := Evaluate(context.Background(), "S3_BUCKET_REPLICATION_ENABLED", Input{CI: ci, Params: params, Inventory: inv, Now: testNow})
		return err
	}
	inv := replicationInventory()
	cross := map[string]string{"ReplicationType": "CROSS-REGION"}
	for _, tc := range []struct {
		name   string
		ci     *configdItem
		params map[string]string
		inv    Inventory
		want   string
	}{
		{"UnrecordedDestination", replBucket(replication([3]string{"r1", "Enabled", "elsewhere"})), cross, inv, "elsewhere is unknown"},
		{"DeletedDestination", replBucket(replication([3]string{"r1", "Enabled", "dst-gone"})), map[string]string{"ReplicationType": "SAME-REGION"}, inv, "dst-gone is unknown"},
		{"OtherAccountDestination", replBucket(recordedReplication), cross, inv, "testing-west is unknown"},
		{"InvalidReplicationType", replBucket(replication([3]string{"r1", "Enabled", "dst-same"})), map[string]string{"ReplicationType": "BOTH"}, inv, "ReplicationType must be"},
		{"NoInventory", replBucket(replication([3]string{"r1", "Enabled", "dst-same"})), cross, nil, "no inventory"},
		{"InventoryFails", replBucket(replication([3]string{"r1", "Enabled", "dst-same"})), cross, &memInventory{err: errors.New("boom")}, "boom"},
		{"Malformed", replBucket(`{"rules":[]}`), map[string]string{}, inv, "BucketReplicationConfiguration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := eval(tc.ci, tc.params, tc.inv)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	// Without ReplicationType no look-up is needed.
	if err := eval(replBucket(recordedReplication), map[string]string{}, nil); err != nil {
		t.Errorf("no ReplicationType, no inventory: %v", err)
	}
}
