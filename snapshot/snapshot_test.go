package snapshot

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/configd/configd"
)

func TestRoundTrip(t *testing.T) {
	ci := &configd.ConfigurationItem{
		Version: "1.3", AccountID: "123456789012", CaptureTime: time.UnixMilli(1704164645678).UTC(), Status: "OK",
		StateID: "1704164645678", ARN: "arn:aws:s3:::b", ResourceType: "AWS::S3::Bucket", ResourceID: "b", ResourceName: "b",
		Region: "us-east-1", AvailabilityZone: "Regional", ResourceCreationTime: time.UnixMilli(1700000000000).UTC(),
		Tags: map[string]string{"k": "v"}, Relationships: []configd.Relationship{{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-1", RelationshipName: "Is contained in Vpc"}},
		Configuration:              `{"name":"b"}`,
		SupplementaryConfiguration: map[string]string{"AccessControlList": `"{\"grantList\":[]}"`, "BucketVersioningConfiguration": `{"status":"Off"}`},
	}
	var buf bytes.Buffer
	if err := Write(&buf, "snap-1", []*configd.ConfigurationItem{ci}); err != nil {
		t.Fatal(err)
	}
	var got []*configd.ConfigurationItem
	if err := Read(&buf, func(c *configd.ConfigurationItem) error { got = append(got, c); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("read %d items", len(got))
	}
	g := got[0]
	if g.Configuration != ci.Configuration || g.SupplementaryConfiguration["AccessControlList"] != ci.SupplementaryConfiguration["AccessControlList"] || g.StateID != ci.StateID ||
		!g.CaptureTime.Equal(ci.CaptureTime) || !g.ResourceCreationTime.Equal(ci.ResourceCreationTime) || g.ARN != ci.ARN ||
		g.Relationships[0] != ci.Relationships[0] || g.Tags["k"] != "v" || g.AccountID != ci.AccountID {
		t.Fatalf("round trip changed the item:\n got %+v\nwant %+v", g, ci)
	}
}

func TestReadFormats(t *testing.T) {
	cases := map[string]struct {
		in   string
		want int
	}{
		"OKJSONLines": {`{"resourceType":"A::B::C","resourceId":"1","configuration":"{}"}` + "\n" + `{"resourceType":"A::B::C","resourceId":"2"}`, 2},
		"OKArray":     {`[{"resourceType":"A::B::C","resourceId":"1"},{"resourceType":"A::B::C","resourceId":"2"},{"resourceType":"A::B::C","resourceId":"3"}]`, 3},
		"OKSnapshot":  {`{"fileVersion":"1.0","configurationItems":[{"resourceType":"A::B::C","resourceId":"1","configuration":{"a":[1]}}]}`, 1},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			n := 0
			if err := Read(strings.NewReader(tc.in), func(*configd.ConfigurationItem) error { n++; return nil }); err != nil || n != tc.want {
				t.Fatalf("Read = %v, %d items, want %d", err, n, tc.want)
			}
		})
	}
	for name, in := range map[string]string{
		"ErrEmpty":        "",
		"ErrNoResourceID": `{"resourceType":"A::B::C"}`,
		"ErrBadJSON":      `{"resourceType":`,
		"ErrBadTime":      `{"resourceType":"A::B::C","resourceId":"1","configurationItemCaptureTime":"yesterday"}`,
		"ErrBadGzip":      "\x1f\x8bnot gzip",
	} {
		t.Run(name, func(t *testing.T) {
			if err := Read(strings.NewReader(in), func(*configd.ConfigurationItem) error { return nil }); err == nil {
				t.Fatal("Read accepted bad input")
			}
		})
	}
}

// FuzzRead: the import decoder never panics, and every item it yields has
// a resource type and id.
func FuzzRead(f *testing.F) {
	f.Add(`{"fileVersion":"1.0","configurationItems":[{"resourceType":"A::B::C","resourceId":"1","configuration":{"a":1},"configurationStateId":5}]}`)
	f.Add(`{"resourceType":"A::B::C","resourceId":"1","configurationItemCaptureTime":1.5e9,"supplementaryConfiguration":{"x":"{}"}}`)
	f.Add(`[{"resourceType":"A","resourceId":"b","relationships":[{"name":"n"}]}]`)
	f.Fuzz(func(t *testing.T, in string) {
		Read(strings.NewReader(in), func(ci *configd.ConfigurationItem) error {
			if ci.ResourceType == "" || ci.ResourceID == "" {
				t.Fatalf("item without identity from %q", in)
			}
			return nil
		})
	})
}
