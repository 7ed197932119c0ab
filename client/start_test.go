package client

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

var (
	keyA = key("AWS::S3::Bucket", "a")
	keyB = key("AWS::S3::Bucket", "b")
	keyC = key("AWS::EC2::Instance", "i-c")
)

func TestStartRemediation(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{start: func(int, []types.ResourceKey) (*StartOutput, error) { return &StartOutput{}, nil }}
		res, err := New(f, clk.opts(0.5)...).StartRemediation(context.Background(), "r", []types.ResourceKey{keyA, keyB})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Started) != 2 || len(res.NotStarted) != 0 {
			t.Fatalf("result = %+v, want 2 started", res)
		}
		for _, s := range res.Started {
			if !s.At.Equal(clk.Now()) || s.Attempts != 1 {
				t.Fatalf("started %+v, want At=%v Attempts=1", s, clk.Now())
			}
		}
		if len(clk.Sleeps()) != 0 {
			t.Fatalf("slept %v, want no wait", clk.Sleeps())
		}
	})

	t.Run("OKPartialFailedItemsResendsOnlyRefused", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{start: func(n int, keys []types.ResourceKey) (*StartOutput, error) {
			if n == 1 {
				return &StartOutput{
					FailedItems:    []types.ResourceKey{keyB},
					FailureMessage: aws.String("Remediation is in progress for AWS::S3::Bucket b."),
				}, nil
			}
			return &StartOutput{}, nil
		}}
		res, err := New(f, clk.opts(0.5)...).StartRemediation(context.Background(), "r", []types.ResourceKey{keyA, keyB, keyC})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := keyStrings(f.startCalls[1]), keyStrings([]types.ResourceKey{keyB}); len(f.startCalls) != 2 || !slices.Equal(got, want) {
			t.Fatalf("calls = %v, want a second call with only %v", f.startCalls, want)
		}
		attempts := map[string]int{}
		for _, s := range res.Started {
			attempts[KeyString(s.Key)] = s.Attempts
		}
		want := map[string]int{KeyString(keyA): 1, KeyString(keyB): 2, KeyString(keyC): 1}
		if fmt.Sprint(attempts) != fmt.Sprint(want) {
			t.Fatalf("attempts per key = %v, want %v", attempts, want)
		}
		if b := res.Started[2]; KeyString(b.Key) != KeyString(keyB) || !b.At.Equal(clk.Now()) || b.At.Equal(res.Started[0].At) {
			t.Fatalf("retried key %+v, want it started at the later time %v", b, clk.Now())
		}
	})

	t.Run("ErrFailedItemsOtherReasonNotRetried", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{start: func(int, []types.ResourceKey) (*StartOutput, error) {
			return &StartOutput{FailedItems: []types.ResourceKey{keyB}, FailureMessage: aws.String("The resource is already compliant.")}, nil
		}}
		res, err := New(f, clk.opts(0.5)...).StartRemediation(context.Background(), "r", []types.ResourceKey{keyA, keyB})
		if len(f.startCalls) != 1 {
			t.Fatalf("calls = %d, want 1", len(f.startCalls))
		}
		var fe *FailedItemError
		if !errors.As(err, &fe) || fe.InProgress || fe.Message != "The resource is already compliant." {
			t.Fatalf("err = %v, want a permanent FailedItemError", err)
		}
		if len(res.Started) != 1 || len(res.NotStarted) != 1 || res.NotStarted[0].Reason != StopPermanent ||
			KeyString(res.NotStarted[0].Key) != KeyString(keyB) {
			t.Fatalf("result = %+v, want a started, b given up as permanent", res)
		}
	})

	t.Run("ErrKeyNeverStartsWithinDeadline", func(t *testing.T) {
		clk := newFakeClock()
		ctx, cancel := context.WithDeadline(context.Background(), clk.Now().Add(3*time.Second))
		defer cancel()
		f := &fakeAPI{start: func(_ int, keys []types.ResourceKey) (*StartOutput, error) {
			if slices.ContainsFunc(keys, func(k types.ResourceKey) bool { return KeyString(k) == KeyString(keyB) }) {
				return &StartOutput{FailedItems: []types.ResourceKey{keyB}, FailureMessage: aws.String("RemediationInProgressException")}, nil
			}
			return &StartOutput{}, nil
		}}
		res, err := New(f, clk.opts(0.999)...).StartRemediation(ctx, "r", []types.ResourceKey{keyA, keyB})
		if len(res.Started) != 1 || KeyString(res.Started[0].Key) != KeyString(keyA) {
			t.Fatalf("started = %+v, want only a", res.Started)
		}
		if len(res.NotStarted) != 1 || KeyString(res.NotStarted[0].Key) != KeyString(keyB) || res.NotStarted[0].Reason != StopDeadline {
			t.Fatalf("not started = %+v, want b stopped by the deadline", res.NotStarted)
		}
		var total time.Duration
		for _, d := range clk.Sleeps() {
			total += d
		}
		if total >= 3*time.Second || len(clk.Sleeps()) == 0 {
			t.Fatalf("waited %v in %v, want some waits totalling under the 3s deadline", total, clk.Sleeps())
		}
		var se *StartError
		var fe *FailedItemError
		if !errors.As(err, &se) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &fe) || !fe.InProgress {
			t.Fatalf("err = %v, want a StartError wrapping the deadline and the in-progress refusal", err)
		}
		if !strings.Contains(err.Error(), "AWS::S3::Bucket/b (deadline") {
			t.Fatalf("err = %q, want it to name the key and the reason", err)
		}
	})

	t.Run("ErrValidationNeverRetried", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{start: func(int, []types.ResourceKey) (*StartOutput, error) {
			return nil, &types.InvalidParameterValueException{Message: aws.String("bad key")}
		}}
		res, err := New(f, clk.opts(0.5)...).StartRemediation(context.Background(), "r", []types.ResourceKey{keyA, keyB})
		var ip *types.InvalidParameterValueException
		if !errors.As(err, &ip) || len(f.startCalls) != 1 || len(res.NotStarted) != 2 || res.NotStarted[1].Reason != StopPermanent {
			t.Fatalf("result = %+v, err = %v, calls = %d; want both given up after one call", res, err, len(f.startCalls))
		}
	})

	t.Run("OKThrottledThenStarted", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{start: func(n int, _ []types.ResourceKey) (*StartOutput, error) {
			if n <= 2 {
				return nil, apiErr("ThrottlingException")
			}
			return &StartOutput{}, nil
		}}
		res, err := New(f, clk.opts(0.5)...).StartRemediation(context.Background(), "r", []types.ResourceKey{keyA, keyB})
		if err != nil || len(res.Started) != 2 || res.Started[0].Attempts != 3 {
			t.Fatalf("result = %+v, err = %v; want both started on attempt 3", res, err)
		}
		if got := len(f.startCalls[2]); got != 2 {
			t.Fatalf("third call sent %d keys, want 2", got)
		}
	})

	t.Run("OKBatchesAndDuplicates", func(t *testing.T) {
		clk := newFakeClock()
		var keys []types.ResourceKey
		for i := range 250 {
			keys = append(keys, key("AWS::S3::Bucket", fmt.Sprint(i)))
		}
		keys = append(keys, keys[0], keys[1])
		f := &fakeAPI{start: func(int, []types.ResourceKey) (*StartOutput, error) { return &StartOutput{}, nil }}
		res, err := New(f, clk.opts(0.5)...).StartRemediation(context.Background(), "r", keys)
		if err != nil {
			t.Fatal(err)
		}
		var sizes []int
		for _, c := range f.startCalls {
			sizes = append(sizes, len(c))
		}
		if !slices.Equal(sizes, []int{100, 100, 50}) || len(res.Started) != 250 {
			t.Fatalf("batch sizes = %v, started = %d; want [100 100 50] and 250", sizes, len(res.Started))
		}
	})

	t.Run("ErrDeadlineSkipsLaterBatches", func(t *testing.T) {
		clk := newFakeClock()
		ctx, cancel := context.WithDeadline(context.Background(), clk.Now().Add(time.Second))
		defer cancel()
		var keys []types.ResourceKey
		for i := range 150 {
			keys = append(keys, key("AWS::S3::Bucket", fmt.Sprint(i)))
		}
		f := &fakeAPI{start: func(int, []types.ResourceKey) (*StartOutput, error) { return nil, inProgress() }}
		res, err := New(f, clk.opts(0.999)...).StartRemediation(ctx, "r", keys)
		if err == nil || len(res.NotStarted) != 150 {
			t.Fatalf("not started = %d, err = %v; want all 150", len(res.NotStarted), err)
		}
		for _, c := range f.startCalls {
			if len(c) != 100 {
				t.Fatalf("a call sent %d keys; the second batch must not be sent after the deadline", len(c))
			}
		}
		if last := res.NotStarted[149]; last.Attempts != 0 || last.Reason != StopDeadline || !errors.Is(last.Err, context.DeadlineExceeded) {
			t.Fatalf("unsent key = %+v, want 0 attempts stopped by the deadline", last)
		}
	})

	t.Run("OKOnAttemptReportsEachCall", func(t *testing.T) {
		clk := newFakeClock()
		f := &fakeAPI{start: func(n int, _ []types.ResourceKey) (*StartOutput, error) {
			switch n {
			case 1:
				return nil, inProgress()
			case 2:
				return &StartOutput{FailedItems: []types.ResourceKey{keyB}, FailureMessage: aws.String("in progress")}, nil
			}
			return &StartOutput{}, nil
		}}
		var got []string
		hook := WithOnAttempt(func(a Attempt) {
			got = append(got, fmt.Sprintf("%s#%d keys=%v code=%q retry=%v delay=%v err=%v",
				a.Op, a.Number, keyStrings(a.Keys), a.Code, keyStrings(a.Retry), a.Delay, a.Err != nil))
		})
		_, err := New(f, append(clk.opts(0.5), hook)...).StartRemediation(context.Background(), "r", []types.ResourceKey{keyA, keyB})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			`StartRemediationExecution#1 keys=[AWS::S3::Bucket/a AWS::S3::Bucket/b] code="RemediationInProgressException" retry=[AWS::S3::Bucket/a AWS::S3::Bucket/b] delay=100ms err=true`,
			`StartRemediationExecution#2 keys=[AWS::S3::Bucket/a AWS::S3::Bucket/b] code="" retry=[AWS::S3::Bucket/b] delay=200ms err=true`,
			`StartRemediationExecution#3 keys=[AWS::S3::Bucket/b] code="" retry=[] delay=0s err=false`,
		}
		if !slices.Equal(got, want) {
			t.Fatalf("attempts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("OKNoKeys", func(t *testing.T) {
		f := &fakeAPI{}
		res, err := New(f).StartRemediation(context.Background(), "r", nil)
		if err != nil || len(res.Started)+len(res.NotStarted) != 0 || len(f.startCalls) != 0 {
			t.Fatalf("result = %+v, err = %v, calls = %d; want nothing done", res, err, len(f.startCalls))
		}
	})
}
