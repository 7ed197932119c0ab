package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/configd/configd"
	"github.com/configd/configd/awsjson"
	"github.com/configd/configd/recorder"
	"github.com/configd/configd/remediation"
	"github.com/configd/configd/runbook"
)

// RemediationConfig is the remediation part of `configd serve`'s configuration.
type RemediationConfig struct {
	DocumentsDir string
	Workers      int
	Lease        time.Duration
	PollInterval time.Duration
	MaxResumes   int
}

func (c *RemediationConfig) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.DocumentsDir, "documents-dir", "", "directory of user runbooks (Automation documents, schemaVersion 0.3, YAML or JSON) that remediation configurations can name as TargetId")
	fs.IntVar(&c.Workers, "remediation-workers", remediation.DefaultWorkers, "remediation executions run at once by this process")
	fs.DurationVar(&c.Lease, "remediation-lease", remediation.DefaultLease, "how long a remediation worker holds an execution without renewing it; an execution whose worker died is run again (or failed) after it")
	fs.DurationVar(&c.PollInterval, "remediation-poll-interval", remediation.DefaultPollInterval, "how often remediation workers look for executions queued by other processes and for retries that became due")
	fs.IntVar(&c.MaxResumes, "remediation-max-resumes", remediation.DefaultMaxResumes, "how many times an execution whose worker died is run again before it is failed (-1: never)")
}

// metricsRegistry returns the registry served on /metrics, creating and
// mounting it on first use.
func (m *Main) metricsRegistry() *prometheus.Registry {
	if m.Metrics == nil {
		m.Metrics = prometheus.NewRegistry()
		m.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		if m.API.Extra == nil {
			m.API.Extra = map[string]http.Handler{}
		}
		m.API.Extra["/metrics"] = promhttp.HandlerFor(m.Metrics, promhttp.HandlerOpts{})
	}
	return m.Metrics
}

// wireRemediation creates the remediation engine and adds it to m.engines
// and m.API, and registers it as a compliance listener so that NON_COMPLIANT
// results of Automatic rules queue remediations.
func (m *Main) wireRemediation() error {
	c := m.Config.Remediation
	runbooks, err := runbook.NewRegistry(c.DocumentsDir)
	if err != nil {
		return fmt.Errorf("remediation documents: %w", err)
	}
	awsConfig := m.remediationAWSConfig()
	rerecord := &rerecorder{poll: func(ctx context.Context, scope configd.Scope, types []string) error {
		_, err := m.Discovery.PollTypes(ctx, scope, types)
		return err
	}, next: map[configd.Scope]*pollPass{}}
	eng, err := remediation.New(remediation.Options{
		Service:      m.Service,
		Runbooks:     runbooks,
		AWSConfig:    awsConfig,
		Rerecord:     rerecord.rerecord,
		Invoke:       lambdaInvoke(awsConfig),
		Clock:        m.Clock,
		Logger:       m.Logger,
		Metrics:      remediation.NewMetrics(m.metricsRegistry()),
		Workers:      c.Workers,
		Lease:        c.Lease,
		PollInterval: c.PollInterval,
		MaxResumes:   c.MaxResumes,
	})
	if err != nil {
		return err
	}
	m.Service.AddComplianceListener(eng)
	m.API.Remediation = eng
	if m.API.Extensions == nil {
		m.API.Extensions = map[string]awsjson.Extension{}
	}
	m.API.Extensions[historyOp] = m.remediationHistory
	m.engines = append(m.engines, eng)
	return nil
}

// rerecorder re-records remediated resources at once: a discovery pass of
// the scope's running recorders over the remediated resources' types (DAILY
// types included). Requests that come while a pass runs share the next
// pass, which starts after it and polls the types of all of them: a burst of
// remediations costs two passes, not one each.
type rerecorder struct {
	poll func(ctx context.Context, scope configd.Scope, types []string) error

	run  sync.Mutex // one pass at a time
	mu   sync.Mutex
	next map[configd.Scope]*pollPass // the pass of each scope not started yet
}

type pollPass struct {
	types map[string]bool // added to until the pass starts
	done  chan struct{}
	err   error
}

func (r *rerecorder) rerecord(ctx context.Context, scope configd.Scope, key configd.ResourceKey) error {
	r.mu.Lock()
	p, joined := r.next[scope]
	if !joined {
		p = &pollPass{types: map[string]bool{}, done: make(chan struct{})}
		r.next[scope] = p
	}
	p.types[key.ResourceType] = true
	r.mu.Unlock()
	if joined {
		select {
		case <-p.done:
			return p.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r.run.Lock()
	r.mu.Lock()
	delete(r.next, scope) // later requests need a pass that starts after this one
	types := make([]string, 0, len(p.types))
	for t := range p.types {
		types = append(types, t)
	}
	r.mu.Unlock()
	slices.Sort(types)
	p.err = r.poll(ctx, scope, types)
	r.run.Unlock()
	close(p.done)
	return p.err
}

// lambdaInvoke runs aws:invokeLambdaFunction steps through the Lambda Invoke
// API of the execution's account (its upstream, as for the runbooks' other
// AWS calls); a function error fails the step with the function's payload.
func lambdaInvoke(awsConfig func(context.Context, configd.Scope) (aws.Config, error)) func(ctx context.Context, scope configd.Scope, arn string, payload []byte) ([]byte, error) {
	return func(ctx context.Context, scope configd.Scope, arn string, payload []byte) ([]byte, error) {
		cfg, err := awsConfig(ctx, scope)
		if err != nil {
			return nil, err
		}
		out, err := lambda.NewFromConfig(cfg).Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(arn), Payload: payload})
		if err != nil {
			return nil, err
		}
		if out.FunctionError != nil {
			return out.Payload, fmt.Errorf("function %s failed (%s): %s", arn, aws.ToString(out.FunctionError), truncate(string(out.Payload), 512))
		}
		return out.Payload, nil
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// remediationAWSConfig returns how runbooks reach an account's AWS APIs: the
// account's upstream settings of the configuration file, as discovery uses
// them, for the execution's region. An account without upstream gets a
// configuration whose credentials fail with a message saying so, so that no
// AWS API is called that configd was not told to call.
func (m *Main) remediationAWSConfig() func(ctx context.Context, scope configd.Scope) (aws.Config, error) {
	var cache sync.Map // configd.Scope -> aws.Config
	return func(ctx context.Context, scope configd.Scope) (aws.Config, error) {
		if v, ok := cache.Load(scope); ok {
			return v.(aws.Config), nil
		}
		var up struct {
			ok bool
			s  recorder.AccountSettings
		}
		if m.Discovery != nil && m.Discovery.Accounts != nil {
			u, ok := m.Discovery.Accounts(scope.AccountID)
			up.ok, up.s = ok, u.AccountSettings
		}
		if !up.ok {
			return aws.Config{Region: scope.Region, Credentials: noUpstream{account: scope.AccountID}}, nil
		}
		up.s.Region = scope.Region
		cfg, err := recorder.AWSConfig(ctx, up.s)
		if err != nil {
			return aws.Config{}, err
		}
		cache.Store(scope, cfg)
		return cfg, nil
	}
}

// noUpstream is the credentials provider of accounts without upstream
// settings: every AWS call fails before it is sent.
type noUpstream struct{ account string }

// Retrieve fails, naming the account.
func (n noUpstream) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{}, fmt.Errorf("configd has no AWS upstream for account %s: add it (or a default) to the configuration file given with --config", n.account)
}
