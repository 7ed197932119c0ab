package recorder

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/configd/configd"
)

const kinesisStreamType = "AWS::Kinesis::Stream"

func kinesisStreamARN(name string) string {
	return "arn:aws:kinesis:us-east-1:" + motoAccount + ":stream/" + name
}

// seedKinesis creates the stream "orders" (two shards, 48 hours'
// retention, tagged, encrypted with a KMS key, whose ARN it returns) and
// the plain stream "plain" (one shard, moto's defaults).
func seedKinesis(t *testing.T, cfg aws.Config) (keyARN string) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("seed: %v", r)
		}
	}()
	ctx := context.Background()
	keyARN = *must(kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("kinesis")})).KeyMetadata.Arn
	c := kinesis.NewFromConfig(cfg)
	must(c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("orders"), ShardCount: aws.Int32(2)}))
	must(c.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("orders"),
		RetentionPeriodHours: aws.Int32(48)}))
	must(c.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: aws.String("orders"),
		Tags: map[string]string{"team": "data", "env": "prod"}}))
	must(c.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: aws.String("orders"),
		EncryptionType: kinesistypes.EncryptionTypeKms, KeyId: &keyARN}))
	must(c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("plain"), ShardCount: aws.Int32(1)}))
	return keyARN
}

// TestKinesisStreamMoto records streams from moto, polls without changes,
// changes one stream (retention and tags, then encryption) and deletes the
// other.
func TestKinesisStreamMoto(t *testing.T) {
	_, cfg := motoConfig(t)
	keyARN := seedKinesis(t, cfg)
	c := kinesis.NewFromConfig(cfg)
	sink := newMemSink()
	clock := &fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		if r := pollOne(t, cfg, sink, clock, kinesisStreamType); r.Discovered != 2 || r.Changed != 2 || r.Deleted != 0 {
			t.Errorf("report %+v", r)
		}
		ci := latestOrFatal(t, sink, kinesisStreamType, "orders")
		if ci.Status != configd.CIStatusResourceDiscovered || ci.AccountID != motoAccount || ci.Region != "us-east-1" ||
			ci.ARN != kinesisStreamARN("orders") || ci.AvailabilityZone != "Regional" || ci.ResourceName != "orders" ||
			ci.ResourceCreationTime.IsZero() || len(ci.Relationships) != 0 || len(ci.SupplementaryConfiguration) != 0 {
			t.Errorf("item header: status %s account %s region %s arn %s az %q name %q created %v rels %v supp %v",
				ci.Status, ci.AccountID, ci.Region, ci.ARN, ci.AvailabilityZone, ci.ResourceName, ci.ResourceCreationTime,
				ci.Relationships, ci.SupplementaryConfiguration)
		}
		if len(ci.Tags) != 2 || ci.Tags["team"] != "data" || ci.Tags["env"] != "prod" {
			t.Errorf("tags %v", ci.Tags)
		}
		t.Logf("configuration of orders: %s", ci.Configuration)
		want := `{"Arn":"` + kinesisStreamARN("orders") + `","Name":"orders","RetentionPeriodHours":48,"ShardCount":2,` +
			`"StreamEncryption":{"EncryptionType":"KMS","KeyId":"` + keyARN + `"},` +
			`"Tags":[{"Key":"env","Value":"prod"},{"Key":"team","Value":"data"}]}`
		if ci.Configuration != want {
			t.Errorf("configuration\n got %s\nwant %s", ci.Configuration, want)
		}

		plain := latestOrFatal(t, sink, kinesisStreamType, "plain")
		wantPlain := `{"Arn":"` + kinesisStreamARN("plain") + `","Name":"plain","RetentionPeriodHours":24,"ShardCount":1,"Tags":[]}`
		if plain.Configuration != wantPlain {
			t.Errorf("plain configuration\n got %s\nwant %s", plain.Configuration, wantPlain)
		}
		if plain.ARN != kinesisStreamARN("plain") || plain.ResourceName != "plain" || len(plain.Tags) != 0 || plain.AvailabilityZone != "Regional" {
			t.Errorf("plain item %+v", plain)
		}
	})

	t.Run("OKUnchanged", func(t *testing.T) {
		before := latestOrFatal(t, sink, kinesisStreamType, "orders").Configuration
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, kinesisStreamType); r.Changed != 0 || r.Deleted != 0 || r.Discovered != 2 {
			t.Errorf("unchanged streams: report %+v", r)
		}
		for _, id := range []string{"orders", "plain"} {
			if h := sink.history(kinesisStreamType, id); len(h) != 1 {
				t.Errorf("%s: history after an unchanged poll: %d versions", id, len(h))
			}
		}
		again, err := kinesisStreams{}.item(ctx, c, motoScope, "orders")
		if err != nil || again == nil || again.Configuration != before {
			t.Errorf("re-read configuration differs (%v):\n%+v\n%s", err, again, before)
		}
	})

	t.Run("OKChanged", func(t *testing.T) {
		need[*kinesis.IncreaseStreamRetentionPeriodOutput](t)(c.IncreaseStreamRetentionPeriod(ctx,
			&kinesis.IncreaseStreamRetentionPeriodInput{StreamName: aws.String("orders"), RetentionPeriodHours: aws.Int32(168)}))
		need[*kinesis.AddTagsToStreamOutput](t)(c.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: aws.String("orders"),
			Tags: map[string]string{"cost": "stream"}}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, kinesisStreamType); r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("one changed stream: report %+v", r)
		}
		h := sink.history(kinesisStreamType, "orders")
		if len(h) != 2 || h[1].Status != configd.CIStatusOK || !h[1].CaptureTime.Equal(clock.t) {
			t.Fatalf("history: %d versions", len(h))
		}
		conf := decode(t, h[1].Configuration)
		if conf["RetentionPeriodHours"] != float64(168) {
			t.Errorf("changed retention: %s", h[1].Configuration)
		}
		if got, _ := json.Marshal(conf["Tags"]); string(got) != `[{"Key":"cost","Value":"stream"},{"Key":"env","Value":"prod"},{"Key":"team","Value":"data"}]` {
			t.Errorf("changed tags: %s", got)
		}
		if h[1].Tags["cost"] != "stream" || len(h[1].Tags) != 3 {
			t.Errorf("changed item tags: %v", h[1].Tags)
		}
		if d := Diff(h[0], h[1]); d.ChangeType != ChangeUpdate {
			t.Errorf("diff = %s", canonical(d))
		}
		if h := sink.history(kinesisStreamType, "plain"); len(h) != 1 {
			t.Errorf("plain: %d versions", len(h))
		}

		// Stopping encryption removes StreamEncryption: one more version.
		need[*kinesis.StopStreamEncryptionOutput](t)(c.StopStreamEncryption(ctx, &kinesis.StopStreamEncryptionInput{
			StreamName: aws.String("orders"), EncryptionType: kinesistypes.EncryptionTypeKms, KeyId: &keyARN}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, kinesisStreamType); r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("encryption stopped: report %+v", r)
		}
		h = sink.history(kinesisStreamType, "orders")
		if len(h) != 3 {
			t.Fatalf("history after stopping encryption: %d versions", len(h))
		}
		if _, ok := decode(t, h[2].Configuration)["StreamEncryption"]; ok {
			t.Errorf("StreamEncryption after StopStreamEncryption: %s", h[2].Configuration)
		}
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, kinesisStreamType); r.Changed != 0 || r.Deleted != 0 {
			t.Errorf("repeated poll: report %+v", r)
		}
	})

	t.Run("OKDeleted", func(t *testing.T) {
		need[*kinesis.DeleteStreamOutput](t)(c.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: aws.String("plain")}))
		wantDeletedOnce(t, cfg, sink, clock, kinesisStreamType, "plain", 2)
	})
}

// TestKinesisStreamPages: more streams than moto's ListStreams page (10,
// paged with HasMoreStreams and ExclusiveStartStreamName) are all
// recorded, each once.
func TestKinesisStreamPages(t *testing.T) {
	_, cfg := motoConfig(t)
	c := kinesis.NewFromConfig(cfg)
	ctx := context.Background()
	const n = 13
	for i := range n {
		need[*kinesis.CreateStreamOutput](t)(c.CreateStream(ctx, &kinesis.CreateStreamInput{
			StreamName: aws.String(fmt.Sprintf("s%02d", i)), ShardCount: aws.Int32(1)}))
	}
	sink := newMemSink()
	clock := &fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if r := pollOne(t, cfg, sink, clock, kinesisStreamType); r.Discovered != n || r.Changed != n {
		t.Errorf("report %+v, want %d streams", r, n)
	}
	for i := range n {
		id := fmt.Sprintf("s%02d", i)
		if h := sink.history(kinesisStreamType, id); len(h) != 1 {
			t.Errorf("%s: %d versions", id, len(h))
		}
	}
}

// TestKinesisStreamGone: a stream deleted between the listing and the read
// is skipped, not an error.
func TestKinesisStreamGone(t *testing.T) {
	_, cfg := motoConfig(t)
	ci, err := kinesisStreams{}.item(context.Background(), kinesis.NewFromConfig(cfg), motoScope, "never-created")
	if err != nil || ci != nil {
		t.Errorf("item of a missing stream: %+v, %v; want nil, nil", ci, err)
	}
}

// TestKinesisStreamConfigurationShape: members moto does not return, or
// returns differently, render as documented.
func TestKinesisStreamConfigurationShape(t *testing.T) {
	arn := kinesisStreamARN("x")
	for _, tc := range []struct {
		name string
		s    kinesistypes.StreamDescriptionSummary
		want string
	}{
		{"KMSWithoutKey", kinesistypes.StreamDescriptionSummary{StreamARN: &arn, EncryptionType: kinesistypes.EncryptionTypeKms,
			RetentionPeriodHours: aws.Int32(8760), OpenShardCount: aws.Int32(4)},
			`{"Arn":"` + arn + `","Name":"x","RetentionPeriodHours":8760,"ShardCount":4,"StreamEncryption":{"EncryptionType":"KMS"}}`},
		{"NoneWithKey", kinesistypes.StreamDescriptionSummary{StreamARN: &arn, EncryptionType: kinesistypes.EncryptionTypeNone,
			KeyId: aws.String("alias/aws/kinesis"), RetentionPeriodHours: aws.Int32(24), OpenShardCount: aws.Int32(1)},
			`{"Arn":"` + arn + `","Name":"x","RetentionPeriodHours":24,"ShardCount":1}`},
		{"AliasKey", kinesistypes.StreamDescriptionSummary{StreamARN: &arn, EncryptionType: kinesistypes.EncryptionTypeKms,
			KeyId: aws.String("alias/aws/kinesis"), StreamStatus: kinesistypes.StreamStatusUpdating, ConsumerCount: aws.Int32(3),
			StreamModeDetails: &kinesistypes.StreamModeDetails{StreamMode: kinesistypes.StreamModeOnDemand}},
			`{"Arn":"` + arn + `","Name":"x","StreamEncryption":{"EncryptionType":"KMS","KeyId":"alias/aws/kinesis"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := encode(kinesisStreamConfiguration(&tc.s, "x")); got != tc.want {
				t.Errorf("configuration\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}
