package sigv4

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/smithy-go"

	"github.com/configd/configd"
)

// sdkServer is a loopback AWS Config endpoint whose only logic is Verify.
type sdkServer struct {
	*httptest.Server
	mu      sync.Mutex
	creds   []Credential
	headers [][]string // signed header names of each accepted request
}

func newSDKServer(t *testing.T, v *Verifier) *sdkServer {
	s := &sdkServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		cred, err := v.Verify(r, body)
		if err != nil {
			t.Logf("Verify: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{
				"__type":  configd.ErrorCode(err),
				"message": configd.ErrorMessage(err),
			})
			return
		}
		auth, err := ParseAuthorization(r.Header.Get("Authorization"))
		if err != nil {
			t.Errorf("ParseAuthorization after Verify: %v", err)
		}
		s.mu.Lock()
		s.creds = append(s.creds, *cred)
		s.headers = append(s.headers, auth.SignedHeaders)
		s.mu.Unlock()
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sdkServer) client(region, keyID, secret, token string) *configservice.Client {
	return configservice.New(configservice.Options{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider(keyID, secret, token),
		BaseEndpoint:     aws.String(s.URL),
		HTTPClient:       s.Client(),
		RetryMaxAttempts: 1,
	})
}

// TestVerifyRealSDKClient drives aws-sdk-go-v2's configservice client
// against a server on 127.0.0.1 that runs Verify, so that requests exactly
// as the SDK sends them (with amz-sdk-invocation-id, amz-sdk-request,
// x-amz-target, content-length, ...) are verified.
func TestVerifyRealSDKClient(t *testing.T) {
	v := &Verifier{
		Lookup: func(id string) (string, bool) {
			if id == testKeyID {
				return testSecret, true
			}
			return "", false
		},
		Service: "config",
		Region:  testRegion,
		// Now is nil: the SDK signs with the real clock.
	}
	srv := newSDKServer(t, v)
	ctx := context.Background()

	tests := []struct {
		name                string
		region, key, secret string
		token               string
		call                func(boundClient) error
		code, msg           string
	}{
		{name: "OK", region: testRegion, key: testKeyID, secret: testSecret, call: describeRules},
		{name: "OKSessionToken", region: testRegion, key: testKeyID, secret: testSecret, token: "IQoJb3JpZ2luX2VjEXAMPLE", call: describeRules},
		{name: "OKWithBody", region: testRegion, key: testKeyID, secret: testSecret, call: putRule},
		{name: "ErrWrongSecret", region: testRegion, key: testKeyID, secret: "wrong", call: putRule,
			code: "InvalidSignatureException", msg: msgSignatureMismatch},
		{name: "ErrUnknownKey", region: testRegion, key: "AKIDNOBODY0000000000", secret: testSecret, call: describeRules,
			code: "UnrecognizedClientException", msg: msgUnknownKey},
		{name: "ErrRegion", region: "eu-west-1", key: testKeyID, secret: testSecret, call: describeRules,
			code: "InvalidSignatureException", msg: "Credential should be scoped to a valid region, not 'eu-west-1'."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.mu.Lock()
			before := len(srv.creds)
			srv.mu.Unlock()

			err := tc.call(boundClient{srv.client(tc.region, tc.key, tc.secret, tc.token), ctx})

			srv.mu.Lock()
			defer srv.mu.Unlock()
			if tc.code == "" {
				if err != nil {
					t.Fatalf("call: %v", err)
				}
				if len(srv.creds) != before+1 {
					t.Fatalf("server accepted %d requests, want 1", len(srv.creds)-before)
				}
				got := srv.creds[before]
				want := Credential{AccessKeyID: testKeyID, Date: got.Date, Region: testRegion, Service: "config"}
				if got != want || len(got.Date) != 8 {
					t.Errorf("credential = %+v, want %+v", got, want)
				}
				for _, h := range []string{"host", "x-amz-date", "x-amz-target", "amz-sdk-invocation-id", "amz-sdk-request"} {
					if !contains(srv.headers[before], h) {
						t.Errorf("signed headers %v lack %q: the test no longer proves SDK headers verify", srv.headers[before], h)
					}
				}
				if tc.token != "" && !contains(srv.headers[before], "x-amz-security-token") {
					t.Errorf("signed headers %v lack x-amz-security-token", srv.headers[before])
				}
				return
			}
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error = %v, want an API error %s", err, tc.code)
			}
			if apiErr.ErrorCode() != tc.code || apiErr.ErrorMessage() != tc.msg {
				t.Errorf("error = %s: %q, want %s: %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), tc.code, tc.msg)
			}
			if len(srv.creds) != before {
				t.Errorf("server accepted a request that should fail")
			}
		})
	}
}

// boundClient binds a context to a client so table entries stay short.
type boundClient struct {
	*configservice.Client
	ctx context.Context
}

func describeRules(c boundClient) error {
	_, err := c.DescribeConfigRules(c.ctx, &configservice.DescribeConfigRulesInput{ConfigRuleNames: []string{"rule-a"}})
	return err
}

func putRule(c boundClient) error {
	_, err := c.PutConfigRule(c.ctx, &configservice.PutConfigRuleInput{ConfigRule: &types.ConfigRule{
		ConfigRuleName: aws.String("s3-bucket-versioning-enabled"),
		Source: &types.Source{
			Owner:            types.OwnerAws,
			SourceIdentifier: aws.String("S3_BUCKET_VERSIONING_ENABLED"),
		},
		InputParameters: aws.String(`{"note":"spaces  and unicode \u00e9"}`),
	}})
	return err
}
