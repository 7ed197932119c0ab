// Command remediation measures configd's remediation engine on this machine,
// with the built-in no-op runbook (Configd-NoopRunbook) over a fresh SQLite
// store, in three phases:
//
//   - trigger: the latency from a NON_COMPLIANT evaluation of an Automatic
//     rule (the commit of the result) to its remediation running (the
//     runbook called, after the execution became IN_PROGRESS), over -n
//     resources evaluated at -rate per second;
//
//   - throughput: executions per second across -m distinct resources,
//     started with StartRemediationExecution (100 keys a call) and run to
//     SUCCEEDED by the engine's workers;
//
//   - hotkey: -hot concurrent StartRemediationExecution calls on one
//     resource through the AWS SDK and configd's HTTP edge: latency of the
//     answers and the number of executions created (must be exactly one).
//
//     go run ./bench/remediation -n 2000 -m 5000 -hot 1000
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/configd/configd"
	"github.com/configd/configd/awsjson"
	"github.com/configd/configd/pagetoken"
	"github.com/configd/configd/remediation"
	"github.com/configd/configd/runbook"
	"github.com/configd/configd/service"
	"github.com/configd/configd/sqlite"
)

var scope = configd.Scope{AccountID: "123456789012", Region: "us-east-1"}

const bucketType = "AWS::S3::Bucket"

func main() {
	n := flag.Int("n", 2000, "trigger phase: resources evaluated NON_COMPLIANT")
	rate := flag.Int("rate", 200, "trigger phase: NON_COMPLIANT evaluations stored per second")
	m := flag.Int("m", 5000, "throughput phase: distinct resources remediated")
	hot := flag.Int("hot", 1000, "hotkey phase: concurrent starts on one resource")
	workers := flag.Int("workers", remediation.DefaultWorkers, "executions run at once by the engine")
	flag.Parse()
	if err := run(*n, *rate, *m, *hot, *workers); err != nil {
		log.Fatal(err)
	}
}

// bench is one engine over a fresh store.
type bench struct {
	dir  string
	db   *sqlite.DB
	svc  *service.Service
	eng  *remediation.Engine
	runs *timingRunbooks
}

func open(ctx context.Context, workers int) (*bench, error) {
	dir, err := os.MkdirTemp("", "configd-bench-remediation")
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "configd.db"))
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(service.Options{Store: db, Logger: logger})
	reg, err := runbook.NewRegistry("")
	if err != nil {
		return nil, err
	}
	b := &bench{dir: dir, db: db, svc: svc, runs: &timingRunbooks{Registry: reg}}
	b.eng, err = remediation.New(remediation.Options{Service: svc, Runbooks: b.runs, Logger: logger, Workers: workers, PollInterval: 200 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	svc.AddComplianceListener(b.eng)
	err = db.Write(ctx, func(tx configd.Tx) error {
		return tx.PutRule(ctx, scope, &configd.ConfigRule{Name: "bench", ARN: scope.ARN("config", "config-rule/bench"), ID: "config-rule-bench",
			Source: configd.RuleSource{Owner: configd.OwnerAWS, SourceIdentifier: "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"}, State: configd.RuleStateActive})
	})
	return b, err
}

func (b *bench) close() {
	b.eng.Stop()
	b.db.Close()
	os.RemoveAll(b.dir)
}

func (b *bench) configure(ctx context.Context, automatic bool) error {
	_, err := b.eng.PutRemediationConfigurations(ctx, scope, []*configd.RemediationConfiguration{{
		RuleName: "bench", TargetType: "SSM_DOCUMENT", TargetID: runbook.NoopRunbookName, ResourceType: bucketType, Automatic: automatic,
		Parameters: map[string]configd.RemediationParameter{"ResourceId": {ResourceValue: "RESOURCE_ID"}},
	}})
	return err
}

// timingRunbooks records when each resource's runbook was called.
type timingRunbooks struct {
	*runbook.Registry
	mu      sync.Mutex
	started map[string]time.Time
	done    atomic.Int64
}

func (t *timingRunbooks) Lookup(name string) (runbook.Runbook, bool) {
	rb, ok := t.Registry.Lookup(name)
	if !ok {
		return nil, false
	}
	return timed{rb, t}, true
}

type timed struct {
	runbook.Runbook
	t *timingRunbooks
}

func (r timed) Run(ctx context.Context, env runbook.Env, params map[string][]string, report runbook.StepReporter) error {
	now := time.Now()
	r.t.mu.Lock()
	if r.t.started != nil {
		if id := params["ResourceId"]; len(id) == 1 {
			if _, seen := r.t.started[id[0]]; !seen {
				r.t.started[id[0]] = now
			}
		}
	}
	r.t.mu.Unlock()
	err := r.Runbook.Run(ctx, env, params, report)
	r.t.done.Add(1)
	return err
}

func run(n, rate, m, hot, workers int) error {
	ctx := context.Background()
	fmt.Printf("configd remediation benchmark: %d workers, SQLite, Configd-NoopRunbook\n\n", workers)
	if err := trigger(ctx, n, rate, workers); err != nil {
		return fmt.Errorf("trigger: %w", err)
	}
	if err := throughput(ctx, m, workers); err != nil {
		return fmt.Errorf("throughput: %w", err)
	}
	if err := hotkey(ctx, hot, workers); err != nil {
		return fmt.Errorf("hotkey: %w", err)
	}
	return nil
}

func trigger(ctx context.Context, n, rate, workers int) error {
	b, err := open(ctx, workers)
	if err != nil {
		return err
	}
	defer b.close()
	if err := b.configure(ctx, true); err != nil {
		return err
	}
	b.runs.started = map[string]time.Time{}
	b.eng.Start(ctx)
	// Evaluations arrive at a steady rate, each stored in its own
	// transaction through the service's single write path (which tells the
	// engine), as the evaluator stores them.
	committed := make([]time.Time, n)
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	interval := time.Second / time.Duration(rate)
	begin := time.Now()
	for i := 0; i < n; i++ {
		time.Sleep(time.Until(begin.Add(time.Duration(i) * interval)))
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			committed[i] = time.Now() // before the write: an upper bound
			err := b.db.Write(ctx, func(tx configd.Tx) error {
				now := time.Now().UTC()
				return b.svc.StoreEvaluation(ctx, tx, scope, &configd.EvaluationResult{RuleName: "bench", ResourceType: bucketType, ResourceID: id(i),
					EvaluationMode: configd.EvaluationModeDetective, ComplianceType: configd.NonCompliant,
					ResultRecordedTime: now, ConfigRuleInvokedTime: now, OrderingTimestamp: now})
			})
			if err != nil {
				errOnce.Do(func() { firstErr = err })
			}
		}(i)
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	deadline := time.Now().Add(2 * time.Minute)
	for b.runs.done.Load() < int64(n) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d remediations ran", b.runs.done.Load(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var lat []time.Duration
	b.runs.mu.Lock()
	for i := 0; i < n; i++ {
		lat = append(lat, b.runs.started[id(i)].Sub(committed[i]))
	}
	b.runs.mu.Unlock()
	fmt.Printf("trigger:    NON_COMPLIANT evaluation stored -> IN_PROGRESS (runbook called), %d resources at %d evaluations/s\n", n, rate)
	fmt.Printf("            p50 %s  p90 %s  p99 %s  max %s   (target: p99 < 100ms)\n\n", pct(lat, 50), pct(lat, 90), pct(lat, 99), pct(lat, 100))
	return nil
}

func throughput(ctx context.Context, m, workers int) error {
	b, err := open(ctx, workers)
	if err != nil {
		return err
	}
	defer b.close()
	if err := b.configure(ctx, false); err != nil {
		return err
	}
	b.eng.Start(ctx)
	start := time.Now()
	for i := 0; i < m; i += 100 {
		var keys []configd.ResourceKey
		for j := i; j < min(i+100, m); j++ {
			keys = append(keys, configd.ResourceKey{ResourceType: bucketType, ResourceID: id(j)})
		}
		if _, err := b.eng.StartRemediationExecution(ctx, scope, "bench", keys); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var active int
		err := b.db.Read(ctx, func(tx configd.Tx) error {
			var err error
			active, _, err = tx.CountActiveExecutions(ctx, scope, "bench")
			return err
		})
		if err != nil {
			return err
		}
		if active == 0 {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d executions still active", active)
		}
		time.Sleep(5 * time.Millisecond)
	}
	el := time.Since(start)
	fmt.Printf("throughput: %d executions across distinct resources in %s: %.0f executions/s   (target: >= 500/s)\n\n", m, el.Round(time.Millisecond), float64(m)/el.Seconds())
	return nil
}

func hotkey(ctx context.Context, hot, workers int) error {
	b, err := open(ctx, workers)
	if err != nil {
		return err
	}
	defer b.close()
	// Keep the execution in flight for the whole phase.
	_, err = b.eng.PutRemediationConfigurations(ctx, scope, []*configd.RemediationConfiguration{{
		RuleName: "bench", TargetType: "SSM_DOCUMENT", TargetID: runbook.TestRunbookName, ResourceType: bucketType,
		Parameters: map[string]configd.RemediationParameter{"ResourceId": {ResourceValue: "RESOURCE_ID"}, "DurationSeconds": {StaticValues: []string{"60"}}},
	}})
	if err != nil {
		return err
	}
	b.eng.Start(ctx)
	key := make([]byte, 32)
	rand.Read(key)
	tokens, _ := pagetoken.New(key)
	api := awsjson.NewServer(&awsjson.Server{Service: b.svc, Auth: awsjson.EmulatorAuth{}, Tokens: tokens, Remediation: b.eng,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: api}
	go srv.Serve(ln)
	defer srv.Close()
	c := cs.New(cs.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + ln.Addr().String()),
		Credentials: credentials.NewStaticCredentialsProvider(scope.AccountID, "x", ""), RetryMaxAttempts: 1,
		HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: hot, MaxConnsPerHost: 0}}})
	// The ceiling: the same burst of a read-only call (DescribeRemediation-
	// Configurations), once to open the connections, once measured.
	burst := func(call func() error) []time.Duration {
		lat := make([]time.Duration, hot)
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i := 0; i < hot; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-gate
				t := time.Now()
				call()
				lat[i] = time.Since(t)
			}(i)
		}
		close(gate)
		wg.Wait()
		return lat
	}
	describe := func() error {
		_, err := c.DescribeRemediationConfigurations(ctx, &cs.DescribeRemediationConfigurationsInput{ConfigRuleNames: []string{"bench"}})
		return err
	}
	burst(describe)
	base := burst(describe)
	in := &cs.StartRemediationExecutionInput{ConfigRuleName: aws.String("bench"), ResourceKeys: []types.ResourceKey{{ResourceType: types.ResourceTypeBucket, ResourceId: aws.String("hot")}}}
	var ok, refused, other atomic.Int64
	lat := burst(func() error {
		out, err := c.StartRemediationExecution(ctx, in)
		var ip *types.RemediationInProgressException
		switch {
		case errors.As(err, &ip):
			refused.Add(1)
		case err == nil && len(out.FailedItems) == 0:
			ok.Add(1)
		default:
			other.Add(1)
		}
		return err
	})
	// The same burst without HTTP and the SDK: the engine's own share.
	var eok atomic.Int64
	engLat := burst(func() error {
		res, err := b.eng.StartRemediationExecution(ctx, scope, "bench", []configd.ResourceKey{{ResourceType: bucketType, ResourceID: "hot2"}})
		if err == nil && len(res.Started) == 1 {
			eok.Add(1)
		}
		return err
	})
	var execs int
	err = b.db.Read(ctx, func(tx configd.Tx) error {
		h, err := tx.ExecutionHistory(ctx, scope, "bench", configd.ResourceKey{ResourceType: bucketType, ResourceID: "hot"})
		execs = len(h)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Printf("hotkey:     %d concurrent StartRemediationExecution on one resource, through the SDK and HTTP\n", hot)
	fmt.Printf("            p50 %s  p99 %s  max %s   (target: p99 < 50ms)\n", pct(lat, 50), pct(lat, 99), pct(lat, 100))
	fmt.Printf("            ceiling, the same burst of DescribeRemediationConfigurations (read-only): p50 %s  p99 %s\n", pct(base, 50), pct(base, 99))
	fmt.Printf("            engine only (in process, no HTTP), another resource: p50 %s  p99 %s  max %s, started %d\n", pct(engLat, 50), pct(engLat, 99), pct(engLat, 100), eok.Load())
	fmt.Printf("            started %d, refused with RemediationInProgressException %d, other %d; executions stored %d (target: exactly 1)\n", ok.Load(), refused.Load(), other.Load(), execs)
	if execs != 1 || ok.Load() != 1 || other.Load() != 0 || eok.Load() != 1 {
		return fmt.Errorf("the guard let %d executions through (%d calls started one)", execs, ok.Load())
	}
	return nil
}

func id(i int) string { return fmt.Sprintf("bucket-%06d", i) }

// pct returns the p-th percentile of ds (nearest rank).
func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	i := (len(s)*p+99)/100 - 1
	i = max(0, min(i, len(s)-1))
	return s[i].Round(10 * time.Microsecond)
}
