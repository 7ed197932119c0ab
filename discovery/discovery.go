// Package discovery runs configd's configuration recorders: for every
// customer-managed recorder that is recording, it polls the resource types
// its recording group selects through the AWS APIs of the account (package
// recorder) and records what changed. It polls every Interval, at once when a
// recorder starts, and on demand.
package discovery

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/recorder"
	"github.com/configd/configd/service"
)

// DefaultInterval is how often recorders are polled.
const DefaultInterval = 5 * time.Minute

// dailyInterval is how often types with the DAILY recording frequency are polled.
const dailyInterval = 24 * time.Hour

// AccountSettings returns how to reach the AWS APIs of an account, and
// false when the account has no configured upstream: its recorders record
// only what is pushed to them (PutResourceConfig, import), and no AWS API is
// called for it.
type AccountSettings func(accountID string) (Upstream, bool)

// Upstream is the configured access to one account's AWS APIs.
type Upstream struct {
	recorder.AccountSettings
	// AssumeRecorderRole assumes the recorder's roleARN, as AWS Config does.
	AssumeRecorderRole bool
}

// Service polls recorders. Start/Stop run it in the background; Stop is safe
// to call twice and before Start.
type Service struct {
	Config   *service.Service
	Accounts AccountSettings
	Interval time.Duration
	Logger   *slog.Logger
	// Poll tunes each poll (concurrency, retries).
	Poll recorder.PollOptions
	// Leader, if set, reports whether this process leads the processes
	// sharing the database: only the leader runs the periodic passes
	// (passes triggered by a recorder start or on demand run where asked).
	Leader func() bool

	trigger chan configd.Scope
	mu      sync.Mutex
	cancel  context.CancelFunc
	done    chan struct{}
	running sync.Mutex // one pass at a time
}

// Start starts background polling: a first pass at once, then every Interval.
func (s *Service) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		return
	}
	if s.Interval <= 0 {
		s.Interval = DefaultInterval
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	s.trigger = make(chan configd.Scope, 64)
	ctx, s.cancel = context.WithCancel(ctx)
	s.done = make(chan struct{})
	go s.loop(ctx)
}

// Stop stops polling and waits for a pass in progress to end.
func (s *Service) Stop() {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// Trigger asks for a pass over the recorders of scope soon (used when a
// recorder starts). It never blocks.
func (s *Service) Trigger(scope configd.Scope) {
	s.mu.Lock()
	ch := s.trigger
	s.mu.Unlock()
	if ch == nil {
		return
	}
	select {
	case ch <- scope:
	default: // a pass is already queued
	}
}

func (s *Service) loop(ctx context.Context) {
	defer close(s.done)
	tick := time.NewTicker(s.Interval)
	defer tick.Stop()
	periodic := func() {
		if s.Leader == nil || s.Leader() {
			s.pass(ctx, nil)
		}
	}
	periodic()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			periodic()
		case sc := <-s.trigger:
			s.pass(ctx, &sc)
		}
	}
}

func (s *Service) pass(ctx context.Context, only *configd.Scope) {
	if _, err := s.PollNow(ctx, only, false); err != nil && ctx.Err() == nil {
		s.Logger.Error("discovery pass failed", "err", err)
	}
}

// Result is what one pass did for one recorder.
type Result struct {
	Scope    configd.Scope
	Recorder string
	Types    []recorder.TypeReport
}

// PollNow polls the active recorders of one scope (all scopes when only is
// nil) and returns what each did. force polls DAILY types even when their
// day has not passed.
func (s *Service) PollNow(ctx context.Context, only *configd.Scope, force bool) ([]Result, error) {
	return s.poll(ctx, only, nil, force)
}

// PollTypes polls, in the scope's active recorders, only the given resource
// types that the recorders record (DAILY ones too, whenever their day): what
// re-recording a few changed resources needs, without a pass over every
// type.
func (s *Service) PollTypes(ctx context.Context, scope configd.Scope, types []string) ([]Result, error) {
	want := make(map[string]bool, len(types))
	for _, t := range types {
		want[t] = true
	}
	return s.poll(ctx, &scope, want, true)
}

// poll polls the active recorders of only (all scopes when nil), the types
// in want (all when nil).
func (s *Service) poll(ctx context.Context, only *configd.Scope, want map[string]bool, force bool) ([]Result, error) {
	s.running.Lock()
	defer s.running.Unlock()
	active, err := s.Config.ActiveRecorders(ctx, only)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, a := range active {
		res, err := s.pollRecorder(ctx, a, want, force)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

func (s *Service) pollRecorder(ctx context.Context, a service.ActiveRecorder, want map[string]bool, force bool) (Result, error) {
	res := Result{Scope: a.Scope, Recorder: a.Recorder.Name}
	if s.Accounts == nil {
		return res, nil
	}
	up, ok := s.Accounts(a.Scope.AccountID)
	if !ok {
		return res, nil
	}
	settings := up.AccountSettings
	settings.Region = a.Scope.Region
	if up.AssumeRecorderRole && a.Recorder.RoleARN != "" {
		settings.RoleARN = a.Recorder.RoleARN
	}
	cfg, err := recorder.AWSConfig(ctx, settings)
	if err != nil {
		return res, s.Config.SetRecorderStatus(ctx, a.Scope, a.Recorder.Name, configd.RecorderStatusFailure, "InvalidConfiguration", err.Error())
	}
	now := s.Config.Clock().Now()
	byFreq := map[string][]string{}
	for _, t := range recorder.SelectTypes(a.Recorder.RecordingGroup) {
		if want != nil && !want[t] {
			continue
		}
		f := frequencyOf(a.Recorder.RecordingMode, t)
		if f == configd.FrequencyDaily && !force {
			last, err := s.lastPoll(ctx, a.Scope, t)
			if err != nil {
				return res, err
			}
			if !last.IsZero() && now.Sub(last) < dailyInterval {
				continue
			}
		}
		byFreq[f] = append(byFreq[f], t)
	}
	var failed *recorder.TypeReport
	for _, f := range []string{configd.FrequencyContinuous, configd.FrequencyDaily} {
		types := byFreq[f]
		if len(types) == 0 {
			continue
		}
		opts := s.Poll
		opts.RecordingFrequency = f
		opts.Clock = s.Config.Clock()
		reports, err := recorder.Poll(ctx, cfg, a.Scope, types, s.Config, opts)
		res.Types = append(res.Types, reports...)
		if err != nil {
			return res, err
		}
		for i := range reports {
			r := &reports[i]
			if !r.OK() {
				if failed == nil {
					failed = r
				}
				s.Logger.Warn("discovery of a resource type failed", "scope", a.Scope.String(), "type", r.ResourceType, "code", r.ErrorCode, "message", r.ErrorMessage)
				continue
			}
			if err := s.setLastPoll(ctx, a.Scope, r.ResourceType, now); err != nil {
				return res, err
			}
		}
	}
	if want != nil && failed == nil {
		// A poll of a few types says nothing of the others: it does not
		// clear a failure that a full pass recorded.
		return res, nil
	}
	status, code, msg := configd.RecorderStatusSuccess, "", ""
	if failed != nil {
		status, code, msg = configd.RecorderStatusFailure, failed.ErrorCode, failed.ResourceType+": "+failed.ErrorMessage
	}
	err = s.Config.SetRecorderStatus(ctx, a.Scope, a.Recorder.Name, status, code, msg)
	if configd.ErrorCode(err) == configd.ErrNoSuchConfigurationRecorder {
		err = nil // deleted while polling
	}
	return res, err
}

// frequencyOf returns the recording frequency of a type under mode.
func frequencyOf(mode configd.RecordingMode, resourceType string) string {
	for _, o := range mode.Overrides {
		if slices.Contains(o.ResourceTypes, resourceType) {
			return o.RecordingFrequency
		}
	}
	if mode.RecordingFrequency == "" {
		return configd.FrequencyContinuous
	}
	return mode.RecordingFrequency
}

func lastPollKey(scope configd.Scope, resourceType string) string {
	return "discovery.last/" + scope.AccountID + "/" + scope.Region + "/" + resourceType
}

// lastPoll and setLastPoll keep the time of the last complete poll of a type
// in the store, so DAILY schedules survive restarts and are shared by every
// process on the database.
func (s *Service) lastPoll(ctx context.Context, scope configd.Scope, resourceType string) (time.Time, error) {
	var v string
	err := s.Config.Store().Read(ctx, func(tx configd.Tx) error {
		var err error
		v, err = tx.Meta(ctx, lastPollKey(scope, resourceType))
		return err
	})
	if err != nil || v == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, nil
	}
	return t, nil
}

func (s *Service) setLastPoll(ctx context.Context, scope configd.Scope, resourceType string, t time.Time) error {
	return s.Config.Store().Write(ctx, func(tx configd.Tx) error {
		return tx.SetMeta(ctx, lastPollKey(scope, resourceType), t.UTC().Format(time.RFC3339Nano))
	})
}
