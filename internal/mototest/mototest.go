// Package mototest runs a moto server (https://github.com/getmoto/moto), the
// Python AWS emulator, as a child process for tests that drive the AWS SDK
// against real AWS APIs on the loopback interface.
//
// Tests call Start for a server of their own, or Shared for one server per
// test binary (stopped by Close, which a TestMain calls after m.Run). When
// python3 or moto is missing the test is skipped, unless the environment has
// CI=true, where it fails: CI must run these tests.
package mototest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// InstallHint says how to make moto available.
const InstallHint = `install moto's server: "pip install 'moto[server]'" (or, on Debian/Ubuntu, ` +
	`"apt-get install python3-pip && pip install --break-system-packages 'moto[server]'"); ` +
	`the tests need "python3 -m moto.server" to work`

// startTimeout bounds how long a server may take to answer.
const startTimeout = 60 * time.Second

// Server is a running moto server.
type Server struct {
	// Endpoint is the server's URL, http://127.0.0.1:PORT.
	Endpoint string
	cmd      *exec.Cmd
	log      *bytes.Buffer
	done     chan struct{}
}

// Available reports whether python3 can run moto's server, and why not.
func Available() error {
	py, err := exec.LookPath("python3")
	if err != nil {
		return fmt.Errorf("python3 not found: %w", err)
	}
	out, err := exec.Command(py, "-c", "import moto.server, flask").CombinedOutput()
	if err != nil {
		return fmt.Errorf("moto server not importable: %v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// Launch starts a moto server on a free loopback port and waits until it
// answers. Stop it with Stop. It is the test-free building block of Start,
// for benchmarks and tools.
func Launch() (*Server, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), log: &bytes.Buffer{}, done: make(chan struct{})}
	s.cmd = exec.Command("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	// Own process group, so that Stop also ends anything moto spawns.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	s.cmd.Env = append(os.Environ(), "MOTO_CALL_RESET_API=true")
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto: %w", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	if err := s.wait(); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w; moto output:\n%s", err, s.Output())
	}
	return s, nil
}

// wait polls the server until it answers, it exits, or startTimeout passes.
func (s *Server) wait() error {
	deadline := time.Now().Add(startTimeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errors.New("moto server exited during start")
		default:
		}
		resp, err := client.Get(s.Endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("moto server did not answer within %s", startTimeout)
}

// Output returns what the server printed so far.
func (s *Server) Output() string { return s.log.String() }

// Stop kills the server's process group and waits for it to exit. It is
// safe to call twice.
func (s *Server) Stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
}

// Reset deletes every resource of the server (POST /moto-api/reset).
func (s *Server) Reset(ctx context.Context) error { return reset(ctx, s.Endpoint) }

func reset(ctx context.Context, endpoint string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("reset moto: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reset moto: status %s", resp.Status)
	}
	return nil
}

// unavailable skips t, or fails it when CI=true.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("moto is required in CI: %v; %s", err, InstallHint)
	}
	t.Skipf("skipping: moto is not available (%v); to run this test, %s", err, InstallHint)
}

// Start starts a moto server for t, stopped when t's cleanup runs, and
// returns its endpoint.
func Start(t testing.TB) (endpoint string) {
	t.Helper()
	if err := Available(); err != nil {
		unavailable(t, err)
	}
	s, err := Launch()
	if err != nil {
		t.Fatalf("moto: %v", err)
	}
	t.Cleanup(s.Stop)
	return s.Endpoint
}

var shared struct {
	sync.Mutex
	server *Server
	err    error
}

// Shared returns the endpoint of the test binary's shared moto server,
// starting it on first use. The caller's TestMain stops it with Close.
// Tests sharing it should Reset it or use names of their own.
func Shared(t testing.TB) (endpoint string) {
	t.Helper()
	if err := Available(); err != nil {
		unavailable(t, err)
	}
	shared.Lock()
	defer shared.Unlock()
	if shared.server == nil && shared.err == nil {
		shared.server, shared.err = Launch()
	}
	if shared.err != nil {
		t.Fatalf("moto: %v", shared.err)
	}
	return shared.server.Endpoint
}

// Close stops the shared server, if one was started.
func Close() {
	shared.Lock()
	defer shared.Unlock()
	shared.server.Stop()
	shared.server = nil
}

// Reset deletes every resource of the moto server at endpoint.
func Reset(t testing.TB, endpoint string) {
	t.Helper()
	if err := reset(context.Background(), endpoint); err != nil {
		t.Fatal(err)
	}
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
