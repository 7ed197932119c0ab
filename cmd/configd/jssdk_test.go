package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJSSDKSmoke runs testdata/jssdk/smoke.mjs: the AWS SDK for JavaScript
// v3 (@aws-sdk/client-config-service, pinned in package-lock.json) records
// and reads items, pages a list, parses modeled and validation errors and
// reads a Guard rule's verdicts from configd. It needs node and the
// package installed (`npm ci` in cmd/configd/testdata/jssdk, which .ci/run
// does): skipped without them on a developer's machine, failed in CI.
func TestJSSDKSmoke(t *testing.T) {
	node, err := exec.LookPath("node")
	dir, _ := filepath.Abs(filepath.Join("testdata", "jssdk"))
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "@aws-sdk", "client-config-service"))
	}
	if err != nil {
		msg := "node or the AWS SDK for JavaScript is missing (" + err.Error() + "); run `npm ci` in " + dir + " to run this test"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	s := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "smoke.mjs")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "CONFIGD_URL=" + s.URL(),
		"AWS_ACCESS_KEY_ID=" + keyA, "AWS_SECRET_ACCESS_KEY=" + secretA,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node smoke.mjs: %v\n%s", err, out)
	}
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "ok ") {
			n++
		}
	}
	if n != 7 {
		t.Fatalf("smoke.mjs passed %d checks, want 7:\n%s", n, out)
	}
}
