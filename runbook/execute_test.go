package runbook

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// needPython skips tests of Python steps where python3 is missing (CI has
// it: moto needs it).
func needPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is required in CI")
		}
		t.Skip("python3 not found")
	}
}

// webhook is a loopback HTTP server recording what it receives.
type webhook struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
	header http.Header
	status int
}

func newWebhook(t *testing.T) *webhook {
	w := &webhook{status: http.StatusOK}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(data, &body)
		w.mu.Lock()
		w.bodies = append(w.bodies, body)
		w.header = r.Header.Clone()
		status := w.status
		w.mu.Unlock()
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(status)
		_, _ = rw.Write([]byte(`{"ticket": "T-1"}`))
	}))
	t.Cleanup(w.Close)
	return w
}

// parse parses a YAML document for a test.
func parse(t *testing.T, name, doc string) *Document {
	t.Helper()
	d, err := ParseDocument(name, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// execute runs d and returns its outputs, error and steps.
func execute(t *testing.T, d *Document, env Env, params map[string][]string) (map[string]any, error, *stepLog) {
	t.Helper()
	log := &stepLog{}
	out, err := d.Execute(context.Background(), env, params, log.report)
	return out, err, log
}

const tagAndNotify = `
description: Tag the bucket, wait, and tell the team.
schemaVersion: "0.3"
assumeRole: "{{ AutomationAssumeRole }}"
parameters:
  BucketName:
    type: String
    description: The bucket.
  AutomationAssumeRole:
    type: String
    default: ""
  WebhookURL:
    type: String
  Wait:
    type: String
    default: PT30S
mainSteps:
  - name: TagBucket
    action: aws:executeScript
    inputs:
      Runtime: python3.11
      Handler: handler
      InputPayload:
        bucket: "{{ BucketName }}"
      Script: |-
        import os
        import boto3
        def handler(events, context):
            s3 = boto3.client("s3")
            s3.put_bucket_tagging(Bucket=events["bucket"], Tagging={"TagSet": [{"Key": "remediated", "Value": "true"}]})
            return {"tagged": events["bucket"], "count": 1,
                    "session": bool(os.environ.get("AWS_SESSION_TOKEN")),
                    "secret": os.environ.get("CONFIGD_TEST_SECRET", "absent"),
                    "execution": context["automation:EXECUTION_ID"]}
    outputs:
      - Name: Tagged
        Selector: $.Payload.tagged
        Type: String
      - Name: Count
        Selector: $.Payload.count
        Type: Integer
      - Name: Session
        Selector: $.Payload.session
        Type: Boolean
      - Name: Secret
        Selector: $.Payload.secret
        Type: String
  - name: Wait
    action: aws:sleep
    inputs:
      Duration: "{{ Wait }}"
  - name: Notify
    action: configd:httpRequest
    inputs:
      URL: "{{ WebhookURL }}/hooks/remediated"
      Method: POST
      Headers:
        X-Token: s3cr3t
      Body:
        bucket: "{{ TagBucket.Tagged }}"
        count: "{{ TagBucket.Count }}"
        text: "bucket {{ BucketName }} in {{ global:REGION }}"
        execution: "{{ automation:EXECUTION_ID }}"
    outputs:
      - Name: Ticket
        Selector: $.Json.ticket
        Type: String
outputs:
  - TagBucket.Tagged
  - Notify.Ticket
  - Notify.StatusCode
`

func TestDocumentRun(t *testing.T) {
	needPython(t)
	env, ft := motoEnv(t)
	ctx := context.Background()
	d := parse(t, "TagAndNotify", tagAndNotify)
	t.Run("OK", func(t *testing.T) {
		t.Setenv("CONFIGD_TEST_SECRET", "must-not-leak")
		hook := newWebhook(t)
		b := newBucket(t, env)
		out, err, log := execute(t, d, env, map[string][]string{"BucketName": {b}, "WebhookURL": {hook.URL}, "AutomationAssumeRole": {testRole}})
		if err != nil {
			t.Fatalf("%v (steps %s)", err, log.final())
		}
		if got := log.final(); got != "TagBucket:SUCCEEDED Wait:SUCCEEDED Notify:SUCCEEDED" {
			t.Fatalf("steps %s", got)
		}
		// The script reached moto with the assumed role's credentials.
		tags := must(s3Client(env.AWS).GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(b)}))
		if len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Key) != "remediated" {
			t.Fatalf("tags %+v", tags.TagSet)
		}
		if slept := ft.slept(); len(slept) != 1 || slept[0] != 30*time.Second {
			t.Fatalf("slept %v, want [30s]", slept)
		}
		body := hook.bodies[0]
		if body["bucket"] != b || body["count"] != float64(1) || body["execution"] != "exec-1" || body["text"] != "bucket "+b+" in us-east-1" {
			t.Fatalf("webhook body %v", body)
		}
		if hook.header.Get("X-Token") != "s3cr3t" || hook.header.Get("Content-Type") != "application/json" {
			t.Fatalf("webhook headers %v", hook.header)
		}
		want := map[string]any{"TagBucket.Tagged": b, "Notify.Ticket": "T-1", "Notify.StatusCode": 200}
		for k, v := range want {
			if out[k] != v {
				t.Fatalf("output %s = %#v, want %#v (all: %v)", k, out[k], v, out)
			}
		}
	})
	t.Run("OKScriptEnvironment", func(t *testing.T) {
		t.Setenv("CONFIGD_TEST_SECRET", "must-not-leak")
		hook := newWebhook(t)
		b := newBucket(t, env)
		log := &stepLog{}
		var vars map[string]any
		d2 := parse(t, "Env", strings.Replace(tagAndNotify, "outputs:\n  - TagBucket.Tagged", "outputs:\n  - TagBucket.Session\n  - TagBucket.Tagged", 1))
		outputs, err := d2.Execute(ctx, env, map[string][]string{"BucketName": {b}, "WebhookURL": {hook.URL}, "AutomationAssumeRole": {testRole}}, log.report)
		if err != nil {
			t.Fatal(err)
		}
		vars = outputs
		if vars["TagBucket.Session"] != true {
			t.Fatalf("script had no session token: %v", vars)
		}
		// The script's environment: the role's session, none of configd's.
		d3 := parse(t, "Env2", strings.Replace(tagAndNotify, "outputs:\n  - TagBucket.Tagged", "outputs:\n  - TagBucket.Secret", 1))
		outputs, err = d3.Execute(ctx, env, map[string][]string{"BucketName": {b}, "WebhookURL": {hook.URL}}, (&stepLog{}).report)
		if err != nil {
			t.Fatal(err)
		}
		if s := outputs["TagBucket.Secret"]; s != "absent" {
			t.Fatalf("configd's environment leaked into the script: %q", s)
		}
	})
	t.Run("ErrMissingParameter", func(t *testing.T) {
		_, err, log := execute(t, d, env, map[string][]string{"BucketName": {"b"}})
		if err == nil || !strings.Contains(err.Error(), "WebhookURL") {
			t.Fatalf("error %v", err)
		}
		if got := log.final(); got != "TagBucket:FAILED" {
			t.Fatalf("steps %s", got)
		}
	})
	t.Run("ErrWebhookStatus", func(t *testing.T) {
		hook := newWebhook(t)
		hook.status = http.StatusBadGateway
		b := newBucket(t, env)
		_, err, log := execute(t, d, env, map[string][]string{"BucketName": {b}, "WebhookURL": {hook.URL}})
		if err == nil {
			t.Fatal("no error")
		}
		if got := log.final(); got != "TagBucket:SUCCEEDED Wait:SUCCEEDED Notify:FAILED" {
			t.Fatalf("steps %s", got)
		}
		if msg := log.message("Notify"); !strings.Contains(msg, "status 502") {
			t.Fatalf("message %q", msg)
		}
	})
}

func TestDocumentFlow(t *testing.T) {
	env, _ := testEnv("http://127.0.0.1:1")
	t.Run("OKNextStepAndIsEnd", func(t *testing.T) {
		d := parse(t, "Flow", `
schemaVersion: "0.3"
mainSteps:
  - {name: A, action: "aws:sleep", inputs: {Duration: PT1S}, nextStep: C}
  - {name: B, action: "aws:sleep", inputs: {Duration: PT1S}}
  - {name: C, action: "aws:sleep", inputs: {Duration: PT1S}, isEnd: true}
  - {name: D, action: "aws:sleep", inputs: {Duration: PT1S}}
`)
		_, err, log := execute(t, d, env, nil)
		if err != nil || log.final() != "A:SUCCEEDED C:SUCCEEDED" {
			t.Fatalf("error %v, steps %s", err, log.final())
		}
	})
	failing := func(onFailure, extra string) string {
		return `
schemaVersion: "0.3"
mainSteps:
  - name: Fail
    action: configd:httpRequest
    inputs: {URL: "http://127.0.0.1:1/unreachable"}
` + onFailure + extra + `
  - {name: Next, action: "aws:sleep", inputs: {Duration: PT1S}, isEnd: true}
  - {name: Cleanup, action: "aws:sleep", inputs: {Duration: PT1S}}
`
	}
	t.Run("OKContinue", func(t *testing.T) {
		d := parse(t, "Continue", failing("    onFailure: Continue", ""))
		_, err, log := execute(t, d, env, nil)
		// onFailure: Continue makes the step non-critical by default.
		if err != nil || log.final() != "Fail:FAILED Next:SUCCEEDED" {
			t.Fatalf("error %v, steps %s", err, log.final())
		}
	})
	t.Run("ErrContinueCritical", func(t *testing.T) {
		d := parse(t, "ContinueCritical", failing("    onFailure: Continue", "\n    isCritical: true"))
		_, err, log := execute(t, d, env, nil)
		if err == nil || !strings.Contains(err.Error(), "critical steps failed (Fail)") || log.final() != "Fail:FAILED Next:SUCCEEDED" {
			t.Fatalf("error %v, steps %s", err, log.final())
		}
	})
	t.Run("ErrJumpToCleanup", func(t *testing.T) {
		d := parse(t, "Jump", failing("    onFailure: step:Cleanup", ""))
		_, err, log := execute(t, d, env, nil)
		if err == nil || log.final() != "Fail:FAILED Cleanup:SUCCEEDED" {
			t.Fatalf("error %v, steps %s", err, log.final())
		}
	})
	t.Run("ErrAbort", func(t *testing.T) {
		d := parse(t, "Abort", failing("    onFailure: Abort", ""))
		_, err, log := execute(t, d, env, nil)
		if err == nil || log.final() != "Fail:FAILED" {
			t.Fatalf("error %v, steps %s", err, log.final())
		}
	})
	t.Run("ErrLoop", func(t *testing.T) {
		d := parse(t, "Loop", `
schemaVersion: "0.3"
mainSteps:
  - {name: Again, action: "aws:sleep", inputs: {Duration: PT0S}, nextStep: Again}
`)
		_, err, _ := execute(t, d, env, nil)
		if err == nil || !strings.Contains(err.Error(), "more than 1000 steps") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("OKSleepTimestamp", func(t *testing.T) {
		env, ft := testEnv("http://127.0.0.1:1")
		d := parse(t, "Until", `
schemaVersion: "0.3"
mainSteps:
  - {name: Until, action: "aws:sleep", inputs: {Timestamp: "2026-03-01T12:10:00Z"}}
`)
		if _, err, _ := execute(t, d, env, nil); err != nil {
			t.Fatal(err)
		}
		if s := ft.slept(); len(s) != 1 || s[0] != 10*time.Minute {
			t.Fatalf("slept %v, want [10m]", s)
		}
	})
	t.Run("ErrSleepTooLong", func(t *testing.T) {
		d := parse(t, "Long", `
schemaVersion: "0.3"
mainSteps:
  - {name: Long, action: "aws:sleep", inputs: {Duration: P8D}}
`)
		if _, err, _ := execute(t, d, env, nil); err == nil || !strings.Contains(err.Error(), "at most") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestScriptStep(t *testing.T) {
	needPython(t)
	env, _ := testEnv("http://127.0.0.1:1")
	script := func(body string, extra string) string {
		return `
schemaVersion: "0.3"
parameters:
  Dir: {type: String}
mainSteps:
  - name: Script
    action: aws:executeScript
` + extra + `
    inputs:
      Runtime: python3.8
      Handler: handler
      InputPayload: {dir: "{{ Dir }}"}
      Script: |-
` + indent(body, "        ") + `
    outputs:
      - {Name: Result, Selector: $.Payload, Type: String}
`
	}
	// flaky fails until it has been called n times, counting in a file.
	flaky := `import os
def handler(events, context):
    path = os.path.join(events["dir"], "calls")
    n = int(open(path).read()) + 1 if os.path.exists(path) else 1
    open(path, "w").write(str(n))
    if n < 3:
        raise ValueError("call %d fails" % n)
    return "ok after %d" % n`
	t.Run("OKMaxAttempts", func(t *testing.T) {
		d := parse(t, "Flaky", script(flaky, "    maxAttempts: 3"))
		dir := t.TempDir()
		_, err, log := execute(t, d, env, map[string][]string{"Dir": {dir}})
		if err != nil || log.final() != "Script:SUCCEEDED" {
			t.Fatalf("error %v, steps %s", err, log.final())
		}
		if calls, _ := os.ReadFile(dir + "/calls"); string(calls) != "3" {
			t.Fatalf("the script ran %q times, want 3", calls)
		}
	})
	t.Run("ErrMaxAttempts", func(t *testing.T) {
		d := parse(t, "Flaky2", script(flaky, "    maxAttempts: 2"))
		_, err, log := execute(t, d, env, map[string][]string{"Dir": {t.TempDir()}})
		if err == nil || log.final() != "Script:FAILED" {
			t.Fatalf("error %v, steps %s", err, log.final())
		}
		if msg := log.message("Script"); msg != "after 2 attempts: ValueError: call 2 fails" {
			t.Fatalf("message %q", msg)
		}
	})
	t.Run("ErrTimeout", func(t *testing.T) {
		d := parse(t, "Slow", script("import time\ndef handler(events, context):\n    time.sleep(60)", "    timeoutSeconds: 1"))
		start := time.Now()
		_, err, log := execute(t, d, env, map[string][]string{"Dir": {t.TempDir()}})
		if err == nil || !strings.Contains(log.message("Script"), "timed out") {
			t.Fatalf("error %v, message %q", err, log.message("Script"))
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("the timed-out script ran %s", d)
		}
	})
	t.Run("ErrNoHandler", func(t *testing.T) {
		d := parse(t, "NoHandler", script("def other(events, context):\n    return 1", ""))
		_, err, log := execute(t, d, env, map[string][]string{"Dir": {t.TempDir()}})
		if err == nil || !strings.Contains(log.message("Script"), "defines no function handler") {
			t.Fatalf("error %v, message %q", err, log.message("Script"))
		}
	})
	t.Run("ErrSyntax", func(t *testing.T) {
		d := parse(t, "Syntax", script("def handler(events, context)\n    return 1", ""))
		_, err, log := execute(t, d, env, map[string][]string{"Dir": {t.TempDir()}})
		if err == nil || !strings.HasPrefix(log.message("Script"), "SyntaxError: ") {
			t.Fatalf("error %v, message %q", err, log.message("Script"))
		}
	})
	t.Run("ErrResultTooLarge", func(t *testing.T) {
		d := parse(t, "Large", script("def handler(events, context):\n    print('x' * 1000000)\n    return 'y' * 400000", ""))
		_, err, log := execute(t, d, env, map[string][]string{"Dir": {t.TempDir()}})
		if err == nil || !strings.Contains(log.message("Script"), "larger than") {
			t.Fatalf("error %v, message %q", err, log.message("Script"))
		}
	})
}

func TestShellStep(t *testing.T) {
	env, _ := testEnv("http://127.0.0.1:9")
	doc := func(rt, body string) *Document {
		return parse(t, "Shell", `
schemaVersion: "0.3"
mainSteps:
  - name: Shell
    action: aws:executeScript
    inputs:
      Runtime: `+rt+`
      InputPayload: {name: world}
      Script: |-
`+indent(body, "        ")+`
    outputs:
      - {Name: Greeting, Selector: $.Payload.greeting, Type: String}
      - {Name: Endpoint, Selector: $.Payload.endpoint, Type: String}
outputs: [Shell.Greeting, Shell.Endpoint, Shell.Payload]
`)
	}
	t.Run("OK", func(t *testing.T) {
		d := doc("shell", `input=$(cat)
name=${input#*\"name\":\"}
name=${name%%\"*}
printf '{"greeting": "hello %s", "endpoint": "%s"}' "$name" "$AWS_ENDPOINT_URL"`)
		out, err, _ := execute(t, d, env, nil)
		if err != nil {
			t.Fatal(err)
		}
		if out["Shell.Greeting"] != "hello world" || out["Shell.Endpoint"] != "http://127.0.0.1:9" {
			t.Fatalf("outputs %v", out)
		}
	})
	t.Run("OKTextPayload", func(t *testing.T) {
		d := doc("bash", `echo "plain text"`)
		out, err, _ := execute(t, d, env, nil)
		if err != nil || out["Shell.Payload"] != "plain text" {
			t.Fatalf("error %v, outputs %v", err, out)
		}
	})
	t.Run("ErrExit", func(t *testing.T) {
		d := doc("bash", "echo 'bucket is locked' >&2\nexit 3")
		_, err, log := execute(t, d, env, nil)
		if err == nil || !strings.Contains(log.message("Shell"), "exit status 3") || !strings.Contains(log.message("Shell"), "bucket is locked") {
			t.Fatalf("error %v, message %q", err, log.message("Shell"))
		}
	})
}

func TestInvokeLambdaStep(t *testing.T) {
	doc := parse(t, "Lambda", `
schemaVersion: "0.3"
parameters:
  Resource: {type: String}
mainSteps:
  - name: Invoke
    action: aws:invokeLambdaFunction
    inputs:
      FunctionName: fixer
      Payload: '{"resource": "{{ Resource }}"}'
outputs: [Invoke.Payload, Invoke.StatusCode]
`)
	t.Run("OK", func(t *testing.T) {
		env, _ := testEnv("http://127.0.0.1:1")
		var gotARN, gotPayload string
		env.Invoke = func(_ context.Context, arn string, payload []byte) ([]byte, error) {
			gotARN, gotPayload = arn, string(payload)
			return []byte(`{"fixed": true}`), nil
		}
		out, err, _ := execute(t, doc, env, map[string][]string{"Resource": {"bucket-1"}})
		if err != nil {
			t.Fatal(err)
		}
		if gotARN != "arn:aws:lambda:us-east-1:123456789012:function:fixer" || gotPayload != `{"resource": "bucket-1"}` {
			t.Fatalf("invoked %s with %s", gotARN, gotPayload)
		}
		if out["Invoke.Payload"] != `{"fixed": true}` || out["Invoke.StatusCode"] != 200 {
			t.Fatalf("outputs %v", out)
		}
	})
	t.Run("ErrNoInvoker", func(t *testing.T) {
		env, _ := testEnv("http://127.0.0.1:1")
		_, err, log := execute(t, doc, env, map[string][]string{"Resource": {"bucket-1"}})
		if err == nil || !strings.Contains(log.message("Invoke"), "no function invoker") {
			t.Fatalf("error %v, message %q", err, log.message("Invoke"))
		}
	})
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}
