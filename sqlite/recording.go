package sqlite

import (
	"context"
	"fmt"

	"github.com/configd/configd"
)

// qAnyRecording reads the scope's recorders (one or two rows of the primary
// key) and looks into their bodies in SQLite, without decoding them in Go.
var qAnyRecording = readQuery(`SELECT EXISTS (SELECT 1 FROM recorders
	WHERE account_id = ? AND region = ? AND body ->> '$.recording')`)

// scopeFacts is what a write transaction has read of one scope, valid until
// it writes anything but items and jobs (tx.exec forgets it then).
type scopeFacts struct {
	recording, recordingKnown bool
	rules                     int
	rulesKnown                bool
}

// facts returns the remembered facts of scope in a write transaction, or
// nil in a read transaction (whose snapshot is short-lived).
func (t *tx) facts(scope configd.Scope) *scopeFacts {
	if !t.write {
		return nil
	}
	f := t.scopes[scope]
	if f == nil {
		if t.scopes == nil {
			t.scopes = make(map[configd.Scope]*scopeFacts, 1)
		}
		f = &scopeFacts{}
		t.scopes[scope] = f
	}
	return f
}

// AnyRecorderRecording reports whether a configuration recorder of the scope
// is recording. The service asks it on every PutResourceConfig; it is the
// cheap form of ListRecorders followed by a look at each Recording. A write
// transaction remembers the answer until it writes anything but items (a
// batch of puts asks the database once).
func (t *tx) AnyRecorderRecording(ctx context.Context, scope configd.Scope) (bool, error) {
	f := t.facts(scope)
	if f != nil && f.recordingKnown {
		return f.recording, nil
	}
	var on bool
	if err := t.queryRow(ctx, qAnyRecording, scope.AccountID, scope.Region).Scan(&on); err != nil {
		return false, fmt.Errorf("sqlite: recorders of %s: %w", scope, err)
	}
	if f != nil {
		f.recording, f.recordingKnown = on, true
	}
	return on, nil
}

// CountRules returns the number of rules of the scope. The service asks it
// on every recorded item (a change evaluation is queued only when there are
// rules); a write transaction remembers it as AnyRecorderRecording's answer.
func (t *tx) CountRules(ctx context.Context, scope configd.Scope) (int, error) {
	f := t.facts(scope)
	if f != nil && f.rulesKnown {
		return f.rules, nil
	}
	var n int
	if err := t.queryRow(ctx, qCountRules, scope.AccountID, scope.Region).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count config rules: %w", err)
	}
	if f != nil {
		f.rules, f.rulesKnown = n, true
	}
	return n, nil
}
