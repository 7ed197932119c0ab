package postgres

import (
	"context"
	"fmt"

	"github.com/configd/configd"
)

// AnyRecorderRecording reports whether a configuration recorder of the scope
// is recording. The service asks it on every PutResourceConfig; it is the
// cheap form of ListRecorders followed by a look at each Recording: the
// scope's recorders are one or two rows of the primary key, and their bodies
// are looked into by the server.
func (t *tx) AnyRecorderRecording(ctx context.Context, scope configd.Scope) (bool, error) {
	var on bool
	err := t.scanRow(ctx, `SELECT EXISTS (SELECT 1 FROM recorders
		WHERE account_id = $1 AND region = $2 AND (body::jsonb ->> 'recording')::boolean)`,
		[]any{scope.AccountID, scope.Region}, &on)
	if err != nil {
		return false, fmt.Errorf("postgres: recorders of %s: %w", scope, err)
	}
	return on, nil
}
