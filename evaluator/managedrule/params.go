package managedrule

import (
	"bytes"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/configd/configd"
)

// Error messages of PutConfigRule for managed rules. The first three are
// AWS's own wording as AWS returned it to users:
//   - unknown identifier: https://github.com/awslabs/aws-config-rules/issues/437
//   - missing required parameter: https://github.com/niaid/terraform-aws-managed-config-rules/issues/57
//   - unknown parameter: https://github.com/hashicorp/terraform-provider-aws/issues/773
//   - non-string value: AWS's answer to an unquoted number, quoted in
//     getmoto/moto config/models.py (validate_managed_rule).
//
// AWS's wording for malformed JSON and for a value of the wrong type was not
// found; those two messages are configd's own.
const (
	msgUnknownIdentifier = "The sourceIdentifier %s is invalid. Please refer to the documentation for a list of valid sourceIdentifiers that can be used when AWS is the Owner."
	msgMissingRequired   = "The required parameter %s is not present in the inputParameters, please refer to Config rules documentation for the required parameters."
	msgUnknownParameters = "Unknown parameters provided in the inputParameters: %s"
	msgBlankValue        = "Blank spaces are not acceptable for input parameter: %s."
	msgInvalidJSON       = "The inputParameters %s is not a valid JSON object of string values."
	msgWrongType         = "The value %q of input parameter %s is not a valid %s."
)

// ValidateParameters checks the InputParameters JSON of a PutConfigRule
// request for the managed rule identifier, as AWS does. It returns a
// *configd.Error with code configd.ErrInvalidParameterValue for an unknown
// identifier, malformed JSON, a non-string or blank value, an unknown
// parameter name, a missing required parameter, or a value that is not of
// the parameter's type (int, boolean, double, StringMap). An empty
// inputParametersJSON means no parameters.
func ValidateParameters(identifier, inputParametersJSON string) error {
	_, err := Parameters(identifier, inputParametersJSON)
	return err
}

// Parameters validates inputParametersJSON like ValidateParameters and
// returns the parameters with the catalogue's defaults applied to the
// optional parameters left out: the Params of an Input.
func Parameters(identifier, inputParametersJSON string) (map[string]string, error) {
	spec, ok := Lookup(identifier)
	if !ok {
		return nil, configd.Errorf(configd.ErrInvalidParameterValue, msgUnknownIdentifier, identifier)
	}
	given, err := decodeInputParameters(inputParametersJSON)
	if err != nil {
		return nil, err
	}

	var unknown []string
	for name := range given {
		if _, ok := spec.Param(name); !ok {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		return nil, configd.Errorf(configd.ErrInvalidParameterValue, msgUnknownParameters, inputParametersJSON)
	}

	var missing []string
	for _, p := range spec.Parameters {
		if _, ok := given[p.Name]; !ok && !p.Optional {
			missing = append(missing, p.Name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, configd.Errorf(configd.ErrInvalidParameterValue, msgMissingRequired, strings.Join(missing, ", "))
	}

	out := make(map[string]string, len(spec.Parameters))
	for _, p := range spec.Parameters {
		v, ok := given[p.Name]
		if !ok {
			if p.Default != "" {
				out[p.Name] = p.Default
			}
			continue
		}
		if !validValue(p.Type, v) {
			return nil, configd.Errorf(configd.ErrInvalidParameterValue, msgWrongType, v, p.Name, p.Type)
		}
		out[p.Name] = v
	}
	return out, nil
}

// decodeInputParameters parses a JSON object whose values must all be
// non-blank strings.
func decodeInputParameters(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return map[string]string{}, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil || raw == nil {
		return nil, configd.Errorf(configd.ErrInvalidParameterValue, msgInvalidJSON, s)
	}
	out := make(map[string]string, len(raw))
	// Report the first offending name in a stable order.
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := bytes.TrimSpace(raw[name])
		var str string
		if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &str) != nil || strings.TrimSpace(str) == "" {
			return nil, configd.Errorf(configd.ErrInvalidParameterValue, msgBlankValue, name)
		}
		out[name] = str
	}
	return out, nil
}

// validValue reports whether v is a valid value of the catalogue type typ.
func validValue(typ, v string) bool {
	v = strings.TrimSpace(v)
	switch typ {
	case TypeInt:
		_, err := strconv.ParseInt(v, 10, 64)
		return err == nil
	case TypeBoolean:
		return strings.EqualFold(v, "true") || strings.EqualFold(v, "false")
	case TypeDouble:
		f, err := strconv.ParseFloat(v, 64)
		return err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	case TypeStringMap:
		// "key:value,other-key" (see APPROVED_AMIS_BY_TAG): every entry
		// needs a key.
		for _, e := range strings.Split(v, ",") {
			key, _, _ := strings.Cut(e, ":")
			if strings.TrimSpace(key) == "" {
				return false
			}
		}
		return true
	}
	// String and CSV take any text.
	return true
}
