package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/storecodec"
	"github.com/jackc/pgx/v5"
)

// namedTable holds the statements of a table of named JSON bodies
// (recorders, delivery channels, retention configurations).
type namedTable struct {
	what                string // for error messages
	get, list, put, del string
	notFound            func(name string) error
}

func newNamedTable(table, what string, notFound func(string) error) namedTable {
	return namedTable{
		what:     what,
		get:      `SELECT body FROM ` + table + ` WHERE account_id = $1 AND region = $2 AND name = $3`,
		list:     `SELECT body FROM ` + table + ` WHERE account_id = $1 AND region = $2 ORDER BY name`,
		put:      `INSERT INTO ` + table + ` (account_id, region, name, body) VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, region, name) DO UPDATE SET body = excluded.body`,
		del:      `DELETE FROM ` + table + ` WHERE account_id = $1 AND region = $2 AND name = $3`,
		notFound: notFound,
	}
}

// The not-found errors carry the codes AWS Config lists for
// DescribeConfigurationRecorders, DescribeDeliveryChannels and
// DescribeRetentionConfigurations (and their Delete operations), with the
// messages AWS sends for them, e.g.
// https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigurationRecorders.html.
var (
	recorderTable = newNamedTable("recorders", "configuration recorder", func(name string) error {
		return configd.Errorf(configd.ErrNoSuchConfigurationRecorder,
			"Cannot find configuration recorder with the specified name '%s'.", name)
	})
	channelTable = newNamedTable("delivery_channels", "delivery channel", func(name string) error {
		return configd.Errorf(configd.ErrNoSuchDeliveryChannel,
			"Cannot find delivery channel with specified name '%s'.", name)
	})
	retentionTable = newNamedTable("retention_configurations", "retention configuration", func(name string) error {
		return configd.Errorf(configd.ErrNoSuchRetentionConfiguration,
			"Cannot find retention configuration with the specified name '%s'.", name)
	})
)

// getNamed decodes the body named name; the table's not-found error if
// there is none.
func getNamed[R any](ctx context.Context, t *tx, nt namedTable, scope configd.Scope, name string) (*R, error) {
	var body string
	err := t.scanRow(ctx, nt.get, []any{scope.AccountID, scope.Region, name}, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nt.notFound(name)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: get %s %q: %w", nt.what, name, err)
	}
	rec := new(R)
	if err := decode(nt.what, body, rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// listNamed decodes every body of the scope, ordered by name.
func listNamed[R any](ctx context.Context, t *tx, nt namedTable, scope configd.Scope) ([]*R, error) {
	out, err := collect(ctx, t, nt.list, []any{scope.AccountID, scope.Region}, func(r pgx.Rows) (*R, error) {
		var body string
		if err := r.Scan(&body); err != nil {
			return nil, err
		}
		rec := new(R)
		return rec, decode(nt.what, body, rec)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: list %ss: %w", nt.what, err)
	}
	return out, nil
}

// putNamed stores rec under name, replacing any body of that name.
func putNamed(ctx context.Context, t *tx, nt namedTable, scope configd.Scope, name string, rec any) error {
	body, err := encode(nt.what, rec)
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, nt.put, scope.AccountID, scope.Region, name, body); err != nil {
		return fmt.Errorf("postgres: put %s %q: %w", nt.what, name, err)
	}
	return nil
}

// deleteNamed deletes the body named name; the table's not-found error if
// there was none.
func deleteNamed(ctx context.Context, t *tx, nt namedTable, scope configd.Scope, name string) error {
	tag, err := t.exec(ctx, nt.del, scope.AccountID, scope.Region, name)
	if err != nil {
		return fmt.Errorf("postgres: delete %s %q: %w", nt.what, name, err)
	}
	if tag.RowsAffected() == 0 {
		return nt.notFound(name)
	}
	return nil
}

// GetRecorder returns the recorder named name.
func (t *tx) GetRecorder(ctx context.Context, scope configd.Scope, name string) (*configd.Recorder, error) {
	rec, err := getNamed[storecodec.RecorderRecord](ctx, t, recorderTable, scope, name)
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
	return deleteNamed(ctx, t, recorderTable, scope, name)
}

// GetDeliveryChannel returns the delivery channel named name.
func (t *tx) GetDeliveryChannel(ctx context.Context, scope configd.Scope, name string) (*configd.DeliveryChannel, error) {
	rec, err := getNamed[storecodec.DeliveryChannelRecord](ctx, t, channelTable, scope, name)
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
	return deleteNamed(ctx, t, channelTable, scope, name)
}

// GetRetention returns the retention configuration named name.
func (t *tx) GetRetention(ctx context.Context, scope configd.Scope, name string) (*configd.RetentionConfiguration, error) {
	rec, err := getNamed[storecodec.RetentionRecord](ctx, t, retentionTable, scope, name)
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
	return deleteNamed(ctx, t, retentionTable, scope, name)
}

// ListTags returns the tags of arn ordered by key.
func (t *tx) ListTags(ctx context.Context, scope configd.Scope, arn string) ([]configd.Tag, error) {
	out, err := collect(ctx, t, `SELECT key, value FROM tags WHERE account_id = $1 AND region = $2 AND arn = $3 ORDER BY key`,
		[]any{scope.AccountID, scope.Region, arn}, func(r pgx.Rows) (configd.Tag, error) {
			var tag configd.Tag
			err := r.Scan(&tag.Key, &tag.Value)
			return tag, err
		})
	if err != nil {
		return nil, fmt.Errorf("postgres: list tags of %s: %w", arn, err)
	}
	return out, nil
}

// PutTags adds or overwrites tags of arn; of repeated keys the last wins.
func (t *tx) PutTags(ctx context.Context, scope configd.Scope, arn string, tags []configd.Tag) error {
	for _, tag := range tags {
		if _, err := t.exec(ctx, `INSERT INTO tags (account_id, region, arn, key, value) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (account_id, region, arn, key) DO UPDATE SET value = excluded.value`,
			scope.AccountID, scope.Region, arn, tag.Key, tag.Value); err != nil {
			return fmt.Errorf("postgres: put tag %q of %s: %w", tag.Key, arn, err)
		}
	}
	return nil
}

// DeleteTags removes the keys from arn; absent keys are ignored.
func (t *tx) DeleteTags(ctx context.Context, scope configd.Scope, arn string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if _, err := t.exec(ctx, `DELETE FROM tags WHERE account_id = $1 AND region = $2 AND arn = $3 AND key = ANY($4)`,
		scope.AccountID, scope.Region, arn, keys); err != nil {
		return fmt.Errorf("postgres: delete tags of %s: %w", arn, err)
	}
	return nil
}

// DeleteAllTags removes every tag of arn.
func (t *tx) DeleteAllTags(ctx context.Context, scope configd.Scope, arn string) error {
	if _, err := t.exec(ctx, `DELETE FROM tags WHERE account_id = $1 AND region = $2 AND arn = $3`,
		scope.AccountID, scope.Region, arn); err != nil {
		return fmt.Errorf("postgres: delete tags of %s: %w", arn, err)
	}
	return nil
}
