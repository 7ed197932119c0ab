package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/storecodec"
)

// namedTable holds the statements of a table of named JSON bodies
// (recorders, delivery channels, retention configurations).
type namedTable struct {
	what                string // for error messages
	get, list, put, del *query
}

func newNamedTable(table, what string) namedTable {
	return namedTable{
		what: what,
		get:  readQuery(`SELECT body FROM ` + table + ` WHERE account_id = ? AND region = ? AND name = ?`),
		list: readQuery(`SELECT body FROM ` + table + ` WHERE account_id = ? AND region = ? ORDER BY name`),
		put: writeQuery(`INSERT INTO ` + table + ` (account_id, region, name, body) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id, region, name) DO UPDATE SET body = excluded.body`),
		del: writeQuery(`DELETE FROM ` + table + ` WHERE account_id = ? AND region = ? AND name = ?`),
	}
}

var (
	recorderTable   = newNamedTable("recorders", "configuration recorder")
	channelTable    = newNamedTable("delivery_channels", "delivery channel")
	retentionTable  = newNamedTable("retention_configurations", "retention configuration")
	errNotFoundBody = errors.New("not found")
)

// getNamed decodes the body named name into rec; it returns errNotFoundBody
// if there is none.
func getNamed[R any](ctx context.Context, t *tx, nt namedTable, scope configd.Scope, name string) (*R, error) {
	var body []byte
	err := t.queryRow(ctx, nt.get, scope.AccountID, scope.Region, name).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFoundBody
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get %s %q: %w", nt.what, name, err)
	}
	rec := new(R)
	if err := json.Unmarshal(body, rec); err != nil {
		return nil, fmt.Errorf("sqlite: decode %s %q: %w", nt.what, name, err)
	}
	return rec, nil
}

// listNamed decodes every body of the scope, ordered by name.
func listNamed[R any](ctx context.Context, t *tx, nt namedTable, scope configd.Scope) ([]*R, error) {
	rows, err := t.query(ctx, nt.list, scope.AccountID, scope.Region)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list %ss: %w", nt.what, err)
	}
	defer rows.Close()
	var out []*R
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("sqlite: list %ss: %w", nt.what, err)
		}
		rec := new(R)
		if err := json.Unmarshal(body, rec); err != nil {
			return nil, fmt.Errorf("sqlite: decode %s: %w", nt.what, err)
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list %ss: %w", nt.what, err)
	}
	return out, nil
}

// putNamed stores rec under name, replacing any body of that name.
func putNamed(ctx context.Context, t *tx, nt namedTable, scope configd.Scope, name string, rec any) error {
	body, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("sqlite: encode %s %q: %w", nt.what, name, err)
	}
	if _, err := t.exec(ctx, nt.put, scope.AccountID, scope.Region, name, string(body)); err != nil {
		return fmt.Errorf("sqlite: put %s %q: %w", nt.what, name, err)
	}
	return nil
}

// deleteNamed deletes the body named name; it returns errNotFoundBody if
// there was none.
func deleteNamed(ctx context.Context, t *tx, nt namedTable, scope configd.Scope, name string) error {
	res, err := t.exec(ctx, nt.del, scope.AccountID, scope.Region, name)
	if err != nil {
		return fmt.Errorf("sqlite: delete %s %q: %w", nt.what, name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: delete %s %q: %w", nt.what, name, err)
	}
	if n == 0 {
		return errNotFoundBody
	}
	return nil
}

// The not-found errors carry the codes AWS Config lists for
// DescribeConfigurationRecorders, DescribeDeliveryChannels and
// DescribeRetentionConfigurations (and their Delete operations), with the
// messages AWS sends for them, e.g.
// https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigurationRecorders.html.

func noSuchRecorder(name string) error {
	return configd.Errorf(configd.ErrNoSuchConfigurationRecorder,
		"Cannot find configuration recorder with the specified name '%s'.", name)
}

func noSuchChannel(name string) error {
	return configd.Errorf(configd.ErrNoSuchDeliveryChannel,
		"Cannot find delivery channel with specified name '%s'.", name)
}

func noSuchRetention(name string) error {
	return configd.Errorf(configd.ErrNoSuchRetentionConfiguration,
		"Cannot find retention configuration with the specified name '%s'.", name)
}

// GetRecorder returns the recorder named name.
func (t *tx) GetRecorder(ctx context.Context, scope configd.Scope, name string) (*configd.Recorder, error) {
	rec, err := getNamed[storecodec.RecorderRecord](ctx, t, recorderTable, scope, name)
	if err == errNotFoundBody {
		return nil, noSuchRecorder(name)
	}
	if err != nil {
		return nil, err
	}
	return rec.Recorder(), nil
}

// ListRecorders lists the scope's recorders ordered by name.
func (t *tx) ListRecorders(ctx context.Context, scope configd.Scope) ([]*configd.Recorder, error) {
	recs, err := listNamed[storecodec.RecorderRecord](ctx, t, recorderTable, scope)
	if err != nil {
		return nil, err
	}
	out := make([]*configd.Recorder, len(recs))
	for i, rec := range recs {
		out[i] = rec.Recorder()
	}
	return out, nil
}

// PutRecorder creates or replaces the recorder named r.Name.
func (t *tx) PutRecorder(ctx context.Context, scope configd.Scope, r *configd.Recorder) error {
	return putNamed(ctx, t, recorderTable, scope, r.Name, storecodec.ToRecorderRecord(r))
}

// DeleteRecorder deletes the recorder named name.
func (t *tx) DeleteRecorder(ctx context.Context, scope configd.Scope, name string) error {
	err := deleteNamed(ctx, t, recorderTable, scope, name)
	if err == errNotFoundBody {
		return noSuchRecorder(name)
	}
	return err
}

// GetDeliveryChannel returns the delivery channel named name.
func (t *tx) GetDeliveryChannel(ctx context.Context, scope configd.Scope, name string) (*configd.DeliveryChannel, error) {
	rec, err := getNamed[storecodec.DeliveryChannelRecord](ctx, t, channelTable, scope, name)
	if err == errNotFoundBody {
		return nil, noSuchChannel(name)
	}
	if err != nil {
		return nil, err
	}
	return rec.Channel(), nil
}

// ListDeliveryChannels lists the scope's delivery channels ordered by name.
func (t *tx) ListDeliveryChannels(ctx context.Context, scope configd.Scope) ([]*configd.DeliveryChannel, error) {
	recs, err := listNamed[storecodec.DeliveryChannelRecord](ctx, t, channelTable, scope)
	if err != nil {
		return nil, err
	}
	out := make([]*configd.DeliveryChannel, len(recs))
	for i, rec := range recs {
		out[i] = rec.Channel()
	}
	return out, nil
}

// PutDeliveryChannel creates or replaces the delivery channel named c.Name.
func (t *tx) PutDeliveryChannel(ctx context.Context, scope configd.Scope, c *configd.DeliveryChannel) error {
	return putNamed(ctx, t, channelTable, scope, c.Name, storecodec.ToDeliveryChannelRecord(c))
}

// DeleteDeliveryChannel deletes the delivery channel named name.
func (t *tx) DeleteDeliveryChannel(ctx context.Context, scope configd.Scope, name string) error {
	err := deleteNamed(ctx, t, channelTable, scope, name)
	if err == errNotFoundBody {
		return noSuchChannel(name)
	}
	return err
}

// GetRetention returns the retention configuration named name.
func (t *tx) GetRetention(ctx context.Context, scope configd.Scope, name string) (*configd.RetentionConfiguration, error) {
	rec, err := getNamed[storecodec.RetentionRecord](ctx, t, retentionTable, scope, name)
	if err == errNotFoundBody {
		return nil, noSuchRetention(name)
	}
	if err != nil {
		return nil, err
	}
	return &configd.RetentionConfiguration{Name: rec.Name, RetentionPeriodInDays: rec.RetentionPeriodInDays}, nil
}

// ListRetentions lists the scope's retention configurations ordered by name.
func (t *tx) ListRetentions(ctx context.Context, scope configd.Scope) ([]*configd.RetentionConfiguration, error) {
	recs, err := listNamed[storecodec.RetentionRecord](ctx, t, retentionTable, scope)
	if err != nil {
		return nil, err
	}
	out := make([]*configd.RetentionConfiguration, len(recs))
	for i, rec := range recs {
		out[i] = &configd.RetentionConfiguration{Name: rec.Name, RetentionPeriodInDays: rec.RetentionPeriodInDays}
	}
	return out, nil
}

// PutRetention creates or replaces the retention configuration named r.Name.
func (t *tx) PutRetention(ctx context.Context, scope configd.Scope, r *configd.RetentionConfiguration) error {
	return putNamed(ctx, t, retentionTable, scope, r.Name, &storecodec.RetentionRecord{Name: r.Name, RetentionPeriodInDays: r.RetentionPeriodInDays})
}

// DeleteRetention deletes the retention configuration named name.
func (t *tx) DeleteRetention(ctx context.Context, scope configd.Scope, name string) error {
	err := deleteNamed(ctx, t, retentionTable, scope, name)
	if err == errNotFoundBody {
		return noSuchRetention(name)
	}
	return err
}

var (
	qListTags = readQuery(`SELECT key, value FROM tags WHERE account_id = ? AND region = ? AND arn = ? ORDER BY key`)
	qPutTag   = writeQuery(`INSERT INTO tags (account_id, region, arn, key, value) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account_id, region, arn, key) DO UPDATE SET value = excluded.value`)
	qDeleteTag     = writeQuery(`DELETE FROM tags WHERE account_id = ? AND region = ? AND arn = ? AND key = ?`)
	qDeleteAllTags = writeQuery(`DELETE FROM tags WHERE account_id = ? AND region = ? AND arn = ?`)
)

// ListTags returns the tags of arn ordered by key.
func (t *tx) ListTags(ctx context.Context, scope configd.Scope, arn string) ([]configd.Tag, error) {
	rows, err := t.query(ctx, qListTags, scope.AccountID, scope.Region, arn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list tags of %s: %w", arn, err)
	}
	defer rows.Close()
	var out []configd.Tag
	for rows.Next() {
		var tag configd.Tag
		if err := rows.Scan(&tag.Key, &tag.Value); err != nil {
			return nil, fmt.Errorf("sqlite: list tags of %s: %w", arn, err)
		}
		out = append(out, tag)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list tags of %s: %w", arn, err)
	}
	return out, nil
}

// PutTags adds or overwrites tags of arn; of repeated keys the last wins.
func (t *tx) PutTags(ctx context.Context, scope configd.Scope, arn string, tags []configd.Tag) error {
	for _, tag := range tags {
		if _, err := t.exec(ctx, qPutTag, scope.AccountID, scope.Region, arn, tag.Key, tag.Value); err != nil {
			return fmt.Errorf("sqlite: put tag %q of %s: %w", tag.Key, arn, err)
		}
	}
	return nil
}

// DeleteTags removes the keys from arn; absent keys are ignored.
func (t *tx) DeleteTags(ctx context.Context, scope configd.Scope, arn string, keys []string) error {
	for _, key := range keys {
		if _, err := t.exec(ctx, qDeleteTag, scope.AccountID, scope.Region, arn, key); err != nil {
			return fmt.Errorf("sqlite: delete tag %q of %s: %w", key, arn, err)
		}
	}
	return nil
}

// DeleteAllTags removes every tag of arn.
func (t *tx) DeleteAllTags(ctx context.Context, scope configd.Scope, arn string) error {
	if _, err := t.exec(ctx, qDeleteAllTags, scope.AccountID, scope.Region, arn); err != nil {
		return fmt.Errorf("sqlite: delete tags of %s: %w", arn, err)
	}
	return nil
}
