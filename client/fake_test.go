package client

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/smithy-go"
)

// StartOutput shortens the SDK's output type in tests.
type StartOutput = configservice.StartRemediationExecutionOutput

// fakeAPI implements API with scripted answers. Each hook gets the 1-based
// number of the call of its operation. A nil hook fails the test call with
// an error that says so.
type fakeAPI struct {
	mu sync.Mutex

	start    func(n int, keys []types.ResourceKey) (*configservice.StartRemediationExecutionOutput, error)
	describe func(n int, in *configservice.DescribeRemediationExecutionStatusInput) (*configservice.DescribeRemediationExecutionStatusOutput, error)
	delRem   func(n int) error
	delRule  func(n int) error

	startCalls    [][]types.ResourceKey
	describeCalls []*configservice.DescribeRemediationExecutionStatusInput
	delRemCalls   []*configservice.DeleteRemediationConfigurationInput
	delRuleCalls  int
}

func (f *fakeAPI) StartRemediationExecution(_ context.Context, in *configservice.StartRemediationExecutionInput, _ ...func(*configservice.Options)) (*configservice.StartRemediationExecutionOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	keys := append([]types.ResourceKey(nil), in.ResourceKeys...)
	f.startCalls = append(f.startCalls, keys)
	if f.start == nil {
		return nil, fmt.Errorf("fake: unexpected StartRemediationExecution")
	}
	return f.start(len(f.startCalls), keys)
}

func (f *fakeAPI) DescribeRemediationExecutionStatus(_ context.Context, in *configservice.DescribeRemediationExecutionStatusInput, _ ...func(*configservice.Options)) (*configservice.DescribeRemediationExecutionStatusOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cp := *in
	cp.ResourceKeys = append([]types.ResourceKey(nil), in.ResourceKeys...)
	f.describeCalls = append(f.describeCalls, &cp)
	if f.describe == nil {
		return nil, fmt.Errorf("fake: unexpected DescribeRemediationExecutionStatus")
	}
	return f.describe(len(f.describeCalls), &cp)
}

func (f *fakeAPI) DeleteRemediationConfiguration(_ context.Context, in *configservice.DeleteRemediationConfigurationInput, _ ...func(*configservice.Options)) (*configservice.DeleteRemediationConfigurationOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delRemCalls = append(f.delRemCalls, in)
	if f.delRem == nil {
		return nil, fmt.Errorf("fake: unexpected DeleteRemediationConfiguration")
	}
	if err := f.delRem(len(f.delRemCalls)); err != nil {
		return nil, err
	}
	return &configservice.DeleteRemediationConfigurationOutput{}, nil
}

func (f *fakeAPI) DeleteConfigRule(_ context.Context, _ *configservice.DeleteConfigRuleInput, _ ...func(*configservice.Options)) (*configservice.DeleteConfigRuleOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delRuleCalls++
	if f.delRule == nil {
		return nil, fmt.Errorf("fake: unexpected DeleteConfigRule")
	}
	if err := f.delRule(f.delRuleCalls); err != nil {
		return nil, err
	}
	return &configservice.DeleteConfigRuleOutput{}, nil
}

// fakeClock is a clock whose Sleep advances Now at once and records the
// delays. If cancelAt > 0, the cancelAt-th Sleep calls cancel and returns
// the context's error, as a real sleep interrupted by cancellation would.
type fakeClock struct {
	mu       sync.Mutex
	now      time.Time
	sleeps   []time.Duration
	cancelAt int
	cancel   context.CancelFunc
}

// newFakeClock starts the fake clock an hour ahead of the wall clock, so
// contexts with deadlines relative to it never expire in real time during a
// test: only the fake clock reaches them.
func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Now().Add(time.Hour).Truncate(time.Second)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	c.sleeps = append(c.sleeps, d)
	if c.cancelAt > 0 && len(c.sleeps) == c.cancelAt {
		c.cancel()
		return ctx.Err()
	}
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// opts returns the options that wire the fake clock and a constant random
// number r into a Client.
func (c *fakeClock) opts(r float64) []Option {
	return []Option{WithNow(c.Now), WithSleep(c.Sleep), WithRand(func() float64 { return r })}
}

func key(typ, id string) types.ResourceKey {
	return types.ResourceKey{ResourceType: types.ResourceType(typ), ResourceId: aws.String(id)}
}

func apiErr(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: "fake " + code, Fault: smithy.FaultClient}
}

func inProgress() error {
	return &types.RemediationInProgressException{Message: aws.String("Remediation action is in progress.")}
}

func keyStrings(keys []types.ResourceKey) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = KeyString(k)
	}
	return out
}
