package remediation

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/configd/configd"
	"github.com/configd/configd/runbook"
	"github.com/configd/configd/service"
)

// Defaults of Options.
const (
	DefaultWorkers           = 16
	DefaultLease             = 30 * time.Second
	DefaultPollInterval      = time.Second
	DefaultDeferDelay        = time.Second
	DefaultExpiryInterval    = time.Minute
	DefaultMaxResumes        = 1
	DefaultMaxRunTime        = time.Hour
	DefaultStepFlushInterval = 200 * time.Millisecond
	DefaultRerecordTimeout   = time.Minute
)

// Runbooks finds and checks what a configuration's TargetId runs;
// *runbook.Registry implements it.
type Runbooks interface {
	Lookup(name string) (runbook.Runbook, bool)
	Validate(name string, params map[string]configd.RemediationParameter) error
}

// Options configure an Engine. Service and Runbooks are required.
type Options struct {
	Service  *service.Service
	Runbooks Runbooks
	// AWSConfig returns the aws.Config of a scope's account and region
	// (region set), through which runbooks call AWS (moto in tests). Build
	// it as discovery does, with recorder.AWSConfig over the account's
	// upstream settings. An error fails the execution before its runbook
	// runs; nil gives runbooks an empty aws.Config.
	AWSConfig func(ctx context.Context, scope configd.Scope) (aws.Config, error)
	// Rerecord re-records a resource at once after a successful execution
	// (a targeted discovery poll). Nil: only the re-evaluation is queued.
	Rerecord func(ctx context.Context, scope configd.Scope, key configd.ResourceKey) error
	// Invoke runs a Lambda-style function for aws:invokeLambdaFunction steps
	// (may be nil).
	Invoke func(ctx context.Context, scope configd.Scope, functionARN string, payload []byte) ([]byte, error)
	// Clock defaults to the service's clock.
	Clock configd.Clock
	// Sleep is the runbooks' sleep (Env.Sleep); nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// After, if set, replaces time.After in the engine's own waits (poll
	// interval, lease renewal, step flushes), so tests control them.
	After func(d time.Duration) <-chan time.Time
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Metrics defaults to unregistered metrics.
	Metrics *Metrics
	// Owner names this engine's worker in leases; default host-pid-random.
	Owner string
	// Workers bounds the executions run at once by this engine.
	Workers int
	// Lease is how long a claim holds an execution without renewal; a
	// worker renews it every Lease/3 while the runbook runs. An execution
	// whose worker died is claimed again once its lease has expired.
	Lease time.Duration
	// PollInterval is how often the engine looks for due executions when
	// nothing wakes it (executions queued by other processes, retries).
	PollInterval time.Duration
	// DeferDelay is how long a start postponed by ExecutionControls waits
	// before it is tried again.
	DeferDelay time.Duration
	// ExpiryInterval is how often expired remediation exceptions are deleted.
	ExpiryInterval time.Duration
	// MaxResumes is how many times an execution whose worker died is run
	// again before it is failed; 0 means DefaultMaxResumes, a negative
	// value never runs it again.
	MaxResumes int
	// MaxRunTime bounds one run of a runbook.
	MaxRunTime time.Duration
	// StepFlushInterval bounds how often step ends are written while a
	// runbook runs (step starts and the execution's end are written at once).
	StepFlushInterval time.Duration
	// RerecordTimeout bounds Rerecord.
	RerecordTimeout time.Duration
}

// Engine runs remediation executions: workers claim queued executions with a
// lease, run their runbooks, store step progress, and end them SUCCEEDED or
// FAILED, retrying automatic ones and putting exceptions as AWS does. It
// also serves the remediation operations (awsjson.RemediationEngine) and
// queues automatic remediations when results turn NON_COMPLIANT
// (configd.ComplianceListener). Start/Stop run the workers; Stop is safe
// twice and before Start. See the package documentation for the lifecycle.
type Engine struct {
	o   Options
	svc *service.Service
	log *slog.Logger
	m   *Metrics

	wake chan struct{}

	mu      sync.Mutex
	cancel  context.CancelFunc
	done    chan struct{}
	running int
	// claimed holds the executions this engine claimed whose start
	// transaction has not run yet: ExecutionControls does not count them
	// as running.
	claimed map[string]bool
	// inflight holds the executions this engine is executing, from claim
	// to end: a second claim of one of them (the store may return a
	// QUEUED execution again until it is started) is dropped, since the
	// ownership check of the start transaction cannot tell two claims by
	// the same owner apart.
	inflight map[string]bool
	wg       sync.WaitGroup
	expiry   *service.Loop

	fmu     sync.Mutex
	flights map[string]*flight // StartRemediationExecution calls being written
}

// New returns an Engine.
func New(o Options) (*Engine, error) {
	if o.Service == nil || o.Runbooks == nil {
		return nil, fmt.Errorf("remediation: Options.Service and Options.Runbooks are required")
	}
	if o.Clock == nil {
		o.Clock = o.Service.Clock()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics(nil)
	}
	if o.Owner == "" {
		o.Owner = configd.NewOwnerID()
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.DeferDelay <= 0 {
		o.DeferDelay = DefaultDeferDelay
	}
	if o.ExpiryInterval <= 0 {
		o.ExpiryInterval = DefaultExpiryInterval
	}
	if o.MaxResumes < 0 {
		o.MaxResumes = 0
	} else if o.MaxResumes == 0 {
		o.MaxResumes = DefaultMaxResumes
	}
	if o.MaxRunTime <= 0 {
		o.MaxRunTime = DefaultMaxRunTime
	}
	if o.StepFlushInterval <= 0 {
		o.StepFlushInterval = DefaultStepFlushInterval
	}
	if o.RerecordTimeout <= 0 {
		o.RerecordTimeout = DefaultRerecordTimeout
	}
	if o.After == nil {
		o.After = time.After
	}
	return &Engine{o: o, svc: o.Service, log: o.Logger, m: o.Metrics, wake: make(chan struct{}, 1), claimed: map[string]bool{}, inflight: map[string]bool{}, flights: map[string]*flight{}}, nil
}

// Owner returns the name under which this engine's workers hold leases.
func (e *Engine) Owner() string { return e.o.Owner }

// Metrics returns the engine's metrics.
func (e *Engine) Metrics() *Metrics { return e.m }

func (e *Engine) now() time.Time { return e.o.Clock.Now() }

// Wake asks the workers to look for due executions now. It never blocks.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Start starts the workers and the exception expiry duty.
func (e *Engine) Start(ctx context.Context) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cancel != nil {
		return
	}
	ctx, e.cancel = context.WithCancel(ctx)
	e.done = make(chan struct{})
	e.expiry = &service.Loop{Name: "remediation exception expiry", Interval: e.o.ExpiryInterval, Logger: e.log, After: e.o.After, Run: func(ctx context.Context) error {
		_, err := e.ExpireExceptions(ctx)
		return err
	}}
	e.expiry.Start(ctx)
	go e.loop(ctx)
}

// Stop stops claiming, cancels the runs in progress and waits for them. An
// execution cancelled by Stop stays IN_PROGRESS with its lease ended, so the
// next claim (another process, or this one restarted) runs it again.
func (e *Engine) Stop() {
	e.mu.Lock()
	cancel, done, expiry := e.cancel, e.done, e.expiry
	e.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
	expiry.Stop()
	e.wg.Wait()
}

// loop claims due executions while workers are free, until ctx ends. After
// a wake it polls quickly a few times, because the execution that woke it
// may be committed just after (a compliance listener runs inside the
// transaction that stores the result).
func (e *Engine) loop(ctx context.Context) {
	defer close(e.done)
	quick := 0
	var lastDepth time.Time
	for ctx.Err() == nil {
		n, err := e.claimAndLaunch(ctx)
		if err != nil && ctx.Err() == nil {
			e.log.Error("claim remediation executions", "err", err)
		}
		if now := time.Now(); now.Sub(lastDepth) >= e.o.PollInterval {
			lastDepth = now
			e.updateQueueDepth(ctx)
		}
		if n > 0 {
			continue // more may be due
		}
		wait := e.o.PollInterval
		if quick > 0 {
			quick--
			wait = 5 * time.Millisecond
		}
		select {
		case <-ctx.Done():
		case <-e.wake:
			quick = 8
		case <-e.o.After(wait):
		}
	}
}

// free returns how many more executions this engine may run now.
func (e *Engine) free() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.o.Workers - e.running
}

// claimAndLaunch claims as many due executions as there are free workers
// and starts running them; it returns how many it claimed.
func (e *Engine) claimAndLaunch(ctx context.Context) (int, error) {
	n := e.free()
	if n <= 0 {
		return 0, nil
	}
	claimed, err := e.claim(ctx, n)
	for _, se := range claimed {
		e.mu.Lock()
		e.running++
		e.mu.Unlock()
		e.wg.Add(1)
		go func(se configd.ScopedExecution) {
			defer e.wg.Done()
			e.execute(ctx, se)
			e.mu.Lock()
			e.running--
			e.mu.Unlock()
			e.Wake() // a worker is free
		}(se)
	}
	return len(claimed), err
}

func (e *Engine) claim(ctx context.Context, n int) ([]configd.ScopedExecution, error) {
	var out []configd.ScopedExecution
	now := e.now()
	err := e.svc.Store().Write(ctx, func(tx configd.Tx) error {
		var err error
		out, err = tx.ClaimExecutions(ctx, e.o.Owner, now, now.Add(e.o.Lease), n)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim executions: %w", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	fresh := out[:0]
	for _, se := range out {
		if e.inflight[se.Execution.ID] {
			continue
		}
		e.inflight[se.Execution.ID] = true
		e.claimed[se.Execution.ID] = true
		fresh = append(fresh, se)
	}
	return fresh, nil
}

// RunOnce claims the executions due now (at most Workers), runs them to their
// end concurrently, and returns how many it claimed. Tests drive the engine
// with it under an injected clock instead of Start.
func (e *Engine) RunOnce(ctx context.Context) (int, error) {
	claimed, err := e.claim(ctx, e.o.Workers)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, se := range claimed {
		wg.Add(1)
		go func(se configd.ScopedExecution) {
			defer wg.Done()
			e.execute(ctx, se)
		}(se)
	}
	wg.Wait()
	return len(claimed), nil
}

// ExpireExceptions deletes the remediation exceptions that expired, and
// returns how many.
func (e *Engine) ExpireExceptions(ctx context.Context) (int64, error) {
	n, err := e.svc.ExpireRemediationExceptions(ctx)
	if n > 0 {
		e.log.Info("deleted expired remediation exceptions", "count", n)
	}
	return n, err
}

// updateQueueDepth sets the Queue gauge from the store's counts.
func (e *Engine) updateQueueDepth(ctx context.Context) {
	var active, inProgress int
	err := e.svc.Store().Read(ctx, func(tx configd.Tx) error {
		active, inProgress = 0, 0
		scopes, err := tx.Scopes(ctx)
		if err != nil {
			return err
		}
		for _, sc := range scopes {
			a, p, err := tx.CountActiveExecutions(ctx, sc, "")
			if err != nil {
				return err
			}
			active += a
			inProgress += p
		}
		return nil
	})
	if err != nil {
		if ctx.Err() == nil {
			e.log.Warn("count active remediation executions", "err", err)
		}
		return
	}
	e.m.Queue.WithLabelValues(configd.ExecQueued).Set(float64(active - inProgress))
	e.m.Queue.WithLabelValues(configd.ExecInProgress).Set(float64(inProgress))
}
