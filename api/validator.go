package api

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/configd/configd"
)

// Validator collects constraint violations and turns them into the
// ValidationException AWS returns. The zero value is ready to use.
//
// The generated validate methods feed it; handlers may add checks of their
// own with Add and AddNull so that their messages read the same.
type Validator struct {
	msgs []string
}

// Add records that value, found at path, violates constraint (a sentence
// such as "Member must have length less than or equal to 128").
func (v *Validator) Add(path, value, constraint string) {
	v.msgs = append(v.msgs, "Value '"+value+"' at '"+path+"' failed to satisfy constraint: "+constraint)
}

// AddNull records that the required member at path is missing.
func (v *Validator) AddNull(path string) {
	v.msgs = append(v.msgs, "Value null at '"+path+"' failed to satisfy constraint: Member must not be null")
}

// Len returns the number of violations recorded.
func (v *Validator) Len() int { return len(v.msgs) }

// Messages returns the recorded violations, in the order they were found.
func (v *Validator) Messages() []string { return slices.Clone(v.msgs) }

// Err returns nil when nothing was recorded, and otherwise a *configd.Error
// with code ValidationException and AWS's message:
//
//	1 validation error detected: <violation>
//	N validation errors detected: <violation>; <violation>; ...
func (v *Validator) Err() error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return &configd.Error{Code: configd.ErrValidation, Message: "1 validation error detected: " + v.msgs[0]}
	}
	return &configd.Error{
		Code:    configd.ErrValidation,
		Message: fmt.Sprintf("%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; ")),
	}
}

// fail records a violation of the member name under path.
func (v *Validator) fail(path, name, value, constraint string) {
	v.Add(joinPath(path, name), value, constraint)
}

// null records that the required member name under path is missing.
func (v *Validator) null(path, name string) {
	v.AddNull(joinPath(path, name))
}

// joinPath appends a member name to a validation path.
func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// elemName is the path element of the i-th (0-based) element of list name,
// which AWS writes as name.<i+1>.member.
func elemName(name string, i int) string {
	return name + "." + strconv.Itoa(i+1) + ".member"
}

// sortedKeys returns the keys of m in order, so that violations inside maps
// are reported in a stable order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// renderList renders a list the way AWS shows it in a message: [a, b].
func renderList[T any](xs []T) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = renderValue(x)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// renderValue renders one value of a message: strings as they are, numbers
// in decimal, anything else as JSON.
func renderValue(x any) string {
	switch x := x.(type) {
	case string:
		return x
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	}
	return renderJSON(x)
}

// renderJSON renders a structure or map as JSON. It is only called once a
// violation is found, so its reflection costs nothing on valid input.
func renderJSON(x any) string {
	b, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprint(x)
	}
	return string(b)
}
