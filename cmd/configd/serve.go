package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/configd/configd"
	"github.com/configd/configd/awsjson"
	"github.com/configd/configd/discovery"
	"github.com/configd/configd/evaluator"
	"github.com/configd/configd/internal/gctune"
	"github.com/configd/configd/keyring"
	"github.com/configd/configd/lease"
	"github.com/configd/configd/pagetoken"
	"github.com/configd/configd/postgres"
	"github.com/configd/configd/recorder"
	"github.com/configd/configd/service"
	"github.com/configd/configd/sqlite"
)

// ServeConfig is the configuration of `configd serve`.
type ServeConfig struct {
	Addr                 string
	DataDir              string
	CredentialsFile      string
	AcceptAnyCredentials bool
	LogFormat            string
	LogLevel             string
	RetentionInterval    time.Duration
	ConfigFile           string
	DiscoveryInterval    time.Duration
	UpstreamMaxAttempts  int
	Remediation          RemediationConfig
	DatabaseURL          string
	// TLSCert and TLSKey, both or neither, make the API HTTPS.
	TLSCert, TLSKey string
	// LeaderLease is the TTL of the leader lease (lease.Leader.TTL).
	LeaderLease time.Duration
	// ScheduleInterval is how often periodic rules are looked at
	// (evaluator.Options.ScheduleInterval).
	ScheduleInterval time.Duration
	// noEvaluator leaves the rule evaluation engine out, for tests of the
	// rule API that play the evaluator's part themselves.
	noEvaluator bool
}

func (c *ServeConfig) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:4599", "address to listen on (host:port)")
	fs.StringVar(&c.DataDir, "data-dir", "./configd-data", "directory of the embedded database, generated credentials and delivered snapshots")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL database (postgres://user:pass@host:port/db) shared by several configd processes; default: the embedded SQLite database in --data-dir")
	fs.StringVar(&c.CredentialsFile, "credentials", "", "credentials file (YAML: credentials: [{accessKeyId, secretAccessKey, accountId}]); default <data-dir>/credentials.yaml, created on first start")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "serve HTTPS with this certificate (PEM, the chain after the leaf); needs --tls-key; a renewed file is picked up within 30s")
	fs.StringVar(&c.TLSKey, "tls-key", "", "the private key (PEM) of --tls-cert")
	fs.BoolVar(&c.AcceptAnyCredentials, "accept-any-credentials", false, "emulator mode: accept any access key without checking signatures; a 12-digit access key id selects that account (loopback addresses only)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.DurationVar(&c.RetentionInterval, "retention-interval", time.Hour, "how often history older than the retention period is pruned")
	fs.StringVar(&c.ConfigFile, "config", "", "configuration file (YAML): how to reach each account's AWS APIs (accounts: {ID: {endpointUrl, accessKeyId, secretAccessKey, profile, roleArn, assumeRecorderRole}}, default: {...}) and where Lambda-style rule functions run (functions: {ARN: {python, handler | command}}, lambda: {endpointUrl})")
	fs.DurationVar(&c.DiscoveryInterval, "discovery-interval", discovery.DefaultInterval, "how often running recorders poll the AWS APIs of their account")
	fs.IntVar(&c.UpstreamMaxAttempts, "upstream-max-attempts", recorder.DefaultMaxAttempts, "attempts of each upstream AWS API call, retries of throttling and transient errors included")
	fs.DurationVar(&c.LeaderLease, "leader-lease", lease.DefaultTTL, "how long the leader lease lasts without renewal: when the process running periodic discovery and retention dies, another takes over within it")
	fs.DurationVar(&c.ScheduleInterval, "rule-schedule-interval", evaluator.DefaultScheduleInterval, "how often periodic rules are checked for a due run; the process scheduling them holds a lease of twice this, which another takes over when it dies")
	c.Remediation.bind(fs)
}

// Main is a running configd server. Tests start it on 127.0.0.1:0.
type Main struct {
	Config ServeConfig
	// Stdout receives the generated-credentials notice; Logger the logs.
	Stdout io.Writer
	Logger *slog.Logger
	Clock  configd.Clock

	Store     configd.Store
	Service   *service.Service
	Keys      *keyring.Keyring
	Discovery *discovery.Service
	// Leader elects the process that runs singleton duties.
	Leader *lease.Leader
	Tokens *pagetoken.Codec
	API    *awsjson.Server
	// Metrics is the registry served on /metrics (see metricsRegistry).
	Metrics *prometheus.Registry
	// engines are background services started after the listener and
	// stopped before the store closes (evaluator, remediation).
	engines []engine
	ln      net.Listener
	tls     *certReloader // nil: plain HTTP
	http    *http.Server
	bg      []*service.Loop
	done    chan error
}

// URL returns the base URL the server listens on.
func (m *Main) URL() string { return m.scheme() + "://" + m.ln.Addr().String() }

// scheme is https when a certificate is configured (Open refuses a
// certificate without its key), usable before the listener exists.
func (m *Main) scheme() string {
	if m.Config.TLSCert != "" {
		return "https"
	}
	return "http"
}

// Open opens the store, loads the credentials, starts listening and serving
// and starts the background services.
func (m *Main) Open(ctx context.Context) error {
	c := &m.Config
	if m.Logger == nil {
		m.Logger = slog.Default()
	}
	if m.Stdout == nil {
		m.Stdout = io.Discard
	}
	if c.AcceptAnyCredentials && !isLoopback(c.Addr) {
		return fmt.Errorf("refusing to listen on %s with --accept-any-credentials: emulator mode accepts unsigned requests, so it binds loopback addresses only", c.Addr)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together: give both or neither")
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	var err error
	if c.TLSCert != "" {
		if m.tls, err = newCertReloader(c.TLSCert, c.TLSKey, m.Logger); err != nil {
			return err
		}
	}
	if m.Store, err = openStore(ctx, c); err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	var auth awsjson.Authenticator = awsjson.EmulatorAuth{}
	if !c.AcceptAnyCredentials {
		if err := m.loadKeys(); err != nil {
			return err
		}
		var now func() time.Time
		if m.Clock != nil {
			now = m.Clock.Now
		}
		auth = awsjson.NewSigV4Auth(m.Keys, now)
	}
	tokens, err := m.tokenCodec(ctx)
	if err != nil {
		return err
	}
	accounts, err := loadUpstream(c.ConfigFile)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	m.Leader = &lease.Leader{Store: m.Store, Name: "configd-leader", Owner: configd.NewOwnerID(), TTL: c.LeaderLease, Clock: m.Clock, Logger: m.Logger}
	m.Discovery = &discovery.Service{Accounts: accounts, Interval: c.DiscoveryInterval, Logger: m.Logger, Leader: m.Leader.IsLeader,
		Poll: recorder.PollOptions{MaxAttempts: c.UpstreamMaxAttempts}}
	m.Service = service.New(service.Options{Store: m.Store, Clock: m.Clock, Logger: m.Logger, SnapshotDir: filepath.Join(c.DataDir, "s3"),
		Hooks: service.Hooks{RecorderStarted: func(scope configd.Scope, _ string) { m.Discovery.Trigger(scope) }}})
	m.Discovery.Config = m.Service
	m.Tokens = tokens
	m.API = &awsjson.Server{Service: m.Service, Auth: auth, Tokens: tokens, Logger: m.Logger, Emulator: c.AcceptAnyCredentials,
		Extensions: map[string]awsjson.Extension{"Configd.PollRecorders": m.pollRecorders}}
	if err := m.wireEvaluator(); err != nil {
		return err
	}
	if err := m.wireRemediation(); err != nil {
		return err
	}
	srv := awsjson.NewServer(m.API)
	if m.ln, err = net.Listen("tcp", c.Addr); err != nil {
		return err
	}
	m.http = &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	m.done = make(chan error, 1)
	if m.tls != nil {
		m.http.TLSConfig = m.tls.tlsConfig()
		go func() { m.done <- m.http.ServeTLS(m.ln, "", "") }()
	} else {
		if !isLoopback(c.Addr) {
			m.Logger.Warn("serving plain HTTP on a non-loopback address: signatures protect the secrets, but requests and answers cross the network readable; give --tls-cert and --tls-key, or put a TLS-terminating proxy in front", "addr", c.Addr)
		}
		go func() { m.done <- m.http.Serve(m.ln) }()
	}
	m.bg = append(m.bg, &service.Loop{Name: "retention", Interval: c.RetentionInterval, Logger: m.Logger, Run: func(ctx context.Context) error {
		if !m.Leader.IsLeader() {
			return nil
		}
		n, err := m.Service.PruneExpired(ctx)
		if n > 0 {
			m.Logger.Info("pruned expired configuration history", "items", n)
		}
		return err
	}})
	m.Leader.Tick(ctx) // know at once whether this process leads
	m.Leader.Start(context.Background())
	for _, l := range m.bg {
		l.Start(context.Background())
	}
	m.Discovery.Start(context.Background())
	for _, e := range m.engines {
		e.Start(context.Background())
	}
	m.Logger.Info("configd listening", "url", m.URL(), "data_dir", c.DataDir, "emulator", c.AcceptAnyCredentials)
	return nil
}

func (m *Main) loadKeys() error {
	c := &m.Config
	var err error
	if c.CredentialsFile != "" {
		m.Keys, err = keyring.Load(c.CredentialsFile)
		return err
	}
	path := filepath.Join(c.DataDir, "credentials.yaml")
	kr, key, created, err := keyring.LoadOrCreate(path)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}
	m.Keys = kr
	if created {
		// Printed once, to stdout, never to the log.
		fmt.Fprintf(m.Stdout, "configd created credentials for account %s in %s. To use them:\n", key.AccountID, path)
		fmt.Fprintf(m.Stdout, "  export AWS_ACCESS_KEY_ID=%s\n  export AWS_SECRET_ACCESS_KEY=%s\n  export AWS_DEFAULT_REGION=%s\n  export AWS_ENDPOINT_URL=%s://%s\n",
			key.AccessKeyID, key.SecretAccessKey, configd.DefaultRegion, m.scheme(), c.Addr)
	}
	return nil
}

// tokenCodec returns the NextToken codec under the key stored in the
// database, created by the first process, shared by all.
func (m *Main) tokenCodec(ctx context.Context) (*pagetoken.Codec, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var key string
	err := m.Store.Write(ctx, func(tx configd.Tx) error {
		var err error
		key, err = tx.SetMetaIfAbsent(ctx, "pagetoken.key", hex.EncodeToString(fresh))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	raw, err := hex.DecodeString(key)
	if err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	return pagetoken.New(raw)
}

// Close stops serving (letting requests in flight finish), stops the
// background services and closes the store.
func (m *Main) Close() error {
	var errs []error
	if m.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, m.http.Shutdown(ctx))
		cancel()
	}
	for _, l := range m.bg {
		l.Stop()
	}
	if m.Discovery != nil {
		m.Discovery.Stop()
	}
	if m.Leader != nil {
		m.Leader.Stop()
	}
	for i := len(m.engines) - 1; i >= 0; i-- {
		m.engines[i].Stop()
	}
	if m.Store != nil {
		errs = append(errs, m.Store.Close())
	}
	return errors.Join(errs...)
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	m := &Main{Stdout: stdout}
	fs := newFlagSet("serve", stderr, "configd serve --addr 127.0.0.1:4599 --data-dir ./configd-data")
	m.Config.bind(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var err error
	if m.Logger, err = newLogger(stderr, m.Config.LogFormat, m.Config.LogLevel); err != nil {
		return err
	}
	// Process-wide, so here and not in Open, which tests call in-process.
	gcPercent := gctune.Apply()
	if err := m.Open(ctx); err != nil {
		m.Close()
		return err
	}
	m.Logger.Debug("garbage collector target", "gogc", gcPercent)
	select {
	case <-ctx.Done():
		m.Logger.Info("shutting down")
	case err := <-m.done:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Close()
			return err
		}
	}
	return m.Close()
}

// engine is a background service: Start after the server opens; Stop is
// safe twice and before Start.
type engine interface {
	Start(ctx context.Context)
	Stop()
}

// openStore opens PostgreSQL when a database URL is given, else the
// embedded SQLite database in the data dir.
func openStore(ctx context.Context, c *ServeConfig) (configd.Store, error) {
	if c.DatabaseURL != "" {
		return postgres.Open(ctx, c.DatabaseURL)
	}
	return sqlite.Open(ctx, filepath.Join(c.DataDir, "configd.db"))
}
