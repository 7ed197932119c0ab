package runbook

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/mototest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	mototest.Close()
	os.Exit(code)
}

// motoAccount is the account moto serves.
var motoAccount = "123456789012"

// testRole is a role ARN moto's STS lets us assume.
const testRole = "arn:aws:iam::123456789012:role/configd-remediation"

// motoEnv returns an Env on the test binary's moto server, with a clock
// that advances by what the injected Sleep was asked to wait.
func motoEnv(t *testing.T) (Env, *fakeTime) {
	t.Helper()
	motoOnce.Lock()
	if motoEndpoint == "" {
		// Shared checks that moto is importable, which takes a second;
		// once per binary is enough.
		motoEndpoint = mototest.Shared(t)
	}
	endpoint := motoEndpoint
	motoOnce.Unlock()
	return testEnv(endpoint)
}

var (
	motoOnce     sync.Mutex
	motoEndpoint string
)

// testEnv returns an Env on endpoint with an injected clock and Sleep.
func testEnv(endpoint string) (Env, *fakeTime) {
	ft := &fakeTime{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(endpoint),
	}
	return Env{
		AWS:         cfg,
		Scope:       configd.Scope{AccountID: motoAccount, Region: "us-east-1"},
		Now:         ft.Now,
		Sleep:       ft.Sleep,
		ExecutionID: "exec-1",
	}, ft
}

// fakeTime is an injected clock whose Sleep returns at once and advances it.
type fakeTime struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTime) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return nil
}

func (f *fakeTime) slept() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// stepLog records the step reports of an execution.
type stepLog struct {
	mu      sync.Mutex
	reports []configd.StepDetail
}

func (l *stepLog) report(d configd.StepDetail) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reports = append(l.reports, d)
}

// final returns "name:STATE" of the latest report of each step, in the
// order the steps first appeared, as the engine keeps them.
func (l *stepLog) final() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var order []string
	last := map[string]configd.StepDetail{}
	for _, d := range l.reports {
		if _, ok := last[d.Name]; !ok {
			order = append(order, d.Name)
		}
		last[d.Name] = d
	}
	var parts []string
	for _, n := range order {
		parts = append(parts, n+":"+last[n].State)
	}
	return strings.Join(parts, " ")
}

// message returns the error message of the latest report of step.
func (l *stepLog) message(step string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	msg := ""
	for _, d := range l.reports {
		if d.Name == step {
			msg = d.ErrorMessage
		}
	}
	return msg
}

// run looks name up and runs it with params, returning the error and the
// steps' final states.
func run(t *testing.T, r *Registry, env Env, name string, params map[string][]string) (error, *stepLog) {
	t.Helper()
	rb, ok := r.Lookup(name)
	if !ok {
		t.Fatalf("no runbook %s", name)
	}
	log := &stepLog{}
	err := rb.Run(context.Background(), env, params, log.report)
	return err, log
}

// newRegistry returns a registry without user documents.
func newRegistry(t *testing.T) *Registry {
	t.Helper()
	r, err := NewRegistry("")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// unique returns a name unique within the test binary, for resources on the
// shared moto server.
func unique(prefix string) string {
	uniqueMu.Lock()
	defer uniqueMu.Unlock()
	uniqueN++
	return fmt.Sprintf("%s-%d-%d", prefix, os.Getpid(), uniqueN)
}

var (
	uniqueMu sync.Mutex
	uniqueN  int
)
