package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/configd/configd"
)

// waitLimit bounds how long a test waits for something that must not block
// at all; it is reached only by a broken store.
const waitLimit = 10 * time.Second

// populated is what populate stores in a scope.
type populated struct {
	recorder  *configd.Recorder
	channel   *configd.DeliveryChannel
	retention *configd.RetentionConfiguration
	tags      []configd.Tag
	items     []int64 // seqs: i-1 twice, then bucket b created and deleted
}

// populate stores one object of every kind in scope.
func populate(t *testing.T, s configd.Store, scope configd.Scope) populated {
	t.Helper()
	p := populated{
		recorder:  fullRecorder("default"),
		channel:   fullChannel("default"),
		retention: &configd.RetentionConfiguration{Name: "default", RetentionPeriodInDays: 365},
		tags:      []configd.Tag{{Key: "k", Value: "v"}},
	}
	write(t, s, func(ctx context.Context, tx configd.Tx) error {
		must(t, "PutRecorder", tx.PutRecorder(ctx, scope, p.recorder))
		must(t, "PutDeliveryChannel", tx.PutDeliveryChannel(ctx, scope, p.channel))
		must(t, "PutRetention", tx.PutRetention(ctx, scope, p.retention))
		must(t, "PutTags", tx.PutTags(ctx, scope, arn1, p.tags))
		return nil
	})
	p.items = appendItems(t, s, scope,
		item(typeInstance, "i-1", "web", minute(0)),
		item(typeInstance, "i-1", "web", minute(1)),
		item(typeBucket, "b", "logs", minute(0)),
		deletedItem(typeBucket, "b", "logs", minute(1)))
	return p
}

// checkPopulated checks that scope holds exactly what populate stored.
func checkPopulated(t *testing.T, s configd.Store, scope configd.Scope, p populated) {
	t.Helper()
	read(t, s, func(ctx context.Context, tx configd.Tx) error {
		r, err := tx.GetRecorder(ctx, scope, "default")
		must(t, "GetRecorder", err)
		wantEqual(t, "recorder", r, p.recorder)
		rs, err := tx.ListRecorders(ctx, scope)
		must(t, "ListRecorders", err)
		wantEqual(t, "recorders", rs, []*configd.Recorder{p.recorder})
		c, err := tx.GetDeliveryChannel(ctx, scope, "default")
		must(t, "GetDeliveryChannel", err)
		wantEqual(t, "channel", c, p.channel)
		cs, err := tx.ListDeliveryChannels(ctx, scope)
		must(t, "ListDeliveryChannels", err)
		wantEqual(t, "channels", cs, []*configd.DeliveryChannel{p.channel})
		rc, err := tx.GetRetention(ctx, scope, "default")
		must(t, "GetRetention", err)
		wantEqual(t, "retention", rc, p.retention)
		rcs, err := tx.ListRetentions(ctx, scope)
		must(t, "ListRetentions", err)
		wantEqual(t, "retentions", rcs, []*configd.RetentionConfiguration{p.retention})
		tags, err := tx.ListTags(ctx, scope, arn1)
		must(t, "ListTags", err)
		wantEqual(t, "tags", tags, p.tags)
		it, err := tx.LatestItem(ctx, scope, keyI1)
		must(t, "LatestItem", err)
		wantEqual(t, "latest seq", it.Seq, p.items[1])
		h, err := tx.History(ctx, scope, configd.HistoryQuery{Key: keyI1, Chronological: true})
		must(t, "History", err)
		wantEqual(t, "history", seqsOf(h), p.items[:2])
		rows, err := tx.ListResources(ctx, scope, configd.ResourceFilter{ResourceType: typeBucket, IncludeDeleted: true}, "", 0)
		must(t, "ListResources", err)
		wantEqual(t, "inventory", idsOf(rows), []string{"b"})
		n, err := tx.CountResources(ctx, scope, nil)
		must(t, "CountResources", err)
		wantEqual(t, "counts", n, []configd.ResourceCount{{ResourceType: typeInstance, Count: 1}})
		return nil
	})
}

// checkEmpty checks that every read method sees nothing in scope.
func checkEmpty(t *testing.T, s configd.Store, scope configd.Scope) {
	t.Helper()
	read(t, s, func(ctx context.Context, tx configd.Tx) error {
		_, err := tx.GetRecorder(ctx, scope, "default")
		wantCode(t, scope.String()+": GetRecorder", err, configd.ErrNoSuchConfigurationRecorder, "")
		rs, err := tx.ListRecorders(ctx, scope)
		must(t, "ListRecorders", err)
		wantEqual(t, scope.String()+": ListRecorders", len(rs), 0)
		_, err = tx.GetDeliveryChannel(ctx, scope, "default")
		wantCode(t, scope.String()+": GetDeliveryChannel", err, configd.ErrNoSuchDeliveryChannel, "")
		cs, err := tx.ListDeliveryChannels(ctx, scope)
		must(t, "ListDeliveryChannels", err)
		wantEqual(t, scope.String()+": ListDeliveryChannels", len(cs), 0)
		_, err = tx.GetRetention(ctx, scope, "default")
		wantCode(t, scope.String()+": GetRetention", err, configd.ErrNoSuchRetentionConfiguration, "")
		rcs, err := tx.ListRetentions(ctx, scope)
		must(t, "ListRetentions", err)
		wantEqual(t, scope.String()+": ListRetentions", len(rcs), 0)
		tags, err := tx.ListTags(ctx, scope, arn1)
		must(t, "ListTags", err)
		wantEqual(t, scope.String()+": ListTags", len(tags), 0)
		_, err = tx.LatestItem(ctx, scope, keyI1)
		wantCode(t, scope.String()+": LatestItem", err, configd.ErrResourceNotDiscovered, "")
		h, err := tx.History(ctx, scope, configd.HistoryQuery{Key: keyI1})
		must(t, "History", err)
		wantEqual(t, scope.String()+": History", len(h), 0)
		for _, typ := range []string{typeInstance, typeBucket} {
			rows, err := tx.ListResources(ctx, scope, configd.ResourceFilter{ResourceType: typ, IncludeDeleted: true}, "", 0)
			must(t, "ListResources", err)
			wantEqual(t, scope.String()+": ListResources", len(rows), 0)
		}
		n, err := tx.CountResources(ctx, scope, nil)
		must(t, "CountResources", err)
		wantEqual(t, scope.String()+": CountResources", len(n), 0)
		return nil
	})
}

var isolationTests = []test{
	{"Reads", func(t *testing.T, s configd.Store) {
		populate(t, s, scopeA)
		checkEmpty(t, s, scopeB)
		checkEmpty(t, s, scopeC)
	}},
	{"Writes", func(t *testing.T, s configd.Store) {
		p := populate(t, s, scopeA)
		for _, other := range []configd.Scope{scopeB, scopeC} {
			write(t, s, func(ctx context.Context, tx configd.Tx) error {
				must(t, "Lock", tx.Lock(ctx, other, "default"))
				wantCode(t, "DeleteRecorder", tx.DeleteRecorder(ctx, other, "default"), configd.ErrNoSuchConfigurationRecorder, "")
				wantCode(t, "DeleteDeliveryChannel", tx.DeleteDeliveryChannel(ctx, other, "default"), configd.ErrNoSuchDeliveryChannel, "")
				wantCode(t, "DeleteRetention", tx.DeleteRetention(ctx, other, "default"), configd.ErrNoSuchRetentionConfiguration, "")
				must(t, "DeleteTags", tx.DeleteTags(ctx, other, arn1, []string{"k"}))
				must(t, "DeleteAllTags", tx.DeleteAllTags(ctx, other, arn1))
				n, err := tx.PruneHistory(ctx, other, minute(100))
				must(t, "PruneHistory", err)
				wantEqual(t, "PruneHistory of an empty scope", n, int64(0))
				return nil
			})
			write(t, s, func(ctx context.Context, tx configd.Tx) error {
				r := fullRecorder("default")
				r.RoleARN = "arn:aws:iam::222222222222:role/other"
				must(t, "PutRecorder", tx.PutRecorder(ctx, other, r))
				c := fullChannel("default")
				c.S3BucketName = "other"
				must(t, "PutDeliveryChannel", tx.PutDeliveryChannel(ctx, other, c))
				must(t, "PutRetention", tx.PutRetention(ctx, other, &configd.RetentionConfiguration{Name: "default", RetentionPeriodInDays: 1}))
				must(t, "PutTags", tx.PutTags(ctx, other, arn1, []configd.Tag{{Key: "k", Value: "other"}, {Key: "k2", Value: "v"}}))
				_, err := tx.AppendItem(ctx, other, item(typeInstance, "i-1", "web", minute(2)))
				must(t, "AppendItem", err)
				_, err = tx.AppendItem(ctx, other, deletedItem(typeInstance, "i-1", "web", minute(3)))
				must(t, "AppendItem", err)
				_, err = tx.AppendItem(ctx, other, item(typeBucket, "b", "logs", minute(2)))
				must(t, "AppendItem", err)
				return nil
			})
			write(t, s, func(ctx context.Context, tx configd.Tx) error {
				_, err := tx.PruneHistory(ctx, other, minute(100))
				return err
			})
		}
		checkPopulated(t, s, scopeA, p)
		// And the other way round: deleting in A leaves B alone.
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "DeleteRecorder", tx.DeleteRecorder(ctx, scopeA, "default"))
			must(t, "DeleteAllTags", tx.DeleteAllTags(ctx, scopeA, arn1))
			return nil
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			_, err := tx.GetRecorder(ctx, scopeB, "default")
			must(t, "GetRecorder in B after delete in A", err)
			tags, err := tx.ListTags(ctx, scopeB, arn1)
			must(t, "ListTags", err)
			wantEqual(t, "tags in B after delete in A", len(tags), 2)
			return nil
		})
	}},
}

// errSentinel is returned by transactions that must roll back.
var errSentinel = errors.New("storetest: roll back")

// writeEverything writes an object of every kind and a meta key.
func writeEverything(ctx context.Context, tx configd.Tx) error {
	if err := tx.PutRecorder(ctx, scopeA, fullRecorder("r")); err != nil {
		return err
	}
	if err := tx.PutDeliveryChannel(ctx, scopeA, fullChannel("default")); err != nil {
		return err
	}
	if err := tx.PutRetention(ctx, scopeA, &configd.RetentionConfiguration{Name: "default", RetentionPeriodInDays: 30}); err != nil {
		return err
	}
	if err := tx.PutTags(ctx, scopeA, arn1, []configd.Tag{{Key: "k", Value: "v"}}); err != nil {
		return err
	}
	if _, err := tx.AppendItem(ctx, scopeA, item(typeInstance, "i-1", "", t0)); err != nil {
		return err
	}
	if _, err := tx.SetMetaIfAbsent(ctx, "rolled-back", "yes"); err != nil {
		return err
	}
	return nil
}

// checkNothing checks that nothing writeEverything writes is visible.
func checkNothing(t *testing.T, s configd.Store) {
	t.Helper()
	checkEmpty(t, s, scopeA)
	read(t, s, func(ctx context.Context, tx configd.Tx) error {
		v, err := tx.Meta(ctx, "rolled-back")
		must(t, "Meta", err)
		wantEqual(t, "meta", v, "")
		scopes, err := tx.Scopes(ctx)
		must(t, "Scopes", err)
		wantEqual(t, "Scopes", len(scopes), 0)
		return nil
	})
}

var txTests = []test{
	{"ReadSeesCommitted", func(t *testing.T, s configd.Store) {
		for i := range 3 {
			write(t, s, func(ctx context.Context, tx configd.Tx) error {
				return tx.PutRetention(ctx, scopeA, &configd.RetentionConfiguration{Name: "default", RetentionPeriodInDays: 30 + i})
			})
			read(t, s, func(ctx context.Context, tx configd.Tx) error {
				r, err := tx.GetRetention(ctx, scopeA, "default")
				must(t, "GetRetention", err)
				wantEqual(t, "retention days after commit", r.RetentionPeriodInDays, 30+i)
				return nil
			})
		}
	}},
	{"RollbackOnError", func(t *testing.T, s configd.Store) {
		err := s.Write(context.Background(), func(tx configd.Tx) error {
			if err := writeEverything(context.Background(), tx); err != nil {
				t.Fatalf("writeEverything: %v", err)
			}
			return errSentinel
		})
		if err != errSentinel {
			t.Errorf("Write returned %v, want the error of fn unchanged", err)
		}
		checkNothing(t, s)
	}},
	{"ErrorUnchanged", func(t *testing.T, s configd.Store) {
		want := configd.Errorf(configd.ErrResourceInUse, "in use")
		err := s.Write(context.Background(), func(tx configd.Tx) error {
			_, err := tx.GetRecorder(context.Background(), scopeA, "absent")
			wantCode(t, "GetRecorder", err, configd.ErrNoSuchConfigurationRecorder, "")
			return want
		})
		if err != want {
			t.Errorf("Write returned %#v, want the *configd.Error of fn unchanged", err)
		}
		// The store error itself passes through unchanged too.
		err = s.Write(context.Background(), func(tx configd.Tx) error {
			return tx.DeleteRecorder(context.Background(), scopeA, "absent")
		})
		wantCode(t, "Write returning DeleteRecorder's error", err, configd.ErrNoSuchConfigurationRecorder,
			"Cannot find configuration recorder with the specified name 'absent'.")
		err = s.Read(context.Background(), func(tx configd.Tx) error { return want })
		if err != want {
			t.Errorf("Read returned %#v, want the error of fn unchanged", err)
		}
	}},
	{"RollbackOnPanic", func(t *testing.T, s configd.Store) {
		type boom struct{ n int }
		value := &boom{1}
		func() {
			defer func() {
				if r := recover(); r != value {
					t.Errorf("recovered %v, want the panic of fn", r)
				}
			}()
			_ = s.Write(context.Background(), func(tx configd.Tx) error {
				if err := writeEverything(context.Background(), tx); err != nil {
					t.Fatalf("writeEverything: %v", err)
				}
				panic(value)
			})
			t.Errorf("Write returned after fn panicked")
		}()
		checkNothing(t, s)
		// The store still works.
		write(t, s, func(ctx context.Context, tx configd.Tx) error { return writeEverything(ctx, tx) })
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			_, err := tx.GetRecorder(ctx, scopeA, "r")
			return err
		})
	}},
	{"ErrCanceled", func(t *testing.T, s configd.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := s.Write(ctx, func(tx configd.Tx) error { return writeEverything(ctx, tx) })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Write with a canceled context returned %v, want context.Canceled", err)
		}
		err = s.Read(ctx, func(tx configd.Tx) error {
			_, err := tx.GetRecorder(ctx, scopeA, "r")
			return err
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Read with a canceled context returned %v, want context.Canceled", err)
		}
		checkNothing(t, s)
	}},
	{"ErrWriteInRead", func(t *testing.T, s configd.Store) {
		err := view(s, func(ctx context.Context, tx configd.Tx) error {
			return tx.PutRecorder(ctx, scopeA, fullRecorder("r"))
		})
		if err == nil {
			t.Errorf("PutRecorder in a Read transaction: no error")
		}
		err = view(s, func(ctx context.Context, tx configd.Tx) error {
			_, err := tx.AppendItem(ctx, scopeA, item(typeInstance, "i-1", "", t0))
			return err
		})
		if err == nil {
			t.Errorf("AppendItem in a Read transaction: no error")
		}
		checkEmpty(t, s, scopeA)
	}},
	{"ReadSnapshot", func(t *testing.T, s configd.Store) {
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			return tx.PutRetention(ctx, scopeA, &configd.RetentionConfiguration{Name: "default", RetentionPeriodInDays: 1})
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			r, err := tx.GetRetention(ctx, scopeA, "default")
			must(t, "GetRetention", err)
			wantEqual(t, "days before the concurrent write", r.RetentionPeriodInDays, 1)
			done := make(chan error, 1)
			go func() {
				done <- s.Write(context.Background(), func(tx configd.Tx) error {
					ctx := context.Background()
					if err := tx.PutRetention(ctx, scopeA, &configd.RetentionConfiguration{Name: "default", RetentionPeriodInDays: 2}); err != nil {
						return err
					}
					return tx.PutRecorder(ctx, scopeA, fullRecorder("new"))
				})
			}()
			select {
			case err := <-done:
				must(t, "concurrent Write", err)
			case <-time.After(waitLimit):
				t.Fatalf("a Write waited for an open Read transaction")
			}
			r, err = tx.GetRetention(ctx, scopeA, "default")
			must(t, "GetRetention", err)
			wantEqual(t, "days in the same Read after the concurrent commit", r.RetentionPeriodInDays, 1)
			_, err = tx.GetRecorder(ctx, scopeA, "new")
			wantCode(t, "recorder committed after the Read began", err, configd.ErrNoSuchConfigurationRecorder, "")
			return nil
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			r, err := tx.GetRetention(ctx, scopeA, "default")
			must(t, "GetRetention", err)
			wantEqual(t, "days in a new Read", r.RetentionPeriodInDays, 2)
			return nil
		})
	}},
	{"ReadDuringWrite", func(t *testing.T, s configd.Store) {
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "PutRecorder", tx.PutRecorder(ctx, scopeA, fullRecorder("uncommitted")))
			done := make(chan error, 1)
			go func() {
				done <- view(s, func(ctx context.Context, tx configd.Tx) error {
					_, err := tx.GetRecorder(ctx, scopeA, "uncommitted")
					if configd.ErrorCode(err) != configd.ErrNoSuchConfigurationRecorder {
						return fmt.Errorf("a Read saw an uncommitted write (GetRecorder: %v)", err)
					}
					return nil
				})
			}()
			select {
			case err := <-done:
				if err != nil {
					t.Error(err)
				}
			case <-time.After(waitLimit):
				t.Errorf("a Read waited for an open Write transaction")
			}
			return nil
		})
	}},
	{"Ping", func(t *testing.T, s configd.Store) {
		must(t, "Ping", s.Ping(context.Background()))
	}},
}

var concurrencyTests = []test{
	{"Writers", func(t *testing.T, s configd.Store) {
		const writers, writes = 8, 20
		shared := configd.ResourceKey{ResourceType: typeBucket, ResourceID: "shared"}
		var wg sync.WaitGroup
		errs := make(chan error, writers*writes)
		stop := make(chan struct{})
		var readers sync.WaitGroup
		for range 2 {
			readers.Add(1)
			go func() {
				defer readers.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := view(s, func(ctx context.Context, tx configd.Tx) error {
						_, err := tx.CountResources(ctx, scopeA, nil)
						return err
					}); err != nil {
						errs <- fmt.Errorf("concurrent Read: %w", err)
						return
					}
				}
			}()
		}
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range writes {
					err := s.Write(context.Background(), func(tx configd.Tx) error {
						ctx := context.Background()
						if _, err := tx.AppendItem(ctx, scopeA, item(shared.ResourceType, shared.ResourceID, "", minute(i))); err != nil {
							return err
						}
						id := fmt.Sprintf("w%d-%d", w, i)
						if _, err := tx.AppendItem(ctx, scopeA, item(typeInstance, id, "", minute(i))); err != nil {
							return err
						}
						return tx.PutRecorder(ctx, scopeA, fullRecorder(id))
					})
					if err != nil {
						errs <- fmt.Errorf("writer %d, write %d: %w", w, i, err)
					}
				}
			}()
		}
		wg.Wait()
		close(stop)
		readers.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		h := history(t, s, scopeA, configd.HistoryQuery{Key: shared})
		seen := map[int64]bool{}
		for _, it := range h {
			seen[it.Seq] = true
		}
		if len(h) != writers*writes || len(seen) != len(h) {
			t.Errorf("history of the shared resource: %d items, %d distinct seqs; want %d", len(h), len(seen), writers*writes)
		}
		wantEqual(t, "counts", counts(t, s, scopeA), []configd.ResourceCount{
			{ResourceType: typeInstance, Count: writers * writes},
			{ResourceType: typeBucket, Count: 1},
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			rs, err := tx.ListRecorders(ctx, scopeA)
			must(t, "ListRecorders", err)
			wantEqual(t, "recorders", len(rs), writers*writes)
			return nil
		})
	}},
	{"LockedCounter", func(t *testing.T, s configd.Store) {
		// Read-modify-write under Lock loses no update.
		const writers, writes = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers*writes)
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range writes {
					errs <- s.Write(context.Background(), func(tx configd.Tx) error {
						ctx := context.Background()
						if err := tx.Lock(ctx, scopeA, "counter"); err != nil {
							return err
						}
						n := 0
						r, err := tx.GetRetention(ctx, scopeA, "counter")
						switch {
						case err == nil:
							n = r.RetentionPeriodInDays
						case configd.ErrorCode(err) != configd.ErrNoSuchRetentionConfiguration:
							return err
						}
						return tx.PutRetention(ctx, scopeA, &configd.RetentionConfiguration{Name: "counter", RetentionPeriodInDays: n + 1})
					})
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			r, err := tx.GetRetention(ctx, scopeA, "counter")
			must(t, "GetRetention", err)
			wantEqual(t, "counter", r.RetentionPeriodInDays, writers*writes)
			return nil
		})
	}},
}

var resetTests = []test{
	{"OK", func(t *testing.T, s configd.Store) {
		populate(t, s, scopeA)
		p := populate(t, s, scopeB)
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			_, err := tx.SetMetaIfAbsent(ctx, "instance-id", "x")
			return err
		})
		must(t, "Reset", s.Reset(context.Background()))
		checkEmpty(t, s, scopeA)
		checkEmpty(t, s, scopeB)
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			scopes, err := tx.Scopes(ctx)
			must(t, "Scopes", err)
			wantEqual(t, "Scopes after Reset", len(scopes), 0)
			v, err := tx.Meta(ctx, "instance-id")
			must(t, "Meta", err)
			wantEqual(t, "meta after Reset", v, "x")
			return nil
		})
		// The store works after Reset, and sequence numbers keep growing.
		q := populate(t, s, scopeA)
		if q.items[0] <= p.items[len(p.items)-1] {
			t.Errorf("seq %d after Reset, not above %d before", q.items[0], p.items[len(p.items)-1])
		}
		checkPopulated(t, s, scopeA, q)
	}},
}
