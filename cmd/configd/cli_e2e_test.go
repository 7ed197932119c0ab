package main

import (
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/configd/configd/client"
)

// End-to-end tests of the client subcommands against a running configd,
// whose Configd-TestRunbook keeps an execution in flight for
// DurationSeconds, with real time: the point is what happens while another
// remediation runs.

// e2eInProgress is configd's RemediationInProgressException message (AWS's).
const e2eInProgress = "RemediationInProgressException: Remediation action is in progress. You can either cancel execution in AWS Systems Manager or wait and try again later."

// e2eSetup starts a server with a recorder and, for each rule named, an
// S3 managed rule whose remediation runs Configd-TestRunbook with the given
// DurationSeconds and FailTimes. It returns the server, an SDK client and a
// CLI environment whose retries are quicker than the defaults.
func e2eSetup(t *testing.T, rules map[string][2]string) (*testServer, *cs.Client, *cliEnv) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end remediation test runs for seconds")
	}
	s := startServer(t)
	c := s.clientA()
	_, err := c.PutConfigurationRecorder(ctx, &cs.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{
		Name: aws.String("default"), RoleARN: aws.String("arn:aws:iam::111111111111:role/config"),
		RecordingGroup: &types.RecordingGroup{AllSupported: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for rule, p := range rules {
		_, err := c.PutConfigRule(ctx, &cs.PutConfigRuleInput{ConfigRule: &types.ConfigRule{
			ConfigRuleName: aws.String(rule),
			Source:         &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String("S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED")},
			Scope:          &types.Scope{ComplianceResourceTypes: []string{"AWS::S3::Bucket"}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		e2ePutRemediation(t, c, rule, p[0], p[1])
	}
	env := &cliEnv{cli: &cli{
		loadOpts: []func(*config.LoadOptions) error{
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(keyA, secretA, "")),
		},
		clientOpts: []client.Option{
			client.WithBackoff(client.Backoff{Base: 100 * time.Millisecond, Cap: 500 * time.Millisecond}),
			client.WithPollBackoff(client.Backoff{Base: 200 * time.Millisecond, Cap: 500 * time.Millisecond}),
		},
		terminal: func(io.Writer) (bool, int) { return false, 0 },
	}}
	return s, c, env
}

func e2ePutRemediation(t *testing.T, c *cs.Client, rule, duration, failTimes string) {
	t.Helper()
	out, err := c.PutRemediationConfigurations(ctx, &cs.PutRemediationConfigurationsInput{RemediationConfigurations: []types.RemediationConfiguration{{
		ConfigRuleName: aws.String(rule), TargetType: types.RemediationTargetTypeSsmDocument, TargetId: aws.String("Configd-TestRunbook"),
		ResourceType: aws.String("AWS::S3::Bucket"),
		Parameters: map[string]types.RemediationParameterValue{
			"ResourceId":      {ResourceValue: &types.ResourceValue{Value: types.ResourceValueTypeResourceId}},
			"DurationSeconds": {StaticValue: &types.StaticValue{Values: []string{duration}}},
			"FailTimes":       {StaticValue: &types.StaticValue{Values: []string{failTimes}}},
		},
	}}})
	if err != nil || len(out.FailedBatches) > 0 {
		t.Fatalf("PutRemediationConfigurations: %v %+v", err, out)
	}
}

// e2eRun runs the CLI against s with args.
func e2eRun(s *testServer, env *cliEnv, args ...string) (string, string, int) {
	return env.run(at(s.URL(), args...)...)
}

func TestCLIEndToEnd(t *testing.T) {
	t.Run("OKSecondStartRetriedUntilTheFirstEnds", func(t *testing.T) {
		t.Parallel()
		s, _, env := e2eSetup(t, map[string][2]string{"enc": {"2", "0"}})
		out, errOut, code := e2eRun(s, env, "remediate", "start", "--rule", "enc", "--resource-type", "AWS::S3::Bucket", "--resource-id", "a")
		wantExit(t, code, 0, out, errOut)
		if out != "AWS::S3::Bucket/a STARTED\nrule enc: 1 STARTED\n" {
			t.Fatalf("first start:\n%s", out)
		}
		began := time.Now()
		out, errOut, code = e2eRun(s, env, "remediate", "start", "--rule", "enc", "--resource-type", "AWS::S3::Bucket", "--resource-id", "a",
			"--wait", "--timeout", "30s", "--max-attempts", "100")
		wantExit(t, code, 0, out, errOut)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if !regexp.MustCompile(`^StartRemediationExecution attempt 1 failed, retrying 1 resource in \S+: `).MatchString(lines[0]) || !strings.HasSuffix(lines[0], e2eInProgress) {
			t.Fatalf("second start did not meet the first:\n%s", out)
		}
		if !strings.Contains(out, "\nAWS::S3::Bucket/a STARTED\n") || !strings.HasSuffix(out, "\nAWS::S3::Bucket/a SUCCEEDED step 1/1 Run\nrule enc: 1 SUCCEEDED\n") {
			t.Fatalf("second start:\n%s", out)
		}
		// The second execution started after the first ended and ran 2 s.
		if d := time.Since(began); d < 2*time.Second {
			t.Fatalf("second start and wait took %s, want at least the 2 s of its own execution", d)
		}
	})

	t.Run("OKJSONAfterRetries", func(t *testing.T) {
		t.Parallel()
		s, _, env := e2eSetup(t, map[string][2]string{"enc": {"1", "0"}})
		wantExitOnly(t, env, s, 0, "remediate", "start", "--rule", "enc", "--resource-type", "AWS::S3::Bucket", "--resource-id", "a")
		out, errOut, code := e2eRun(s, env, "remediate", "start", "--rule", "enc", "--resource-type", "AWS::S3::Bucket", "--resource-id", "a", "b",
			"--wait", "--timeout", "30s", "--max-attempts", "100", "--output", "json")
		wantExit(t, code, 0, out, errOut)
		m := decodeJSON(t, out)
		res := m["Resources"].([]any)
		ra, rb := res[0].(map[string]any), res[1].(map[string]any)
		if ra["State"] != "SUCCEEDED" || rb["State"] != "SUCCEEDED" || ra["StartAttempts"].(float64) < 2 || rb["StartAttempts"] != 1.0 {
			t.Fatalf("resources = %v", res)
		}
		// b started on the first call; a was listed in FailedItems.
		a0 := m["Attempts"].([]any)[0].(map[string]any)
		if a0["Operation"] != "StartRemediationExecution" || !strings.HasPrefix(a0["Error"].(string), "remediation in progress: ") || a0["Retry"] != 1.0 {
			t.Fatalf("first attempt = %v", a0)
		}
	})

	t.Run("OKDeleteConfigWaitsOutTheExecution", func(t *testing.T) {
		t.Parallel()
		s, c, env := e2eSetup(t, map[string][2]string{"enc": {"2", "0"}})
		wantExitOnly(t, env, s, 0, "remediate", "start", "--rule", "enc", "--resource-type", "AWS::S3::Bucket", "--resource-id", "b")
		out, errOut, code := e2eRun(s, env, "remediate", "delete-config", "--rule", "enc", "--timeout", "30s", "--max-attempts", "100")
		wantExit(t, code, 0, out, errOut)
		if !regexp.MustCompile(`^DeleteRemediationConfiguration attempt 1 failed, retrying in \S+: `+regexp.QuoteMeta(e2eInProgress)+"\n").MatchString(out) ||
			!strings.HasSuffix(out, "\ndeleted the remediation configuration of rule enc\n") {
			t.Fatalf("delete-config:\n%s", out)
		}
		st := must[*cs.DescribeRemediationConfigurationsOutput](t)(c.DescribeRemediationConfigurations(ctx, &cs.DescribeRemediationConfigurationsInput{ConfigRuleNames: []string{"enc"}}))
		if len(st.RemediationConfigurations) != 0 {
			t.Fatalf("configurations after delete-config: %+v", st.RemediationConfigurations)
		}
		// Deleting again is done already; starting now is refused for good.
		out, errOut, code = e2eRun(s, env, "remediate", "delete-config", "--rule", "enc")
		wantExit(t, code, 0, out, errOut)
		out, errOut, code = e2eRun(s, env, "remediate", "start", "--rule", "enc", "--resource-type", "AWS::S3::Bucket", "--resource-id", "b")
		wantExit(t, code, exitFailed, out, errOut)
		if !strings.HasPrefix(errOut, "configd remediate start: NoSuchRemediationConfigurationException: ") {
			t.Fatalf("stderr = %q", errOut)
		}
	})

	t.Run("ErrNeverStartsWithinTheDeadline", func(t *testing.T) {
		t.Parallel()
		s, _, env := e2eSetup(t, map[string][2]string{"slow": {"60", "0"}})
		wantExitOnly(t, env, s, 0, "remediate", "start", "--rule", "slow", "--resource-type", "AWS::S3::Bucket", "--resource-id", "d")
		out, errOut, code := e2eRun(s, env, "remediate", "start", "--rule", "slow", "--resource-type", "AWS::S3::Bucket", "--resource-id", "d", "e",
			"--timeout", "2s", "--max-attempts", "100")
		wantExit(t, code, exitTimeout, out, errOut)
		// The first call starts e and lists d in FailedItems; the retries,
		// for d alone, fail with the exception.
		re := regexp.MustCompile(`^configd remediate start: ` + regexp.QuoteMeta(e2eInProgress) + ` \(1 of 2 not started: AWS::S3::Bucket/d; timed out after \d+ attempts\)\n$`)
		if !re.MatchString(errOut) {
			t.Fatalf("stderr = %q", errOut)
		}
		if !strings.Contains(out, "AWS::S3::Bucket/e STARTED\n") || !strings.HasSuffix(out, "rule slow: 1 STARTED, 1 NOT_STARTED\n") {
			t.Fatalf("stdout:\n%s", out)
		}
	})

	t.Run("ErrFailedThenSucceeded", func(t *testing.T) {
		t.Parallel()
		s, _, env := e2eSetup(t, map[string][2]string{"flaky": {"0", "1"}})
		args := []string{"remediate", "start", "--rule", "flaky", "--resource-type", "AWS::S3::Bucket", "--resource-id", "f", "--wait", "--timeout", "30s"}
		out, errOut, code := e2eRun(s, env, args...)
		wantExit(t, code, exitFailed, out, errOut)
		wantLine(t, errOut, "configd remediate start: remediation failed for 1 of 1: AWS::S3::Bucket/f "+
			"(Run: Configd-TestRunbook: execution 1 for resource f fails as asked (FailTimes 1))")
		out, errOut, code = e2eRun(s, env, args...)
		wantExit(t, code, 0, out, errOut)

		out, errOut, code = e2eRun(s, env, "remediate", "status", "--rule", "flaky")
		wantExit(t, code, 0, out, errOut)
		if lines := strings.Split(out, "\n"); len(lines) != 3 || !regexp.MustCompile(`^AWS::S3::Bucket\s+f\s+SUCCEEDED\s+1/1 Run\s`).MatchString(lines[1]) {
			t.Fatalf("status:\n%s", out)
		}
	})

	t.Run("OKRulesAndCompliance", func(t *testing.T) {
		t.Parallel()
		s, _, env := e2eSetup(t, map[string][2]string{"enc": {"0", "0"}, "tags": {"0", "0"}})
		out, errOut, code := e2eRun(s, env, "rules")
		wantExit(t, code, 0, out, errOut)
		for _, r := range []string{"enc", "tags"} {
			if !regexp.MustCompile(`(?m)^` + r + `\s+ACTIVE\s+AWS S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED\s`).MatchString(out) {
				t.Fatalf("rules lacks %s:\n%s", r, out)
			}
		}
		out, errOut, code = e2eRun(s, env, "compliance")
		wantExit(t, code, 0, out, errOut)
		if !strings.Contains(out, "\nRules:     ") || !strings.Contains(out, "\nResources: ") {
			t.Fatalf("compliance:\n%s", out)
		}
	})
}

// wantExitOnly runs the CLI and checks only its exit status.
func wantExitOnly(t *testing.T, env *cliEnv, s *testServer, want int, args ...string) {
	t.Helper()
	out, errOut, code := e2eRun(s, env, args...)
	wantExit(t, code, want, out, errOut)
}
