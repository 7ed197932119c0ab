package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// startTimeout bounds how long initdb or a server start may take.
const startTimeout = 60 * time.Second

// superuser is the name of the bootstrap superuser of a throwaway server.
const superuser = "configd"

// Server is a throwaway PostgreSQL server in a temporary directory. Its
// data survives Stop, Kill and Start; Close removes it.
type Server struct {
	// URL connects to the server's "postgres" database as its superuser,
	// postgres://configd@127.0.0.1:PORT/postgres?sslmode=disable.
	URL  string
	Port int
	// Dir is the temporary directory; the data directory is Dir/data.
	Dir string

	bin  string // directory of initdb and postgres
	cred *syscall.Credential

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	log  *syncBuffer
}

// Available reports the directory holding the initdb and postgres binaries,
// or why there is none, and whether the server could run as a non-root user.
func Available() (string, error) {
	bin, err := binDir()
	if err != nil {
		return "", err
	}
	if _, err := credential(); err != nil {
		return "", err
	}
	return bin, nil
}

// binDir finds initdb and postgres: on PATH, or in the newest
// /usr/lib/postgresql/VERSION/bin (where Debian installs them).
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(p)
		if _, err := exec.LookPath("postgres"); err == nil {
			return dir, nil
		}
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, dir := range dirs {
		_, e1 := os.Stat(filepath.Join(dir, "initdb"))
		_, e2 := os.Stat(filepath.Join(dir, "postgres"))
		if e1 == nil && e2 == nil {
			return dir, nil
		}
	}
	return "", errors.New("initdb and postgres are neither on PATH nor under /usr/lib/postgresql/*/bin")
}

// versionOf returns the major version in /usr/lib/postgresql/VERSION/bin.
func versionOf(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

// credential returns the user the server runs as: nil (the current user)
// unless running as root, which PostgreSQL refuses; then "postgres" or
// "nobody".
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, errors.New(`running as root, and neither user "postgres" nor "nobody" exists to run PostgreSQL as (it refuses root)`)
}

// Start starts a server of t's own, closed when t ends. It skips t when no
// server can be started, or fails it when CI=true.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := Launch()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL server binaries are required in CI: %v; %s", err, InstallHint)
		}
		t.Skipf("cannot start PostgreSQL: %v; %s", err, InstallHint)
	}
	t.Cleanup(s.Close)
	return s
}

// Launch creates a database cluster in a new temporary directory and starts
// a server on it, listening on a free loopback port only. It is the
// test-free building block of Start.
func Launch() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "configd-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, bin: bin, cred: cred}
	if err := s.init(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.Port = port
	s.URL = fmt.Sprintf("postgres://%s@127.0.0.1:%d/postgres?sslmode=disable", superuser, port)
	if err := s.Start(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// init runs initdb in s.Dir/data.
func (s *Server) init() error {
	if s.cred != nil {
		if err := os.Chown(s.Dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return fmt.Errorf("chown %s: %w", s.Dir, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, "initdb"),
		"-D", filepath.Join(s.Dir, "data"), "-U", superuser, "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	s.prepare(cmd)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// prepare sets the user, directory and environment of a PostgreSQL command.
func (s *Server) prepare(cmd *exec.Cmd) {
	cmd.Dir = s.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	cmd.SysProcAttr = sysProcAttr(s.cred)
}

// Start starts the server (again, after Stop or Kill) on its port and waits
// until it accepts connections.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running() {
		return nil
	}
	// fsync is off: a throwaway server need not survive a crash of the
	// machine, and a commit still reaches the operating system before it
	// is acknowledged (synchronous_commit stays on), so a killed server
	// loses nothing acknowledged.
	cmd := exec.Command(filepath.Join(s.bin, "postgres"),
		"-D", filepath.Join(s.Dir, "data"),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "port="+strconv.Itoa(s.Port),
		"-c", "unix_socket_directories="+s.Dir,
		"-c", "max_connections=300",
		"-c", "fsync=off",
		"-c", "full_page_writes=off",
		"-c", "logging_collector=off")
	s.prepare(cmd)
	s.log = &syncBuffer{}
	cmd.Stdout = s.log
	cmd.Stderr = s.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	if err := s.wait(); err != nil {
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		<-done
		return fmt.Errorf("%w; postgres output:\n%s", err, s.log.String())
	}
	return nil
}

// running reports whether the server process runs; s.mu is held.
func (s *Server) running() bool {
	if s.done == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// wait polls the server until it accepts a connection, it exits, or
// startTimeout passes.
func (s *Server) wait() error {
	deadline := time.Now().Add(startTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errors.New("postgres exited during start")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.URL)
		if err == nil {
			conn.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("postgres did not accept connections within %s: %v", startTimeout, last)
}

// Stop shuts the server down the fast way (it rolls back open transactions
// and closes connections) and waits for it to exit. It is safe to call
// when the server is not running.
func (s *Server) Stop() { s.signal(syscall.SIGINT) }

// Kill shuts the server down the immediate way, as a crash would (recovery
// replays the log at the next Start), and waits for it to exit.
func (s *Server) Kill() { s.signal(syscall.SIGQUIT) }

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running() {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(startTimeout):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// Output returns what the server printed since it last started.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.log == nil {
		return ""
	}
	return s.log.String()
}

// Close stops the server and removes its directory. It is safe to call twice.
func (s *Server) Close() {
	s.Stop()
	if s.Dir != "" {
		os.RemoveAll(s.Dir)
	}
}

// freePort returns a TCP port that was free on 127.0.0.1 a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Clone(b.b.String())
}
