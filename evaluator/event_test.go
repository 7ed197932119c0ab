package evaluator_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/evaluator"
)

// decode decodes JSON keeping numbers exact.
func decode(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func sameJSON(t testing.TB, got, want []byte) {
	t.Helper()
	g, w := decode(t, got), decode(t, want)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("JSON differs:\n got %s\nwant %s", got, want)
	}
}

// The invokingEvent of a change is AWS's configuration item change
// notification: golden comparison with the documented example
// (testdata/README.md).
func TestChangeInvokingEventGolden(t *testing.T) {
	want, err := os.ReadFile("testdata/aws_sg_create_notification.json")
	if err != nil {
		t.Fatal(err)
	}
	capture := time.Date(2017, 1, 9, 22, 50, 15, 156e6, time.UTC)
	ci := &configd.ConfigurationItem{
		Version: "1.2", AccountID: "123456789012", CaptureTime: capture, Status: configd.CIStatusResourceDiscovered,
		StateID: "1484002215156", MD5Hash: "7399608745296f67f7fe1c9ca56d5205",
		ARN:          "arn:aws:ec2:us-east-2:123456789012:security-group/sg-3f1fef43",
		ResourceType: "AWS::EC2::SecurityGroup", ResourceID: "sg-3f1fef43", Region: "us-east-2", AvailabilityZone: "Not Applicable",
		Relationships: []configd.Relationship{{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-14400670", RelationshipName: "Is contained in Vpc"}},
		Configuration: `{"ownerId":"123456789012","groupName":"example-security-group-2","groupId":"sg-3f1fef43","description":"This is an example security group.",` +
			`"ipPermissions":[],"ipPermissionsEgress":[{"ipProtocol":"-1","fromPort":null,"toPort":null,"userIdGroupPairs":[],"ipRanges":["0.0.0.0/0"],"prefixListIds":[]}],` +
			`"vpcId":"vpc-14400670","tags":[]}`,
	}
	got, mt := evaluator.ChangeInvokingEvent(ci, nil, true, time.Date(2017, 1, 9, 22, 50, 16, 21e6, time.UTC), evaluator.DefaultOversizeBytes)
	if mt != configd.MessageConfigurationItemChange {
		t.Fatalf("message type %s", mt)
	}
	sameJSON(t, []byte(got), want)

	t.Run("OKUpdateDiff", func(t *testing.T) {
		next := *ci
		next.Status = configd.CIStatusOK
		next.Configuration = strings.Replace(ci.Configuration, `"ipPermissions":[]`, `"ipPermissions":[{"ipProtocol":"tcp","fromPort":22,"toPort":22}]`, 1)
		got, _ := evaluator.ChangeInvokingEvent(&next, ci, true, capture, 0)
		var n struct {
			Diff struct {
				ChangeType string                     `json:"changeType"`
				Changed    map[string]json.RawMessage `json:"changedProperties"`
			} `json:"configurationItemDiff"`
		}
		if err := json.Unmarshal([]byte(got), &n); err != nil {
			t.Fatal(err)
		}
		if n.Diff.ChangeType != "UPDATE" || len(n.Diff.Changed) != 1 || n.Diff.Changed["Configuration.IpPermissions.0"] == nil {
			t.Fatalf("diff = %s", got)
		}
	})
	t.Run("OKNoDiffOnReevaluation", func(t *testing.T) {
		got, _ := evaluator.ChangeInvokingEvent(ci, nil, false, capture, 0)
		if !strings.HasPrefix(got, `{"configurationItemDiff":null,"configurationItem":{`) {
			t.Fatalf("event = %.80s", got)
		}
	})
}

// The oversized form carries AWS's configurationItemSummary
// (https://docs.aws.amazon.com/config/latest/developerguide/oversized-notification-example.html).
func TestOversizedInvokingEvent(t *testing.T) {
	ci := &configd.ConfigurationItem{
		Version: "1.2", AccountID: "123456789012", CaptureTime: time.Date(2016, 10, 6, 16, 46, 16, 261e6, time.UTC), Status: configd.CIStatusOK,
		StateID: "0", MD5Hash: "8f1ee69b287895a0f8bc5753eca68e96",
		ARN:          "arn:aws:ec2:us-west-2:123456789012:instance/resourceId_14b76876-7969-4097-ab8e-a31942b02e80",
		ResourceType: "AWS::EC2::Instance", ResourceID: "resourceId_14b76876-7969-4097-ab8e-a31942b02e80", Region: "us-west-2",
		ResourceCreationTime: time.Date(2016, 10, 6, 16, 46, 10, 489e6, time.UTC),
		Configuration:        `{"big":"` + strings.Repeat("x", 300) + `"}`,
	}
	prev := *ci
	prev.Configuration = `{"big":""}`
	got, mt := evaluator.ChangeInvokingEvent(ci, &prev, true, ci.CaptureTime, 200)
	if mt != configd.MessageOversizedConfigurationItemChange {
		t.Fatalf("message type %s", mt)
	}
	want := `{"configurationItemSummary":{"changeType":"UPDATE","configurationItemVersion":"1.2","configurationItemCaptureTime":"2016-10-06T16:46:16.261Z",` +
		`"configurationStateId":0,"awsAccountId":"123456789012","configurationItemStatus":"OK","resourceType":"AWS::EC2::Instance",` +
		`"resourceId":"resourceId_14b76876-7969-4097-ab8e-a31942b02e80","resourceName":null,` +
		`"ARN":"arn:aws:ec2:us-west-2:123456789012:instance/resourceId_14b76876-7969-4097-ab8e-a31942b02e80","awsRegion":"us-west-2",` +
		`"availabilityZone":null,"configurationStateMd5Hash":"8f1ee69b287895a0f8bc5753eca68e96","resourceCreationTime":"2016-10-06T16:46:10.489Z"},` +
		`"messageType":"OversizedConfigurationItemChangeNotification","notificationCreationTime":"2016-10-06T16:46:16.261Z","recordVersion":"1.0"}`
	if got != want {
		t.Fatalf("oversized event:\n got %s\nwant %s", got, want)
	}
}

// The periodic invokingEvent is exactly AWS's example
// (https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_develop-rules_example-events.html).
func TestScheduledInvokingEvent(t *testing.T) {
	got := evaluator.ScheduledInvokingEvent("123456789012", time.Date(2016, 7, 13, 21, 50, 0, 373e6, time.UTC))
	want := `{"awsAccountId":"123456789012","notificationCreationTime":"2016-07-13T21:50:00.373Z","messageType":"ScheduledNotification","recordVersion":"1.0"}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// The event has the attributes of AWS's example events, in their order,
// plus evaluationMode.
func TestEventAttributes(t *testing.T) {
	r := &configd.ConfigRule{Name: "change-triggered-config-rule", ARN: "arn:aws:config:us-east-2:123456789012:config-rule/config-rule-0123456",
		ID: "config-rule-0123456", InputParameters: `{"myParameterKey":"myParameterValue"}`}
	ev := evaluator.NewEvent(configd.Scope{AccountID: "123456789012", Region: "us-east-2"}, r, "{}", "myResultToken", "arn:aws:iam::123456789012:role/config-role", false)
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"invokingEvent":"{}","ruleParameters":"{\"myParameterKey\":\"myParameterValue\"}","resultToken":"myResultToken","eventLeftScope":false,` +
		`"executionRoleArn":"arn:aws:iam::123456789012:role/config-role","configRuleArn":"arn:aws:config:us-east-2:123456789012:config-rule/config-rule-0123456",` +
		`"configRuleName":"change-triggered-config-rule","configRuleId":"config-rule-0123456","accountId":"123456789012","version":"1.0","evaluationMode":"DETECTIVE"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	t.Run("OKNoParameters", func(t *testing.T) {
		r := *r
		r.InputParameters = ""
		if ev := evaluator.NewEvent(configd.Scope{AccountID: "1"}, &r, "{}", "t", "", false); ev.RuleParameters != "{}" {
			t.Fatalf("ruleParameters = %q, want {}", ev.RuleParameters)
		}
	})
}

func lambdaRule(name string, messageTypes ...string) *configd.ConfigRule {
	r := &configd.ConfigRule{Name: name, Source: configd.RuleSource{Owner: configd.OwnerCustomLambda,
		SourceIdentifier: "arn:aws:lambda:us-east-1:111111111111:function:" + name},
		Scope: configd.RuleScope{ComplianceResourceTypes: []string{"AWS::S3::Bucket"}}, InputParameters: `{"k":"v"}`}
	for _, mt := range messageTypes {
		sd := configd.SourceDetail{EventSource: "aws.config", MessageType: mt}
		if mt == configd.MessageScheduled {
			sd.MaximumExecutionFrequency = "One_Hour"
		}
		r.Source.SourceDetails = append(r.Source.SourceDetails, sd)
	}
	return r
}

type invoking struct {
	MessageType       string          `json:"messageType"`
	Diff              json.RawMessage `json:"configurationItemDiff"`
	ConfigurationItem struct {
		ResourceID string `json:"resourceId"`
		Status     string `json:"configurationItemStatus"`
	} `json:"configurationItem"`
}

func parseInvoking(t testing.TB, ev evaluator.Event) invoking {
	t.Helper()
	var in invoking
	if err := json.Unmarshal([]byte(ev.InvokingEvent), &in); err != nil {
		t.Fatal(err)
	}
	return in
}

func TestLambdaRule(t *testing.T) {
	t.Run("OKChange", func(t *testing.T) {
		e := newEnv(t)
		e.putRule(lambdaRule("fn", configd.MessageConfigurationItemChange))
		e.run()
		if evs := e.fns.take(); len(evs) != 0 {
			t.Fatalf("a change-triggered rule over no resources invoked its function %d times", len(evs))
		}
		e.record(bucket("b1", "Off", map[string]string{"a": "b"}))
		e.run()
		evs := e.fns.take()
		if len(evs) != 1 {
			t.Fatalf("%d invocations, want 1", len(evs))
		}
		ev := evs[0]
		in := parseInvoking(t, ev)
		if ev.ConfigRuleName != "fn" || ev.AccountID != scopeA.AccountID || ev.RuleParameters != `{"k":"v"}` || ev.EventLeftScope ||
			in.MessageType != configd.MessageConfigurationItemChange || in.ConfigurationItem.ResourceID != "b1" || !strings.Contains(string(in.Diff), `"CREATE"`) {
			t.Fatalf("event = %+v, invoking %+v", ev, in)
		}
		if ev.ExecutionRoleArn != "arn:aws:iam::111111111111:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig" {
			t.Fatalf("executionRoleArn = %s", ev.ExecutionRoleArn)
		}
		claims, err := e.tokens.Open(evaluator.ResultTokenOp, scopeA, "", ev.ResultToken)
		if err != nil {
			t.Fatalf("the result token does not open: %v", err)
		}
		var c configd.ResultTokenClaims
		if err := json.Unmarshal([]byte(claims), &c); err != nil || c.RuleName != "fn" || !c.InvokedAt.Equal(t0) || c.EvaluationMode != configd.EvaluationModeDetective {
			t.Fatalf("claims = %s (%v)", claims, err)
		}
		if st := e.status("fn"); !st.LastSuccessfulInvocationTime.Equal(t0) || !st.LastSuccessfulEvaluationTime.IsZero() {
			t.Fatalf("status = %+v", st)
		}
	})
	t.Run("OKLeftScope", func(t *testing.T) {
		e := newEnv(t)
		r := lambdaRule("fn", configd.MessageConfigurationItemChange)
		r.Scope.TagKey = "watch"
		e.putRule(r)
		e.record(bucket("b1", "Off", map[string]string{"watch": "1"}))
		e.run()
		e.fns.take()
		// Without a result, leaving the scope invokes nothing.
		e.record(bucket("b1", "Off", nil))
		e.run()
		if evs := e.fns.take(); len(evs) != 0 {
			t.Fatalf("%d invocations for a resource never judged", len(evs))
		}
		e.record(bucket("b1", "Off", map[string]string{"watch": "1"}))
		e.run()
		ev := e.fns.take()[0]
		token := ev.ResultToken
		e.write(func(tx configd.Tx) error {
			return tx.PutEvaluationResult(ctx, scopeA, &configd.EvaluationResult{RuleName: "fn", ResourceType: "AWS::S3::Bucket", ResourceID: "b1",
				ComplianceType: configd.NonCompliant, ResultToken: token, ConfigRuleInvokedTime: t0, OrderingTimestamp: t0})
		})
		e.record(bucket("b1", "Off", nil))
		e.run()
		evs := e.fns.take()
		if len(evs) != 1 || !evs[0].EventLeftScope {
			t.Fatalf("left-scope invocations %+v", evs)
		}
	})
	t.Run("OKPeriodic", func(t *testing.T) {
		e := newEnv(t)
		e.record(bucket("b1", "Off", nil))
		e.putRule(lambdaRule("fn", configd.MessageScheduled))
		e.run()
		evs := e.fns.take()
		if len(evs) != 1 || parseInvoking(t, evs[0]).MessageType != configd.MessageScheduled {
			t.Fatalf("a new periodic rule got %+v, want one scheduled invocation", evs)
		}
		e.record(bucket("b1", "Enabled", nil))
		e.run()
		if evs := e.fns.take(); len(evs) != 0 {
			t.Fatalf("a periodic rule was invoked on a change")
		}
		e.clock.Advance(time.Hour)
		if n, _ := e.eng.Schedule(ctx); n != 1 {
			t.Fatalf("Schedule fired %d", n)
		}
		e.run()
		evs = e.fns.take()
		if len(evs) != 1 || !strings.Contains(evs[0].InvokingEvent, `"notificationCreationTime":"2024-05-01T13:00:00.000Z"`) {
			t.Fatalf("scheduled invocations %+v", evs)
		}
	})
	t.Run("OKOnDemandFansOut", func(t *testing.T) {
		e := newEnv(t)
		for _, b := range []string{"b1", "b2", "b3"} {
			e.record(bucket(b, "Off", nil))
		}
		e.record(&configd.ConfigurationItem{ResourceType: "AWS::SQS::Queue", ResourceID: "q", Configuration: `{}`})
		e.putRule(lambdaRule("fn", configd.MessageConfigurationItemChange, configd.MessageScheduled))
		e.run()
		evs := e.fns.take()
		var got []string
		for _, ev := range evs {
			in := parseInvoking(t, ev)
			got = append(got, in.MessageType+" "+in.ConfigurationItem.ResourceID+" diff="+string(in.Diff))
		}
		sort.Strings(got)
		equal(t, got, []string{
			"ConfigurationItemChangeNotification b1 diff=null",
			"ConfigurationItemChangeNotification b2 diff=null",
			"ConfigurationItemChangeNotification b3 diff=null",
			"ScheduledNotification  diff=",
		})
	})
	t.Run("OKOversized", func(t *testing.T) {
		e := newEnv(t, func(o *evaluator.Options) { o.OversizeBytes = 600 })
		e.putRule(lambdaRule("small", configd.MessageConfigurationItemChange))
		e.putRule(lambdaRule("big", configd.MessageConfigurationItemChange, configd.MessageOversizedConfigurationItemChange))
		e.run()
		ci := bucket("b1", "Off", nil)
		ci.Configuration = `{"pad":"` + strings.Repeat("p", 700) + `"}`
		e.record(ci)
		e.run()
		evs := e.fns.take()
		if len(evs) != 1 || evs[0].ConfigRuleName != "big" || parseInvoking(t, evs[0]).MessageType != configd.MessageOversizedConfigurationItemChange {
			t.Fatalf("invocations %+v", evs)
		}
	})
	t.Run("ErrFunctionFails", func(t *testing.T) {
		e := newEnv(t)
		e.putRule(lambdaRule("fn", configd.MessageConfigurationItemChange))
		e.run()
		e.fns.fail = errString("no such function")
		e.record(bucket("b1", "Off", nil))
		e.run()
		st := e.status("fn")
		if st.LastErrorCode != evaluator.ErrCodeFunction || !strings.Contains(st.LastErrorMessage, "no such function") || !st.LastFailedInvocationTime.Equal(t0) {
			t.Fatalf("status = %+v", st)
		}
		if e.jobs() != 0 {
			t.Fatal("a function failure is retried as a job failure")
		}
	})
}

type errString string

func (e errString) Error() string { return string(e) }
