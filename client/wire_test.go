package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// jsonServer is an AWS JSON 1.1 endpoint on 127.0.0.1 that answers every
// call with the next scripted reply and records the requests.
type jsonServer struct {
	*httptest.Server
	mu      sync.Mutex
	replies []reply
	calls   []request
}

type reply struct {
	status int
	body   string
}

type request struct {
	target string
	body   map[string]any
}

func newJSONServer(t *testing.T, replies ...reply) *jsonServer {
	t.Helper()
	s := &jsonServer{replies: replies}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("test server at %s, want a loopback address", s.URL)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *jsonServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	s.calls = append(s.calls, request{target: r.Header.Get("X-Amz-Target"), body: body})
	rep := reply{500, `{"__type":"InternalFailure","message":"script exhausted"}`}
	if i := len(s.calls) - 1; i < len(s.replies) {
		rep = s.replies[i]
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", "test-request")
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

func (s *jsonServer) Calls() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.calls...)
}

// sdkClient returns a real configservice client for srv. retryer nil means
// aws.NopRetryer, so only this package retries.
func sdkClient(srv *jsonServer, retryer aws.Retryer) *configservice.Client {
	if retryer == nil {
		retryer = aws.NopRetryer{}
	}
	return configservice.New(configservice.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		HTTPClient:   srv.Client(),
		Retryer:      retryer,
	})
}

const inProgressBody = `{"__type":"RemediationInProgressException","message":"Remediation action is in progress."}`

func inProgressReplies(n int, final reply) []reply {
	var out []reply
	for range n {
		out = append(out, reply{400, inProgressBody})
	}
	return append(out, final)
}

// TestWireTypedError proves that the SDK turns configd's error body into
// *types.RemediationInProgressException and that the default table retries
// it.
func TestWireTypedError(t *testing.T) {
	srv := newJSONServer(t, reply{400, inProgressBody})
	_, err := sdkClient(srv, nil).StartRemediationExecution(context.Background(), &configservice.StartRemediationExecutionInput{
		ConfigRuleName: aws.String("r"),
		ResourceKeys:   []types.ResourceKey{keyA},
	})
	var ip *types.RemediationInProgressException
	if !errors.As(err, &ip) {
		t.Fatalf("err = %T %v, want *types.RemediationInProgressException", err, err)
	}
	if got := DefaultRetryable().Classify(err); got != Busy {
		t.Fatalf("Classify = %v, want busy", got)
	}
	if calls := srv.Calls(); len(calls) != 1 || calls[0].target != "StarlingDoveService.StartRemediationExecution" {
		t.Fatalf("calls = %+v, want one StartRemediationExecution", calls)
	}
}

func TestWireStartRemediation(t *testing.T) {
	t.Run("OKAfterInProgressErrors", func(t *testing.T) {
		srv := newJSONServer(t, inProgressReplies(3, reply{200, `{"FailedItems":[]}`})...)
		clk := newFakeClock()
		res, err := New(sdkClient(srv, nil), clk.opts(0.5)...).StartRemediation(context.Background(), "r", []types.ResourceKey{keyA, keyB})
		if err != nil {
			t.Fatal(err)
		}
		if len(srv.Calls()) != 4 || len(res.Started) != 2 || res.Started[0].Attempts != 4 {
			t.Fatalf("calls = %d, result = %+v; want both started on call 4", len(srv.Calls()), res)
		}
	})

	t.Run("OKFailedItemsResentAlone", func(t *testing.T) {
		srv := newJSONServer(t,
			reply{200, `{"FailedItems":[{"resourceType":"AWS::S3::Bucket","resourceId":"b"}],"FailureMessage":"Remediation is in progress for 1 resource."}`},
			reply{200, `{}`},
		)
		clk := newFakeClock()
		res, err := New(sdkClient(srv, nil), clk.opts(0.5)...).StartRemediation(context.Background(), "r", []types.ResourceKey{keyA, keyB})
		if err != nil || len(res.Started) != 2 {
			t.Fatalf("result = %+v, err = %v; want both started", res, err)
		}
		calls := srv.Calls()
		if len(calls) != 2 {
			t.Fatalf("calls = %d, want 2", len(calls))
		}
		keys, _ := calls[1].body["ResourceKeys"].([]any)
		if len(keys) != 1 || keys[0].(map[string]any)["resourceId"] != "b" {
			t.Fatalf("second request keys = %v, want only b", calls[1].body["ResourceKeys"])
		}
	})

	t.Run("ErrValidationNotRetried", func(t *testing.T) {
		srv := newJSONServer(t, reply{400, `{"__type":"InvalidParameterValueException","message":"bad"}`})
		clk := newFakeClock()
		_, err := New(sdkClient(srv, nil), clk.opts(0.5)...).StartRemediation(context.Background(), "r", []types.ResourceKey{keyA})
		var bad *types.InvalidParameterValueException
		if !errors.As(err, &bad) || len(srv.Calls()) != 1 {
			t.Fatalf("err = %v, calls = %d; want the typed error after one call", err, len(srv.Calls()))
		}
	})
}

func TestWireDeleteRemediationConfiguration(t *testing.T) {
	srv := newJSONServer(t, inProgressReplies(2, reply{200, `{}`})...)
	clk := newFakeClock()
	if err := New(sdkClient(srv, nil), clk.opts(0.5)...).DeleteRemediationConfiguration(context.Background(), "r", ""); err != nil {
		t.Fatal(err)
	}
	if calls := srv.Calls(); len(calls) != 3 || calls[2].target != "StarlingDoveService.DeleteRemediationConfiguration" {
		t.Fatalf("calls = %+v, want 3 DeleteRemediationConfiguration calls", calls)
	}
}

// noDelay makes the SDK retryer retry at once, so the test does not sleep.
func noDelay(o *retry.StandardOptions) {
	o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
}

func TestSDKRetryer(t *testing.T) {
	t.Run("OKRetriesInProgress", func(t *testing.T) {
		srv := newJSONServer(t, inProgressReplies(2, reply{200, `{}`})...)
		_, err := sdkClient(srv, NewRetryer(noDelay)).DeleteRemediationConfiguration(context.Background(),
			&configservice.DeleteRemediationConfigurationInput{ConfigRuleName: aws.String("r")})
		if err != nil || len(srv.Calls()) != 3 {
			t.Fatalf("err = %v, calls = %d; want success on the third call", err, len(srv.Calls()))
		}
	})

	t.Run("OKRetriesResourceInUse", func(t *testing.T) {
		srv := newJSONServer(t, reply{400, `{"__type":"ResourceInUseException","message":"in use"}`}, reply{200, `{}`})
		_, err := sdkClient(srv, NewRetryer(noDelay)).DeleteConfigRule(context.Background(),
			&configservice.DeleteConfigRuleInput{ConfigRuleName: aws.String("r")})
		if err != nil || len(srv.Calls()) != 2 {
			t.Fatalf("err = %v, calls = %d; want success on the second call", err, len(srv.Calls()))
		}
	})

	t.Run("ErrStandardRetryerDoesNot", func(t *testing.T) {
		// The control: the SDK's own standard retryer gives up at once.
		srv := newJSONServer(t, inProgressReplies(2, reply{200, `{}`})...)
		_, err := sdkClient(srv, retry.NewStandard(noDelay)).DeleteRemediationConfiguration(context.Background(),
			&configservice.DeleteRemediationConfigurationInput{ConfigRuleName: aws.String("r")})
		var ip *types.RemediationInProgressException
		if !errors.As(err, &ip) || len(srv.Calls()) != 1 {
			t.Fatalf("err = %v, calls = %d; want the in-progress error after one call", err, len(srv.Calls()))
		}
	})

	t.Run("ErrValidationNotRetried", func(t *testing.T) {
		srv := newJSONServer(t, reply{400, `{"__type":"InvalidParameterValueException","message":"bad"}`}, reply{200, `{}`})
		_, err := sdkClient(srv, NewRetryer(noDelay)).DeleteRemediationConfiguration(context.Background(),
			&configservice.DeleteRemediationConfigurationInput{ConfigRuleName: aws.String("r")})
		if err == nil || len(srv.Calls()) != 1 {
			t.Fatalf("err = %v, calls = %d; want failure after one call", err, len(srv.Calls()))
		}
	})

	t.Run("OKWithRemediationRetries", func(t *testing.T) {
		var o configservice.Options
		WithRemediationRetries(&o)
		r := o.Retryer
		if r == nil || r.MaxAttempts() != DefaultMaxAttempts {
			t.Fatalf("retryer = %v, want one with %d attempts", r, DefaultMaxAttempts)
		}
		tests := []struct {
			err  error
			want bool
		}{
			{inProgress(), true},
			{&types.ResourceInUseException{}, true},
			{apiErr("ThrottlingException"), true},
			{&types.InvalidParameterValueException{}, false},
			{&types.InsufficientPermissionsException{}, false},
		}
		for _, tt := range tests {
			if got := r.IsErrorRetryable(tt.err); got != tt.want {
				t.Errorf("IsErrorRetryable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		}
	})
}

func TestWireWaitForExecutions(t *testing.T) {
	srv := newJSONServer(t,
		reply{200, `{"RemediationExecutionStatuses":[{"ResourceKey":{"resourceType":"AWS::S3::Bucket","resourceId":"a"},"State":"IN_PROGRESS","InvocationTime":1767323045}],"NextToken":"t2"}`},
		reply{200, `{"RemediationExecutionStatuses":[{"ResourceKey":{"resourceType":"AWS::S3::Bucket","resourceId":"b"},"State":"FAILED","InvocationTime":1767323045,` +
			`"StepDetails":[{"Name":"Step1","State":"FAILED","ErrorMessage":"boom"}]}]}`},
		reply{200, `{"RemediationExecutionStatuses":[{"ResourceKey":{"resourceType":"AWS::S3::Bucket","resourceId":"a"},"State":"SUCCEEDED","InvocationTime":1767323045}]}`},
	)
	clk := newFakeClock()
	execs, err := New(sdkClient(srv, nil), clk.opts(0.5)...).WaitForExecutions(context.Background(), "r", []types.ResourceKey{keyA, keyB})
	if err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls()
	if len(calls) != 3 || calls[1].body["NextToken"] != "t2" || calls[2].body["NextToken"] != nil {
		t.Fatalf("calls = %+v, want 3 with NextToken only on the second", calls)
	}
	if execs[0].State != "SUCCEEDED" || execs[1].State != "FAILED" || len(execs[1].StepErrors) != 1 || execs[1].StepErrors[0] != "Step1: boom" {
		t.Fatalf("execs = %+v, want a SUCCEEDED, b FAILED with step error", execs)
	}
	if want := time.Unix(1767323045, 0); !execs[1].InvocationTime.Equal(want) {
		t.Fatalf("invocation time = %v, want %v", execs[1].InvocationTime, want)
	}
}
