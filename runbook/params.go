package runbook

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// checkValues checks the values given for p: their number, type, allowed
// values and pattern.
func checkValues(p Parameter, values []string) error {
	switch p.Type {
	case TypeStringList, TypeMapList:
	default:
		if len(values) != 1 {
			return fmt.Errorf("The parameter %s takes exactly one value, not %d.", p.Name, len(values))
		}
	}
	for _, v := range values {
		switch p.Type {
		case TypeBoolean:
			if _, err := parseBool(v); err != nil {
				return fmt.Errorf("The value %q of parameter %s is not a Boolean (true or false).", v, p.Name)
			}
		case TypeInteger:
			if _, err := strconv.Atoi(strings.TrimSpace(v)); err != nil {
				return fmt.Errorf("The value %q of parameter %s is not an Integer.", v, p.Name)
			}
		case TypeStringMap, TypeMapList:
			var m map[string]any
			if err := json.Unmarshal([]byte(v), &m); err != nil {
				return fmt.Errorf("The value of parameter %s is not a JSON object.", p.Name)
			}
		}
		if len(p.AllowedValues) > 0 && !allowed(p, v) {
			return fmt.Errorf("The value %q of parameter %s is not one of the allowed values: %s.", v, p.Name, strings.Join(p.AllowedValues, ", "))
		}
		if re := compilePattern(p.AllowedPattern); re != nil && !re.MatchString(v) {
			return fmt.Errorf("The value %q of parameter %s does not match the pattern %s.", v, p.Name, p.AllowedPattern)
		}
	}
	return nil
}

// allowed reports whether v is one of p's allowed values (Booleans compare
// as Booleans).
func allowed(p Parameter, v string) bool {
	for _, a := range p.AllowedValues {
		if a == v {
			return true
		}
		if p.Type == TypeBoolean {
			x, err1 := parseBool(a)
			y, err2 := parseBool(v)
			if err1 == nil && err2 == nil && x == y {
				return true
			}
		}
	}
	return false
}

// parseBool accepts true and false in any case, as Systems Manager does.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("not a Boolean: %q", s)
}

var patterns sync.Map // string -> *regexp.Regexp (nil when RE2 cannot compile it)

// compilePattern compiles an allowedPattern once; it returns nil for "" and
// for patterns RE2 does not support.
func compilePattern(p string) *regexp.Regexp {
	if p == "" {
		return nil
	}
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp)
	}
	re, err := regexp.Compile(p)
	if err != nil {
		re = nil
	}
	patterns.Store(p, re)
	return re
}

// resolve applies defaults to the given values and checks them against the
// declared parameters.
func resolve(declared []Parameter, given map[string][]string) (map[string][]string, error) {
	known := map[string]bool{}
	out := make(map[string][]string, len(declared))
	var missing []string
	for _, p := range declared {
		known[p.Name] = true
		v, ok := given[p.Name]
		if !ok {
			if p.Default == nil {
				if p.Required {
					missing = append(missing, p.Name)
				}
				continue
			}
			v = p.Default
		}
		if err := checkValues(p, v); err != nil {
			return nil, err
		}
		out[p.Name] = append([]string(nil), v...)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing required parameters: %s", strings.Join(missing, ", "))
	}
	var unknown []string
	for n := range given {
		if !known[n] {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("unknown parameters: %s", strings.Join(unknown, ", "))
	}
	return out, nil
}

// values reads resolved parameters.
type values map[string][]string

// str returns the single value of name ("" when absent).
func (v values) str(name string) string {
	if len(v[name]) == 0 {
		return ""
	}
	return v[name][0]
}

// list returns the values of name.
func (v values) list(name string) []string { return v[name] }

// bool returns the Boolean value of name (false when absent).
func (v values) bool(name string) bool {
	b, _ := parseBool(v.str(name))
	return b
}

// int returns the Integer value of name (0 when absent).
func (v values) int(name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(v.str(name)))
	return n
}
