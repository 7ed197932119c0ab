package recorder

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/configd/configd"
)

const logGroupType = "AWS::Logs::LogGroup"

// TestLogGroupMoto records log groups from moto, polls without changes,
// changes a retention policy and deletes a group.
func TestLogGroupMoto(t *testing.T) {
	_, cfg := motoConfig(t)
	ctx := context.Background()
	lc := cloudwatchlogs.NewFromConfig(cfg)
	keyARN := *need[*kms.CreateKeyOutput](t)(kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{
		Description: aws.String("log group key")})).KeyMetadata.Arn
	const (
		api   = "/app/api"
		plain = "plain-group"
	)
	before := time.Now().Add(-time.Minute)
	need[*cloudwatchlogs.CreateLogGroupOutput](t)(lc.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{
		LogGroupName: aws.String(api), KmsKeyId: &keyARN,
		Tags: map[string]string{"team": "platform", "env": "test"}}))
	need[*cloudwatchlogs.PutRetentionPolicyOutput](t)(lc.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{
		LogGroupName: aws.String(api), RetentionInDays: aws.Int32(30)}))
	need[*cloudwatchlogs.CreateLogGroupOutput](t)(lc.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{
		LogGroupName: aws.String(plain)}))

	sink := newMemSink()
	clock := &fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	groupARN := "arn:aws:logs:us-east-1:" + motoAccount + ":log-group:"

	t.Run("OK", func(t *testing.T) {
		if r := pollOne(t, cfg, sink, clock, logGroupType); r.Discovered != 2 || r.Changed != 2 || r.Deleted != 0 {
			t.Errorf("report %+v", r)
		}
		ci := latestOrFatal(t, sink, logGroupType, api)
		if ci.Status != configd.CIStatusResourceDiscovered || ci.AccountID != motoAccount || ci.Region != "us-east-1" ||
			ci.ARN != groupARN+api || ci.AvailabilityZone != azNotApplicable || ci.ResourceName != api {
			t.Errorf("item header: status %s account %s region %s arn %s az %q name %q",
				ci.Status, ci.AccountID, ci.Region, ci.ARN, ci.AvailabilityZone, ci.ResourceName)
		}
		if ci.ResourceCreationTime.Before(before) || ci.ResourceCreationTime.After(time.Now().Add(time.Minute)) {
			t.Errorf("resourceCreationTime %v", ci.ResourceCreationTime)
		}
		if len(ci.Tags) != 2 || ci.Tags["team"] != "platform" || ci.Tags["env"] != "test" {
			t.Errorf("tags %v", ci.Tags)
		}
		if len(ci.Relationships) != 0 || len(ci.SupplementaryConfiguration) != 0 {
			t.Errorf("relationships %v, supplementary %v", ci.Relationships, ci.SupplementaryConfiguration)
		}
		want := `{"Arn":"` + groupARN + api + `:*","KmsKeyId":"` + keyARN + `","LogGroupName":"/app/api","RetentionInDays":30,` +
			`"Tags":[{"Key":"env","Value":"test"},{"Key":"team","Value":"platform"}]}`
		if ci.Configuration != want {
			t.Errorf("configuration\n got %s\nwant %s", ci.Configuration, want)
		}

		// A group without retention, key or tags: those keys are absent
		// (never expires, service-owned encryption) and Tags is [].
		p := latestOrFatal(t, sink, logGroupType, plain)
		if want := `{"Arn":"` + groupARN + plain + `:*","LogGroupName":"plain-group","Tags":[]}`; p.Configuration != want {
			t.Errorf("plain configuration\n got %s\nwant %s", p.Configuration, want)
		}
		if p.ARN != groupARN+plain || len(p.Tags) != 0 {
			t.Errorf("plain item: arn %s tags %v", p.ARN, p.Tags)
		}
	})

	t.Run("OKUnchanged", func(t *testing.T) {
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, logGroupType); r.Discovered != 2 || r.Changed != 0 || r.Deleted != 0 {
			t.Errorf("unchanged groups: report %+v", r)
		}
		for _, id := range []string{api, plain} {
			if h := sink.history(logGroupType, id); len(h) != 1 {
				t.Errorf("%s: %d versions after an unchanged poll", id, len(h))
			}
		}
	})

	t.Run("OKChanged", func(t *testing.T) {
		need[*cloudwatchlogs.PutRetentionPolicyOutput](t)(lc.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{
			LogGroupName: aws.String(plain), RetentionInDays: aws.Int32(365)}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, logGroupType); r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("one changed group: report %+v", r)
		}
		h := sink.history(logGroupType, plain)
		if len(h) != 2 || h[1].Status != configd.CIStatusOK || !h[1].CaptureTime.Equal(clock.t) {
			t.Fatalf("history: %d versions", len(h))
		}
		if got := decode(t, h[1].Configuration)["RetentionInDays"]; got != float64(365) {
			t.Errorf("RetentionInDays = %v", got)
		}
		d := Diff(h[0], h[1])
		if d.ChangeType != ChangeUpdate || len(d.ChangedProperties) != 1 {
			t.Errorf("diff = %s", canonical(d))
		}
		if _, ok := d.ChangedProperties["Configuration.RetentionInDays"]; !ok {
			t.Errorf("diff = %s", canonical(d))
		}
		if h := sink.history(logGroupType, api); len(h) != 1 {
			t.Errorf("the unchanged group has %d versions", len(h))
		}
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, logGroupType); r.Changed != 0 || r.Deleted != 0 {
			t.Errorf("repeated poll: report %+v", r)
		}
	})

	t.Run("OKDeleted", func(t *testing.T) {
		need[*cloudwatchlogs.DeleteLogGroupOutput](t)(lc.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(api)}))
		wantDeletedOnce(t, cfg, sink, clock, logGroupType, api, 2)
	})
}

// TestLogGroupItem: the item of a DescribeLogGroups element does not depend
// on the order of its tags, writes only the members that are set, and falls
// back to the ARN without ":*" when the endpoint gives no logGroupArn.
func TestLogGroupItem(t *testing.T) {
	g := logstypes.LogGroup{LogGroupName: aws.String("g"), Arn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:g:*"),
		CreationTime: aws.Int64(1700000000123), RetentionInDays: aws.Int32(7), LogGroupClass: logstypes.LogGroupClassInfrequentAccess,
		DeletionProtectionEnabled: aws.Bool(false), StoredBytes: aws.Int64(42), MetricFilterCount: aws.Int32(3)}
	arn := logGroupARN(motoScope, &g)
	if arn != "arn:aws:logs:us-east-1:123456789012:log-group:g" {
		t.Errorf("ARN %s", arn)
	}
	x := logGroupItem(logGroupType, motoScope, &g, arn, map[string]string{"b": "2", "a": "1"})
	y := logGroupItem(logGroupType, motoScope, &g, arn, map[string]string{"a": "1", "b": "2"})
	if x.Configuration != y.Configuration {
		t.Errorf("configuration depends on tag order:\n%s\n%s", x.Configuration, y.Configuration)
	}
	want := `{"Arn":"arn:aws:logs:us-east-1:123456789012:log-group:g:*","DeletionProtectionEnabled":false,"LogGroupClass":"INFREQUENT_ACCESS",` +
		`"LogGroupName":"g","RetentionInDays":7,"Tags":[{"Key":"a","Value":"1"},{"Key":"b","Value":"2"}]}`
	if x.Configuration != want {
		t.Errorf("configuration\n got %s\nwant %s", x.Configuration, want)
	}
	if !x.ResourceCreationTime.Equal(time.UnixMilli(1700000000123)) || x.ResourceID != "g" || x.ResourceName != "g" {
		t.Errorf("item %+v", x)
	}
	g.Arn = nil
	if got := logGroupARN(motoScope, &g); got != "arn:aws:logs:us-east-1:123456789012:log-group:g" {
		t.Errorf("ARN from scope %s", got)
	}
}
