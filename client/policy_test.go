package client

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/smithy-go"
)

func TestBackoffCeiling(t *testing.T) {
	def := Backoff{Base: DefaultBase, Cap: DefaultCap}
	tests := []struct {
		name string
		b    Backoff
		n    int
		want time.Duration
	}{
		{"OK/First", def, 1, 200 * time.Millisecond},
		{"OK/Second", def, 2, 400 * time.Millisecond},
		{"OK/Seventh", def, 7, 12800 * time.Millisecond},
		{"OK/CappedEighth", def, 8, 20 * time.Second},
		{"OK/CappedFar", def, 1000, 20 * time.Second},
		{"OK/ZeroNIsFirst", def, 0, 200 * time.Millisecond},
		{"OK/CapBelowBase", Backoff{Base: 5 * time.Second, Cap: time.Second}, 1, time.Second},
		{"OK/NoOverflow", Backoff{Base: time.Nanosecond, Cap: math.MaxInt64}, 200, math.MaxInt64},
		{"OK/NoOverflowOddCap", Backoff{Base: 3, Cap: math.MaxInt64 - 1}, 100, math.MaxInt64 - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.b.Ceiling(tt.n); got != tt.want {
				t.Fatalf("Ceiling(%d) = %v, want %v", tt.n, got, tt.want)
			}
		})
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Base: time.Second, Cap: 8 * time.Second}
	tests := []struct {
		name   string
		jitter Jitter
		n      int
		r      float64
		want   time.Duration
	}{
		{"OK/FullZero", FullJitter, 3, 0, 0},
		{"OK/FullHalf", FullJitter, 3, 0.5, 2 * time.Second},
		{"OK/FullNegativeClamped", FullJitter, 3, -1, 0},
		{"OK/FullOneClampedBelowCeiling", FullJitter, 3, 1, 4*time.Second - 1},
		{"OK/FullCapped", FullJitter, 10, 0.25, 2 * time.Second},
		{"OK/EqualZero", EqualJitter, 3, 0, 2 * time.Second},
		{"OK/EqualHalf", EqualJitter, 3, 0.5, 3 * time.Second},
		{"OK/None", NoJitter, 2, 0.1, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := b
			b.Jitter = tt.jitter
			if got := b.Delay(tt.n, tt.r); got != tt.want {
				t.Fatalf("Delay(%d, %v) = %v, want %v", tt.n, tt.r, got, tt.want)
			}
		})
	}
}

// TestBackoffFullJitterRange draws many delays and checks they stay in
// [0, ceiling), that the ceiling doubles up to the cap, and that the draws
// cover the range rather than clustering.
func TestBackoffFullJitterRange(t *testing.T) {
	b := Backoff{Base: DefaultBase, Cap: DefaultCap}
	rng := rand.New(rand.NewPCG(1, 2))
	prev := time.Duration(0)
	for n := 1; n <= 12; n++ {
		c := b.Ceiling(n)
		if c > b.Cap || c < prev {
			t.Fatalf("Ceiling(%d) = %v after %v: not monotone within cap %v", n, c, prev, b.Cap)
		}
		prev = c
		var lo, hi time.Duration = c, 0
		for range 2000 {
			d := b.Delay(n, rng.Float64())
			if d < 0 || d >= c {
				t.Fatalf("Delay(%d) = %v, outside [0, %v)", n, d, c)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo > c/10 || hi < c*9/10 {
			t.Fatalf("retry %d: delays spanned [%v, %v], want most of [0, %v)", n, lo, hi, c)
		}
	}
}

func TestRetryableClassify(t *testing.T) {
	r := DefaultRetryable()
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"OK/InProgressTyped", inProgress(), Busy},
		{"OK/InProgressGeneric", apiErr("RemediationInProgressException"), Busy},
		{"OK/InProgressWrapped", fmt.Errorf("operation error: %w", inProgress()), Busy},
		{"OK/ResourceInUseTyped", &types.ResourceInUseException{}, Busy},
		{"OK/Throttling", apiErr("ThrottlingException"), Throttled},
		{"ErrValidation", apiErr("ValidationException"), Permanent},
		{"ErrInvalidParameterTyped", &types.InvalidParameterValueException{}, Permanent},
		{"ErrInsufficientPermissionsTyped", &types.InsufficientPermissionsException{}, Permanent},
		{"ErrAccessDenied", apiErr("AccessDeniedException"), Permanent},
		{"ErrNoSuchRemediationConfiguration", &types.NoSuchRemediationConfigurationException{}, Permanent},
		{"ErrLimitExceeded", &types.LimitExceededException{}, Permanent},
		{"ErrUnknownCode", apiErr("SomethingNewException"), Permanent},
		{"ErrServerLeftToSDK", apiErr("InternalFailure"), Permanent},
		{"ErrNoCode", errors.New("connection reset"), Permanent},
		{"ErrCanceled", fmt.Errorf("call: %w", context.Canceled), Permanent},
		{"ErrDeadlineWithCode", errors.Join(apiErr("ThrottlingException"), context.DeadlineExceeded), Permanent},
		{"ErrNil", nil, Permanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Classify(tt.err); got != tt.want {
				t.Fatalf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestRetryableDrivesCalls checks that the table, not the code paths,
// decides: each code is retried by StartRemediation exactly when the table
// says so, and a custom table changes the decision.
func TestRetryableDrivesCalls(t *testing.T) {
	tests := []struct {
		name      string
		code      string
		table     Retryable
		wantCalls int
	}{
		{"OK/InProgressRetried", "RemediationInProgressException", nil, 3},
		{"OK/ThrottlingRetried", "ThrottlingException", nil, 3},
		{"OK/CustomTableRetriesLimit", "LimitExceededException", Retryable{"LimitExceededException": Throttled}, 3},
		{"ErrValidationNotRetried", "ValidationException", nil, 1},
		{"ErrPermissionsNotRetried", "InsufficientPermissionsException", nil, 1},
		{"ErrCustomTableDropsThrottling", "ThrottlingException", Retryable{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			f := &fakeAPI{start: func(int, []types.ResourceKey) (*StartOutput, error) { return nil, apiErr(tt.code) }}
			opts := append(clk.opts(0.5), WithMaxAttempts(3))
			if tt.table != nil {
				opts = append(opts, WithRetryable(tt.table))
			}
			_, err := New(f, opts...).StartRemediation(context.Background(), "r", []types.ResourceKey{key("AWS::S3::Bucket", "b")})
			if err == nil {
				t.Fatal("StartRemediation succeeded, want error")
			}
			if got := len(f.startCalls); got != tt.wantCalls {
				t.Fatalf("calls = %d, want %d", got, tt.wantCalls)
			}
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tt.code {
				t.Fatalf("error %v does not carry code %s", err, tt.code)
			}
		})
	}
}

func TestIsInProgressMessage(t *testing.T) {
	tests := []struct {
		msg  string
		want bool
	}{
		{"Remediation is in progress for the resource.", true},
		{"RemediationInProgressException", true},
		{"state IN_PROGRESS", true},
		{"The resource is already compliant.", false},
		{"", false},
	}
	for _, tt := range tests {
		name := "OK"
		if !tt.want {
			name = "ErrNotInProgress"
		}
		t.Run(name, func(t *testing.T) {
			if got := IsInProgressMessage(tt.msg); got != tt.want {
				t.Fatalf("IsInProgressMessage(%q) = %v, want %v", tt.msg, got, tt.want)
			}
		})
	}
}

// TestSchedule runs StartRemediation against a key that is always refused
// and checks the delays it waited: r times each ceiling, capped, one fewer
// than the attempts.
func TestSchedule(t *testing.T) {
	tests := []struct {
		name     string
		backoff  Backoff
		attempts int
		r        float64
		want     []time.Duration
	}{
		{"OK/DefaultsFullJitterHalf", Backoff{}, 10, 0.5, []time.Duration{
			100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond,
			1600 * time.Millisecond, 3200 * time.Millisecond, 6400 * time.Millisecond, 10 * time.Second, 10 * time.Second,
		}},
		{"OK/Cap", Backoff{Base: time.Second, Cap: 3 * time.Second, Jitter: NoJitter}, 6, 0, []time.Duration{
			time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second, 3 * time.Second,
		}},
		{"OK/SingleAttempt", Backoff{}, 1, 0.5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			f := &fakeAPI{start: func(int, []types.ResourceKey) (*StartOutput, error) { return nil, inProgress() }}
			c := New(f, append(clk.opts(tt.r), WithBackoff(tt.backoff), WithMaxAttempts(tt.attempts))...)
			res, err := c.StartRemediation(context.Background(), "r", []types.ResourceKey{key("AWS::S3::Bucket", "b")})
			if !slices.Equal(clk.Sleeps(), tt.want) {
				t.Fatalf("sleeps = %v, want %v", clk.Sleeps(), tt.want)
			}
			if len(f.startCalls) != tt.attempts {
				t.Fatalf("calls = %d, want %d", len(f.startCalls), tt.attempts)
			}
			if err == nil || len(res.NotStarted) != 1 || res.NotStarted[0].Reason != StopAttempts || res.NotStarted[0].Attempts != tt.attempts {
				t.Fatalf("result = %+v, err = %v; want one key given up after %d attempts", res, err, tt.attempts)
			}
		})
	}
}

// TestScheduleContext checks that the context bounds the schedule: a
// cancellation during a wait stops at once, and a delay that would reach the
// deadline is not waited for.
func TestScheduleContext(t *testing.T) {
	t.Run("ErrCanceledDuringWait", func(t *testing.T) {
		clk := newFakeClock()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		clk.cancelAt, clk.cancel = 2, cancel
		f := &fakeAPI{start: func(int, []types.ResourceKey) (*StartOutput, error) { return nil, inProgress() }}
		res, err := New(f, clk.opts(0.5)...).StartRemediation(ctx, "r", []types.ResourceKey{key("AWS::S3::Bucket", "b")})
		if len(f.startCalls) != 2 {
			t.Fatalf("calls = %d, want 2 (cancelled during the second wait)", len(f.startCalls))
		}
		if !errors.Is(err, context.Canceled) || len(res.NotStarted) != 1 || res.NotStarted[0].Reason != StopCanceled {
			t.Fatalf("result = %+v, err = %v; want canceled", res, err)
		}
		var ip *types.RemediationInProgressException
		if !errors.As(err, &ip) {
			t.Fatalf("err = %v, want it to keep the last service error", err)
		}
	})
	t.Run("ErrDeadlineBeforeDelay", func(t *testing.T) {
		clk := newFakeClock()
		// Ceilings 1s, 2s, 4s with NoJitter: after waiting 1s and 2s, the
		// next 4s delay would reach the deadline 5s after the start.
		ctx, cancel := context.WithDeadline(context.Background(), clk.Now().Add(5*time.Second))
		defer cancel()
		f := &fakeAPI{start: func(int, []types.ResourceKey) (*StartOutput, error) { return nil, inProgress() }}
		c := New(f, append(clk.opts(0), WithBackoff(Backoff{Base: time.Second, Jitter: NoJitter}))...)
		res, err := c.StartRemediation(ctx, "r", []types.ResourceKey{key("AWS::S3::Bucket", "b")})
		if want := []time.Duration{time.Second, 2 * time.Second}; !slices.Equal(clk.Sleeps(), want) {
			t.Fatalf("sleeps = %v, want %v", clk.Sleeps(), want)
		}
		if !errors.Is(err, context.DeadlineExceeded) || res.NotStarted[0].Reason != StopDeadline || res.NotStarted[0].Attempts != 3 {
			t.Fatalf("result = %+v, err = %v; want deadline after 3 attempts", res, err)
		}
	})
}
