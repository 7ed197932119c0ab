package main

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// TestRemediationKill9: configd is killed (kill -9) while an execution is
// IN_PROGRESS. After a restart, once the dead worker's lease expired, the
// execution is run again and ends (a resume step says what happened), and
// the guard is released. Killed again with resumes disabled, the execution
// is failed visibly instead. Nothing else is lost: the configuration and
// the earlier execution are still there.
func TestRemediationKill9(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	flags := []string{"--accept-any-credentials", "--remediation-lease", "2s", "--remediation-poll-interval", "200ms"}
	p := startProcess(t, dir, addr, flags...)
	c := cs.New(cs.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), Credentials: credentials.NewStaticCredentialsProvider("123456789012", "x", ""), Retryer: closedConnRetryer()})
	putRecorder(t, c, "default")
	putRule(t, c, managedRule(remRule, "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"))
	remPut(t, c, testRunbookConfig("3", "0"))

	start := func() {
		t.Helper()
		out := must[*cs.StartRemediationExecutionOutput](t)(c.StartRemediationExecution(ctx, &cs.StartRemediationExecutionInput{ConfigRuleName: aws.String(remRule), ResourceKeys: []types.ResourceKey{bucketKey("b1")}}))
		if len(out.FailedItems) > 0 {
			t.Fatalf("start refused: %s", aws.ToString(out.FailureMessage))
		}
	}
	running := func() {
		t.Helper()
		st := remWaitState(t, c, "b1", 10*time.Second, types.RemediationExecutionStateInProgress)
		// Wait until the runbook's step is stored: the run has begun.
		deadline := time.Now().Add(10 * time.Second)
		for len(st.StepDetails) == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			st = remStatus(t, c, "b1")
		}
		if st.State != types.RemediationExecutionStateInProgress || len(st.StepDetails) == 0 {
			t.Fatalf("not running: %+v", st)
		}
	}
	stepMessage := func(st types.RemediationExecutionStatus, name string) string {
		for _, s := range st.StepDetails {
			if aws.ToString(s.Name) == name {
				return aws.ToString(s.ErrorMessage)
			}
		}
		return ""
	}

	// Phase 1: resumed after the lease expires. (Phases are not subtests:
	// the restarted process must outlive them.)
	{
		start()
		running()
		p.kill9(t)
		p = startProcess(t, dir, addr, flags...)
		st := remWaitState(t, c, "b1", 30*time.Second, types.RemediationExecutionStateSucceeded, types.RemediationExecutionStateFailed)
		if st.State != types.RemediationExecutionStateSucceeded || !strings.Contains(stepMessage(st, "configd:ResumeAfterWorkerLost"), "runs it again") {
			t.Fatalf("after restart: %s %+v", st.State, st.StepDetails)
		}
	}
	// Phase 2: failed visibly when resumes are disabled.
	{
		start() // the guard was released
		running()
		p.kill9(t)
		startProcess(t, dir, addr, append(flags, "--remediation-max-resumes", "-1")...)
		st := remWaitState(t, c, "b1", 30*time.Second, types.RemediationExecutionStateSucceeded, types.RemediationExecutionStateFailed)
		if st.State != types.RemediationExecutionStateFailed || !strings.Contains(stepMessage(st, "configd:ResumeAfterWorkerLost"), "fails it") {
			t.Fatalf("after restart: %s %+v", st.State, st.StepDetails)
		}
		for _, s := range st.StepDetails {
			if s.State == types.RemediationExecutionStepStatePending {
				t.Fatalf("step %s left PENDING", aws.ToString(s.Name))
			}
		}
		start() // released again
	}
	rc := must[*cs.DescribeRemediationConfigurationsOutput](t)(c.DescribeRemediationConfigurations(ctx, &cs.DescribeRemediationConfigurationsInput{ConfigRuleNames: []string{remRule}}))
	if len(rc.RemediationConfigurations) != 1 {
		t.Fatal("the remediation configuration was lost")
	}
}
