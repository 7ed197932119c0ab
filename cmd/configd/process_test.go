package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// configdBinary builds configd once per test run.
func configdBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "configd-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "configd")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// proc is a configd process.
type proc struct {
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	stdout strings.Builder
}

// output returns what the process printed so far.
func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String()
}

// startProcess runs `configd serve` and waits until /health answers.
func startProcess(t testing.TB, dataDir, addr string, extra ...string) *proc {
	t.Helper()
	args := append([]string{"serve", "--addr", addr, "--data-dir", dataDir, "--log-level", "warn"}, extra...)
	cmd := exec.Command(configdBinary(t), args...)
	p := &proc{cmd: cmd, addr: addr}
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			p.stdout.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("configd did not listen on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *proc) kill9(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
}

// TestDurabilityKill9: every write acknowledged before kill -9 is there
// after a restart, and nothing is half-written.
func TestDurabilityKill9(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	p := startProcess(t, dir, addr, "--accept-any-credentials")
	c := cs.New(cs.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), Credentials: credentials.NewStaticCredentialsProvider("123456789012", "x", ""), Retryer: closedConnRetryer()})
	startRecording(t, c)

	// Writers run until the kill; each acknowledged write is remembered.
	var mu sync.Mutex
	acked := map[string]int{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 1; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("w%d", w)
				_, err := c.PutResourceConfig(ctx, &cs.PutResourceConfigInput{ResourceType: aws.String(thingType), SchemaVersionId: aws.String("1"), ResourceId: aws.String(id), Configuration: aws.String(fmt.Sprintf(`{"n":%d}`, i))})
				if err != nil {
					return // the process is gone
				}
				mu.Lock()
				acked[id] = i
				mu.Unlock()
			}
		}(w)
	}
	time.Sleep(700 * time.Millisecond)
	p.kill9(t)
	close(stop)
	wg.Wait()

	startProcess(t, dir, addr, "--accept-any-credentials")
	for id, n := range acked {
		items := history(t, c, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String(id), Limit: 100})
		got := 0
		fmt.Sscanf(aws.ToString(items[0].Configuration), `{"n":%d}`, &got)
		if got < n {
			t.Fatalf("%s: latest version after restart is %d, but %d was acknowledged", id, got, n)
		}
	}
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged before the kill")
	}
	t.Logf("acknowledged before kill -9: %v", acked)
}

// TestServeFirstStart: `configd serve` without credentials creates a key file
// (0600) and prints the export lines; `version` and `help` work.
func TestServeFirstStart(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	p := startProcess(t, dir, addr)
	for i := 0; i < 100 && !strings.Contains(p.output(), "AWS_ENDPOINT_URL"); i++ {
		time.Sleep(20 * time.Millisecond)
	}
	st, err := os.Stat(filepath.Join(dir, "credentials.yaml"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v", st, err)
	}
	out := p.output()
	var key, secret string
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "export AWS_ACCESS_KEY_ID="); ok {
			key = v
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "export AWS_SECRET_ACCESS_KEY="); ok {
			secret = v
		}
	}
	if key == "" || secret == "" {
		t.Fatalf("no export lines in %q", out)
	}
	c := cs.New(cs.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr), Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""), Retryer: closedConnRetryer()})
	putRecorder(t, c, "default")
	for _, args := range [][]string{{"version"}, {"help"}} {
		b, err := exec.Command(configdBinary(t), args...).CombinedOutput()
		if err != nil || len(b) == 0 {
			t.Fatalf("configd %v: %v %s", args, err, b)
		}
		if args[0] == "help" && (!strings.Contains(string(b), "serve") || !strings.Contains(string(b), "import")) {
			t.Fatalf("help does not list subcommands: %s", b)
		}
	}
}
