package sqlite

import "time"

// The JSON records of "body" columns are internal/storecodec's, shared with
// the PostgreSQL store.

// nullMillis returns t as epoch milliseconds for a nullable column.
func nullMillis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}
