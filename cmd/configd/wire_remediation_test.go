package main

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/configd/configd"
)

// Wire tests of the remediation operations, through the aws-sdk-go-v2
// client against a real server. Configd-TestRunbook stands in for a
// remediation document: DurationSeconds keeps an execution in flight.

const remRule = "bucket-encryption"

// remSetup starts a server with a recorder, a rule and a manual remediation
// configuration of Configd-TestRunbook running durationSeconds.
func remSetup(t *testing.T, durationSeconds string) (*testServer, *cs.Client) {
	t.Helper()
	s := startServer(t)
	c := s.clientA()
	putRecorder(t, c, "default")
	putRule(t, c, managedRule(remRule, "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"))
	remPut(t, c, testRunbookConfig(durationSeconds, "0"))
	return s, c
}

func testRunbookConfig(durationSeconds, failTimes string) types.RemediationConfiguration {
	return types.RemediationConfiguration{
		ConfigRuleName: aws.String(remRule), TargetType: types.RemediationTargetTypeSsmDocument, TargetId: aws.String("Configd-TestRunbook"),
		ResourceType: aws.String("AWS::S3::Bucket"),
		Parameters: map[string]types.RemediationParameterValue{
			"ResourceId":      {ResourceValue: &types.ResourceValue{Value: types.ResourceValueTypeResourceId}},
			"DurationSeconds": {StaticValue: &types.StaticValue{Values: []string{durationSeconds}}},
			"FailTimes":       {StaticValue: &types.StaticValue{Values: []string{failTimes}}},
		},
	}
}

func remPut(t *testing.T, c *cs.Client, rc ...types.RemediationConfiguration) {
	t.Helper()
	out, err := c.PutRemediationConfigurations(ctx, &cs.PutRemediationConfigurationsInput{RemediationConfigurations: rc})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.FailedBatches) > 0 {
		t.Fatalf("failed batches: %+v", out.FailedBatches)
	}
}

func bucketKey(id string) types.ResourceKey {
	return types.ResourceKey{ResourceType: types.ResourceTypeBucket, ResourceId: aws.String(id)}
}

func remStatus(t *testing.T, c *cs.Client, id string) types.RemediationExecutionStatus {
	t.Helper()
	out := must[*cs.DescribeRemediationExecutionStatusOutput](t)(c.DescribeRemediationExecutionStatus(ctx, &cs.DescribeRemediationExecutionStatusInput{
		ConfigRuleName: aws.String(remRule), ResourceKeys: []types.ResourceKey{bucketKey(id)}}))
	if len(out.RemediationExecutionStatuses) != 1 {
		t.Fatalf("%d statuses for %s", len(out.RemediationExecutionStatuses), id)
	}
	return out.RemediationExecutionStatuses[0]
}

// remWaitState polls the status of id until it is one of states.
func remWaitState(t *testing.T, c *cs.Client, id string, timeout time.Duration, states ...types.RemediationExecutionState) types.RemediationExecutionStatus {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := remStatus(t, c, id)
		for _, s := range states {
			if st.State == s {
				return st
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is %s after %s, want one of %v", id, st.State, timeout, states)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWireRemediationConfigurations: put with defaults and a stable ARN,
// describe with exact members, replacement, failed batches and model limits.
func TestWireRemediationConfigurations(t *testing.T) {
	s, c := remSetup(t, "0")
	got := must[*cs.DescribeRemediationConfigurationsOutput](t)(c.DescribeRemediationConfigurations(ctx, &cs.DescribeRemediationConfigurationsInput{ConfigRuleNames: []string{remRule, "absent"}}))
	if len(got.RemediationConfigurations) != 1 {
		t.Fatalf("%d configurations", len(got.RemediationConfigurations))
	}
	rc := got.RemediationConfigurations[0]
	arn := aws.ToString(rc.Arn)
	if !strings.HasPrefix(arn, "arn:aws:config:us-east-1:"+acctA+":remediation-configuration/"+remRule+"/") ||
		rc.MaximumAutomaticAttempts != nil || rc.RetryAttemptSeconds != nil || rc.Automatic || // unset: not listed, as AWS
		rc.Parameters["ResourceId"].ResourceValue.Value != types.ResourceValueTypeResourceId || rc.Parameters["FailTimes"].StaticValue.Values[0] != "0" ||
		aws.ToString(rc.TargetId) != "Configd-TestRunbook" || rc.TargetType != types.RemediationTargetTypeSsmDocument {
		t.Fatalf("configuration = %+v", rc)
	}

	t.Run("OKReplaceKeepsARN", func(t *testing.T) {
		up := testRunbookConfig("0", "0")
		up.Automatic = true
		up.ExecutionControls = &types.ExecutionControls{SsmControls: &types.SsmControls{ErrorPercentage: aws.Int32(20)}}
		remPut(t, c, up)
		rc := must[*cs.DescribeRemediationConfigurationsOutput](t)(c.DescribeRemediationConfigurations(ctx, &cs.DescribeRemediationConfigurationsInput{ConfigRuleNames: []string{remRule}})).RemediationConfigurations[0]
		sc := rc.ExecutionControls.SsmControls
		// The percentage not given is not listed (AWS applies its default
		// of 10 without listing it).
		if aws.ToString(rc.Arn) != arn || !rc.Automatic || sc.ConcurrentExecutionRatePercentage != nil || aws.ToInt32(sc.ErrorPercentage) != 20 {
			t.Fatalf("after update: %+v %+v", rc, sc)
		}
	})
	t.Run("ErrNoSuchRuleInFailedBatch", func(t *testing.T) {
		bad := testRunbookConfig("0", "0")
		bad.ConfigRuleName = aws.String("absent")
		out := must[*cs.PutRemediationConfigurationsOutput](t)(c.PutRemediationConfigurations(ctx, &cs.PutRemediationConfigurationsInput{RemediationConfigurations: []types.RemediationConfiguration{bad}}))
		if len(out.FailedBatches) != 1 || len(out.FailedBatches[0].FailedItems) != 1 || aws.ToString(out.FailedBatches[0].FailedItems[0].ConfigRuleName) != "absent" ||
			!strings.Contains(aws.ToString(out.FailedBatches[0].FailureMessage), "'absent'") {
			t.Fatalf("failed batches = %+v", out.FailedBatches)
		}
	})
	for _, tc := range []struct {
		name string
		mod  func(*types.RemediationConfiguration)
		code string
	}{
		{"ErrUnknownDocument", func(r *types.RemediationConfiguration) { r.TargetId = aws.String("AWS-NoSuchDocument") }, configd.ErrInvalidParameterValue},
		{"ErrMissingParameter", func(r *types.RemediationConfiguration) { delete(r.Parameters, "ResourceId") }, configd.ErrInvalidParameterValue},
		{"ErrAttempts", func(r *types.RemediationConfiguration) { r.MaximumAutomaticAttempts = aws.Int32(26) }, configd.ErrValidation},
		{"ErrRetrySeconds", func(r *types.RemediationConfiguration) { r.RetryAttemptSeconds = aws.Int64(2678001) }, configd.ErrValidation},
		{"ErrPercentage", func(r *types.RemediationConfiguration) {
			r.ExecutionControls = &types.ExecutionControls{SsmControls: &types.SsmControls{ConcurrentExecutionRatePercentage: aws.Int32(101)}}
		}, configd.ErrValidation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testRunbookConfig("0", "0")
			tc.mod(&r)
			_, err := c.PutRemediationConfigurations(ctx, &cs.PutRemediationConfigurationsInput{RemediationConfigurations: []types.RemediationConfiguration{r}})
			wantCode(t, err, tc.code)
		})
	}
	t.Run("ErrTooMany", func(t *testing.T) {
		many := make([]types.RemediationConfiguration, 26)
		for i := range many {
			many[i] = testRunbookConfig("0", "0")
		}
		_, err := c.PutRemediationConfigurations(ctx, &cs.PutRemediationConfigurationsInput{RemediationConfigurations: many})
		wantCode(t, err, configd.ErrValidation)
	})
	t.Run("OKRawCasing", func(t *testing.T) {
		// The statuses' ResourceKey members are lowerCamel, the exception
		// keys PascalCase, as in AWS's model.
		c.StartRemediationExecution(ctx, &cs.StartRemediationExecutionInput{ConfigRuleName: aws.String(remRule), ResourceKeys: []types.ResourceKey{bucketKey("raw")}})
		r := s.call(t, "StarlingDoveService.DescribeRemediationExecutionStatus", `{"ConfigRuleName":"`+remRule+`"}`)
		st := r.Body["RemediationExecutionStatuses"].([]any)[0].(map[string]any)
		k := st["ResourceKey"].(map[string]any)
		if k["resourceType"] != "AWS::S3::Bucket" || k["resourceId"] != "raw" || st["StepDetails"] == nil || st["InvocationTime"] == nil {
			t.Fatalf("status = %v", st)
		}
		s.call(t, "StarlingDoveService.PutRemediationExceptions", `{"ConfigRuleName":"`+remRule+`","ResourceKeys":[{"ResourceType":"AWS::S3::Bucket","ResourceId":"raw"}],"Message":"m"}`)
		r = s.call(t, "StarlingDoveService.DescribeRemediationExceptions", `{"ConfigRuleName":"`+remRule+`"}`)
		ex := r.Body["RemediationExceptions"].([]any)[0].(map[string]any)
		if ex["ResourceType"] != "AWS::S3::Bucket" || ex["ResourceId"] != "raw" || ex["Message"] != "m" || ex["ConfigRuleName"] != remRule {
			t.Fatalf("exception = %v", ex)
		}
	})
}

// TestWireConcurrentStarts: 200 concurrent StartRemediationExecution calls
// for one resource through the SDK: exactly one starts an execution, every
// other is refused with the typed RemediationInProgressException; a call
// mixing that key with a free one lists it in FailedItems, and the metrics
// count the refusals.
func TestWireConcurrentStarts(t *testing.T) {
	s, c := remSetup(t, "30")
	const n = 200
	var mu sync.Mutex
	ok, refused := 0, 0
	var other []error
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.StartRemediationExecution(ctx, &cs.StartRemediationExecutionInput{ConfigRuleName: aws.String(remRule), ResourceKeys: []types.ResourceKey{bucketKey("hot")}})
			mu.Lock()
			defer mu.Unlock()
			var inProgress *types.RemediationInProgressException
			switch {
			case errors.As(err, &inProgress):
				refused++
			case err != nil:
				other = append(other, err)
			case len(out.FailedItems) == 0:
				ok++
			default:
				other = append(other, errors.New("FailedItems without an error: "+aws.ToString(out.FailureMessage)))
			}
		}()
	}
	wg.Wait()
	if ok != 1 || refused != n-1 || len(other) > 0 {
		t.Fatalf("started %d, refused %d, other %v; want 1 and %d", ok, refused, other, n-1)
	}
	var hist []*configd.RemediationExecution
	err := s.Store.Read(ctx, func(tx configd.Tx) error {
		var err error
		hist, err = tx.ExecutionHistory(ctx, scopeA1, remRule, configd.ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceID: "hot"})
		return err
	})
	if err != nil || len(hist) != 1 {
		t.Fatalf("%d executions stored (%v), want 1", len(hist), err)
	}

	out := must[*cs.StartRemediationExecutionOutput](t)(c.StartRemediationExecution(ctx, &cs.StartRemediationExecutionInput{ConfigRuleName: aws.String(remRule),
		ResourceKeys: []types.ResourceKey{bucketKey("hot"), bucketKey("cold")}}))
	if len(out.FailedItems) != 1 || aws.ToString(out.FailedItems[0].ResourceId) != "hot" || !strings.Contains(aws.ToString(out.FailureMessage), "in progress") {
		t.Fatalf("mixed start = %+v", out)
	}
	remWaitState(t, c, "hot", 10*time.Second, types.RemediationExecutionStateInProgress)

	metrics := scrape(t, s)
	if !strings.Contains(metrics, `configd_remediation_guard_rejections_total{operation="StartRemediationExecution"} 200`) {
		t.Fatalf("metrics lack the %d guard rejections:\n%s", n, grepLines(metrics, "configd_remediation"))
	}
	if !strings.Contains(metrics, "configd_remediation_execution_duration_seconds_bucket") && !strings.Contains(metrics, "configd_remediation_queue_depth") {
		t.Fatalf("metrics lack the remediation series:\n%s", grepLines(metrics, "configd_remediation"))
	}
}

func scrape(t *testing.T, s *testServer) string {
	t.Helper()
	resp, err := http.Get(s.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestWireDeleteDuringRun: DeleteRemediationConfiguration fails with
// RemediationInProgressException and AWS's message while an execution runs,
// and succeeds after it ended; DeleteConfigRule is refused while the
// configuration exists.
func TestWireDeleteDuringRun(t *testing.T) {
	_, c := remSetup(t, "2")
	must[*cs.StartRemediationExecutionOutput](t)(c.StartRemediationExecution(ctx, &cs.StartRemediationExecutionInput{ConfigRuleName: aws.String(remRule), ResourceKeys: []types.ResourceKey{bucketKey("b1")}}))
	remWaitState(t, c, "b1", 10*time.Second, types.RemediationExecutionStateInProgress)
	_, err := c.DeleteRemediationConfiguration(ctx, &cs.DeleteRemediationConfigurationInput{ConfigRuleName: aws.String(remRule)})
	var inProgress *types.RemediationInProgressException
	if !errors.As(err, &inProgress) {
		t.Fatalf("delete during run: %v", err)
	}
	wantCode(t, err, configd.ErrRemediationInProgress, "Remediation action is in progress. You can either cancel execution in AWS Systems Manager or wait and try again later.")
	_, err = c.DeleteConfigRule(ctx, &cs.DeleteConfigRuleInput{ConfigRuleName: aws.String(remRule)})
	wantCode(t, err, configd.ErrResourceInUse)

	st := remWaitState(t, c, "b1", 15*time.Second, types.RemediationExecutionStateSucceeded, types.RemediationExecutionStateFailed)
	if st.State != types.RemediationExecutionStateSucceeded || len(st.StepDetails) != 1 || aws.ToString(st.StepDetails[0].Name) != "Run" ||
		st.StepDetails[0].State != types.RemediationExecutionStepStateSucceeded || st.StepDetails[0].StartTime == nil || st.StepDetails[0].StopTime == nil ||
		st.InvocationTime == nil || st.LastUpdatedTime == nil {
		t.Fatalf("ended status = %+v %+v", st, st.StepDetails)
	}
	if _, err := c.DeleteRemediationConfiguration(ctx, &cs.DeleteRemediationConfigurationInput{ConfigRuleName: aws.String(remRule)}); err != nil {
		t.Fatalf("delete after run: %v", err)
	}
	_, err = c.DescribeRemediationExecutionStatus(ctx, &cs.DescribeRemediationExecutionStatusInput{ConfigRuleName: aws.String(remRule)})
	var noSuch *types.NoSuchRemediationConfigurationException
	if !errors.As(err, &noSuch) {
		t.Fatalf("status after delete: %v", err)
	}
	if _, err := c.DeleteConfigRule(ctx, &cs.DeleteConfigRuleInput{ConfigRuleName: aws.String(remRule)}); err != nil {
		t.Fatalf("delete rule after its remediation: %v", err)
	}
}

// TestWireRemediationExceptions: put, describe (by key, and paged), delete,
// with failed batches.
func TestWireRemediationExceptions(t *testing.T) {
	_, c := remSetup(t, "0")
	exp := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	var keys []types.RemediationExceptionResourceKey
	for _, id := range []string{"e1", "e2", "e3"} {
		keys = append(keys, types.RemediationExceptionResourceKey{ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String(id)})
	}
	out := must[*cs.PutRemediationExceptionsOutput](t)(c.PutRemediationExceptions(ctx, &cs.PutRemediationExceptionsInput{
		ConfigRuleName: aws.String(remRule), ResourceKeys: keys, Message: aws.String("approved by security"), ExpirationTime: &exp}))
	if len(out.FailedBatches) != 0 {
		t.Fatalf("failed: %+v", out.FailedBatches)
	}
	var ids []string
	var token *string
	for pages := 0; ; pages++ {
		page := must[*cs.DescribeRemediationExceptionsOutput](t)(c.DescribeRemediationExceptions(ctx, &cs.DescribeRemediationExceptionsInput{ConfigRuleName: aws.String(remRule), Limit: 2, NextToken: token}))
		for _, e := range page.RemediationExceptions {
			ids = append(ids, aws.ToString(e.ResourceId))
			if aws.ToString(e.Message) != "approved by security" || e.ExpirationTime == nil || !e.ExpirationTime.Equal(exp) {
				t.Fatalf("exception = %+v", e)
			}
		}
		if page.NextToken == nil {
			if pages != 1 {
				t.Fatalf("%d pages, want 2", pages+1)
			}
			break
		}
		token = page.NextToken
	}
	if strings.Join(ids, ",") != "e1,e2,e3" {
		t.Fatalf("ids = %v", ids)
	}
	t.Run("ErrBadToken", func(t *testing.T) {
		_, err := c.DescribeRemediationExceptions(ctx, &cs.DescribeRemediationExceptionsInput{ConfigRuleName: aws.String(remRule), NextToken: aws.String("forged")})
		wantCode(t, err, configd.ErrInvalidNextToken)
	})
	byKey := must[*cs.DescribeRemediationExceptionsOutput](t)(c.DescribeRemediationExceptions(ctx, &cs.DescribeRemediationExceptionsInput{ConfigRuleName: aws.String(remRule), ResourceKeys: keys[1:2]}))
	if len(byKey.RemediationExceptions) != 1 || aws.ToString(byKey.RemediationExceptions[0].ResourceId) != "e2" {
		t.Fatalf("by key = %+v", byKey.RemediationExceptions)
	}
	missing := types.RemediationExceptionResourceKey{ResourceType: aws.String("AWS::S3::Bucket"), ResourceId: aws.String("none")}
	del := must[*cs.DeleteRemediationExceptionsOutput](t)(c.DeleteRemediationExceptions(ctx, &cs.DeleteRemediationExceptionsInput{ConfigRuleName: aws.String(remRule),
		ResourceKeys: []types.RemediationExceptionResourceKey{keys[0], missing}}))
	if len(del.FailedBatches) != 1 || aws.ToString(del.FailedBatches[0].FailedItems[0].ResourceId) != "none" {
		t.Fatalf("delete failed batches = %+v", del.FailedBatches)
	}
}

// TestWireExecutionStatusPages: statuses page by resource key.
func TestWireExecutionStatusPages(t *testing.T) {
	_, c := remSetup(t, "0")
	var keys []types.ResourceKey
	for _, id := range []string{"p1", "p2", "p3", "p4", "p5"} {
		keys = append(keys, bucketKey(id))
	}
	must[*cs.StartRemediationExecutionOutput](t)(c.StartRemediationExecution(ctx, &cs.StartRemediationExecutionInput{ConfigRuleName: aws.String(remRule), ResourceKeys: keys}))
	var ids []string
	p := cs.NewDescribeRemediationExecutionStatusPaginator(c, &cs.DescribeRemediationExecutionStatusInput{ConfigRuleName: aws.String(remRule), Limit: 2})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, st := range page.RemediationExecutionStatuses {
			ids = append(ids, aws.ToString(st.ResourceKey.ResourceId))
		}
	}
	if strings.Join(ids, ",") != "p1,p2,p3,p4,p5" || pages != 3 {
		t.Fatalf("ids %v in %d pages", ids, pages)
	}
	for _, id := range []string{"p1", "p5"} {
		remWaitState(t, c, id, 10*time.Second, types.RemediationExecutionStateSucceeded)
	}
	_, err := c.StartRemediationExecution(ctx, &cs.StartRemediationExecutionInput{ConfigRuleName: aws.String("absent"), ResourceKeys: keys[:1]})
	wantCode(t, err, configd.ErrNoSuchRemediationConfiguration)
}

// TestWireExecutionHistory: configd's extension lists every execution of a
// resource, newest first, paged, with its id, trigger and attempt.
func TestWireExecutionHistory(t *testing.T) {
	s, c := remSetup(t, "0")
	for i := 0; i < 3; i++ {
		must[*cs.StartRemediationExecutionOutput](t)(c.StartRemediationExecution(ctx, &cs.StartRemediationExecutionInput{ConfigRuleName: aws.String(remRule), ResourceKeys: []types.ResourceKey{bucketKey("h1")}}))
		remWaitState(t, c, "h1", 10*time.Second, types.RemediationExecutionStateSucceeded)
	}
	body := `{"ConfigRuleName":"` + remRule + `","ResourceKey":{"resourceType":"AWS::S3::Bucket","resourceId":"h1"},"Limit":2}`
	r := s.call(t, "Configd.DescribeRemediationExecutionHistory", body)
	if r.Status != 200 {
		t.Fatalf("history: %d %v", r.Status, r.Body)
	}
	page := r.Body["RemediationExecutions"].([]any)
	first := page[0].(map[string]any)
	if len(page) != 2 || first["State"] != "SUCCEEDED" || first["ExecutionId"] == "" || first["Automatic"] != false || r.Body["NextToken"] == nil {
		t.Fatalf("page 1 = %v", r.Body)
	}
	// A new execution does not shift the next page.
	must[*cs.StartRemediationExecutionOutput](t)(c.StartRemediationExecution(ctx, &cs.StartRemediationExecutionInput{ConfigRuleName: aws.String(remRule), ResourceKeys: []types.ResourceKey{bucketKey("h1")}}))
	body2 := `{"ConfigRuleName":"` + remRule + `","ResourceKey":{"resourceType":"AWS::S3::Bucket","resourceId":"h1"},"Limit":2,"NextToken":"` + r.Body["NextToken"].(string) + `"}`
	r2 := s.call(t, "Configd.DescribeRemediationExecutionHistory", body2)
	page2 := r2.Body["RemediationExecutions"].([]any)
	if len(page2) != 1 || r2.Body["NextToken"] != nil || page2[0].(map[string]any)["ExecutionId"] == first["ExecutionId"] || page2[0].(map[string]any)["ExecutionId"] == page[1].(map[string]any)["ExecutionId"] {
		t.Fatalf("page 2 = %v", r2.Body)
	}
	bad := s.call(t, "Configd.DescribeRemediationExecutionHistory", `{"ConfigRuleName":"`+remRule+`"}`)
	if bad.Status != 400 || bad.Body["__type"] != configd.ErrValidation {
		t.Fatalf("without a key: %d %v", bad.Status, bad.Body)
	}
}
