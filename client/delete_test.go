package client

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

func TestDeleteRemediationConfiguration(t *testing.T) {
	t.Run("OKWaitsOutInProgressExecution", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{delRem: func(n int) error {
			if n <= 3 {
				return inProgress()
			}
			return nil
		}}
		err := New(f, clk.opts(0.5)...).DeleteRemediationConfiguration(context.Background(), "r", "AWS::S3::Bucket")
		if err != nil {
			t.Fatal(err)
		}
		if len(f.delRemCalls) != 4 || len(clk.Sleeps()) != 3 {
			t.Fatalf("calls = %d, sleeps = %v; want 4 calls and 3 waits", len(f.delRemCalls), clk.Sleeps())
		}
		if in := f.delRemCalls[0]; aws.ToString(in.ConfigRuleName) != "r" || aws.ToString(in.ResourceType) != "AWS::S3::Bucket" {
			t.Fatalf("input = %+v, want rule r and the resource type", in)
		}
	})

	t.Run("OKNoSuchConfigurationIsDone", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{delRem: func(int) error { return &types.NoSuchRemediationConfigurationException{} }}
		if err := New(f, clk.opts(0.5)...).DeleteRemediationConfiguration(context.Background(), "r", ""); err != nil {
			t.Fatalf("err = %v, want nil", err)
		}
		if len(f.delRemCalls) != 1 || f.delRemCalls[0].ResourceType != nil {
			t.Fatalf("calls = %+v, want one call without a resource type", f.delRemCalls)
		}
	})

	t.Run("ErrPermissionsNotRetried", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{delRem: func(int) error { return &types.InsufficientPermissionsException{} }}
		err := New(f, clk.opts(0.5)...).DeleteRemediationConfiguration(context.Background(), "r", "")
		var re *RetryError
		var ip *types.InsufficientPermissionsException
		if !errors.As(err, &re) || re.Reason != StopPermanent || re.Attempts != 1 || !errors.As(err, &ip) {
			t.Fatalf("err = %v, want a permanent RetryError after 1 attempt", err)
		}
	})

	t.Run("ErrMaxAttempts", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{delRem: func(int) error { return inProgress() }}
		err := New(f, append(clk.opts(0.5), WithMaxAttempts(3))...).DeleteRemediationConfiguration(context.Background(), "r", "")
		var re *RetryError
		var ip *types.RemediationInProgressException
		if !errors.As(err, &re) || re.Reason != StopAttempts || re.Attempts != 3 || !errors.As(err, &ip) {
			t.Fatalf("err = %v, want RetryError after 3 attempts wrapping the in-progress error", err)
		}
		if len(f.delRemCalls) != 3 || len(clk.Sleeps()) != 2 {
			t.Fatalf("calls = %d, sleeps = %v; want 3 calls and 2 waits", len(f.delRemCalls), clk.Sleeps())
		}
	})

	t.Run("ErrDeadline", func(t *testing.T) {
		clk := newFakeClock()
		ctx, cancel := context.WithDeadline(context.Background(), clk.Now().Add(time.Second))
		defer cancel()
		f := &fakeAPI{delRem: func(int) error { return inProgress() }}
		err := New(f, clk.opts(0.999)...).DeleteRemediationConfiguration(ctx, "r", "")
		var re *RetryError
		if !errors.As(err, &re) || re.Reason != StopDeadline || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a deadline RetryError", err)
		}
		if dl, _ := ctx.Deadline(); !clk.Now().Before(dl) || len(f.delRemCalls) < 2 {
			t.Fatalf("calls = %d, clock at %v of deadline %v; want retries that stop before it", len(f.delRemCalls), clk.Now(), dl)
		}
	})
}

func TestDeleteConfigRule(t *testing.T) {
	t.Run("OKWaitsOutResourceInUse", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{delRule: func(n int) error {
			if n <= 2 {
				return &types.ResourceInUseException{Message: aws.String("remediation action associated")}
			}
			return nil
		}}
		if err := New(f, clk.opts(0.5)...).DeleteConfigRule(context.Background(), "r"); err != nil {
			t.Fatal(err)
		}
		if f.delRuleCalls != 3 {
			t.Fatalf("calls = %d, want 3", f.delRuleCalls)
		}
	})

	t.Run("OKNoSuchRuleIsDone", func(t *testing.T) {
		f := &fakeAPI{delRule: func(int) error { return &types.NoSuchConfigRuleException{} }}
		if err := New(f).DeleteConfigRule(context.Background(), "r"); err != nil || f.delRuleCalls != 1 {
			t.Fatalf("err = %v, calls = %d; want success after one call", err, f.delRuleCalls)
		}
	})

	t.Run("ErrNoSuchRemediationIsNotDoneForRule", func(t *testing.T) {
		f := &fakeAPI{delRule: func(int) error { return &types.NoSuchRemediationConfigurationException{} }}
		if err := New(f).DeleteConfigRule(context.Background(), "r"); err == nil {
			t.Fatal("DeleteConfigRule took NoSuchRemediationConfigurationException for success")
		}
	})
}
