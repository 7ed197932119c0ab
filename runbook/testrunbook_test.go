package runbook

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/configd/configd"
)

// storeCounter stands in for the engine's store-backed Counter.
type storeCounter struct {
	mu   sync.Mutex
	n    map[string]int
	keys []string
}

func (c *storeCounter) Counter(_ context.Context, key string) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[key]++
	c.keys = append(c.keys, key)
	return c.n[key], nil
}

func TestTestRunbook(t *testing.T) {
	r := newRegistry(t)
	t.Run("OK", func(t *testing.T) {
		env, ft := testEnv("http://127.0.0.1:1")
		counter := &storeCounter{}
		env.Counter = counter.Counter
		params := map[string][]string{"ResourceId": {"bucket-a"}, "DurationSeconds": {"30"}, "FailTimes": {"2"}}
		var outcomes []string
		for i := 0; i < 4; i++ {
			err, log := run(t, r, env, TestRunbookName, params)
			outcomes = append(outcomes, log.final())
			if (err != nil) != (i < 2) {
				t.Fatalf("execution %d: error %v", i+1, err)
			}
		}
		want := "Run:FAILED Run:FAILED Run:SUCCEEDED Run:SUCCEEDED"
		if got := strings.Join(outcomes, " "); got != want {
			t.Fatalf("outcomes %s, want %s", got, want)
		}
		slept := ft.slept()
		if len(slept) != 4 || slept[0] != 30*time.Second {
			t.Fatalf("slept %v, want 4 x 30s", slept)
		}
		if counter.keys[0] != "Configd-TestRunbook/123456789012/us-east-1/bucket-a" {
			t.Fatalf("counter key %q", counter.keys[0])
		}
	})
	t.Run("OKCountsPerResource", func(t *testing.T) {
		env, _ := testEnv("http://127.0.0.1:1")
		env.Counter = (&storeCounter{}).Counter
		for _, id := range []string{"r1", "r2"} {
			if err, _ := run(t, r, env, TestRunbookName, map[string][]string{"ResourceId": {id}, "FailTimes": {"1"}}); err == nil {
				t.Fatalf("first execution for %s succeeded", id)
			}
		}
		if err, _ := run(t, r, env, TestRunbookName, map[string][]string{"ResourceId": {"r1"}, "FailTimes": {"1"}}); err != nil {
			t.Fatalf("second execution for r1: %v", err)
		}
	})
	t.Run("OKStepTimes", func(t *testing.T) {
		env, _ := testEnv("http://127.0.0.1:1")
		log := &stepLog{}
		rb, _ := r.Lookup(TestRunbookName)
		if err := rb.Run(context.Background(), env, map[string][]string{"ResourceId": {"r"}, "DurationSeconds": {"5"}}, log.report); err != nil {
			t.Fatal(err)
		}
		if len(log.reports) != 2 || log.reports[0].State != configd.StepPending || log.reports[1].State != configd.StepSucceeded {
			t.Fatalf("reports %+v", log.reports)
		}
		if d := log.reports[1].StopTime.Sub(log.reports[1].StartTime); d != 5*time.Second {
			t.Fatalf("step took %s on the injected clock, want 5s", d)
		}
	})
	t.Run("OKMemoryCounter", func(t *testing.T) {
		env, _ := testEnv("http://127.0.0.1:1")
		params := map[string][]string{"ResourceId": {"mem-" + t.Name()}, "FailTimes": {"1"}}
		if err, _ := run(t, r, env, TestRunbookName, params); err == nil {
			t.Fatal("first execution succeeded")
		}
		if err, _ := run(t, r, env, TestRunbookName, params); err != nil {
			t.Fatalf("second execution: %v", err)
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		env, _ := testEnv("http://127.0.0.1:1")
		env.Sleep = nil // the real timer
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rb, _ := r.Lookup(TestRunbookName)
		log := &stepLog{}
		err := rb.Run(ctx, env, map[string][]string{"ResourceId": {"r"}, "DurationSeconds": {"60"}}, log.report)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("ErrCounter", func(t *testing.T) {
		env, _ := testEnv("http://127.0.0.1:1")
		env.Counter = func(context.Context, string) (int, error) { return 0, errors.New("store down") }
		err, log := run(t, r, env, TestRunbookName, map[string][]string{"ResourceId": {"r"}})
		if err == nil || !strings.Contains(log.message("Run"), "store down") {
			t.Fatalf("error %v, message %q", err, log.message("Run"))
		}
	})
	t.Run("ErrDurationSeconds", func(t *testing.T) {
		env, _ := testEnv("http://127.0.0.1:1")
		for _, d := range []string{"-1", "ten", "90000"} {
			if err, _ := run(t, r, env, TestRunbookName, map[string][]string{"ResourceId": {"r"}, "DurationSeconds": {d}}); err == nil {
				t.Fatalf("DurationSeconds %s accepted", d)
			}
		}
	})
}

func TestNoopRunbook(t *testing.T) {
	r := newRegistry(t)
	t.Run("OK", func(t *testing.T) {
		env, _ := testEnv("http://127.0.0.1:1")
		err, log := run(t, r, env, NoopRunbookName, map[string][]string{"ResourceId": {"x"}})
		if err != nil || log.final() != "Noop:SUCCEEDED" {
			t.Fatalf("error %v, steps %s", err, log.final())
		}
	})
	t.Run("ErrUnknownParameter", func(t *testing.T) {
		env, _ := testEnv("http://127.0.0.1:1")
		if err, _ := run(t, r, env, NoopRunbookName, map[string][]string{"Bucket": {"x"}}); err == nil {
			t.Fatal("unknown parameter accepted")
		}
	})
}
