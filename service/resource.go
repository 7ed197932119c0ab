package service

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/configd/configd"
)

// Record stores ci as the newest configuration item of its resource when it
// differs from the latest one (configuration, supplementary configuration,
// tags, relationships, name or deletion), and reports whether it did. Missing
// fields are filled as AWS fills them: version, account, region, capture
// time, status (ResourceDiscovered for a first or re-created resource, OK
// after), configurationStateId. This is the single write path of
// PutResourceConfig, import and discovery.
func (s *Service) Record(ctx context.Context, scope configd.Scope, ci *configd.ConfigurationItem) (bool, error) {
	changed := false
	err := s.write(ctx, func(tx configd.Tx) error {
		var err error
		changed, err = s.recordTx(ctx, tx, scope, ci)
		return err
	})
	return changed, err
}

func (s *Service) recordTx(ctx context.Context, tx configd.Tx, scope configd.Scope, ci *configd.ConfigurationItem) (bool, error) {
	key := configd.ResourceKey{ResourceType: ci.ResourceType, ResourceID: ci.ResourceID}
	prev, err := tx.LatestItem(ctx, scope, key)
	if err != nil && configd.ErrorCode(err) != configd.ErrResourceNotDiscovered {
		return false, err
	}
	var prevItem *configd.ConfigurationItem
	if prev != nil {
		prevItem = &prev.Item
	}
	deleting := ci.Status == configd.CIStatusResourceDeleted || ci.Status == configd.CIStatusResourceDeletedNotRecored
	if prevItem == nil && deleting {
		return false, nil // nothing known to delete
	}
	if prevItem != nil && SameState(prevItem, ci) {
		return false, nil
	}
	n := *ci
	if n.Version == "" {
		n.Version = configd.CIVersion
	}
	n.AccountID = scope.AccountID
	if n.Region == "" {
		n.Region = scope.Region
	}
	if n.CaptureTime.IsZero() {
		n.CaptureTime = s.clock.Now()
	}
	n.CaptureTime = n.CaptureTime.UTC().Truncate(time.Millisecond)
	if prevItem != nil && !n.CaptureTime.After(prevItem.CaptureTime) {
		// Keep each resource's history strictly ordered by capture time.
		n.CaptureTime = prevItem.CaptureTime.Add(time.Millisecond)
	}
	switch {
	case deleting:
		n.Status = configd.CIStatusResourceDeleted
	case n.Status == "" || n.Status == configd.CIStatusResourceDiscovered || n.Status == configd.CIStatusOK:
		if prevItem == nil || isDeleted(prevItem) {
			n.Status = configd.CIStatusResourceDiscovered
		} else {
			n.Status = configd.CIStatusOK
		}
	}
	n.StateID = strconv.FormatInt(n.CaptureTime.UnixMilli(), 10)
	if n.RecordingFrequency == "" {
		n.RecordingFrequency = configd.FrequencyContinuous
	}
	if deleting && prevItem != nil {
		// A deletion item keeps the resource's identity, not its state.
		n.ARN, n.ResourceName, n.AvailabilityZone = firstNonEmpty(n.ARN, prevItem.ARN), firstNonEmpty(n.ResourceName, prevItem.ResourceName), firstNonEmpty(n.AvailabilityZone, prevItem.AvailabilityZone)
		n.ResourceCreationTime = prevItem.ResourceCreationTime
		n.Configuration, n.SupplementaryConfiguration, n.Tags, n.Relationships = "", nil, nil, nil
	}
	seq, err := tx.AppendItem(ctx, scope, &n)
	if err != nil {
		return false, err
	}
	if err := s.queueChangeEvaluation(ctx, tx, scope, key, seq); err != nil {
		return false, err
	}
	*ci = n
	return true, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func isDeleted(ci *configd.ConfigurationItem) bool {
	return ci.Status == configd.CIStatusResourceDeleted || ci.Status == configd.CIStatusResourceDeletedNotRecored
}

// SameState reports whether two items record the same state of a resource,
// so that recording b after a would not be a change.
func SameState(a, b *configd.ConfigurationItem) bool {
	if isDeleted(a) != isDeleted(b) {
		return false
	}
	if isDeleted(a) {
		return true
	}
	return a.ResourceName == b.ResourceName && a.ARN == b.ARN && a.AvailabilityZone == b.AvailabilityZone &&
		jsonEqual(a.Configuration, b.Configuration) &&
		maps.EqualFunc(a.SupplementaryConfiguration, b.SupplementaryConfiguration, jsonEqual) &&
		maps.Equal(a.Tags, b.Tags) && slices.Equal(a.Relationships, b.Relationships) &&
		a.SchemaVersionID == b.SchemaVersionID
}

// jsonEqual compares two JSON texts ignoring insignificant whitespace (as
// comparing their json.Compact forms would), without allocating: it walks
// both texts in step, skipping whitespace outside strings, and stops at the
// first difference, which for two versions of a configuration usually comes
// early. Texts that differ only in whitespace are equal if both are valid
// JSON; invalid JSON is equal to nothing but itself, as before.
func jsonEqual(a, b string) bool {
	if a == b {
		return true
	}
	i, j := 0, 0
	inString, escaped := false, false
	for {
		if !inString {
			for i < len(a) && isJSONSpace(a[i]) {
				i++
			}
			for j < len(b) && isJSONSpace(b[j]) {
				j++
			}
		}
		if i == len(a) || j == len(b) {
			break
		}
		c := a[i]
		if c != b[j] {
			return false
		}
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		}
		i++
		j++
	}
	return i == len(a) && j == len(b) && json.Valid([]byte(a)) && json.Valid([]byte(b))
}

// isJSONSpace reports whether c is insignificant whitespace in JSON text
// (RFC 8259, section 2).
func isJSONSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// reservedTypePrefixes are the resource type prefixes PutResourceConfig
// refuses: those types are AWS's own.
// https://docs.aws.amazon.com/config/latest/APIReference/API_PutResourceConfig.html
var reservedTypePrefixes = []string{"AWS::", "Amazon::", "Alexa::", "Custom::"}

// maxConfigurationBytes is AWS's limit on a PutResourceConfig configuration
// (the model caps it at 256 KB; AWS Config documents 64 KB for third-party
// resources).
const maxConfigurationBytes = 64 * 1024

// PutResourceConfig records the configuration of a third-party resource
// type. A configuration recorder must be recording.
func (s *Service) PutResourceConfig(ctx context.Context, scope configd.Scope, ci *configd.ConfigurationItem) error {
	for _, p := range reservedTypePrefixes {
		if strings.HasPrefix(ci.ResourceType, p) {
			return configd.Errorf(configd.ErrValidation, "You cannot use the PutResourceConfig API with the resource type '%s'; the types AWS::*, Amazon::*, Alexa::* and Custom::* are reserved.", ci.ResourceType)
		}
	}
	if len(ci.Configuration) > maxConfigurationBytes {
		return configd.Errorf(configd.ErrValidation, "The configuration of resource %s is %d bytes; the maximum is %d bytes.", ci.ResourceID, len(ci.Configuration), maxConfigurationBytes)
	}
	if !validJSON(ci.Configuration) {
		return configd.Errorf(configd.ErrValidation, "The configuration of resource %s is not valid JSON.", ci.ResourceID)
	}
	return s.write(ctx, func(tx configd.Tx) error {
		if err := requireRecording(ctx, tx, scope); err != nil {
			return err
		}
		_, err := s.recordTx(ctx, tx, scope, ci)
		return err
	})
}

// DeleteResourceConfig records the deletion of a third-party resource.
func (s *Service) DeleteResourceConfig(ctx context.Context, scope configd.Scope, key configd.ResourceKey) error {
	return s.write(ctx, func(tx configd.Tx) error {
		if err := requireRecording(ctx, tx, scope); err != nil {
			return err
		}
		_, err := s.recordTx(ctx, tx, scope, &configd.ConfigurationItem{ResourceType: key.ResourceType, ResourceID: key.ResourceID, Status: configd.CIStatusResourceDeleted})
		return err
	})
}

// recordingChecker is implemented by the transactions of stores that can
// tell whether a recorder is recording with one small query (the SQLite and
// PostgreSQL stores do), rather than ListRecorders decoding every recorder.
type recordingChecker interface {
	AnyRecorderRecording(ctx context.Context, scope configd.Scope) (bool, error)
}

// requireRecording fails with NoRunningConfigurationRecorderException unless
// a recorder of the scope is recording; PutResourceConfig asks it each time.
func requireRecording(ctx context.Context, tx configd.Tx, scope configd.Scope) error {
	var on bool
	if rc, ok := tx.(recordingChecker); ok {
		var err error
		if on, err = rc.AnyRecorderRecording(ctx, scope); err != nil {
			return err
		}
	} else {
		recs, err := tx.ListRecorders(ctx, scope)
		if err != nil {
			return err
		}
		on = slices.ContainsFunc(recs, func(r *configd.Recorder) bool { return r.Recording })
	}
	if !on {
		return configd.Errorf(configd.ErrNoRunningConfigurationRecorder, "There is no configuration recorder running.")
	}
	return nil
}

// BatchGet returns the latest configuration item of each key that exists and
// is not deleted (AWS returns nothing for deleted resources), in one store
// query.
func (s *Service) BatchGet(ctx context.Context, scope configd.Scope, keys []configd.ResourceKey) ([]*configd.ConfigurationItem, error) {
	var out []*configd.ConfigurationItem
	err := s.read(ctx, func(tx configd.Tx) error {
		items, err := tx.LatestItems(ctx, scope, keys)
		if err != nil {
			return err
		}
		out = make([]*configd.ConfigurationItem, 0, len(items))
		for _, it := range items {
			if !isDeleted(&it.Item) {
				out = append(out, &it.Item)
			}
		}
		return nil
	})
	return out, err
}

// History returns a page of a resource's configuration items; the resource
// must have been discovered.
func (s *Service) History(ctx context.Context, scope configd.Scope, q configd.HistoryQuery) ([]configd.StoredItem, error) {
	if !q.Earlier.IsZero() && !q.Later.IsZero() && q.Earlier.After(q.Later) {
		return nil, configd.Errorf(configd.ErrInvalidTimeRange, "The specified time range is not valid. The earlier time is not chronologically before the later time.")
	}
	var out []configd.StoredItem
	err := s.read(ctx, func(tx configd.Tx) error {
		var err error
		if out, err = tx.History(ctx, scope, q); err != nil || len(out) > 0 {
			return err
		}
		// Nothing in range: say whether the resource is unknown at all.
		_, err = tx.LatestItem(ctx, scope, q.Key)
		return err
	})
	return out, err
}

// ListResources returns a page of the inventory.
func (s *Service) ListResources(ctx context.Context, scope configd.Scope, f configd.ResourceFilter, after string, limit int) ([]configd.DiscoveredResource, error) {
	if len(f.ResourceIDs) > 0 && f.ResourceName != "" {
		return nil, configd.Errorf(configd.ErrValidation, "Both Resource ID and Resource Name cannot be specified in the request")
	}
	var out []configd.DiscoveredResource
	err := s.read(ctx, func(tx configd.Tx) error {
		var err error
		out, err = tx.ListResources(ctx, scope, f, after, limit)
		return err
	})
	return out, err
}

// CountResources counts non-deleted resources by type.
func (s *Service) CountResources(ctx context.Context, scope configd.Scope, types []string) ([]configd.ResourceCount, error) {
	var out []configd.ResourceCount
	err := s.read(ctx, func(tx configd.Tx) error {
		var err error
		out, err = tx.CountResources(ctx, scope, types)
		return err
	})
	return out, err
}

// maxJSONDepth is the deepest nesting validJSON accepts, as encoding/json.
const maxJSONDepth = 10000

// validJSON reports whether s is one valid JSON value (RFC 8259) with
// optional surrounding whitespace, exactly as json.Valid does (bytes that
// are not UTF-8 are accepted inside strings, nesting deeper than 10000 is
// not), without converting s to bytes and twice as fast: every
// PutResourceConfig checks its configuration with it.
func validJSON(s string) bool {
	var stack []byte // '{' or '[' of each open container
	i := skipJSONSpace(s, 0)
	for {
		// A value.
		if i >= len(s) {
			return false
		}
		switch c := s[i]; {
		case c == '{' || c == '[':
			if len(stack) == maxJSONDepth {
				return false
			}
			stack = append(stack, c)
			i = skipJSONSpace(s, i+1)
			if i < len(s) && s[i] == c+2 { // '}' or ']': empty
				stack = stack[:len(stack)-1]
				i++
				break
			}
			if c == '{' {
				if i = jsonKey(s, i); i < 0 {
					return false
				}
			}
			continue
		case c == '"':
			if i = jsonString(s, i); i < 0 {
				return false
			}
		case c == '-' || c >= '0' && c <= '9':
			if i = jsonNumber(s, i); i < 0 {
				return false
			}
		case c == 't':
			if !strings.HasPrefix(s[i:], "true") {
				return false
			}
			i += 4
		case c == 'f':
			if !strings.HasPrefix(s[i:], "false") {
				return false
			}
			i += 5
		case c == 'n':
			if !strings.HasPrefix(s[i:], "null") {
				return false
			}
			i += 4
		default:
			return false
		}
		// After a value: close containers, or go on to the next element.
		for {
			i = skipJSONSpace(s, i)
			if len(stack) == 0 {
				return i == len(s)
			}
			if i >= len(s) {
				return false
			}
			top := stack[len(stack)-1]
			if s[i] == top+2 {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			if s[i] != ',' {
				return false
			}
			i = skipJSONSpace(s, i+1)
			if top == '{' {
				if i = jsonKey(s, i); i < 0 {
					return false
				}
			}
			break
		}
	}
}

// jsonKey checks an object key and its colon at s[i:], and returns the
// index of the value that follows (whitespace skipped), or -1.
func jsonKey(s string, i int) int {
	if i >= len(s) || s[i] != '"' {
		return -1
	}
	if i = jsonString(s, i); i < 0 {
		return -1
	}
	i = skipJSONSpace(s, i)
	if i >= len(s) || s[i] != ':' {
		return -1
	}
	return skipJSONSpace(s, i+1)
}

// jsonString checks the string starting with the quote at s[i], and returns
// the index after its closing quote, or -1.
func jsonString(s string, i int) int {
	for i++; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		switch {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			i++
			if i >= len(s) {
				return -1
			}
			switch s[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(s) {
					return -1
				}
				for _, h := range []byte(s[i+1 : i+5]) {
					if !isHexDigit(h) {
						return -1
					}
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

// jsonNumber checks the number starting at s[i], and returns the index after
// it, or -1.
func jsonNumber(s string, i int) int {
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = skipDigits(s, i)
	default:
		return -1
	}
	if i < len(s) && s[i] == '.' {
		j := skipDigits(s, i+1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := skipDigits(s, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func skipDigits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func skipJSONSpace(s string, i int) int {
	for i < len(s) && isJSONSpace(s[i]) {
		i++
	}
	return i
}

func isHexDigit(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
