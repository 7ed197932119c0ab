package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/configd/configd"
)

// setMeta writes key=key in a Write, running extra after the write.
func setMeta(ctx context.Context, d *DB, key string, extra func() error) error {
	return d.Write(ctx, func(tx configd.Tx) error {
		if err := tx.SetMeta(ctx, key, key); err != nil {
			return err
		}
		if extra != nil {
			return extra()
		}
		return nil
	})
}

// stored reports whether key was committed.
func stored(t *testing.T, d *DB, key string) bool {
	t.Helper()
	var v string
	err := d.Read(context.Background(), func(tx configd.Tx) error {
		var err error
		v, err = tx.Meta(context.Background(), key)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v == key
}

// waitWaiting waits until n Writes wait for the write token.
func waitWaiting(t *testing.T, d *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for d.waiting.Load() != int32(n) {
		if time.Now().After(deadline) {
			t.Fatalf("%d Writes waiting, want %d", d.waiting.Load(), n)
		}
		runtime.Gosched()
	}
}

// queued runs a Write that holds the token until release is closed, then
// the Writes of members, which queue behind it; it returns the errors (or
// recovered panics) of the members once all returned, and how many
// transactions were committed meanwhile.
func queued(t *testing.T, d *DB, members []func(ctx context.Context, i int) error) ([]any, int64) {
	t.Helper()
	// The batch's age bound is wall time: a slow machine would close the
	// batch early and the count of commits would depend on its load.
	d.maxBatchAge = time.Hour
	ctx := context.Background()
	before := d.commits.Load()
	holding, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- setMeta(ctx, d, "first", func() error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	out := make([]any, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					out[i] = p
				}
			}()
			out[i] = m(ctx, i)
		}()
		waitWaiting(t, d, i+1) // queue in order
	}
	close(release)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatalf("first Write: %v", err)
	}
	if !stored(t, d, "first") {
		t.Errorf("first Write not committed")
	}
	return out, d.commits.Load() - before
}

func key(i int) string { return fmt.Sprintf("k%02d", i) }

var errBoom = errors.New("boom")

func TestGroupCommit(t *testing.T) {
	members := func(n int, special map[int]func(ctx context.Context, d *DB, i int) error, d *DB) []func(context.Context, int) error {
		ms := make([]func(context.Context, int) error, n)
		for i := range ms {
			ms[i] = func(ctx context.Context, i int) error {
				if f := special[i]; f != nil {
					return f(ctx, d, i)
				}
				return setMeta(ctx, d, key(i), nil)
			}
		}
		return ms
	}
	t.Run("OK", func(t *testing.T) {
		d := openTemp(t)
		errs, commits := queued(t, d, members(10, nil, d))
		for i, err := range errs {
			if err != nil {
				t.Errorf("Write %d: %v", i, err)
			}
			if !stored(t, d, key(i)) {
				t.Errorf("Write %d returned before its write was committed", i)
			}
		}
		if commits != 1 {
			t.Errorf("11 queued Writes took %d commits, want 1", commits)
		}
	})
	t.Run("ErrMemberFails", func(t *testing.T) {
		d := openTemp(t)
		errs, commits := queued(t, d, members(6, map[int]func(context.Context, *DB, int) error{
			3: func(ctx context.Context, d *DB, i int) error {
				return setMeta(ctx, d, key(i), func() error { return errBoom })
			},
		}, d))
		for i, err := range errs {
			want := error(nil)
			if i == 3 {
				want = errBoom
			}
			if err != want {
				t.Errorf("Write %d: %v, want %v", i, err, want)
			}
			if got := stored(t, d, key(i)); got != (i != 3) {
				t.Errorf("write of Write %d stored: %v, want %v", i, got, i != 3)
			}
		}
		if commits != 1 {
			t.Errorf("queued Writes took %d commits, want 1", commits)
		}
	})
	t.Run("ErrMemberPanics", func(t *testing.T) {
		d := openTemp(t)
		errs, commits := queued(t, d, members(6, map[int]func(context.Context, *DB, int) error{
			2: func(ctx context.Context, d *DB, i int) error {
				return setMeta(ctx, d, key(i), func() error { panic("member panic") })
			},
		}, d))
		for i, err := range errs {
			want := any(nil)
			if i == 2 {
				want = "member panic"
			}
			if err != want {
				t.Errorf("Write %d: %v, want %v", i, err, want)
			}
			if got := stored(t, d, key(i)); got != (i != 2) {
				t.Errorf("write of Write %d stored: %v, want %v", i, got, i != 2)
			}
		}
		if commits != 1 {
			t.Errorf("queued Writes took %d commits, want 1", commits)
		}
	})
	t.Run("OKBounds", func(t *testing.T) {
		d := openTemp(t)
		d.maxBatch = 4
		errs, commits := queued(t, d, members(11, nil, d))
		for i, err := range errs {
			if err != nil || !stored(t, d, key(i)) {
				t.Errorf("Write %d: %v, stored %v", i, err, stored(t, d, key(i)))
			}
		}
		if commits != 3 {
			t.Errorf("12 Writes in batches of at most 4 took %d commits, want 3", commits)
		}
	})
	t.Run("OKMemberContextEnds", func(t *testing.T) {
		// A member's statements ignore the end of its context, which would
		// otherwise interrupt them and roll back the whole batch.
		d := openTemp(t)
		errs, commits := queued(t, d, members(3, map[int]func(context.Context, *DB, int) error{
			1: func(ctx context.Context, d *DB, i int) error {
				c, cancel := context.WithCancel(ctx)
				return d.Write(c, func(tx configd.Tx) error {
					cancel()
					return tx.SetMeta(c, key(i), key(i))
				})
			},
		}, d))
		for i, err := range errs {
			if err != nil || !stored(t, d, key(i)) {
				t.Errorf("Write %d: %v, stored %v", i, err, stored(t, d, key(i)))
			}
		}
		if commits != 1 {
			t.Errorf("queued Writes took %d commits, want 1", commits)
		}
	})
	t.Run("OKAlone", func(t *testing.T) {
		d := openTemp(t)
		for i := range 3 {
			before := d.commits.Load()
			if err := setMeta(context.Background(), d, key(i), nil); err != nil {
				t.Fatal(err)
			}
			if n := d.commits.Load() - before; n != 1 {
				t.Errorf("a Write alone took %d commits, want 1", n)
			}
		}
	})
	t.Run("ErrFirstFails", func(t *testing.T) {
		d := openTemp(t)
		err := setMeta(context.Background(), d, "x", func() error { return errBoom })
		if err != errBoom || stored(t, d, "x") {
			t.Errorf("failing Write alone: %v, stored %v; want %v and nothing stored", err, stored(t, d, "x"), errBoom)
		}
		if err := setMeta(context.Background(), d, "y", nil); err != nil || !stored(t, d, "y") {
			t.Errorf("Write after a failed one: %v", err)
		}
	})
}

// TestGroupCommitStress runs many concurrent Writes that succeed, fail,
// panic or have their context canceled at random, and checks that each
// returned nil exactly when its write was committed.
func TestGroupCommitStress(t *testing.T) {
	d := openTemp(t)
	const workers, each = 8, 60
	type outcome struct {
		key string
		err error
	}
	results := make(chan outcome, workers*each)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for i := range each {
				k := fmt.Sprintf("w%d-%d", w, i)
				ctx, cancel := context.WithCancel(context.Background())
				var extra func() error
				switch n := r.IntN(20); {
				case n < 2:
					extra = func() error { return errBoom }
				case n < 3:
					extra = func() error { panic(errBoom) }
				case n < 5:
					go cancel()
				}
				err := func() (err error) {
					defer func() {
						if p := recover(); p != nil {
							err = p.(error)
						}
					}()
					return setMeta(ctx, d, k, extra)
				}()
				cancel()
				results <- outcome{k, err}
			}
		}()
	}
	wg.Wait()
	close(results)
	for o := range results {
		if got := stored(t, d, o.key); got != (o.err == nil) {
			t.Errorf("Write %s returned %v, and its write stored: %v", o.key, o.err, got)
		}
	}
	t.Logf("%d Writes in %d transactions", workers*each, d.commits.Load())
}

// TestGroupCommitRollbackForgetsInventory checks that a member rolled back to
// its savepoint leaves no trace in what the transaction remembers of the
// inventory: the next member appending to the same resource sees it as new.
func TestGroupCommitRollbackForgetsInventory(t *testing.T) {
	d := openTemp(t)
	k := configd.ResourceKey{ResourceType: "AWS::EC2::Instance", ResourceID: "i-1"}
	ci := &configd.ConfigurationItem{ResourceType: k.ResourceType, ResourceID: k.ResourceID, Status: configd.CIStatusOK, CaptureTime: time.UnixMilli(1)}
	appendOnce := func(ctx context.Context, d *DB, i int) error {
		return d.Write(ctx, func(tx configd.Tx) error {
			if i == 0 {
				if _, err := tx.LatestItem(ctx, scope, k); configd.ErrorCode(err) != configd.ErrResourceNotDiscovered {
					return fmt.Errorf("LatestItem: %v, want ErrResourceNotDiscovered", err)
				}
			}
			if _, err := tx.AppendItem(ctx, scope, ci); err != nil {
				return err
			}
			if i == 0 {
				return errBoom
			}
			return nil
		})
	}
	errs, commits := queued(t, d, []func(context.Context, int) error{
		func(ctx context.Context, i int) error { return appendOnce(ctx, d, i) },
		func(ctx context.Context, i int) error { return appendOnce(ctx, d, i) },
	})
	if errs[0] != errBoom || errs[1] != nil || commits != 1 {
		t.Fatalf("Writes: %v, %d commits; want boom, nil and 1 commit", errs, commits)
	}
	err := d.Read(context.Background(), func(tx configd.Tx) error {
		cs, err := tx.CountResources(context.Background(), scope, nil)
		if err != nil {
			return err
		}
		if len(cs) != 1 || cs[0].Count != 1 {
			t.Errorf("counts %+v, want one live instance", cs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
