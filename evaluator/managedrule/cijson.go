package managedrule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/configd/configd"
)

// decodeConfiguration decodes ci.Configuration into v. An empty or null
// configuration leaves v as it is.
func decodeConfiguration(ci *configd.ConfigurationItem, v any) error {
	if decoded.get(ci.Configuration, v) {
		return nil
	}
	s := strings.TrimSpace(ci.Configuration)
	if s == "" || s == "null" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("decode configuration: %w", err)
	}
	decoded.put(ci.Configuration, v)
	return nil
}

// supplementary returns the JSON text of the supplementary configuration
// key of ci, unwrapped: AWS Config stores some values (AccessControlList,
// and depending on the writer PublicAccessBlockConfiguration or
// BucketPolicy) as a JSON string that holds JSON, so string values are
// unquoted, up to twice, when they hold an object or array. It returns nil
// when the key is absent or null.
func supplementary(ci *configd.ConfigurationItem, key string) []byte {
	s, ok := ci.SupplementaryConfiguration[key]
	if !ok {
		return nil
	}
	b := bytes.TrimSpace([]byte(s))
	for i := 0; i < 2 && len(b) > 0 && b[0] == '"'; i++ {
		var inner string
		if json.Unmarshal(b, &inner) != nil {
			break
		}
		t := bytes.TrimSpace([]byte(inner))
		if len(t) == 0 || (t[0] != '{' && t[0] != '[' && t[0] != '"') {
			// A plain string value (for example "true").
			return b
		}
		b = t
	}
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	return b
}

// decodeSupplementary decodes the supplementary configuration key of ci into
// v and reports whether it was present.
func decodeSupplementary(ci *configd.ConfigurationItem, key string, v any) (bool, error) {
	raw := ci.SupplementaryConfiguration[key]
	if decoded.get(raw, v) {
		return true, nil
	}
	b := supplementary(ci, key)
	if b == nil {
		return false, nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return true, fmt.Errorf("decode supplementary configuration %s: %w", key, err)
	}
	decoded.put(raw, v)
	return true, nil
}

// flexBool decodes a JSON boolean, or a string "true"/"false" as some
// AWS Config fields are written (IsRequesterPaysEnabled), or null.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch s := string(bytes.TrimSpace(b)); {
	case s == "true" || strings.EqualFold(s, `"true"`):
		*f = true
	case s == "false" || s == "null" || strings.EqualFold(s, `"false"`) || s == `""`:
		*f = false
	default:
		return fmt.Errorf("not a boolean: %s", s)
	}
	return nil
}

// flexString decodes a JSON string, or an object whose "value" (or "name")
// member is the string: AWS Config writes some enumerations that way (the
// state of an EC2 volume is {"value":"in-use"} in some items and "in-use" in
// others). Numbers and booleans are kept as their text; null is "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	// Fast path: a string without escapes.
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && bytes.IndexByte(b[1:n-1], '\\') < 0 {
		*f = flexString(b[1 : n-1])
		return nil
	}
	if len(b) == 0 || string(b) == "null" {
		*f = ""
		return nil
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case '{':
		var o struct {
			Value *flexString `json:"value"`
			Name  *flexString `json:"name"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		switch {
		case o.Value != nil:
			*f = *o.Value
		case o.Name != nil:
			*f = *o.Name
		default:
			*f = ""
		}
	default:
		*f = flexString(b)
	}
	return nil
}

// stringList decodes a JSON string or array of strings (as IAM policy
// elements are written).
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*l = nil
	case b[0] == '[':
		if out, ok := simpleStrings(b); ok {
			*l = out
			return nil
		}
		var xs []flexString
		if err := json.Unmarshal(b, &xs); err != nil {
			return err
		}
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = string(x)
		}
		*l = out
	default:
		var s flexString
		if err := s.UnmarshalJSON(b); err != nil {
			return err
		}
		*l = []string{string(s)}
	}
	return nil
}

// simpleStrings reads a JSON array of strings without escapes, the common
// form of policy elements, without a second pass of encoding/json; it
// reports false for anything else.
func simpleStrings(b []byte) ([]string, bool) {
	var out []string
	i := 1
	for {
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i < len(b) && b[i] == ']' && len(out) == 0 {
			return []string{}, i == len(b)-1
		}
		if i >= len(b) || b[i] != '"' {
			return nil, false
		}
		j := i + 1
		for j < len(b) && b[j] != '"' {
			if b[j] == '\\' || b[j] < 0x20 {
				return nil, false
			}
			j++
		}
		if j >= len(b) {
			return nil, false
		}
		out = append(out, string(b[i+1:j]))
		i = j + 1
		for i < len(b) && isSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i++
		case ']':
			return out, i == len(b)-1
		default:
			return nil, false
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// policyText decodes a policy document given either as a JSON object or as
// a JSON string holding it, and keeps its text.
type policyText string

func (p *policyText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*p = policyText(s)
		return nil
	}
	if string(b) == "null" {
		*p = ""
		return nil
	}
	*p = policyText(b)
	return nil
}
