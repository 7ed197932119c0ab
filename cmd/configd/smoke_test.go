package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/configservice"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/mototest"
)

// requireTool returns the path of an external client, skipping the test on
// a developer's machine without it and failing in CI (CI=true), where
// .ci/run installs it.
func requireTool(t *testing.T, name string, check ...string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil && len(check) > 0 {
		err = exec.Command(path, check...).Run()
	}
	if err != nil {
		msg := name + " is not usable (" + err.Error() + "); install the AWS CLI and boto3 (Debian: apt-get install awscli python3-boto3) to run this test"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

func (s *testServer) clientEnv() []string {
	return append(os.Environ(), "AWS_ACCESS_KEY_ID="+keyA, "AWS_SECRET_ACCESS_KEY="+secretA, "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ENDPOINT_URL="+s.URL(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
}

func TestAWSCLISmoke(t *testing.T) {
	awsCLI := requireTool(t, "aws", "--version")
	s := startServer(t)
	run := func(args ...string) (map[string]any, string, error) {
		cmd := exec.Command(awsCLI, append([]string{"configservice", "--endpoint-url", s.URL(), "--output", "json"}, args...)...)
		cmd.Env = s.clientEnv()
		out, err := cmd.Output()
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		var v map[string]any
		if len(strings.TrimSpace(string(out))) > 0 {
			if jerr := json.Unmarshal(out, &v); jerr != nil {
				t.Fatalf("aws %v printed %q", args, out)
			}
		}
		return v, stderr, err
	}
	ok := func(args ...string) map[string]any {
		t.Helper()
		v, stderr, err := run(args...)
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, stderr)
		}
		return v
	}
	ok("put-configuration-recorder", "--configuration-recorder", "name=default,roleARN=arn:aws:iam::111111111111:role/config", "--recording-group", "allSupported=true,includeGlobalResourceTypes=true")
	ok("put-delivery-channel", "--delivery-channel", "name=default,s3BucketName=bucket")
	ok("start-configuration-recorder", "--configuration-recorder-name", "default")
	ok("put-resource-config", "--resource-type", "MyCorp::App::Thing", "--schema-version-id", "1", "--resource-id", "cli-1", "--configuration", `{"color":"red"}`)
	ok("put-resource-config", "--resource-type", "MyCorp::App::Thing", "--schema-version-id", "1", "--resource-id", "cli-1", "--configuration", `{"color":"blue"}`)
	h := ok("get-resource-config-history", "--resource-type", "MyCorp::App::Thing", "--resource-id", "cli-1")
	items := h["configurationItems"].([]any)
	if len(items) != 2 || items[0].(map[string]any)["configuration"] != `{"color":"blue"}` {
		t.Fatalf("history = %v", h)
	}
	l := ok("list-discovered-resources", "--resource-type", "MyCorp::App::Thing")
	if ids := l["resourceIdentifiers"].([]any); len(ids) != 1 {
		t.Fatalf("list = %v", l)
	}
	_, stderr, err := run("describe-configuration-recorders", "--configuration-recorder-names", "nope")
	if err == nil || !strings.Contains(stderr, "NoSuchConfigurationRecorderException") {
		t.Fatalf("want NoSuchConfigurationRecorderException, got %v %s", err, stderr)
	}
}

func TestBoto3Smoke(t *testing.T) {
	py := requireTool(t, "python3", "-c", "import boto3")
	s := startServer(t)
	cmd := exec.Command(py, "testdata/boto3_smoke.py")
	cmd.Env = s.clientEnv()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "boto3 smoke OK") {
		t.Fatalf("boto3 smoke: %v\n%s", err, out)
	}
}

// seedBucket records an S3 bucket with versioning off in account A, as
// discovery would.
func seedBucket(t *testing.T, s *testServer, id string) {
	t.Helper()
	ci := &configd.ConfigurationItem{ResourceType: "AWS::S3::Bucket", ResourceID: id, ResourceName: id, ARN: "arn:aws:s3:::" + id,
		Configuration:              `{"name":"` + id + `"}`,
		SupplementaryConfiguration: map[string]string{"BucketVersioningConfiguration": `{"status":"Off"}`}}
	if _, err := s.Service.Record(ctx, configd.Scope{AccountID: acctA, Region: "us-east-1"}, ci); err != nil {
		t.Fatal(err)
	}
}

// TestBoto3Rules: a Guard rule and a managed rule through boto3.
func TestBoto3Rules(t *testing.T) {
	py := requireTool(t, "python3", "-c", "import boto3")
	s := startServer(t)
	seedBucket(t, s, "seeded-bucket")
	cmd := exec.Command(py, "testdata/boto3_rules.py")
	cmd.Env = s.clientEnv()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "boto3 rules OK") {
		t.Fatalf("boto3 rules: %v\n%s", err, out)
	}
}

// TestAWSCLIRules: a managed rule on a recorded bucket through the AWS CLI,
// evaluated when created and on demand.
func TestAWSCLIRules(t *testing.T) {
	awsCLI := requireTool(t, "aws", "--version")
	s := startServer(t)
	seedBucket(t, s, "cli-bucket")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(awsCLI, append([]string{"configservice", "--endpoint-url", s.URL(), "--output", "json"}, args...)...)
		cmd.Env = s.clientEnv()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run("put-configuration-recorder", "--configuration-recorder", "name=default,roleARN=arn:aws:iam::111111111111:role/config", "--recording-group", "allSupported=true")
	run("put-config-rule", "--config-rule", `{"ConfigRuleName":"versioning","Source":{"Owner":"AWS","SourceIdentifier":"S3_BUCKET_VERSIONING_ENABLED"}}`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := run("get-compliance-details-by-config-rule", "--config-rule-name", "versioning")
		if strings.Contains(out, `"cli-bucket"`) && strings.Contains(out, `"NON_COMPLIANT"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no NON_COMPLIANT result for the bucket: %s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	run("start-config-rules-evaluation", "--config-rule-names", "versioning")
	if out := run("describe-compliance-by-resource", "--resource-type", "AWS::S3::Bucket"); !strings.Contains(out, "NON_COMPLIANT") {
		t.Fatalf("describe-compliance-by-resource: %s", out)
	}
}

// TestAWSCLISubscribe runs the AWS CLI's own onboarding commands, which are
// client-side customizations rather than API operations: `aws configservice
// subscribe` creates the bucket in S3 (moto here), checks the SNS topic, and
// puts and starts a recorder and a delivery channel in configd; `aws
// configservice get-status` formats the recorder and channel statuses. Each
// service has its endpoint (AWS_ENDPOINT_URL_<SERVICE>), as a user would set.
func TestAWSCLISubscribe(t *testing.T) {
	awsCLI := requireTool(t, "aws", "--version")
	moto := mototest.Start(t)
	s := startServer(t)
	env := append(s.clientEnv(), "AWS_ENDPOINT_URL_CONFIG_SERVICE="+s.URL(), "AWS_ENDPOINT_URL_S3="+moto, "AWS_ENDPOINT_URL_SNS="+moto)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(awsCLI, append([]string{"configservice"}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws configservice %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	topic := "arn:aws:sns:us-east-1:" + acctA + ":config-topic"
	out := run("subscribe", "--s3-bucket", "cli-config-bucket", "--sns-topic", topic, "--iam-role", "arn:aws:iam::"+acctA+":role/config-role")
	for _, want := range []string{"Using new S3 bucket: cli-config-bucket", "Subscribe succeeded", `"s3BucketName": "cli-config-bucket"`, `"snsTopicARN": "` + topic + `"`} {
		if !strings.Contains(out, want) {
			t.Fatalf("subscribe printed no %q:\n%s", want, out)
		}
	}
	st := must[*configservice.DescribeConfigurationRecorderStatusOutput](t)(s.clientA().DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{}))
	if len(st.ConfigurationRecordersStatus) != 1 || !st.ConfigurationRecordersStatus[0].Recording {
		t.Fatalf("recorder after subscribe: %+v", st.ConfigurationRecordersStatus)
	}
	out = run("get-status")
	for _, want := range []string{"Configuration Recorders:", "name: default", "recorder: ON", "Delivery Channels:", "last stream delivery status:"} {
		if !strings.Contains(out, want) {
			t.Fatalf("get-status printed no %q:\n%s", want, out)
		}
	}
}
