package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/pgtest"
)

// wantUnavailable fails t unless err is a *configd.Error with code
// ServiceUnavailable that carries the driver's error as its cause.
func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	var ce *configd.Error
	if !errors.As(err, &ce) || ce.Code != configd.ErrServiceUnavailable {
		t.Errorf("%s: %v, want code %s", what, err, configd.ErrServiceUnavailable)
		return
	}
	if ce.Cause == nil {
		t.Errorf("%s: ServiceUnavailable without the driver's error as cause", what)
	}
	if ce.Message != unavailableMessage {
		t.Errorf("%s: message %q, want %q", what, ce.Message, unavailableMessage)
	}
}

func TestServerOutage(t *testing.T) {
	// A server of the test's own, so that it can be stopped.
	srv := pgtest.Start(t)
	d := openURL(t, pgtest.NewSchema(t, srv.URL))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	put := func(name string) error {
		return d.Write(ctx, func(tx configd.Tx) error {
			return tx.PutRetention(ctx, scope, &configd.RetentionConfiguration{Name: name, RetentionPeriodInDays: 30})
		})
	}
	get := func(name string) error {
		return d.Read(ctx, func(tx configd.Tx) error {
			_, err := tx.GetRetention(ctx, scope, name)
			return err
		})
	}
	if err := put("before"); err != nil {
		t.Fatalf("Write: %v", err)
	}

	t.Run("Stopped", func(t *testing.T) {
		srv.Stop()
		wantUnavailable(t, "Write", put("during"))
		wantUnavailable(t, "Read", get("before"))
		wantUnavailable(t, "Ping", d.Ping(ctx))
	})

	t.Run("Restarted", func(t *testing.T) {
		if err := srv.Start(); err != nil {
			t.Fatalf("restart the server: %v", err)
		}
		// The pool dials new connections: the first requests succeed.
		if err := d.Ping(ctx); err != nil {
			t.Errorf("Ping after restart: %v", err)
		}
		if err := put("after"); err != nil {
			t.Errorf("Write after restart: %v", err)
		}
		for _, name := range []string{"before", "after"} {
			if err := get(name); err != nil {
				t.Errorf("Read %q after restart: %v", name, err)
			}
		}
		if err := get("during"); !configd.IsCode(err, configd.ErrNoSuchRetentionConfiguration) {
			t.Errorf("Read of the write refused during the outage: %v, want it absent", err)
		}
	})

	t.Run("RestartedUnnoticed", func(t *testing.T) {
		// The server restarts between two requests: the pooled
		// connections are dead, but nothing has told the pool yet. The
		// next Write begins on a dead connection, and then on a new one.
		if err := put("warm"); err != nil {
			t.Fatal(err)
		}
		srv.Stop()
		if err := srv.Start(); err != nil {
			t.Fatalf("restart the server: %v", err)
		}
		if err := put("unnoticed"); err != nil {
			t.Errorf("Write after an unnoticed restart: %v", err)
		}
		if err := get("unnoticed"); err != nil {
			t.Errorf("Read after an unnoticed restart: %v", err)
		}
	})

	t.Run("LostInTransaction", func(t *testing.T) {
		// The server dies while a transaction runs: the next statement
		// fails with ServiceUnavailable, which fn returns and Write passes
		// on; nothing of the transaction is committed.
		err := d.Write(ctx, func(tx configd.Tx) error {
			if err := tx.PutRetention(ctx, scope, &configd.RetentionConfiguration{Name: "lost", RetentionPeriodInDays: 1}); err != nil {
				return err
			}
			srv.Kill()
			_, err := tx.GetRetention(ctx, scope, "lost")
			wantUnavailable(t, "GetRetention after the server died", err)
			return err
		})
		wantUnavailable(t, "Write", err)
		if err := srv.Start(); err != nil {
			t.Fatalf("restart the server: %v", err)
		}
		if err := get("lost"); !configd.IsCode(err, configd.ErrNoSuchRetentionConfiguration) {
			t.Errorf("Read of the interrupted write: %v, want it absent", err)
		}
		if err := get("after"); err != nil {
			t.Errorf("Read of a committed write after a crash: %v", err)
		}
	})
}

func TestRestartUnderLoad(t *testing.T) {
	// Writers keep writing while the server crashes and comes back: every
	// write acknowledged (Write returned nil) is there afterwards, and every
	// write refused was refused with ServiceUnavailable.
	srv := pgtest.Start(t)
	d := openURL(t, pgtest.NewSchema(t, srv.URL))
	ctx := context.Background()
	const writers = 6
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		acked   []string
		refused = map[string]int{}
		stop    = make(chan struct{})
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("w%d-%d", w, i)
				err := d.Write(ctx, func(tx configd.Tx) error {
					if err := tx.Lock(ctx, scope, "counter"); err != nil {
						return err
					}
					return tx.SetMeta(ctx, key, "v")
				})
				mu.Lock()
				if err == nil {
					acked = append(acked, key)
				} else {
					refused[configd.ErrorCode(err)]++
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(10 * time.Millisecond) // as a client backs off
				}
			}
		}()
	}
	progress := func(n int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("writers made no progress (%d writes acknowledged, want %d)", len(acked), n)
	}
	progress(50)
	srv.Kill()
	if err := srv.Start(); err != nil {
		close(stop)
		wg.Wait()
		t.Fatalf("restart: %v", err)
	}
	mu.Lock()
	before := len(acked)
	mu.Unlock()
	progress(before + 50) // work resumes
	close(stop)
	wg.Wait()

	for code, n := range refused {
		if code != configd.ErrServiceUnavailable {
			t.Errorf("%d writes refused with %s, want only %s", n, code, configd.ErrServiceUnavailable)
		}
	}
	missing := 0
	if err := d.Read(ctx, func(tx configd.Tx) error {
		for _, key := range acked {
			v, err := tx.Meta(ctx, key)
			if err != nil {
				return err
			}
			if v != "v" {
				missing++
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged writes lost in the crash", missing, len(acked))
	}
	t.Logf("%d writes acknowledged, refused by code: %v", len(acked), refused)
}
