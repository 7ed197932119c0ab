package main

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/configd/configd/client"
)

// TestTerminalCountdown: while the client waits before its next call, the
// terminal's status line counts the delay down on each tick ("now" once it
// is over), redrawing only when the text changes, and never after the run
// ended.
func TestTerminalCountdown(t *testing.T) {
	keys := []types.ResourceKey{{ResourceType: bucketType, ResourceId: aws.String("a")}}
	now := time.Unix(1767323045, 0)
	var b strings.Builder
	p := newProgress("enc", keys, false, newRenderer(&b, false, true, 120))
	p.now = func() time.Time { return now }
	p.tick() // nothing reported yet: nothing drawn
	if b.Len() != 0 {
		t.Fatalf("a tick before any call drew %q", b.String())
	}
	p.sent(keys, nil, &client.FailedItemError{Message: "in progress", InProgress: true}, now)
	p.attempt(client.Attempt{Op: "StartRemediationExecution", Number: 1, Retry: keys, Delay: 2 * time.Second,
		Err: &client.FailedItemError{Message: "in progress", InProgress: true}})
	now = now.Add(1500 * time.Millisecond)
	p.tick()
	p.tick() // the same text: not drawn again
	now = now.Add(time.Second)
	p.tick()
	frames := ttyFrames(b.String())
	status := make([]string, len(frames))
	for i, f := range frames {
		if len(f) < 2 {
			t.Fatalf("frame %d: %q", i, f)
		}
		status[i] = f[1]
	}
	want := []string{
		"  attempt 1 failed, retrying 1 resource in 2s: remediation in progress: in progress",
		"  attempt 1 failed, retrying 1 resource in 500ms: remediation in progress: in progress",
		"  attempt 1 failed, retrying 1 resource now: remediation in progress: in progress",
	}
	if strings.Join(status, "\n") != strings.Join(want, "\n") {
		t.Fatalf("status lines:\n%s\nwant:\n%s", strings.Join(status, "\n"), strings.Join(want, "\n"))
	}

	// A call without a delay after it: ticks draw nothing.
	p.sent(keys, &configservice.StartRemediationExecutionOutput{}, nil, now)
	p.attempt(client.Attempt{Op: "StartRemediationExecution", Number: 2})
	n := b.Len()
	now = now.Add(time.Second)
	p.tick()
	if b.Len() != n {
		t.Fatalf("a tick with no delay pending drew %q", b.String()[n:])
	}
	// Nor after the run ended.
	p.attempt(client.Attempt{Op: "DescribeRemediationExecutionStatus", Number: 1, Retry: keys, Delay: time.Second})
	p.finish(nil)
	n = b.Len()
	p.tick()
	if b.Len() != n {
		t.Fatalf("a tick after the end drew %q", b.String()[n:])
	}
}

// TestTickEvery: the ticker redraws on its own while a delay runs, and
// stop ends it: nothing is written afterwards.
func TestTickEvery(t *testing.T) {
	keys := []types.ResourceKey{{ResourceType: bucketType, ResourceId: aws.String("a")}}
	var b lockedBuffer
	p := newProgress("enc", keys, false, newRenderer(&b, false, true, 80))
	p.attempt(client.Attempt{Op: "StartRemediationExecution", Number: 1, Retry: keys, Delay: 2 * time.Second,
		Err: &client.FailedItemError{Message: "in progress", InProgress: true}})
	stop := p.tickEvery(time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for len(ttyFrames(b.String())) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if n := len(ttyFrames(b.String())); n < 3 {
		t.Fatalf("%d frames after ticking for up to 5s, want the countdown redrawn", n)
	}
	out := b.String()
	time.Sleep(20 * time.Millisecond)
	if b.String() != out {
		t.Fatalf("drawn after stop: %q", b.String()[len(out):])
	}
}
