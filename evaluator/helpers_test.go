package evaluator_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/evaluator"
	"github.com/configd/configd/pagetoken"
	"github.com/configd/configd/service"
	"github.com/configd/configd/sqlite"
)

var ctx = context.Background()

var scopeA = configd.Scope{AccountID: "111111111111", Region: "us-east-1"}

// t0 is the start of every test's clock.
var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// env is an engine over a fresh SQLite store, with the service that records
// items (and queues their evaluation).
type env struct {
	t      testing.TB
	store  *sqlite.DB
	svc    *service.Service
	clock  *fakeClock
	tokens *pagetoken.Codec
	eng    *evaluator.Engine
	fns    *fakeFunctions
}

func newEnv(t testing.TB, mod ...func(*evaluator.Options)) *env {
	t.Helper()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "configd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := &fakeClock{now: t0}
	tokens, err := pagetoken.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(service.Options{Store: db, Clock: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	fns := &fakeFunctions{}
	o := evaluator.Options{Store: db, Results: svc, Tokens: tokens, Clock: clock, Functions: fns,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Backoff: &evaluator.Backoff{Base: time.Second, Cap: time.Minute}}
	for _, f := range mod {
		f(&o)
	}
	return &env{t: t, store: db, svc: svc, clock: clock, tokens: tokens, eng: evaluator.New(o), fns: fns}
}

// putRule stores r (with its ARN and id) and the status PutConfigRule
// would give it, and queues its RuleUpdated evaluation.
func (e *env) putRule(r *configd.ConfigRule) {
	e.t.Helper()
	if r.ARN == "" {
		r.ARN = "arn:aws:config:us-east-1:" + scopeA.AccountID + ":config-rule/config-rule-" + r.Name
		r.ID = "config-rule-" + r.Name
	}
	r.State = configd.RuleStateActive
	e.write(func(tx configd.Tx) error {
		if err := tx.PutRule(ctx, scopeA, r); err != nil {
			return err
		}
		st, err := tx.GetRuleStatus(ctx, scopeA, r.Name)
		if err != nil {
			return err
		}
		if evaluator.TriggersOf(r).Periodic {
			st.NextScheduledRun = e.clock.Now().Add(evaluator.Frequency(r))
		}
		if err := tx.PutRuleStatus(ctx, scopeA, r.Name, st); err != nil {
			return err
		}
		_, err = tx.EnqueueJob(ctx, evaluator.RuleJob(scopeA, r.Name, configd.TriggerRuleUpdated, e.clock.Now()))
		return err
	})
}

// enqueue queues a whole-rule evaluation for trigger.
func (e *env) enqueue(rule, trigger string) {
	e.t.Helper()
	e.write(func(tx configd.Tx) error {
		_, err := tx.EnqueueJob(ctx, evaluator.RuleJob(scopeA, rule, trigger, e.clock.Now()))
		return err
	})
}

func (e *env) write(fn func(tx configd.Tx) error) {
	e.t.Helper()
	if err := e.store.Write(ctx, fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) read(fn func(tx configd.Tx) error) {
	e.t.Helper()
	if err := e.store.Read(ctx, fn); err != nil {
		e.t.Fatal(err)
	}
}

// record records ci in scopeA through the service (which queues its
// evaluation).
func (e *env) record(ci *configd.ConfigurationItem) {
	e.t.Helper()
	if _, err := e.svc.Record(ctx, scopeA, ci); err != nil {
		e.t.Fatal(err)
	}
}

// run runs every due job and returns how many ran.
func (e *env) run() int {
	e.t.Helper()
	n, err := e.eng.RunAll(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// results returns the results of rule as "type/id=COMPLIANCE" strings, sorted.
func (e *env) results(rule string) []string {
	e.t.Helper()
	var out []string
	e.read(func(tx configd.Tx) error {
		rs, err := tx.ListEvaluationResults(ctx, scopeA, configd.EvaluationFilter{RuleNames: []string{rule}}, nil, 0)
		for _, r := range rs {
			out = append(out, r.ResourceType+"/"+r.ResourceID+"="+r.ComplianceType)
		}
		return err
	})
	sort.Strings(out)
	return out
}

// result returns one result, or nil.
func (e *env) result(rule, typ, id string) *configd.EvaluationResult {
	e.t.Helper()
	var out *configd.EvaluationResult
	e.read(func(tx configd.Tx) error {
		var err error
		out, err = tx.GetEvaluationResult(ctx, scopeA, rule, configd.ResourceKey{ResourceType: typ, ResourceID: id})
		return err
	})
	return out
}

func (e *env) status(rule string) *configd.RuleStatus {
	e.t.Helper()
	var st *configd.RuleStatus
	e.read(func(tx configd.Tx) error {
		var err error
		st, err = tx.GetRuleStatus(ctx, scopeA, rule)
		return err
	})
	return st
}

func (e *env) jobs() int {
	e.t.Helper()
	var n int
	e.read(func(tx configd.Tx) error {
		var err error
		n, err = tx.CountJobs(ctx, configd.JobEvaluate, configd.Scope{})
		return err
	})
	return n
}

func equal(t testing.TB, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}

// bucket returns an S3 bucket item with the given versioning status and tags.
func bucket(name, versioning string, tags map[string]string) *configd.ConfigurationItem {
	return &configd.ConfigurationItem{
		ResourceType: "AWS::S3::Bucket", ResourceID: name, ResourceName: name,
		ARN:           "arn:aws:s3:::" + name,
		Configuration: `{"name":"` + name + `","owner":{"id":"abc"},"creationDate":"2024-01-01T00:00:00.000Z"}`,
		SupplementaryConfiguration: map[string]string{
			"BucketVersioningConfiguration": `{"status":"` + versioning + `","isMfaDeleteEnabled":null}`,
		},
		Tags: tags,
	}
}

// fakeFunctions records the events of Lambda-style rules instead of
// running functions; fail makes invocations fail.
type fakeFunctions struct {
	mu     sync.Mutex
	events []evaluator.Event
	fail   error
}

func (f *fakeFunctions) Function(_ context.Context, _ configd.Scope, arn string) (evaluator.Function, error) {
	return f, nil
}

func (f *fakeFunctions) Invoke(_ context.Context, inv *evaluator.Invocation) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	var ev evaluator.Event
	if err := json.Unmarshal(inv.Event, &ev); err != nil {
		return err
	}
	f.events = append(f.events, ev)
	return nil
}

// take returns and forgets the events received.
func (f *fakeFunctions) take() []evaluator.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.events
	f.events = nil
	return out
}
