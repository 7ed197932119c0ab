package runbook

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// templateRef matches {{ name }}, {{ step.Output }}, {{ global:REGION }}.
var templateRef = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_:./-]+)\s*\}\}`)

// hasTemplate reports whether s refers to a variable.
func hasTemplate(s string) bool { return templateRef.MatchString(s) }

// substitute returns a copy of v with its references replaced by the
// values of vars. A string that is exactly one reference takes the
// variable's value and type (a StringList stays a list); a reference inside
// a longer string is rendered as text (lists and maps as JSON).
func substitute(v any, vars map[string]any) (any, error) {
	switch x := v.(type) {
	case string:
		return substituteString(x, vars)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			s, err := substitute(e, vars)
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			s, err := substitute(e, vars)
			if err != nil {
				return nil, err
			}
			out[k] = s
		}
		return out, nil
	}
	return v, nil
}

func substituteString(s string, vars map[string]any) (any, error) {
	if m := templateRef.FindStringSubmatchIndex(s); m != nil && m[0] == 0 && m[1] == len(s) {
		ref := s[m[2]:m[3]]
		v, ok := vars[ref]
		if !ok {
			return nil, fmt.Errorf("{{ %s }} has no value: the step that sets it did not run or its selector matched nothing", ref)
		}
		return v, nil
	}
	var missing string
	out := templateRef.ReplaceAllStringFunc(s, func(m string) string {
		ref := templateRef.FindStringSubmatch(m)[1]
		v, ok := vars[ref]
		if !ok {
			missing = ref
			return m
		}
		return text(v)
	})
	if missing != "" {
		return nil, fmt.Errorf("{{ %s }} has no value: the step that sets it did not run or its selector matched nothing", missing)
	}
	return out, nil
}

// text renders a value inside a string: strings as they are, numbers and
// Booleans as literals, lists and maps as JSON.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case bool, int, int64, float64:
		return scalarString(x)
	}
	b, err := json.Marshal(jsonable(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// selector is a parsed output Selector: keys and list indexes from the
// result's root.
type selector []any // string (key) or int (index)

// parseSelector parses $, $.key, $.key.sub, $['key'], $.list[0].
func parseSelector(s string) (selector, error) {
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("selector %q must start with $", s)
	}
	var sel selector
	rest := s[1:]
	for rest != "" {
		switch {
		case rest[0] == '.':
			rest = rest[1:]
			i := strings.IndexAny(rest, ".[")
			if i < 0 {
				i = len(rest)
			}
			if i == 0 {
				return nil, fmt.Errorf("selector %q has an empty key", s)
			}
			sel = append(sel, rest[:i])
			rest = rest[i:]
		case strings.HasPrefix(rest, "['") || strings.HasPrefix(rest, `["`):
			q := rest[1]
			i := strings.IndexByte(rest[2:], q)
			if i < 0 || !strings.HasPrefix(rest[2+i:], string(q)+"]") {
				return nil, fmt.Errorf("selector %q has an unclosed quoted key", s)
			}
			sel = append(sel, rest[2:2+i])
			rest = rest[2+i+2:]
		case rest[0] == '[':
			i := strings.IndexByte(rest, ']')
			if i < 0 {
				return nil, fmt.Errorf("selector %q has an unclosed index", s)
			}
			n, err := strconv.Atoi(rest[1:i])
			if err != nil || n < 0 {
				return nil, fmt.Errorf("selector %q has a bad index %q", s, rest[1:i])
			}
			sel = append(sel, n)
			rest = rest[i+1:]
		default:
			return nil, fmt.Errorf("selector %q: unexpected %q", s, rest)
		}
	}
	return sel, nil
}

// eval returns what sel selects in v.
func (sel selector) eval(v any) (any, bool) {
	for _, p := range sel {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[k]; !ok {
				return nil, false
			}
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil, false
			}
			v = l[k]
		}
	}
	return v, true
}

// convertOutput gives v the output type typ.
func convertOutput(v any, typ string) (any, error) {
	switch typ {
	case TypeString:
		return text(v), nil
	case TypeInteger:
		switch x := v.(type) {
		case int:
			return x, nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int(x), nil
			}
		case string:
			if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil {
				return n, nil
			}
		}
	case TypeBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			if b, err := parseBool(x); err == nil {
				return b, nil
			}
		}
	case TypeStringList:
		if l, ok := v.([]any); ok {
			out := make([]any, len(l))
			for i, e := range l {
				out[i] = text(e)
			}
			return out, nil
		}
	case TypeStringMap:
		if m, ok := v.(map[string]any); ok {
			return m, nil
		}
	case TypeMapList:
		if l, ok := v.([]any); ok {
			for _, e := range l {
				if _, ok := e.(map[string]any); !ok {
					return nil, fmt.Errorf("value is not a %s", typ)
				}
			}
			return l, nil
		}
	}
	return nil, fmt.Errorf("value is not a %s", typ)
}

// paramValue gives a resolved parameter its document type.
func paramValue(typ string, vals []string) (any, error) {
	switch typ {
	case TypeStringList:
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = v
		}
		return out, nil
	case TypeMapList:
		out := make([]any, len(vals))
		for i, v := range vals {
			var m map[string]any
			if err := json.Unmarshal([]byte(v), &m); err != nil {
				return nil, err
			}
			out[i] = m
		}
		return out, nil
	}
	v := ""
	if len(vals) > 0 {
		v = vals[0]
	}
	switch typ {
	case TypeBoolean:
		return parseBool(v)
	case TypeInteger:
		return strconv.Atoi(strings.TrimSpace(v))
	case TypeStringMap:
		var m map[string]any
		err := json.Unmarshal([]byte(v), &m)
		return m, err
	}
	return v, nil
}

var isoDuration = regexp.MustCompile(`^P(?:([0-9]{1,9})W)?(?:([0-9]{1,9})D)?(?:T(?:([0-9]{1,9})H)?(?:([0-9]{1,9})M)?(?:([0-9]{1,9}(?:\.[0-9]{1,9})?)S)?)?$`)

// maxISODuration bounds parsed durations (far beyond aws:sleep's limit, and
// within time.Duration).
const maxISODuration = 100 * 365 * 24 * time.Hour

// ParseISODuration parses an ISO 8601 duration of weeks, days, hours,
// minutes and seconds (P1W, P2DT3H, PT10M, PT1.5S), as aws:sleep's Duration
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-sleep.html).
// Years and months, whose length varies, are rejected.
func ParseISODuration(s string) (time.Duration, error) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "P" || strings.HasSuffix(s, "T") {
		if date, _, _ := strings.Cut(s, "T"); strings.HasPrefix(s, "P") && strings.ContainsAny(date, "YM") {
			return 0, fmt.Errorf("duration %q: years and months are not supported; use weeks or days", s)
		}
		return 0, fmt.Errorf("duration %q is not an ISO 8601 duration such as PT10M or P1DT2H", s)
	}
	units := []float64{7 * 24 * 3600, 24 * 3600, 3600, 60, 1}
	var secs float64
	for i, u := range units {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseFloat(m[i+1], 64)
		if err != nil {
			return 0, errors.New("bad number in duration")
		}
		secs += n * u
	}
	if secs > maxISODuration.Seconds() {
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	return time.Duration(secs * float64(time.Second)), nil
}
