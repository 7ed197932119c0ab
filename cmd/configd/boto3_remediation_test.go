package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBoto3RemediationSeed runs the seed scenario through boto3: a second
// start while the first execution is in progress raises the typed
// RemediationInProgressException; the client backs off exponentially and
// succeeds once the first has finished (testdata/remediation_seed.py).
func TestBoto3RemediationSeed(t *testing.T) {
	py := requireTool(t, "python3", "-c", "import boto3")
	s := startServer(t)
	cmd := exec.Command(py, "testdata/remediation_seed.py")
	cmd.Env = s.clientEnv()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "remediation seed OK") {
		t.Fatalf("seed scenario: %v\n%s", err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
}
