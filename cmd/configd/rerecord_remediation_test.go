package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/configd/configd"
)

// TestRerecordCoalesces: re-records requested while a discovery pass runs
// share the one next pass, which starts after the running one and polls the
// types of all of them (and only those); every caller waits for a pass that
// started after its request.
func TestRerecordCoalesces(t *testing.T) {
	var passes atomic.Int32
	var mu sync.Mutex
	var polled [][]string
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	r := &rerecorder{next: map[configd.Scope]*pollPass{}, poll: func(ctx context.Context, scope configd.Scope, types []string) error {
		passes.Add(1)
		mu.Lock()
		polled = append(polled, types)
		mu.Unlock()
		started <- struct{}{}
		<-release
		return nil
	}}
	k := configd.ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceID: "b"}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.rerecord(ctx, scopeA1, k) }()
	<-started // the first pass runs
	for i, typ := range []string{"AWS::EC2::SecurityGroup", "AWS::S3::Bucket", "AWS::EC2::SecurityGroup", "AWS::IAM::Role", "AWS::S3::Bucket"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.rerecord(ctx, scopeA1, configd.ResourceKey{ResourceType: typ, ResourceID: fmt.Sprint("r", i)})
		}()
	}
	time.Sleep(50 * time.Millisecond) // let them join the next pass
	release <- struct{}{}
	<-started // the next pass
	close(release)
	wg.Wait()
	if n := passes.Load(); n != 2 {
		t.Fatalf("%d discovery passes for 6 re-records during one pass, want 2", n)
	}
	want := [][]string{{"AWS::S3::Bucket"}, {"AWS::EC2::SecurityGroup", "AWS::IAM::Role", "AWS::S3::Bucket"}}
	if fmt.Sprint(polled) != fmt.Sprint(want) {
		t.Fatalf("types polled by each pass: %v, want %v", polled, want)
	}
}
