package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/configd/configd/api"
)

type rawResponse struct {
	Status int
	Header http.Header
	Body   map[string]any
}

// call sends a request signed with account A's key, with the given target
// and body, and decodes the JSON response.
func (s *testServer) call(t *testing.T, target, body string, mutate ...func(*http.Request)) rawResponse {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	sum := sha256Hex([]byte(body))
	err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: keyA, SecretAccessKey: secretA}, req, sum, "config", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mutate {
		m(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := rawResponse{Status: resp.StatusCode, Header: resp.Header}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out.Body); err != nil {
			t.Fatalf("response body is not a JSON object: %q", b)
		}
	}
	return out
}

func TestProtocol(t *testing.T) {
	s := startServer(t)
	cases := []struct {
		name, target, body string
		status             int
		code               string
		msg                string
	}{
		{"ErrUnknownOperation", "StarlingDoveService.MakeCoffee", "{}", 400, "UnknownOperationException", ""},
		{"ErrOtherService", "DynamoDB_20120810.ListTables", "{}", 400, "UnknownOperationException", ""},
		{"ErrNoTarget", "", "{}", 400, "UnknownOperationException", ""},
		{"ErrNotObject", "StarlingDoveService.DescribeConfigRules", "[1,2]", 400, "SerializationException", ""},
		{"ErrBadJSON", "StarlingDoveService.DescribeConfigurationRecorders", "{", 400, "SerializationException", ""},
		{"ErrWrongType", "StarlingDoveService.DescribeConfigurationRecorders", `{"ConfigurationRecorderNames":"x"}`, 400, "SerializationException", ""},
		{"ErrWrongTimestamp", "StarlingDoveService.GetResourceConfigHistory", `{"resourceType":"A::B::C","resourceId":"x","laterTime":{}}`, 400, "SerializationException", ""},
		{"ErrMissingRequired", "StarlingDoveService.GetResourceConfigHistory", `{}`, 400, "ValidationException",
			"2 validation errors detected: Value null at 'resourceType' failed to satisfy constraint: Member must not be null; Value null at 'resourceId' failed to satisfy constraint: Member must not be null"},
		{"ErrEnum", "StarlingDoveService.GetResourceConfigHistory", `{"resourceType":"A::B::C","resourceId":"x","chronologicalOrder":"Sideways"}`, 400, "ValidationException",
			"1 validation error detected: Value 'Sideways' at 'chronologicalOrder' failed to satisfy constraint: Member must satisfy enum value set: [Reverse, Forward]"},
		{"OKEmptyBody", "StarlingDoveService.DescribeConfigurationRecorders", "", 200, "", ""},
		{"OKUnknownMember", "StarlingDoveService.DescribeConfigurationRecorders", `{"Extra":1}`, 200, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.call(t, tc.target, tc.body)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d (%v)", r.Status, tc.status, r.Body)
			}
			if r.Header.Get("x-amzn-RequestId") == "" {
				t.Fatal("no x-amzn-RequestId")
			}
			if r.Header.Get("X-Amzn-ErrorType") != "" {
				t.Fatal("X-Amzn-ErrorType set")
			}
			if tc.code != "" && r.Body["__type"] != tc.code {
				t.Fatalf("__type = %v, want %s (%v)", r.Body["__type"], tc.code, r.Body["message"])
			}
			if tc.msg != "" && r.Body["message"] != tc.msg {
				t.Fatalf("message = %q\nwant      %q", r.Body["message"], tc.msg)
			}
			if tc.code != "" && len(r.Body) != 2 {
				t.Fatalf("error body has members %v, want __type and message", r.Body)
			}
		})
	}
	t.Run("ErrNotImplementedNamesOperation", func(t *testing.T) {
		// Every operation of the model is routed: none answers 404 or an
		// empty success; those not implemented name themselves.
		for _, name := range api.OperationNames {
			r := s.call(t, "StarlingDoveService."+name, "{}")
			if r.Status == 404 || r.Status >= 500 && r.Status != 501 {
				t.Fatalf("%s: status %d", name, r.Status)
			}
			if r.Status == 501 && (r.Body["__type"] != "NotImplementedException" || !strings.Contains(r.Body["message"].(string), name)) {
				t.Fatalf("%s: %v", name, r.Body)
			}
			if r.Status == 200 && r.Body == nil {
				t.Fatalf("%s: empty success", name)
			}
		}
	})
	t.Run("ErrBodyTooLarge", func(t *testing.T) {
		big := `{"ConfigurationRecorderNames":["` + strings.Repeat("x", 5<<20) + `"]}`
		r := s.call(t, "StarlingDoveService.DescribeConfigurationRecorders", big)
		if r.Status != 413 || r.Body["__type"] != "RequestEntityTooLargeException" {
			t.Fatalf("status %d %v", r.Status, r.Body)
		}
	})
	t.Run("OKHealth", func(t *testing.T) {
		resp, err := http.Get(s.URL() + "/health")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("health: %v %v", resp, err)
		}
		resp.Body.Close()
	})
	t.Run("ErrResetNotInSecureMode", func(t *testing.T) {
		resp, err := http.Post(s.URL()+"/moto-api/reset", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("reset allowed outside emulator mode")
		}
	})
}

func TestAuthFailures(t *testing.T) {
	s := startServer(t)
	target := "StarlingDoveService.DescribeConfigurationRecorders"
	cases := []struct {
		name   string
		mutate func(*http.Request)
		status int
		code   string
	}{
		{"ErrNoAuth", func(r *http.Request) { r.Header.Del("Authorization") }, 403, "MissingAuthenticationTokenException"},
		{"ErrIncomplete", func(r *http.Request) { r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x") }, 400, "IncompleteSignatureException"},
		{"ErrUnknownKey", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), keyA, "AKIDUNKNOWNUNKNOWN00", 1))
		}, 400, "UnrecognizedClientException"},
		{"ErrAlteredTarget", func(r *http.Request) { r.Header.Set("X-Amz-Target", "StarlingDoveService.DescribeDeliveryChannels") }, 400, "InvalidSignatureException"},
		{"ErrAlteredBody", func(r *http.Request) {
			r.Body = io.NopCloser(bytes.NewReader([]byte(`{"ConfigurationRecorderNames":["x"]}`)))
			r.ContentLength = -1
		}, 400, "InvalidSignatureException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.call(t, target, "{}", tc.mutate)
			if r.Status != tc.status || r.Body["__type"] != tc.code {
				t.Fatalf("got %d %v, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
		})
	}
	t.Run("ErrWrongSecretSDK", func(t *testing.T) {
		_, err := s.client(keyA, "wrong-secret", "us-east-1").DescribeConfigurationRecorders(ctx, &cs.DescribeConfigurationRecordersInput{})
		wantCode(t, err, "InvalidSignatureException")
	})
	t.Run("ErrClockSkew", func(t *testing.T) {
		r := s.call(t, target, "{}", func(r *http.Request) {
			// Re-sign 20 minutes in the past.
			r.Header.Del("Authorization")
			r.Header.Del("X-Amz-Date")
			v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: keyA, SecretAccessKey: secretA}, r, sha256Hex([]byte("{}")), "config", "us-east-1", time.Now().Add(-20*time.Minute))
		})
		if r.Status != 400 || r.Body["__type"] != "InvalidSignatureException" || !strings.Contains(r.Body["message"].(string), "Signature expired") {
			t.Fatalf("got %d %v", r.Status, r.Body)
		}
	})
}

// TestEmulatorMode: any key is accepted; a 12-digit key selects the account.
func TestEmulatorMode(t *testing.T) {
	s := startServer(t, func(c *ServeConfig) { c.AcceptAnyCredentials = true })
	c1 := s.client("333333333333", "anything", "us-east-1")
	c2 := s.client("AKIDNOTANACCOUNT", "x", "us-east-1")
	putRecorder(t, c1, "default")
	out := must[*cs.DescribeConfigurationRecordersOutput](t)(c1.DescribeConfigurationRecorders(ctx, &cs.DescribeConfigurationRecordersInput{}))
	if len(out.ConfigurationRecorders) != 1 || !strings.Contains(aws.ToString(out.ConfigurationRecorders[0].Arn), ":333333333333:") {
		t.Fatalf("recorders = %+v", out.ConfigurationRecorders)
	}
	if out := must[*cs.DescribeConfigurationRecordersOutput](t)(c2.DescribeConfigurationRecorders(ctx, &cs.DescribeConfigurationRecordersInput{})); len(out.ConfigurationRecorders) != 0 {
		t.Fatal("default account sees account 333333333333's recorder")
	}
	putRecorder(t, c2, "default")
	out = must[*cs.DescribeConfigurationRecordersOutput](t)(c2.DescribeConfigurationRecorders(ctx, &cs.DescribeConfigurationRecordersInput{}))
	if !strings.Contains(aws.ToString(out.ConfigurationRecorders[0].Arn), ":000000000000:") {
		t.Fatalf("default account arn = %s", aws.ToString(out.ConfigurationRecorders[0].Arn))
	}
	resp, err := http.Post(s.URL()+"/moto-api/reset", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("reset: %v %v", resp, err)
	}
	resp.Body.Close()
	if out := must[*cs.DescribeConfigurationRecordersOutput](t)(c1.DescribeConfigurationRecorders(ctx, &cs.DescribeConfigurationRecordersInput{})); len(out.ConfigurationRecorders) != 0 {
		t.Fatal("reset left recorders")
	}
	// After a reset, tokens issued before still verify (the key is kept).
	_ = types.ResourceTypeBucket
}

func TestEmulatorRefusesPublicAddress(t *testing.T) {
	m := &Main{Config: ServeConfig{Addr: "0.0.0.0:0", DataDir: t.TempDir(), AcceptAnyCredentials: true}}
	err := m.Open(ctx)
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("Open = %v, want refusal", err)
	}
}
