package recorder

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/configd/configd"
)

// Sink is the store side of recording: where Poll writes what it finds.
// Implementations must be safe for concurrent use (Poll records several
// types at once).
type Sink interface {
	// Record stores ci as the newest version of its resource if its
	// configuration, supplementary configuration, tags or relationships
	// differ from the latest stored version (or there is none, or the latest
	// is deleted), and reports whether it wrote a version. Recording an
	// unchanged item is a no-op, so Record is idempotent.
	Record(ctx context.Context, scope configd.Scope, ci *configd.ConfigurationItem) (changed bool, err error)
	// KnownIDs returns the ids of the resources of resourceType whose latest
	// version is not deleted.
	KnownIDs(ctx context.Context, scope configd.Scope, resourceType string) ([]string, error)
	// RecordDeleted writes a ResourceDeleted version of the resource.
	RecordDeleted(ctx context.Context, scope configd.Scope, key configd.ResourceKey) error
}

// PollOptions tunes Poll. The zero value is usable.
type PollOptions struct {
	// Concurrency is how many resource types are discovered at once (default 4).
	Concurrency int
	// Clock stamps the capture time of items (default configd.SystemClock).
	Clock configd.Clock
	// MaxAttempts bounds the attempts of each upstream call, retries of
	// throttling and transient errors included (default 8).
	MaxAttempts int
	// MaxBackoff caps the delay between attempts (default 20s).
	MaxBackoff time.Duration
	// Backoff computes the delay before a retry; nil uses the SDK's
	// exponential backoff with jitter. Tests pass a zero delay.
	Backoff retry.BackoffDelayer
	// RecordingFrequency is copied into every item (CONTINUOUS or DAILY).
	RecordingFrequency string
}

// Defaults of PollOptions.
const (
	DefaultConcurrency = 4
	DefaultMaxAttempts = 8
	DefaultMaxBackoff  = 20 * time.Second
)

// ErrorCodeConnection is the error code reported for a type whose upstream
// could not be reached at all (no AWS error code exists for that).
const ErrorCodeConnection = configd.ErrServiceUnavailable

// TypeReport is what one poll did for one resource type.
type TypeReport struct {
	ResourceType string
	// Discovered is the number of resources found.
	Discovered int
	// Changed is the number of new versions written (new or changed resources).
	Changed int
	// Deleted is the number of resources marked deleted.
	Deleted int
	// ErrorCode and ErrorMessage describe why discovery failed: the AWS
	// error code and message of the failing call, ErrorCodeConnection for an
	// unreachable endpoint, or the configd code of a store failure. Empty on
	// success. Deletions are only recorded when discovery succeeded.
	ErrorCode    string
	ErrorMessage string
	// APICalls is the number of upstream HTTP requests made, retries included.
	APICalls int64
	// Duration is the wall time spent on the type.
	Duration time.Duration
}

// OK reports whether discovery of the type completed.
func (r TypeReport) OK() bool { return r.ErrorCode == "" }

// Poll discovers the given resource types in scope with bounded concurrency,
// records every item in sink, then records as deleted the known resources
// that were not found, for each type whose discovery completed without
// error. A failure of one type (permissions, throttling beyond the retry
// budget, an unreachable endpoint, the store) never stops the others; it is
// reported in that type's TypeReport. Reports are in the order of types.
// Poll returns an error only when ctx ends.
func Poll(ctx context.Context, cfg aws.Config, scope configd.Scope, types []string, sink Sink, opts PollOptions) ([]TypeReport, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Clock == nil {
		opts.Clock = configd.SystemClock
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	reports := make([]TypeReport, len(types))
	sem := make(chan struct{}, opts.Concurrency)
	var wg sync.WaitGroup
	for i, t := range types {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				reports[i] = TypeReport{ResourceType: t, ErrorCode: configd.ErrInternalFailure, ErrorMessage: ctx.Err().Error()}
				return
			}
			defer func() { <-sem }()
			reports[i] = pollType(ctx, cfg, scope, t, sink, opts)
		}()
	}
	wg.Wait()
	return reports, ctx.Err()
}

// sinkError marks errors of the Sink, to tell them from upstream errors.
type sinkError struct{ err error }

func (e *sinkError) Error() string { return e.err.Error() }
func (e *sinkError) Unwrap() error { return e.err }

func pollType(ctx context.Context, cfg aws.Config, scope configd.Scope, resourceType string, sink Sink, opts PollOptions) (rep TypeReport) {
	start := time.Now()
	rep.ResourceType = resourceType
	defer func() { rep.Duration = time.Since(start) }()
	d, ok := Lookup(resourceType)
	if !ok {
		rep.ErrorCode = configd.ErrInvalidParameterValue
		rep.ErrorMessage = fmt.Sprintf("resource type %s is not supported by the recorder", resourceType)
		return rep
	}
	known, err := sink.KnownIDs(ctx, scope, resourceType)
	if err != nil {
		rep.ErrorCode, rep.ErrorMessage = configd.ErrorCode(err), configd.ErrorMessage(err)
		return rep
	}
	knownSet := make(map[string]bool, len(known))
	for _, id := range known {
		knownSet[id] = true
	}

	counter := &callCounter{}
	tcfg := cfg.Copy()
	tcfg.APIOptions = append(append([]func(*middleware.Stack) error{}, cfg.APIOptions...), counter.add)
	tcfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = opts.MaxAttempts
			o.MaxBackoff = opts.MaxBackoff
			if opts.Backoff != nil {
				o.Backoff = opts.Backoff
			}
		})
	}

	seen := map[string]bool{}
	emit := func(ci *configd.ConfigurationItem) error {
		if ci.ResourceID == "" || seen[ci.ResourceID] {
			return nil
		}
		seen[ci.ResourceID] = true
		now := opts.Clock.Now()
		ci.Version = configd.CIVersion
		ci.AccountID = scope.AccountID
		ci.CaptureTime = now
		ci.StateID = strconv.FormatInt(now.UnixMilli(), 10)
		ci.Status = configd.CIStatusOK
		if !knownSet[ci.ResourceID] {
			ci.Status = configd.CIStatusResourceDiscovered
		}
		if ci.RecordingFrequency == "" {
			ci.RecordingFrequency = opts.RecordingFrequency
		}
		if ci.Tags == nil {
			ci.Tags = map[string]string{}
		}
		rep.Discovered++
		changed, err := sink.Record(ctx, scope, ci)
		if err != nil {
			return &sinkError{fmt.Errorf("record %s %s: %w", resourceType, ci.ResourceID, err)}
		}
		if changed {
			rep.Changed++
		}
		return nil
	}
	err = d.Discover(ctx, tcfg, scope, emit)
	rep.APICalls = counter.n.Load()
	if err != nil {
		rep.ErrorCode, rep.ErrorMessage = classify(err)
		return rep
	}
	for _, id := range known {
		if seen[id] {
			continue
		}
		if err := sink.RecordDeleted(ctx, scope, configd.ResourceKey{ResourceType: resourceType, ResourceID: id}); err != nil {
			rep.ErrorCode, rep.ErrorMessage = configd.ErrorCode(err), configd.ErrorMessage(err)
			return rep
		}
		rep.Deleted++
	}
	return rep
}

// classify turns a discovery error into the code and message reported.
func classify(err error) (code, message string) {
	var se *sinkError
	if errors.As(err, &se) {
		return configd.ErrorCode(se.err), configd.ErrorMessage(se.err)
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return configd.ErrInternalFailure, err.Error()
	}
	return ErrorCodeConnection, err.Error()
}

// callCounter is a finalize-step middleware placed after the retry
// middleware, so it runs once per HTTP attempt.
type callCounter struct{ n atomic.Int64 }

func (c *callCounter) ID() string { return "configd.recorder.CountCalls" }

func (c *callCounter) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	c.n.Add(1)
	return next.HandleFinalize(ctx, in)
}

func (c *callCounter) add(stack *middleware.Stack) error {
	return stack.Finalize.Add(c, middleware.After)
}
