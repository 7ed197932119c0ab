package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/configd/configd/bench/internal/corpus"
	"github.com/configd/configd/bench/internal/signed"
)

// fakeConfig is a loopback server that answers like AWS Config enough for
// the runner: {} for writes, no items for reads, ResourceNotDiscovered for
// history of unknown resources, and closes every closeEvery-th connection.
type fakeConfig struct {
	mu         sync.Mutex
	targets    map[string]int
	ids        map[string]int
	closeEvery int
	n          int
	failPuts   bool
}

func (f *fakeConfig) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), signed.TargetPrefix)
	f.mu.Lock()
	f.targets[op]++
	f.n++
	closeNow := f.closeEvery > 0 && f.n%f.closeEvery == 0
	if op == "PutResourceConfig" {
		var in struct{ ResourceId string }
		json.Unmarshal(body, &in)
		f.ids[in.ResourceId]++
	}
	f.mu.Unlock()
	if closeNow {
		w.Header().Set("Connection", "close")
	}
	w.Header().Set("Content-Type", signed.ContentType)
	switch {
	case op == "GetResourceConfigHistory":
		w.WriteHeader(400)
		io.WriteString(w, `{"__type":"com.amazonaws.starling.dove#ResourceNotDiscoveredException","message":"unknown"}`)
	case op == "PutResourceConfig" && f.failPuts:
		w.WriteHeader(400)
		io.WriteString(w, `{"__type":"NoRunningConfigurationRecorderException","message":"no"}`)
	case op == "BatchGetResourceConfig":
		io.WriteString(w, `{"baseConfigurationItems":[],"unprocessedResourceKeys":[]}`)
	default:
		io.WriteString(w, `{}`)
	}
}

func startFake(t *testing.T, closeEvery int) (*fakeConfig, *Runner) {
	t.Helper()
	f := &fakeConfig{targets: map[string]int{}, ids: map[string]int{}, closeEvery: closeEvery}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	target, err := ParseTarget(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := Corpus{Keys: 200, Versions: 2, UpdateKeys: 5, Run: "test", Seed: 1}
	r := &Runner{
		Target:      target,
		Signer:      &signed.Signer{Host: target.Host, Region: "us-east-1", Creds: aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "s"}},
		Concurrency: 4, Duration: 100 * time.Millisecond, MaxRequests: 50, Pool: 64, Timeout: 5 * time.Second,
		Ops: Ops(c),
	}
	t.Cleanup(r.Close)
	return f, r
}

func TestRunPhase(t *testing.T) {
	ctx := context.Background()
	t.Run("OKCountBound", func(t *testing.T) {
		f, r := startFake(t, 7)
		r.Duration, r.Warmup = time.Minute, 20*time.Millisecond
		res, err := r.RunPhase(ctx, Phase{Name: "put-new", Ops: []string{"put-new"}, Weights: []int{1}})
		if err != nil {
			t.Fatal(err)
		}
		o := res.Ops[0]
		if !res.Exhausted || o.Count != 50 || o.Errors != 0 || o.TransportErrors != 0 {
			t.Fatalf("put-new phase: exhausted %v, %d requests, %d errors, %d transport (%s); want 50 requests, no errors",
				res.Exhausted, o.Count, o.Errors, o.TransportErrors, o.FirstError)
		}
		// Each measured resource was put once; the warm-up put others.
		for i := range 50 {
			if id := corpus.NewResourceID("test", i); f.ids[id] != 1 {
				t.Errorf("measured resource %s put %d times; want once", id, f.ids[id])
			}
		}
		if len(f.ids) <= 50 {
			t.Errorf("%d resources put; want the warm-up's besides the 50 measured", len(f.ids))
		}
		if o.P50 <= 0 || o.P99 < o.P50 || o.Max < o.P99 || o.Throughput <= 0 {
			t.Errorf("figures %+v", o)
		}
	})
	t.Run("OKMix", func(t *testing.T) {
		f, r := startFake(t, 0)
		res, err := r.RunPhase(ctx, Phase{Name: "mix", Ops: []string{"get10", "history"}, Weights: []int{3, 1}})
		if err != nil {
			t.Fatal(err)
		}
		get, hist := res.Ops[0], res.Ops[1]
		if get.Count == 0 || get.Errors != 0 || hist.Errors != hist.Count || hist.ErrorCodes["ResourceNotDiscoveredException"] != hist.Count {
			t.Fatalf("mix: get10 %+v history %+v; want history answered with errors only", get, hist)
		}
		if ratio := float64(get.Count) / float64(hist.Count); ratio < 2 || ratio > 4 {
			t.Errorf("get10:history = %d:%d; want about 3:1", get.Count, hist.Count)
		}
		if res.Seconds < 0.1 || res.Seconds > 5 {
			t.Errorf("phase took %.2fs; want about the 0.1s duration", res.Seconds)
		}
		if f.targets["BatchGetResourceConfig"] < int(get.Count) {
			t.Errorf("server saw %d BatchGets; load counted %d", f.targets["BatchGetResourceConfig"], get.Count)
		}
	})
	t.Run("OKSpread", func(t *testing.T) {
		// Two processes behind one virtual balancer: the workers'
		// connections alternate between them, every request names the
		// first one's host.
		f1, r := startFake(t, 0)
		f2 := &fakeConfig{targets: map[string]int{}, ids: map[string]int{}}
		hosts := map[string]bool{}
		var mu sync.Mutex
		srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			mu.Lock()
			hosts[req.Host] = true
			mu.Unlock()
			f2.ServeHTTP(w, req)
		}))
		t.Cleanup(srv2.Close)
		second, err := ParseTarget(ctx, srv2.URL)
		if err != nil {
			t.Fatal(err)
		}
		r.Target.Spread = []string{r.Target.Dial, second.Dial}
		res, err := r.RunPhase(ctx, Phase{Name: "get1", Ops: []string{"get1"}, Weights: []int{1}})
		if err != nil {
			t.Fatal(err)
		}
		n1, n2 := f1.targets["BatchGetResourceConfig"], f2.targets["BatchGetResourceConfig"]
		if n1 == 0 || n2 == 0 || int64(n1+n2) < res.Ops[0].Count {
			t.Fatalf("requests per process %d and %d, %d counted; want both served", n1, n2, res.Ops[0].Count)
		}
		if len(hosts) != 1 || !hosts[r.Target.Host] {
			t.Fatalf("the second process saw hosts %v; want only %s", hosts, r.Target.Host)
		}
	})
	t.Run("OKDatabaseCPU", func(t *testing.T) {
		// The test process stands in for both the server and the
		// database: the database's part is counted, and counted in the
		// server's figure.
		_, r := startFake(t, 0)
		r.Duration = 500 * time.Millisecond
		r.ServerPIDs, r.DatabasePID = []int{os.Getpid()}, os.Getpid()
		res, err := r.RunPhase(ctx, Phase{Name: "get1", Ops: []string{"get1"}, Weights: []int{1}})
		if err != nil {
			t.Fatal(err)
		}
		if res.DatabaseCPU <= 0 || res.ServerCPU < 2*res.DatabaseCPU*0.9 {
			t.Fatalf("server CPU %.3f s, database CPU %.3f s; want the database's counted in the server's", res.ServerCPU, res.DatabaseCPU)
		}
	})
	t.Run("ErrTransport", func(t *testing.T) {
		_, r := startFake(t, 0)
		r.Target.Dial = "127.0.0.1:1" // nothing listens there
		res, err := r.RunPhase(ctx, Phase{Name: "get1", Ops: []string{"get1"}, Weights: []int{1}})
		if err != nil {
			t.Fatal(err)
		}
		if o := res.Ops[0]; o.TransportErrors == 0 || o.Count != 0 || o.FirstError == "" {
			t.Errorf("get1 against a closed port: %+v; want transport errors only", o)
		}
	})
}

func TestSetupPreload(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		f, r := startFake(t, 5)
		if err := r.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		if err := r.Preload(ctx, 30, 2); err != nil {
			t.Fatal(err)
		}
		if f.targets["StartConfigurationRecorder"] != 1 || f.targets["PutResourceConfig"] != 60 || len(f.ids) != 30 {
			t.Errorf("server saw %v with %d resources; want setup and 60 puts of 30 resources", f.targets, len(f.ids))
		}
		v, err := r.Verify(ctx, Corpus{Keys: 30, Seed: 1})
		if err != nil || !strings.Contains(v, "0 items") || !strings.Contains(v, "ResourceNotDiscoveredException") {
			t.Errorf("Verify = %q, %v", v, err)
		}
	})
	t.Run("ErrPreloadRefused", func(t *testing.T) {
		f, r := startFake(t, 0)
		f.failPuts = true
		err := r.Preload(ctx, 10, 1)
		if err == nil || !strings.Contains(err.Error(), "NoRunningConfigurationRecorderException") {
			t.Errorf("Preload against refusing server = %v", err)
		}
	})
}

func TestErrorCode(t *testing.T) {
	cases := []struct {
		body, header, want string
	}{
		{`{"__type":"InvalidLimitException","message":"x"}`, "", "InvalidLimitException"},
		{`{"__type":"com.amazonaws.starling.dove#NoSuchBucketException"}`, "", "NoSuchBucketException"},
		{`not json`, "ThrottlingException:http://internal.amazon.com/", "ThrottlingException"},
		{``, "", "HTTP503"},
	}
	for _, c := range cases {
		h := http.Header{}
		if c.header != "" {
			h.Set("X-Amzn-ErrorType", c.header)
		}
		if got := errorCode(503, h, []byte(c.body)); got != c.want {
			t.Errorf("errorCode(%q, %q) = %q; want %q", c.body, c.header, got, c.want)
		}
	}
}

func TestSample(t *testing.T) {
	ctx := context.Background()
	f, r := startFake(t, 0)
	dir := t.TempDir()
	// The fake answers history with an error: sampling fails on it.
	if err := r.Sample(ctx, dir); err == nil || !strings.Contains(err.Error(), "sample history") {
		t.Fatalf("Sample with a failing read = %v; want the history error", err)
	}
	delete(r.Ops, "history")
	if err := r.Sample(ctx, dir); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"get1", "get10", "get100", "list"} {
		b, err := os.ReadFile(filepath.Join(dir, op+".json"))
		if err != nil || len(b) == 0 {
			t.Errorf("sample of %s: %q, %v", op, b, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "get10.json")); string(b) != `{"baseConfigurationItems":[],"unprocessedResourceKeys":[]}` {
		t.Errorf("get10 sample %q is not the server's answer", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "put-new.json")); err == nil || f.targets["PutResourceConfig"] != 0 {
		t.Error("a write was sampled")
	}
}
