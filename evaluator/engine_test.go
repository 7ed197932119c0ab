package evaluator_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/evaluator"
)

func versioningRule(name string) *configd.ConfigRule {
	return &configd.ConfigRule{Name: name, Source: configd.RuleSource{Owner: configd.OwnerAWS, SourceIdentifier: "S3_BUCKET_VERSIONING_ENABLED"},
		Scope: configd.RuleScope{ComplianceResourceTypes: []string{"AWS::S3::Bucket"}}}
}

func TestChangeManagedRule(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t)
		e.putRule(versioningRule("versioning"))
		e.run()
		equal(t, e.results("versioning"), nil)

		e.record(bucket("b1", "Off", nil))
		if e.jobs() != 1 {
			t.Fatalf("recording queued %d jobs, want 1", e.jobs())
		}
		e.run()
		equal(t, e.results("versioning"), []string{"AWS::S3::Bucket/b1=NON_COMPLIANT"})
		r := e.result("versioning", "AWS::S3::Bucket", "b1")
		if r.EvaluationMode != configd.EvaluationModeDetective || !r.ConfigRuleInvokedTime.Equal(t0) || !r.ResultRecordedTime.Equal(t0) {
			t.Fatalf("result = %+v", r)
		}

		e.clock.Advance(time.Minute)
		e.record(bucket("b1", "Enabled", nil))
		e.run()
		equal(t, e.results("versioning"), []string{"AWS::S3::Bucket/b1=COMPLIANT"})
		r = e.result("versioning", "AWS::S3::Bucket", "b1")
		if !r.OrderingTimestamp.Equal(t0.Add(time.Minute)) {
			t.Fatalf("ordering timestamp %v, want the item's capture time", r.OrderingTimestamp)
		}
		st := e.status("versioning")
		if !st.FirstEvaluationStarted || !st.LastSuccessfulInvocationTime.Equal(t0.Add(time.Minute)) || !st.LastSuccessfulEvaluationTime.Equal(t0.Add(time.Minute)) || st.LastErrorCode != "" {
			t.Fatalf("status = %+v", st)
		}
	})
	t.Run("OKDeletedIsNotApplicable", func(t *testing.T) {
		e := newEnv(t)
		e.putRule(versioningRule("versioning"))
		e.record(bucket("b1", "Off", nil))
		e.run()
		e.record(&configd.ConfigurationItem{ResourceType: "AWS::S3::Bucket", ResourceID: "b1", Status: configd.CIStatusResourceDeleted})
		e.run()
		equal(t, e.results("versioning"), []string{"AWS::S3::Bucket/b1=NOT_APPLICABLE"})
	})
	t.Run("OKOtherTypesNotEvaluated", func(t *testing.T) {
		e := newEnv(t)
		e.putRule(versioningRule("versioning"))
		e.record(&configd.ConfigurationItem{ResourceType: "AWS::SQS::Queue", ResourceID: "q", Configuration: `{}`})
		e.run()
		equal(t, e.results("versioning"), nil)
	})
	t.Run("OKNoRulesNoJobs", func(t *testing.T) {
		e := newEnv(t)
		e.record(bucket("b1", "Off", nil))
		if e.jobs() != 0 {
			t.Fatalf("recording without rules queued %d jobs", e.jobs())
		}
	})
	t.Run("ErrNotImplemented", func(t *testing.T) {
		e := newEnv(t)
		// In the catalogue, not evaluated natively.
		id := "ACM_PCA_ROOT_CA_DISABLED"
		r := &configd.ConfigRule{Name: "keys", Source: configd.RuleSource{Owner: configd.OwnerAWS, SourceIdentifier: id}}
		e.putRule(r)
		e.record(&configd.ConfigurationItem{ResourceType: "AWS::ACMPCA::CertificateAuthority", ResourceID: "c1", Configuration: `{}`})
		e.run()
		equal(t, e.results("keys"), nil)
		st := e.status("keys")
		if st.LastErrorCode != configd.ErrNotImplemented || !strings.Contains(st.LastErrorMessage, id) || st.LastFailedInvocationTime.IsZero() || !st.LastSuccessfulInvocationTime.IsZero() {
			t.Fatalf("status = %+v", st)
		}
	})
}

func TestScope(t *testing.T) {
	t.Run("OKTagScope", func(t *testing.T) {
		e := newEnv(t)
		r := versioningRule("tagged")
		r.Scope.TagKey, r.Scope.TagValue = "env", "prod"
		e.putRule(r)
		e.record(bucket("b1", "Off", map[string]string{"env": "dev"}))
		e.run()
		equal(t, e.results("tagged"), nil)
		e.record(bucket("b1", "Off", map[string]string{"env": "prod"}))
		e.run()
		equal(t, e.results("tagged"), []string{"AWS::S3::Bucket/b1=NON_COMPLIANT"})
		e.record(bucket("b1", "Off", nil))
		e.run()
		equal(t, e.results("tagged"), []string{"AWS::S3::Bucket/b1=NOT_APPLICABLE"})
	})
	t.Run("OKRuleUpdatedNarrowsScope", func(t *testing.T) {
		e := newEnv(t)
		for _, b := range []string{"b1", "b2", "b3"} {
			e.record(bucket(b, "Enabled", nil))
		}
		e.putRule(versioningRule("v"))
		e.run()
		equal(t, e.results("v"), []string{"AWS::S3::Bucket/b1=COMPLIANT", "AWS::S3::Bucket/b2=COMPLIANT", "AWS::S3::Bucket/b3=COMPLIANT"})
		r := versioningRule("v")
		r.Scope.ComplianceResourceID = "b2"
		e.clock.Advance(time.Minute)
		e.putRule(r)
		e.run()
		equal(t, e.results("v"), []string{"AWS::S3::Bucket/b1=NOT_APPLICABLE", "AWS::S3::Bucket/b2=COMPLIANT", "AWS::S3::Bucket/b3=NOT_APPLICABLE"})
	})
	t.Run("OKDefaultTypesOfManagedRule", func(t *testing.T) {
		e := newEnv(t)
		e.record(bucket("b1", "Off", nil))
		e.record(&configd.ConfigurationItem{ResourceType: "AWS::SQS::Queue", ResourceID: "q", Configuration: `{}`})
		r := versioningRule("v")
		r.Scope = configd.RuleScope{}
		e.putRule(r)
		e.run()
		equal(t, e.results("v"), []string{"AWS::S3::Bucket/b1=NON_COMPLIANT"})
	})
}

func TestOnDemand(t *testing.T) {
	e := newEnv(t)
	e.putRule(versioningRule("v"))
	e.run()
	// Items written behind the evaluator's back (no job) are seen on demand.
	e.write(func(tx configd.Tx) error {
		ci := bucket("b9", "Suspended", nil)
		ci.CaptureTime, ci.Status, ci.AccountID, ci.Region, ci.Version = t0, configd.CIStatusResourceDiscovered, scopeA.AccountID, scopeA.Region, configd.CIVersion
		_, err := tx.AppendItem(ctx, scopeA, ci)
		return err
	})
	equal(t, e.results("v"), nil)
	e.clock.Advance(time.Hour)
	e.enqueue("v", configd.TriggerOnDemand)
	e.run()
	equal(t, e.results("v"), []string{"AWS::S3::Bucket/b9=NON_COMPLIANT"})
	r := e.result("v", "AWS::S3::Bucket", "b9")
	if !r.OrderingTimestamp.Equal(t0.Add(time.Hour)) {
		t.Fatalf("ordering timestamp of an on-demand evaluation = %v, want the invocation time", r.OrderingTimestamp)
	}
}

func TestSchedule(t *testing.T) {
	e := newEnv(t)
	trail := &configd.ConfigurationItem{ResourceType: "AWS::CloudTrail::Trail", ResourceID: "t1", ResourceName: "t1",
		Configuration: `{"name":"t1","isMultiRegionTrail":true,"s3BucketName":"logs","homeRegion":"us-east-1"}`}
	e.record(trail)
	r := &configd.ConfigRule{Name: "trail", Source: configd.RuleSource{Owner: configd.OwnerAWS, SourceIdentifier: "CLOUD_TRAIL_ENABLED"}, MaximumExecutionFrequency: "One_Hour"}
	e.putRule(r)
	e.run()
	equal(t, e.results("trail"), []string{"AWS::::Account/111111111111=COMPLIANT"})

	// Not due yet.
	if n, err := e.eng.Schedule(ctx); err != nil || n != 0 {
		t.Fatalf("Schedule = %d, %v; want nothing due", n, err)
	}
	// The trail goes; the account stays COMPLIANT until the rule runs.
	e.record(&configd.ConfigurationItem{ResourceType: "AWS::CloudTrail::Trail", ResourceID: "t1", Status: configd.CIStatusResourceDeleted})
	e.run()
	equal(t, e.results("trail"), []string{"AWS::::Account/111111111111=COMPLIANT"})

	// Three hours and a half later (configd was down): it runs once, then keeps its rhythm.
	e.clock.Advance(3*time.Hour + 30*time.Minute)
	if n, err := e.eng.Schedule(ctx); err != nil || n != 1 {
		t.Fatalf("Schedule = %d, %v; want 1", n, err)
	}
	if n, _ := e.eng.Schedule(ctx); n != 0 {
		t.Fatalf("a second pass fired %d rules", n)
	}
	if next := e.status("trail").NextScheduledRun; !next.Equal(t0.Add(4 * time.Hour)) {
		t.Fatalf("NextScheduledRun = %v, want %v", next, t0.Add(4*time.Hour))
	}
	e.run()
	equal(t, e.results("trail"), []string{"AWS::::Account/111111111111=NON_COMPLIANT"})
}

func TestNextRun(t *testing.T) {
	h := time.Hour
	for _, c := range []struct {
		name      string
		last, now time.Time
		want      time.Time
	}{
		{"OKOnTime", t0, t0, t0.Add(h)},
		{"OKLate", t0, t0.Add(150 * time.Minute), t0.Add(3 * h)},
		{"OKNever", time.Time{}, t0, t0.Add(h)},
		{"OKFuture", t0.Add(5 * h), t0, t0.Add(h)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := evaluator.NextRun(c.last, h, c.now); !got.Equal(c.want) {
				t.Fatalf("NextRun = %v, want %v", got, c.want)
			}
		})
	}
}

func TestRetry(t *testing.T) {
	var failNext int
	e := newEnv(t, func(o *evaluator.Options) {
		o.Results = resultStoreFunc(func(tx configd.Tx, scope configd.Scope, r *configd.EvaluationResult) error {
			if failNext > 0 {
				failNext--
				return errors.New("disk on fire")
			}
			return tx.PutEvaluationResult(ctx, scope, r)
		})
		o.MaxAttempts = 3
	})
	e.putRule(versioningRule("v"))
	e.run()
	e.record(bucket("b1", "Off", nil))
	failNext = 1
	if n := e.run(); n != 1 {
		t.Fatalf("ran %d jobs", n)
	}
	equal(t, e.results("v"), nil)
	if e.jobs() != 1 {
		t.Fatal("the failed job is gone")
	}
	// Backoff: not before a second.
	if n := e.run(); n != 0 {
		t.Fatalf("the job ran again at once")
	}
	e.clock.Advance(time.Second)
	e.run()
	equal(t, e.results("v"), []string{"AWS::S3::Bucket/b1=NON_COMPLIANT"})

	t.Run("ErrGivesUp", func(t *testing.T) {
		e.record(bucket("b1", "Enabled", nil))
		failNext = 100
		for i := 0; i < 3; i++ {
			e.clock.Advance(time.Minute)
			e.run()
		}
		if e.jobs() != 0 {
			t.Fatalf("%d jobs left after MaxAttempts", e.jobs())
		}
		equal(t, e.results("v"), []string{"AWS::S3::Bucket/b1=NON_COMPLIANT"})
	})
}

type resultStoreFunc func(tx configd.Tx, scope configd.Scope, r *configd.EvaluationResult) error

func (f resultStoreFunc) StoreEvaluation(_ context.Context, tx configd.Tx, scope configd.Scope, r *configd.EvaluationResult) error {
	return f(tx, scope, r)
}

func TestBackoff(t *testing.T) {
	b := evaluator.Backoff{Base: time.Second, Cap: 10 * time.Second}
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
		if got := b.Delay(i + 1); got != want {
			t.Fatalf("Delay(%d) = %v, want %v", i+1, got, want)
		}
	}
	j := evaluator.Backoff{Base: time.Second, Jitter: 0.5}
	for i := 0; i < 100; i++ {
		if d := j.Delay(1); d > time.Second || d < 500*time.Millisecond {
			t.Fatalf("jittered delay %v outside [0.5s, 1s]", d)
		}
	}
}

func TestStartStop(t *testing.T) {
	e := newEnv(t, func(o *evaluator.Options) { o.PollInterval = time.Millisecond })
	e.eng.Stop() // before Start
	e.svc.SetEvaluationWaker(e.eng.Wake)
	e.putRule(versioningRule("v"))
	e.eng.Start(ctx)
	e.eng.Start(ctx) // twice is harmless
	e.record(bucket("b1", "Off", nil))
	deadline := time.Now().Add(10 * time.Second)
	for len(e.results("v")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the background workers did not evaluate the change")
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := e.eng.Schedule(ctx); err != nil { // takes the scheduler lease
		t.Fatal(err)
	}
	e.eng.Stop()
	e.eng.Stop()
	// Stopping hands the scheduling over at once.
	e.write(func(tx configd.Tx) error {
		ok, err := tx.AcquireLease(ctx, "evaluator-scheduler", "another-process", e.clock.Now(), e.clock.Now().Add(time.Minute))
		if err == nil && !ok {
			t.Error("the scheduler lease is still held after Stop")
		}
		return err
	})
}

// A rule deleted while its evaluation runs gets no result back.
func TestRuleDeletedMeanwhile(t *testing.T) {
	var e *env
	deleted := false
	e = newEnv(t, func(o *evaluator.Options) {
		o.Results = resultStoreFunc(func(tx configd.Tx, scope configd.Scope, r *configd.EvaluationResult) error {
			return tx.PutEvaluationResult(ctx, scope, r)
		})
		o.Functions = functionFunc(func(inv *evaluator.Invocation) error {
			// The function runs between the evaluation's read and its
			// write: delete the native rule then.
			if !deleted {
				deleted = true
				return e.store.Write(ctx, func(tx configd.Tx) error { return tx.DeleteRule(ctx, scopeA, "v") })
			}
			return nil
		})
	})
	e.putRule(versioningRule("v"))
	e.putRule(lambdaRule("fn", configd.MessageConfigurationItemChange))
	e.run()
	e.record(bucket("b1", "Off", nil))
	e.run()
	if !deleted {
		t.Fatal("the function was not invoked")
	}
	var n int
	e.read(func(tx configd.Tx) error {
		rs, err := tx.ListEvaluationResults(ctx, scopeA, configd.EvaluationFilter{RuleNames: []string{"v"}}, nil, 0)
		n = len(rs)
		return err
	})
	if n != 0 {
		t.Fatalf("%d results of a deleted rule", n)
	}
}

type functionFunc func(inv *evaluator.Invocation) error

func (f functionFunc) Function(context.Context, configd.Scope, string) (evaluator.Function, error) {
	return f, nil
}

func (f functionFunc) Invoke(_ context.Context, inv *evaluator.Invocation) error { return f(inv) }

// A process check is judged by people (PutExternalEvaluation): the engine
// leaves it alone.
func TestProcessCheckNotEvaluated(t *testing.T) {
	e := newEnv(t)
	e.record(bucket("b1", "Off", nil))
	e.putRule(&configd.ConfigRule{Name: "manual", Source: configd.RuleSource{Owner: configd.OwnerAWS, SourceIdentifier: "AWS_CONFIG_PROCESS_CHECK"}})
	e.run()
	e.enqueue("manual", configd.TriggerOnDemand)
	e.run()
	equal(t, e.results("manual"), nil)
	if st := e.status("manual"); st.LastErrorCode != "" || !st.LastFailedInvocationTime.IsZero() {
		t.Fatalf("status = %+v", st)
	}
}

// TestRuleReadingInventory: a rule that looks up other recorded resources
// (LAMBDA_VPC_MULTI_AZ_CHECK reads the Availability Zones of the function's
// subnets) evaluates in the sweep of a new rule, which holds no
// transaction, and on a change.
func TestRuleReadingInventory(t *testing.T) {
	e := newEnv(t)
	subnet := func(id, az string) *configd.ConfigurationItem {
		return &configd.ConfigurationItem{ResourceType: "AWS::EC2::Subnet", ResourceID: id, AvailabilityZone: az,
			Configuration: `{"subnetId":"` + id + `","availabilityZone":"` + az + `"}`}
	}
	function := func(name string, subnets ...string) *configd.ConfigurationItem {
		return &configd.ConfigurationItem{ResourceType: "AWS::Lambda::Function", ResourceID: name, ResourceName: name,
			Configuration: `{"functionName":"` + name + `","vpcConfig":{"subnetIds":["` + strings.Join(subnets, `","`) + `"]}}`}
	}
	e.record(subnet("subnet-a", "us-east-1a"))
	e.record(subnet("subnet-b", "us-east-1b"))
	e.record(subnet("subnet-a2", "us-east-1a"))
	e.record(function("spread", "subnet-a", "subnet-b"))
	e.record(function("one-zone", "subnet-a", "subnet-a2"))
	e.putRule(&configd.ConfigRule{Name: "multi-az", Source: configd.RuleSource{Owner: configd.OwnerAWS, SourceIdentifier: "LAMBDA_VPC_MULTI_AZ_CHECK"}})
	e.run()
	equal(t, e.results("multi-az"), []string{"AWS::Lambda::Function/one-zone=NON_COMPLIANT", "AWS::Lambda::Function/spread=COMPLIANT"})
	if st := e.status("multi-az"); st.LastErrorCode != "" {
		t.Fatalf("status = %+v", st)
	}
	e.clock.Advance(time.Minute)
	e.record(function("one-zone", "subnet-a", "subnet-b"))
	e.run()
	equal(t, e.results("multi-az"), []string{"AWS::Lambda::Function/one-zone=COMPLIANT", "AWS::Lambda::Function/spread=COMPLIANT"})
}
