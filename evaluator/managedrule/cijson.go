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
	s := strings.TrimSpace(ci.Configuration)
	if s == "" || s == "null" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("decode configuration: %w", err)
	}
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
	b := supplementary(ci, key)
	if b == nil {
		return false, nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return true, fmt.Errorf("decode supplementary configuration %s: %w", key, err)
	}
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
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = []string{string(s)}
	}
	return nil
}

// jsonUnquote decodes a JSON string literal.
func jsonUnquote(b []byte, s *string) error {
	if err := json.Unmarshal(b, s); err != nil {
		return fmt.Errorf("decode JSON string: %w", err)
	}
	return nil
}
