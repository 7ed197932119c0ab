package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/itemcodec"
)

var (
	qLatestItem = readQuery(`SELECT c.seq, c.item FROM resources r
		JOIN configuration_items c ON c.seq = r.latest_seq
		WHERE r.account_id = ? AND r.region = ? AND r.resource_type = ? AND r.resource_id = ?`)
	// LatestItems: see latestItemsQueries.
	qResourceLive = readQuery(`SELECT deletion_time IS NULL FROM resources
		WHERE account_id = ? AND region = ? AND resource_type = ? AND resource_id = ?`)
	qInsertItem = itemWriteQuery(`INSERT INTO configuration_items
		(account_id, region, resource_type, resource_id, capture_time, item) VALUES (?, ?, ?, ?, ?, ?)`)
	qUpsertResource = itemWriteQuery(`INSERT INTO resources
		(account_id, region, resource_type, resource_id, resource_name, latest_seq, deletion_time) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, region, resource_type, resource_id) DO UPDATE SET
			resource_name = excluded.resource_name,
			latest_seq = excluded.latest_seq,
			deletion_time = excluded.deletion_time`)
	qAddTypeCount = itemWriteQuery(`INSERT INTO resource_types (account_id, region, resource_type, live_count) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, region, resource_type) DO UPDATE SET live_count = live_count + excluded.live_count`)

	// The history of one resource is read from configuration_items_by_resource
	// in seq order, checking the time bounds in the index (plan_test.go).
	qHistoryDesc = readQuery(`SELECT seq, item FROM configuration_items
		WHERE account_id = ? AND region = ? AND resource_type = ? AND resource_id = ?
			AND seq < ? AND capture_time >= ? AND capture_time <= ?
		ORDER BY seq DESC LIMIT ?`)
	qHistoryAsc = readQuery(`SELECT seq, item FROM configuration_items
		WHERE account_id = ? AND region = ? AND resource_type = ? AND resource_id = ?
			AND seq > ? AND capture_time >= ? AND capture_time <= ?
		ORDER BY seq ASC LIMIT ?`)

	qCountAll = readQuery(`SELECT resource_type, live_count FROM resource_types
		WHERE account_id = ? AND region = ? AND live_count > 0 ORDER BY resource_type`)
	qCountTypes = readQuery(`SELECT resource_type, live_count FROM resource_types
		WHERE account_id = ? AND region = ? AND live_count > 0
			AND resource_type IN (SELECT value FROM json_each(?))
		ORDER BY resource_type`)

	qPrune = writeQuery(`DELETE FROM configuration_items
		WHERE account_id = ? AND region = ? AND capture_time < ?
			AND NOT EXISTS (SELECT 1 FROM resources r
				WHERE r.account_id = configuration_items.account_id
					AND r.region = configuration_items.region
					AND r.resource_type = configuration_items.resource_type
					AND r.resource_id = configuration_items.resource_id
					AND r.latest_seq = configuration_items.seq)`)
)

// latestItemsSizes are the numbers of keys latestItemsQueries look up: a
// call is padded up to the next size with keys that match nothing, and
// split into calls of at most the last size (BatchGetResourceConfig's 100).
var latestItemsSizes = [...]int{2, 4, 8, 16, 32, 64, 100}

// latestItemsQueries[i] reads the latest items of latestItemsSizes[i] keys
// bound as parameters (type, id, type, id, ..., account, region): the keys
// are the outer loop (CROSS JOIN keeps SQLite's planner from reordering),
// each one primary-key lookup in resources and one in configuration_items,
// and a row says which key it answers. Binding the keys spares SQLite the
// JSON parsing of a json_each list (5% of BatchGetResourceConfig's CPU with
// 100 keys).
var latestItemsQueries = func() (qs [len(latestItemsSizes)]*query) {
	for i, n := range latestItemsSizes {
		var b strings.Builder
		b.WriteString(`WITH k(at, resource_type, resource_id) AS (VALUES `)
		for j := range n {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "(%d, ?, ?)", j)
		}
		b.WriteString(`)
		SELECT k.at, c.seq, c.item FROM k
		CROSS JOIN resources r ON r.account_id = ? AND r.region = ?
			AND r.resource_type = k.resource_type AND r.resource_id = k.resource_id
		CROSS JOIN configuration_items c ON c.seq = r.latest_seq`)
		qs[i] = readQuery(b.String())
	}
	return qs
}()

// listQueries holds the eight forms of the ListResources query, indexed by
// a combination of the list* bits: each reads the best index for its filters
// (resources_by_name for a name alone, the primary key otherwise; a list of
// ids is looked up id by id).
var listQueries = func() (qs [8]*query) {
	for v := range qs {
		var b strings.Builder
		b.WriteString(`SELECT resource_type, resource_id, resource_name, deletion_time FROM resources`)
		if v&(listByName|listByIDs) == listByName {
			// Without statistics the planner prefers the primary key (it
			// covers deletion_time), which would scan every resource of
			// the type to find one name.
			b.WriteString(` INDEXED BY resources_by_name`)
		}
		b.WriteString(`
		WHERE account_id = ? AND region = ? AND resource_type = ? AND resource_id > ?`)
		if v&listByName != 0 {
			b.WriteString(` AND resource_name = ?`)
		}
		if v&listByIDs != 0 {
			b.WriteString(` AND resource_id IN (SELECT value FROM json_each(?))`)
		}
		if v&listLiveOnly != 0 {
			b.WriteString(` AND deletion_time IS NULL`)
		}
		b.WriteString(` ORDER BY resource_id LIMIT ?`)
		qs[v] = readQuery(b.String())
	}
	return qs
}()

// Bits of a listQueries index.
const (
	listByName = 1 << iota
	listByIDs
	listLiveOnly
)

// deleted reports whether a configuration item status says the resource no
// longer exists.
func deleted(status string) bool {
	return status == configd.CIStatusResourceDeleted || status == configd.CIStatusResourceDeletedNotRecored
}

// noLimit turns a limit of 0 or less into SQLite's "no limit".
func noLimit(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

// itemBuffers holds the buffers AppendItem encodes items into.
var itemBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledItemBuffer is the largest buffer put back in itemBuffers.
const maxPooledItemBuffer = 256 << 10

// LatestItem returns the newest configuration item of the resource.
func (t *tx) LatestItem(ctx context.Context, scope configd.Scope, key configd.ResourceKey) (*configd.StoredItem, error) {
	var (
		seq  int64
		item []byte
	)
	err := t.queryRow(ctx, qLatestItem, scope.AccountID, scope.Region, key.ResourceType, key.ResourceID).Scan(&seq, &item)
	if errors.Is(err, sql.ErrNoRows) {
		t.see(scope, key, false, false)
		// Message as AWS Config's GetResourceConfigHistory for an unknown
		// resource (https://docs.aws.amazon.com/config/latest/APIReference/API_GetResourceConfigHistory.html).
		return nil, configd.Errorf(configd.ErrResourceNotDiscovered,
			"Resource %s of resourceType:%s is unknown or has not been discovered", key.ResourceID, key.ResourceType)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: latest item of %s %s: %w", key.ResourceType, key.ResourceID, err)
	}
	it, err := decodeItem(seq, item)
	if err == nil {
		t.see(scope, key, true, !deleted(it.Item.Status))
	}
	return it, err
}

// seenResource is the inventory state of one resource in a write
// transaction (tx.seen).
type seenResource struct {
	scope         configd.Scope
	key           configd.ResourceKey
	existed, live bool
}

// see records the inventory state of a resource in a write transaction.
func (t *tx) see(scope configd.Scope, key configd.ResourceKey, existed, live bool) {
	if t.write {
		t.seen = &seenResource{scope: scope, key: key, existed: existed, live: live}
	}
}

// LatestItems returns the newest configuration item of each key that has one,
// in the order of keys, in one query.
func (t *tx) LatestItems(ctx context.Context, scope configd.Scope, keys []configd.ResourceKey) ([]*configd.StoredItem, error) {
	switch len(keys) {
	case 0:
		return nil, nil
	case 1:
		it, err := t.LatestItem(ctx, scope, keys[0])
		if configd.ErrorCode(err) == configd.ErrResourceNotDiscovered {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []*configd.StoredItem{it}, nil
	}
	if most := latestItemsSizes[len(latestItemsSizes)-1]; len(keys) > most {
		items, err := t.LatestItems(ctx, scope, keys[:most])
		if err != nil {
			return nil, err
		}
		rest, err := t.LatestItems(ctx, scope, keys[most:])
		return append(items, rest...), err
	}
	size := 0
	for size < len(latestItemsSizes)-1 && latestItemsSizes[size] < len(keys) {
		size++
	}
	args := make([]any, 0, 2*latestItemsSizes[size]+2)
	for _, k := range keys {
		args = append(args, k.ResourceType, k.ResourceID)
	}
	for len(args) < 2*latestItemsSizes[size] {
		args = append(args, "", "") // no resource type is empty
	}
	args = append(args, scope.AccountID, scope.Region)
	rows, err := t.query(ctx, latestItemsQueries[size], args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: latest items: %w", err)
	}
	defer rows.Close()
	type found struct {
		at int
		it *configd.StoredItem
	}
	var (
		out    []found
		sorted = true
	)
	for rows.Next() {
		var (
			at   int
			seq  int64
			item ownedBytes
		)
		if err := rows.Scan(&at, &seq, &item); err != nil {
			return nil, fmt.Errorf("sqlite: latest items: %w", err)
		}
		it, err := decodeItem(seq, item)
		if err != nil {
			return nil, err
		}
		sorted = sorted && (len(out) == 0 || out[len(out)-1].at < at)
		out = append(out, found{at, it})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: latest items: %w", err)
	}
	if !sorted {
		slices.SortFunc(out, func(a, b found) int { return a.at - b.at })
	}
	items := make([]*configd.StoredItem, len(out))
	for i, f := range out {
		items[i] = f.it
	}
	return items, nil
}

// AppendItem adds ci as the newest version of its resource and updates the
// inventory and the per-type counts in the same transaction.
func (t *tx) AppendItem(ctx context.Context, scope configd.Scope, ci *configd.ConfigurationItem) (int64, error) {
	if !t.write {
		return 0, errReadOnly
	}
	if ci.ResourceType == "" || ci.ResourceID == "" {
		return 0, fmt.Errorf("sqlite: append configuration item: resource type and id are required")
	}
	fail := func(step string, err error) (int64, error) {
		return 0, fmt.Errorf("sqlite: append configuration item of %s %s: %s: %w", ci.ResourceType, ci.ResourceID, step, err)
	}

	key := configd.ResourceKey{ResourceType: ci.ResourceType, ResourceID: ci.ResourceID}
	var wasLive bool
	existed := true
	if s := t.seen; s != nil && s.scope == scope && s.key == key {
		existed, wasLive = s.existed, s.live
	} else {
		err := t.queryRow(ctx, qResourceLive, scope.AccountID, scope.Region, ci.ResourceType, ci.ResourceID).Scan(&wasLive)
		if errors.Is(err, sql.ErrNoRows) {
			existed = false
		} else if err != nil {
			return fail("read inventory", err)
		}
	}
	// Until the inventory is updated below, nothing is known.
	t.seen = nil

	capture := ci.CaptureTime.UnixMilli()
	bp := itemBuffers.Get().(*[]byte)
	buf := itemcodec.Append((*bp)[:0], ci)
	res, err := t.exec(ctx, qInsertItem, scope.AccountID, scope.Region, ci.ResourceType, ci.ResourceID, capture, buf)
	if cap(buf) <= maxPooledItemBuffer { // the driver copied it
		*bp = buf[:0]
		itemBuffers.Put(bp)
	}
	if err != nil {
		return fail("insert", err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return fail("insert", err)
	}

	live := !deleted(ci.Status)
	var deletionTime any
	if !live {
		deletionTime = capture
	}
	if _, err := t.exec(ctx, qUpsertResource, scope.AccountID, scope.Region, ci.ResourceType, ci.ResourceID,
		ci.ResourceName, seq, deletionTime); err != nil {
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
		if _, err := t.exec(ctx, qAddTypeCount, scope.AccountID, scope.Region, ci.ResourceType, delta); err != nil {
			return fail("update counts", err)
		}
	}
	t.see(scope, key, true, live)
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
	stmt, after := qHistoryDesc, q.After
	if q.Chronological {
		stmt = qHistoryAsc
	} else if after <= 0 {
		after = math.MaxInt64
	}
	rows, err := t.query(ctx, stmt, scope.AccountID, scope.Region, q.Key.ResourceType, q.Key.ResourceID,
		after, earliest, latest, noLimit(q.Limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: history of %s %s: %w", q.Key.ResourceType, q.Key.ResourceID, err)
	}
	defer rows.Close()
	var out []configd.StoredItem
	if q.Limit > 0 {
		out = make([]configd.StoredItem, 0, min(q.Limit, 100))
	}
	for rows.Next() {
		var (
			seq  int64
			item ownedBytes
		)
		if err := rows.Scan(&seq, &item); err != nil {
			return nil, fmt.Errorf("sqlite: history of %s %s: %w", q.Key.ResourceType, q.Key.ResourceID, err)
		}
		it, err := decodeItem(seq, item)
		if err != nil {
			return nil, err
		}
		out = append(out, *it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: history of %s %s: %w", q.Key.ResourceType, q.Key.ResourceID, err)
	}
	return out, nil
}

// ListResources lists inventory rows of f.ResourceType matching f, ordered by
// resource id, after afterID; a limit of 0 or less means no limit.
func (t *tx) ListResources(ctx context.Context, scope configd.Scope, f configd.ResourceFilter, afterID string, limit int) ([]configd.DiscoveredResource, error) {
	if f.ResourceType == "" {
		return nil, fmt.Errorf("sqlite: list resources: a resource type is required")
	}
	variant := 0
	args := []any{scope.AccountID, scope.Region, f.ResourceType, afterID}
	if f.ResourceName != "" {
		variant |= listByName
		args = append(args, f.ResourceName)
	}
	if len(f.ResourceIDs) > 0 {
		ids, err := json.Marshal(f.ResourceIDs)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list resources: %w", err)
		}
		variant |= listByIDs
		args = append(args, string(ids))
	}
	if !f.IncludeDeleted {
		variant |= listLiveOnly
	}
	args = append(args, noLimit(limit))

	rows, err := t.query(ctx, listQueries[variant], args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list resources of %s: %w", f.ResourceType, err)
	}
	defer rows.Close()
	var out []configd.DiscoveredResource
	for rows.Next() {
		var (
			r       configd.DiscoveredResource
			deleted sql.NullInt64
		)
		if err := rows.Scan(&r.ResourceType, &r.ResourceID, &r.ResourceName, &deleted); err != nil {
			return nil, fmt.Errorf("sqlite: list resources of %s: %w", f.ResourceType, err)
		}
		if deleted.Valid {
			r.DeletionTime = time.UnixMilli(deleted.Int64).UTC()
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list resources of %s: %w", f.ResourceType, err)
	}
	return out, nil
}

// CountResources counts resources not deleted, by type, ordered by type;
// types without such resources are left out.
func (t *tx) CountResources(ctx context.Context, scope configd.Scope, types []string) ([]configd.ResourceCount, error) {
	var (
		rows *sql.Rows
		err  error
	)
	if len(types) == 0 {
		rows, err = t.query(ctx, qCountAll, scope.AccountID, scope.Region)
	} else {
		list, jerr := json.Marshal(types)
		if jerr != nil {
			return nil, fmt.Errorf("sqlite: count resources: %w", jerr)
		}
		rows, err = t.query(ctx, qCountTypes, scope.AccountID, scope.Region, string(list))
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: count resources: %w", err)
	}
	defer rows.Close()
	var out []configd.ResourceCount
	for rows.Next() {
		var c configd.ResourceCount
		if err := rows.Scan(&c.ResourceType, &c.Count); err != nil {
			return nil, fmt.Errorf("sqlite: count resources: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: count resources: %w", err)
	}
	return out, nil
}

// PruneHistory deletes the scope's configuration items captured before
// cutoff, except the newest item of each resource.
func (t *tx) PruneHistory(ctx context.Context, scope configd.Scope, cutoff time.Time) (int64, error) {
	res, err := t.exec(ctx, qPrune, scope.AccountID, scope.Region, cutoff.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune history: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: prune history: %w", err)
	}
	return n, nil
}
