//go:build linux

package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/mototest"
	"github.com/configd/configd/internal/pgtest"
	"github.com/configd/configd/remediation"
)

// The promises of issue 7 across processes: several `configd serve`
// processes (the built binary) on one PostgreSQL database. Each test has a
// schema of its own; see clusterDatabase for where the database comes from.

// TestMultiProcessConcurrentStarts: 400 concurrent StartRemediationExecution
// calls for one resource, spread over two and over three processes (SDK
// clients of each), while the one execution they race for runs: exactly one
// call starts it, every other is refused (RemediationInProgressException,
// or the key in FailedItems); the store holds exactly one execution, and
// every process reports the same one. The processes start together on an
// empty database, so their migrations race too.
func TestMultiProcessConcurrentStarts(t *testing.T) {
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("OK%dProcesses", n), func(t *testing.T) {
			cl := newCluster(t, clusterDatabase(t), "--remediation-poll-interval", "200ms")
			nodes := cl.start(n)
			clients := make([]*cs.Client, n)
			for i, nd := range nodes {
				clients[i] = nd.client(emulatorAccount)
			}
			putRecorder(t, clients[0], "default")
			putRule(t, clients[0], managedRule(remRule, "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"))
			remPut(t, clients[0], testRunbookConfig("60", "0")) // in flight for the whole burst

			const calls = 400
			var (
				mu       sync.Mutex
				started  []int // the node indexes that started one
				refused  = make([]int, n)
				other    []error
				wg       sync.WaitGroup
				begin    = make(chan struct{})
				hotInput = &cs.StartRemediationExecutionInput{ConfigRuleName: aws.String(remRule), ResourceKeys: []types.ResourceKey{bucketKey("hot")}}
			)
			for i := 0; i < calls; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-begin
					out, err := clients[i%n].StartRemediationExecution(ctx, hotInput)
					mu.Lock()
					defer mu.Unlock()
					var inProgress *types.RemediationInProgressException
					switch {
					case errors.As(err, &inProgress):
						refused[i%n]++
					case err != nil:
						other = append(other, err)
					case len(out.FailedItems) == 0:
						started = append(started, i%n)
					case len(out.FailedItems) == 1 && aws.ToString(out.FailedItems[0].ResourceId) == "hot":
						refused[i%n]++
					default:
						other = append(other, fmt.Errorf("unexpected answer %+v", out))
					}
				}()
			}
			close(begin)
			wg.Wait()
			total := 0
			for _, r := range refused {
				total += r
			}
			if len(started) != 1 || total != calls-1 || len(other) > 0 {
				t.Fatalf("started by processes %v, refused %d (per process %v), other %v; want one start and %d refusals", started, total, refused, other, calls-1)
			}
			t.Logf("one start (through process %d), refusals per process %v", started[0], refused)
			for i, r := range refused {
				if r == 0 {
					t.Fatalf("process %d refused nothing: the burst was not spread (%v)", i, refused)
				}
			}

			key := configd.ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceID: "hot"}
			scope := configd.Scope{AccountID: emulatorAccount, Region: "us-east-1"}
			hist := cl.executions(scope, remRule, key)
			if len(hist) != 1 || !hist[0].Active() {
				t.Fatalf("%d executions stored, want 1 active: %+v", len(hist), hist)
			}
			remWaitState(t, clients[0], "hot", 10*time.Second, types.RemediationExecutionStateInProgress)
			var first *time.Time
			for i, c := range clients {
				st := remStatus(t, c, "hot")
				if st.State != types.RemediationExecutionStateInProgress || st.InvocationTime == nil {
					t.Fatalf("process %d reports %+v", i, st)
				}
				if first == nil {
					first = st.InvocationTime
				} else if !st.InvocationTime.Equal(*first) {
					t.Fatalf("process %d reports an execution invoked at %v, process 0 one at %v", i, st.InvocationTime, first)
				}
			}
		})
	}
}

// TestMultiProcessLeaderKill9: three processes; kill -9 of the leader (the
// holder of the leader lease, which runs periodic discovery) and of the
// process scheduling periodic rules (the holder of the scheduler lease,
// when it is another). Within the lease times another process takes each
// duty over: a bucket created after the kill is discovered, and a periodic
// rule whose period passed fires exactly once and is evaluated. The
// remediation executions running meanwhile are neither lost nor run twice
// at once: each resource has exactly one execution, which succeeds; those
// of the killed processes are resumed by a survivor after their lease
// expired (a configd:ResumeAfterWorkerLost step says so), the others never
// are (their lease was renewed throughout).
func TestMultiProcessLeaderKill9(t *testing.T) {
	const (
		leaderLease      = 2 * time.Second
		scheduleInterval = 250 * time.Millisecond
		discoveryEvery   = time.Second
		remediationLease = 3 * time.Second
	)
	moto := mototest.Start(t)
	cfgFile := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgFile, []byte("default:\n  endpointUrl: "+moto+"\n  accessKeyId: test\n  secretAccessKey: test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cl := newCluster(t, clusterDatabase(t), "--config", cfgFile,
		"--leader-lease", leaderLease.String(), "--rule-schedule-interval", scheduleInterval.String(),
		"--discovery-interval", discoveryEvery.String(),
		"--remediation-lease", remediationLease.String(), "--remediation-poll-interval", "200ms")
	nodes := cl.start(3)
	scope := configd.Scope{AccountID: emulatorAccount, Region: "us-east-1"}
	c := nodes[0].client(emulatorAccount)

	// Discovery of S3 buckets from moto, and a periodic rule.
	_, err := c.PutConfigurationRecorder(ctx, &cs.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{
		Name: aws.String("default"), RoleARN: aws.String("arn:aws:iam::" + emulatorAccount + ":role/config"),
		RecordingGroup: &types.RecordingGroup{ResourceTypes: []types.ResourceType{types.ResourceTypeBucket}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	putChannel(t, c)
	must[*cs.StartConfigurationRecorderOutput](t)(c.StartConfigurationRecorder(ctx, &cs.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")}))
	s3c := s3.NewFromConfig(motoConfig(moto), func(o *s3.Options) { o.UsePathStyle = true })
	discovered := func(bucket string) func() bool {
		return func() bool {
			l := must[*cs.ListDiscoveredResourcesOutput](t)(c.ListDiscoveredResources(ctx, &cs.ListDiscoveredResourcesInput{ResourceType: types.ResourceTypeBucket, ResourceIds: []string{bucket}}))
			return len(l.ResourceIdentifiers) == 1
		}
	}
	must[*s3.CreateBucketOutput](t)(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("before-kill")}))
	waitUntil(t, 20*time.Second, "bucket before-kill discovered", discovered("before-kill"))

	const periodic = "trail"
	putRule(t, c, &types.ConfigRule{ConfigRuleName: aws.String(periodic), MaximumExecutionFrequency: types.MaximumExecutionFrequencyOneHour,
		Source: &types.Source{Owner: types.OwnerAws, SourceIdentifier: aws.String("CLOUD_TRAIL_ENABLED")}})
	// fire makes the rule due as if its hour had passed, and waits until
	// it fired once (its next run moved on by exactly one period) and was
	// evaluated.
	fire := func(what string) {
		t.Helper()
		due := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
		asked := time.Now().Truncate(time.Millisecond)
		cl.makeDue(scope, periodic, due)
		waitUntil(t, 15*time.Second, what+": periodic rule fired and evaluated", func() bool {
			st := cl.ruleStatusOf(scope, periodic)
			if !st.NextScheduledRun.Equal(due) && !st.NextScheduledRun.Equal(due.Add(time.Hour)) {
				t.Fatalf("%s: next run %v, want %v (fired once)", what, st.NextScheduledRun, due.Add(time.Hour))
			}
			return st.NextScheduledRun.Equal(due.Add(time.Hour)) && !st.LastSuccessfulInvocationTime.Before(asked)
		})
	}
	waitUntil(t, 15*time.Second, "first evaluation of the periodic rule", func() bool {
		return !cl.ruleStatusOf(scope, periodic).LastSuccessfulInvocationTime.IsZero()
	})
	fire("before the kill")

	// Remediation executions of another account (so that the re-recording
	// after each success polls no recorder: discovery below is the
	// leader's alone), started through every process, all running.
	cb := nodes[0].client(acctB)
	putRecorder(t, cb, "default")
	putRule(t, cb, managedRule(remRule, "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"))
	rc := testRunbookConfig("4", "0")
	rc.ExecutionControls = &types.ExecutionControls{SsmControls: &types.SsmControls{ConcurrentExecutionRatePercentage: aws.Int32(100)}}
	remPut(t, cb, rc)
	scopeB := configd.Scope{AccountID: acctB, Region: "us-east-1"}
	const execs = 6
	keyOf := func(i int) configd.ResourceKey {
		return configd.ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceID: fmt.Sprintf("x%d", i)}
	}
	for i := 0; i < execs; i++ {
		out := must[*cs.StartRemediationExecutionOutput](t)(nodes[i%3].client(acctB).StartRemediationExecution(ctx, &cs.StartRemediationExecutionInput{
			ConfigRuleName: aws.String(remRule), ResourceKeys: []types.ResourceKey{bucketKey(keyOf(i).ResourceID)}}))
		if len(out.FailedItems) > 0 {
			t.Fatalf("start x%d refused: %s", i, aws.ToString(out.FailureMessage))
		}
	}
	owners := make([]*node, execs)
	waitUntil(t, 15*time.Second, "every execution running", func() bool {
		for i := range owners {
			h := cl.executions(scopeB, remRule, keyOf(i))
			if len(h) != 1 || h[0].State != configd.ExecInProgress || len(h[0].Steps) == 0 {
				return false
			}
			if owners[i] = cl.nodeOf(h[0].Owner); owners[i] == nil {
				return false
			}
		}
		return true
	})

	// Kill the leader, and the scheduler if it is another process.
	leader, scheduler := cl.leaseHolder("configd-leader"), cl.leaseHolder("evaluator-scheduler")
	if leader == nil || scheduler == nil {
		t.Fatalf("leader %v, scheduler %v: want both leases held by a process of the cluster", leader, scheduler)
	}
	killed := map[*node]bool{leader: true, scheduler: true}
	for nd := range killed {
		cl.kill9(nd)
	}
	t.Logf("killed %d process(es): the leader %s and the scheduler %s", len(killed), leader.name, scheduler.name)
	var survivor *node
	for _, nd := range nodes {
		if !killed[nd] {
			survivor = nd
		}
	}
	c = survivor.client(emulatorAccount)

	// The takeovers, timed from the kill: a survivor renews every third
	// of the lease, so it takes a lease over at most a third after it
	// expired (plus slack for a loaded machine).
	killedAt := time.Now()
	var leaderAfter, schedulerAfter time.Duration
	waitUntil(t, leaderLease+leaderLease/3+3*time.Second, "surviving leader and scheduler", func() bool {
		for _, l := range []struct {
			name  string
			after *time.Duration
		}{{"configd-leader", &leaderAfter}, {"evaluator-scheduler", &schedulerAfter}} {
			if h := cl.leaseHolder(l.name); *l.after == 0 && h != nil && !killed[h] {
				*l.after = time.Since(killedAt)
			}
		}
		return leaderAfter > 0 && schedulerAfter > 0
	})
	t.Logf("survivors took the leader lease (TTL %s) %s and the scheduler lease (TTL %s) %s after the kill",
		leaderLease, leaderAfter.Round(time.Millisecond), 2*scheduleInterval, schedulerAfter.Round(time.Millisecond))
	if schedulerAfter > 3*scheduleInterval+3*time.Second {
		t.Fatalf("the scheduler lease was taken over %s after the kill", schedulerAfter)
	}

	must[*s3.CreateBucketOutput](t)(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("after-kill")}))
	took := waitUntil(t, leaderLease+discoveryEvery+15*time.Second, "bucket after-kill discovered", discovered("after-kill"))
	t.Logf("periodic discovery found a new bucket %s after it was created", took.Round(time.Millisecond))
	fire("after the kill")

	cs2 := survivor.client(acctB)
	onKilled := 0
	for _, o := range owners {
		if killed[o] {
			onKilled++
		}
	}
	t.Logf("%d of %d executions ran on a killed process", onKilled, execs)
	for i := 0; i < execs; i++ {
		st := remWaitState(t, cs2, keyOf(i).ResourceID, 30*time.Second, types.RemediationExecutionStateSucceeded, types.RemediationExecutionStateFailed)
		h := cl.executions(scopeB, remRule, keyOf(i))
		if st.State != types.RemediationExecutionStateSucceeded || len(h) != 1 {
			t.Fatalf("x%d: %s, %d executions stored; want one, SUCCEEDED", i, st.State, len(h))
		}
		resumed := ""
		for _, s := range h[0].Steps {
			if s.Name == remediation.StepResumed {
				resumed = s.ErrorMessage
			}
		}
		switch {
		case killed[owners[i]] && !strings.Contains(resumed, "runs it again"):
			t.Fatalf("x%d ran on killed %s but was not resumed: %+v", i, owners[i].name, h[0].Steps)
		case !killed[owners[i]] && resumed != "":
			t.Fatalf("x%d ran on live %s but another process took it over: %q", i, owners[i].name, resumed)
		}
	}
}

// TestMultiProcessExecutionOwnerKill9: the process running an execution is
// killed (kill -9). Once its lease expired another process claims the
// execution and runs it again (OKResumed) or, when it is told never to
// resume (--remediation-max-resumes -1), fails it visibly (OKFailed); either
// way the guard is released, and a new start of the resource is accepted
// and runs.
func TestMultiProcessExecutionOwnerKill9(t *testing.T) {
	flags := []string{"--remediation-lease", "2s", "--remediation-poll-interval", "200ms"}
	key := configd.ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceID: "b1"}
	scope := configd.Scope{AccountID: emulatorAccount, Region: "us-east-1"}
	setup := func(t *testing.T, c *cs.Client) {
		putRecorder(t, c, "default")
		putRule(t, c, managedRule(remRule, "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"))
		remPut(t, c, testRunbookConfig("3", "0"))
	}
	start := func(t *testing.T, c *cs.Client) {
		t.Helper()
		out := must[*cs.StartRemediationExecutionOutput](t)(c.StartRemediationExecution(ctx, &cs.StartRemediationExecutionInput{
			ConfigRuleName: aws.String(remRule), ResourceKeys: []types.ResourceKey{bucketKey("b1")}}))
		if len(out.FailedItems) > 0 {
			t.Fatalf("start refused: %s", aws.ToString(out.FailureMessage))
		}
	}
	// running waits until the newest execution's runbook has begun and
	// returns the process running it.
	running := func(t *testing.T, cl *cluster) *node {
		t.Helper()
		var owner *node
		waitUntil(t, 15*time.Second, "execution running", func() bool {
			h := cl.executions(scope, remRule, key)
			if len(h) == 0 || h[0].State != configd.ExecInProgress || len(h[0].Steps) == 0 {
				return false
			}
			owner = cl.nodeOf(h[0].Owner)
			return owner != nil
		})
		return owner
	}
	// after waits until the execution ended (the survivor, whose client c
	// is, being the only process left) and checks how.
	after := func(t *testing.T, cl *cluster, c *cs.Client, dead *node, state types.RemediationExecutionState, msg string) {
		t.Helper()
		st := remWaitState(t, c, "b1", 30*time.Second, types.RemediationExecutionStateSucceeded, types.RemediationExecutionStateFailed)
		h := cl.executions(scope, remRule, key)
		resumed := ""
		for _, s := range h[0].Steps {
			if s.Name == remediation.StepResumed {
				resumed = s.ErrorMessage
			}
			if s.State == configd.StepPending {
				t.Fatalf("step %s left PENDING: %+v", s.Name, h[0].Steps)
			}
		}
		if st.State != state || !strings.Contains(resumed, msg) {
			t.Fatalf("after %s died: %s, resume step %q; want %s and %q", dead.name, st.State, resumed, state, msg)
		}
		// The guard is released: a new start is accepted, and runs.
		start(t, c)
		remWaitState(t, c, "b1", 30*time.Second, types.RemediationExecutionStateSucceeded)
		if n := len(cl.executions(scope, remRule, key)); n != 2 {
			t.Fatalf("%d executions stored, want 2", n)
		}
	}

	t.Run("OKResumed", func(t *testing.T) {
		cl := newCluster(t, clusterDatabase(t), flags...)
		nodes := cl.start(2)
		setup(t, nodes[0].client(emulatorAccount))
		start(t, nodes[0].client(emulatorAccount))
		owner := running(t, cl)
		survivor := nodes[0]
		if owner == nodes[0] {
			survivor = nodes[1]
		}
		cl.kill9(owner)
		after(t, cl, survivor.client(emulatorAccount), owner, types.RemediationExecutionStateSucceeded, "runs it again")
	})
	t.Run("OKFailed", func(t *testing.T) {
		cl := newCluster(t, clusterDatabase(t), flags...)
		first := cl.start(1)[0]
		setup(t, first.client(emulatorAccount))
		start(t, first.client(emulatorAccount))
		if owner := running(t, cl); owner != first {
			t.Fatalf("run by %v, want %s, the only process", owner, first.name)
		}
		second := cl.start(1, "--remediation-max-resumes", "-1")[0]
		cl.kill9(first)
		after(t, cl, second.client(emulatorAccount), first, types.RemediationExecutionStateFailed, "fails it")
	})
}

// TestMultiProcessDatabaseRestart: PostgreSQL crashes (an immediate
// shutdown) and restarts while writers put configuration items through two
// processes. No acknowledged write is lost: after the restart every version
// a writer saw acknowledged is in the resource's history. During the outage
// requests fail at once with the retryable ServiceUnavailable (HTTP 503),
// never hang nor fail otherwise, /health answers 503, and a client with the
// SDK's standard retries rides the outage out; afterwards every writer
// succeeds again and a leader is elected again.
func TestMultiProcessDatabaseRestart(t *testing.T) {
	srv := pgtest.Start(t)
	cl := newCluster(t, pgtest.NewSchema(t, srv.URL), "--leader-lease", "2s")
	nodes := cl.start(2)
	startRecording(t, nodes[0].client(emulatorAccount))

	const (
		writers     = 6
		maxDuration = 10 * time.Second // a request slower than this hangs
	)
	const (
		phaseUp = iota
		phaseDown
		phaseRestarted
	)
	var (
		phase     atomic.Int32
		stop      = make(chan struct{})
		wg        sync.WaitGroup
		mu        sync.Mutex
		acked     = make([][]int, writers)
		ackedLate = make([]int, writers) // acknowledged after the restart
		downFails int                    // failures while the server was down
		bad       []string               // failures other than ServiceUnavailable, or too slow
		slowest   time.Duration
	)
	put := func(c *cs.Client, id string, n int) (time.Duration, error) {
		t0 := time.Now()
		_, err := c.PutResourceConfig(ctx, &cs.PutResourceConfigInput{ResourceType: aws.String(thingType), SchemaVersionId: aws.String("1"),
			ResourceId: aws.String(id), Configuration: aws.String(fmt.Sprintf(`{"n":%d}`, n))})
		return time.Since(t0), err
	}
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := nodes[w%2].client(emulatorAccount)
			id := fmt.Sprintf("w%d", w)
			for n := 1; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				ph := phase.Load()
				d, err := put(c, id, n)
				mu.Lock()
				slowest = max(slowest, d)
				if d > maxDuration {
					bad = append(bad, fmt.Sprintf("%s n=%d took %s", id, n, d))
				}
				if err == nil {
					acked[w] = append(acked[w], n)
					if ph == phaseRestarted {
						ackedLate[w]++
					}
				} else {
					if code, status := apiError(err); code != configd.ErrServiceUnavailable || status != http.StatusServiceUnavailable {
						bad = append(bad, fmt.Sprintf("%s n=%d: %v", id, n, err))
					}
					if ph == phaseDown && phase.Load() == phaseDown {
						downFails++
					}
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	// A client with the SDK's standard retries (503 is retryable) and no
	// retry quota, whose puts all succeed across the outage.
	retrying := cs.New(cs.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + nodes[1].addr),
		Credentials: credentials.NewStaticCredentialsProvider(emulatorAccount, "x", ""),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 60
			o.MaxBackoff = 500 * time.Millisecond
			o.RateLimiter = ratelimit.None
		})})
	var retried []error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 1; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := put(retrying, "retrying", n); err != nil {
				mu.Lock()
				retried = append(retried, err)
				mu.Unlock()
			}
		}
	}()

	time.Sleep(time.Second)
	srv.Kill()
	phase.Store(phaseDown)
	time.Sleep(500 * time.Millisecond)
	resp, err := http.Get("http://" + nodes[0].addr + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/health during the outage: %d, want 503", resp.StatusCode)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	phase.Store(phaseRestarted)
	waitUntil(t, 30*time.Second, "every writer acknowledged again", func() bool {
		mu.Lock()
		defer mu.Unlock()
		for _, n := range ackedLate {
			if n < 5 {
				return false
			}
		}
		return true
	})
	close(stop)
	wg.Wait()
	t.Logf("acknowledged per writer %v (after the restart %v); %d failures while down; slowest request %s",
		lens(acked), ackedLate, downFails, slowest.Round(time.Millisecond))
	if len(bad) > 0 {
		t.Fatalf("%d requests failed otherwise than with ServiceUnavailable or hung, e.g. %v", len(bad), bad[:min(len(bad), 5)])
	}
	if downFails == 0 {
		t.Fatal("no request failed while the server was down: the outage was not exercised")
	}
	if len(retried) > 0 {
		t.Fatalf("%d puts failed despite the SDK's retries, e.g. %v", len(retried), retried[0])
	}

	c := nodes[0].client(emulatorAccount)
	for w := 0; w < writers; w++ {
		have := map[int]bool{}
		in := &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String(fmt.Sprintf("w%d", w)), Limit: 100}
		for {
			out := must[*cs.GetResourceConfigHistoryOutput](t)(c.GetResourceConfigHistory(ctx, in))
			for _, it := range out.ConfigurationItems {
				var n int
				fmt.Sscanf(aws.ToString(it.Configuration), `{"n":%d}`, &n)
				have[n] = true
			}
			if out.NextToken == nil {
				break
			}
			in.NextToken = out.NextToken
		}
		for _, n := range acked[w] {
			if !have[n] {
				t.Fatalf("w%d: version n=%d was acknowledged but is not in the history after the restart", w, n)
			}
		}
	}
	waitUntil(t, 10*time.Second, "a leader after the restart", func() bool { return cl.leaseHolder("configd-leader") != nil })
}

// TestMultiProcessDatabaseOutageDuringExecution: PostgreSQL stops for
// longer than the remediation lease while an execution runs on one of two
// processes. When it is back, the execution is not lost (it ends, run by
// its worker or resumed by the other process) nor duplicated (one
// execution stored), and the guard is released (a new start is accepted
// and runs).
func TestMultiProcessDatabaseOutageDuringExecution(t *testing.T) {
	srv := pgtest.Start(t)
	cl := newCluster(t, pgtest.NewSchema(t, srv.URL), "--remediation-lease", "2s", "--remediation-poll-interval", "200ms")
	nodes := cl.start(2)
	c := nodes[0].client(emulatorAccount)
	putRecorder(t, c, "default")
	putRule(t, c, managedRule(remRule, "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED"))
	remPut(t, c, testRunbookConfig("4", "0"))
	scope := configd.Scope{AccountID: emulatorAccount, Region: "us-east-1"}
	key := configd.ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceID: "b1"}
	start := func() {
		t.Helper()
		out := must[*cs.StartRemediationExecutionOutput](t)(c.StartRemediationExecution(ctx, &cs.StartRemediationExecutionInput{
			ConfigRuleName: aws.String(remRule), ResourceKeys: []types.ResourceKey{bucketKey("b1")}}))
		if len(out.FailedItems) > 0 {
			t.Fatalf("start refused: %s", aws.ToString(out.FailureMessage))
		}
	}
	start()
	var owner *node
	waitUntil(t, 15*time.Second, "execution running", func() bool {
		h := cl.executions(scope, remRule, key)
		if len(h) == 1 && h[0].State == configd.ExecInProgress && len(h[0].Steps) > 0 {
			owner = cl.nodeOf(h[0].Owner)
		}
		return owner != nil
	})
	srv.Stop()
	time.Sleep(3 * time.Second) // longer than the lease
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	// Clients retry while the pool reconnects.
	var st types.RemediationExecutionStatus
	waitUntil(t, 30*time.Second, "execution ended", func() bool {
		out, err := c.DescribeRemediationExecutionStatus(ctx, &cs.DescribeRemediationExecutionStatusInput{
			ConfigRuleName: aws.String(remRule), ResourceKeys: []types.ResourceKey{bucketKey("b1")}})
		if err != nil || len(out.RemediationExecutionStatuses) != 1 {
			return false
		}
		st = out.RemediationExecutionStatuses[0]
		return st.State == types.RemediationExecutionStateSucceeded || st.State == types.RemediationExecutionStateFailed
	})
	h := cl.executions(scope, remRule, key)
	if len(h) != 1 {
		t.Fatalf("%d executions stored, want 1", len(h))
	}
	resumed := ""
	for _, s := range h[0].Steps {
		if s.Name == remediation.StepResumed {
			resumed = s.ErrorMessage
		}
		if s.State == configd.StepPending {
			t.Fatalf("step %s left PENDING: %+v", s.Name, h[0].Steps)
		}
	}
	t.Logf("run by %s, ended %s after the outage; resume step: %q", owner.name, st.State, resumed)
	start()
	remWaitState(t, c, "b1", 30*time.Second, types.RemediationExecutionStateSucceeded)
}

func lens(s [][]int) []int {
	out := make([]int, len(s))
	for i, v := range s {
		out[i] = len(v)
	}
	return out
}
