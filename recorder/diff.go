package recorder

import (
	"encoding/json"
	"sort"
	"strconv"

	"github.com/configd/configd"
)

// Change types of a configurationItemDiff and of each changed property.
const (
	ChangeCreate = "CREATE"
	ChangeUpdate = "UPDATE"
	ChangeDelete = "DELETE"
)

// ItemDiff is AWS Config's configurationItemDiff, the difference between two
// consecutive configuration items of a resource that a
// ConfigurationItemChangeNotification carries. It marshals to JSON in AWS's
// casing. Format: https://docs.aws.amazon.com/config/latest/developerguide/example-sns-notification.html
type ItemDiff struct {
	// ChangeType is CREATE for a new resource, DELETE for a deleted one and
	// UPDATE otherwise.
	ChangeType string `json:"changeType"`
	// ChangedProperties is keyed by the property path: "Configuration.",
	// "SupplementaryConfiguration." or "Relationships." followed by the
	// path, each object key with its first letter upper-cased and each list
	// element by an index ("Configuration.IpPermissions.0"). It is empty,
	// not nil, for CREATE and DELETE, as in AWS's notifications.
	ChangedProperties map[string]PropertyChange `json:"changedProperties"`
}

// PropertyChange is one changed property of an ItemDiff. A value that did
// not exist before (CREATE) or after (DELETE) is null.
type PropertyChange struct {
	PreviousValue any    `json:"previousValue"`
	UpdatedValue  any    `json:"updatedValue"`
	ChangeType    string `json:"changeType"`
}

// Diff computes the configurationItemDiff between prev, the resource's
// previous item (nil if there is none), and cur, its new item. It returns
// nil when cur is nil.
//
// Objects are compared key by key and the diff descends into them. Lists
// are compared as multisets, as AWS does: elements present on both sides
// are unchanged whatever their positions; each removed element is reported
// whole as DELETE and each added element whole as CREATE, numbered in that
// order (removed ones first), which reproduces AWS's sample where replacing
// a list's only element yields ".0" DELETE and ".1" CREATE. Relationships
// are compared the same way. Tags outside the configuration are not part of
// the diff (AWS reports tags through the configuration or supplementary
// configuration of the types that record them).
func Diff(prev, cur *configd.ConfigurationItem) *ItemDiff {
	if cur == nil {
		return nil
	}
	d := &ItemDiff{ChangedProperties: map[string]PropertyChange{}}
	switch {
	case cur.Status == configd.CIStatusResourceDeleted || cur.Status == configd.CIStatusResourceDeletedNotRecored:
		d.ChangeType = ChangeDelete
		return d
	case prev == nil || prev.Status == configd.CIStatusResourceDeleted || prev.Status == configd.CIStatusResourceDeletedNotRecored:
		d.ChangeType = ChangeCreate
		return d
	}
	d.ChangeType = ChangeUpdate
	diffValue("Configuration", parseJSON(prev.Configuration), parseJSON(cur.Configuration), d.ChangedProperties)
	keys := map[string]bool{}
	for k := range prev.SupplementaryConfiguration {
		keys[k] = true
	}
	for k := range cur.SupplementaryConfiguration {
		keys[k] = true
	}
	for _, k := range sortedKeys(keys) {
		path := "SupplementaryConfiguration." + k
		pv, inPrev := prev.SupplementaryConfiguration[k]
		cv, inCur := cur.SupplementaryConfiguration[k]
		switch {
		case !inPrev:
			d.ChangedProperties[path] = PropertyChange{nil, parseJSON(cv), ChangeCreate}
		case !inCur:
			d.ChangedProperties[path] = PropertyChange{parseJSON(pv), nil, ChangeDelete}
		default:
			diffValue(path, parseJSON(pv), parseJSON(cv), d.ChangedProperties)
		}
	}
	diffList("Relationships", relationshipValues(prev.Relationships), relationshipValues(cur.Relationships), d.ChangedProperties)
	return d
}

// relationshipValues renders relationships as AWS writes them in items.
func relationshipValues(rs []configd.Relationship) []any {
	out := make([]any, len(rs))
	for i, r := range rs {
		var name any
		if r.ResourceName != "" {
			name = r.ResourceName
		}
		out[i] = map[string]any{"resourceId": r.ResourceID, "resourceName": name, "resourceType": r.ResourceType, "name": r.RelationshipName}
	}
	return out
}

// parseJSON decodes JSON text; text that is not JSON is kept as a string
// and empty text is null.
func parseJSON(s string) any {
	if s == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return s
	}
	return v
}

func diffValue(path string, a, b any, out map[string]PropertyChange) {
	am, aObj := a.(map[string]any)
	bm, bObj := b.(map[string]any)
	if aObj && bObj {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for _, k := range sortedKeys(keys) {
			p := path + "." + upperFirst(k)
			av, inA := am[k]
			bv, inB := bm[k]
			switch {
			case !inA:
				out[p] = PropertyChange{nil, bv, ChangeCreate}
			case !inB:
				out[p] = PropertyChange{av, nil, ChangeDelete}
			default:
				diffValue(p, av, bv, out)
			}
		}
		return
	}
	al, aList := a.([]any)
	bl, bList := b.([]any)
	if aList && bList {
		diffList(path, al, bl, out)
		return
	}
	if canonical(a) != canonical(b) {
		out[path] = PropertyChange{a, b, ChangeUpdate}
	}
}

// diffList reports removed and added elements of two lists compared as multisets.
func diffList(path string, a, b []any, out map[string]PropertyChange) {
	remaining := map[string]int{}
	for _, v := range b {
		remaining[canonical(v)]++
	}
	var removed []any
	for _, v := range a {
		k := canonical(v)
		if remaining[k] > 0 {
			remaining[k]--
			continue
		}
		removed = append(removed, v)
	}
	inA := map[string]int{}
	for _, v := range a {
		inA[canonical(v)]++
	}
	var added []any
	for _, v := range b {
		k := canonical(v)
		if inA[k] > 0 {
			inA[k]--
			continue
		}
		added = append(added, v)
	}
	i := 0
	for _, v := range removed {
		out[path+"."+strconv.Itoa(i)] = PropertyChange{v, nil, ChangeDelete}
		i++
	}
	for _, v := range added {
		out[path+"."+strconv.Itoa(i)] = PropertyChange{nil, v, ChangeCreate}
		i++
	}
}

// canonical is the JSON encoding of a decoded value; map keys are sorted,
// so equal values have equal encodings.
func canonical(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
