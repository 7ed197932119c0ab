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
//     resource through configd's HTTP edge (SigV4 verified): latency of the
//     answers and the number of executions created (must be exactly one).
//     The calls are sent twice, on two resources: as pre-signed requests
//     on -hot open keep-alive connections (the measure: a client's work is
//     off the two cores, as with bench/load), and by -hot aws-sdk-go-v2
//     clients in this process (whose serialization and signing share the
//     cores with the server). Each burst is set against the same burst of
//     a read-only call, DescribeRemediationConfigurations (the ceiling).
//
//     go run ./bench/remediation -n 2000 -m 5000 -hot 1000
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
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
	"runtime/pprof"
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
	"github.com/configd/configd/bench/internal/signed"
	"github.com/configd/configd/keyring"
	"github.com/configd/configd/pagetoken"
	"github.com/configd/configd/remediation"
	"github.com/configd/configd/runbook"
	"github.com/configd/configd/service"
	"github.com/configd/configd/sqlite"
)

var scope = configd.Scope{AccountID: "123456789012", Region: "us-east-1"}

var cpuProfile string

const bucketType = "AWS::S3::Bucket"

func main() {
	n := flag.Int("n", 2000, "trigger phase: resources evaluated NON_COMPLIANT")
	rate := flag.Int("rate", 200, "trigger phase: NON_COMPLIANT evaluations stored per second")
	m := flag.Int("m", 5000, "throughput phase: distinct resources remediated")
	hot := flag.Int("hot", 1000, "hotkey phase: concurrent starts on one resource")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of 50 more pre-signed hotkey bursts (client and server, one process) to this file")
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
	cred := keyring.Key{AccessKeyID: "AKIDBENCHREMEDIATION", SecretAccessKey: "bench-secret-0123456789012345678901234567", AccountID: scope.AccountID}
	keys, err := keyring.New([]keyring.Key{cred})
	if err != nil {
		return err
	}
	api := awsjson.NewServer(&awsjson.Server{Service: b.svc, Auth: awsjson.NewSigV4Auth(keys, nil), Tokens: tokens, Remediation: b.eng,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: api}
	go srv.Serve(ln)
	defer srv.Close()
	addr := ln.Addr().String()

	// Pre-signed requests on open connections.
	signer := &signed.Signer{Host: addr, Region: scope.Region, Creds: aws.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.SecretAccessKey}}
	describeReq, err := signer.Sign(ctx, "DescribeRemediationConfigurations", []byte(`{"ConfigRuleNames":["bench"]}`))
	if err != nil {
		return err
	}
	startReq, err := signer.Sign(ctx, "StartRemediationExecution",
		[]byte(`{"ConfigRuleName":"bench","ResourceKeys":[{"resourceType":"AWS::S3::Bucket","resourceId":"hot"}]}`))
	if err != nil {
		return err
	}
	conns := make([]*rawConn, hot)
	for i := range conns {
		if conns[i], err = dialRaw(addr); err != nil {
			return err
		}
		defer conns[i].c.Close()
	}
	rawBurst(conns, describeReq) // every server-side connection is served once before measuring
	rawBase, baseAnswers := rawBurst(conns, describeReq)
	rawLat, answers := rawBurst(conns, startReq)
	if n := baseAnswers["200"]; n != hot {
		return fmt.Errorf("the read-only burst: %v, want %d answers 200", baseAnswers, hot)
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		for range 50 {
			rawBurst(conns, startReq)
		}
		pprof.StopCPUProfile()
		f.Close()
	}

	// aws-sdk-go-v2 clients in this process.
	c := cs.New(cs.Options{Region: scope.Region, BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider(cred.AccessKeyID, cred.SecretAccessKey, ""), RetryMaxAttempts: 1,
		HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: hot, MaxConnsPerHost: 0}}})
	describe := func() error {
		_, err := c.DescribeRemediationConfigurations(ctx, &cs.DescribeRemediationConfigurationsInput{ConfigRuleNames: []string{"bench"}})
		return err
	}
	burst(hot, describe) // opens the connections
	base := burst(hot, describe)
	in := &cs.StartRemediationExecutionInput{ConfigRuleName: aws.String("bench"), ResourceKeys: []types.ResourceKey{{ResourceType: types.ResourceTypeBucket, ResourceId: aws.String("hot-sdk")}}}
	var ok, refused, other atomic.Int64
	lat := burst(hot, func() error {
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
	engLat := burst(hot, func() error {
		res, err := b.eng.StartRemediationExecution(ctx, scope, "bench", []configd.ResourceKey{{ResourceType: bucketType, ResourceID: "hot-engine"}})
		if err == nil && len(res.Started) == 1 {
			eok.Add(1)
		}
		return err
	})
	execs := map[string]int{}
	err = b.db.Read(ctx, func(tx configd.Tx) error {
		for _, id := range []string{"hot", "hot-sdk", "hot-engine"} {
			h, err := tx.ExecutionHistory(ctx, scope, "bench", configd.ResourceKey{ResourceType: bucketType, ResourceID: id})
			if err != nil {
				return err
			}
			execs[id] = len(h)
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("hotkey:     %d concurrent StartRemediationExecution on one resource, SigV4 verified (target: p99 < 50ms, exactly 1 execution)\n", hot)
	fmt.Printf("  pre-signed requests on %d open connections:\n", hot)
	fmt.Printf("            p50 %s  p99 %s  max %s; answers %v; executions stored %d\n", pct(rawLat, 50), pct(rawLat, 99), pct(rawLat, 100), answers, execs["hot"])
	fmt.Printf("            ceiling, the same burst of DescribeRemediationConfigurations (read-only): p50 %s  p99 %s\n", pct(rawBase, 50), pct(rawBase, 99))
	fmt.Printf("  %d aws-sdk-go-v2 clients in this process:\n", hot)
	fmt.Printf("            p50 %s  p99 %s  max %s; started %d, RemediationInProgressException %d, other %d; executions stored %d\n",
		pct(lat, 50), pct(lat, 99), pct(lat, 100), ok.Load(), refused.Load(), other.Load(), execs["hot-sdk"])
	fmt.Printf("            ceiling, the same burst of DescribeRemediationConfigurations (read-only): p50 %s  p99 %s\n", pct(base, 50), pct(base, 99))
	fmt.Printf("  engine only (in process, no HTTP): p50 %s  p99 %s  max %s; started %d\n", pct(engLat, 50), pct(engLat, 99), pct(engLat, 100), eok.Load())
	switch {
	case execs["hot"] != 1 || answers["200"] != 1 || answers["400 RemediationInProgressException"] != hot-1:
		return fmt.Errorf("pre-signed burst: answers %v, %d executions stored; want 1 started, %d refused, 1 execution", answers, execs["hot"], hot-1)
	case execs["hot-sdk"] != 1 || ok.Load() != 1 || other.Load() != 0:
		return fmt.Errorf("SDK burst: the guard let %d executions through (%d calls started one, %d other answers)", execs["hot-sdk"], ok.Load(), other.Load())
	case execs["hot-engine"] != 1 || eok.Load() != 1:
		return fmt.Errorf("engine burst: %d executions stored, %d started", execs["hot-engine"], eok.Load())
	}
	return nil
}

// burst runs call n times at once and returns the latency of each.
func burst(n int, call func() error) []time.Duration {
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := 0; i < n; i++ {
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

// rawConn is an open keep-alive connection that sends pre-built requests.
type rawConn struct {
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(addr string) (*rawConn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c.(*net.TCPConn).SetNoDelay(true)
	return &rawConn{c: c, br: bufio.NewReader(c)}, nil
}

// roundTrip writes req and reads the whole answer; it returns "200", or
// the status and the AWS error code of an error answer.
func (k *rawConn) roundTrip(req []byte) string {
	k.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := k.c.Write(req); err != nil {
		return "write error"
	}
	resp, err := http.ReadResponse(k.br, nil)
	if err != nil {
		return "read error"
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return "read error"
	case resp.StatusCode == http.StatusOK:
		if bytes.Contains(body, []byte(`"FailedItems":[{`)) {
			return "200 with FailedItems"
		}
		return "200"
	}
	var e struct {
		Type string `json:"__type"`
	}
	json.Unmarshal(body, &e)
	return fmt.Sprintf("%d %s", resp.StatusCode, e.Type)
}

// rawBurst sends req on every connection at once and returns each answer's
// latency (from its write to the end of its body) and the answers counted.
func rawBurst(conns []*rawConn, req []byte) ([]time.Duration, map[string]int) {
	lat := make([]time.Duration, len(conns))
	got := make([]string, len(conns))
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i, k := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			t := time.Now()
			got[i] = k.roundTrip(req)
			lat[i] = time.Since(t)
		}()
	}
	close(gate)
	wg.Wait()
	answers := map[string]int{}
	for _, g := range got {
		answers[g]++
	}
	return lat, answers
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
