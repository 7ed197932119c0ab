package main

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/configd/configd"
)

// TestRerecordCoalesces: re-records requested while a discovery pass runs
// share the one next pass, which starts after the running one; every caller
// waits for a pass that started after its request.
func TestRerecordCoalesces(t *testing.T) {
	var passes atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	r := &rerecorder{next: map[configd.Scope]*pollPass{}, poll: func(ctx context.Context, scope configd.Scope) error {
		passes.Add(1)
		started <- struct{}{}
		<-release
		return nil
	}}
	k := configd.ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceID: "b"}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.rerecord(ctx, scopeA1, k) }()
	<-started // the first pass runs
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); r.rerecord(ctx, scopeA1, k) }()
	}
	time.Sleep(50 * time.Millisecond) // let them join the next pass
	release <- struct{}{}
	<-started // the next pass
	close(release)
	wg.Wait()
	if n := passes.Load(); n != 2 {
		t.Fatalf("%d discovery passes for 6 re-records during one pass, want 2", n)
	}
}
