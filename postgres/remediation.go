package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/storecodec"
	"github.com/jackc/pgx/v5"
)

// The errors of the remediation store carry AWS Config's codes and messages.

// noSuchRemediationConfiguration is the error of DeleteRemediationConfiguration
// for a rule without one
// (https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteRemediationConfiguration.html).
func noSuchRemediationConfiguration() error {
	return configd.Errorf(configd.ErrNoSuchRemediationConfiguration, "No RemediationConfiguration for rule exists.")
}

// noSuchRemediationException is the error for an absent exception, worded
// as AWS's API reference describes NoSuchRemediationExceptionException
// (https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteRemediationExceptions.html).
func noSuchRemediationException() error {
	return configd.Errorf(configd.ErrNoSuchRemediationException,
		"You tried to delete a remediation exception that does not exist.")
}

type parameterRec struct {
	ResourceValue string   `json:"resourceValue,omitempty"`
	StaticValues  []string `json:"staticValues"`
}

type controlsRec struct {
	Concurrent int `json:"concurrentExecutionRatePercentage"`
	Error      int `json:"errorPercentage"`
}

type remediationConfigRec struct {
	RuleName         string                  `json:"configRuleName"`
	ARN              string                  `json:"arn,omitempty"`
	TargetType       string                  `json:"targetType,omitempty"`
	TargetID         string                  `json:"targetId,omitempty"`
	TargetVersion    string                  `json:"targetVersion,omitempty"`
	Parameters       map[string]parameterRec `json:"parameters"`
	ResourceType     string                  `json:"resourceType,omitempty"`
	Automatic        bool                    `json:"automatic,omitempty"`
	Controls         *controlsRec            `json:"executionControls"`
	MaxAttempts      int                     `json:"maximumAutomaticAttempts,omitempty"`
	RetrySeconds     int64                   `json:"retryAttemptSeconds,omitempty"`
	CreatedByService string                  `json:"createdByService,omitempty"`
}

func remediationConfigToRec(c *configd.RemediationConfiguration) *remediationConfigRec {
	rec := &remediationConfigRec{
		RuleName:         c.RuleName,
		ARN:              c.ARN,
		TargetType:       c.TargetType,
		TargetID:         c.TargetID,
		TargetVersion:    c.TargetVersion,
		ResourceType:     c.ResourceType,
		Automatic:        c.Automatic,
		MaxAttempts:      c.MaximumAutomaticAttempts,
		RetrySeconds:     c.RetryAttemptSeconds,
		CreatedByService: c.CreatedByService,
	}
	if c.Parameters != nil {
		rec.Parameters = make(map[string]parameterRec, len(c.Parameters))
		for k, p := range c.Parameters {
			rec.Parameters[k] = parameterRec{ResourceValue: p.ResourceValue, StaticValues: p.StaticValues}
		}
	}
	if ec := c.ExecutionControls; ec != nil {
		rec.Controls = &controlsRec{Concurrent: ec.ConcurrentExecutionRatePercentage, Error: ec.ErrorPercentage}
	}
	return rec
}

func (rec *remediationConfigRec) config() *configd.RemediationConfiguration {
	c := &configd.RemediationConfiguration{
		RuleName:                 rec.RuleName,
		ARN:                      rec.ARN,
		TargetType:               rec.TargetType,
		TargetID:                 rec.TargetID,
		TargetVersion:            rec.TargetVersion,
		ResourceType:             rec.ResourceType,
		Automatic:                rec.Automatic,
		MaximumAutomaticAttempts: rec.MaxAttempts,
		RetryAttemptSeconds:      rec.RetrySeconds,
		CreatedByService:         rec.CreatedByService,
	}
	if rec.Parameters != nil {
		c.Parameters = make(map[string]configd.RemediationParameter, len(rec.Parameters))
		for k, p := range rec.Parameters {
			c.Parameters[k] = configd.RemediationParameter{ResourceValue: p.ResourceValue, StaticValues: p.StaticValues}
		}
	}
	if ec := rec.Controls; ec != nil {
		c.ExecutionControls = &configd.ExecutionControls{ConcurrentExecutionRatePercentage: ec.Concurrent, ErrorPercentage: ec.Error}
	}
	return c
}

// scanConfig decodes a remediation_configurations body.
func scanConfig(r pgx.Rows) (*configd.RemediationConfiguration, error) {
	var body string
	if err := r.Scan(&body); err != nil {
		return nil, err
	}
	var rec remediationConfigRec
	if err := decode("remediation configuration", body, &rec); err != nil {
		return nil, err
	}
	return rec.config(), nil
}

// GetRemediationConfiguration returns the remediation configuration of rule.
func (t *tx) GetRemediationConfiguration(ctx context.Context, scope configd.Scope, rule string) (*configd.RemediationConfiguration, error) {
	out, err := collect(ctx, t, `SELECT body FROM remediation_configurations WHERE account_id = $1 AND region = $2 AND rule_name = $3`,
		[]any{scope.AccountID, scope.Region, rule}, scanConfig)
	if err != nil {
		return nil, fmt.Errorf("postgres: get remediation configuration of %q: %w", rule, err)
	}
	if len(out) == 0 {
		return nil, noSuchRemediationConfiguration()
	}
	return out[0], nil
}

// ListRemediationConfigurations lists the configurations of the named rules
// (all when none), ordered by rule name.
func (t *tx) ListRemediationConfigurations(ctx context.Context, scope configd.Scope, rules []string) ([]*configd.RemediationConfiguration, error) {
	sql := `SELECT body FROM remediation_configurations WHERE account_id = $1 AND region = $2`
	args := []any{scope.AccountID, scope.Region}
	if len(rules) > 0 {
		sql += ` AND rule_name = ANY($3)`
		args = append(args, rules)
	}
	out, err := collect(ctx, t, sql+` ORDER BY rule_name`, args, scanConfig)
	if err != nil {
		return nil, fmt.Errorf("postgres: list remediation configurations: %w", err)
	}
	return out, nil
}

// PutRemediationConfiguration creates or replaces the configuration of
// c.RuleName.
func (t *tx) PutRemediationConfiguration(ctx context.Context, scope configd.Scope, c *configd.RemediationConfiguration) error {
	body, err := encode("remediation configuration", remediationConfigToRec(c))
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, `INSERT INTO remediation_configurations (account_id, region, rule_name, body) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id, region, rule_name) DO UPDATE SET body = excluded.body`,
		scope.AccountID, scope.Region, c.RuleName, body); err != nil {
		return fmt.Errorf("postgres: put remediation configuration of %q: %w", c.RuleName, err)
	}
	return nil
}

// DeleteRemediationConfiguration deletes the configuration of rule.
func (t *tx) DeleteRemediationConfiguration(ctx context.Context, scope configd.Scope, rule string) error {
	tag, err := t.exec(ctx, `DELETE FROM remediation_configurations WHERE account_id = $1 AND region = $2 AND rule_name = $3`,
		scope.AccountID, scope.Region, rule)
	if err != nil {
		return fmt.Errorf("postgres: delete remediation configuration of %q: %w", rule, err)
	}
	if tag.RowsAffected() == 0 {
		return noSuchRemediationConfiguration()
	}
	return nil
}

// PutRemediationException creates or replaces an exception.
func (t *tx) PutRemediationException(ctx context.Context, scope configd.Scope, e *configd.RemediationException) error {
	if _, err := t.exec(ctx, `INSERT INTO remediation_exceptions
		(account_id, region, rule_name, resource_type, resource_id, message, expiration_time) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (account_id, region, rule_name, resource_type, resource_id) DO UPDATE SET
			message = excluded.message, expiration_time = excluded.expiration_time`,
		scope.AccountID, scope.Region, e.RuleName, e.ResourceType, e.ResourceID, e.Message, nullMS(e.ExpirationTime)); err != nil {
		return fmt.Errorf("postgres: put remediation exception of %q on %s %s: %w", e.RuleName, e.ResourceType, e.ResourceID, err)
	}
	return nil
}

// scanException reads rule_name, resource_type, resource_id, message,
// expiration_time.
func scanException(r pgx.Rows) (*configd.RemediationException, error) {
	var (
		e       configd.RemediationException
		expires *int64
	)
	if err := r.Scan(&e.RuleName, &e.ResourceType, &e.ResourceID, &e.Message, &expires); err != nil {
		return nil, err
	}
	e.ExpirationTime = storecodec.FromMillis(expires)
	return &e, nil
}

// GetRemediationException returns the exception, or nil when there is none.
func (t *tx) GetRemediationException(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) (*configd.RemediationException, error) {
	out, err := collect(ctx, t, `SELECT rule_name, resource_type, resource_id, message, expiration_time FROM remediation_exceptions
		WHERE account_id = $1 AND region = $2 AND rule_name = $3 AND resource_type = $4 AND resource_id = $5`,
		[]any{scope.AccountID, scope.Region, rule, key.ResourceType, key.ResourceID}, scanException)
	if err != nil {
		return nil, fmt.Errorf("postgres: get remediation exception of %q on %s %s: %w", rule, key.ResourceType, key.ResourceID, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out[0], nil
}

// DeleteRemediationException deletes the exception.
func (t *tx) DeleteRemediationException(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) error {
	tag, err := t.exec(ctx, `DELETE FROM remediation_exceptions
		WHERE account_id = $1 AND region = $2 AND rule_name = $3 AND resource_type = $4 AND resource_id = $5`,
		scope.AccountID, scope.Region, rule, key.ResourceType, key.ResourceID)
	if err != nil {
		return fmt.Errorf("postgres: delete remediation exception of %q on %s %s: %w", rule, key.ResourceType, key.ResourceID, err)
	}
	if tag.RowsAffected() == 0 {
		return noSuchRemediationException()
	}
	return nil
}

// keyArrays splits keys into parallel arrays of types and ids, for
// "(resource_type, resource_id) IN (SELECT * FROM unnest($n, $m))".
func keyArrays(keys []configd.ResourceKey) (types, ids []string) {
	types, ids = make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		types[i], ids[i] = k.ResourceType, k.ResourceID
	}
	return types, ids
}

// keyFilter appends to sql and args the conditions "one of keys" (when
// keys is not empty) and "after the key after" (when not nil).
func keyFilter(sql string, args []any, keys []configd.ResourceKey, after *configd.ResourceKey) (string, []any) {
	if len(keys) > 0 {
		types, ids := keyArrays(keys)
		args = append(args, types, ids)
		sql += fmt.Sprintf(` AND (resource_type, resource_id) IN (SELECT * FROM unnest($%d::text[], $%d::text[]))`, len(args)-1, len(args))
	}
	if after != nil {
		args = append(args, after.ResourceType, after.ResourceID)
		sql += fmt.Sprintf(` AND (resource_type, resource_id) > ($%d, $%d)`, len(args)-1, len(args))
	}
	return sql, args
}

// ListRemediationExceptions lists a rule's exceptions (of the keys given,
// all when none) ordered by (resource type, resource id), after the key
// after, at most limit (0: all).
func (t *tx) ListRemediationExceptions(ctx context.Context, scope configd.Scope, rule string, keys []configd.ResourceKey, after *configd.ResourceKey, limit int) ([]*configd.RemediationException, error) {
	sql, args := keyFilter(`SELECT rule_name, resource_type, resource_id, message, expiration_time FROM remediation_exceptions
		WHERE account_id = $1 AND region = $2 AND rule_name = $3`, []any{scope.AccountID, scope.Region, rule}, keys, after)
	args = append(args, limitArg(limit))
	sql += fmt.Sprintf(` ORDER BY resource_type, resource_id LIMIT $%d`, len(args))
	out, err := collect(ctx, t, sql, args, scanException)
	if err != nil {
		return nil, fmt.Errorf("postgres: list remediation exceptions of %q: %w", rule, err)
	}
	return out, nil
}

// DeleteExpiredRemediationExceptions deletes the exceptions of every scope
// that expired at now, and returns how many.
func (t *tx) DeleteExpiredRemediationExceptions(ctx context.Context, now time.Time) (int64, error) {
	tag, err := t.exec(ctx, `DELETE FROM remediation_exceptions WHERE expiration_time IS NOT NULL AND expiration_time <= $1`,
		now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("postgres: delete expired remediation exceptions: %w", err)
	}
	return tag.RowsAffected(), nil
}
