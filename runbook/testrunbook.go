package runbook

import (
	"context"
	"fmt"
	"time"
)

// TestRunbookName is the built-in runbook for testing retry logic.
const TestRunbookName = "Configd-TestRunbook"

// NoopRunbookName is the built-in runbook that does nothing, for benchmarks.
const NoopRunbookName = "Configd-NoopRunbook"

// testRunbook is Configd-TestRunbook: each execution runs DurationSeconds
// (through Env.Sleep) in its one step, Run, then fails if it is one of the
// first FailTimes executions for the resource ResourceId in the scope, and
// succeeds otherwise. The count uses Env.Counter under the key
// "Configd-TestRunbook/<account>/<region>/<ResourceId>", taken after the
// wait, so an execution that dies in its wait (a crash) is not counted. The
// count never resets: once a resource has had FailTimes failures, every
// later execution for it succeeds.
type testRunbook struct{ mem *memCounter }

func (*testRunbook) Name() string { return TestRunbookName }

func (*testRunbook) Parameters() []Parameter {
	return []Parameter{
		roleParam(false),
		withPattern(optional("DurationSeconds", TypeInteger, "0", "How long each execution runs, in seconds (0..86400)."), `^\s*[0-9]{1,5}\s*$`),
		withPattern(optional("FailTimes", TypeInteger, "0", "How many executions for the resource fail before one succeeds."), `^\s*[0-9]{1,6}\s*$`),
		required("ResourceId", "The resource the execution is for (pass RESOURCE_ID)."),
	}
}

// maxTestDuration bounds DurationSeconds.
const maxTestDuration = 24 * time.Hour

func (t *testRunbook) Run(ctx context.Context, env Env, params map[string][]string, report StepReporter) error {
	env = env.filled()
	p, err := resolve(t.Parameters(), params)
	if err != nil {
		return failFirst(env, "Run", report, fmt.Errorf("%s: %w", TestRunbookName, err))
	}
	v := values(p)
	d := time.Duration(v.int("DurationSeconds")) * time.Second
	if d > maxTestDuration {
		return failFirst(env, "Run", report, fmt.Errorf("DurationSeconds must be at most %d", int(maxTestDuration/time.Second)))
	}
	return runStep(ctx, env, "Run", report, func(ctx context.Context) error {
		if err := env.Sleep(ctx, d); err != nil {
			return err
		}
		key := TestRunbookName + "/" + env.Scope.AccountID + "/" + env.Scope.Region + "/" + v.str("ResourceId")
		var n int
		if env.Counter != nil {
			if n, err = env.Counter(ctx, key); err != nil {
				return fmt.Errorf("count executions: %w", err)
			}
		} else {
			n = t.mem.next(key)
		}
		if fail := v.int("FailTimes"); n <= fail {
			return fmt.Errorf("%s: execution %d for resource %s fails as asked (FailTimes %d)", TestRunbookName, n, v.str("ResourceId"), fail)
		}
		return nil
	})
}

// noopRunbook is Configd-NoopRunbook: one step, Noop, that succeeds at once.
// It accepts an optional ResourceId so that configurations can pass
// RESOURCE_ID.
type noopRunbook struct{}

func (noopRunbook) Name() string { return NoopRunbookName }

func (noopRunbook) Parameters() []Parameter {
	return []Parameter{
		roleParam(false),
		optional("ResourceId", TypeString, "", "Ignored."),
	}
}

func (n noopRunbook) Run(ctx context.Context, env Env, params map[string][]string, report StepReporter) error {
	env = env.filled()
	if _, err := resolve(n.Parameters(), params); err != nil {
		return failFirst(env, "Noop", report, fmt.Errorf("%s: %w", NoopRunbookName, err))
	}
	return runStep(ctx, env, "Noop", report, func(context.Context) error { return nil })
}
