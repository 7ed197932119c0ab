package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/configd/configd"
)

// Evaluation results are listed rule by rule: the rules that have results are
// read from compliance_counts (a few rows per rule), and the results of each
// rule from an index in (resource type, resource id) order, so that a page
// costs about as many row reads as it returns, whatever the size of the
// table. Counting reads compliance_counts only, unless a resource id is
// given (then the few results of that resource are read).

var (
	qGetResult = readQuery(`SELECT compliance_type, body FROM evaluation_results
		WHERE account_id = ? AND region = ? AND rule_name = ? AND resource_type = ? AND resource_id = ?`)
	qPutResult = writeQuery(`INSERT INTO evaluation_results
		(account_id, region, rule_name, resource_type, resource_id, compliance_type, body) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, region, rule_name, resource_type, resource_id) DO UPDATE SET
			compliance_type = excluded.compliance_type, body = excluded.body`)
	qAddComplianceCount = writeQuery(`INSERT INTO compliance_counts
		(account_id, region, rule_name, resource_type, compliance_type, n) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, region, rule_name, resource_type, compliance_type) DO UPDATE SET n = n + excluded.n`)
	qDeleteResults = writeQuery(`DELETE FROM evaluation_results WHERE account_id = ? AND region = ? AND rule_name = ?`)
	qDeleteCounts  = writeQuery(`DELETE FROM compliance_counts WHERE account_id = ? AND region = ? AND rule_name = ?`)

	// The rules that have results, from rule name from on.
	qResultRules = readQuery(`SELECT DISTINCT rule_name FROM compliance_counts
		WHERE account_id = ? AND region = ? AND rule_name >= ? AND n > 0 ORDER BY rule_name`)
	qResultRulesOfType = readQuery(`SELECT DISTINCT rule_name FROM compliance_counts
		WHERE account_id = ? AND region = ? AND rule_name >= ? AND resource_type = ? AND n > 0 ORDER BY rule_name`)

	// The results of one rule after (type, id), by the primary key or, with
	// a compliance type, by evaluation_results_by_compliance.
	qRuleResults = readQuery(`SELECT resource_type, resource_id, compliance_type, body FROM evaluation_results
		WHERE account_id = ? AND region = ? AND rule_name = ? AND (resource_type, resource_id) > (?, ?)
		ORDER BY resource_type, resource_id LIMIT ?`)
	qRuleResultsOfType = readQuery(`SELECT resource_type, resource_id, compliance_type, body FROM evaluation_results
		WHERE account_id = ? AND region = ? AND rule_name = ? AND resource_type = ? AND resource_id > ?
		ORDER BY resource_id LIMIT ?`)
	qRuleResultsByCompliance = readQuery(`SELECT resource_type, resource_id, compliance_type, body FROM evaluation_results
		INDEXED BY evaluation_results_by_compliance
		WHERE account_id = ? AND region = ? AND rule_name = ? AND compliance_type = ? AND (resource_type, resource_id) > (?, ?)
		ORDER BY resource_type, resource_id LIMIT ?`)
	qRuleResultsOfTypeByCompliance = readQuery(`SELECT resource_type, resource_id, compliance_type, body FROM evaluation_results
		INDEXED BY evaluation_results_by_compliance
		WHERE account_id = ? AND region = ? AND rule_name = ? AND compliance_type = ? AND resource_type = ? AND resource_id > ?
		ORDER BY resource_id LIMIT ?`)

	// The results of one resource (of every rule; a handful of rows), by
	// evaluation_results_by_resource. ?5, ?6: JSON arrays of rule names and
	// compliance types, or NULL for all. With a resource id but no type
	// (AWS always sends both), the few rows of that id are sorted.
	qResourceResults   = readQuery(resourceResultsQuery(true))
	qResourceIDResults = readQuery(resourceResultsQuery(false))

	// The counts, in primary key order, with the filters of
	// qResourceResults; the caller adds them up by group.
	qComplianceCounts = readQuery(`SELECT rule_name, resource_type, compliance_type, n FROM compliance_counts
		WHERE account_id = ?1 AND region = ?2 AND n > 0
			AND (?3 = '' OR resource_type = ?3)
			AND (?4 IS NULL OR rule_name IN (SELECT value FROM json_each(?4)))
			AND (?5 IS NULL OR compliance_type IN (SELECT value FROM json_each(?5)))
		ORDER BY rule_name, resource_type, compliance_type`)
)

// resourceResultsQuery returns the text of qResourceResults (typed) or
// qResourceIDResults; both take the same arguments, ?4 being ignored by the
// latter.
func resourceResultsQuery(typed bool) string {
	typeCond := `?4 = ?4`
	if typed {
		typeCond = `resource_type = ?4`
	}
	return `SELECT rule_name, resource_type, resource_id, compliance_type, body FROM evaluation_results
		INDEXED BY evaluation_results_by_resource
		WHERE account_id = ?1 AND region = ?2 AND resource_id = ?3 AND ` + typeCond + `
			AND (?5 IS NULL OR rule_name IN (SELECT value FROM json_each(?5)))
			AND (?6 IS NULL OR compliance_type IN (SELECT value FROM json_each(?6)))
			AND (rule_name, resource_type, resource_id) > (?7, ?8, ?9)
		ORDER BY rule_name, resource_type, resource_id LIMIT ?10`
}

// PutEvaluationResult stores e as the result of (rule, resource type,
// resource id), replacing the previous one, and moves the compliance counts.
func (t *tx) PutEvaluationResult(ctx context.Context, scope configd.Scope, e *configd.EvaluationResult) error {
	if !t.write {
		return errReadOnly
	}
	if e.RuleName == "" || e.ResourceType == "" || e.ResourceID == "" {
		return fmt.Errorf("sqlite: put evaluation result: rule name, resource type and resource id are required")
	}
	fail := func(step string, err error) error {
		return fmt.Errorf("sqlite: put evaluation result of rule %q for %s %s: %s: %w", e.RuleName, e.ResourceType, e.ResourceID, step, err)
	}
	body, err := json.Marshal(toEvaluationRecord(e))
	if err != nil {
		return fail("encode", err)
	}
	var prev string
	err = t.queryRow(ctx, qGetResult, scope.AccountID, scope.Region, e.RuleName, e.ResourceType, e.ResourceID).Scan(&prev, new([]byte))
	existed := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fail("read previous result", err)
	}
	if _, err := t.exec(ctx, qPutResult, scope.AccountID, scope.Region, e.RuleName, e.ResourceType, e.ResourceID,
		e.ComplianceType, string(body)); err != nil {
		return fail("write", err)
	}
	if existed && prev == e.ComplianceType {
		return nil
	}
	if existed {
		if _, err := t.exec(ctx, qAddComplianceCount, scope.AccountID, scope.Region, e.RuleName, e.ResourceType, prev, -1); err != nil {
			return fail("update counts", err)
		}
	}
	if _, err := t.exec(ctx, qAddComplianceCount, scope.AccountID, scope.Region, e.RuleName, e.ResourceType, e.ComplianceType, 1); err != nil {
		return fail("update counts", err)
	}
	return nil
}

// GetEvaluationResult returns the result of a rule for a resource, or nil.
func (t *tx) GetEvaluationResult(ctx context.Context, scope configd.Scope, rule string, key configd.ResourceKey) (*configd.EvaluationResult, error) {
	var (
		compliance string
		body       []byte
	)
	err := t.queryRow(ctx, qGetResult, scope.AccountID, scope.Region, rule, key.ResourceType, key.ResourceID).Scan(&compliance, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: get evaluation result of rule %q for %s %s: %w", rule, key.ResourceType, key.ResourceID, err)
	}
	return decodeResult(rule, key.ResourceType, key.ResourceID, compliance, body)
}

// decodeResult rebuilds a result from its columns and body.
func decodeResult(rule, typ, id, compliance string, body []byte) (*configd.EvaluationResult, error) {
	var rec evaluationRecord
	if err := json.Unmarshal(body, &rec); err != nil {
		return nil, fmt.Errorf("sqlite: decode evaluation result of rule %q for %s %s: %w", rule, typ, id, err)
	}
	return rec.result(rule, typ, id, compliance), nil
}

// DeleteEvaluationResults deletes every result of a rule, and its counts.
func (t *tx) DeleteEvaluationResults(ctx context.Context, scope configd.Scope, rule string) error {
	if _, err := t.exec(ctx, qDeleteResults, scope.AccountID, scope.Region, rule); err != nil {
		return fmt.Errorf("sqlite: delete evaluation results of rule %q: %w", rule, err)
	}
	if _, err := t.exec(ctx, qDeleteCounts, scope.AccountID, scope.Region, rule); err != nil {
		return fmt.Errorf("sqlite: delete compliance counts of rule %q: %w", rule, err)
	}
	return nil
}

// ListEvaluationResults lists results matching f in (rule, resource type,
// resource id) order after the cursor after, at most limit (0 or less: all).
func (t *tx) ListEvaluationResults(ctx context.Context, scope configd.Scope, f configd.EvaluationFilter, after *configd.EvaluationCursor, limit int) ([]*configd.EvaluationResult, error) {
	if f.ResourceID != "" {
		return t.listResourceResults(ctx, scope, f, after, limit)
	}
	var cur configd.EvaluationCursor
	if after != nil {
		cur = *after
	}
	rules, err := t.resultRules(ctx, scope, f, cur.RuleName)
	if err != nil {
		return nil, err
	}
	var out []*configd.EvaluationResult
	for _, rule := range rules {
		remaining := -1
		if limit > 0 {
			remaining = limit - len(out)
			if remaining <= 0 {
				break
			}
		}
		// Results of this rule after (afterType, afterID); a rule after
		// the cursor's starts at ("", ""), before every result since
		// results have non-empty types and ids.
		var afterType, afterID string
		if after != nil && rule == cur.RuleName {
			afterType, afterID = cur.ResourceType, cur.ResourceID
		}
		rs, err := t.ruleResults(ctx, scope, rule, f, afterType, afterID, remaining)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

// resultRules returns the rules to list results of, in order, from the rule
// from on: the rules of the filter, or those that have results.
func (t *tx) resultRules(ctx context.Context, scope configd.Scope, f configd.EvaluationFilter, from string) ([]string, error) {
	if len(f.RuleNames) > 0 {
		rules := slices.Clone(f.RuleNames)
		slices.Sort(rules)
		rules = slices.Compact(rules)
		i, _ := slices.BinarySearch(rules, from)
		return rules[i:], nil
	}
	var (
		rows *sql.Rows
		err  error
	)
	if f.ResourceType != "" {
		rows, err = t.query(ctx, qResultRulesOfType, scope.AccountID, scope.Region, from, f.ResourceType)
	} else {
		rows, err = t.query(ctx, qResultRules, scope.AccountID, scope.Region, from)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: list evaluation results: %w", err)
	}
	defer rows.Close()
	var rules []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, fmt.Errorf("sqlite: list evaluation results: %w", err)
		}
		rules = append(rules, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list evaluation results: %w", err)
	}
	return rules, nil
}

// ruleResults lists at most limit (-1: all) results of one rule matching f
// after (afterType, afterID), in (type, id) order.
func (t *tx) ruleResults(ctx context.Context, scope configd.Scope, rule string, f configd.EvaluationFilter, afterType, afterID string, limit int) ([]*configd.EvaluationResult, error) {
	idAfter := afterID
	if f.ResourceType != "" {
		switch {
		case afterType > f.ResourceType:
			return nil, nil
		case afterType < f.ResourceType:
			idAfter = ""
		}
	}
	if len(f.ComplianceTypes) == 0 {
		if f.ResourceType != "" {
			return t.scanResults(ctx, rule, qRuleResultsOfType, scope.AccountID, scope.Region, rule, f.ResourceType, idAfter, limit)
		}
		return t.scanResults(ctx, rule, qRuleResults, scope.AccountID, scope.Region, rule, afterType, afterID, limit)
	}
	// One ordered index range per compliance type, merged.
	types := slices.Clone(f.ComplianceTypes)
	slices.Sort(types)
	types = slices.Compact(types)
	var out []*configd.EvaluationResult
	for _, c := range types {
		var (
			rs  []*configd.EvaluationResult
			err error
		)
		if f.ResourceType != "" {
			rs, err = t.scanResults(ctx, rule, qRuleResultsOfTypeByCompliance, scope.AccountID, scope.Region, rule, c, f.ResourceType, idAfter, limit)
		} else {
			rs, err = t.scanResults(ctx, rule, qRuleResultsByCompliance, scope.AccountID, scope.Region, rule, c, afterType, afterID, limit)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	if len(types) > 1 {
		sort.Slice(out, func(i, j int) bool {
			if out[i].ResourceType != out[j].ResourceType {
				return out[i].ResourceType < out[j].ResourceType
			}
			return out[i].ResourceID < out[j].ResourceID
		})
		if limit >= 0 && len(out) > limit {
			out = out[:limit]
		}
	}
	return out, nil
}

// scanResults runs a per-rule query whose rows are (type, id, compliance,
// body).
func (t *tx) scanResults(ctx context.Context, rule string, q *query, args ...any) ([]*configd.EvaluationResult, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list evaluation results of rule %q: %w", rule, err)
	}
	defer rows.Close()
	var out []*configd.EvaluationResult
	for rows.Next() {
		var (
			typ, id, compliance string
			body                []byte
		)
		if err := rows.Scan(&typ, &id, &compliance, &body); err != nil {
			return nil, fmt.Errorf("sqlite: list evaluation results of rule %q: %w", rule, err)
		}
		r, err := decodeResult(rule, typ, id, compliance, body)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list evaluation results of rule %q: %w", rule, err)
	}
	return out, nil
}

// jsonList returns vs as a JSON array for json_each, or nil (SQL NULL: no
// filter) when vs is empty.
func jsonList(vs []string) (any, error) {
	if len(vs) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(vs)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// filterArgs returns the JSON arguments of f's rule names and compliance types.
func filterArgs(f configd.EvaluationFilter) (rules, compliance any, err error) {
	if rules, err = jsonList(f.RuleNames); err != nil {
		return nil, nil, err
	}
	if compliance, err = jsonList(f.ComplianceTypes); err != nil {
		return nil, nil, err
	}
	return rules, compliance, nil
}

// resourceResults returns the query of the results of f.ResourceID.
func resourceResults(f configd.EvaluationFilter) *query {
	if f.ResourceType != "" {
		return qResourceResults
	}
	return qResourceIDResults
}

// listResourceResults lists the results of f.ResourceID.
func (t *tx) listResourceResults(ctx context.Context, scope configd.Scope, f configd.EvaluationFilter, after *configd.EvaluationCursor, limit int) ([]*configd.EvaluationResult, error) {
	rules, compliance, err := filterArgs(f)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list evaluation results of %s: %w", f.ResourceID, err)
	}
	var cur configd.EvaluationCursor
	if after != nil {
		cur = *after
	}
	rows, err := t.query(ctx, resourceResults(f), scope.AccountID, scope.Region, f.ResourceID, f.ResourceType, rules, compliance,
		cur.RuleName, cur.ResourceType, cur.ResourceID, noLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlite: list evaluation results of %s: %w", f.ResourceID, err)
	}
	defer rows.Close()
	var out []*configd.EvaluationResult
	for rows.Next() {
		var (
			rule, typ, id, c string
			body             []byte
		)
		if err := rows.Scan(&rule, &typ, &id, &c, &body); err != nil {
			return nil, fmt.Errorf("sqlite: list evaluation results of %s: %w", f.ResourceID, err)
		}
		r, err := decodeResult(rule, typ, id, c, body)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list evaluation results of %s: %w", f.ResourceID, err)
	}
	return out, nil
}

// CountCompliance counts the results matching f by compliance type, grouped
// by rule name (byRule) or resource type, ordered by group. Groups without
// results are left out, and so are compliance types without results.
func (t *tx) CountCompliance(ctx context.Context, scope configd.Scope, f configd.EvaluationFilter, byRule bool) ([]configd.ComplianceCount, error) {
	rules, compliance, err := filterArgs(f)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count compliance: %w", err)
	}
	var rows *sql.Rows
	if f.ResourceID != "" {
		// Every result of the resource counts one.
		rows, err = t.query(ctx, resourceResults(f), scope.AccountID, scope.Region, f.ResourceID, f.ResourceType, rules, compliance,
			"", "", "", -1)
	} else {
		rows, err = t.query(ctx, qComplianceCounts, scope.AccountID, scope.Region, f.ResourceType, rules, compliance)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: count compliance: %w", err)
	}
	defer rows.Close()
	groups := map[string]map[string]int{}
	for rows.Next() {
		var (
			rule, typ, c string
			n            = 1
		)
		if f.ResourceID != "" {
			err = rows.Scan(&rule, &typ, new(string), &c, new([]byte))
		} else {
			err = rows.Scan(&rule, &typ, &c, &n)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: count compliance: %w", err)
		}
		g := typ
		if byRule {
			g = rule
		}
		if groups[g] == nil {
			groups[g] = map[string]int{}
		}
		groups[g][c] += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: count compliance: %w", err)
	}
	out := make([]configd.ComplianceCount, 0, len(groups))
	for g, counts := range groups {
		out = append(out, configd.ComplianceCount{Group: g, Counts: counts})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Group < out[j].Group })
	return out, nil
}
