package recorder

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/configd/configd"
)

// noBackoff retries at once, so tests never sleep.
var noBackoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })

func staticConfig(t *testing.T, endpoint string) aws.Config {
	t.Helper()
	cfg, err := AWSConfig(context.Background(), AccountSettings{Region: "us-east-1", EndpointURL: endpoint,
		AccessKeyID: "testing", SecretAccessKey: "testing"})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestPollErrors checks that the failure of one type is reported with its
// AWS error code and stops neither the other types nor, for the failed
// type, anything but its deletions.
func TestPollErrors(t *testing.T) {
	t.Run("ErrAccessDenied", func(t *testing.T) {
		endpoint, cfg := motoConfig(t)
		seed(t, cfg)
		target, _ := url.Parse(endpoint)
		proxy := httputil.NewSingleHostReverseProxy(target)
		var deny atomic.Bool
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if deny.Load() && strings.HasPrefix(r.Header.Get("X-Amz-Target"), "TrentService.") {
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"__type":"AccessDeniedException","message":"not authorized to perform kms:ListKeys"}`))
				return
			}
			proxy.ServeHTTP(w, r)
		}))
		defer srv.Close()
		pcfg := staticConfig(t, srv.URL)
		sink := newMemSink()
		types := []string{"AWS::KMS::Key", "AWS::SQS::Queue", "AWS::S3::Bucket"}
		if _, err := Poll(context.Background(), pcfg, motoScope, types, sink, PollOptions{Backoff: noBackoff}); err != nil {
			t.Fatal(err)
		}
		deny.Store(true)
		reps, err := Poll(context.Background(), pcfg, motoScope, types, sink, PollOptions{Backoff: noBackoff})
		if err != nil {
			t.Fatal(err)
		}
		if r := reps[0]; r.ErrorCode != "AccessDeniedException" || !strings.Contains(r.ErrorMessage, "kms:ListKeys") || r.Deleted != 0 || r.APICalls != 1 {
			t.Errorf("kms report %+v, want AccessDeniedException after one call and no deletion", r)
		}
		for _, r := range reps[1:] {
			if !r.OK() || r.Discovered != 1 {
				t.Errorf("%s report %+v, want success", r.ResourceType, r)
			}
		}
		if ids, _ := sink.KnownIDs(context.Background(), motoScope, "AWS::KMS::Key"); len(ids) != 1 {
			t.Errorf("known keys after a denied poll: %v", ids)
		}
	})

	t.Run("ErrConnection", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := "http://" + l.Addr().String()
		l.Close()
		sink := newMemSink()
		key := configd.ResourceKey{ResourceType: "AWS::SQS::Queue", ResourceID: "https://example/q"}
		if _, err := sink.Record(context.Background(), motoScope, &configd.ConfigurationItem{ResourceType: key.ResourceType, ResourceID: key.ResourceID}); err != nil {
			t.Fatal(err)
		}
		types := []string{"AWS::SQS::Queue", "AWS::IAM::User"}
		reps, err := Poll(context.Background(), staticConfig(t, closed), motoScope, types, sink, PollOptions{Backoff: noBackoff, MaxAttempts: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reps {
			if r.ErrorCode != ErrorCodeConnection || !strings.Contains(r.ErrorMessage, "connect") || r.Deleted != 0 {
				t.Errorf("%s report %+v, want %s", r.ResourceType, r, ErrorCodeConnection)
			}
		}
		if l := sink.latest(key.ResourceType, key.ResourceID); l.Status == configd.CIStatusResourceDeleted {
			t.Error("a failed discovery deleted a known resource")
		}
	})

	t.Run("ErrSink", func(t *testing.T) {
		sink := newMemSink()
		sink.failKnown = configd.Errorf(configd.ErrServiceUnavailable, "database is down")
		reps, err := Poll(context.Background(), staticConfig(t, "http://127.0.0.1:1"), motoScope, []string{"AWS::SQS::Queue", "AWS::Nope::Nope"}, sink, PollOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if reps[0].ErrorCode != configd.ErrServiceUnavailable || reps[0].APICalls != 0 {
			t.Errorf("sink failure report %+v", reps[0])
		}
		if reps[1].ErrorCode != configd.ErrInvalidParameterValue {
			t.Errorf("unsupported type report %+v", reps[1])
		}
	})

	t.Run("ErrCanceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := Poll(ctx, staticConfig(t, "http://127.0.0.1:1"), motoScope, []string{"AWS::SQS::Queue"}, newMemSink(), PollOptions{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

// throttlingKMS answers ListKeys with ThrottlingException the first failures
// times, then with an empty key list.
func throttlingKMS(t *testing.T, failures int64) (*httptest.Server, *atomic.Int64) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if r.Header.Get("X-Amz-Target") != "TrentService.ListKeys" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"UnknownOperationException"}`))
			return
		}
		if n <= failures {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"ThrottlingException","message":"Rate exceeded"}`))
			return
		}
		_, _ = w.Write([]byte(`{"Keys":[],"Truncated":false}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestPollThrottling(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		srv, calls := throttlingKMS(t, 3)
		var delays []int
		backoff := retry.BackoffDelayerFunc(func(attempt int, err error) (time.Duration, error) {
			delays = append(delays, attempt)
			return 0, nil
		})
		reps, err := Poll(context.Background(), staticConfig(t, srv.URL), motoScope, []string{"AWS::KMS::Key"}, newMemSink(), PollOptions{Backoff: backoff})
		if err != nil {
			t.Fatal(err)
		}
		if r := reps[0]; !r.OK() || r.APICalls != 4 || calls.Load() != 4 || len(delays) != 3 {
			t.Errorf("report %+v, server calls %d, backoffs %v; want success after 3 retries", r, calls.Load(), delays)
		}
	})
	t.Run("ErrThrottled", func(t *testing.T) {
		srv, calls := throttlingKMS(t, 100)
		reps, err := Poll(context.Background(), staticConfig(t, srv.URL), motoScope, []string{"AWS::KMS::Key"}, newMemSink(),
			PollOptions{Backoff: noBackoff, MaxAttempts: 5})
		if err != nil {
			t.Fatal(err)
		}
		if r := reps[0]; r.ErrorCode != "ThrottlingException" || r.ErrorMessage != "Rate exceeded" || r.APICalls != 5 || calls.Load() != 5 {
			t.Errorf("report %+v, server calls %d; want ThrottlingException after 5 attempts", r, calls.Load())
		}
	})
}
