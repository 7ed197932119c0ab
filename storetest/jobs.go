package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/configd/configd"
)

// A lease (of a job, a named lease, a remediation execution) held until T
// is still held at T and expired from T plus one millisecond on: expired
// means until < now.

// newJob returns a job of kind in scope, keyed key, due at minute runAt.
func newJob(kind string, scope configd.Scope, key string, runAt int) *configd.Job {
	return &configd.Job{
		Kind:      kind,
		Scope:     scope,
		Key:       key,
		Payload:   `{"trigger":"` + key + `"}`,
		RunAt:     minute(runAt),
		CreatedAt: minute(-1),
	}
}

// enqueue enqueues j and returns whether it was added.
func enqueue(t *testing.T, s configd.Store, j *configd.Job) bool {
	t.Helper()
	var added bool
	write(t, s, func(ctx context.Context, tx configd.Tx) error {
		var err error
		added, err = tx.EnqueueJob(ctx, j)
		return err
	})
	return added
}

// claim claims at most max jobs of kind for owner at now, leased for ten
// minutes.
func claim(t *testing.T, s configd.Store, kind, owner string, now time.Time, max int) []*configd.Job {
	t.Helper()
	var out []*configd.Job
	write(t, s, func(ctx context.Context, tx configd.Tx) error {
		var err error
		out, err = tx.ClaimJobs(ctx, kind, owner, now, now.Add(10*time.Minute), max)
		return err
	})
	return out
}

// jobIDs returns the ids of jobs.
func jobIDs(jobs []*configd.Job) []int64 {
	out := []int64{}
	for _, j := range jobs {
		out = append(out, j.ID)
	}
	return out
}

// countJobs counts jobs of kind in scope.
func countJobs(t *testing.T, s configd.Store, kind string, scope configd.Scope) int {
	t.Helper()
	var n int
	read(t, s, func(ctx context.Context, tx configd.Tx) error {
		var err error
		n, err = tx.CountJobs(ctx, kind, scope)
		return err
	})
	return n
}

const kindOther = "other-kind"

var jobTests = []test{
	{"OK", func(t *testing.T, s configd.Store) {
		j := newJob(configd.JobEvaluate, scopeA, "k", 5)
		if !enqueue(t, s, j) {
			t.Fatalf("EnqueueJob of a first job: not added")
		}
		if j.ID == 0 {
			t.Fatalf("EnqueueJob did not set the id")
		}
		wantEqual(t, "CountJobs", countJobs(t, s, configd.JobEvaluate, scopeA), 1)
		wantEqual(t, "claim before RunAt", jobIDs(claim(t, s, configd.JobEvaluate, "w1", minute(4), 10)), []int64{})
		wantEqual(t, "claim of another kind", jobIDs(claim(t, s, kindOther, "w1", minute(5), 10)), []int64{})
		got := claim(t, s, configd.JobEvaluate, "w1", minute(5), 10)
		want := *j
		want.Attempt, want.Owner, want.LeaseUntil = 1, "w1", minute(15)
		wantEqual(t, "claimed at RunAt", got, []*configd.Job{&want})
		wantEqual(t, "claim of a leased job", jobIDs(claim(t, s, configd.JobEvaluate, "w2", minute(6), 10)), []int64{})
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			ok, err := tx.CompleteJob(ctx, j.ID, "w2")
			must(t, "CompleteJob", err)
			wantEqual(t, "CompleteJob by another owner", ok, false)
			ok, err = tx.CompleteJob(ctx, j.ID, "w1")
			must(t, "CompleteJob", err)
			wantEqual(t, "CompleteJob by the owner", ok, true)
			ok, err = tx.CompleteJob(ctx, j.ID, "w1")
			must(t, "CompleteJob", err)
			wantEqual(t, "CompleteJob twice", ok, false)
			return nil
		})
		wantEqual(t, "CountJobs after CompleteJob", countJobs(t, s, configd.JobEvaluate, scopeA), 0)
		wantEqual(t, "claim after CompleteJob", jobIDs(claim(t, s, configd.JobEvaluate, "w1", minute(100), 10)), []int64{})
	}},
	{"ClaimOrder", func(t *testing.T, s configd.Store) {
		var ids []int64
		for _, at := range []int{30, 10, 20, 10, 40} {
			j := newJob(configd.JobEvaluate, scopeA, "", at)
			enqueue(t, s, j)
			ids = append(ids, j.ID)
		}
		other := newJob(kindOther, scopeA, "", 0)
		enqueue(t, s, other)
		// Earliest RunAt first, then in enqueue order; only due jobs.
		wantEqual(t, "first claim", jobIDs(claim(t, s, configd.JobEvaluate, "w", minute(35), 2)), []int64{ids[1], ids[3]})
		wantEqual(t, "second claim", jobIDs(claim(t, s, configd.JobEvaluate, "w", minute(35), 2)), []int64{ids[2], ids[0]})
		wantEqual(t, "third claim", jobIDs(claim(t, s, configd.JobEvaluate, "w", minute(35), 2)), []int64{})
		wantEqual(t, "claim of max 0", jobIDs(claim(t, s, configd.JobEvaluate, "w", minute(50), 0)), []int64{})
		wantEqual(t, "other kind", jobIDs(claim(t, s, kindOther, "w", minute(0), 5)), []int64{other.ID})
	}},
	{"Coalesce", func(t *testing.T, s configd.Store) {
		first := newJob(configd.JobEvaluate, scopeA, "k", 10)
		wantEqual(t, "first", enqueue(t, s, first), true)
		dup := newJob(configd.JobEvaluate, scopeA, "k", 1)
		wantEqual(t, "same kind, scope and key", enqueue(t, s, dup), false)
		wantEqual(t, "id of a coalesced job", dup.ID, int64(0))
		for name, j := range map[string]*configd.Job{
			"other key":    newJob(configd.JobEvaluate, scopeA, "k2", 10),
			"other kind":   newJob(kindOther, scopeA, "k", 10),
			"other region": newJob(configd.JobEvaluate, scopeB, "k", 10),
			"other acct":   newJob(configd.JobEvaluate, scopeC, "k", 10),
			"empty key":    newJob(configd.JobEvaluate, scopeA, "", 10),
			"empty key 2":  newJob(configd.JobEvaluate, scopeA, "", 10),
		} {
			wantEqual(t, name, enqueue(t, s, j), true)
		}
		wantEqual(t, "jobs in A", countJobs(t, s, configd.JobEvaluate, scopeA), 4)
		wantEqual(t, "jobs everywhere", countJobs(t, s, configd.JobEvaluate, configd.Scope{}), 6)
		wantEqual(t, "other kind everywhere", countJobs(t, s, kindOther, configd.Scope{}), 1)

		// A job held by a worker does not absorb a new change: the worker
		// may have read the state before it.
		got := claim(t, s, configd.JobEvaluate, "w", minute(10), 1)
		if len(got) != 1 || got[0].ID != first.ID {
			t.Fatalf("claimed %v, want the first job %d", jobIDs(got), first.ID)
		}
		second := newJob(configd.JobEvaluate, scopeA, "k", 11)
		wantEqual(t, "same key while the first is running", enqueue(t, s, second), true)
		wantEqual(t, "same key again", enqueue(t, s, newJob(configd.JobEvaluate, scopeA, "k", 12)), false)
		// Rescheduling the running job while another waits drops it: the
		// waiting job does its work.
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			return tx.RescheduleJob(ctx, first.ID, "w", minute(20), "boom")
		})
		wantEqual(t, "jobs in A after reschedule", countJobs(t, s, configd.JobEvaluate, scopeA), 4)
		got = claim(t, s, configd.JobEvaluate, "w", minute(100), 10)
		var keyed []int64
		for _, j := range got {
			if j.Key == "k" && j.Scope == scopeA {
				keyed = append(keyed, j.ID)
			}
		}
		wantEqual(t, "jobs keyed k in A", keyed, []int64{second.ID})
		// Without a waiting twin, rescheduling keeps the job, and it
		// coalesces again.
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			return tx.RescheduleJob(ctx, second.ID, "w", minute(200), "")
		})
		wantEqual(t, "same key after reschedule", enqueue(t, s, newJob(configd.JobEvaluate, scopeA, "k", 1)), false)
		wantEqual(t, "jobs in A at the end", countJobs(t, s, configd.JobEvaluate, scopeA), 4)
	}},
	{"Reschedule", func(t *testing.T, s configd.Store) {
		j := newJob(configd.JobEvaluate, scopeA, "k", 0)
		enqueue(t, s, j)
		claim(t, s, configd.JobEvaluate, "w1", minute(0), 1)
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			// Not the owner: nothing happens.
			must(t, "RescheduleJob by another owner", tx.RescheduleJob(ctx, j.ID, "w2", minute(1), "no"))
			return nil
		})
		wantEqual(t, "claim while still leased", jobIDs(claim(t, s, configd.JobEvaluate, "w2", minute(5), 1)), []int64{})
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			return tx.RescheduleJob(ctx, j.ID, "w1", minute(30), "throttled")
		})
		wantEqual(t, "claim before the new RunAt", jobIDs(claim(t, s, configd.JobEvaluate, "w2", minute(29), 1)), []int64{})
		got := claim(t, s, configd.JobEvaluate, "w2", minute(30), 1)
		want := *j
		want.RunAt, want.Attempt, want.Owner, want.LeaseUntil, want.LastError = minute(30), 2, "w2", minute(40), "throttled"
		wantEqual(t, "claimed again", got, []*configd.Job{&want})
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			ok, err := tx.CompleteJob(ctx, j.ID, "w1")
			must(t, "CompleteJob", err)
			wantEqual(t, "CompleteJob by the former owner", ok, false)
			return nil
		})
	}},
	{"ExpiredLease", func(t *testing.T, s configd.Store) {
		j := newJob(configd.JobEvaluate, scopeA, "", 0)
		enqueue(t, s, j)
		claim(t, s, configd.JobEvaluate, "w1", minute(0), 1) // leased until minute 10
		wantEqual(t, "claim at the end of the lease", jobIDs(claim(t, s, configd.JobEvaluate, "w2", minute(10), 1)), []int64{})
		got := claim(t, s, configd.JobEvaluate, "w2", minute(10).Add(time.Millisecond), 1)
		if len(got) != 1 || got[0].ID != j.ID || got[0].Owner != "w2" || got[0].Attempt != 2 {
			t.Fatalf("claim after the lease expired: %+v, want job %d for w2, attempt 2", got, j.ID)
		}
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			ok, err := tx.CompleteJob(ctx, j.ID, "w1")
			must(t, "CompleteJob", err)
			wantEqual(t, "CompleteJob by the worker that lost the lease", ok, false)
			must(t, "RescheduleJob", tx.RescheduleJob(ctx, j.ID, "w1", minute(0), "late"))
			ok, err = tx.CompleteJob(ctx, j.ID, "w2")
			must(t, "CompleteJob", err)
			wantEqual(t, "CompleteJob by the new owner", ok, true)
			return nil
		})
	}},
	{"ConcurrentClaims", func(t *testing.T, s configd.Store) {
		const jobs, workers = 200, 8
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			for i := range jobs {
				if _, err := tx.EnqueueJob(ctx, newJob(configd.JobEvaluate, scopeA, fmt.Sprint(i), i%7)); err != nil {
					return err
				}
			}
			return nil
		})
		var (
			mu      sync.Mutex
			claimed = map[int64]string{}
			wg      sync.WaitGroup
			errs    = make(chan error, workers)
		)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprintf("w%d", w)
				// Bounded, so that a store that hands out items again fails
				// instead of looping.
				for range jobs + 1 {
					var got []*configd.Job
					err := s.Write(context.Background(), func(tx configd.Tx) error {
						var err error
						got, err = tx.ClaimJobs(context.Background(), configd.JobEvaluate, owner, minute(10), minute(20), 3)
						return err
					})
					if err != nil {
						errs <- err
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, j := range got {
						if prev, dup := claimed[j.ID]; dup {
							errs <- fmt.Errorf("job %d claimed by %s and %s", j.ID, prev, owner)
							mu.Unlock()
							return // one error per worker: errs never blocks
						}
						claimed[j.ID] = owner
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		wantEqual(t, "jobs claimed", len(claimed), jobs)
	}},
	{"Leases", func(t *testing.T, s configd.Store) {
		acquire := func(name, owner string, now, until int) bool {
			t.Helper()
			var ok bool
			write(t, s, func(ctx context.Context, tx configd.Tx) error {
				var err error
				ok, err = tx.AcquireLease(ctx, name, owner, minute(now), minute(until))
				return err
			})
			return ok
		}
		release := func(name, owner string) {
			t.Helper()
			write(t, s, func(ctx context.Context, tx configd.Tx) error { return tx.ReleaseLease(ctx, name, owner) })
		}
		wantEqual(t, "free lease", acquire("scheduler", "a", 0, 10), true)
		wantEqual(t, "held by another", acquire("scheduler", "b", 5, 15), false)
		wantEqual(t, "other name", acquire("retention", "b", 5, 15), true)
		wantEqual(t, "renewed by its owner", acquire("scheduler", "a", 5, 20), true)
		wantEqual(t, "at the end of the renewed lease", acquire("scheduler", "b", 20, 30), false)
		wantEqual(t, "expired", acquire("scheduler", "b", 21, 30), true)
		wantEqual(t, "the former owner", acquire("scheduler", "a", 22, 40), false)
		release("scheduler", "a") // not a's: nothing happens
		wantEqual(t, "after release by a non-owner", acquire("scheduler", "a", 23, 40), false)
		release("scheduler", "b")
		wantEqual(t, "after release by the owner", acquire("scheduler", "a", 23, 40), true)
		// Leases are not data of a scope: Reset keeps them.
		must(t, "Reset", s.Reset(context.Background()))
		wantEqual(t, "after Reset", acquire("scheduler", "b", 24, 40), false)
	}},
	{"ConcurrentLeases", func(t *testing.T, s configd.Store) {
		const contenders = 20
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins []string
		)
		for c := range contenders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprintf("p%d", c)
				err := s.Write(context.Background(), func(tx configd.Tx) error {
					ok, err := tx.AcquireLease(context.Background(), "leader", owner, minute(0), minute(1))
					if ok {
						mu.Lock()
						wins = append(wins, owner)
						mu.Unlock()
					}
					return err
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if len(wins) != 1 {
			t.Errorf("lease taken by %v, want exactly one winner", wins)
		}
	}},
	{"ResetAndIsolation", func(t *testing.T, s configd.Store) {
		before := newJob(configd.JobEvaluate, scopeA, "k", 0)
		enqueue(t, s, before)
		enqueue(t, s, newJob(configd.JobEvaluate, scopeB, "k", 0))
		wantEqual(t, "jobs in C", countJobs(t, s, configd.JobEvaluate, scopeC), 0)
		wantEqual(t, "jobs in B", countJobs(t, s, configd.JobEvaluate, scopeB), 1)
		must(t, "Reset", s.Reset(context.Background()))
		wantEqual(t, "jobs after Reset", countJobs(t, s, configd.JobEvaluate, configd.Scope{}), 0)
		wantEqual(t, "claim after Reset", jobIDs(claim(t, s, configd.JobEvaluate, "w", minute(10), 10)), []int64{})
		// Ids are never reused, not even after Reset.
		j := newJob(configd.JobEvaluate, scopeA, "k", 0)
		enqueue(t, s, j)
		if j.ID <= before.ID {
			t.Errorf("job id %d after Reset, not above %d before", j.ID, before.ID)
		}
	}},
}
