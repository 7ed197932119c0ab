package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
	"github.com/configd/configd/pagetoken"
	"github.com/configd/configd/remediation"
	"github.com/configd/configd/runbook"
	"github.com/configd/configd/service"
	"github.com/configd/configd/sqlite"
)

// TestRemediationConfigurationWire: a configuration read from the wire and
// written back keeps every member, with AWS's member names.
func TestRemediationConfigurationWire(t *testing.T) {
	in := `{"ConfigRuleName":"r","TargetType":"SSM_DOCUMENT","TargetId":"AWS-EnableS3BucketEncryption","TargetVersion":"1",` +
		`"Parameters":{"BucketName":{"ResourceValue":{"Value":"RESOURCE_ID"}},"SSEAlgorithm":{"StaticValue":{"Values":["AES256"]}}},` +
		`"ResourceType":"AWS::S3::Bucket","Automatic":true,"ExecutionControls":{"SsmControls":{"ConcurrentExecutionRatePercentage":20,"ErrorPercentage":40}},` +
		`"MaximumAutomaticAttempts":3,"RetryAttemptSeconds":90,"Arn":"arn:x"}`
	var w api.RemediationConfiguration
	if err := json.Unmarshal([]byte(in), &w); err != nil {
		t.Fatal(err)
	}
	c := RemediationConfigurationFromWire(&w)
	c.ARN = "arn:x"
	want := &configd.RemediationConfiguration{
		RuleName: "r", TargetType: "SSM_DOCUMENT", TargetID: "AWS-EnableS3BucketEncryption", TargetVersion: "1", ResourceType: "AWS::S3::Bucket", Automatic: true,
		Parameters:        map[string]configd.RemediationParameter{"BucketName": {ResourceValue: "RESOURCE_ID"}, "SSEAlgorithm": {StaticValues: []string{"AES256"}}},
		ExecutionControls: &configd.ExecutionControls{ConcurrentExecutionRatePercentage: 20, ErrorPercentage: 40}, MaximumAutomaticAttempts: 3, RetryAttemptSeconds: 90, ARN: "arn:x",
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("from wire = %+v, want %+v", c, want)
	}
	out, _ := json.Marshal(RemediationConfigurationToWire(c))
	var a, b map[string]any
	json.Unmarshal([]byte(in), &a)
	json.Unmarshal(out, &b)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip:\n got %s\nwant %s", out, in)
	}
}

// TestExecutionToWire: statuses carry lowerCamel resource keys, every step
// and the times as epoch seconds; an execution without steps has an empty
// list.
func TestExecutionToWire(t *testing.T) {
	x := &configd.RemediationExecution{ResourceType: "AWS::S3::Bucket", ResourceID: "b", State: configd.ExecQueued}
	b, _ := json.Marshal(ExecutionToWire(x))
	if string(b) != `{"ResourceKey":{"resourceType":"AWS::S3::Bucket","resourceId":"b"},"State":"QUEUED","StepDetails":[]}` {
		t.Fatalf("status = %s", b)
	}
}

func newRemediationServer(t testing.TB) *Server {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(service.Options{Store: db, Logger: logger})
	reg, err := runbook.NewRegistry("")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := remediation.New(remediation.Options{Service: svc, Runbooks: reg, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Write(context.Background(), func(tx configd.Tx) error {
		return tx.PutRule(context.Background(), configd.Scope{AccountID: configd.DefaultAccountID, Region: configd.DefaultRegion},
			&configd.ConfigRule{Name: "r", Source: configd.RuleSource{Owner: configd.OwnerAWS, SourceIdentifier: "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"}, State: configd.RuleStateActive})
	})
	if err != nil {
		t.Fatal(err)
	}
	tokens, _ := pagetoken.New(bytes.Repeat([]byte{2}, 32))
	return NewServer(&Server{Service: svc, Auth: EmulatorAuth{}, Tokens: tokens, Logger: logger, Remediation: eng})
}

// FuzzRemediationRequest drives the remediation operations with arbitrary
// bodies through the whole request path (decoding, validation, mapping,
// runbook validation, the store): every answer is a JSON body with a status
// below 500, never a panic.
func FuzzRemediationRequest(f *testing.F) {
	s := newRemediationServer(f)
	ops := []string{"PutRemediationConfigurations", "DescribeRemediationConfigurations", "DeleteRemediationConfiguration", "StartRemediationExecution",
		"DescribeRemediationExecutionStatus", "PutRemediationExceptions", "DescribeRemediationExceptions", "DeleteRemediationExceptions"}
	seeds := []string{
		`{"RemediationConfigurations":[{"ConfigRuleName":"r","TargetType":"SSM_DOCUMENT","TargetId":"Configd-TestRunbook","Parameters":{"ResourceId":{"ResourceValue":{"Value":"RESOURCE_ID"}},"FailTimes":{"StaticValue":{"Values":["1"]}}},"Automatic":true,"ExecutionControls":{"SsmControls":{}}}]}`,
		`{"ConfigRuleNames":["r","x"]}`,
		`{"ConfigRuleName":"r","ResourceType":"AWS::S3::Bucket"}`,
		`{"ConfigRuleName":"r","ResourceKeys":[{"resourceType":"AWS::S3::Bucket","resourceId":"b"},{"resourceType":"AWS::S3::Bucket","resourceId":"b"}]}`,
		`{"ConfigRuleName":"r","Limit":1,"NextToken":"x"}`,
		`{"ConfigRuleName":"r","ResourceKeys":[{"ResourceType":"AWS::S3::Bucket","ResourceId":"b"},{}],"Message":"m","ExpirationTime":4102444800}`,
		`{"ConfigRuleName":"r","ResourceKeys":[{"ResourceType":"AWS::S3::Bucket"}],"Limit":0}`,
		`{"ConfigRuleName":"r","ResourceKeys":[{"ResourceType":"AWS::S3::Bucket","ResourceId":"b"}]}`,
	}
	for i, body := range seeds {
		f.Add(uint8(i), body)
	}
	f.Fuzz(func(t *testing.T, opIndex uint8, body string) {
		op := ops[int(opIndex)%len(ops)]
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Amz-Target", TargetPrefix+op)
		req.Header.Set("Content-Type", ContentType)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %q: status %d %s", op, body, w.Code, w.Body.String())
		}
		var v map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %q: response is not a JSON object: %q", op, body, w.Body.String())
		}
		if w.Code != 200 && (v["__type"] == nil || v["message"] == nil) {
			t.Fatalf("%s %q: error body %v", op, body, v)
		}
	})
}
