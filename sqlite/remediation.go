package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/storecodec"
)

// noSuchRemediationConfiguration is the error of a rule without a
// remediation configuration. AWS documents the exception ("You specified an
// Config rule without a remediation configuration.",
// https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteRemediationConfiguration.html)
// but not the message its servers send; this text was not checked against
// AWS (moto does not implement remediation).
func noSuchRemediationConfiguration() error {
	return configd.Errorf(configd.ErrNoSuchRemediationConfiguration, "No RemediationConfiguration for rule exists.")
}

// noSuchRemediationException is the error of an absent remediation
// exception, worded as AWS's API reference describes the exception
// (https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteRemediationExceptions.html);
// the message AWS's servers send was not found.
func noSuchRemediationException() error {
	return configd.Errorf(configd.ErrNoSuchRemediationException,
		"You tried to delete a remediation exception that does not exist.")
}

var (
	qGetRemediationConfig = readQuery(`SELECT body FROM remediation_configurations
		WHERE account_id = ? AND region = ? AND rule_name = ?`)
	qListRemediationConfigs = readQuery(`SELECT body FROM remediation_configurations
		WHERE account_id = ? AND region = ? ORDER BY rule_name`)
	qPutRemediationConfig = writeQuery(`INSERT INTO remediation_configurations (account_id, region, rule_name, body)
		VALUES (?, ?, ?, ?) ON CONFLICT (account_id, region, rule_name) DO UPDATE SET body = excluded.body`)
	qDeleteRemediationConfig = writeQuery(`DELETE FROM remediation_configurations
		WHERE account_id = ? AND region = ? AND rule_name = ?`)

	qGetException = readQuery(`SELECT body FROM remediation_exceptions
		WHERE account_id = ? AND region = ? AND rule_name = ? AND resource_type = ? AND resource_id = ?`)
	qPutException = writeQuery(`INSERT INTO remediation_exceptions
		(account_id, region, rule_name, resource_type, resource_id, expiration_time, body) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, region, rule_name, resource_type, resource_id) DO UPDATE SET
			expiration_time = excluded.expiration_time, body = excluded.body`)
	qDeleteException = writeQuery(`DELETE FROM remediation_exceptions
		WHERE account_id = ? AND region = ? AND rule_name = ? AND resource_type = ? AND resource_id = ?`)
	qListExceptions = readQuery(`SELECT resource_type, resource_id, body FROM remediation_exceptions
		WHERE account_id = ? AND region = ? AND rule_name = ?
		ORDER BY resource_type, resource_id LIMIT ?`)
	qListExceptionsAfter = readQuery(`SELECT resource_type, resource_id, body FROM remediation_exceptions
		WHERE account_id = ? AND region = ? AND rule_name = ? AND (resource_type, resource_id) > (?, ?)
		ORDER BY resource_type, resource_id LIMIT ?`)
	qDeleteExpiredExceptions = writeQuery(`DELETE FROM remediation_exceptions
		WHERE expiration_time IS NOT NULL AND expiration_time <= ?`)
)

// GetRemediationConfiguration returns the remediation configuration of rule.
func (t *tx) GetRemediationConfiguration(ctx context.Context, scope configd.Scope, rule string) (*configd.RemediationConfiguration, error) {
	var body []byte
	err := t.queryRow(ctx, qGetRemediationConfig, scope.AccountID, scope.Region, rule).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noSuchRemediationConfiguration()
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get remediation configuration of rule %q: %w", rule, err)
	}
	return decodeRemediationConfig(rule, body)
}

func decodeRemediationConfig(rule string, body []byte) (*configd.RemediationConfiguration, error) {
	var rec remediationConfigRecord
	if err := json.Unmarshal(body, &rec); err != nil {
		return nil, fmt.Errorf("sqlite: decode remediation configuration of rule %q: %w", rule, err)
	}
	return rec.config(), nil
}

// ListRemediationConfigurations lists the configurations of the named rules
// (all when rules is empty; absent names are skipped), ordered by rule name.
func (t *tx) ListRemediationConfigurations(ctx context.Context, scope configd.Scope, rules []string) ([]*configd.RemediationConfiguration, error) {
	if len(rules) > 0 {
		names := slices.Clone(rules)
		slices.Sort(names)
		names = slices.Compact(names)
		var out []*configd.RemediationConfiguration
		for _, n := range names {
			c, err := t.GetRemediationConfiguration(ctx, scope, n)
			if configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	}
	rows, err := t.query(ctx, qListRemediationConfigs, scope.AccountID, scope.Region)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list remediation configurations: %w", err)
	}
	defer rows.Close()
	var out []*configd.RemediationConfiguration
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("sqlite: list remediation configurations: %w", err)
		}
		c, err := decodeRemediationConfig("", body)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list remediation configurations: %w", err)
	}
	return out, nil
}

// PutRemediationConfiguration creates or replaces the configuration of
// c.RuleName.
func (t *tx) PutRemediationConfiguration(ctx context.Context, scope configd.Scope, c *configd.RemediationConfiguration) error {
	if c.RuleName == "" {
		return fmt.Errorf("sqlite: put remediation configuration: a rule name is required")
	}
	body, err := json.Marshal(toRemediationConfigRecord(c))
	if err != nil {
		return fmt.Errorf("sqlite: encode remediation configuration of rule %q: %w", c.RuleName, err)
	}
	if _, err := t.exec(ctx, qPutRemediationConfig, scope.AccountID, scope.Region, c.RuleName, string(body)); err != nil {
		return fmt.Errorf("sqlite: put remediation configuration of rule %q: %w", c.RuleName, err)
	}
	return nil
}

// DeleteRemediationConfiguration deletes the configuration of rule (not its
// executions or exceptions).
func (t *tx) DeleteRemediationConfiguration(ctx context.Context, scope configd.Scope, rule string) error {
	n, err := t.execCount(ctx, qDeleteRemediationConfig, scope.AccountID, scope.Region, rule)
	if err != nil {
		return fmt.Errorf("sqlite: delete remediation configuration of rule %q: %w", rule, err)
	}
	if n == 0 {
		return noSuchRemediationConfiguration()
	}
	return nil
}

// execCount runs a statement and returns the number of rows it changed.
func (t *tx) execCount(ctx context.Context, q *query, args ...any) (int64, error) {
	res, err := t.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// PutRemediationException creates or replaces an exception.
func (t *tx) PutRemediationException(ctx context.Context, scope configd.Scope, e *configd.RemediationException) error {
	if e.RuleName == "" {
		return fmt.Errorf("sqlite: put remediation exception: a rule name is required")
	}
	body, err := json.Marshal(&exceptionRecord{Message: e.Message, ExpirationTime: storecodec.Millis(e.ExpirationTime)})
	if err != nil {
		return fmt.Errorf("sqlite: encode remediation exception: %w", err)
	}
	if _, err := t.exec(ctx, qPutException, scope.AccountID, scope.Region, e.RuleName, e.ResourceType, e.ResourceID,
		nullMillis(e.ExpirationTime), string(body)); err != nil {
		return fmt.Errorf("sqlite: put remediation exception of rule %q for %s %s: %w", e.RuleName, e.ResourceType, e.ResourceID, err)
	}
	return nil
}

// decodeException rebuilds an exception from its key and body.
func decodeException(rule, typ, id string, body []byte) (*configd.RemediationException, error) {
	var rec exceptionRecord
	if err := json.Unmarshal(body, &rec); err != nil {
		return nil, fmt.Errorf("sqlite: decode remediation exception of rule %q for %s %s: %w", rule, typ, id, err)
	}
	return &configd.RemediationException{
		RuleName:       rule,
		ResourceType:   typ,
		ResourceID:     id,
		Message:        rec.Message,
		ExpirationTime: storecodec.FromMillis(rec.ExpirationTime),
	}, nil
}

// GetRemediationException returns the exception, or nil when absent (even
// if it expired and was not deleted yet).
func (t *tx) GetRemediationException(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) (*configd.RemediationException, error) {
	var body []byte
	err := t.queryRow(ctx, qGetException, scope.AccountID, scope.Region, rule, key.ResourceType, key.ResourceID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get remediation exception of rule %q for %s %s: %w", rule, key.ResourceType, key.ResourceID, err)
	}
	return decodeException(rule, key.ResourceType, key.ResourceID, body)
}

// DeleteRemediationException deletes the exception.
func (t *tx) DeleteRemediationException(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) error {
	n, err := t.execCount(ctx, qDeleteException, scope.AccountID, scope.Region, rule, key.ResourceType, key.ResourceID)
	if err != nil {
		return fmt.Errorf("sqlite: delete remediation exception of rule %q for %s %s: %w", rule, key.ResourceType, key.ResourceID, err)
	}
	if n == 0 {
		return noSuchRemediationException()
	}
	return nil
}

// ListRemediationExceptions lists a rule's exceptions (of keys, all when
// empty) in (type, id) order after the key after, at most limit (0 or less:
// all).
func (t *tx) ListRemediationExceptions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey, after *configd.ResourceKey, limit int) ([]*configd.RemediationException, error) {
	if len(keys) > 0 {
		var out []*configd.RemediationException
		for _, k := range keysAfter(keys, after) {
			if limit > 0 && len(out) >= limit {
				break
			}
			e, err := t.GetRemediationException(ctx, scope, rule, k)
			if err != nil {
				return nil, err
			}
			if e != nil {
				out = append(out, e)
			}
		}
		return out, nil
	}
	var (
		rows *sql.Rows
		err  error
	)
	if after == nil {
		rows, err = t.query(ctx, qListExceptions, scope.AccountID, scope.Region, rule, noLimit(limit))
	} else {
		rows, err = t.query(ctx, qListExceptionsAfter, scope.AccountID, scope.Region, rule, after.ResourceType, after.ResourceID, noLimit(limit))
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: list remediation exceptions of rule %q: %w", rule, err)
	}
	defer rows.Close()
	var out []*configd.RemediationException
	for rows.Next() {
		var (
			typ, id string
			body    []byte
		)
		if err := rows.Scan(&typ, &id, &body); err != nil {
			return nil, fmt.Errorf("sqlite: list remediation exceptions of rule %q: %w", rule, err)
		}
		e, err := decodeException(rule, typ, id, body)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list remediation exceptions of rule %q: %w", rule, err)
	}
	return out, nil
}

// keysAfter returns keys sorted by (type, id), without duplicates, from
// after the key after on.
func keysAfter(keys []configd.ResourceKey, after *configd.ResourceKey) []configd.ResourceKey {
	ks := slices.Clone(keys)
	slices.SortFunc(ks, compareKeys)
	ks = slices.Compact(ks)
	if after == nil {
		return ks
	}
	i, found := slices.BinarySearchFunc(ks, *after, compareKeys)
	if found {
		i++
	}
	return ks[i:]
}

// compareKeys orders resource keys by type, then id, byte-wise.
func compareKeys(a, b configd.ResourceKey) int {
	if c := strings.Compare(a.ResourceType, b.ResourceType); c != 0 {
		return c
	}
	return strings.Compare(a.ResourceID, b.ResourceID)
}

// DeleteExpiredRemediationExceptions deletes the exceptions of every scope
// whose expiration time is not after now.
func (t *tx) DeleteExpiredRemediationExceptions(ctx context.Context, now time.Time) (int64, error) {
	n, err := t.execCount(ctx, qDeleteExpiredExceptions, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired remediation exceptions: %w", err)
	}
	return n, nil
}
