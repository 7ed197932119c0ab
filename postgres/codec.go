package postgres

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/configd/configd/internal/storecodec"
)

// The JSON records of "body" columns are internal/storecodec's, shared with
// the SQLite store (no query looks inside them).

// nullMS returns t as epoch milliseconds for a nullable column.
func nullMS(t time.Time) *int64 { return storecodec.Millis(t) }

// encode marshals a record for a body column.
func encode(what string, rec any) (string, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return "", fmt.Errorf("postgres: encode %s: %w", what, err)
	}
	return string(b), nil
}

// decode unmarshals a body column into rec.
func decode(what, body string, rec any) error {
	if err := json.Unmarshal([]byte(body), rec); err != nil {
		return fmt.Errorf("postgres: decode %s: %w", what, err)
	}
	return nil
}
