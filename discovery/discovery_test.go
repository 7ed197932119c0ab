package discovery

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/mototest"
	"github.com/configd/configd/recorder"
	"github.com/configd/configd/service"
	"github.com/configd/configd/sqlite"
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

var scope = configd.Scope{AccountID: "123456789012", Region: "us-east-1"}

// setup returns a discovery service over a fresh store whose account
// reaches a fresh moto server, with a running recorder of S3 buckets in
// the given recording mode.
func setup(t *testing.T, mode configd.RecordingMode) (*Service, *service.Service, *clock, *s3.Client) {
	t.Helper()
	ctx := context.Background()
	moto := mototest.Start(t)
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{t: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	svc := service.New(service.Options{Store: db, Clock: clk})
	if _, err := svc.PutRecorder(ctx, scope, &configd.Recorder{Name: "default", RecordingGroup: configd.RecordingGroup{ResourceTypes: []string{"AWS::S3::Bucket"}}, RecordingMode: mode}, nil); err != nil {
		t.Fatal(err)
	}
	if err := svc.PutDeliveryChannel(ctx, scope, &configd.DeliveryChannel{S3BucketName: "b"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.StartRecorder(ctx, scope, "default"); err != nil {
		t.Fatal(err)
	}
	d := &Service{Config: svc, Poll: recorder.PollOptions{MaxAttempts: 2}, Accounts: func(string) (Upstream, bool) {
		return Upstream{AccountSettings: recorder.AccountSettings{EndpointURL: moto, AccessKeyID: "test", SecretAccessKey: "test"}}, true
	}}
	s3c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(moto), UsePathStyle: true, Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	return d, svc, clk, s3c
}

func versions(t *testing.T, svc *service.Service, bucket string) int {
	t.Helper()
	items, err := svc.History(context.Background(), scope, configd.HistoryQuery{Key: configd.ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceID: bucket}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(items)
}

func TestDailyRecordingFrequency(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		mode configd.RecordingMode
		// versions after a change polled within the day, then after a day
		within, after int
	}{
		"OKContinuous":    {configd.RecordingMode{RecordingFrequency: configd.FrequencyContinuous}, 2, 2},
		"OKDaily":         {configd.RecordingMode{RecordingFrequency: configd.FrequencyDaily}, 1, 2},
		"OKDailyOverride": {configd.RecordingMode{RecordingFrequency: configd.FrequencyContinuous, Overrides: []configd.RecordingModeOverride{{ResourceTypes: []string{"AWS::S3::Bucket"}, RecordingFrequency: configd.FrequencyDaily}}}, 1, 2},
	} {
		t.Run(name, func(t *testing.T) {
			d, svc, clk, s3c := setup(t, tc.mode)
			if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("daily")}); err != nil {
				t.Fatal(err)
			}
			if _, err := d.PollNow(ctx, &scope, false); err != nil {
				t.Fatal(err)
			}
			if n := versions(t, svc, "daily"); n != 1 {
				t.Fatalf("first poll: %d versions", n)
			}
			_, err := s3c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("daily"), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
			if err != nil {
				t.Fatal(err)
			}
			clk.t = clk.t.Add(time.Hour)
			if _, err := d.PollNow(ctx, &scope, false); err != nil {
				t.Fatal(err)
			}
			if n := versions(t, svc, "daily"); n != tc.within {
				t.Fatalf("poll an hour later: %d versions, want %d", n, tc.within)
			}
			clk.t = clk.t.Add(24 * time.Hour)
			if _, err := d.PollNow(ctx, &scope, false); err != nil {
				t.Fatal(err)
			}
			if n := versions(t, svc, "daily"); n != tc.after {
				t.Fatalf("poll a day later: %d versions, want %d", n, tc.after)
			}
			items, _ := svc.History(ctx, scope, configd.HistoryQuery{Key: configd.ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceID: "daily"}, Limit: 1})
			want := configd.FrequencyDaily
			if name == "OKContinuous" {
				want = configd.FrequencyContinuous
			}
			if items[0].Item.RecordingFrequency != want {
				t.Fatalf("recordingFrequency = %s, want %s", items[0].Item.RecordingFrequency, want)
			}
		})
	}
}

// TestNoUpstreamNoCalls: an account without configured upstream is not
// discovered, and its recorder status is left alone.
func TestNoUpstreamNoCalls(t *testing.T) {
	ctx := context.Background()
	d, svc, _, _ := setup(t, configd.RecordingMode{})
	d.Accounts = func(string) (Upstream, bool) { return Upstream{}, false }
	res, err := d.PollNow(ctx, &scope, true)
	if err != nil || len(res) != 1 || len(res[0].Types) != 0 {
		t.Fatalf("PollNow = %+v, %v", res, err)
	}
	rs, _ := svc.DescribeRecorders(ctx, scope, nil, "", "")
	if rs[0].LastStatus != configd.RecorderStatusPending {
		t.Fatalf("status = %s", rs[0].LastStatus)
	}
}

// TestStopIdempotent: Stop before Start and twice is safe.
func TestStopIdempotent(t *testing.T) {
	d := &Service{}
	d.Stop()
	d.Stop()
}

// TestPollTypes: a poll of given types polls only those the recorder
// records, and a successful one does not clear the failure a full pass
// recorded (it says nothing of the other types).
func TestPollTypes(t *testing.T) {
	ctx := context.Background()
	d, svc, _, s3c := setup(t, configd.RecordingMode{RecordingFrequency: configd.FrequencyContinuous})
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("only")}); err != nil {
		t.Fatal(err)
	}
	status := func() string {
		t.Helper()
		var st string
		err := svc.Store().Read(ctx, func(tx configd.Tx) error {
			r, err := tx.GetRecorder(ctx, scope, "default")
			if err == nil {
				st = r.LastStatus
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if err := svc.SetRecorderStatus(ctx, scope, "default", configd.RecorderStatusFailure, "AccessDenied", "AWS::S3::Bucket: denied"); err != nil {
		t.Fatal(err)
	}

	res, err := d.PollTypes(ctx, scope, []string{"AWS::SQS::Queue"}) // not recorded
	if err != nil || len(res) != 1 || len(res[0].Types) != 0 {
		t.Fatalf("PollTypes of a type not recorded = %+v, %v; want no type polled", res, err)
	}
	_, err = svc.History(ctx, scope, configd.HistoryQuery{Key: configd.ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceID: "only"}, Limit: 1})
	if configd.ErrorCode(err) != configd.ErrResourceNotDiscovered {
		t.Fatalf("history of the bucket after a poll of another type: %v; want it not discovered", err)
	}
	res, err = d.PollTypes(ctx, scope, []string{"AWS::S3::Bucket", "AWS::SQS::Queue"})
	if err != nil || len(res) != 1 || len(res[0].Types) != 1 || res[0].Types[0].ResourceType != "AWS::S3::Bucket" {
		t.Fatalf("PollTypes = %+v, %v; want the bucket type polled", res, err)
	}
	if n := versions(t, svc, "only"); n != 1 {
		t.Fatalf("after polling buckets: %d versions, want 1", n)
	}
	if st := status(); st != configd.RecorderStatusFailure {
		t.Fatalf("status after a successful poll of some types = %s, want the full pass's Failure kept", st)
	}
	if _, err := d.PollNow(ctx, &scope, false); err != nil {
		t.Fatal(err)
	}
	if st := status(); st != configd.RecorderStatusSuccess {
		t.Fatalf("status after a successful full pass = %s, want Success", st)
	}
}
