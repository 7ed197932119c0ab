package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/configd/configd/bench/internal/corpus"
	"github.com/configd/configd/bench/internal/signed"
)

// Runner drives one target with a fixed set of workers, each with its own
// keep-alive connection, through setup, preload and the measured phases.
type Runner struct {
	Target      Target
	Signer      *signed.Signer
	Concurrency int
	// Duration and Warmup bound each phase's measured and unmeasured parts.
	Duration, Warmup time.Duration
	// MaxRequests bounds a phase's requests of an op whose requests are all
	// distinct (put-new), and the pool of the others.
	MaxRequests int
	// Pool is the number of distinct requests of a reusable op, sent round
	// and round.
	Pool int
	// PoolBytes bounds the memory of a reusable op's pool (the pool gets
	// fewer requests when they are large).
	PoolBytes int
	// Timeout bounds one request.
	Timeout time.Duration
	// ServerPIDs, if set, are the server processes whose CPU time is
	// measured (several when the system is several processes).
	ServerPIDs []int
	// DatabasePID, if set, is a database server (PostgreSQL's postmaster)
	// whose CPU time, and that of its child processes, counts as the
	// server's too.
	DatabasePID int
	Ops         map[string]*Op

	conns []*conn
}

func (r *Runner) init() {
	if r.conns == nil {
		for w := range r.Concurrency {
			r.conns = append(r.conns, newConn(r.Target.dialFor(w), r.Timeout))
		}
	}
}

// Close closes the connections.
func (r *Runner) Close() {
	for _, c := range r.conns {
		c.close()
	}
}

// pool is a set of signed requests of one op, taken in order by all workers.
type pool struct {
	reqs  [][]byte
	cycle bool
	next  atomic.Int64
}

// take returns the next request, or false when a non-cycling pool is spent.
func (p *pool) take() ([]byte, bool) {
	i := p.next.Add(1) - 1
	if !p.cycle && i >= int64(len(p.reqs)) {
		return nil, false
	}
	return p.reqs[i%int64(len(p.reqs))], true
}

// buildPool signs n requests of an operation, on all CPUs. A cycling pool
// is cut to fit in PoolBytes (rounded up to a multiple of multiple).
func (r *Runner) buildPool(ctx context.Context, operation string, n int, body func(i int) []byte, cycle bool, multiple int) (*pool, error) {
	first, err := r.Signer.Sign(ctx, operation, body(0))
	if err != nil {
		return nil, err
	}
	if cycle && r.PoolBytes > 0 {
		n = min(n, max(1, r.PoolBytes/len(first)))
	}
	if multiple > 0 {
		n = (n + multiple - 1) / multiple * multiple
	}
	p := &pool{reqs: make([][]byte, n), cycle: cycle}
	p.reqs[0] = first
	var (
		wg       sync.WaitGroup
		next     atomic.Int64
		errOnce  sync.Once
		firstErr error
	)
	next.Store(1)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				req, err := r.Signer.Sign(ctx, operation, body(i))
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				p.reqs[i] = req
			}
		}()
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return p, firstErr
}

// poolSize is the number of requests to sign for op.
func (r *Runner) poolSize(op *Op) int {
	switch {
	case op.Distinct:
		return r.MaxRequests
	case op.Name == "list":
		return 1 // every request is the same
	}
	return max(min(r.Pool, r.MaxRequests), 1)
}

// warmupOps is the most requests signed for the warm-up of a distinct op.
const warmupOps = 4096

// opStats is one worker's figures for one op.
type opStats struct {
	hist       *Histogram
	errors     int64
	codes      map[string]int64
	transport  int64
	firstError string
}

func newOpStats() *opStats { return &opStats{hist: NewHistogram(), codes: map[string]int64{}} }

func (s *opStats) reset() {
	s.hist.Reset()
	s.errors, s.transport, s.firstError = 0, 0, ""
	clear(s.codes)
}

// drive runs all workers until deadline, or until a non-cycling pool is
// spent (returning true), or ctx ends. Worker w records into stats[w][op].
func (r *Runner) drive(ctx context.Context, pools []*pool, sched []int, deadline time.Time, stats [][]*opStats) (exhausted bool) {
	var (
		wg    sync.WaitGroup
		spent atomic.Bool
	)
	for w, c := range r.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every worker walks the whole schedule (from its own offset),
			// so that a mix holds its weights whatever the ops' latencies:
			// a stride of len(r.conns) would give a worker only the
			// schedule's positions congruent to w, and the faster ops'
			// workers would send more than their share.
			for k := w; ; k++ {
				if spent.Load() || ctx.Err() != nil {
					return
				}
				op := sched[k%len(sched)]
				req, ok := pools[op].take()
				if !ok {
					spent.Store(true)
					return
				}
				t0 := time.Now()
				if !t0.Before(deadline) {
					return
				}
				rep, err := c.roundTrip(req, false)
				lat := time.Since(t0)
				s := stats[w][op]
				switch {
				case err != nil:
					s.transport++
					if s.firstError == "" {
						s.firstError = err.Error()
					}
				default:
					s.hist.Record(lat)
					if rep.Status != 200 {
						s.errors++
						s.codes[rep.Code]++
					}
				}
			}
		}()
	}
	wg.Wait()
	return spent.Load()
}

// RunPhase signs the phase's requests, warms up, then measures.
func (r *Runner) RunPhase(ctx context.Context, ph Phase) (PhaseResult, error) {
	r.init()
	res := PhaseResult{Name: ph.Name}
	signStart := time.Now()
	pools := make([]*pool, len(ph.Ops))
	warm := make([]*pool, len(ph.Ops))
	for i, name := range ph.Ops {
		op := r.Ops[name]
		p, err := r.buildPool(ctx, op.Operation, r.poolSize(op), op.Body, !op.Distinct, op.PoolMultiple)
		if err != nil {
			return res, fmt.Errorf("phase %s: %w", ph.Name, err)
		}
		pools[i], warm[i] = p, p
		res.Signed += len(p.reqs)
		if op.Distinct && r.Warmup > 0 {
			// The warm-up must not spend the measured requests: it sends
			// others (numbered after them), round and round.
			base := r.MaxRequests
			warm[i], err = r.buildPool(ctx, op.Operation, min(warmupOps, r.MaxRequests), func(i int) []byte { return op.Body(base + i) }, true, 0)
			if err != nil {
				return res, fmt.Errorf("phase %s: %w", ph.Name, err)
			}
		}
	}
	res.SignSeconds = time.Since(signStart).Seconds()
	runtime.GC() // the pools are built: collect the garbage of signing now, not while measuring

	stats := make([][]*opStats, len(r.conns))
	for w := range stats {
		for range ph.Ops {
			stats[w] = append(stats[w], newOpStats())
		}
	}
	sched := ph.schedule()
	if r.Warmup > 0 {
		r.drive(ctx, warm, sched, time.Now().Add(r.Warmup), stats)
		for _, ws := range stats {
			for _, s := range ws {
				s.reset()
			}
		}
	}
	srv0, db0, cli0 := r.serverCPU(), treeCPU(r.DatabasePID), selfCPU()
	start := time.Now()
	res.Exhausted = r.drive(ctx, pools, sched, start.Add(r.Duration), stats)
	elapsed := time.Since(start)
	srv1, db1, cli1 := r.serverCPU(), treeCPU(r.DatabasePID), selfCPU()
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("phase %s: %w", ph.Name, err)
	}
	res.Seconds = elapsed.Seconds()
	res.ClientCPU = cli1 - cli0
	res.ServerCPU = -1
	if srv0 >= 0 && srv1 >= 0 {
		res.ServerCPU = srv1 - srv0
	}
	if r.DatabasePID > 0 {
		// The database's CPU counts as the server's: without it the
		// server's figure is unknown.
		res.DatabaseCPU = db1 - db0
		if db0 < 0 || db1 < 0 {
			res.DatabaseCPU, res.ServerCPU = 0, -1
		} else if res.ServerCPU >= 0 {
			res.ServerCPU += res.DatabaseCPU
		}
	}
	for i, name := range ph.Ops {
		h := NewHistogram()
		o := OpResult{Op: name, Operation: r.Ops[name].Operation, ErrorCodes: map[string]int64{}}
		for w := range stats {
			s := stats[w][i]
			h.Merge(s.hist)
			o.Errors += s.errors
			o.TransportErrors += s.transport
			for k, v := range s.codes {
				o.ErrorCodes[k] += v
			}
			if o.FirstError == "" {
				o.FirstError = s.firstError
			}
		}
		o.Count = int64(h.Count())
		o.Throughput = float64(o.Count) / elapsed.Seconds()
		o.P50, o.P90, o.P99 = ms(h.Quantile(0.50)), ms(h.Quantile(0.90)), ms(h.Quantile(0.99))
		o.Max, o.Mean = ms(h.Max()), ms(h.Mean())
		res.Ops = append(res.Ops, o)
	}
	return res, nil
}

// serverCPU returns the CPU seconds the server processes have used, or -1
// when unknown.
func (r *Runner) serverCPU() float64 {
	if len(r.ServerPIDs) == 0 {
		return -1
	}
	var sum float64
	for _, pid := range r.ServerPIDs {
		c := processCPU(pid)
		if c < 0 {
			return -1
		}
		sum += c
	}
	return sum
}

// call sends one signed request and returns its reply.
func (r *Runner) call(ctx context.Context, operation string, body []byte) (reply, error) {
	r.init()
	req, err := r.Signer.Sign(ctx, operation, body)
	if err != nil {
		return reply{}, err
	}
	return r.conns[0].roundTrip(req, true)
}

// Setup creates and starts a configuration recorder with a delivery
// channel, which PutResourceConfig requires.
func (r *Runner) Setup(ctx context.Context) error {
	for _, s := range setupRequests {
		rep, err := r.call(ctx, s.Operation, s.Body)
		if err != nil {
			return fmt.Errorf("setup %s: %w", s.Operation, err)
		}
		if rep.Status != 200 {
			return fmt.Errorf("setup %s: HTTP %d %s: %s", s.Operation, rep.Status, rep.Code, trunc(string(rep.Body), 300))
		}
	}
	return nil
}

// Preload puts versions 1..versions of resources 0..keys-1, version by
// version, with all workers; it is not measured. Every put must succeed.
func (r *Runner) Preload(ctx context.Context, keys, versions int) error {
	r.init()
	for v := 1; v <= versions; v++ {
		p, err := r.buildPool(ctx, "PutResourceConfig", keys, func(n int) []byte { return preloadBody(n, v) }, false, 0)
		if err != nil {
			return fmt.Errorf("preload: %w", err)
		}
		stats := make([][]*opStats, len(r.conns))
		for w := range stats {
			stats[w] = []*opStats{newOpStats()}
		}
		r.drive(ctx, []*pool{p}, []int{0}, time.Now().Add(24*time.Hour), stats)
		for _, ws := range stats {
			s := ws[0]
			if s.errors > 0 || s.transport > 0 {
				return fmt.Errorf("preload version %d: %d errors (%s) %s", v, s.errors+s.transport, codesText(s.codes), s.firstError)
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// Sample sends the first request of every read op and writes the body of
// each answer, which must be a success, to dir/OP.json.
func (r *Runner) Sample(ctx context.Context, dir string) error {
	for _, name := range OpNames {
		op := r.Ops[name]
		if op == nil || !op.Read {
			continue
		}
		rep, err := r.call(ctx, op.Operation, op.Body(0))
		if err != nil {
			return fmt.Errorf("sample %s: %w", name, err)
		}
		if rep.Status != 200 {
			return fmt.Errorf("sample %s: HTTP %d %s: %s", name, rep.Status, rep.Code, trunc(string(rep.Body), 300))
		}
		if err := os.WriteFile(filepath.Join(dir, name+".json"), rep.Body, 0o644); err != nil {
			return fmt.Errorf("sample %s: %w", name, err)
		}
	}
	return nil
}

// Verify reads back what the preload (or the seed tool) stored, to show that
// the reads of the run do real work: how many of 10 keys BatchGet returns
// and how many versions one resource's history has.
func (r *Runner) Verify(ctx context.Context, c Corpus) (string, error) {
	rep, err := r.call(ctx, "BatchGetResourceConfig", batchGetBody(c.keys(0, 10)))
	if err != nil {
		return "", fmt.Errorf("verify: %w", err)
	}
	var bg struct {
		Items []json.RawMessage `json:"baseConfigurationItems"`
	}
	got := fmt.Sprintf("BatchGetResourceConfig of 10 stored keys: HTTP %d %s", rep.Status, rep.Code)
	if rep.Status == 200 && json.Unmarshal(rep.Body, &bg) == nil {
		got = fmt.Sprintf("BatchGetResourceConfig of 10 stored keys: %d items", len(bg.Items))
	}
	rep, err = r.call(ctx, "GetResourceConfigHistory", mustJSON(map[string]any{"resourceType": corpus.ResourceType, "resourceId": corpus.ResourceID(0)}))
	if err != nil {
		return "", fmt.Errorf("verify: %w", err)
	}
	var h struct {
		Items []json.RawMessage `json:"configurationItems"`
	}
	if rep.Status == 200 && json.Unmarshal(rep.Body, &h) == nil {
		got += fmt.Sprintf("; GetResourceConfigHistory of one: %d versions", len(h.Items))
	} else {
		got += fmt.Sprintf("; GetResourceConfigHistory of one: HTTP %d %s", rep.Status, rep.Code)
	}
	return got, nil
}
