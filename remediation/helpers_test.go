package remediation

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/pgtest"
	"github.com/configd/configd/postgres"
	"github.com/configd/configd/runbook"
	"github.com/configd/configd/service"
	"github.com/configd/configd/sqlite"
)

var ctx = context.Background()

var scope = configd.Scope{AccountID: "123456789012", Region: "us-east-1"}

const (
	bucketType = "AWS::S3::Bucket"
	ruleName   = "s3-encrypted"
)

func key(id string) configd.ResourceKey {
	return configd.ResourceKey{ResourceType: bucketType, ResourceID: id}
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// gate is an injected runbook Sleep that blocks each sleeper until the test
// releases it, and tells the test when one is waiting.
type gate struct {
	waiting chan struct{}
	release chan struct{}
}

func newGate() *gate { return &gate{waiting: make(chan struct{}, 100), release: make(chan struct{})} }

func (g *gate) Sleep(ctx context.Context, d time.Duration) error {
	g.waiting <- struct{}{}
	select {
	case <-g.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// harness is an engine over a fresh SQLite store with an injected clock.
type harness struct {
	t     *testing.T
	db    configd.Store
	clock *clock
	svc   *service.Service
	eng   *Engine
	reg   *prometheus.Registry
	rer   *recorded
}

type recorded struct {
	mu   sync.Mutex
	keys []configd.ResourceKey
}

func (r *recorded) list() []configd.ResourceKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]configd.ResourceKey(nil), r.keys...)
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Stores the harness runs on.
const (
	onSQLite   = "sqlite"
	onPostgres = "postgres"
)

// openStore opens a fresh store of the kind: SQLite in a temporary
// directory, or a PostgreSQL schema of its own (pgtest skips the test when
// no server can be had, and fails it in CI).
func openStore(t *testing.T, kind string) configd.Store {
	t.Helper()
	var db configd.Store
	var err error
	switch kind {
	case onSQLite:
		db, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "configd.db"))
	case onPostgres:
		db, err = postgres.Open(ctx, pgtest.Database(t))
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// eachStore runs f on SQLite and on PostgreSQL, as subtests.
func eachStore(t *testing.T, f func(t *testing.T, kind string)) {
	for _, kind := range []string{onSQLite, onPostgres} {
		t.Run(kind, func(t *testing.T) { f(t, kind) })
	}
}

func newHarness(t *testing.T, mod ...func(*Options)) *harness {
	t.Helper()
	return newHarnessOn(t, onSQLite, mod...)
}

func newHarnessOn(t *testing.T, kind string, mod ...func(*Options)) *harness {
	t.Helper()
	db := openStore(t, kind)
	var err error
	h := &harness{t: t, db: db, clock: &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}, reg: prometheus.NewRegistry(), rer: &recorded{}}
	h.svc = service.New(service.Options{Store: db, Clock: h.clock, Logger: testLogger()})
	reg, err := runbook.NewRegistry("")
	if err != nil {
		t.Fatal(err)
	}
	o := Options{
		Service: h.svc, Runbooks: reg, Clock: h.clock, Logger: testLogger(), Metrics: NewMetrics(h.reg), Owner: "worker-a",
		Sleep: func(context.Context, time.Duration) error { return nil },
		Rerecord: func(_ context.Context, _ configd.Scope, k configd.ResourceKey) error {
			h.rer.mu.Lock()
			h.rer.keys = append(h.rer.keys, k)
			h.rer.mu.Unlock()
			return nil
		},
	}
	for _, f := range mod {
		f(&o)
	}
	if h.eng, err = New(o); err != nil {
		t.Fatal(err)
	}
	h.svc.AddComplianceListener(h.eng)
	t.Cleanup(h.eng.Stop)
	h.putRule(ruleName)
	return h
}

// other returns a second engine on the same store and clock (another
// process), under owner.
func (h *harness) other(owner string) *Engine {
	reg, _ := runbook.NewRegistry("")
	e, err := New(Options{Service: h.svc, Runbooks: reg, Clock: h.clock, Logger: testLogger(), Owner: owner,
		Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(e.Stop)
	return e
}

func (h *harness) putRule(name string) {
	h.t.Helper()
	err := h.db.Write(ctx, func(tx configd.Tx) error {
		return tx.PutRule(ctx, scope, &configd.ConfigRule{Name: name, ARN: scope.ARN("config", "config-rule/"+name), ID: "config-rule-" + name,
			Source: configd.RuleSource{Owner: configd.OwnerAWS, SourceIdentifier: "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"}, State: configd.RuleStateActive})
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// testConfig is a configuration of Configd-TestRunbook on ruleName.
func testConfig(automatic bool, failTimes string) *configd.RemediationConfiguration {
	return &configd.RemediationConfiguration{
		RuleName: ruleName, TargetType: "SSM_DOCUMENT", TargetID: runbook.TestRunbookName, ResourceType: bucketType, Automatic: automatic,
		Parameters: map[string]configd.RemediationParameter{
			"ResourceId": {ResourceValue: "RESOURCE_ID"},
			"FailTimes":  {StaticValues: []string{failTimes}},
		},
	}
}

func (h *harness) put(cs ...*configd.RemediationConfiguration) *service.PutRemediationConfigurationsResult {
	h.t.Helper()
	res, err := h.eng.PutRemediationConfigurations(ctx, scope, cs)
	if err != nil {
		h.t.Fatal(err)
	}
	if len(res.Failed) > 0 {
		h.t.Fatalf("failed batches: %+v", res.Failed)
	}
	return res
}

// evaluate stores a result through the service's single write path, which
// tells the engine.
func (h *harness) evaluate(id, compliance string) {
	h.t.Helper()
	now := h.clock.Now()
	err := h.db.Write(ctx, func(tx configd.Tx) error {
		return h.svc.StoreEvaluation(ctx, tx, scope, &configd.EvaluationResult{
			RuleName: ruleName, ResourceType: bucketType, ResourceID: id, EvaluationMode: configd.EvaluationModeDetective,
			ComplianceType: compliance, ResultRecordedTime: now, ConfigRuleInvokedTime: now, OrderingTimestamp: now,
		})
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) start(ids ...string) *service.StartRemediationResult {
	h.t.Helper()
	var keys []configd.ResourceKey
	for _, id := range ids {
		keys = append(keys, key(id))
	}
	res, err := h.eng.StartRemediationExecution(ctx, scope, ruleName, keys)
	if err != nil {
		h.t.Fatal(err)
	}
	return res
}

func (h *harness) runOnce(e *Engine) int {
	h.t.Helper()
	if e == nil {
		e = h.eng
	}
	n, err := e.RunOnce(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

func (h *harness) history(id string) []*configd.RemediationExecution {
	h.t.Helper()
	hist, err := h.svc.RemediationExecutionHistory(ctx, scope, ruleName, key(id))
	if err != nil {
		h.t.Fatal(err)
	}
	return hist
}

func (h *harness) latest(id string) *configd.RemediationExecution {
	h.t.Helper()
	es, err := h.eng.DescribeRemediationExecutionStatus(ctx, scope, ruleName, []configd.ResourceKey{key(id)}, nil, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	if len(es) != 1 {
		h.t.Fatalf("%s: %d latest executions, want 1", id, len(es))
	}
	return es[0]
}

func (h *harness) exception(id string) *configd.RemediationException {
	h.t.Helper()
	var ex *configd.RemediationException
	err := h.db.Read(ctx, func(tx configd.Tx) error {
		var err error
		ex, err = tx.GetRemediationException(ctx, scope, ruleName, key(id))
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return ex
}

func (h *harness) active() (active, inProgress int) {
	h.t.Helper()
	err := h.db.Read(ctx, func(tx configd.Tx) error {
		var err error
		active, inProgress, err = tx.CountActiveExecutions(ctx, scope, ruleName)
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return active, inProgress
}

// counter sums the values of the counters and gauges c collects.
func counter(c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric, 1000)
	c.Collect(ch)
	close(ch)
	sum := 0.0
	for m := range ch {
		var d dto.Metric
		if err := m.Write(&d); err != nil {
			panic(err)
		}
		switch {
		case d.Counter != nil:
			sum += d.Counter.GetValue()
		case d.Gauge != nil:
			sum += d.Gauge.GetValue()
		case d.Histogram != nil:
			sum += float64(d.Histogram.GetSampleCount())
		}
	}
	return sum
}

// waitFor polls cond until it holds or a few seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func states(es []*configd.RemediationExecution) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.State)
	}
	return out
}
