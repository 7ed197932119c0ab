package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/itemcodec"
	"github.com/configd/configd/internal/storecodec"
	"github.com/jackc/pgx/v5"
)

// deleted reports whether a configuration item status says the resource no
// longer exists.
func deleted(status string) bool {
	return status == configd.CIStatusResourceDeleted || status == configd.CIStatusResourceDeletedNotRecored
}

// LatestItem returns the newest configuration item of the resource.
func (t *tx) LatestItem(ctx context.Context, scope configd.Scope, key configd.ResourceKey) (*configd.StoredItem, error) {
	var (
		seq  int64
		item []byte
	)
	err := t.scanRow(ctx, `SELECT c.seq, c.item FROM resources r
		JOIN configuration_items c ON c.seq = r.latest_seq
		WHERE r.account_id = $1 AND r.region = $2 AND r.resource_type = $3 AND r.resource_id = $4`,
		[]any{scope.AccountID, scope.Region, key.ResourceType, key.ResourceID}, &seq, &item)
	if errors.Is(err, pgx.ErrNoRows) {
		// Message as AWS Config's GetResourceConfigHistory for an unknown
		// resource (https://docs.aws.amazon.com/config/latest/APIReference/API_GetResourceConfigHistory.html).
		return nil, configd.Errorf(configd.ErrResourceNotDiscovered,
			"Resource %s of resourceType:%s is unknown or has not been discovered", key.ResourceID, key.ResourceType)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: latest item of %s %s: %w", key.ResourceType, key.ResourceID, err)
	}
	return decodeItem(seq, item)
}

// LatestItems returns the newest configuration item of each key that has one,
// in the order of keys, in one query.
func (t *tx) LatestItems(ctx context.Context, scope configd.Scope, keys []configd.ResourceKey) ([]*configd.StoredItem, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	types, ids := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		types[i], ids[i] = k.ResourceType, k.ResourceID
	}
	out, err := collect(ctx, t, `SELECT c.seq, c.item
		FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS k(resource_type, resource_id, ord)
		JOIN resources r ON r.account_id = $1 AND r.region = $2
			AND r.resource_type = k.resource_type AND r.resource_id = k.resource_id
		JOIN configuration_items c ON c.seq = r.latest_seq
		ORDER BY k.ord`,
		[]any{scope.AccountID, scope.Region, types, ids}, func(r pgx.Rows) (*configd.StoredItem, error) {
			var (
				seq  int64
				item []byte
			)
			if err := r.Scan(&seq, &item); err != nil {
				return nil, err
			}
			return decodeItem(seq, item)
		})
	if err != nil {
		return nil, fmt.Errorf("postgres: latest items: %w", err)
	}
	return out, nil
}

// AppendItem adds ci as the newest version of its resource and updates the
// inventory and the per-type counts in the same transaction.
//
// It first takes an advisory lock on the resource, held until the
// transaction ends: two transactions appending to one resource run one after
// the other, so the second reads the inventory row as the first left it (the
// per-type count moves once for a resource created or deleted by both) and
// takes a higher seq than the first.
func (t *tx) AppendItem(ctx context.Context, scope configd.Scope, ci *configd.ConfigurationItem) (int64, error) {
	if !t.write {
		return 0, errReadOnly
	}
	if ci.ResourceType == "" || ci.ResourceID == "" {
		return 0, fmt.Errorf("postgres: append configuration item: resource type and id are required")
	}
	fail := func(step string, err error) (int64, error) {
		return 0, fmt.Errorf("postgres: append configuration item of %s %s: %s: %w", ci.ResourceType, ci.ResourceID, step, err)
	}
	if err := t.advisoryLock(ctx, lockKey("resource", scope.AccountID, scope.Region, ci.ResourceType, ci.ResourceID)); err != nil {
		return fail("lock", err)
	}

	var wasLive bool
	existed := true
	err := t.scanRow(ctx, `SELECT deletion_time IS NULL FROM resources
		WHERE account_id = $1 AND region = $2 AND resource_type = $3 AND resource_id = $4`,
		[]any{scope.AccountID, scope.Region, ci.ResourceType, ci.ResourceID}, &wasLive)
	if errors.Is(err, pgx.ErrNoRows) {
		existed = false
	} else if err != nil {
		return fail("read inventory", err)
	}

	capture := ci.CaptureTime.UnixMilli()
	var seq int64
	if err := t.scanRow(ctx, `INSERT INTO configuration_items
		(account_id, region, resource_type, resource_id, capture_time, item) VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING seq`,
		[]any{scope.AccountID, scope.Region, ci.ResourceType, ci.ResourceID, capture, itemcodec.Append(nil, ci)}, &seq); err != nil {
		return fail("insert", err)
	}

	live := !deleted(ci.Status)
	var deletionTime *int64
	if !live {
		deletionTime = &capture
	}
	if _, err := t.exec(ctx, `INSERT INTO resources
		(account_id, region, resource_type, resource_id, resource_name, latest_seq, deletion_time) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (account_id, region, resource_type, resource_id) DO UPDATE SET
			resource_name = excluded.resource_name,
			latest_seq = excluded.latest_seq,
			deletion_time = excluded.deletion_time`,
		scope.AccountID, scope.Region, ci.ResourceType, ci.ResourceID, ci.ResourceName, seq, deletionTime); err != nil {
		return fail("update inventory", err)
	}

	delta := 0
	switch {
	case live && (!existed || !wasLive):
		delta = 1
	case !live && existed && wasLive:
		delta = -1
	}
	if !existed || delta != 0 {
		if _, err := t.exec(ctx, `INSERT INTO resource_types (account_id, region, resource_type, live_count) VALUES ($1, $2, $3, $4)
			ON CONFLICT (account_id, region, resource_type) DO UPDATE SET live_count = resource_types.live_count + excluded.live_count`,
			scope.AccountID, scope.Region, ci.ResourceType, delta); err != nil {
			return fail("update counts", err)
		}
	}
	return seq, nil
}

// History lists configuration items of one resource, newest first unless
// q.Chronological; a Limit of 0 or less means no limit.
func (t *tx) History(ctx context.Context, scope configd.Scope, q configd.HistoryQuery) ([]configd.StoredItem, error) {
	earliest, latest := int64(math.MinInt64), int64(math.MaxInt64)
	if !q.Earlier.IsZero() {
		earliest = q.Earlier.UnixMilli()
	}
	if !q.Later.IsZero() {
		latest = q.Later.UnixMilli()
	}
	sql := `SELECT seq, item FROM configuration_items
		WHERE account_id = $1 AND region = $2 AND resource_type = $3 AND resource_id = $4
			AND seq < $5 AND capture_time >= $6 AND capture_time <= $7
		ORDER BY seq DESC LIMIT $8`
	after := q.After
	if q.Chronological {
		sql = `SELECT seq, item FROM configuration_items
		WHERE account_id = $1 AND region = $2 AND resource_type = $3 AND resource_id = $4
			AND seq > $5 AND capture_time >= $6 AND capture_time <= $7
		ORDER BY seq ASC LIMIT $8`
	} else if after <= 0 {
		after = math.MaxInt64
	}
	out, err := collect(ctx, t, sql, []any{scope.AccountID, scope.Region, q.Key.ResourceType, q.Key.ResourceID,
		after, earliest, latest, limitArg(q.Limit)}, func(r pgx.Rows) (configd.StoredItem, error) {
		var (
			seq  int64
			item []byte
		)
		if err := r.Scan(&seq, &item); err != nil {
			return configd.StoredItem{}, err
		}
		it, err := decodeItem(seq, item)
		if err != nil {
			return configd.StoredItem{}, err
		}
		return *it, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: history of %s %s: %w", q.Key.ResourceType, q.Key.ResourceID, err)
	}
	return out, nil
}

// limitArg turns a limit of 0 or less into SQL's LIMIT NULL (no limit).
func limitArg(n int) *int64 {
	if n <= 0 {
		return nil
	}
	v := int64(n)
	return &v
}

// ListResources lists inventory rows of f.ResourceType matching f, ordered by
// resource id, after afterID; a limit of 0 or less means no limit.
func (t *tx) ListResources(ctx context.Context, scope configd.Scope, f configd.ResourceFilter, afterID string, limit int) ([]configd.DiscoveredResource, error) {
	if f.ResourceType == "" {
		return nil, fmt.Errorf("postgres: list resources: a resource type is required")
	}
	sql := `SELECT resource_type, resource_id, resource_name, deletion_time FROM resources
		WHERE account_id = $1 AND region = $2 AND resource_type = $3 AND resource_id > $4`
	args := []any{scope.AccountID, scope.Region, f.ResourceType, afterID}
	if f.ResourceName != "" {
		args = append(args, f.ResourceName)
		sql += fmt.Sprintf(` AND resource_name = $%d`, len(args))
	}
	if len(f.ResourceIDs) > 0 {
		args = append(args, f.ResourceIDs)
		sql += fmt.Sprintf(` AND resource_id = ANY($%d)`, len(args))
	}
	if !f.IncludeDeleted {
		sql += ` AND deletion_time IS NULL`
	}
	args = append(args, limitArg(limit))
	sql += fmt.Sprintf(` ORDER BY resource_id LIMIT $%d`, len(args))
	out, err := collect(ctx, t, sql, args, func(r pgx.Rows) (configd.DiscoveredResource, error) {
		var (
			d       configd.DiscoveredResource
			deleted *int64
		)
		if err := r.Scan(&d.ResourceType, &d.ResourceID, &d.ResourceName, &deleted); err != nil {
			return d, err
		}
		d.DeletionTime = storecodec.FromMillis(deleted)
		return d, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list resources of %s: %w", f.ResourceType, err)
	}
	return out, nil
}

// CountResources counts resources not deleted, by type, ordered by type;
// types without such resources are left out.
func (t *tx) CountResources(ctx context.Context, scope configd.Scope, types []string) ([]configd.ResourceCount, error) {
	sql := `SELECT resource_type, live_count FROM resource_types
		WHERE account_id = $1 AND region = $2 AND live_count > 0`
	args := []any{scope.AccountID, scope.Region}
	if len(types) > 0 {
		sql += ` AND resource_type = ANY($3)`
		args = append(args, types)
	}
	sql += ` ORDER BY resource_type`
	out, err := collect(ctx, t, sql, args, func(r pgx.Rows) (configd.ResourceCount, error) {
		var c configd.ResourceCount
		err := r.Scan(&c.ResourceType, &c.Count)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: count resources: %w", err)
	}
	return out, nil
}

// PruneHistory deletes the scope's configuration items captured before
// cutoff, except the newest item of each resource.
func (t *tx) PruneHistory(ctx context.Context, scope configd.Scope, cutoff time.Time) (int64, error) {
	tag, err := t.exec(ctx, `DELETE FROM configuration_items c
		WHERE c.account_id = $1 AND c.region = $2 AND c.capture_time < $3
			AND NOT EXISTS (SELECT 1 FROM resources r
				WHERE r.account_id = c.account_id AND r.region = c.region
					AND r.resource_type = c.resource_type AND r.resource_id = c.resource_id
					AND r.latest_seq = c.seq)`,
		scope.AccountID, scope.Region, cutoff.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("postgres: prune history: %w", err)
	}
	return tag.RowsAffected(), nil
}
