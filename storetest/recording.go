package storetest

import (
	"context"
	"testing"

	"github.com/configd/configd"
)

// recordingChecker is the optional Tx method PutResourceConfig asks instead
// of listing the recorders (service.requireRecording).
type recordingChecker interface {
	AnyRecorderRecording(ctx context.Context, scope configd.Scope) (bool, error)
}

var recordingCheckerTests = []test{
	{"AnyRecorderRecording", func(t *testing.T, s configd.Store) {
		var implemented bool
		if err := s.Read(context.Background(), func(tx configd.Tx) error {
			_, implemented = tx.(recordingChecker)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !implemented {
			t.Skip("the store's transactions do not implement AnyRecorderRecording")
		}
		ctx := context.Background()
		other := scopeC
		recording := func(t *testing.T, sc configd.Scope) bool {
			t.Helper()
			var on bool
			err := s.Read(ctx, func(tx configd.Tx) error {
				var err error
				on, err = tx.(recordingChecker).AnyRecorderRecording(ctx, sc)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return on
		}
		put := func(t *testing.T, sc configd.Scope, r *configd.Recorder) {
			t.Helper()
			if err := s.Write(ctx, func(tx configd.Tx) error { return tx.PutRecorder(ctx, sc, r) }); err != nil {
				t.Fatal(err)
			}
		}
		if recording(t, scopeA) {
			t.Error("recording with no recorder")
		}
		put(t, scopeA, &configd.Recorder{Name: "a"})
		put(t, other, &configd.Recorder{Name: "b", Recording: true})
		if recording(t, scopeA) {
			t.Error("recording with a stopped recorder (and one recording in another scope)")
		}
		put(t, scopeA, &configd.Recorder{Name: "c", Recording: true})
		if !recording(t, scopeA) {
			t.Error("not recording with a recorder recording")
		}
		put(t, scopeA, &configd.Recorder{Name: "c", Recording: false, LastStatus: "Success"})
		if recording(t, scopeA) {
			t.Error("recording after the recorder stopped")
		}
		// In one write transaction, the answer follows the transaction's own
		// writes (a store may remember it between them).
		err := s.Write(ctx, func(tx configd.Tx) error {
			rc := tx.(recordingChecker)
			for i, want := range []bool{false, true, true, false} {
				switch i {
				case 1:
					if err := tx.PutRecorder(ctx, scopeA, &configd.Recorder{Name: "c", Recording: true}); err != nil {
						return err
					}
				case 3:
					if err := tx.DeleteRecorder(ctx, scopeA, "c"); err != nil {
						return err
					}
				}
				on, err := rc.AnyRecorderRecording(ctx, scopeA)
				if err != nil {
					return err
				}
				if on != want {
					t.Errorf("step %d in one transaction: recording %v, want %v", i, on, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}},
}
