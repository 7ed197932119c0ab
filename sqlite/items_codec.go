package sqlite

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/itemcodec"
	"github.com/configd/configd/internal/storecodec"
	sqlite "modernc.org/sqlite"
)

// Configuration items are stored in the binary form of internal/itemcodec
// (column configuration_items.item). Before migration 0004 they were JSON
// text (column body, in the form of storecodec.ItemRecord); the migration converts every
// row with the SQL function configd_item_from_json(seq, body), registered
// here for every connection this process opens.
func init() {
	sqlite.MustRegisterDeterministicScalarFunction("configd_item_from_json", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		seq, _ := args[0].(int64)
		var body []byte
		switch v := args[1].(type) {
		case string:
			body = []byte(v)
		case []byte:
			body = v
		default:
			return nil, fmt.Errorf("configd_item_from_json: configuration item %d: body is %T, not text", seq, args[1])
		}
		ci, err := decodeLegacyItem(seq, body)
		if err != nil {
			return nil, err
		}
		return itemcodec.Append(nil, &ci), nil
	})
}

// decodeLegacyItem decodes a body of the JSON form items had before
// migration 0004.
func decodeLegacyItem(seq int64, body []byte) (configd.ConfigurationItem, error) {
	var rec storecodec.ItemRecord
	if err := json.Unmarshal(body, &rec); err != nil {
		return configd.ConfigurationItem{}, fmt.Errorf("decode configuration item %d: %w", seq, err)
	}
	return rec.Item(), nil
}

// decodeItem decodes a configuration_items.item value, taking ownership of
// item (the strings of the result share its memory).
// ownedBytes scans a BLOB column without the copy that database/sql makes
// for a []byte destination: it is the driver's own value. modernc.org/sqlite
// copies every BLOB it returns out of SQLite into a new slice (conn.go,
// columnBlob) and never writes to it again, so the value is the caller's;
// TestOwnedBytes fails should a driver version start reusing it. Only a
// BLOB value is handed over so: database/sql copies a TEXT value into a
// buffer it reuses from row to row. configuration_items.item is a BLOB
// column of a STRICT table, which holds nothing else. With 100
// items of about 2.3 KB per BatchGetResourceConfig, the copy saved is 6-9%
// of the request's CPU (bench/README.md).
type ownedBytes = sql.RawBytes

func decodeItem(seq int64, item []byte) (*configd.StoredItem, error) {
	ci, err := itemcodec.DecodeBytes(item)
	if err != nil {
		return nil, fmt.Errorf("sqlite: decode configuration item %d: %w", seq, err)
	}
	return &configd.StoredItem{Seq: seq, Item: ci}, nil
}
