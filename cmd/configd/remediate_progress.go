package main

// Progress of `configd remediate start`: a model of every resource key's
// start attempts and execution, fed by the client's OnAttempt hook and by
// the responses it receives, and three renderers of it: a block redrawn in
// place on a terminal, plain lines otherwise, and one JSON document.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/configd/configd/client"
)

// Phases of a key in the start phase.
const (
	keyPending    = "PENDING"     // not sent yet
	keyRetrying   = "RETRYING"    // refused, will be sent again
	keyStarted    = "STARTED"     // accepted; no status seen yet
	keyNotStarted = "NOT_STARTED" // given up
)

// keyProgress is what is known about one resource key.
type keyProgress struct {
	key  types.ResourceKey
	name string // "type/id"
	// start is one of the key* phases.
	start         string
	startAttempts int
	startedAt     time.Time
	// startErr is the last error of a start attempt; reason is why the key
	// was given up.
	startErr error
	reason   client.StopReason
	// exec is the last known execution; exec.State is "" until a status
	// was seen.
	exec client.Execution
}

// state is the key's current state: the execution's once known, else the
// start phase.
func (k *keyProgress) state() string {
	if k.exec.State != "" {
		return string(k.exec.State)
	}
	return k.start
}

// currentStep names the step an execution is at: the failed step of a
// FAILED execution, the first step not SUCCEEDED of a running one, and the
// last step otherwise; "" without steps. It also returns the step's
// 1-based position.
func currentStep(steps []types.RemediationExecutionStep) (string, int) {
	if len(steps) == 0 {
		return "", 0
	}
	for i, s := range steps {
		if s.State == types.RemediationExecutionStepStateFailed {
			return aws.ToString(s.Name), i + 1
		}
	}
	for i, s := range steps {
		if s.State != types.RemediationExecutionStepStateSucceeded {
			return aws.ToString(s.Name), i + 1
		}
	}
	return aws.ToString(steps[len(steps)-1].Name), len(steps)
}

// progress is the model of a `remediate start` run. Its methods are called
// from the client's goroutine; the mutex only guards against a renderer
// that a future change might call from elsewhere.
type progress struct {
	mu    sync.Mutex
	rule  string
	wait  bool
	keys  []*keyProgress
	index map[string]*keyProgress
	// attempts are the calls reported by the OnAttempt hook.
	attempts []client.Attempt
	// last is the latest attempt, shown as the status line, and lastAt
	// when it was reported, from which a terminal counts its delay down.
	last   *client.Attempt
	lastAt time.Time
	// now is the clock of lastAt; nil means time.Now.
	now func() time.Time
	// done is set when the run ended; exit and err are its outcome.
	done bool
	exit int
	err  error
	r    renderer
}

func newProgress(rule string, keys []types.ResourceKey, wait bool, r renderer) *progress {
	p := &progress{rule: rule, wait: wait, index: map[string]*keyProgress{}, r: r}
	for _, k := range keys {
		name := client.KeyString(k)
		if p.index[name] != nil {
			continue
		}
		kp := &keyProgress{key: k, name: name, start: keyPending}
		p.keys = append(p.keys, kp)
		p.index[name] = kp
	}
	return p
}

// sent records a StartRemediationExecution call and its answer (the
// decorated API calls it).
func (p *progress) sent(keys []types.ResourceKey, out *configservice.StartRemediationExecutionOutput, err error, at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	failed := map[string]bool{}
	if err == nil {
		for _, k := range out.FailedItems {
			failed[client.KeyString(k)] = true
		}
	}
	for _, k := range keys {
		kp := p.index[client.KeyString(k)]
		if kp == nil {
			continue
		}
		kp.startAttempts++
		switch {
		case err != nil:
			kp.startErr = err
			kp.start = keyRetrying
		case failed[kp.name]:
			kp.startErr = &client.FailedItemError{Message: aws.ToString(out.FailureMessage)}
			kp.start = keyRetrying
		default:
			kp.start, kp.startedAt, kp.startErr = keyStarted, at, nil
		}
	}
}

// statuses records the statuses of a DescribeRemediationExecutionStatus
// page (the decorated API calls it).
func (p *progress) statuses(sts []types.RemediationExecutionStatus) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, st := range sts {
		if st.ResourceKey == nil {
			continue
		}
		kp := p.index[client.KeyString(*st.ResourceKey)]
		if kp == nil {
			continue
		}
		inv := aws.ToTime(st.InvocationTime)
		if kp.exec.State != "" && inv.Before(kp.exec.InvocationTime) {
			continue // an older execution of the key
		}
		kp.exec = execution(kp.key, st)
	}
}

// execution converts a status as client.WaitForExecutions does.
func execution(key types.ResourceKey, st types.RemediationExecutionStatus) client.Execution {
	e := client.Execution{
		Key:             key,
		State:           st.State,
		InvocationTime:  aws.ToTime(st.InvocationTime),
		LastUpdatedTime: aws.ToTime(st.LastUpdatedTime),
		Steps:           st.StepDetails,
	}
	for _, s := range st.StepDetails {
		if m := aws.ToString(s.ErrorMessage); m != "" {
			e.StepErrors = append(e.StepErrors, aws.ToString(s.Name)+": "+m)
		}
	}
	return e
}

// attempt records a call reported by the OnAttempt hook and renders.
func (p *progress) attempt(a client.Attempt) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a.Keys = nil // not kept: the model has them
	p.attempts = append(p.attempts, a)
	p.last = &p.attempts[len(p.attempts)-1]
	p.lastAt = p.clock()
	if a.Op == "StartRemediationExecution" && len(a.Retry) == 0 {
		// Keys refused and not retried were given up (the result says why).
		for _, kp := range p.keys {
			if kp.start == keyRetrying {
				kp.start = keyNotStarted
			}
		}
	}
	p.r.update(p)
}

func (p *progress) clock() time.Time {
	if p.now != nil {
		return p.now()
	}
	return time.Now()
}

// waiting is how much of the last attempt's delay is left: what a
// terminal shows as "retrying in ..." or "next poll in ...".
func (p *progress) waiting() time.Duration {
	if p.last == nil {
		return 0
	}
	return max(0, p.last.Delay-p.clock().Sub(p.lastAt))
}

// tick redraws a terminal view whose status line counts a delay down; it
// does nothing once the run ended or when nothing is being waited for.
func (p *progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done || p.last == nil || p.last.Delay == 0 {
		return
	}
	if r, ok := p.r.(interface{ refresh(*progress) }); ok {
		r.refresh(p)
	}
}

// tickEvery calls p.tick every d until the returned stop is called, which
// waits for the ticking goroutine to end.
func (p *progress) tickEvery(d time.Duration) (stop func()) {
	done := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				p.tick()
			}
		}
	}()
	return func() {
		close(done)
		<-ended
	}
}

// started applies the result of StartRemediation, which is authoritative.
func (p *progress) started(res client.StartResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range res.Started {
		if kp := p.index[client.KeyString(s.Key)]; kp != nil {
			kp.start, kp.startAttempts, kp.startedAt = keyStarted, s.Attempts, s.At
		}
	}
	for _, ns := range res.NotStarted {
		if kp := p.index[client.KeyString(ns.Key)]; kp != nil {
			kp.start, kp.startAttempts, kp.startErr, kp.reason = keyNotStarted, ns.Attempts, ns.Err, ns.Reason
		}
	}
}

// waited applies the result of WaitForExecutions.
func (p *progress) waited(execs []client.Execution) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range execs {
		if kp := p.index[client.KeyString(e.Key)]; kp != nil && e.State != "" {
			kp.exec = e
		}
	}
}

// finish computes the outcome, renders the final view and returns the
// command's error: nil if every key succeeded, else an exitError whose
// status is exitFailed if a key failed or was refused, exitTimeout if the
// timeout alone stopped the run.
func (p *progress) finish(waitErr error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var notStarted []*keyProgress
	var failed, running []string
	var timedOut bool
	for _, kp := range p.keys {
		switch {
		case kp.start == keyNotStarted:
			notStarted = append(notStarted, kp)
			if kp.reason == client.StopDeadline {
				timedOut = true
			}
		case !p.wait:
		case kp.exec.State == types.RemediationExecutionStateFailed:
			f := kp.name
			if len(kp.exec.StepErrors) > 0 {
				f += " (" + strings.Join(kp.exec.StepErrors, "; ") + ")"
			}
			failed = append(failed, f)
		case kp.exec.State != types.RemediationExecutionStateSucceeded:
			running = append(running, kp.name+" ("+kp.state()+")")
		}
	}
	var parts []string
	exit := 0
	if len(notStarted) > 0 {
		parts = append(parts, notStartedLine(len(p.keys), notStarted))
		for _, kp := range notStarted {
			if kp.reason != client.StopDeadline {
				exit = exitFailed
			}
		}
	}
	if len(failed) > 0 {
		parts = append(parts, fmt.Sprintf("remediation failed for %d of %d: %s", len(failed), len(p.keys), strings.Join(failed, ", ")))
		exit = exitFailed
	}
	if len(running) > 0 {
		var we *client.WaitError
		switch {
		case errors.As(waitErr, &we) && we.Reason == client.StopDeadline:
			timedOut = true
			parts = append(parts, fmt.Sprintf("timed out waiting for %d of %d: %s", len(running), len(p.keys), strings.Join(running, ", ")))
		case waitErr != nil:
			exit = exitFailed
			parts = append(parts, fmt.Sprintf("stopped waiting for %d of %d (%s): %s", len(running), len(p.keys), waitCause(waitErr), strings.Join(running, ", ")))
		}
	}
	if exit == 0 && timedOut {
		exit = exitTimeout
	}
	if exit == 0 && len(parts) > 0 {
		exit = exitFailed // should not happen; never report success with a complaint
	}
	p.done, p.exit = true, exit
	if len(parts) > 0 {
		p.err = &exitError{code: exit, err: errors.New(strings.Join(parts, "; "))}
	}
	p.r.update(p)
	return p.err
}

// waitCause is the short cause of a wait that did not end by timing out.
func waitCause(err error) string {
	var we *client.WaitError
	if errors.As(err, &we) {
		if we.Err != nil {
			return errLine(we.Err)
		}
		return string(we.Reason)
	}
	return errLine(err)
}

// notStartedLine summarises the keys that never started, grouping those
// with the same last error, e.g. "RemediationInProgressException: ...
// (2 of 2 not started, gave up after 10 attempts)".
func notStartedLine(total int, ns []*keyProgress) string {
	type group struct {
		text     string
		reason   client.StopReason
		names    []string
		attempts int
	}
	var groups []*group
	for _, kp := range ns {
		text := "not sent"
		if kp.startErr != nil {
			text = errLine(kp.startErr)
		}
		var g *group
		for _, x := range groups {
			if x.text == text && x.reason == kp.reason {
				g = x
			}
		}
		if g == nil {
			g = &group{text: text, reason: kp.reason}
			groups = append(groups, g)
		}
		g.names = append(g.names, kp.name)
		g.attempts = max(g.attempts, kp.startAttempts)
	}
	parts := make([]string, len(groups))
	for i, g := range groups {
		names := g.names
		more := ""
		if len(names) > 3 {
			more = fmt.Sprintf(" and %d more", len(names)-3)
			names = names[:3]
		}
		parts[i] = fmt.Sprintf("%s (%d of %d not started: %s%s; %s after %s)",
			g.text, len(g.names), total, strings.Join(names, ", "), more, reasonText(g.reason), plural(g.attempts, "attempt"))
	}
	return strings.Join(parts, "; ")
}

// reasonText words a StopReason for people.
func reasonText(r client.StopReason) string {
	switch r {
	case client.StopPermanent:
		return "not retryable"
	case client.StopAttempts:
		return "gave up"
	case client.StopDeadline:
		return "timed out"
	case client.StopCanceled:
		return "canceled"
	}
	return string(r)
}

// observedAPI passes calls through to the SDK client and shows the answers
// to the progress model, so the display has each key's start outcome and
// execution steps as soon as they arrive.
type observedAPI struct {
	client.API
	p   *progress
	now func() time.Time
}

func (o observedAPI) StartRemediationExecution(ctx context.Context, in *configservice.StartRemediationExecutionInput, optFns ...func(*configservice.Options)) (*configservice.StartRemediationExecutionOutput, error) {
	out, err := o.API.StartRemediationExecution(ctx, in, optFns...)
	o.p.sent(in.ResourceKeys, out, err, o.now())
	return out, err
}

func (o observedAPI) DescribeRemediationExecutionStatus(ctx context.Context, in *configservice.DescribeRemediationExecutionStatusInput, optFns ...func(*configservice.Options)) (*configservice.DescribeRemediationExecutionStatusOutput, error) {
	out, err := o.API.DescribeRemediationExecutionStatus(ctx, in, optFns...)
	if err == nil {
		o.p.statuses(out.RemediationExecutionStatuses)
	}
	return out, err
}

// renderer shows the progress model; update is called with the model
// locked after every change worth showing, and once more when done.
type renderer interface {
	update(p *progress)
}

// newRenderer picks the renderer for the output mode: JSON, a block redrawn
// in place when w is a terminal of the given width, or plain lines.
func newRenderer(w io.Writer, jsonOut, terminal bool, width int) renderer {
	switch {
	case jsonOut:
		return &jsonRenderer{w: w}
	case terminal:
		return &ttyRenderer{w: w, width: max(width, 20)}
	default:
		return &lineRenderer{w: w, shown: map[string]string{}}
	}
}

// attemptLine describes a call, with what comes next before the error,
// which can be long: "StartRemediationExecution attempt 1 failed, retrying
// 1 resource in 200ms: RemediationInProgressException: ...", "poll 2: 1
// resource running, next poll in 2s". short leaves out the operation of a
// start attempt, for a terminal's status line. delay is the wait shown
// (a terminal counts a.Delay down; lines print it whole).
func attemptLine(a *client.Attempt, short bool, delay time.Duration) string {
	if a == nil {
		return ""
	}
	var b strings.Builder
	poll := a.Op == "DescribeRemediationExecutionStatus"
	switch {
	case poll:
		fmt.Fprintf(&b, "poll %d", a.Number)
	case short:
		fmt.Fprintf(&b, "attempt %d", a.Number)
	default:
		fmt.Fprintf(&b, "%s attempt %d", a.Op, a.Number)
	}
	switch {
	case a.Err != nil:
		b.WriteString(" failed")
	case len(a.Retry) > 0:
	case poll:
		b.WriteString(": every execution ended")
	default:
		b.WriteString(" succeeded")
	}
	if a.Delay > 0 && len(a.Retry) > 0 {
		sep := ", "
		if a.Err == nil {
			sep = ": "
		}
		when := "now"
		if delay > 0 {
			when = "in " + roundDelay(delay).String()
		}
		if poll {
			fmt.Fprintf(&b, "%s%s running, next poll %s", sep, plural(len(a.Retry), "resource"), when)
		} else {
			fmt.Fprintf(&b, "%sretrying %s %s", sep, plural(len(a.Retry), "resource"), when)
		}
	}
	if a.Err != nil {
		b.WriteString(": " + errLine(a.Err))
	}
	return b.String()
}

// roundDelay shortens a delay for display.
func roundDelay(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// detail is the text after a key's state: its current step, or its error.
func detail(kp *keyProgress) string {
	switch {
	case kp.exec.State == types.RemediationExecutionStateFailed && len(kp.exec.StepErrors) > 0:
		return strings.Join(kp.exec.StepErrors, "; ")
	case kp.exec.State != "":
		if name, n := currentStep(kp.exec.Steps); name != "" {
			return fmt.Sprintf("step %d/%d %s", n, len(kp.exec.Steps), name)
		}
		return ""
	case kp.start == keyRetrying || kp.start == keyNotStarted:
		s := fmt.Sprintf("after %s", plural(kp.startAttempts, "attempt"))
		if kp.startErr != nil {
			s += ": " + errLine(kp.startErr)
		}
		return s
	}
	return ""
}

// summary counts the keys by state for the last line.
func summary(p *progress) string {
	return fmt.Sprintf("rule %s: %s", p.rule, countStates(p.keys))
}

// countStates counts keys by state: "1 SUCCEEDED, 2 IN_PROGRESS".
func countStates(keys []*keyProgress) string {
	n := map[string]int{}
	for _, kp := range keys {
		n[kp.state()]++
	}
	var parts []string
	for _, s := range []string{"SUCCEEDED", "FAILED", "IN_PROGRESS", "QUEUED", "UNKNOWN", keyStarted, keyRetrying, keyPending, keyNotStarted} {
		if n[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[s], s))
		}
	}
	return strings.Join(parts, ", ")
}

// maxTTYKeys is the most lines of keys a terminal frame shows (the last
// one counts the others), so that a frame fits a 24-line terminal: the
// cursor cannot go back above the top of the screen.
const maxTTYKeys = 20

// ttyRenderer redraws a block of lines in place: a status line, one line
// per key (at most maxTTYKeys), and a summary when done. Lines are cut to
// the terminal's width so that none wraps, which would break the count of
// lines to go back.
type ttyRenderer struct {
	w     io.Writer
	width int
	lines int      // lines drawn by the previous frame
	prev  []string // the previous frame
}

func (r *ttyRenderer) update(p *progress) { r.draw(r.frame(p)) }

// refresh redraws the frame if it changed (a delay counted down).
func (r *ttyRenderer) refresh(p *progress) {
	if f := r.frame(p); !slices.Equal(f, r.prev) {
		r.draw(f)
	}
}

// frame is the block of lines showing p, each cut to the terminal's width.
func (r *ttyRenderer) frame(p *progress) []string {
	var frame []string
	head := fmt.Sprintf("Remediating %s with rule %s", plural(len(p.keys), "resource"), p.rule)
	frame = append(frame, head)
	if l := attemptLine(p.last, true, p.waiting()); l != "" && !p.done {
		frame = append(frame, "  "+l)
	}
	nameW := 0
	for _, kp := range p.keys {
		nameW = max(nameW, utf8.RuneCountInString(kp.name))
	}
	nameW = min(nameW, r.width/2)
	shown := p.keys
	if len(shown) > maxTTYKeys {
		shown = shown[:maxTTYKeys-1]
	}
	for _, kp := range shown {
		line := fmt.Sprintf("  %-*s  %-11s  %s", nameW, cut(kp.name, nameW), kp.state(), detail(kp))
		frame = append(frame, strings.TrimRight(line, " "))
	}
	if rest := p.keys[len(shown):]; len(rest) > 0 {
		frame = append(frame, fmt.Sprintf("  … and %d more: %s", len(rest), countStates(rest)))
	}
	if p.done {
		frame = append(frame, summary(p))
	}
	for i, l := range frame {
		frame[i] = cut(l, r.width-1)
	}
	return frame
}

// draw replaces the previous frame with frame.
func (r *ttyRenderer) draw(frame []string) {
	var b strings.Builder
	if r.lines > 0 {
		// Back to the first line of the previous frame, then clear it all.
		fmt.Fprintf(&b, "\x1b[%dA\r\x1b[J", r.lines)
	}
	for _, l := range frame {
		b.WriteString(l)
		b.WriteString("\n")
	}
	io.WriteString(r.w, b.String())
	r.lines, r.prev = len(frame), frame
}

// cut shortens s to at most n runes, marking a cut with "…".
func cut(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:n-1]) + "…"
}

// lineRenderer prints one line per event: each call that was refused or
// failed, each change of a key's state or step, and a summary when done.
type lineRenderer struct {
	w        io.Writer
	shown    map[string]string // key name -> last state and detail printed
	attempts int               // attempts already printed
}

func (r *lineRenderer) update(p *progress) {
	for ; r.attempts < len(p.attempts); r.attempts++ {
		a := &p.attempts[r.attempts]
		if a.Err != nil {
			fmt.Fprintln(r.w, attemptLine(a, false, a.Delay))
		}
	}
	for _, kp := range p.keys {
		st := kp.state()
		if st == keyPending || st == keyRetrying {
			continue // the attempt line says it
		}
		line := kp.name + " " + st
		if d := detail(kp); d != "" {
			line += " " + d
		}
		if r.shown[kp.name] != line {
			r.shown[kp.name] = line
			fmt.Fprintln(r.w, line)
		}
	}
	if p.done {
		fmt.Fprintln(r.w, summary(p))
	}
}

// jsonRenderer prints one JSON document when done.
type jsonRenderer struct{ w io.Writer }

// startReport is the JSON output of `remediate start`.
type startReport struct {
	ConfigRuleName string           `json:"ConfigRuleName"`
	Resources      []resourceReport `json:"Resources"`
	Attempts       []attemptReport  `json:"Attempts"`
	// ExitCode is the exit status of the command.
	ExitCode int    `json:"ExitCode"`
	Error    string `json:"Error,omitempty"`
}

type resourceReport struct {
	ResourceType string `json:"ResourceType"`
	ResourceId   string `json:"ResourceId"`
	// State is the execution's state, or, before one was seen, STARTED,
	// NOT_STARTED or PENDING.
	State         string       `json:"State"`
	StartAttempts int          `json:"StartAttempts"`
	StartedAt     *string      `json:"StartedAt,omitempty"`
	StartError    *errorReport `json:"StartError,omitempty"`
	// StopReason says why a key that did not start was given up.
	StopReason      string       `json:"StopReason,omitempty"`
	InvocationTime  *string      `json:"InvocationTime,omitempty"`
	LastUpdatedTime *string      `json:"LastUpdatedTime,omitempty"`
	CurrentStep     string       `json:"CurrentStep,omitempty"`
	StepDetails     []stepReport `json:"StepDetails"`
	StepErrors      []string     `json:"StepErrors"`
}

type errorReport struct {
	Code    string `json:"Code,omitempty"`
	Message string `json:"Message"`
}

type stepReport struct {
	Name         string  `json:"Name"`
	State        string  `json:"State"`
	ErrorMessage string  `json:"ErrorMessage,omitempty"`
	StartTime    *string `json:"StartTime,omitempty"`
	StopTime     *string `json:"StopTime,omitempty"`
}

type attemptReport struct {
	Operation    string  `json:"Operation"`
	Number       int     `json:"Number"`
	ErrorCode    string  `json:"ErrorCode,omitempty"`
	Error        string  `json:"Error,omitempty"`
	Retry        int     `json:"Retry"`
	DelaySeconds float64 `json:"DelaySeconds"`
}

func (r *jsonRenderer) update(p *progress) {
	if !p.done {
		return
	}
	rep := startReport{ConfigRuleName: p.rule, Resources: []resourceReport{}, Attempts: []attemptReport{}, ExitCode: p.exit}
	if p.err != nil {
		rep.Error = p.err.Error()
	}
	for _, kp := range p.keys {
		rr := resourceReport{
			ResourceType:  string(kp.key.ResourceType),
			ResourceId:    aws.ToString(kp.key.ResourceId),
			State:         kp.state(),
			StartAttempts: kp.startAttempts,
			StopReason:    string(kp.reason),
			StepDetails:   []stepReport{},
			StepErrors:    []string{},
		}
		if !kp.startedAt.IsZero() {
			rr.StartedAt = jsonTime(&kp.startedAt)
		}
		if kp.start == keyNotStarted && kp.startErr != nil {
			rr.StartError = &errorReport{Code: client.ErrorCode(kp.startErr), Message: errMessage(kp.startErr)}
		}
		rr.InvocationTime = jsonTime(&kp.exec.InvocationTime)
		rr.LastUpdatedTime = jsonTime(&kp.exec.LastUpdatedTime)
		rr.CurrentStep, _ = currentStep(kp.exec.Steps)
		for _, s := range kp.exec.Steps {
			rr.StepDetails = append(rr.StepDetails, stepReport{
				Name: aws.ToString(s.Name), State: string(s.State), ErrorMessage: aws.ToString(s.ErrorMessage),
				StartTime: jsonTime(s.StartTime), StopTime: jsonTime(s.StopTime),
			})
		}
		rr.StepErrors = append(rr.StepErrors, kp.exec.StepErrors...)
		rep.Resources = append(rep.Resources, rr)
	}
	for _, a := range p.attempts {
		ar := attemptReport{Operation: a.Op, Number: a.Number, ErrorCode: a.Code, Retry: len(a.Retry), DelaySeconds: a.Delay.Seconds()}
		if a.Err != nil {
			ar.Error = errMessage(a.Err)
		}
		rep.Attempts = append(rep.Attempts, ar)
	}
	writeJSON(r.w, rep)
}

// errMessage is the message of an AWS API error, or the error's one line.
func errMessage(err error) string {
	var fe *client.FailedItemError
	if errors.As(err, &fe) {
		return fe.Error()
	}
	if code := client.ErrorCode(err); code != "" {
		return strings.TrimPrefix(strings.TrimPrefix(errLine(err), code), ": ")
	}
	return errLine(err)
}

// writeJSON writes v indented, with a final newline.
func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
