package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/storecodec"
	"github.com/jackc/pgx/v5"
)

// noSuchRule is AWS Config's error for an unknown rule name, e.g. in
// DescribeConfigRules
// (https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigRules.html).
func noSuchRule(name string) error {
	return configd.Errorf(configd.ErrNoSuchConfigRule,
		"The ConfigRule '%s' provided in the request is invalid. Please check the configRule name", name)
}

type ruleScopeRec struct {
	ResourceTypes []string `json:"complianceResourceTypes"`
	TagKey        string   `json:"tagKey,omitempty"`
	TagValue      string   `json:"tagValue,omitempty"`
	ResourceID    string   `json:"complianceResourceId,omitempty"`
}

type sourceDetailRec struct {
	EventSource string `json:"eventSource,omitempty"`
	MessageType string `json:"messageType,omitempty"`
	Frequency   string `json:"maximumExecutionFrequency,omitempty"`
}

type customPolicyRec struct {
	Runtime  string `json:"policyRuntime,omitempty"`
	Text     string `json:"policyText,omitempty"`
	DebugLog bool   `json:"enableDebugLogDelivery,omitempty"`
}

type sourceRec struct {
	Owner            string            `json:"owner,omitempty"`
	SourceIdentifier string            `json:"sourceIdentifier,omitempty"`
	Details          []sourceDetailRec `json:"sourceDetails"`
	CustomPolicy     *customPolicyRec  `json:"customPolicyDetails"`
}

type ruleRec struct {
	Name            string       `json:"configRuleName"`
	ARN             string       `json:"configRuleArn,omitempty"`
	ID              string       `json:"configRuleId,omitempty"`
	Description     string       `json:"description,omitempty"`
	Scope           ruleScopeRec `json:"scope"`
	Source          sourceRec    `json:"source"`
	InputParameters string       `json:"inputParameters,omitempty"`
	Frequency       string       `json:"maximumExecutionFrequency,omitempty"`
	State           string       `json:"configRuleState,omitempty"`
	CreatedBy       string       `json:"createdBy,omitempty"`
	EvaluationModes []string     `json:"evaluationModes"`
}

func ruleToRec(r *configd.ConfigRule) *ruleRec {
	rec := &ruleRec{
		Name:        r.Name,
		ARN:         r.ARN,
		ID:          r.ID,
		Description: r.Description,
		Scope: ruleScopeRec{
			ResourceTypes: r.Scope.ComplianceResourceTypes,
			TagKey:        r.Scope.TagKey,
			TagValue:      r.Scope.TagValue,
			ResourceID:    r.Scope.ComplianceResourceID,
		},
		Source:          sourceRec{Owner: r.Source.Owner, SourceIdentifier: r.Source.SourceIdentifier},
		InputParameters: r.InputParameters,
		Frequency:       r.MaximumExecutionFrequency,
		State:           r.State,
		CreatedBy:       r.CreatedBy,
		EvaluationModes: r.EvaluationModes,
	}
	if r.Source.SourceDetails != nil {
		rec.Source.Details = make([]sourceDetailRec, len(r.Source.SourceDetails))
		for i, d := range r.Source.SourceDetails {
			rec.Source.Details[i] = sourceDetailRec{EventSource: d.EventSource, MessageType: d.MessageType, Frequency: d.MaximumExecutionFrequency}
		}
	}
	if p := r.Source.CustomPolicy; p != nil {
		rec.Source.CustomPolicy = &customPolicyRec{Runtime: p.PolicyRuntime, Text: p.PolicyText, DebugLog: p.EnableDebugLogDelivery}
	}
	return rec
}

func (rec *ruleRec) rule() *configd.ConfigRule {
	r := &configd.ConfigRule{
		Name:        rec.Name,
		ARN:         rec.ARN,
		ID:          rec.ID,
		Description: rec.Description,
		Scope: configd.RuleScope{
			ComplianceResourceTypes: rec.Scope.ResourceTypes,
			TagKey:                  rec.Scope.TagKey,
			TagValue:                rec.Scope.TagValue,
			ComplianceResourceID:    rec.Scope.ResourceID,
		},
		Source:                    configd.RuleSource{Owner: rec.Source.Owner, SourceIdentifier: rec.Source.SourceIdentifier},
		InputParameters:           rec.InputParameters,
		MaximumExecutionFrequency: rec.Frequency,
		State:                     rec.State,
		CreatedBy:                 rec.CreatedBy,
		EvaluationModes:           rec.EvaluationModes,
	}
	if rec.Source.Details != nil {
		r.Source.SourceDetails = make([]configd.SourceDetail, len(rec.Source.Details))
		for i, d := range rec.Source.Details {
			r.Source.SourceDetails[i] = configd.SourceDetail{EventSource: d.EventSource, MessageType: d.MessageType, MaximumExecutionFrequency: d.Frequency}
		}
	}
	if p := rec.Source.CustomPolicy; p != nil {
		r.Source.CustomPolicy = &configd.CustomPolicy{PolicyRuntime: p.Runtime, PolicyText: p.Text, EnableDebugLogDelivery: p.DebugLog}
	}
	return r
}

type ruleStatusRec struct {
	FirstActivated         *int64 `json:"firstActivatedTime,omitempty"`
	LastDeactivated        *int64 `json:"lastDeactivatedTime,omitempty"`
	LastSuccessInvocation  *int64 `json:"lastSuccessfulInvocationTime,omitempty"`
	LastFailedInvocation   *int64 `json:"lastFailedInvocationTime,omitempty"`
	LastSuccessEvaluation  *int64 `json:"lastSuccessfulEvaluationTime,omitempty"`
	LastFailedEvaluation   *int64 `json:"lastFailedEvaluationTime,omitempty"`
	LastErrorCode          string `json:"lastErrorCode,omitempty"`
	LastErrorMessage       string `json:"lastErrorMessage,omitempty"`
	FirstEvaluationStarted bool   `json:"firstEvaluationStarted,omitempty"`
	NextScheduledRun       *int64 `json:"nextScheduledRun,omitempty"`
	LastOnDemandRun        *int64 `json:"lastOnDemandRun,omitempty"`
	EvaluationsPending     int    `json:"evaluationsPending,omitempty"`
}

func ruleStatusToRec(s *configd.RuleStatus) *ruleStatusRec {
	return &ruleStatusRec{
		FirstActivated:         storecodec.Millis(s.FirstActivatedTime),
		LastDeactivated:        storecodec.Millis(s.LastDeactivatedTime),
		LastSuccessInvocation:  storecodec.Millis(s.LastSuccessfulInvocationTime),
		LastFailedInvocation:   storecodec.Millis(s.LastFailedInvocationTime),
		LastSuccessEvaluation:  storecodec.Millis(s.LastSuccessfulEvaluationTime),
		LastFailedEvaluation:   storecodec.Millis(s.LastFailedEvaluationTime),
		LastErrorCode:          s.LastErrorCode,
		LastErrorMessage:       s.LastErrorMessage,
		FirstEvaluationStarted: s.FirstEvaluationStarted,
		NextScheduledRun:       storecodec.Millis(s.NextScheduledRun),
		LastOnDemandRun:        storecodec.Millis(s.LastOnDemandRun),
		EvaluationsPending:     s.EvaluationsPending,
	}
}

func (rec *ruleStatusRec) status() *configd.RuleStatus {
	return &configd.RuleStatus{
		FirstActivatedTime:           storecodec.FromMillis(rec.FirstActivated),
		LastDeactivatedTime:          storecodec.FromMillis(rec.LastDeactivated),
		LastSuccessfulInvocationTime: storecodec.FromMillis(rec.LastSuccessInvocation),
		LastFailedInvocationTime:     storecodec.FromMillis(rec.LastFailedInvocation),
		LastSuccessfulEvaluationTime: storecodec.FromMillis(rec.LastSuccessEvaluation),
		LastFailedEvaluationTime:     storecodec.FromMillis(rec.LastFailedEvaluation),
		LastErrorCode:                rec.LastErrorCode,
		LastErrorMessage:             rec.LastErrorMessage,
		FirstEvaluationStarted:       rec.FirstEvaluationStarted,
		NextScheduledRun:             storecodec.FromMillis(rec.NextScheduledRun),
		LastOnDemandRun:              storecodec.FromMillis(rec.LastOnDemandRun),
		EvaluationsPending:           rec.EvaluationsPending,
	}
}

// scanRule decodes a config_rules body.
func scanRule(r pgx.Rows) (*configd.ConfigRule, error) {
	var body string
	if err := r.Scan(&body); err != nil {
		return nil, err
	}
	var rec ruleRec
	if err := decode("config rule", body, &rec); err != nil {
		return nil, err
	}
	return rec.rule(), nil
}

// GetRule returns the rule named name.
func (t *tx) GetRule(ctx context.Context, scope configd.Scope, name string) (*configd.ConfigRule, error) {
	out, err := collect(ctx, t, `SELECT body FROM config_rules WHERE account_id = $1 AND region = $2 AND name = $3`,
		[]any{scope.AccountID, scope.Region, name}, scanRule)
	if err != nil {
		return nil, fmt.Errorf("postgres: get config rule %q: %w", name, err)
	}
	if len(out) == 0 {
		return nil, noSuchRule(name)
	}
	return out[0], nil
}

// ListRules lists the scope's rules ordered by name, after the name after,
// at most limit (0: all).
func (t *tx) ListRules(ctx context.Context, scope configd.Scope, after string, limit int) ([]*configd.ConfigRule, error) {
	out, err := collect(ctx, t, `SELECT body FROM config_rules WHERE account_id = $1 AND region = $2 AND name > $3
		ORDER BY name LIMIT $4`, []any{scope.AccountID, scope.Region, after, limitArg(limit)}, scanRule)
	if err != nil {
		return nil, fmt.Errorf("postgres: list config rules: %w", err)
	}
	return out, nil
}

// CountRules counts the scope's rules.
func (t *tx) CountRules(ctx context.Context, scope configd.Scope) (int, error) {
	var n int
	if err := t.scanRow(ctx, `SELECT count(*) FROM config_rules WHERE account_id = $1 AND region = $2`,
		[]any{scope.AccountID, scope.Region}, &n); err != nil {
		return 0, fmt.Errorf("postgres: count config rules: %w", err)
	}
	return n, nil
}

// PutRule creates or replaces the rule named r.Name.
func (t *tx) PutRule(ctx context.Context, scope configd.Scope, r *configd.ConfigRule) error {
	body, err := encode("config rule", ruleToRec(r))
	if err != nil {
		return err
	}
	if _, err := t.exec(ctx, `INSERT INTO config_rules (account_id, region, name, body) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id, region, name) DO UPDATE SET body = excluded.body`,
		scope.AccountID, scope.Region, r.Name, body); err != nil {
		return fmt.Errorf("postgres: put config rule %q: %w", r.Name, err)
	}
	return nil
}

// DeleteRule deletes the rule, its status and its evaluation results.
func (t *tx) DeleteRule(ctx context.Context, scope configd.Scope, name string) error {
	tag, err := t.exec(ctx, `DELETE FROM config_rules WHERE account_id = $1 AND region = $2 AND name = $3`,
		scope.AccountID, scope.Region, name)
	if err != nil {
		return fmt.Errorf("postgres: delete config rule %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return noSuchRule(name)
	}
	if _, err := t.exec(ctx, `DELETE FROM rule_statuses WHERE account_id = $1 AND region = $2 AND name = $3`,
		scope.AccountID, scope.Region, name); err != nil {
		return fmt.Errorf("postgres: delete status of config rule %q: %w", name, err)
	}
	return t.DeleteEvaluationResults(ctx, scope, name)
}

// GetRuleStatus returns the rule's status, the zero value if none was put.
func (t *tx) GetRuleStatus(ctx context.Context, scope configd.Scope, name string) (*configd.RuleStatus, error) {
	var body *string
	err := t.scanRow(ctx, `SELECT s.body FROM config_rules r
		LEFT JOIN rule_statuses s ON s.account_id = r.account_id AND s.region = r.region AND s.name = r.name
		WHERE r.account_id = $1 AND r.region = $2 AND r.name = $3`,
		[]any{scope.AccountID, scope.Region, name}, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, noSuchRule(name)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: get status of config rule %q: %w", name, err)
	}
	if body == nil {
		return &configd.RuleStatus{}, nil
	}
	var rec ruleStatusRec
	if err := decode("rule status", *body, &rec); err != nil {
		return nil, err
	}
	return rec.status(), nil
}

// PutRuleStatus replaces the rule's status; ErrNoSuchConfigRule if the rule
// is absent (a status without its rule would keep a deleted periodic rule
// due forever).
func (t *tx) PutRuleStatus(ctx context.Context, scope configd.Scope, name string, st *configd.RuleStatus) error {
	body, err := encode("rule status", ruleStatusToRec(st))
	if err != nil {
		return err
	}
	tag, err := t.exec(ctx, `INSERT INTO rule_statuses (account_id, region, name, next_run, body)
		SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM config_rules WHERE account_id = $1 AND region = $2 AND name = $3)
		ON CONFLICT (account_id, region, name) DO UPDATE SET next_run = excluded.next_run, body = excluded.body`,
		scope.AccountID, scope.Region, name, nullMS(st.NextScheduledRun), body)
	if err != nil {
		return fmt.Errorf("postgres: put status of config rule %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return noSuchRule(name)
	}
	return nil
}

// DueRules returns the periodic rules, across scopes, whose next run is not
// after now, earliest first, at most limit (0: all).
func (t *tx) DueRules(ctx context.Context, now time.Time, limit int) ([]configd.ScopedName, error) {
	out, err := collect(ctx, t, `SELECT account_id, region, name FROM rule_statuses
		WHERE next_run IS NOT NULL AND next_run <= $1
		ORDER BY next_run, account_id, region, name LIMIT $2`,
		[]any{now.UnixMilli(), limitArg(limit)}, func(r pgx.Rows) (configd.ScopedName, error) {
			var n configd.ScopedName
			err := r.Scan(&n.Scope.AccountID, &n.Scope.Region, &n.Name)
			return n, err
		})
	if err != nil {
		return nil, fmt.Errorf("postgres: due rules: %w", err)
	}
	return out, nil
}

// evaluationColumns are the columns scanEvaluation reads, in its order.
const evaluationColumns = `rule_name, resource_type, resource_id, evaluation_mode, compliance_type, annotation,
	recorded_time, invoked_time, ordering_time, result_token`

// scanEvaluation reads the evaluationColumns of a row.
func scanEvaluation(r pgx.Rows) (*configd.EvaluationResult, error) {
	var (
		e                 configd.EvaluationResult
		rec, inv, ordered *int64
	)
	if err := r.Scan(&e.RuleName, &e.ResourceType, &e.ResourceID, &e.EvaluationMode, &e.ComplianceType, &e.Annotation,
		&rec, &inv, &ordered, &e.ResultToken); err != nil {
		return nil, err
	}
	e.ResultRecordedTime, e.ConfigRuleInvokedTime, e.OrderingTimestamp = storecodec.FromMillis(rec), storecodec.FromMillis(inv), storecodec.FromMillis(ordered)
	return &e, nil
}

// PutEvaluationResult stores e as the result of its rule on its resource,
// replacing the previous one.
func (t *tx) PutEvaluationResult(ctx context.Context, scope configd.Scope, e *configd.EvaluationResult) error {
	t.countsChanged = true
	if _, err := t.exec(ctx, `INSERT INTO evaluation_results (account_id, region, `+evaluationColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (account_id, region, rule_name, resource_type, resource_id) DO UPDATE SET
			evaluation_mode = excluded.evaluation_mode, compliance_type = excluded.compliance_type,
			annotation = excluded.annotation, recorded_time = excluded.recorded_time,
			invoked_time = excluded.invoked_time, ordering_time = excluded.ordering_time,
			result_token = excluded.result_token`,
		scope.AccountID, scope.Region, e.RuleName, e.ResourceType, e.ResourceID, e.EvaluationMode, e.ComplianceType,
		e.Annotation, nullMS(e.ResultRecordedTime), nullMS(e.ConfigRuleInvokedTime), nullMS(e.OrderingTimestamp),
		e.ResultToken); err != nil {
		return fmt.Errorf("postgres: put evaluation result of %q on %s %s: %w", e.RuleName, e.ResourceType, e.ResourceID, err)
	}
	return nil
}

// GetEvaluationResult returns the result of a rule on a resource, or nil.
func (t *tx) GetEvaluationResult(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) (*configd.EvaluationResult, error) {
	out, err := collect(ctx, t, `SELECT `+evaluationColumns+` FROM evaluation_results
		WHERE account_id = $1 AND region = $2 AND rule_name = $3 AND resource_type = $4 AND resource_id = $5`,
		[]any{scope.AccountID, scope.Region, rule, key.ResourceType, key.ResourceID}, scanEvaluation)
	if err != nil {
		return nil, fmt.Errorf("postgres: get evaluation result of %q on %s %s: %w", rule, key.ResourceType, key.ResourceID, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out[0], nil
}

// DeleteEvaluationResults deletes every result of a rule.
func (t *tx) DeleteEvaluationResults(ctx context.Context, scope configd.Scope, rule string) error {
	t.countsChanged = true
	if _, err := t.exec(ctx, `DELETE FROM evaluation_results WHERE account_id = $1 AND region = $2 AND rule_name = $3`,
		scope.AccountID, scope.Region, rule); err != nil {
		return fmt.Errorf("postgres: delete evaluation results of %q: %w", rule, err)
	}
	return nil
}

// evaluationWhere returns the WHERE clause of f in scope and its arguments.
func evaluationWhere(scope configd.Scope, f configd.EvaluationFilter) (string, []any) {
	var b strings.Builder
	b.WriteString(` WHERE account_id = $1 AND region = $2`)
	args := []any{scope.AccountID, scope.Region}
	add := func(cond string, v any) {
		args = append(args, v)
		fmt.Fprintf(&b, cond, len(args))
	}
	if len(f.RuleNames) > 0 {
		add(` AND rule_name = ANY($%d)`, f.RuleNames)
	}
	if f.ResourceType != "" {
		add(` AND resource_type = $%d`, f.ResourceType)
	}
	if f.ResourceID != "" {
		add(` AND resource_id = $%d`, f.ResourceID)
	}
	if len(f.ComplianceTypes) > 0 {
		add(` AND compliance_type = ANY($%d)`, f.ComplianceTypes)
	}
	return b.String(), args
}

// ListEvaluationResults lists results matching f in (rule, resource type,
// resource id) order after the cursor, at most limit (0: all).
func (t *tx) ListEvaluationResults(ctx context.Context, scope configd.Scope, f configd.EvaluationFilter, after *configd.EvaluationCursor, limit int) ([]*configd.EvaluationResult, error) {
	where, args := evaluationWhere(scope, f)
	if after != nil {
		args = append(args, after.RuleName, after.ResourceType, after.ResourceID)
		n := len(args)
		where += fmt.Sprintf(` AND (rule_name, resource_type, resource_id) > ($%d, $%d, $%d)`, n-2, n-1, n)
	}
	args = append(args, limitArg(limit))
	sql := `SELECT ` + evaluationColumns + ` FROM evaluation_results` + where +
		fmt.Sprintf(` ORDER BY rule_name, resource_type, resource_id LIMIT $%d`, len(args))
	out, err := collect(ctx, t, sql, args, scanEvaluation)
	if err != nil {
		return nil, fmt.Errorf("postgres: list evaluation results: %w", err)
	}
	return out, nil
}

// CountCompliance counts results matching f by compliance type, grouped by
// rule name or by resource type, ordered by group. It adds up
// compliance_counts and compliance_deltas (migration 0003), a few rows per
// rule and resource type whatever the number of results; a filter on one
// resource counts that resource's results instead.
func (t *tx) CountCompliance(ctx context.Context, scope configd.Scope, f configd.EvaluationFilter, byRule bool) ([]configd.ComplianceCount, error) {
	group := "resource_type"
	if byRule {
		group = "rule_name"
	}
	where, args := evaluationWhere(scope, f)
	sql := `SELECT ` + group + `, compliance_type, count(*) FROM evaluation_results` + where + ` GROUP BY 1, 2 ORDER BY 1, 2`
	if f.ResourceID == "" {
		sql = `SELECT ` + group + `, compliance_type, sum(n) FROM (
				SELECT ` + group + `, compliance_type, n FROM compliance_counts` + where + `
				UNION ALL
				SELECT ` + group + `, compliance_type, n FROM compliance_deltas` + where + `
			) c GROUP BY 1, 2 HAVING sum(n) > 0 ORDER BY 1, 2`
	}
	type row struct {
		group, compliance string
		n                 int
	}
	rows, err := collect(ctx, t, sql, args, func(r pgx.Rows) (row, error) {
		var v row
		err := r.Scan(&v.group, &v.compliance, &v.n)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: count compliance: %w", err)
	}
	var out []configd.ComplianceCount
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].Group != r.group {
			out = append(out, configd.ComplianceCount{Group: r.group, Counts: map[string]int{}})
		}
		out[len(out)-1].Counts[r.compliance] = r.n
	}
	return out, nil
}
