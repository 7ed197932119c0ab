package postgres

import (
	"context"
	"fmt"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/itemcodec"
	"github.com/configd/configd/internal/storecodec"
	"github.com/jackc/pgx/v5"
)

// Configuration items are stored in the binary form of internal/itemcodec
// (column configuration_items.item). Before migration 0005 they were JSON
// text (column body, in the form of storecodec.ItemRecord); the migration's Go step,
// convertItemsToBinary, converts every row.

// convertBatch is how many rows convertItemsToBinary reads and updates at a
// time.
const convertBatch = 1000

// convertItemsToBinary fills configuration_items.item from body for every
// row, then makes item NOT NULL and drops body. It runs inside the migrating
// transaction, so a failure leaves the database as it was.
func convertItemsToBinary(ctx context.Context, tx pgx.Tx) error {
	after := int64(-1 << 63)
	for {
		rows, err := tx.Query(ctx, `SELECT seq, body FROM configuration_items WHERE seq > $1 ORDER BY seq LIMIT $2`, after, convertBatch)
		if err != nil {
			return fmt.Errorf("read configuration items: %w", err)
		}
		var (
			seqs  []int64
			items [][]byte
		)
		for rows.Next() {
			var (
				seq  int64
				body string
			)
			if err := rows.Scan(&seq, &body); err != nil {
				rows.Close()
				return fmt.Errorf("read configuration items: %w", err)
			}
			var rec storecodec.ItemRecord
			if err := decode(fmt.Sprintf("configuration item %d", seq), body, &rec); err != nil {
				rows.Close()
				return err
			}
			ci := rec.Item()
			seqs = append(seqs, seq)
			items = append(items, itemcodec.Append(nil, &ci))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read configuration items: %w", err)
		}
		if len(seqs) == 0 {
			break
		}
		if _, err := tx.Exec(ctx, `UPDATE configuration_items c SET item = v.item
			FROM unnest($1::bigint[], $2::bytea[]) AS v(seq, item) WHERE c.seq = v.seq`, seqs, items); err != nil {
			return fmt.Errorf("convert configuration items: %w", err)
		}
		after = seqs[len(seqs)-1]
	}
	if _, err := tx.Exec(ctx, `ALTER TABLE configuration_items ALTER COLUMN item SET NOT NULL, DROP COLUMN body`); err != nil {
		return fmt.Errorf("drop configuration_items.body: %w", err)
	}
	return nil
}

// decodeItem decodes a configuration_items.item value, taking ownership of
// item (the strings of the result share its memory).
func decodeItem(seq int64, item []byte) (*configd.StoredItem, error) {
	ci, err := itemcodec.DecodeBytes(item)
	if err != nil {
		return nil, fmt.Errorf("postgres: decode configuration item %d: %w", seq, err)
	}
	return &configd.StoredItem{Seq: seq, Item: ci}, nil
}
