// Package service implements the operations of AWS Config on configd's
// domain types: the rules AWS applies to recorders, delivery channels,
// retention, resources and tags, over a configd.Store. The AWS JSON edge
// (package awsjson) maps wire types to these calls; the import command and
// the recorder write through Record.
package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync/atomic"

	"github.com/configd/configd"
)

// Service is the AWS Config control plane of one configd process. Every
// method is safe for concurrent use; all state lives in the Store.
type Service struct {
	store       configd.Store
	clock       configd.Clock
	log         *slog.Logger
	snapshotDir string
	hooks       Hooks
	// evalWaker is called when evaluation jobs are queued (SetEvaluationWaker).
	evalWaker atomic.Pointer[func()]
	listeners []configd.ComplianceListener
}

// Hooks are called after state changes commit, to start background work
// (discovery on recorder start). Each may be nil.
type Hooks struct {
	RecorderStarted func(scope configd.Scope, name string)
}

// Options configure a Service.
type Options struct {
	Store configd.Store
	// Clock defaults to configd.SystemClock.
	Clock configd.Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// SnapshotDir is where DeliverConfigSnapshot writes files, standing in
	// for S3: <SnapshotDir>/<bucket>/<prefix>/AWSLogs/....
	SnapshotDir string
	Hooks       Hooks
	// Listeners are told of every evaluation result stored, inside the
	// transaction that stores it (see StoreEvaluation).
	Listeners []configd.ComplianceListener
}

// New returns a Service.
func New(o Options) *Service {
	s := &Service{store: o.Store, clock: o.Clock, log: o.Logger, snapshotDir: o.SnapshotDir, hooks: o.Hooks, listeners: o.Listeners}
	if s.clock == nil {
		s.clock = configd.SystemClock
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// AddComplianceListener registers l beside Options.Listeners, for engines
// created after the Service (the remediation engine). Call it while wiring,
// before the Service serves requests: it is not synchronized with them.
func (s *Service) AddComplianceListener(l configd.ComplianceListener) {
	s.listeners = append(s.listeners, l)
}

// Store returns the service's store.
func (s *Service) Store() configd.Store { return s.store }

// Clock returns the service's clock.
func (s *Service) Clock() configd.Clock { return s.clock }

func (s *Service) read(ctx context.Context, fn func(configd.Tx) error) error {
	return s.store.Read(ctx, fn)
}

func (s *Service) write(ctx context.Context, fn func(configd.Tx) error) error {
	return s.store.Write(ctx, fn)
}

// randomID returns n random bytes in lowercase hex.
func randomID(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// NewUUID returns a random (version 4) UUID.
func NewUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
