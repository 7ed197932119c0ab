// Command load is configd's load generator. It signs AWS Config JSON 1.1
// requests ahead of time with aws-sdk-go-v2's SigV4 signer, sends them over
// keep-alive connections at a fixed concurrency to a server on a loopback
// address (configd, moto server, or the no-op ceiling in bench/noop), and
// reports throughput and latency percentiles per operation.
//
//	load run -url http://127.0.0.1:4599 -name configd -c 16 -d 10s -out configd.json
//	load compare -subject configd -peer moto -ceiling noop configd.json moto.json noop.json
//
// It stops by itself: each phase after its duration or its request count,
// the whole run after -max-time.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/configd/configd/bench/internal/signed"
)

// The benchmark's credentials; bench/run.sh gives configd a credentials file
// with this key, so configd verifies every signature.
const (
	defaultAccessKey = "AKIDCONFIGDBENCH0001"
	defaultSecretKey = "configd-bench-secret-0123456789abcdefghij"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "load:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: load run [flags] | load compare [flags] RESULT.json...")
		return flag.ErrHelp
	}
	switch args[0] {
	case "run":
		return runLoad(ctx, args[1:], stdout, stderr)
	case "compare":
		return runCompare(args[1:], stdout, stderr)
	}
	return fmt.Errorf("unknown command %q: want run or compare", args[0])
}

func runLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("load run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		rawURL      = fs.String("url", "http://127.0.0.1:4599", "server URL (loopback only); several, comma-separated, for one system served by several processes: the workers' connections are spread over them as by a TCP load balancer, and every request is signed for the first URL's host")
		name        = fs.String("name", "", "system name in the report (default: the URL)")
		conc        = fs.Int("c", 16, "concurrency: workers, each with one keep-alive connection")
		dur         = fs.Duration("d", 10*time.Second, "measured duration of each phase")
		warmup      = fs.Duration("warmup", 2*time.Second, "unmeasured warm-up before each phase")
		phases      = fs.String("phases", strings.Join(OpNames, ","), "comma-separated phases, or none; a phase is an op or a mix op:weight+op:weight; ops: "+strings.Join(OpNames, ", "))
		maxReq      = fs.Int("n", 100_000, "most requests of a phase's put-new op (each a new resource, signed ahead), and the largest pool of any op")
		poolSize    = fs.Int("pool", 16384, "distinct signed requests of a reusable op, sent round and round")
		poolMB      = fs.Int("pool-mb", 32, "memory bound of a reusable op's pool, in MB")
		keys        = fs.Int("keys", 2000, "resources that exist on the server (srv-00000000 ...), read by get*, history and put-update")
		versions    = fs.Int("versions", 3, "versions of each existing resource (for -preload)")
		updateKeys  = fs.Int("update-keys", 100, "resources put-update writes new versions of")
		preload     = fs.Bool("preload", false, "before the phases, put -versions versions of -keys resources (unmeasured)")
		setup       = fs.Bool("setup", true, "before the phases, create and start a recorder with a delivery channel")
		pids        = fs.String("server-pid", "", "server process id, to measure its CPU time and peak RSS (optional); several, comma-separated, for a system of several processes (their sum)")
		dbPID       = fs.Int("db-pid", 0, "database server process id (PostgreSQL's postmaster), whose CPU time and its children's counts as the server's (optional)")
		out         = fs.String("out", "", "write the result as JSON to this file")
		timeout     = fs.Duration("timeout", 30*time.Second, "bound on one request")
		maxTime     = fs.Duration("max-time", 15*time.Minute, "bound on the whole run")
		accessKey   = fs.String("access-key", defaultAccessKey, "access key ID to sign with")
		secretKey   = fs.String("secret-key", defaultSecretKey, "secret access key to sign with")
		region      = fs.String("region", "us-east-1", "region to sign for")
		seed        = fs.Uint64("seed", 1, "seed of the key choice")
		runID       = fs.String("run-id", strconv.FormatInt(time.Now().UnixNano()%1e9, 36), "tag of the ids put-new creates")
		quietVerify = fs.Bool("no-verify", false, "skip reading back stored items before the phases")
		sampleDir   = fs.String("sample-dir", "", "before the phases, send one request of each read op and write the body of its answer to DIR/OP.json (what bench/noop -reply answers, for a ceiling with replies of the same size)")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *conc < 1 || *conc > 1024 || *dur <= 0 || *maxReq < 1 || *poolSize < 1 {
		return fmt.Errorf("want 1 <= -c <= 1024, -d > 0, -n >= 1, -pool >= 1")
	}
	ctx, cancel := context.WithTimeout(ctx, *maxTime)
	defer cancel()
	target, err := ParseTargets(ctx, *rawURL)
	if err != nil {
		return err
	}
	serverPIDs, err := parsePIDs(*pids)
	if err != nil {
		return err
	}
	c := Corpus{Keys: *keys, Versions: *versions, UpdateKeys: *updateKeys, Run: *runID, Seed: *seed}
	ops := Ops(c)
	var phs []Phase
	if *phases != "none" {
		if phs, err = ParsePhases(*phases, ops); err != nil {
			return err
		}
	}
	var all []string
	for _, ph := range phs {
		all = append(all, ph.Ops...)
	}
	if err := c.Validate(all); err != nil {
		return err
	}
	if *name == "" {
		*name = *rawURL
	}
	r := &Runner{
		Target:      target,
		Signer:      &signed.Signer{Host: target.Host, Region: *region, Creds: aws.Credentials{AccessKeyID: *accessKey, SecretAccessKey: *secretKey}},
		Concurrency: *conc, Duration: *dur, Warmup: *warmup, MaxRequests: *maxReq, Pool: *poolSize, PoolBytes: *poolMB << 20,
		Timeout: *timeout, ServerPIDs: serverPIDs, DatabasePID: *dbPID, Ops: ops,
	}
	defer r.Close()
	res := &Result{System: *name, URL: *rawURL, Concurrency: *conc, Started: time.Now().UTC(), Host: hostInfo()}
	if *setup {
		if err := r.Setup(ctx); err != nil {
			return err
		}
	}
	if *preload {
		t0 := time.Now()
		if err := r.Preload(ctx, *keys, *versions); err != nil {
			return err
		}
		res.Preloaded = *keys * *versions
		fmt.Fprintf(stderr, "%s: preloaded %d resources × %d versions in %.1fs\n", *name, *keys, *versions, time.Since(t0).Seconds())
	}
	if !*quietVerify {
		if res.Verify, err = r.Verify(ctx, c); err != nil {
			return err
		}
	}
	if *sampleDir != "" {
		if err := r.Sample(ctx, *sampleDir); err != nil {
			return err
		}
	}
	for _, ph := range phs {
		pr, err := r.RunPhase(ctx, ph)
		if err != nil {
			return err
		}
		res.Phases = append(res.Phases, pr)
		o := pr.Ops[0]
		fmt.Fprintf(stderr, "%s: %-12s %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d  (signed %d in %.1fs)\n",
			*name, ph.Name, pr.total()/pr.Seconds, o.P50, o.P99, o.Errors+o.TransportErrors, pr.Signed, pr.SignSeconds)
	}
	for _, pid := range serverPIDs {
		res.ServerPeakRSSKB += peakRSSKB(pid)
	}
	res.WriteText(stdout)
	if *out != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// parsePIDs parses a comma-separated list of process ids ("" is none).
func parsePIDs(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		pid, err := strconv.Atoi(f)
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("-server-pid %q: want process ids separated by commas", s)
		}
		out = append(out, pid)
	}
	return out, nil
}

// total returns the number of requests answered in the phase.
func (p PhaseResult) total() float64 {
	var n int64
	for _, o := range p.Ops {
		n += o.Count
	}
	return float64(n)
}
