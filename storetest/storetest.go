// Package storetest is the conformance suite of configd.Store: every store
// adapter (SQLite, PostgreSQL) runs it from its own tests,
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) configd.Store { ... })
//	}
//
// and must pass all of it. The suite states the contract of the store where
// the interface comments leave room:
//
//   - a limit of 0 (History, ListResources) means no limit;
//   - ListResources without a resource type is an error;
//   - CountResources leaves out types without (non-deleted) resources;
//   - sequence numbers grow across resources, scopes and Reset;
//   - Scopes lists a scope only while it holds data;
//   - a Read is a snapshot taken at its first statement, runs beside an open
//     Write without waiting for it (and the other way round), and fails on
//     any write method;
//   - Write and Read return the error of fn unchanged and, with a context
//     already canceled, an error that wraps context.Canceled.
//
// Rules, jobs and remediation (rules.go, evaluations.go, jobs.go,
// remediation.go):
//
//   - names and keys order byte-wise ("B" < "a"), as Go compares strings;
//   - a rule status needs its rule: PutRuleStatus of an absent rule is
//     ErrNoSuchConfigRule, and DeleteRule deletes the status and results;
//   - DueRules lists the earliest NextScheduledRun first;
//   - evaluation results have a non-empty rule, type and id; CountCompliance
//     leaves out groups and compliance types without results;
//   - a lease (of a job, a named lease, an execution) held until T is still
//     held at T: it expired when until < now; a remediation exception
//     expires at its expiration time (expiration <= now);
//   - EnqueueJob coalesces only with jobs no worker holds, and RescheduleJob
//     deletes the job instead when such a waiting twin exists;
//   - job ids are never reused, not even after Reset; Reset keeps leases;
//   - InsertExecution sets an empty ID; ClaimExecutions takes executions due
//     at now (RunAt <= now) that are QUEUED, or IN_PROGRESS with an expired
//     lease or none, and makes them IN_PROGRESS, owned by the claimer, with
//     LastUpdatedTime now;
//   - Scopes lists scopes holding rules or remediation configurations.
package storetest

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/configd/configd"
)

// Scopes used by the suite: B differs from A by region only, C by account
// only, so that a store that forgets either column leaks data.
var (
	scopeA = configd.Scope{AccountID: "111111111111", Region: "us-east-1"}
	scopeB = configd.Scope{AccountID: "111111111111", Region: "eu-west-1"}
	scopeC = configd.Scope{AccountID: "222222222222", Region: "us-east-1"}
)

// t0 is the base time of fixtures; stores keep milliseconds, in UTC.
var t0 = time.Date(2024, 3, 4, 5, 6, 7, 890_000_000, time.UTC)

// minute returns t0 plus n minutes.
func minute(n int) time.Time { return t0.Add(time.Duration(n) * time.Minute) }

// Resource types of fixtures.
const (
	typeInstance = "AWS::EC2::Instance"
	typeBucket   = "AWS::S3::Bucket"
	typeVolume   = "AWS::EC2::Volume"
)

// test is one conformance test; it gets a fresh, empty store.
type test struct {
	name string
	fn   func(t *testing.T, s configd.Store)
}

// Run runs the conformance suite. open must return a new, empty store for
// each call and close it when t ends (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) configd.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Meta", metaTests},
		{"Recorders", recorderTests},
		{"RecordingChecker", recordingCheckerTests},
		{"DeliveryChannels", channelTests},
		{"Retentions", retentionTests},
		{"Tags", tagTests},
		{"Items", itemTests},
		{"History", historyTests},
		{"Inventory", inventoryTests},
		{"Counts", countTests},
		{"Prune", pruneTests},
		{"Scopes", scopeTests},
		{"Isolation", isolationTests},
		{"Transactions", txTests},
		{"Concurrency", concurrencyTests},
		{"Reset", resetTests},
		{"Rules", ruleTests},
		{"Evaluations", evaluationTests},
		{"Jobs", jobTests},
		{"RemediationConfigurations", remediationConfigTests},
		{"RemediationExceptions", remediationExceptionTests},
		{"RemediationExecutions", remediationExecutionTests},
		{"Documents", documentTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tt := range g.tests {
				t.Run(tt.name, func(t *testing.T) {
					tt.fn(t, open(t))
				})
			}
		})
	}
}

// write runs fn in a write transaction and fails the test on error.
func write(t *testing.T, s configd.Store, fn func(ctx context.Context, tx configd.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := s.Write(ctx, func(tx configd.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

// read runs fn in a read transaction and fails the test on error.
func read(t *testing.T, s configd.Store, fn func(ctx context.Context, tx configd.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := s.Read(ctx, func(tx configd.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatalf("Read: %v", err)
	}
}

// view runs fn in a read transaction and returns its error unchanged.
func view(s configd.Store, fn func(ctx context.Context, tx configd.Tx) error) error {
	ctx := context.Background()
	return s.Read(ctx, func(tx configd.Tx) error { return fn(ctx, tx) })
}

// wantCode fails the test unless err carries the AWS error code (and, if
// msg is not empty, the message).
func wantCode(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	if got := configd.ErrorCode(err); got != code {
		t.Errorf("%s: error %v, want code %s", what, err, code)
		return
	}
	if msg != "" {
		if got := configd.ErrorMessage(err); got != msg {
			t.Errorf("%s: message %q, want %q", what, got, msg)
		}
	}
}

// must fails the test if err is not nil.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantEqual fails the test unless got and want are deeply equal.
func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// fullRecorder returns a recorder with every field set.
func fullRecorder(name string) *configd.Recorder {
	return &configd.Recorder{
		Name:    name,
		ARN:     "arn:aws:config:us-east-1:111111111111:configuration-recorder/" + name + "/abc",
		RoleARN: "arn:aws:iam::111111111111:role/config",
		RecordingGroup: configd.RecordingGroup{
			AllSupported:               false,
			IncludeGlobalResourceTypes: true,
			ResourceTypes:              []string{typeInstance, typeBucket},
			ExclusionByResourceTypes:   []string{typeVolume},
			RecordingStrategy:          configd.StrategyInclusion,
		},
		RecordingMode: configd.RecordingMode{
			RecordingFrequency: configd.FrequencyContinuous,
			Overrides: []configd.RecordingModeOverride{{
				Description:        "daily buckets",
				ResourceTypes:      []string{typeBucket},
				RecordingFrequency: configd.FrequencyDaily,
			}},
		},
		ServicePrincipal:     "config-conforms.amazonaws.com",
		Recording:            true,
		LastStartTime:        minute(1),
		LastStopTime:         minute(2),
		LastStatus:           configd.RecorderStatusFailure,
		LastStatusChangeTime: minute(3),
		LastErrorCode:        "AccessDenied",
		LastErrorMessage:     "no access",
	}
}

// fullChannel returns a delivery channel with every field set.
func fullChannel(name string) *configd.DeliveryChannel {
	info := func(n int) configd.DeliveryInfo {
		return configd.DeliveryInfo{
			LastStatus:         "Failure",
			LastErrorCode:      "NoSuchBucket",
			LastErrorMessage:   "bucket gone",
			LastAttemptTime:    minute(n),
			LastSuccessfulTime: minute(n + 1),
			NextDeliveryTime:   minute(n + 2),
		}
	}
	return &configd.DeliveryChannel{
		Name:              name,
		S3BucketName:      "bucket-" + name,
		S3KeyPrefix:       "prefix",
		S3KmsKeyARN:       "arn:aws:kms:us-east-1:111111111111:key/k",
		SNSTopicARN:       "arn:aws:sns:us-east-1:111111111111:topic",
		DeliveryFrequency: "Six_Hours",
		Snapshot:          info(10),
		History:           info(20),
		Stream:            info(30),
	}
}

// item returns a configuration item of the resource captured at capture,
// with every field set.
func item(typ, id, name string, capture time.Time) *configd.ConfigurationItem {
	return &configd.ConfigurationItem{
		Version:              configd.CIVersion,
		AccountID:            scopeA.AccountID,
		CaptureTime:          capture,
		Status:               configd.CIStatusOK,
		StateID:              "1709528767890",
		MD5Hash:              "",
		ARN:                  "arn:aws:ec2:us-east-1:111111111111:instance/" + id,
		ResourceType:         typ,
		ResourceID:           id,
		ResourceName:         name,
		Region:               scopeA.Region,
		AvailabilityZone:     "us-east-1a",
		ResourceCreationTime: minute(-60),
		Tags:                 map[string]string{"env": "prod", "team": "core"},
		RelatedEvents:        []string{"event-1"},
		Relationships: []configd.Relationship{{
			ResourceType:     typeVolume,
			ResourceID:       "vol-1",
			ResourceName:     "root",
			RelationshipName: "Is attached to Volume",
		}},
		Configuration:              `{"instanceId":"` + id + `","state":{"name":"running"}}`,
		SupplementaryConfiguration: map[string]string{"Policy": `{"a":1}`},
		RecordingFrequency:         configd.FrequencyContinuous,
		DeliveryTime:               capture.Add(time.Second),
		SchemaVersionID:            "",
	}
}

// deletedItem returns the item recording the deletion of a resource.
func deletedItem(typ, id, name string, capture time.Time) *configd.ConfigurationItem {
	ci := item(typ, id, name, capture)
	ci.Status = configd.CIStatusResourceDeleted
	ci.Configuration = ""
	ci.Tags = nil
	ci.Relationships = nil
	ci.SupplementaryConfiguration = nil
	ci.RelatedEvents = nil
	return ci
}

// appendItems appends cis in one transaction and returns their seqs.
func appendItems(t *testing.T, s configd.Store, scope configd.Scope, cis ...*configd.ConfigurationItem) []int64 {
	t.Helper()
	seqs := make([]int64, len(cis))
	write(t, s, func(ctx context.Context, tx configd.Tx) error {
		for i, ci := range cis {
			seq, err := tx.AppendItem(ctx, scope, ci)
			if err != nil {
				return err
			}
			seqs[i] = seq
		}
		return nil
	})
	return seqs
}

// seqsOf returns the seqs of items.
func seqsOf(items []configd.StoredItem) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.Seq
	}
	return out
}

// idsOf returns the resource ids of rows.
func idsOf(rows []configd.DiscoveredResource) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ResourceID
	}
	return out
}

// sortedScopes returns scopes sorted by their string form.
func sortedScopes(scopes []configd.Scope) []string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		out[i] = s.String()
	}
	sort.Strings(out)
	return out
}
