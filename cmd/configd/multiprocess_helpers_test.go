//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/pgtest"
	"github.com/configd/configd/postgres"
)

// Helpers of the multi-process tests: several `configd serve` processes,
// built from this package, on one PostgreSQL database.

// emulatorAccount is the account the clients of a cluster act in: in
// emulator mode a 12-digit access key id selects the account.
const emulatorAccount = "123456789012"

// clusterDatabase returns the URL of a fresh schema for one test: in the
// database of CONFIGD_TEST_DATABASE_URL when it is set (CI), else on a
// throwaway server of the test's own (so that no server outlives the test
// binary). The test skips when there is no PostgreSQL, or fails under CI.
func clusterDatabase(t *testing.T) string {
	t.Helper()
	if os.Getenv(pgtest.EnvURL) != "" {
		return pgtest.Database(t)
	}
	return pgtest.NewSchema(t, pgtest.Start(t).URL)
}

// node is one configd process of a cluster.
type node struct {
	name string
	addr string
	cmd  *exec.Cmd
	log  *lockedBuffer
	done chan struct{} // closed when the process has exited
}

// pid returns the process id.
func (n *node) pid() int { return n.cmd.Process.Pid }

// alive reports whether the process still runs.
func (n *node) alive() bool {
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// client returns an SDK client of the node for the account, without SDK
// retries, so that every answer the test sees is the server's own.
func (n *node) client(account string) *cs.Client {
	return cs.New(cs.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + n.addr),
		Credentials: credentials.NewStaticCredentialsProvider(account, "x", ""), Retryer: closedConnRetryer()})
}

// cluster is a set of configd processes on one database schema.
type cluster struct {
	t     *testing.T
	url   string
	flags []string

	mu      sync.Mutex
	started int
	nodes   []*node
	store   *postgres.DB
}

// newCluster returns a cluster on the database at url whose processes run
// `configd serve --accept-any-credentials --database-url url` with flags.
func newCluster(t *testing.T, url string, flags ...string) *cluster {
	t.Helper()
	c := &cluster{t: t, url: url, flags: flags}
	t.Cleanup(func() {
		c.mu.Lock()
		nodes := c.nodes
		c.mu.Unlock()
		for _, n := range nodes {
			if n.alive() {
				n.cmd.Process.Kill()
				<-n.done
			}
			if t.Failed() {
				t.Logf("log of %s (pid %d):\n%s", n.name, n.pid(), n.log.tail(64<<10))
			}
		}
		if c.store != nil {
			c.store.Close()
		}
	})
	return c
}

// start starts n processes at once (so that their migrations race) and
// waits until each answers /health.
func (c *cluster) start(n int, extra ...string) []*node {
	c.t.Helper()
	out := make([]*node, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range out {
		c.mu.Lock()
		c.started++
		name := fmt.Sprintf("configd-%d", c.started)
		c.mu.Unlock()
		addr, dir := freeAddr(c.t), c.t.TempDir()
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = c.launch(name, addr, dir, extra...)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		c.t.Fatal(err)
	}
	return out
}

// launch starts one process listening on addr with its data dir in dir,
// and waits until it is healthy.
func (c *cluster) launch(name, addr, dir string, extra ...string) (*node, error) {
	args := append([]string{"serve", "--addr", addr, "--data-dir", dir, "--log-level", "warn",
		"--accept-any-credentials", "--database-url", c.url}, c.flags...)
	cmd := exec.Command(configdBinary(c.t), append(args, extra...)...)
	n := &node{name: name, addr: addr, cmd: cmd, log: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = n.log, n.log
	// The process dies with the test binary, even if a timeout panic
	// skips the cleanups.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { cmd.Wait(); close(n.done) }()
	c.mu.Lock()
	c.nodes = append(c.nodes, n)
	c.mu.Unlock()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return n, nil
			}
		}
		if !n.alive() || time.Now().After(deadline) {
			return nil, fmt.Errorf("%s did not become healthy on %s; its log:\n%s", name, addr, n.log.tail(64<<10))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill9 kills a process with SIGKILL and waits until it is gone.
func (c *cluster) kill9(n *node) {
	c.t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		c.t.Fatalf("kill -9 %s: %v", n.name, err)
	}
	<-n.done
}

// nodeOf returns the process an owner id names (configd.NewOwnerID:
// "host/PID/rand", "evaluator/host/PID/rand"), or nil.
func (c *cluster) nodeOf(owner string) *node {
	f := strings.Split(owner, "/")
	if len(f) < 2 {
		return nil
	}
	pid, err := strconv.Atoi(f[len(f)-2])
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		if n.pid() == pid {
			return n
		}
	}
	return nil
}

// db returns the store of the cluster's database, opened by the test.
func (c *cluster) db() *postgres.DB {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.store == nil {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		s, err := postgres.Open(cctx, c.url)
		if err != nil {
			c.t.Fatal(err)
		}
		c.store = s
	}
	return c.store
}

// leaseHolder returns the node holding the named lease now, or nil (no
// holder, an expired lease, or an owner that is none of the cluster's).
// The leases table is read directly: no store method tells who holds one.
func (c *cluster) leaseHolder(name string) *node {
	c.t.Helper()
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, c.url)
	if err != nil {
		c.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var owner string
	var until int64
	err = conn.QueryRow(cctx, `SELECT owner, lease_until FROM leases WHERE name = $1`, name).Scan(&owner, &until)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		c.t.Fatalf("lease %s: %v", name, err)
	}
	if time.UnixMilli(until).Before(time.Now()) {
		return nil
	}
	return c.nodeOf(owner)
}

// waitUntil polls cond every 50 ms until it holds or timeout passes, and
// returns how long it took.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

// ruleStatusOf reads a rule's status from the store.
func (c *cluster) ruleStatusOf(scope configd.Scope, rule string) *configd.RuleStatus {
	c.t.Helper()
	var st *configd.RuleStatus
	err := c.db().Read(ctx, func(tx configd.Tx) error {
		var err error
		st, err = tx.GetRuleStatus(ctx, scope, rule)
		return err
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return st
}

// makeDue sets a periodic rule's next scheduled run to at (in the past), as
// if its period had passed, under the lock the scheduler takes.
func (c *cluster) makeDue(scope configd.Scope, rule string, at time.Time) {
	c.t.Helper()
	err := c.db().Write(ctx, func(tx configd.Tx) error {
		if err := tx.Lock(ctx, scope, "rule/"+rule); err != nil {
			return err
		}
		st, err := tx.GetRuleStatus(ctx, scope, rule)
		if err != nil {
			return err
		}
		st.NextScheduledRun = at
		return tx.PutRuleStatus(ctx, scope, rule, st)
	})
	if err != nil {
		c.t.Fatal(err)
	}
}

// executions returns every execution of a rule on a resource, newest first.
func (c *cluster) executions(scope configd.Scope, rule string, key configd.ResourceKey) []*configd.RemediationExecution {
	c.t.Helper()
	var hist []*configd.RemediationExecution
	err := c.db().Read(ctx, func(tx configd.Tx) error {
		var err error
		hist, err = tx.ExecutionHistory(ctx, scope, rule, key)
		return err
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return hist
}

// apiError returns the AWS error code and HTTP status of err ("" and 0 when
// it is not an answer of the server).
func apiError(err error) (code string, status int) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return code, status
}

// lockedBuffer collects a process's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written.
func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// tail returns the last max bytes written.
func (b *lockedBuffer) tail(max int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.b.String()
	if len(s) > max {
		s = "..." + s[len(s)-max:]
	}
	return s
}
