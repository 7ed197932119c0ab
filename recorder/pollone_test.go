package recorder

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/configd/configd"
)

// pollOne polls typ alone and returns its report, failing the test if the
// poll or the type's discovery failed.
func pollOne(t *testing.T, cfg aws.Config, sink Sink, clock configd.Clock, typ string) TypeReport {
	t.Helper()
	reps, err := Poll(context.Background(), cfg, motoScope, []string{typ}, sink, PollOptions{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 1 || reps[0].ResourceType != typ {
		t.Fatalf("reports %+v, want %s alone", reps, typ)
	}
	if r := reps[0]; !r.OK() {
		t.Fatalf("%s: %s", r.ErrorCode, r.ErrorMessage)
	}
	return reps[0]
}

// wantDeletedOnce checks what polls record once resource id of typ is gone:
// the next poll (an hour later) reports one deletion and no change, and the
// resource's history has versions items, the last ResourceDeleted with the
// ARN of the one before, diffed as a deletion; the poll after records
// nothing more.
func wantDeletedOnce(t *testing.T, cfg aws.Config, sink *memSink, clock *fixedClock, typ, id string, versions int) {
	t.Helper()
	clock.t = clock.t.Add(time.Hour)
	if r := pollOne(t, cfg, sink, clock, typ); r.Deleted != 1 || r.Changed != 0 {
		t.Errorf("poll after deleting %s: report %+v, want one deletion", id, r)
	}
	h := sink.history(typ, id)
	if len(h) != versions || versions < 2 {
		t.Fatalf("history of %s: %d versions, want %d", id, len(h), versions)
	}
	prev, last := h[versions-2], h[versions-1]
	if last.Status != configd.CIStatusResourceDeleted || last.ARN != prev.ARN {
		t.Fatalf("last version of %s: %+v, want ResourceDeleted with ARN %s", id, last, prev.ARN)
	}
	if d := Diff(prev, last); d.ChangeType != ChangeDelete {
		t.Errorf("diff %s", canonical(d))
	}
	clock.t = clock.t.Add(time.Hour)
	if r := pollOne(t, cfg, sink, clock, typ); r.Deleted != 0 || r.Changed != 0 {
		t.Errorf("repeated poll after deleting %s: report %+v", id, r)
	}
}
