package query

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/configd/configd"

	"github.com/configd/configd/internal/wildcard"
)

// Item is a configuration item as the query language sees it: the JSON
// object of AWS Config's advanced query results, with configuration and
// supplementaryConfiguration decoded, tags as [{key, value}] and times as
// ISO 8601 strings.
type Item = map[string]any

// ItemOf converts a configuration item.
func ItemOf(ci *configd.ConfigurationItem) Item {
	it := Item{
		"version":                      ci.Version,
		"accountId":                    ci.AccountID,
		"configurationItemCaptureTime": isoTime(ci.CaptureTime),
		"configurationItemStatus":      ci.Status,
		"configurationStateId":         ci.StateID,
		"arn":                          ci.ARN,
		"resourceType":                 ci.ResourceType,
		"resourceId":                   ci.ResourceID,
		"awsRegion":                    ci.Region,
	}
	set := func(k, v string) {
		if v != "" {
			it[k] = v
		}
	}
	set("resourceName", ci.ResourceName)
	set("availabilityZone", ci.AvailabilityZone)
	if !ci.ResourceCreationTime.IsZero() {
		it["resourceCreationTime"] = isoTime(ci.ResourceCreationTime)
	}
	keys := make([]string, 0, len(ci.Tags))
	for k := range ci.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tags := []any{}
	for _, k := range keys {
		tags = append(tags, map[string]any{"key": k, "value": ci.Tags[k]})
	}
	it["tags"] = tags
	rels := []any{}
	for _, r := range ci.Relationships {
		m := map[string]any{"resourceType": r.ResourceType, "relationshipName": r.RelationshipName}
		if r.ResourceID != "" {
			m["resourceId"] = r.ResourceID
		}
		if r.ResourceName != "" {
			m["resourceName"] = r.ResourceName
		}
		rels = append(rels, m)
	}
	it["relationships"] = rels
	if ci.Configuration != "" {
		var v any
		if json.Unmarshal([]byte(ci.Configuration), &v) == nil {
			it["configuration"] = v
		}
	}
	sup := map[string]any{}
	for k, raw := range ci.SupplementaryConfiguration {
		var v any
		if json.Unmarshal([]byte(raw), &v) != nil {
			v = raw
		}
		sup[k] = v
	}
	it["supplementaryConfiguration"] = sup
	return it
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// resolve returns the values at path: a path through an array yields the
// values of every element. tags.tag is "key=value", as AWS's query language
// spells a tag.
func resolve(it Item, path string) []any {
	vals := []any{any(map[string]any(it))}
	for _, seg := range strings.Split(path, ".") {
		var next []any
		for _, v := range vals {
			next = appendField(next, v, seg)
		}
		vals = next
		if len(vals) == 0 {
			break
		}
	}
	return vals
}

func appendField(out []any, v any, seg string) []any {
	switch v := v.(type) {
	case map[string]any:
		if x, ok := v[seg]; ok && x != nil {
			if arr, ok := x.([]any); ok {
				return append(out, arr...)
			}
			return append(out, x)
		}
		if seg == "tag" {
			if k, ok := v["key"].(string); ok {
				val, _ := v["value"].(string)
				return append(out, k+"="+val)
			}
		}
	case []any:
		for _, e := range v {
			out = appendField(out, e, seg)
		}
	}
	return out
}

// project returns the value of path for a result: nil when absent, the
// single value, or an array when the path crosses arrays.
func project(it Item, path string) (any, bool) {
	vals := resolve(it, path)
	switch len(vals) {
	case 0:
		return nil, false
	case 1:
		if !crossesArray(it, path) {
			return vals[0], true
		}
	}
	return vals, true
}

func crossesArray(it Item, path string) bool {
	var v any = map[string]any(it)
	segs := strings.Split(path, ".")
	for i, seg := range segs {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		v = m[seg]
		if _, ok := v.([]any); ok && i < len(segs)-1 {
			return true
		}
	}
	return false
}

// compare orders two scalar values: numbers numerically (a numeric string
// against a number too), otherwise as strings. ok is false when they cannot
// be compared.
func compare(a, b any) (int, bool) {
	fa, aNum := number(a)
	fb, bNum := number(b)
	if aNum && bNum {
		switch {
		case fa < fb:
			return -1, true
		case fa > fb:
			return 1, true
		}
		return 0, true
	}
	sa, ok1 := scalarString(a)
	sb, ok2 := scalarString(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	return strings.Compare(sa, sb), true
}

func number(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil && !math.IsNaN(f)
	}
	return 0, false
}

func scalarString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", false
}

// Match reports whether the item satisfies the condition.
func Match(x Expr, it Item) bool {
	switch x := x.(type) {
	case nil:
		return true
	case And:
		return Match(x.L, it) && Match(x.R, it)
	case Or:
		return Match(x.L, it) || Match(x.R, it)
	case Not:
		return !Match(x.X, it)
	case Cmp:
		if x.Op == "!=" {
			return !Match(Cmp{x.Path, "=", x.Value}, it)
		}
		for _, v := range resolve(it, x.Path) {
			c, ok := compare(v, x.Value)
			if !ok {
				continue
			}
			if x.Op == "=" && c == 0 || x.Op == "<" && c < 0 || x.Op == "<=" && c <= 0 ||
				x.Op == ">" && c > 0 || x.Op == ">=" && c >= 0 {
				return true
			}
		}
	case Between:
		for _, v := range resolve(it, x.Path) {
			lo, ok1 := compare(v, x.Lo)
			hi, ok2 := compare(v, x.Hi)
			if ok1 && ok2 && lo >= 0 && hi <= 0 {
				return true
			}
		}
	case In:
		for _, v := range resolve(it, x.Path) {
			for _, w := range x.Values {
				if c, ok := compare(v, w); ok && c == 0 {
					return true
				}
			}
		}
	case Like:
		for _, v := range resolve(it, x.Path) {
			if s, ok := scalarString(v); ok && like(s, x.Pattern) {
				return true
			}
		}
	}
	return false
}

// like matches s against a pattern where % is any run and _ any one
// character, case-insensitively.
func like(s, pattern string) bool {
	return wildcard.Match(strings.ToLower(pattern), strings.ToLower(s), '%', '_')
}

// Run evaluates the query over items and returns the result rows as JSON
// objects, in ORDER BY order or, without it, in the order of items.
func (q *Query) Run(items []Item) ([]string, error) {
	var rows []map[string]any
	var srcs []Item // the item of each row, when not grouped
	grouped := len(q.GroupBy) > 0
	for _, f := range q.Fields {
		grouped = grouped || f.Agg != ""
	}
	var matched []Item
	for _, it := range items {
		if Match(q.Where, it) {
			matched = append(matched, it)
		}
	}
	if grouped {
		rows = q.aggregate(matched)
	} else {
		for _, it := range matched {
			row := map[string]any{}
			for _, f := range q.Fields {
				if v, ok := project(it, f.Path); ok {
					setPath(row, f, v)
				}
			}
			rows = append(rows, row)
			srcs = append(srcs, it)
		}
	}
	if len(q.OrderBy) > 0 {
		idx := make([]int, len(rows))
		for i := range idx {
			idx[i] = i
		}
		val := func(i int, path string) any {
			if srcs != nil {
				if vals := resolve(srcs[i], path); len(vals) > 0 {
					return vals[0]
				}
			}
			return orderValue(rows[i], path)
		}
		sort.SliceStable(idx, func(a, b int) bool {
			for _, o := range q.OrderBy {
				c := orderCompare(val(idx[a], o.Path), val(idx[b], o.Path))
				if c != 0 {
					return c < 0 != o.Desc
				}
			}
			return false
		})
		sorted := make([]map[string]any, len(rows))
		for i, j := range idx {
			sorted[i] = rows[j]
		}
		rows = sorted
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("query: encode result: %w", err)
		}
		out = append(out, string(b))
	}
	return out, nil
}

// setPath stores v in row under the field: an alias or an aggregate is one
// key, a property is nested as in the item ({"configuration":{"x":...}}).
func setPath(row map[string]any, f Field, v any) {
	if f.Alias != "" || f.Agg != "" {
		row[f.Name()] = v
		return
	}
	segs := strings.Split(f.Path, ".")
	m := row
	for _, seg := range segs[:len(segs)-1] {
		next, ok := m[seg].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[seg] = next
		}
		m = next
	}
	m[segs[len(segs)-1]] = v
}

func orderValue(row map[string]any, path string) any {
	if v, ok := row[path]; ok {
		return v
	}
	vals := resolve(row, path)
	if len(vals) == 0 {
		return nil
	}
	return vals[0]
}

// orderCompare sorts absent values first.
func orderCompare(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	c, ok := compare(a, b)
	if !ok {
		return 0
	}
	return c
}

// aggregate groups items by the GROUP BY properties and computes the
// aggregate fields of each group. Groups come out in the order their first
// item came in.
func (q *Query) aggregate(items []Item) []map[string]any {
	type group struct {
		key   []any
		items []Item
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, it := range items {
		key := make([]any, len(q.GroupBy))
		for i, g := range q.GroupBy {
			key[i], _ = project(it, g)
		}
		b, _ := json.Marshal(key)
		gr := byKey[string(b)]
		if gr == nil {
			gr = &group{key: key}
			byKey[string(b)] = gr
			groups = append(groups, gr)
		}
		gr.items = append(gr.items, it)
	}
	if len(groups) == 0 && len(q.GroupBy) == 0 {
		groups = append(groups, &group{}) // COUNT(*) of nothing is 0
	}
	rows := make([]map[string]any, 0, len(groups))
	for _, gr := range groups {
		row := map[string]any{}
		for _, f := range q.Fields {
			if f.Agg == "" {
				for i, g := range q.GroupBy {
					if g == f.Path && gr.key[i] != nil {
						setPath(row, f, gr.key[i])
					}
				}
				continue
			}
			if v := aggregateOf(f, gr.items); v != nil {
				row[f.Name()] = v
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func aggregateOf(f Field, items []Item) any {
	if f.Agg == "COUNT" {
		n := 0
		for _, it := range items {
			if f.Path == "*" || len(resolve(it, f.Path)) > 0 {
				n++
			}
		}
		return n
	}
	var best any
	var sum float64
	var count int
	for _, it := range items {
		for _, v := range resolve(it, f.Path) {
			switch f.Agg {
			case "MIN", "MAX":
				if best == nil {
					best = v
					continue
				}
				c, ok := compare(v, best)
				if ok && (f.Agg == "MIN" && c < 0 || f.Agg == "MAX" && c > 0) {
					best = v
				}
			default:
				if x, ok := number(v); ok {
					sum += x
					count++
				}
			}
		}
	}
	switch f.Agg {
	case "SUM":
		return sum
	case "AVG":
		if count == 0 {
			return nil
		}
		return sum / float64(count)
	}
	return best
}
