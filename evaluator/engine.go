package evaluator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/pagetoken"
)

// Defaults of Options.
const (
	DefaultWorkers          = 2
	DefaultBatch            = 32
	DefaultLease            = 10 * time.Minute
	DefaultPollInterval     = 250 * time.Millisecond
	DefaultScheduleInterval = 30 * time.Second
	DefaultMaxAttempts      = 8
	// DefaultOversizeBytes is the size above which a configuration item
	// change notification is oversized: Amazon SNS's message limit of 256
	// KB (https://docs.aws.amazon.com/config/latest/developerguide/oversized-notification-example.html).
	DefaultOversizeBytes = 256 * 1024
)

// ResultStore stores one evaluation result in a transaction and tells the
// compliance listeners (automatic remediation) of it. service.Service
// implements it (StoreEvaluation); without one the engine calls
// tx.PutEvaluationResult.
type ResultStore interface {
	StoreEvaluation(ctx context.Context, tx configd.Tx, scope configd.Scope, e *configd.EvaluationResult) error
}

// Backoff is the retry policy of jobs that failed (a store error): attempt n
// (1-based) waits Base·2^(n-1), at most Cap, less a random fraction of up to
// Jitter of it.
type Backoff struct {
	Base   time.Duration
	Cap    time.Duration
	Jitter float64
}

// DefaultBackoff retries after 1 s, 2 s, 4 s, ... up to 5 minutes.
var DefaultBackoff = Backoff{Base: time.Second, Cap: 5 * time.Minute, Jitter: 0.2}

// Delay returns the wait before retrying after the attempt-th failure.
func (b Backoff) Delay(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := float64(b.Base) * math.Pow(2, float64(attempt-1))
	if b.Cap > 0 && d > float64(b.Cap) {
		d = float64(b.Cap)
	}
	if b.Jitter > 0 {
		d -= d * b.Jitter * mrand.Float64()
	}
	return time.Duration(d)
}

// Options configure an Engine.
type Options struct {
	Store configd.Store
	// Results stores results (service.Service); nil: tx.PutEvaluationResult.
	Results ResultStore
	// Tokens seals the result tokens given to Lambda-style rules; required
	// for them.
	Tokens *pagetoken.Codec
	// Clock defaults to configd.SystemClock.
	Clock configd.Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Functions resolves the function ARNs of CUSTOM_LAMBDA rules; nil
	// fails their invocations.
	Functions FunctionResolver
	// Owner identifies this process in job leases; default a random id.
	Owner string
	// Workers is the number of goroutines running jobs (DefaultWorkers).
	Workers int
	// Batch is the most jobs a worker claims at once (DefaultBatch).
	Batch int
	// Lease is how long a claimed job is reserved (DefaultLease); a job
	// whose worker died runs again after it.
	Lease time.Duration
	// PollInterval is how often idle workers look for due jobs
	// (DefaultPollInterval); Wake rouses them at once.
	PollInterval time.Duration
	// ScheduleInterval is how often the scheduler looks for periodic rules
	// that are due (DefaultScheduleInterval).
	ScheduleInterval time.Duration
	// MaxAttempts is how many times a failing job runs before it is
	// dropped (DefaultMaxAttempts).
	MaxAttempts int
	// Backoff spaces the attempts (DefaultBackoff).
	Backoff *Backoff
	// OversizeBytes is the invoking event size above which a change
	// notification is oversized (DefaultOversizeBytes).
	OversizeBytes int
	// InvokeConcurrency bounds concurrent function invocations (default 4).
	InvokeConcurrency int
	// After replaces time.After in the background loops (tests).
	After func(d time.Duration) <-chan time.Time
}

// Engine evaluates Config rules. It runs JobEvaluate jobs from the store's
// durable queue (see the package documentation) and fires periodic rules.
// Its methods are safe for concurrent use.
type Engine struct {
	o         Options
	log       *slog.Logger
	clock     configd.Clock
	policies  *policyCache
	wake      chan struct{}
	invokeSem chan struct{}

	mu     sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns an Engine; Start runs it in the background.
func New(o Options) *Engine {
	if o.Clock == nil {
		o.Clock = configd.SystemClock
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Owner == "" {
		o.Owner = "evaluator/" + configd.NewOwnerID()
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.ScheduleInterval <= 0 {
		o.ScheduleInterval = DefaultScheduleInterval
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Backoff == nil {
		b := DefaultBackoff
		o.Backoff = &b
	}
	if o.OversizeBytes <= 0 {
		o.OversizeBytes = DefaultOversizeBytes
	}
	if o.InvokeConcurrency <= 0 {
		o.InvokeConcurrency = 4
	}
	if o.After == nil {
		o.After = time.After
	}
	return &Engine{o: o, log: o.Logger, clock: o.Clock, policies: newPolicyCache(256),
		wake: make(chan struct{}, 1), invokeSem: make(chan struct{}, o.InvokeConcurrency)}
}

// Owner returns the id under which the engine leases jobs.
func (e *Engine) Owner() string { return e.o.Owner }

// Start runs the workers and the scheduler until Stop or until ctx ends.
func (e *Engine) Start(ctx context.Context) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cancel != nil {
		return
	}
	ctx, e.cancel = context.WithCancel(ctx)
	for i := 0; i < e.o.Workers; i++ {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			e.workerLoop(ctx)
		}()
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.scheduleLoop(ctx)
	}()
}

// Stop stops the background work and waits for jobs in progress to end
// (their invocations are cancelled). It is safe to call twice and before
// Start.
func (e *Engine) Stop() {
	e.mu.Lock()
	cancel := e.cancel
	e.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	e.wg.Wait()
	// Hand the scheduling over at once rather than when the lease expires.
	ctx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	err := e.o.Store.Write(ctx, func(tx configd.Tx) error { return tx.ReleaseLease(ctx, schedulerLease, e.o.Owner) })
	if err != nil {
		e.log.Warn("evaluator: releasing the scheduler lease failed", "err", err)
	}
}

// Wake tells idle workers that jobs may have been queued, so that a change
// is evaluated at once rather than at the next poll. It never blocks.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *Engine) workerLoop(ctx context.Context) {
	woken := false
	for ctx.Err() == nil {
		n, err := e.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			e.log.Error("evaluator: running jobs failed", "err", err)
		}
		if n > 0 {
			woken = false
			continue
		}
		if woken {
			// A wake can come from inside the transaction that queues
			// the job; where claims do not wait for that commit (not
			// SQLite's single writer), look once more shortly after.
			woken = false
			select {
			case <-ctx.Done():
				return
			case <-e.o.After(10 * time.Millisecond):
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
			woken = true
		case <-e.o.After(e.o.PollInterval):
		}
	}
}

// RunOnce claims the jobs that are due (at most Options.Batch), runs them
// and returns how many it claimed. Background workers call it in a loop;
// tests call it directly with an injected clock.
func (e *Engine) RunOnce(ctx context.Context) (int, error) {
	now := e.clock.Now()
	var jobs []*configd.Job
	err := e.o.Store.Write(ctx, func(tx configd.Tx) error {
		var err error
		jobs, err = tx.ClaimJobs(ctx, configd.JobEvaluate, e.o.Owner, now, now.Add(e.o.Lease), e.o.Batch)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("claim jobs: %w", err)
	}
	if len(jobs) == 0 {
		return 0, nil
	}
	e.runJobs(ctx, jobs)
	return len(jobs), nil
}

// RunAll runs jobs until none is due, and returns how many ran. Tests use it
// to drain the queue.
func (e *Engine) RunAll(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := e.RunOnce(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// claimed is a claimed job with its decoded payload.
type claimed struct {
	job *configd.Job
	p   configd.EvaluateJob
}

func (e *Engine) runJobs(ctx context.Context, jobs []*configd.Job) {
	sweeps := map[configd.Scope][]claimed{}
	var order []configd.Scope
	var changes []claimed
	for _, j := range jobs {
		var p configd.EvaluateJob
		if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
			e.log.Error("evaluator: dropping a job with an unreadable payload", "job", j.ID, "scope", j.Scope.String(), "err", err)
			e.complete(ctx, j)
			continue
		}
		c := claimed{job: j, p: p}
		if p.Resource != nil {
			changes = append(changes, c)
			continue
		}
		if _, ok := sweeps[j.Scope]; !ok {
			order = append(order, j.Scope)
		}
		sweeps[j.Scope] = append(sweeps[j.Scope], c)
	}
	if len(changes) > 0 {
		e.runChanges(ctx, changes)
	}
	for _, scope := range order {
		cs := sweeps[scope]
		e.finish(ctx, cs, e.runSweep(ctx, scope, cs))
	}
}

// errLeaseLost aborts the transaction that would complete a job another
// worker has claimed since (our lease expired).
var errLeaseLost = errors.New("evaluator: job lease lost")

// finish handles the outcome of jobs whose run returned err: nil means the
// run completed them; otherwise each is retried after a backoff, or dropped
// after MaxAttempts.
func (e *Engine) finish(ctx context.Context, cs []claimed, err error) {
	if err == nil {
		return
	}
	if errors.Is(err, errLeaseLost) {
		e.log.Warn("evaluator: a job's lease expired before it finished; another worker runs it", "owner", e.o.Owner)
		return
	}
	if ctx.Err() != nil {
		// Stopping: the jobs run again when their lease expires.
		return
	}
	for _, c := range cs {
		j := c.job
		if j.Attempt >= e.o.MaxAttempts {
			e.log.Error("evaluator: giving up on a job", "job", j.ID, "scope", j.Scope.String(), "attempts", j.Attempt, "err", err)
			e.complete(ctx, j)
			continue
		}
		runAt := e.clock.Now().Add(e.o.Backoff.Delay(j.Attempt))
		e.log.Warn("evaluator: job failed; retrying", "job", j.ID, "scope", j.Scope.String(), "attempt", j.Attempt, "run_at", runAt, "err", err)
		werr := e.o.Store.Write(ctx, func(tx configd.Tx) error {
			return tx.RescheduleJob(ctx, j.ID, e.o.Owner, runAt, err.Error())
		})
		if werr != nil {
			e.log.Error("evaluator: rescheduling a job failed", "job", j.ID, "err", werr)
		}
	}
}

// complete deletes a job outside of any other work.
func (e *Engine) complete(ctx context.Context, j *configd.Job) {
	err := e.o.Store.Write(ctx, func(tx configd.Tx) error {
		_, err := tx.CompleteJob(ctx, j.ID, e.o.Owner)
		return err
	})
	if err != nil {
		e.log.Error("evaluator: completing a job failed", "job", j.ID, "err", err)
	}
}

// completeIn completes jobs inside tx; it fails with errLeaseLost, rolling
// the transaction back, if any of them is no longer ours.
func (e *Engine) completeIn(ctx context.Context, tx configd.Tx, cs []claimed) error {
	for _, c := range cs {
		ok, err := tx.CompleteJob(ctx, c.job.ID, e.o.Owner)
		if err != nil {
			return err
		}
		if !ok {
			return errLeaseLost
		}
	}
	return nil
}
