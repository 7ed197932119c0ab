package postgres

// Tests of two *DB (two pools, as two configd processes have) on one
// database: what the store promises must hold across them.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/pgtest"
)

// twoPools opens two stores on one new schema, as two processes would.
func twoPools(t *testing.T) [2]*DB {
	t.Helper()
	u := pgtest.Database(t)
	return [2]*DB{openURL(t, u), openURL(t, u)}
}

var t0 = time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)

func TestGuardAcrossPools(t *testing.T) {
	dbs := twoPools(t)
	ctx := context.Background()
	key := configd.ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceID: "b"}
	const calls = 400
	var (
		wg                  sync.WaitGroup
		started             atomic.Int64
		refused             atomic.Int64
		mu                  sync.Mutex
		unexpected          []error
		startLine           = make(chan struct{})
		insertedExecutionID string
	)
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startLine
			id := fmt.Sprintf("exec-%03d", i)
			err := dbs[i%2].Write(ctx, func(tx configd.Tx) error {
				return tx.InsertExecution(ctx, scope, &configd.RemediationExecution{
					ID: id, RuleName: "r", ResourceType: key.ResourceType, ResourceID: key.ResourceID,
					State: configd.ExecQueued, InvocationTime: t0, LastUpdatedTime: t0, RunAt: t0,
				})
			})
			switch {
			case err == nil:
				started.Add(1)
				mu.Lock()
				insertedExecutionID = id
				mu.Unlock()
			case configd.IsCode(err, configd.ErrRemediationInProgress):
				refused.Add(1)
			default:
				mu.Lock()
				unexpected = append(unexpected, err)
				mu.Unlock()
			}
		}()
	}
	close(startLine)
	wg.Wait()
	for _, err := range unexpected {
		t.Errorf("InsertExecution: %v", err)
	}
	if started.Load() != 1 || refused.Load() != calls-1 {
		t.Fatalf("%d inserted, %d refused with %s; want 1 and %d", started.Load(), refused.Load(), configd.ErrRemediationInProgress, calls-1)
	}
	var n int
	if err := dbs[1].pool.QueryRow(ctx, `SELECT count(*) FROM remediation_executions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d executions stored, want 1", n)
	}
	// Finished, the execution releases the guard for either process.
	if err := dbs[0].Write(ctx, func(tx configd.Tx) error {
		e, err := tx.GetExecution(ctx, scope, insertedExecutionID)
		if err != nil {
			return err
		}
		e.State = configd.ExecSucceeded
		return tx.UpdateExecution(ctx, scope, e)
	}); err != nil {
		t.Fatalf("finish the execution: %v", err)
	}
	if err := dbs[1].Write(ctx, func(tx configd.Tx) error {
		return tx.InsertExecution(ctx, scope, &configd.RemediationExecution{
			ID: "exec-next", RuleName: "r", ResourceType: key.ResourceType, ResourceID: key.ResourceID,
			State: configd.ExecQueued, InvocationTime: t0, LastUpdatedTime: t0, RunAt: t0,
		})
	}); err != nil {
		t.Errorf("InsertExecution after the first finished: %v", err)
	}
}

func TestGuardKeepsTransactionUsable(t *testing.T) {
	// A refused insert does not abort the transaction: the same Write can
	// go on and start another resource's execution.
	d := openTest(t)
	ctx := context.Background()
	exec := func(id, resource string) *configd.RemediationExecution {
		return &configd.RemediationExecution{ID: id, RuleName: "r", ResourceType: "AWS::S3::Bucket", ResourceID: resource,
			State: configd.ExecInProgress, InvocationTime: t0, RunAt: t0}
	}
	err := d.Write(ctx, func(tx configd.Tx) error {
		if err := tx.InsertExecution(ctx, scope, exec("e1", "a")); err != nil {
			return err
		}
		if err := tx.InsertExecution(ctx, scope, exec("e2", "a")); !configd.IsCode(err, configd.ErrRemediationInProgress) {
			return fmt.Errorf("second insert for a: %v, want %s", err, configd.ErrRemediationInProgress)
		}
		return tx.InsertExecution(ctx, scope, exec("e3", "b"))
	})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	var active int
	if err := d.Read(ctx, func(tx configd.Tx) error {
		var err error
		active, _, err = tx.CountActiveExecutions(ctx, scope, "r")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if active != 2 {
		t.Errorf("%d active executions, want 2 (a and b)", active)
	}
}

func TestClaimsAcrossPools(t *testing.T) {
	dbs := twoPools(t)
	ctx := context.Background()
	const jobs, executions, workers = 300, 120, 8
	if err := dbs[0].Write(ctx, func(tx configd.Tx) error {
		for i := range jobs {
			if _, err := tx.EnqueueJob(ctx, &configd.Job{Kind: configd.JobEvaluate, Scope: scope, Key: fmt.Sprint(i),
				Payload: "{}", RunAt: t0, CreatedAt: t0}); err != nil {
				return err
			}
		}
		for i := range executions {
			if err := tx.InsertExecution(ctx, scope, &configd.RemediationExecution{
				ID: fmt.Sprintf("e%d", i), RuleName: "r", ResourceType: "AWS::S3::Bucket", ResourceID: fmt.Sprint(i),
				State: configd.ExecQueued, InvocationTime: t0.Add(time.Duration(i) * time.Millisecond), RunAt: t0,
			}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		jobOwner = map[int64]string{}
		exOwner  = map[string]string{}
		wg       sync.WaitGroup
	)
	now, until := t0.Add(time.Minute), t0.Add(time.Hour)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("w%d", w)
			d := dbs[w%2]
			for {
				var (
					js []*configd.Job
					es []configd.ScopedExecution
				)
				err := d.Write(ctx, func(tx configd.Tx) error {
					var err error
					if js, err = tx.ClaimJobs(ctx, configd.JobEvaluate, owner, now, until, 7); err != nil {
						return err
					}
					es, err = tx.ClaimExecutions(ctx, owner, now, until, 3)
					return err
				})
				if err != nil {
					t.Errorf("%s: claim: %v", owner, err)
					return
				}
				if len(js) == 0 && len(es) == 0 {
					return
				}
				mu.Lock()
				for _, j := range js {
					if prev, dup := jobOwner[j.ID]; dup {
						t.Errorf("job %d claimed by %s and %s", j.ID, prev, owner)
					}
					jobOwner[j.ID] = owner
				}
				for _, e := range es {
					if prev, dup := exOwner[e.Execution.ID]; dup {
						t.Errorf("execution %s claimed by %s and %s", e.Execution.ID, prev, owner)
					}
					if e.Execution.Owner != owner || !e.Execution.LeaseUntil.Equal(until) {
						t.Errorf("claimed execution %s: owner %q until %v, want %q until %v", e.Execution.ID, e.Execution.Owner, e.Execution.LeaseUntil, owner, until)
					}
					exOwner[e.Execution.ID] = owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(jobOwner) != jobs || len(exOwner) != executions {
		t.Errorf("claimed %d jobs and %d executions, want %d and %d", len(jobOwner), len(exOwner), jobs, executions)
	}
}

func TestClaimSkipsLockedRows(t *testing.T) {
	// A claim in a transaction that has not committed yet does not make
	// another process's claim wait: it takes the next rows.
	dbs := twoPools(t)
	ctx := context.Background()
	if err := dbs[0].Write(ctx, func(tx configd.Tx) error {
		for i := range 4 {
			if _, err := tx.EnqueueJob(ctx, &configd.Job{Kind: configd.JobEvaluate, Scope: scope, Payload: "{}",
				RunAt: t0.Add(time.Duration(i) * time.Second), CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	now, until := t0.Add(time.Minute), t0.Add(time.Hour)
	claimed := make(chan []*configd.Job, 1)
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- dbs[0].Write(ctx, func(tx configd.Tx) error {
			js, err := tx.ClaimJobs(ctx, configd.JobEvaluate, "slow", now, until, 2)
			if err != nil {
				return err
			}
			claimed <- js
			<-release // hold the rows locked
			return nil
		})
	}()
	first := <-claimed
	var second []*configd.Job
	quick, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := dbs[1].Write(quick, func(tx configd.Tx) error {
		var err error
		second, err = tx.ClaimJobs(quick, configd.JobEvaluate, "fast", now, until, 10)
		return err
	})
	close(release)
	if err != nil {
		t.Fatalf("claim beside an open claim: %v (did it wait for the other transaction?)", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(first) != 2 || len(second) != 2 || first[1].ID >= second[0].ID {
		t.Errorf("first claim %v, second %v; want the two oldest, then the two others", jobIDs(first), jobIDs(second))
	}
}

func jobIDs(js []*configd.Job) []int64 {
	out := make([]int64, len(js))
	for i, j := range js {
		out[i] = j.ID
	}
	return out
}

func TestLockAcrossPools(t *testing.T) {
	// Read-modify-write under Tx.Lock loses no update, with writers in two
	// processes.
	dbs := twoPools(t)
	ctx := context.Background()
	const writers, writes = 8, 15
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range writes {
				err := dbs[w%2].Write(ctx, func(tx configd.Tx) error {
					if err := tx.Lock(ctx, scope, "counter"); err != nil {
						return err
					}
					v, err := tx.Meta(ctx, "counter")
					if err != nil {
						return err
					}
					n := 0
					fmt.Sscan(v, &n)
					return tx.SetMeta(ctx, "counter", fmt.Sprint(n+1))
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	var v string
	if err := dbs[0].Read(ctx, func(tx configd.Tx) error {
		var err error
		v, err = tx.Meta(ctx, "counter")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprint(writers * writes); v != want {
		t.Errorf("counter %s, want %s", v, want)
	}
}

func TestWriteRetriesDeadlock(t *testing.T) {
	// Two transactions lock two keys in opposite orders: the database
	// aborts one with a deadlock, and Write runs it again.
	dbs := twoPools(t)
	ctx := context.Background()
	for _, d := range dbs {
		d.retryDelay = func(int) time.Duration { return 0 }
	}
	var (
		calls   atomic.Int64
		barrier sync.WaitGroup
		wg      sync.WaitGroup
		errs    = make([]error, 2)
	)
	barrier.Add(2)
	for i, order := range [][2]string{{"a", "b"}, {"b", "a"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first := true
			errs[i] = dbs[i].Write(ctx, func(tx configd.Tx) error {
				calls.Add(1)
				if err := tx.Lock(ctx, scope, order[0]); err != nil {
					return err
				}
				if first {
					first = false
					barrier.Done()
					barrier.Wait() // both hold their first lock
				}
				if err := tx.Lock(ctx, scope, order[1]); err != nil {
					return err
				}
				return tx.SetMeta(ctx, "winner-"+order[0], "yes")
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Write %d: %v", i, err)
		}
	}
	if calls.Load() < 3 {
		t.Errorf("fn ran %d times, want a retry after the deadlock", calls.Load())
	}
}

func TestWriteReturnsErrorAfterRetries(t *testing.T) {
	// A transaction that always meets a serialization failure gives up
	// after writeAttempts runs and returns fn's error.
	d := openTest(t)
	d.retryDelay = func(int) time.Duration { return 0 }
	ctx := context.Background()
	calls := 0
	err := d.Write(ctx, func(ct configd.Tx) error {
		calls++
		_, err := ct.(*tx).exec(ctx, `DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$`)
		return err
	})
	if err == nil || !isRetryable(err) {
		t.Errorf("Write: %v, want the serialization failure", err)
	}
	if calls != writeAttempts {
		t.Errorf("fn ran %d times, want %d", calls, writeAttempts)
	}
	// An error fn swallows still aborts the transaction: Write retries it
	// and, in the end, reports the database's error rather than success.
	calls = 0
	err = d.Write(ctx, func(ct configd.Tx) error {
		calls++
		ct.(*tx).exec(ctx, `DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'deadlock_detected'; END $$`)
		return nil
	})
	if err == nil || !isRetryable(err) || calls != writeAttempts {
		t.Errorf("Write with a swallowed deadlock: %v after %d runs, want the deadlock after %d", err, calls, writeAttempts)
	}
}

// waitBlockedBy polls until a backend waits for a lock held by the backend
// pid.
func waitBlockedBy(t *testing.T, d *DB, pid uint32) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := d.pool.QueryRow(context.Background(),
			`SELECT count(*) FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))`, int32(pid)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no transaction waits for backend %d", pid)
}

func TestRescheduleMeetsConcurrentTwin(t *testing.T) {
	// A worker releases its job while another process enqueues a job with
	// the same key that commits while the release waits on the index: the
	// release fails on the unique index, Write runs it again, and the job
	// is merged into its twin.
	dbs := twoPools(t)
	ctx := context.Background()
	for _, d := range dbs {
		d.retryDelay = func(int) time.Duration { return 0 }
	}
	job := &configd.Job{Kind: configd.JobEvaluate, Scope: scope, Key: "k", Payload: "{}", RunAt: t0, CreatedAt: t0}
	if err := dbs[0].Write(ctx, func(tx configd.Tx) error {
		if _, err := tx.EnqueueJob(ctx, job); err != nil {
			return err
		}
		_, err := tx.ClaimJobs(ctx, configd.JobEvaluate, "w", t0, t0.Add(time.Hour), 1)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	enqueued := make(chan uint32)
	release := make(chan struct{})
	twinDone := make(chan error, 1)
	go func() {
		twinDone <- dbs[1].Write(ctx, func(tx configd.Tx) error {
			if _, err := tx.EnqueueJob(ctx, &configd.Job{Kind: configd.JobEvaluate, Scope: scope, Key: "k", Payload: "{}", RunAt: t0.Add(time.Minute), CreatedAt: t0}); err != nil {
				return err
			}
			enqueued <- tx.(*txType).tx.Conn().PgConn().PID()
			<-release
			return nil
		})
	}()
	twinPID := <-enqueued
	runs := 0
	done := make(chan error, 1)
	go func() {
		done <- dbs[0].Write(ctx, func(tx configd.Tx) error {
			runs++
			return tx.RescheduleJob(ctx, job.ID, "w", t0.Add(2*time.Minute), "boom")
		})
	}()
	waitBlockedBy(t, dbs[0], twinPID)
	close(release)
	if err := <-twinDone; err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("RescheduleJob: %v", err)
	}
	if runs < 2 {
		t.Errorf("the release ran %d times, want a retry after the unique violation", runs)
	}
	if err := dbs[1].Read(ctx, func(tx configd.Tx) error {
		n, err := tx.CountJobs(ctx, configd.JobEvaluate, scope)
		if n != 1 {
			return fmt.Errorf("%d jobs, want the twin only", n)
		}
		return err
	}); err != nil {
		t.Error(err)
	}
}
