package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/configd/configd/client"
)

const (
	inProgressMsg = "Remediation action is in progress."
	bucketType    = "AWS::S3::Bucket"
)

// Replies of DescribeRemediationExecutionStatus for bucket a.
const (
	statusInProgress = `{"RemediationExecutionStatuses":[{"ResourceKey":{"resourceType":"AWS::S3::Bucket","resourceId":"a"},"State":"IN_PROGRESS","InvocationTime":1767323045,` +
		`"StepDetails":[{"Name":"Wait","State":"SUCCEEDED"},{"Name":"Encrypt","State":"PENDING"}]}]}`
	statusSucceeded = `{"RemediationExecutionStatuses":[{"ResourceKey":{"resourceType":"AWS::S3::Bucket","resourceId":"a"},"State":"SUCCEEDED","InvocationTime":1767323045,"LastUpdatedTime":1767323050,` +
		`"StepDetails":[{"Name":"Wait","State":"SUCCEEDED"},{"Name":"Encrypt","State":"SUCCEEDED"}]}]}`
	statusFailed = `{"RemediationExecutionStatuses":[{"ResourceKey":{"resourceType":"AWS::S3::Bucket","resourceId":"a"},"State":"FAILED","InvocationTime":1767323045,` +
		`"StepDetails":[{"Name":"Wait","State":"SUCCEEDED"},{"Name":"Encrypt","State":"FAILED","ErrorMessage":"AccessDenied"}]}]}`
)

func startArgs(srv string, extra ...string) []string {
	return at(srv, append([]string{"remediate", "start", "--rule", "enc", "--resource-type", bucketType}, extra...)...)
}

func TestRemediateStart(t *testing.T) {
	t.Run("OKRetriedThenWaited", func(t *testing.T) {
		srv := newCLIScript(t,
			cliFail("RemediationInProgressException", inProgressMsg),
			cliOK(`{"FailedItems":[]}`),
			cliOK(statusInProgress),
			cliOK(statusSucceeded),
		)
		env := newCLIEnv(false, 0)
		out, errOut, code := env.run(startArgs(srv.URL, "--resource-id", "a", "--wait")...)
		wantExit(t, code, 0, out, errOut)
		want := "StartRemediationExecution attempt 1 failed, retrying 1 resource in 100ms: RemediationInProgressException: Remediation action is in progress.\n" +
			"AWS::S3::Bucket/a STARTED\n" +
			"AWS::S3::Bucket/a IN_PROGRESS step 2/2 Encrypt\n" +
			"AWS::S3::Bucket/a SUCCEEDED step 2/2 Encrypt\n" +
			"rule enc: 1 SUCCEEDED\n"
		if out != want || errOut != "" {
			t.Fatalf("stdout:\n%s\nwant:\n%s\nstderr: %q", out, want, errOut)
		}
		if ops := strings.Join(srv.ops(), ","); ops != "StartRemediationExecution,StartRemediationExecution,DescribeRemediationExecutionStatus,DescribeRemediationExecutionStatus" {
			t.Fatalf("calls = %s", ops)
		}
		// Backoff with the jitter fixed at 0.5: 100 ms before the retry, then
		// 1 s (half the 2 s poll base) between the polls.
		if got := env.clock.sleeps; len(got) != 2 || got[0] != 100*time.Millisecond || got[1] != time.Second {
			t.Fatalf("sleeps = %v, want [100ms 1s]", got)
		}
	})

	t.Run("OKIdsAfterFlagAndRepeated", func(t *testing.T) {
		srv := newCLIScript(t, cliOK(`{}`))
		out, errOut, code := newCLIEnv(false, 0).run(startArgs(srv.URL, "--resource-id", "a", "b", "--resource-id", "c")...)
		wantExit(t, code, 0, out, errOut)
		keys, _ := srv.call(0).body["ResourceKeys"].([]any)
		if len(keys) != 3 || keys[2].(map[string]any)["resourceId"] != "c" {
			t.Fatalf("ResourceKeys = %v, want a, b, c", srv.call(0).body["ResourceKeys"])
		}
		if !strings.HasSuffix(out, "rule enc: 3 STARTED\n") {
			t.Fatalf("stdout:\n%s", out)
		}
	})

	t.Run("OKFailedItemRetriedAlone", func(t *testing.T) {
		srv := newCLIScript(t,
			cliOK(`{"FailedItems":[{"resourceType":"AWS::S3::Bucket","resourceId":"b"}],"FailureMessage":"Remediation is in progress for 1 resource."}`),
			cliOK(`{}`),
		)
		out, errOut, code := newCLIEnv(false, 0).run(startArgs(srv.URL, "--resource-id", "a", "b")...)
		wantExit(t, code, 0, out, errOut)
		want := "StartRemediationExecution attempt 1 failed, retrying 1 resource in 100ms: remediation in progress: Remediation is in progress for 1 resource.\n" +
			"AWS::S3::Bucket/a STARTED\n" +
			"AWS::S3::Bucket/b STARTED\n" +
			"rule enc: 2 STARTED\n"
		if out != want {
			t.Fatalf("stdout:\n%s\nwant:\n%s", out, want)
		}
	})

	t.Run("ErrFailedExecution", func(t *testing.T) {
		srv := newCLIScript(t, cliOK(`{}`), cliOK(statusFailed))
		out, errOut, code := newCLIEnv(false, 0).run(startArgs(srv.URL, "--resource-id", "a", "--wait")...)
		wantExit(t, code, exitFailed, out, errOut)
		wantLine(t, errOut, "configd remediate start: remediation failed for 1 of 1: AWS::S3::Bucket/a (Encrypt: AccessDenied)")
		if !strings.Contains(out, "AWS::S3::Bucket/a FAILED Encrypt: AccessDenied\n") {
			t.Fatalf("stdout:\n%s", out)
		}
	})

	t.Run("ErrNeverStarted", func(t *testing.T) {
		srv := newCLIScript(t, cliFail("RemediationInProgressException", inProgressMsg))
		env := newCLIEnv(false, 0)
		out, errOut, code := env.run(startArgs(srv.URL, "--resource-id", "a", "--max-attempts", "3", "--wait")...)
		wantExit(t, code, exitFailed, out, errOut)
		wantLine(t, errOut, "configd remediate start: RemediationInProgressException: Remediation action is in progress. "+
			"(1 of 1 not started: AWS::S3::Bucket/a; gave up after 3 attempts)")
		if n := len(srv.ops()); n != 3 {
			t.Fatalf("%d calls, want 3 (no poll for a key that never started)", n)
		}
		if !strings.Contains(out, "AWS::S3::Bucket/a NOT_STARTED after 3 attempts: RemediationInProgressException") {
			t.Fatalf("stdout:\n%s", out)
		}
	})

	t.Run("ErrRefused", func(t *testing.T) {
		srv := newCLIScript(t, cliOK(`{"FailedItems":[{"resourceType":"AWS::S3::Bucket","resourceId":"b"}],"FailureMessage":"The resource is already compliant."}`))
		out, errOut, code := newCLIEnv(false, 0).run(startArgs(srv.URL, "--resource-id", "a", "b")...)
		wantExit(t, code, exitFailed, out, errOut)
		wantLine(t, errOut, "configd remediate start: remediation refused: The resource is already compliant. "+
			"(1 of 2 not started: AWS::S3::Bucket/b; not retryable after 1 attempt)")
		if len(srv.ops()) != 1 {
			t.Fatalf("calls = %v, want one", srv.ops())
		}
	})

	t.Run("ErrNotRetryable", func(t *testing.T) {
		srv := newCLIScript(t, cliFail("NoSuchRemediationConfigurationException", "No RemediationConfiguration for rule exists."))
		out, errOut, code := newCLIEnv(false, 0).run(startArgs(srv.URL, "--resource-id", "a")...)
		wantExit(t, code, exitFailed, out, errOut)
		wantLine(t, errOut, "configd remediate start: NoSuchRemediationConfigurationException: No RemediationConfiguration for rule exists. "+
			"(1 of 1 not started: AWS::S3::Bucket/a; not retryable after 1 attempt)")
	})

	t.Run("ErrTimeoutStarting", func(t *testing.T) {
		srv := newCLIScript(t, cliFail("RemediationInProgressException", inProgressMsg))
		out, errOut, code := newCLIEnv(false, 0).run(startArgs(srv.URL, "--resource-id", "a", "--timeout", "1s")...)
		wantExit(t, code, exitTimeout, out, errOut)
		// Delays 100, 200 and 400 ms fit in the second; 800 ms more would not.
		wantLine(t, errOut, "configd remediate start: RemediationInProgressException: Remediation action is in progress. "+
			"(1 of 1 not started: AWS::S3::Bucket/a; timed out after 4 attempts)")
	})

	t.Run("ErrTimeoutWaiting", func(t *testing.T) {
		srv := newCLIScript(t, cliOK(`{}`), cliOK(statusInProgress))
		out, errOut, code := newCLIEnv(false, 0).run(startArgs(srv.URL, "--resource-id", "a", "--wait", "--timeout", "1500ms")...)
		wantExit(t, code, exitTimeout, out, errOut)
		wantLine(t, errOut, "configd remediate start: timed out waiting for 1 of 1: AWS::S3::Bucket/a (IN_PROGRESS)")
	})

	t.Run("ErrFailureBeatsTimeout", func(t *testing.T) {
		// b failed, a is still running when the timeout passes: status 1,
		// since waiting longer would not make b succeed.
		srv := newCLIScript(t, cliOK(`{}`), cliOK(`{"RemediationExecutionStatuses":[`+
			`{"ResourceKey":{"resourceType":"AWS::S3::Bucket","resourceId":"a"},"State":"IN_PROGRESS","InvocationTime":1767323045},`+
			`{"ResourceKey":{"resourceType":"AWS::S3::Bucket","resourceId":"b"},"State":"FAILED","InvocationTime":1767323045}]}`))
		out, errOut, code := newCLIEnv(false, 0).run(startArgs(srv.URL, "--resource-id", "a", "b", "--wait", "--timeout", "1500ms")...)
		wantExit(t, code, exitFailed, out, errOut)
		wantLine(t, errOut, "configd remediate start: remediation failed for 1 of 2: AWS::S3::Bucket/b; timed out waiting for 1 of 2: AWS::S3::Bucket/a (IN_PROGRESS)")
	})

	t.Run("ErrPollFails", func(t *testing.T) {
		srv := newCLIScript(t, cliOK(`{}`), cliFail("InsufficientPermissionsException", "not allowed"))
		out, errOut, code := newCLIEnv(false, 0).run(startArgs(srv.URL, "--resource-id", "a", "--wait")...)
		wantExit(t, code, exitFailed, out, errOut)
		wantLine(t, errOut, "configd remediate start: stopped waiting for 1 of 1 (InsufficientPermissionsException: not allowed): AWS::S3::Bucket/a (STARTED)")
	})

	t.Run("ErrConnectionRefused", func(t *testing.T) {
		srv := newCLIScript(t, cliOK(`{}`))
		url := srv.URL
		srv.Close()
		out, errOut, code := newCLIEnv(false, 0).run(startArgs(url, "--resource-id", "a")...)
		wantExit(t, code, exitFailed, out, errOut)
		if !regexp.MustCompile(`^configd remediate start: StartRemediationExecution: .*connection refused \(1 of 1 not started: AWS::S3::Bucket/a; not retryable after 1 attempt\)\n$`).MatchString(errOut) {
			t.Fatalf("stderr = %q", errOut)
		}
	})
}

func TestRemediateStartOutputs(t *testing.T) {
	t.Run("OKJSON", func(t *testing.T) {
		srv := newCLIScript(t,
			cliFail("RemediationInProgressException", inProgressMsg),
			cliOK(`{}`),
			cliOK(statusSucceeded),
		)
		out, errOut, code := newCLIEnv(true, 80).run(startArgs(srv.URL, "--resource-id", "a", "--wait", "--output", "json")...)
		wantExit(t, code, 0, out, errOut)
		m := decodeJSON(t, out)
		res := m["Resources"].([]any)
		r := res[0].(map[string]any)
		if len(res) != 1 || r["ResourceId"] != "a" || r["State"] != "SUCCEEDED" || r["StartAttempts"] != 2.0 ||
			r["InvocationTime"] != "2026-01-02T03:04:05Z" || r["CurrentStep"] != "Encrypt" || len(r["StepDetails"].([]any)) != 2 {
			t.Fatalf("Resources = %v", res)
		}
		att := m["Attempts"].([]any)
		a0 := att[0].(map[string]any)
		if len(att) != 3 || a0["ErrorCode"] != "RemediationInProgressException" || a0["Error"] != inProgressMsg || a0["DelaySeconds"] != 0.1 || a0["Retry"] != 1.0 {
			t.Fatalf("Attempts = %v", att)
		}
		if m["ExitCode"] != 0.0 || m["Error"] != nil {
			t.Fatalf("ExitCode = %v, Error = %v", m["ExitCode"], m["Error"])
		}
	})

	t.Run("ErrJSON", func(t *testing.T) {
		srv := newCLIScript(t, cliFail("RemediationInProgressException", inProgressMsg))
		out, errOut, code := newCLIEnv(false, 0).run(startArgs(srv.URL, "--resource-id", "a", "--max-attempts", "2", "--output", "json")...)
		wantExit(t, code, exitFailed, out, errOut)
		r := decodeJSON(t, out)["Resources"].([]any)[0].(map[string]any)
		se, _ := r["StartError"].(map[string]any)
		if r["State"] != "NOT_STARTED" || r["StopReason"] != "max-attempts" || se["Code"] != "RemediationInProgressException" || se["Message"] != inProgressMsg {
			t.Fatalf("resource = %v", r)
		}
		if !strings.HasPrefix(errOut, "configd remediate start: RemediationInProgressException") {
			t.Fatalf("stderr = %q", errOut)
		}
	})

	t.Run("OKTerminal", func(t *testing.T) {
		srv := newCLIScript(t,
			cliFail("RemediationInProgressException", inProgressMsg),
			cliOK(`{}`),
			cliOK(statusInProgress),
			cliOK(statusSucceeded),
		)
		const width = 60
		out, errOut, code := newCLIEnv(true, width).run(startArgs(srv.URL, "--resource-id", "a", "--wait")...)
		wantExit(t, code, 0, out, errOut)
		frames := ttyFrames(out)
		// One frame per call reported (2 starts, 2 polls) and a final one.
		if len(frames) != 5 {
			t.Fatalf("%d frames, want 5:\n%q", len(frames), out)
		}
		for _, f := range frames {
			for _, l := range f {
				if n := utf8.RuneCountInString(l); n >= width {
					t.Fatalf("line of %d runes in a %d-column terminal: %q", n, width, l)
				}
			}
		}
		wantFrame(t, frames[0], "Remediating 1 resource with rule enc",
			"  attempt 1 failed, retrying 1 resource in 100ms: Remediat…",
			"  AWS::S3::Bucket/a  RETRYING     after 1 attempt: Remedia…")
		wantFrame(t, frames[1], "Remediating 1 resource with rule enc",
			"  attempt 2 succeeded",
			"  AWS::S3::Bucket/a  STARTED")
		wantFrame(t, frames[2], "Remediating 1 resource with rule enc",
			"  poll 1: 1 resource running, next poll in 1s",
			"  AWS::S3::Bucket/a  IN_PROGRESS  step 2/2 Encrypt")
		wantFrame(t, frames[3], "Remediating 1 resource with rule enc",
			"  poll 2: every execution ended",
			"  AWS::S3::Bucket/a  SUCCEEDED    step 2/2 Encrypt")
		wantFrame(t, frames[4], "Remediating 1 resource with rule enc",
			"  AWS::S3::Bucket/a  SUCCEEDED    step 2/2 Encrypt",
			"rule enc: 1 SUCCEEDED")
	})
}

// ttyFrames splits terminal output into frames at the cursor-up sequences
// and returns each frame's lines.
func ttyFrames(out string) [][]string {
	var frames [][]string
	for _, f := range regexp.MustCompile(`\x1b\[\d+A\r\x1b\[J`).Split(out, -1) {
		frames = append(frames, strings.Split(strings.TrimSuffix(f, "\n"), "\n"))
	}
	return frames
}

func wantFrame(t *testing.T, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("frame:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRenderers drives the renderers with a model directly.
func TestRenderers(t *testing.T) {
	keys := []types.ResourceKey{
		{ResourceType: bucketType, ResourceId: aws.String("a")},
		{ResourceType: bucketType, ResourceId: aws.String("a-bucket-with-a-very-long-name-that-does-not-fit")},
	}
	steps := func(states ...string) []types.RemediationExecutionStep {
		var out []types.RemediationExecutionStep
		for i, s := range states {
			out = append(out, types.RemediationExecutionStep{Name: aws.String([]string{"Wait", "Encrypt", "Verify"}[i]), State: types.RemediationExecutionStepState(s)})
		}
		return out
	}
	at := time.Unix(1767323045, 0)
	script := func(p *progress) {
		p.sent(keys, &configservice.StartRemediationExecutionOutput{FailedItems: keys[1:], FailureMessage: aws.String("in progress")}, nil, at)
		p.attempt(client.Attempt{Op: "StartRemediationExecution", Number: 1, Retry: keys[1:], Delay: 1500 * time.Millisecond, Err: &client.FailedItemError{Message: "in progress", InProgress: true}})
		p.sent(keys[1:], &configservice.StartRemediationExecutionOutput{}, nil, at)
		p.attempt(client.Attempt{Op: "StartRemediationExecution", Number: 2})
		p.statuses([]types.RemediationExecutionStatus{
			{ResourceKey: &keys[0], State: "IN_PROGRESS", InvocationTime: &at, StepDetails: steps("SUCCEEDED", "PENDING", "PENDING")},
			{ResourceKey: &keys[1], State: "QUEUED", InvocationTime: &at},
		})
		p.attempt(client.Attempt{Op: "DescribeRemediationExecutionStatus", Number: 1, Retry: keys, Delay: 2 * time.Second})
		p.statuses([]types.RemediationExecutionStatus{
			{ResourceKey: &keys[0], State: "SUCCEEDED", InvocationTime: &at, StepDetails: steps("SUCCEEDED", "SUCCEEDED", "SUCCEEDED")},
			{ResourceKey: &keys[1], State: "FAILED", InvocationTime: &at, StepDetails: []types.RemediationExecutionStep{
				{Name: aws.String("Wait"), State: "SUCCEEDED"},
				{Name: aws.String("Encrypt"), State: "FAILED", ErrorMessage: aws.String("AccessDenied")},
			}},
		})
		p.attempt(client.Attempt{Op: "DescribeRemediationExecutionStatus", Number: 2})
		p.finish(nil)
	}

	t.Run("OKLines", func(t *testing.T) {
		var b strings.Builder
		p := newProgress("enc", keys, true, newRenderer(&b, false, false, 0))
		script(p)
		want := "StartRemediationExecution attempt 1 failed, retrying 1 resource in 1.5s: remediation in progress: in progress\n" +
			"AWS::S3::Bucket/a STARTED\n" +
			"AWS::S3::Bucket/a-bucket-with-a-very-long-name-that-does-not-fit STARTED\n" +
			"AWS::S3::Bucket/a IN_PROGRESS step 2/3 Encrypt\n" +
			"AWS::S3::Bucket/a-bucket-with-a-very-long-name-that-does-not-fit QUEUED\n" +
			"AWS::S3::Bucket/a SUCCEEDED step 3/3 Verify\n" +
			"AWS::S3::Bucket/a-bucket-with-a-very-long-name-that-does-not-fit FAILED Encrypt: AccessDenied\n" +
			"rule enc: 1 SUCCEEDED, 1 FAILED\n"
		if b.String() != want {
			t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
		}
		if p.exit != exitFailed {
			t.Fatalf("exit = %d, want %d", p.exit, exitFailed)
		}
	})

	t.Run("OKTerminal", func(t *testing.T) {
		var b strings.Builder
		p := newProgress("enc", keys, true, newRenderer(&b, false, true, 50))
		script(p)
		frames := ttyFrames(b.String())
		if len(frames) != 5 {
			t.Fatalf("%d frames, want 5:\n%q", len(frames), b.String())
		}
		wantFrame(t, frames[0], "Remediating 2 resources with rule enc",
			"  attempt 1 failed, retrying 1 resource in 1.5s:…",
			"  AWS::S3::Bucket/a          STARTED",
			"  AWS::S3::Bucket/a-bucket…  RETRYING     after …")
		wantFrame(t, frames[2], "Remediating 2 resources with rule enc",
			"  poll 1: 2 resources running, next poll in 2s",
			"  AWS::S3::Bucket/a          IN_PROGRESS  step 2…",
			"  AWS::S3::Bucket/a-bucket…  QUEUED")
		wantFrame(t, frames[4], "Remediating 2 resources with rule enc",
			"  AWS::S3::Bucket/a          SUCCEEDED    step 3…",
			"  AWS::S3::Bucket/a-bucket…  FAILED       Encryp…",
			"rule enc: 1 SUCCEEDED, 1 FAILED")
		// Each redraw goes back exactly as many lines as the frame before.
		ups := regexp.MustCompile(`\x1b\[(\d+)A`).FindAllStringSubmatch(b.String(), -1)
		for i, u := range ups {
			if want := len(frames[i]); u[1] != strconv.Itoa(want) {
				t.Fatalf("redraw %d goes up %s lines, want %d", i+1, u[1], want)
			}
		}
	})

	t.Run("OKTerminalManyKeys", func(t *testing.T) {
		var many []types.ResourceKey
		for i := range 25 {
			many = append(many, types.ResourceKey{ResourceType: bucketType, ResourceId: aws.String("b" + strconv.Itoa(i))})
		}
		var b strings.Builder
		p := newProgress("enc", many, true, newRenderer(&b, false, true, 80))
		p.sent(many, &configservice.StartRemediationExecutionOutput{}, nil, at)
		p.statuses([]types.RemediationExecutionStatus{{ResourceKey: &many[24], State: "IN_PROGRESS", InvocationTime: &at}})
		p.attempt(client.Attempt{Op: "StartRemediationExecution", Number: 1})
		frame := ttyFrames(b.String())[0]
		// A head, a status line, 19 keys and a line that counts the rest.
		if len(frame) != 1+1+maxTTYKeys {
			t.Fatalf("%d lines, want %d:\n%s", len(frame), 2+maxTTYKeys, strings.Join(frame, "\n"))
		}
		if last := frame[len(frame)-1]; last != "  … and 6 more: 1 IN_PROGRESS, 5 STARTED" {
			t.Fatalf("last line = %q", last)
		}
	})

	t.Run("OKJSONOnlyAtEnd", func(t *testing.T) {
		var b strings.Builder
		p := newProgress("enc", keys, true, newRenderer(&b, true, true, 80))
		p.attempt(client.Attempt{Op: "StartRemediationExecution", Number: 1})
		if b.Len() != 0 {
			t.Fatalf("JSON renderer wrote before the end: %q", b.String())
		}
		script(p)
		if n := strings.Count(b.String(), `"ConfigRuleName"`); n != 1 {
			t.Fatalf("%d JSON documents, want 1:\n%s", n, b.String())
		}
	})
}

func TestCurrentStep(t *testing.T) {
	step := func(name, state string) types.RemediationExecutionStep {
		return types.RemediationExecutionStep{Name: aws.String(name), State: types.RemediationExecutionStepState(state)}
	}
	tests := []struct {
		name  string
		steps []types.RemediationExecutionStep
		want  string
		n     int
	}{
		{"OKNone", nil, "", 0},
		{"OKFirstPending", []types.RemediationExecutionStep{step("a", "SUCCEEDED"), step("b", "PENDING"), step("c", "PENDING")}, "b", 2},
		{"OKFailed", []types.RemediationExecutionStep{step("a", "SUCCEEDED"), step("b", "FAILED"), step("c", "PENDING")}, "b", 2},
		{"OKAllDone", []types.RemediationExecutionStep{step("a", "SUCCEEDED"), step("b", "SUCCEEDED")}, "b", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, n := currentStep(tt.steps); got != tt.want || n != tt.n {
				t.Fatalf("currentStep = %q, %d; want %q, %d", got, n, tt.want, tt.n)
			}
		})
	}
}
