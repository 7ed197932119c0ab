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
// cheap form of ListRecorders followed by a look at each Recording.
func (t *tx) AnyRecorderRecording(ctx context.Context, scope configd.Scope) (bool, error) {
	var on bool
	if err := t.queryRow(ctx, qAnyRecording, scope.AccountID, scope.Region).Scan(&on); err != nil {
		return false, fmt.Errorf("sqlite: recorders of %s: %w", scope, err)
	}
	return on, nil
}
