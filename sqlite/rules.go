package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/configd/configd"
)

// noSuchRule is the error of a rule that does not exist, with the message
// AWS Config sends (as moto's config/exceptions.py records it, e.g. for
// DescribeConfigRules with an unknown name:
// https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigRules.html).
func noSuchRule(name string) error {
	return configd.Errorf(configd.ErrNoSuchConfigRule,
		"The ConfigRule '%s' provided in the request is invalid. Please check the configRule name", name)
}

var (
	qGetRule   = readQuery(`SELECT body FROM config_rules WHERE account_id = ? AND region = ? AND name = ?`)
	qListRules = readQuery(`SELECT body FROM config_rules WHERE account_id = ? AND region = ? AND name > ?
		ORDER BY name LIMIT ?`)
	qCountRules = readQuery(`SELECT count(*) FROM config_rules WHERE account_id = ? AND region = ?`)
	qPutRule    = writeQuery(`INSERT INTO config_rules (account_id, region, name, body) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, region, name) DO UPDATE SET body = excluded.body`)
	qDeleteRule       = writeQuery(`DELETE FROM config_rules WHERE account_id = ? AND region = ? AND name = ?`)
	qDeleteRuleStatus = writeQuery(`DELETE FROM rule_status WHERE account_id = ? AND region = ? AND name = ?`)

	// qGetRuleStatus tells an absent rule (no row) from a rule without a
	// status (a NULL body).
	qGetRuleStatus = readQuery(`SELECT s.body FROM config_rules r
		LEFT JOIN rule_status s ON s.account_id = r.account_id AND s.region = r.region AND s.name = r.name
		WHERE r.account_id = ? AND r.region = ? AND r.name = ?`)
	// qPutRuleStatus inserts nothing when the rule is absent, so that no
	// status (and no schedule) outlives its rule.
	qPutRuleStatus = writeQuery(`INSERT INTO rule_status (account_id, region, name, next_run, body)
		SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM config_rules
			WHERE account_id = ?1 AND region = ?2 AND name = ?3)
		ON CONFLICT (account_id, region, name) DO UPDATE SET next_run = excluded.next_run, body = excluded.body`)
	qDueRules = readQuery(`SELECT account_id, region, name FROM rule_status
		WHERE next_run IS NOT NULL AND next_run <= ?
		ORDER BY next_run, account_id, region, name LIMIT ?`)
)

// GetRule returns the rule named name.
func (t *tx) GetRule(ctx context.Context, scope configd.Scope, name string) (*configd.ConfigRule, error) {
	var body []byte
	err := t.queryRow(ctx, qGetRule, scope.AccountID, scope.Region, name).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noSuchRule(name)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get config rule %q: %w", name, err)
	}
	return decodeRule(name, body)
}

// decodeRule decodes a config_rules body.
func decodeRule(name string, body []byte) (*configd.ConfigRule, error) {
	var rec ruleRecord
	if err := json.Unmarshal(body, &rec); err != nil {
		return nil, fmt.Errorf("sqlite: decode config rule %q: %w", name, err)
	}
	return rec.rule(), nil
}

// ListRules lists the scope's rules ordered by name, after the name after,
// at most limit (0 or less: all).
func (t *tx) ListRules(ctx context.Context, scope configd.Scope, after string, limit int) ([]*configd.ConfigRule, error) {
	rows, err := t.query(ctx, qListRules, scope.AccountID, scope.Region, after, noLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: list config rules: %w", err)
	}
	defer rows.Close()
	var out []*configd.ConfigRule
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("sqlite: list config rules: %w", err)
		}
		r, err := decodeRule("", body)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list config rules: %w", err)
	}
	return out, nil
}

// PutRule creates or replaces the rule named r.Name.
func (t *tx) PutRule(ctx context.Context, scope configd.Scope, r *configd.ConfigRule) error {
	if r.Name == "" {
		return fmt.Errorf("sqlite: put config rule: a name is required")
	}
	body, err := json.Marshal(toRuleRecord(r))
	if err != nil {
		return fmt.Errorf("sqlite: encode config rule %q: %w", r.Name, err)
	}
	if _, err := t.exec(ctx, qPutRule, scope.AccountID, scope.Region, r.Name, string(body)); err != nil {
		return fmt.Errorf("sqlite: put config rule %q: %w", r.Name, err)
	}
	return nil
}

// DeleteRule deletes the rule, its status and its evaluation results.
func (t *tx) DeleteRule(ctx context.Context, scope configd.Scope, name string) error {
	res, err := t.exec(ctx, qDeleteRule, scope.AccountID, scope.Region, name)
	if err != nil {
		return fmt.Errorf("sqlite: delete config rule %q: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: delete config rule %q: %w", name, err)
	}
	if n == 0 {
		return noSuchRule(name)
	}
	if _, err := t.exec(ctx, qDeleteRuleStatus, scope.AccountID, scope.Region, name); err != nil {
		return fmt.Errorf("sqlite: delete status of config rule %q: %w", name, err)
	}
	return t.DeleteEvaluationResults(ctx, scope, name)
}

// GetRuleStatus returns the rule's status, the zero RuleStatus if it was
// never set.
func (t *tx) GetRuleStatus(ctx context.Context, scope configd.Scope, name string) (*configd.RuleStatus, error) {
	var body []byte
	err := t.queryRow(ctx, qGetRuleStatus, scope.AccountID, scope.Region, name).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noSuchRule(name)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get status of config rule %q: %w", name, err)
	}
	if body == nil {
		return &configd.RuleStatus{}, nil
	}
	var rec ruleStatusRecord
	if err := json.Unmarshal(body, &rec); err != nil {
		return nil, fmt.Errorf("sqlite: decode status of config rule %q: %w", name, err)
	}
	return rec.status(), nil
}

// PutRuleStatus replaces the rule's status; ErrNoSuchConfigRule if the rule
// is absent.
func (t *tx) PutRuleStatus(ctx context.Context, scope configd.Scope, name string, st *configd.RuleStatus) error {
	body, err := json.Marshal(toRuleStatusRecord(st))
	if err != nil {
		return fmt.Errorf("sqlite: encode status of config rule %q: %w", name, err)
	}
	res, err := t.exec(ctx, qPutRuleStatus, scope.AccountID, scope.Region, name, nullMillis(st.NextScheduledRun), string(body))
	if err != nil {
		return fmt.Errorf("sqlite: put status of config rule %q: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: put status of config rule %q: %w", name, err)
	}
	if n == 0 {
		return noSuchRule(name)
	}
	return nil
}

// DueRules returns the rules of every scope whose NextScheduledRun is not
// after now, earliest first, at most limit (0 or less: all).
func (t *tx) DueRules(ctx context.Context, now time.Time, limit int) ([]configd.ScopedName, error) {
	rows, err := t.query(ctx, qDueRules, now.UnixMilli(), noLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: due rules: %w", err)
	}
	defer rows.Close()
	var out []configd.ScopedName
	for rows.Next() {
		var n configd.ScopedName
		if err := rows.Scan(&n.Scope.AccountID, &n.Scope.Region, &n.Name); err != nil {
			return nil, fmt.Errorf("sqlite: due rules: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: due rules: %w", err)
	}
	return out, nil
}
