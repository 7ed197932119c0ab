// Package snapshot reads and writes configuration items in the formats AWS
// Config delivers them: the configuration snapshot file written to S3
// (https://docs.aws.amazon.com/config/latest/developerguide/example-s3-snapshot.html)
// and the item format of notifications, where configuration is a JSON
// object rather than a string. configd's `import` command reads these, and
// JSON lines of items in the API's format (GetResourceConfigHistory's
// configurationItems), so that tests and demos can seed resources.
package snapshot

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/configd/configd"
)

// FileVersion is the snapshot file version AWS Config writes.
const FileVersion = "1.0"

// Item is a configuration item in AWS's delivered format.
type Item struct {
	RelatedEvents                []string                   `json:"relatedEvents"`
	Relationships                []Relationship             `json:"relationships"`
	Configuration                json.RawMessage            `json:"configuration"`
	SupplementaryConfiguration   map[string]json.RawMessage `json:"supplementaryConfiguration"`
	Tags                         map[string]string          `json:"tags"`
	ConfigurationItemVersion     string                     `json:"configurationItemVersion"`
	ConfigurationItemCaptureTime string                     `json:"configurationItemCaptureTime"`
	ConfigurationStateID         json.RawMessage            `json:"configurationStateId"`
	AwsAccountID                 string                     `json:"awsAccountId"`
	ConfigurationItemStatus      string                     `json:"configurationItemStatus"`
	ResourceType                 string                     `json:"resourceType"`
	ResourceID                   string                     `json:"resourceId"`
	ResourceName                 *string                    `json:"resourceName"`
	ARN                          string                     `json:"ARN"`
	AwsRegion                    string                     `json:"awsRegion"`
	AvailabilityZone             string                     `json:"availabilityZone"`
	ConfigurationStateMd5Hash    string                     `json:"configurationStateMd5Hash"`
	ResourceCreationTime         *string                    `json:"resourceCreationTime"`
}

// Relationship is a relationship in AWS's delivered format.
type Relationship struct {
	ResourceID   string  `json:"resourceId"`
	ResourceName *string `json:"resourceName"`
	ResourceType string  `json:"resourceType"`
	Name         string  `json:"name"`
}

// File is a configuration snapshot file.
type File struct {
	FileVersion        string `json:"fileVersion"`
	ConfigSnapshotID   string `json:"configSnapshotId"`
	ConfigurationItems []Item `json:"configurationItems"`
}

const isoMillis = "2006-01-02T15:04:05.000Z"

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// FromItem converts a configuration item to the delivered format.
func FromItem(ci *configd.ConfigurationItem) Item {
	it := Item{
		RelatedEvents:                nonNil(ci.RelatedEvents),
		Relationships:                []Relationship{},
		Configuration:                rawOrNull(ci.Configuration),
		SupplementaryConfiguration:   map[string]json.RawMessage{},
		Tags:                         ci.Tags,
		ConfigurationItemVersion:     ci.Version,
		ConfigurationItemCaptureTime: ci.CaptureTime.UTC().Format(isoMillis),
		AwsAccountID:                 ci.AccountID,
		ConfigurationItemStatus:      ci.Status,
		ResourceType:                 ci.ResourceType,
		ResourceID:                   ci.ResourceID,
		ResourceName:                 optString(ci.ResourceName),
		ARN:                          ci.ARN,
		AwsRegion:                    ci.Region,
		AvailabilityZone:             ci.AvailabilityZone,
		ConfigurationStateMd5Hash:    ci.MD5Hash,
	}
	if it.Tags == nil {
		it.Tags = map[string]string{}
	}
	if id, err := strconv.ParseInt(ci.StateID, 10, 64); err == nil {
		it.ConfigurationStateID = json.RawMessage(strconv.FormatInt(id, 10))
	} else if ci.StateID != "" {
		it.ConfigurationStateID, _ = json.Marshal(ci.StateID)
	}
	if !ci.ResourceCreationTime.IsZero() {
		s := ci.ResourceCreationTime.UTC().Format(isoMillis)
		it.ResourceCreationTime = &s
	}
	for _, r := range ci.Relationships {
		it.Relationships = append(it.Relationships, Relationship{ResourceID: r.ResourceID, ResourceName: optString(r.ResourceName), ResourceType: r.ResourceType, Name: r.RelationshipName})
	}
	for _, k := range slices.Sorted(maps.Keys(ci.SupplementaryConfiguration)) {
		it.SupplementaryConfiguration[k] = rawOrString(ci.SupplementaryConfiguration[k])
	}
	return it
}

// textOf returns the JSON text of raw. A JSON string is unquoted: the API
// format gives configuration as a string of JSON text, and AWS delivers some
// supplementary values (AccessControlList) as strings holding JSON.
func textOf(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	if !json.Valid(raw) {
		return "", errors.New("not valid JSON")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", err
	}
	return buf.String(), nil
}

func rawOrNull(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("null")
	}
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}

// compactText returns raw as compact JSON text, whatever its kind.
func compactText(raw json.RawMessage) (string, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// rawOrString delivers a supplementary value: its JSON text as is (an
// object, or a JSON string such as AccessControlList), or, for text that is
// not JSON, that text as a string.
func rawOrString(s string) json.RawMessage {
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05.0000-0700", "2006-01-02T15:04:05-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.UnixMilli(int64(f * 1000)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("unrecognised time %q", s)
}

// Write writes a snapshot file of items, gzip-compressed, as AWS delivers it.
func Write(w io.Writer, snapshotID string, items []*configd.ConfigurationItem) error {
	f := File{FileVersion: FileVersion, ConfigSnapshotID: snapshotID, ConfigurationItems: make([]Item, 0, len(items))}
	for _, ci := range items {
		f.ConfigurationItems = append(f.ConfigurationItems, FromItem(ci))
	}
	zw := gzip.NewWriter(w)
	if err := json.NewEncoder(zw).Encode(f); err != nil {
		return err
	}
	return zw.Close()
}

// apiItem is a configuration item in the API's format (configuration as a
// string, timestamps as epoch seconds or ISO strings).
type apiItem struct {
	Version              string            `json:"version"`
	AccountID            string            `json:"accountId"`
	CaptureTime          json.RawMessage   `json:"configurationItemCaptureTime"`
	Status               string            `json:"configurationItemStatus"`
	StateID              json.RawMessage   `json:"configurationStateId"`
	MD5Hash              string            `json:"configurationItemMD5Hash"`
	ARN                  string            `json:"arn"`
	ResourceType         string            `json:"resourceType"`
	ResourceID           string            `json:"resourceId"`
	ResourceName         string            `json:"resourceName"`
	AwsRegion            string            `json:"awsRegion"`
	AvailabilityZone     string            `json:"availabilityZone"`
	ResourceCreationTime json.RawMessage   `json:"resourceCreationTime"`
	Tags                 map[string]string `json:"tags"`
	RelatedEvents        []string          `json:"relatedEvents"`
	Relationships        []struct {
		ResourceType     string `json:"resourceType"`
		ResourceID       string `json:"resourceId"`
		ResourceName     string `json:"resourceName"`
		RelationshipName string `json:"relationshipName"`
		Name             string `json:"name"`
	} `json:"relationships"`
	Configuration              json.RawMessage            `json:"configuration"`
	SupplementaryConfiguration map[string]json.RawMessage `json:"supplementaryConfiguration"`
	// Delivered-format names, accepted too.
	AwsAccountID string `json:"awsAccountId"`
	ARNUpper     string `json:"ARN"`
	ItemVersion  string `json:"configurationItemVersion"`
}

func timeOf(raw json.RawMessage) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	var s string
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, err
		}
	} else {
		s = string(raw)
	}
	return parseTime(s)
}

func (a *apiItem) toItem() (*configd.ConfigurationItem, error) {
	if a.ResourceType == "" || a.ResourceID == "" {
		return nil, errors.New("item without resourceType or resourceId")
	}
	ci := &configd.ConfigurationItem{
		Version: a.Version, AccountID: a.AccountID, Status: a.Status, MD5Hash: a.MD5Hash,
		ARN: a.ARN, ResourceType: a.ResourceType, ResourceID: a.ResourceID, ResourceName: a.ResourceName,
		Region: a.AwsRegion, AvailabilityZone: a.AvailabilityZone, Tags: a.Tags, RelatedEvents: a.RelatedEvents,
	}
	if ci.AccountID == "" {
		ci.AccountID = a.AwsAccountID
	}
	if ci.ARN == "" {
		ci.ARN = a.ARNUpper
	}
	if ci.Version == "" {
		ci.Version = a.ItemVersion
	}
	// AWS writes configurationStateId as a number in files, a string in the API.
	if id := bytes.Trim(bytes.TrimSpace(a.StateID), `"`); string(id) != "null" {
		ci.StateID = string(id)
	}
	var err error
	if ci.CaptureTime, err = timeOf(a.CaptureTime); err != nil {
		return nil, fmt.Errorf("configurationItemCaptureTime: %w", err)
	}
	if ci.ResourceCreationTime, err = timeOf(a.ResourceCreationTime); err != nil {
		return nil, fmt.Errorf("resourceCreationTime: %w", err)
	}
	if ci.Configuration, err = textOf(a.Configuration); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	for _, r := range a.Relationships {
		name := r.RelationshipName
		if name == "" {
			name = r.Name
		}
		ci.Relationships = append(ci.Relationships, configd.Relationship{ResourceType: r.ResourceType, ResourceID: r.ResourceID, ResourceName: r.ResourceName, RelationshipName: name})
	}
	if len(a.SupplementaryConfiguration) > 0 {
		ci.SupplementaryConfiguration = map[string]string{}
		// The API format gives each value as a string of JSON text; the
		// delivered format gives the JSON value itself (AccessControlList,
		// which AWS keeps as a JSON string, stays one).
		delivered := a.ItemVersion != "" || a.AwsAccountID != "" || a.ARNUpper != ""
		for k, v := range a.SupplementaryConfiguration {
			t, err := textOf(v)
			if delivered {
				t, err = compactText(v)
			}
			if err != nil {
				return nil, fmt.Errorf("supplementaryConfiguration.%s: %w", k, err)
			}
			ci.SupplementaryConfiguration[k] = t
		}
	}
	return ci, nil
}

// MaxItemBytes bounds one item read by Read.
const MaxItemBytes = 16 << 20

// Read reads configuration items from r: a snapshot file (optionally
// gzip-compressed), a JSON array of items, or JSON lines with one item per
// line, each item in the delivered or the API format. It calls fn for each
// item in order and stops at the first error.
func Read(r io.Reader, fn func(*configd.ConfigurationItem) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	dec := json.NewDecoder(io.LimitReader(br, 1<<40))
	n := 0
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			if n == 0 {
				return errors.New("no configuration items found")
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("item %d: %w", n+1, err)
		}
		raw = bytes.TrimSpace(raw)
		var items []json.RawMessage
		switch {
		case len(raw) > 0 && raw[0] == '[':
			if err := json.Unmarshal(raw, &items); err != nil {
				return err
			}
		default:
			var f struct {
				FileVersion        string            `json:"fileVersion"`
				ConfigurationItems []json.RawMessage `json:"configurationItems"`
			}
			if err := json.Unmarshal(raw, &f); err != nil {
				return fmt.Errorf("item %d: %w", n+1, err)
			}
			if f.ConfigurationItems != nil {
				items = f.ConfigurationItems
			} else {
				items = []json.RawMessage{raw}
			}
		}
		for _, it := range items {
			n++
			if len(it) > MaxItemBytes {
				return fmt.Errorf("item %d: larger than %d bytes", n, MaxItemBytes)
			}
			var a apiItem
			if err := json.Unmarshal(it, &a); err != nil {
				return fmt.Errorf("item %d: %w", n, err)
			}
			ci, err := a.toItem()
			if err != nil {
				return fmt.Errorf("item %d: %w", n, err)
			}
			if err := fn(ci); err != nil {
				return err
			}
		}
	}
}
