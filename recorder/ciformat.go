package recorder

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/configd/configd"
)

// ciTimeLayout is how AWS Config writes timestamps inside configuration
// JSON, e.g. "2017-01-09T20:13:28.000Z" (see the sample items in
// https://docs.aws.amazon.com/config/latest/developerguide/example-sns-notification.html).
const ciTimeLayout = "2006-01-02T15:04:05.000Z"

// Availability zone values AWS Config writes for resources that have none.
const (
	azNotApplicable = "Not Applicable"
	azRegional      = "Regional"
	azMultiple      = "Multiple Availability Zones"
)

var timeType = reflect.TypeOf(time.Time{})

// ciValue converts an SDK response value into the generic JSON tree AWS
// Config records: struct fields become lowerCamel keys (the first letter
// lower-cased, as AWS Config's serializer does: "DBInstanceIdentifier"
// becomes "dBInstanceIdentifier"), nil pointers and maps become null, nil
// slices become empty lists, timestamps use ciTimeLayout, and enums their
// string value.
func ciValue(v any) any {
	if v == nil {
		return nil
	}
	return convert(reflect.ValueOf(v))
}

func convert(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Invalid:
		return nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return convert(v.Elem())
	case reflect.Struct:
		if v.Type() == timeType {
			return v.Interface().(time.Time).UTC().Format(ciTimeLayout)
		}
		out := map[string]any{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			out[lowerFirst(f.Name)] = convert(v.Field(i))
		}
		return out
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			if v.IsNil() {
				return nil
			}
			return base64.StdEncoding.EncodeToString(v.Bytes())
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = convert(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		out := make(map[string]any, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			out[fmt.Sprint(iter.Key().Interface())] = convert(iter.Value())
		}
		return out
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	}
	return nil
}

// lowerFirst lower-cases the first letter of s.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// upperFirst upper-cases the first letter of s.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// object converts an SDK struct into a JSON object tree and deletes the
// listed (volatile) keys.
func object(v any, drop ...string) map[string]any {
	m, _ := ciValue(v).(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	for _, k := range drop {
		delete(m, k)
	}
	return m
}

// encode marshals a JSON tree deterministically: encoding/json sorts map keys.
func encode(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Trees built by ciValue hold only JSON-marshalable values.
		panic("recorder: encode configuration: " + err.Error())
	}
	return string(b)
}

// sortByJSON sorts a list of JSON values by their encoding, for lists whose
// order AWS does not define (rules, attachments), so that the recorded
// configuration does not change when only the API's order does.
func sortByJSON(list []any) {
	keys := make([]string, len(list))
	for i, v := range list {
		keys[i] = encode(v)
	}
	sort.Sort(byKey{keys, list})
}

type byKey struct {
	keys []string
	vals []any
}

func (b byKey) Len() int           { return len(b.keys) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
	b.vals[i], b.vals[j] = b.vals[j], b.vals[i]
}

// sortField sorts, in place, the list stored under key in m.
func sortField(m map[string]any, key string) {
	if l, ok := m[key].([]any); ok {
		sortByJSON(l)
	}
}

// tagMap builds the CI tags map from key/value pairs of any SDK tag type.
func tagMap[T any](tags []T, kv func(T) (*string, *string)) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		k, v := kv(t)
		out[str(k)] = str(v)
	}
	return out
}

// str dereferences an SDK string pointer.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// timeOf dereferences an SDK time pointer.
func timeOf(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return p.UTC()
}

// newItem starts an item with the fields every discoverer sets.
func newItem(resourceType, id, name, arn, region, az string) *configd.ConfigurationItem {
	return &configd.ConfigurationItem{
		ResourceType:     resourceType,
		ResourceID:       id,
		ResourceName:     name,
		ARN:              arn,
		Region:           region,
		AvailabilityZone: az,
		Tags:             map[string]string{},
	}
}

// relate appends a relationship to ci unless the id is empty.
func relate(ci *configd.ConfigurationItem, name, resourceType, id, resourceName string) {
	if id == "" && resourceName == "" {
		return
	}
	ci.Relationships = append(ci.Relationships, configd.Relationship{
		RelationshipName: name, ResourceType: resourceType, ResourceID: id, ResourceName: resourceName,
	})
}

// finish sorts and de-duplicates the relationships of ci so that they are
// deterministic.
func finish(ci *configd.ConfigurationItem) {
	rs := ci.Relationships
	sort.Slice(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.ResourceType != b.ResourceType {
			return a.ResourceType < b.ResourceType
		}
		if a.ResourceID != b.ResourceID {
			return a.ResourceID < b.ResourceID
		}
		if a.RelationshipName != b.RelationshipName {
			return a.RelationshipName < b.RelationshipName
		}
		return a.ResourceName < b.ResourceName
	})
	out := rs[:0]
	for i, r := range rs {
		if i > 0 && r == rs[i-1] {
			continue
		}
		out = append(out, r)
	}
	ci.Relationships = out
}

// resourceNameFromARN returns the part of an ARN after the last '/' or ':'.
func resourceNameFromARN(arn string) string {
	if i := strings.LastIndexAny(arn, "/:"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
