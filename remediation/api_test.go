package remediation

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/configd/configd"
	"github.com/configd/configd/runbook"
)

// TestPutRemediationConfigurations: defaults, a stable ARN across updates,
// Put as a full replacement, failed batches for rules that do not exist,
// and InvalidParameterValueException for documents and parameters the
// runbooks refuse.
func TestPutRemediationConfigurations(t *testing.T) {
	h := newHarness(t)
	c := testConfig(false, "0")
	c.ExecutionControls = &configd.ExecutionControls{}
	res := h.put(c)
	got := res.Saved[0]
	// The defaults apply but are not stored (AWS does not list them).
	ec := got.ExecutionControls
	if got.MaximumAutomaticAttempts != 0 || got.RetryAttemptSeconds != 0 || got.Attempts() != 5 || got.RetryWindow() != time.Minute ||
		ec.ConcurrentExecutionRatePercentage != 0 || ec.ErrorPercentage != 0 || ec.Concurrency() != 10 || ec.ErrorThreshold() != 50 {
		t.Fatalf("defaults: %+v %+v", got, got.ExecutionControls)
	}
	prefix := "arn:aws:config:us-east-1:123456789012:remediation-configuration/" + ruleName + "/"
	if !strings.HasPrefix(got.ARN, prefix) || len(got.ARN) != len(prefix)+36 {
		t.Fatalf("ARN = %s", got.ARN)
	}
	arn := got.ARN

	t.Run("OKReplace", func(t *testing.T) {
		c2 := testConfig(false, "0")
		delete(c2.Parameters, "FailTimes")
		c2.MaximumAutomaticAttempts = 7
		h.put(c2)
		cs, err := h.eng.DescribeRemediationConfigurations(ctx, scope, []string{ruleName, "absent"})
		if err != nil || len(cs) != 1 {
			t.Fatalf("describe: %v %d", err, len(cs))
		}
		d := cs[0]
		if d.ARN != arn || d.MaximumAutomaticAttempts != 7 || d.ExecutionControls != nil || len(d.Parameters) != 1 {
			t.Fatalf("after replacement: %+v", d)
		}
	})
	t.Run("ErrNoSuchRule", func(t *testing.T) {
		c3 := testConfig(false, "0")
		c3.RuleName = "absent"
		res, err := h.eng.PutRemediationConfigurations(ctx, scope, []*configd.RemediationConfiguration{c3, testConfig(false, "0")})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Failed) != 1 || len(res.Failed[0].Items) != 1 || res.Failed[0].Items[0] != c3 ||
			res.Failed[0].Message != "The ConfigRule 'absent' provided in the request is invalid. Please check the configRule name" || len(res.Saved) != 1 {
			t.Fatalf("result = %+v", res)
		}
	})
	for _, tc := range []struct {
		name string
		mod  func(*configd.RemediationConfiguration)
		want string
	}{
		{"ErrUnknownDocument", func(c *configd.RemediationConfiguration) { c.TargetID = "AWS-NoSuchDocument" }, "does not exist"},
		{"ErrMissingRequired", func(c *configd.RemediationConfiguration) { delete(c.Parameters, "ResourceId") }, "ResourceId"},
		{"ErrUnknownParameter", func(c *configd.RemediationConfiguration) {
			c.Parameters["Nope"] = configd.RemediationParameter{StaticValues: []string{"x"}}
		}, "Nope"},
		{"ErrBothValues", func(c *configd.RemediationConfiguration) {
			c.Parameters["FailTimes"] = configd.RemediationParameter{ResourceValue: "RESOURCE_ID", StaticValues: []string{"1"}}
		}, "FailTimes"},
		{"ErrDuplicateRule", nil, "more than one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig(false, "0")
			cs := []*configd.RemediationConfiguration{c}
			if tc.mod != nil {
				tc.mod(c)
			} else {
				cs = append(cs, testConfig(false, "0"))
			}
			_, err := h.eng.PutRemediationConfigurations(ctx, scope, cs)
			if !configd.IsCode(err, configd.ErrInvalidParameterValue) || !strings.Contains(configd.ErrorMessage(err), tc.want) {
				t.Fatalf("err = %v, want InvalidParameterValueException mentioning %q", err, tc.want)
			}
		})
	}
	t.Run("ErrDeleteOtherType", func(t *testing.T) {
		err := h.eng.DeleteRemediationConfiguration(ctx, scope, ruleName, "AWS::EC2::Instance")
		if !configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestRemediationExceptions: put (NON_COMPLIANT and not yet evaluated
// resources only), describe with keys and pages, delete with failed batches.
func TestRemediationExceptions(t *testing.T) {
	h := newHarness(t)
	h.put(testConfig(false, "0"))
	h.evaluate("nc", configd.NonCompliant)
	h.evaluate("ok", configd.Compliant)
	exp := h.clock.Now().Add(24 * time.Hour)
	failed, err := h.eng.PutRemediationExceptions(ctx, scope, ruleName, []configd.ResourceKey{key("nc"), key("ok"), key("new"), key("nc")}, "reviewed", exp)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || len(failed[0].Keys) != 1 || failed[0].Keys[0] != key("ok") || !strings.Contains(failed[0].Message, "COMPLIANT") || failed[0].Items[0].Message != "reviewed" {
		t.Fatalf("failed = %+v", failed)
	}
	t.Run("ErrPastExpiration", func(t *testing.T) {
		_, err := h.eng.PutRemediationExceptions(ctx, scope, ruleName, []configd.ResourceKey{key("nc")}, "", h.clock.Now().Add(-time.Second))
		if !configd.IsCode(err, configd.ErrInvalidParameterValue) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ErrNoSuchRule", func(t *testing.T) {
		failed, err := h.eng.PutRemediationExceptions(ctx, scope, "absent", []configd.ResourceKey{key("nc")}, "", time.Time{})
		if err != nil || len(failed) != 1 || !strings.Contains(failed[0].Message, "absent") {
			t.Fatalf("%+v %v", failed, err)
		}
	})
	all, err := h.eng.DescribeRemediationExceptions(ctx, scope, ruleName, nil, nil, 0)
	if err != nil || len(all) != 2 || all[0].ResourceID != "nc" || all[1].ResourceID != "new" || !all[0].ExpirationTime.Equal(exp) {
		t.Fatalf("describe = %+v %v", all, err)
	}
	page, _ := h.eng.DescribeRemediationExceptions(ctx, scope, ruleName, nil, nil, 1)
	if len(page) != 1 || page[0].ResourceID != "nc" {
		t.Fatalf("page 1 = %+v", page)
	}
	after := key("nc")
	page, _ = h.eng.DescribeRemediationExceptions(ctx, scope, ruleName, nil, &after, 1)
	if len(page) != 1 || page[0].ResourceID != "new" {
		t.Fatalf("page 2 = %+v", page)
	}
	byKey, _ := h.eng.DescribeRemediationExceptions(ctx, scope, ruleName, []configd.ResourceKey{key("new"), key("ok")}, nil, 0)
	if len(byKey) != 1 || byKey[0].ResourceID != "new" {
		t.Fatalf("by key = %+v", byKey)
	}
	failed, err = h.eng.DeleteRemediationExceptions(ctx, scope, ruleName, []configd.ResourceKey{key("nc"), key("ok")})
	if err != nil || len(failed) != 1 || failed[0].Keys[0] != key("ok") || failed[0].Message != "You tried to delete a remediation exception that does not exist." {
		t.Fatalf("delete: %+v %v", failed, err)
	}
}

// TestDescribeExecutionStatusPages: the newest execution of each resource, in
// (type, id) order, paged by key.
func TestDescribeExecutionStatusPages(t *testing.T) {
	h := newHarness(t)
	h.put(testConfig(false, "0"))
	h.start("b2", "b1", "b3")
	h.runOnce(nil)
	h.start("b2")
	all, err := h.eng.DescribeRemediationExecutionStatus(ctx, scope, ruleName, nil, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].ResourceID != "b1" || all[1].ResourceID != "b2" || all[1].State != configd.ExecQueued || all[2].State != configd.ExecSucceeded {
		t.Fatalf("statuses = %v %v", all, states(all))
	}
	after := key("b1")
	page, _ := h.eng.DescribeRemediationExecutionStatus(ctx, scope, ruleName, nil, &after, 1)
	if len(page) != 1 || page[0].ResourceID != "b2" {
		t.Fatalf("page after b1 = %+v", page)
	}
	if hist := h.history("b2"); len(hist) != 2 || hist[0].State != configd.ExecQueued {
		t.Fatalf("history of b2 = %v", states(hist))
	}
}

// TestUnknownRunbookAtRunTime: an execution whose document disappeared (a
// user document removed from the directory) fails visibly.
func TestUnknownRunbookAtRunTime(t *testing.T) {
	h := newHarness(t)
	h.put(testConfig(false, "0"))
	h.start("b1")
	h.eng.o.Runbooks = emptyRunbooks{}
	h.runOnce(nil)
	x := h.latest("b1")
	if x.State != configd.ExecFailed || !hasStep(x, stepRunbook) {
		t.Fatalf("execution = %+v", x)
	}
}

type emptyRunbooks struct{}

func (emptyRunbooks) Lookup(string) (runbook.Runbook, bool) { return nil, false }
func (emptyRunbooks) Validate(string, map[string]configd.RemediationParameter) error {
	return nil
}

// TestAWSConfigError: a scope whose AWS access cannot be built fails the
// execution with a configd step saying so.
func TestAWSConfigError(t *testing.T) {
	h := newHarness(t)
	errTest := errors.New("no route to the account")
	h.eng.o.AWSConfig = func(context.Context, configd.Scope) (aws.Config, error) {
		return aws.Config{}, errTest
	}
	h.put(testConfig(false, "0"))
	h.start("b1")
	h.runOnce(nil)
	x := h.latest("b1")
	if x.State != configd.ExecFailed || !hasStep(x, stepConnect) || !strings.Contains(lastError(x), errTest.Error()) {
		t.Fatalf("execution = %+v", x)
	}
}
