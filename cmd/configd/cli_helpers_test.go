package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"

	"github.com/configd/configd/client"
)

// cliScript is an AWS JSON 1.1 endpoint on 127.0.0.1 that answers the n-th
// call with the n-th scripted reply (the last one again once the script is
// used up) and records the calls.
type cliScript struct {
	*httptest.Server
	mu      sync.Mutex
	replies []cliReply
	calls   []cliCall
}

type cliReply struct {
	status int
	body   string
}

type cliCall struct {
	op   string // the operation, without the service prefix
	body map[string]any
}

// cliOK and cliFail build replies.
func cliOK(body string) cliReply { return cliReply{200, body} }

func cliFail(code, msg string) cliReply {
	b, _ := json.Marshal(map[string]string{"__type": code, "message": msg})
	return cliReply{400, string(b)}
}

func newCLIScript(t *testing.T, replies ...cliReply) *cliScript {
	t.Helper()
	s := &cliScript{replies: replies}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("test server at %s, want a loopback address", s.URL)
	}
	t.Cleanup(s.Close)
	return s
}

func (s *cliScript) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "StarlingDoveService.")
	s.calls = append(s.calls, cliCall{op: op, body: body})
	rep := s.replies[min(len(s.calls), len(s.replies))-1]
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", "test-request")
	w.WriteHeader(rep.status)
	_, _ = io.WriteString(w, rep.body)
}

// ops returns the operations called, in order.
func (s *cliScript) ops() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.calls {
		out = append(out, c.op)
	}
	return out
}

func (s *cliScript) call(i int) cliCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[i]
}

// cliClock is a fake clock whose sleeps advance it at once.
type cliClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func (c *cliClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *cliClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.sleeps = append(c.sleeps, d)
	return nil
}

// cliEnv is a test environment of the client subcommands: fixed
// credentials, no SDK retries, a fake clock and a fixed jitter.
type cliEnv struct {
	*cli
	clock *cliClock
}

func newCLIEnv(terminal bool, width int) *cliEnv {
	clk := &cliClock{t: time.Now()}
	return &cliEnv{clock: clk, cli: &cli{
		terminal: func(io.Writer) (bool, int) { return terminal, width },
		loadOpts: []func(*config.LoadOptions) error{
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(keyA, secretA, "")),
		},
		sdkOpts:    []func(*configservice.Options){func(o *configservice.Options) { o.Retryer = aws.NopRetryer{} }},
		clientOpts: []client.Option{client.WithNow(clk.now), client.WithSleep(clk.sleep), client.WithRand(func() float64 { return 0.5 })},
		now:        clk.now,
	}}
}

// run runs `configd args...` through run, as main does, and returns what it
// wrote and its exit status.
func (e *cliEnv) run(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = run(withCLI(context.Background(), e.cli), args, &out, &errb)
	return out.String(), errb.String(), code
}

// at returns args with the endpoint and region of srv appended.
func at(srv string, args ...string) []string {
	return append(args, "--endpoint-url", srv, "--region", "us-east-1")
}

// wantExit fails the test unless code is want, showing the output.
func wantExit(t *testing.T, code, want int, stdout, stderr string) {
	t.Helper()
	if code != want {
		t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", code, want, stdout, stderr)
	}
}

// wantLine fails the test unless stderr is exactly one line equal to want.
func wantLine(t *testing.T, stderr, want string) {
	t.Helper()
	if stderr != want+"\n" {
		t.Fatalf("stderr = %q\nwant     %q", stderr, want+"\n")
	}
}

// decodeJSON decodes s into a generic map.
func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("output is not a JSON object: %v\n%s", err, s)
	}
	return m
}
