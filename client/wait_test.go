package client

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

type describeOutput = configservice.DescribeRemediationExecutionStatusOutput
type describeInput = configservice.DescribeRemediationExecutionStatusInput

func status(k types.ResourceKey, state types.RemediationExecutionState, invoked time.Time, steps ...types.RemediationExecutionStep) types.RemediationExecutionStatus {
	return types.RemediationExecutionStatus{
		ResourceKey:     &k,
		State:           state,
		InvocationTime:  aws.Time(invoked),
		LastUpdatedTime: aws.Time(invoked.Add(time.Second)),
		StepDetails:     steps,
	}
}

func TestWaitForExecutions(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	t.Run("OKPaginated", func(t *testing.T) {
		clk := newFakeClock()
		failedStep := types.RemediationExecutionStep{
			Name: aws.String("ApplyPolicy"), State: types.RemediationExecutionStepStateFailed,
			ErrorMessage: aws.String("AccessDenied on PutBucketPolicy"),
		}
		f := &fakeAPI{describe: func(n int, in *describeInput) (*describeOutput, error) {
			switch n {
			case 1: // poll 1, page 1
				return &describeOutput{
					RemediationExecutionStatuses: []types.RemediationExecutionStatus{status(keyA, "IN_PROGRESS", t0)},
					NextToken:                    aws.String("page2"),
				}, nil
			case 2: // poll 1, page 2
				return &describeOutput{RemediationExecutionStatuses: []types.RemediationExecutionStatus{
					status(keyB, "FAILED", t0, failedStep),
					status(keyC, "QUEUED", t0),
				}}, nil
			default: // poll 2: asks only for a and c
				return &describeOutput{RemediationExecutionStatuses: []types.RemediationExecutionStatus{
					status(keyA, "SUCCEEDED", t0),
					status(keyC, "SUCCEEDED", t0),
				}}, nil
			}
		}}
		execs, err := New(f, clk.opts(0.5)...).WaitForExecutions(context.Background(), "r", []types.ResourceKey{keyA, keyB, keyC})
		if err != nil {
			t.Fatal(err)
		}
		var tokens []string
		for _, in := range f.describeCalls {
			tokens = append(tokens, aws.ToString(in.NextToken))
		}
		if want := []string{"", "page2", ""}; !slices.Equal(tokens, want) {
			t.Fatalf("NextTokens sent = %q, want %q", tokens, want)
		}
		if got, want := keyStrings(f.describeCalls[2].ResourceKeys), keyStrings([]types.ResourceKey{keyA, keyC}); !slices.Equal(got, want) {
			t.Fatalf("second poll asked for %v, want %v", got, want)
		}
		if execs[0].State != "SUCCEEDED" || execs[1].State != "FAILED" || execs[2].State != "SUCCEEDED" {
			t.Fatalf("states = %s %s %s, want SUCCEEDED FAILED SUCCEEDED", execs[0].State, execs[1].State, execs[2].State)
		}
		if want := []string{"ApplyPolicy: AccessDenied on PutBucketPolicy"}; !slices.Equal(execs[1].StepErrors, want) || len(execs[1].Steps) != 1 {
			t.Fatalf("step errors = %q, want %q", execs[1].StepErrors, want)
		}
		if !execs[1].InvocationTime.Equal(t0) {
			t.Fatalf("invocation time = %v, want %v", execs[1].InvocationTime, t0)
		}
		if want := []time.Duration{time.Second}; !slices.Equal(clk.Sleeps(), want) {
			t.Fatalf("sleeps = %v, want %v (half of the 2s poll base)", clk.Sleeps(), want)
		}
	})

	t.Run("ErrTimeoutReportsRunningKeys", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{describe: func(int, *describeInput) (*describeOutput, error) {
			return &describeOutput{RemediationExecutionStatuses: []types.RemediationExecutionStatus{
				status(keyA, "IN_PROGRESS", t0),
				status(keyB, "SUCCEEDED", t0),
			}}, nil
		}}
		c := New(f, append(clk.opts(0.999), WithMaxWait(time.Minute))...)
		start := clk.Now()
		execs, err := c.WaitForExecutions(context.Background(), "r", []types.ResourceKey{keyA, keyB, keyC})
		var we *WaitError
		if !errors.As(err, &we) || we.Reason != StopDeadline || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a deadline WaitError", err)
		}
		if len(we.Running) != 2 || we.Running[0].State != "IN_PROGRESS" || KeyString(we.Running[1].Key) != KeyString(keyC) || we.Running[1].State != "" {
			t.Fatalf("running = %+v, want a IN_PROGRESS and c without status", we.Running)
		}
		for _, want := range []string{"AWS::S3::Bucket/a (IN_PROGRESS)", "AWS::EC2::Instance/i-c (no status)"} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %q, want it to mention %q", err, want)
			}
		}
		if strings.Contains(err.Error(), "Bucket/b") {
			t.Fatalf("err = %q names b, which finished", err)
		}
		if execs[1].State != "SUCCEEDED" {
			t.Fatalf("execs = %+v, want b SUCCEEDED in the result", execs)
		}
		if waited := clk.Now().Sub(start); waited >= time.Minute || we.Polls != len(f.describeCalls) || we.Polls < 3 {
			t.Fatalf("waited %v over %d polls (%d calls), want several polls within the 1m maximum", waited, we.Polls, len(f.describeCalls))
		}
	})

	t.Run("ErrContextDeadlineBeforeMaxWait", func(t *testing.T) {
		clk := newFakeClock()
		ctx, cancel := context.WithDeadline(context.Background(), clk.Now().Add(5*time.Second))
		defer cancel()
		f := &fakeAPI{describe: func(int, *describeInput) (*describeOutput, error) {
			return &describeOutput{RemediationExecutionStatuses: []types.RemediationExecutionStatus{status(keyA, "QUEUED", t0)}}, nil
		}}
		_, err := New(f, append(clk.opts(0), WithPollBackoff(Backoff{Base: time.Second, Jitter: NoJitter}))...).
			WaitForExecutions(ctx, "r", []types.ResourceKey{keyA})
		var we *WaitError
		if !errors.As(err, &we) || we.Reason != StopDeadline || we.Polls != 3 {
			t.Fatalf("err = %v, want deadline after 3 polls (waits 1s, 2s; 4s would pass the 5s deadline)", err)
		}
	})

	t.Run("OKThrottledPollRetried", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{describe: func(n int, _ *describeInput) (*describeOutput, error) {
			if n == 1 {
				return nil, apiErr("ThrottlingException")
			}
			return &describeOutput{RemediationExecutionStatuses: []types.RemediationExecutionStatus{status(keyA, "SUCCEEDED", t0)}}, nil
		}}
		execs, err := New(f, clk.opts(0.5)...).WaitForExecutions(context.Background(), "r", []types.ResourceKey{keyA})
		if err != nil || execs[0].State != "SUCCEEDED" || len(f.describeCalls) != 2 {
			t.Fatalf("execs = %+v, err = %v, calls = %d; want success on the second poll", execs, err, len(f.describeCalls))
		}
	})

	t.Run("ErrPermanentPollError", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{describe: func(int, *describeInput) (*describeOutput, error) {
			return nil, &types.InvalidNextTokenException{}
		}}
		_, err := New(f, clk.opts(0.5)...).WaitForExecutions(context.Background(), "r", []types.ResourceKey{keyA})
		var we *WaitError
		var bad *types.InvalidNextTokenException
		if !errors.As(err, &we) || we.Reason != StopPermanent || !errors.As(err, &bad) || len(f.describeCalls) != 1 {
			t.Fatalf("err = %v, calls = %d; want a permanent WaitError after one call", err, len(f.describeCalls))
		}
	})

	t.Run("ErrRepeatedNextToken", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{describe: func(int, *describeInput) (*describeOutput, error) {
			return &describeOutput{NextToken: aws.String("same")}, nil
		}}
		_, err := New(f, clk.opts(0.5)...).WaitForExecutions(context.Background(), "r", []types.ResourceKey{keyA})
		if err == nil || !strings.Contains(err.Error(), "same NextToken") || len(f.describeCalls) != 2 {
			t.Fatalf("err = %v, calls = %d; want the repeated token refused on the second page", err, len(f.describeCalls))
		}
	})

	t.Run("OKOlderExecutionDoesNotHideNewer", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{describe: func(int, *describeInput) (*describeOutput, error) {
			return &describeOutput{RemediationExecutionStatuses: []types.RemediationExecutionStatus{
				status(keyA, "SUCCEEDED", t0.Add(time.Minute)),
				status(keyA, "FAILED", t0),
			}}, nil
		}}
		execs, err := New(f, clk.opts(0.5)...).WaitForExecutions(context.Background(), "r", []types.ResourceKey{keyA})
		if err != nil || execs[0].State != "SUCCEEDED" {
			t.Fatalf("execs = %+v, err = %v; want the newer SUCCEEDED", execs, err)
		}
	})

	t.Run("OKManyKeysInBatches", func(t *testing.T) {
		clk := newFakeClock()
		var keys []types.ResourceKey
		for i := range 150 {
			keys = append(keys, key("AWS::S3::Bucket", strings.Repeat("x", i+1)))
		}
		f := &fakeAPI{describe: func(_ int, in *describeInput) (*describeOutput, error) {
			out := &describeOutput{}
			for _, k := range in.ResourceKeys {
				out.RemediationExecutionStatuses = append(out.RemediationExecutionStatuses, status(k, "SUCCEEDED", t0))
			}
			return out, nil
		}}
		_, err := New(f, clk.opts(0.5)...).WaitForExecutions(context.Background(), "r", keys)
		if err != nil || len(f.describeCalls) != 2 || len(f.describeCalls[0].ResourceKeys) != 100 {
			t.Fatalf("err = %v, calls = %d; want two calls of 100 and 50 keys", err, len(f.describeCalls))
		}
	})
}
