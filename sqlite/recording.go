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

// AnyRecorderRecording reports whether a configuration recorder of the scope
// is recording. The service asks it on every PutResourceConfig; it is the
// cheap form of ListRecorders followed by a look at each Recording. A write
// transaction remembers the answer until it writes anything but items (a
// batch of puts asks the database once).
func (t *tx) AnyRecorderRecording(ctx context.Context, scope configd.Scope) (bool, error) {
	if on, ok := t.recording[scope]; ok {
		return on, nil
	}
	var on bool
	if err := t.queryRow(ctx, qAnyRecording, scope.AccountID, scope.Region).Scan(&on); err != nil {
		return false, fmt.Errorf("sqlite: recorders of %s: %w", scope, err)
	}
	if t.write {
		if t.recording == nil {
			t.recording = make(map[configd.Scope]bool, 1)
		}
		t.recording[scope] = on
	}
	return on, nil
}
