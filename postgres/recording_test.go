package postgres

import (
	"context"
	"testing"

	"github.com/configd/configd"
)

var recScope = itemScope

func TestAnyRecorderRecording(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	other := configd.Scope{AccountID: "222222222222", Region: "us-east-1"}
	recording := func(t *testing.T, s configd.Scope) bool {
		t.Helper()
		var on bool
		err := d.Read(ctx, func(tx configd.Tx) error {
			var err error
			on, err = tx.(interface {
				AnyRecorderRecording(context.Context, configd.Scope) (bool, error)
			}).AnyRecorderRecording(ctx, s)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return on
	}
	put := func(t *testing.T, s configd.Scope, r *configd.Recorder) {
		t.Helper()
		if err := d.Write(ctx, func(tx configd.Tx) error { return tx.PutRecorder(ctx, s, r) }); err != nil {
			t.Fatal(err)
		}
	}
	if recording(t, recScope) {
		t.Error("recording with no recorder")
	}
	put(t, recScope, &configd.Recorder{Name: "a"})
	put(t, other, &configd.Recorder{Name: "b", Recording: true})
	if recording(t, recScope) {
		t.Error("recording with a stopped recorder (and one recording in another scope)")
	}
	put(t, recScope, &configd.Recorder{Name: "c", Recording: true})
	if !recording(t, recScope) {
		t.Error("not recording with a recorder recording")
	}
	put(t, recScope, &configd.Recorder{Name: "c", Recording: false, LastStatus: "Success"})
	if recording(t, recScope) {
		t.Error("recording after the recorder stopped")
	}
	// In one write transaction, the answer follows the transaction's own
	// writes (a store may remember it between them).
	err := d.Write(ctx, func(tx configd.Tx) error {
		rc := tx.(interface {
			AnyRecorderRecording(context.Context, configd.Scope) (bool, error)
		})
		for i, want := range []bool{false, true, true, false} {
			switch i {
			case 1:
				if err := tx.PutRecorder(ctx, recScope, &configd.Recorder{Name: "c", Recording: true}); err != nil {
					return err
				}
			case 3:
				if err := tx.DeleteRecorder(ctx, recScope, "c"); err != nil {
					return err
				}
			}
			on, err := rc.AnyRecorderRecording(ctx, recScope)
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
}
