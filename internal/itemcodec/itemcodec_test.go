package itemcodec

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/configd/configd"
)

var t0 = time.Date(2024, 3, 4, 5, 6, 7, 890_000_000, time.UTC)

func fullItem() *configd.ConfigurationItem {
	return &configd.ConfigurationItem{
		Version:              configd.CIVersion,
		AccountID:            "123456789012",
		CaptureTime:          t0,
		Status:               configd.CIStatusOK,
		StateID:              "1709528767890",
		MD5Hash:              "abc",
		ARN:                  "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
		ResourceType:         "AWS::EC2::Instance",
		ResourceID:           "i-1",
		ResourceName:         "web",
		Region:               "us-east-1",
		AvailabilityZone:     "us-east-1a",
		ResourceCreationTime: time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), // negative millis
		Tags:                 map[string]string{"b": "2", "a": "1", "": "empty key"},
		RelatedEvents:        []string{"e1", ""},
		Relationships: []configd.Relationship{
			{ResourceType: "AWS::EC2::Volume", ResourceID: "vol-1", RelationshipName: "Is attached to Volume"},
			{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-1", ResourceName: "main", RelationshipName: "Is contained in Vpc"},
		},
		Configuration: "{\"instanceId\":\"i-1\",\n \"note\":\"quote \\\" and \\u00e9 and \u00e9\"}",
		SupplementaryConfiguration: map[string]string{
			"BucketPolicy": `{"policyText":"{\"Version\":\"2012-10-17\"}"}`,
			"Tags":         `[]`,
		},
		RecordingFrequency: configd.FrequencyContinuous,
		DeliveryTime:       t0.Add(time.Second),
		SchemaVersionID:    "1",
	}
}

func TestRoundTrip(t *testing.T) {
	for _, c := range []struct {
		name string
		ci   *configd.ConfigurationItem
	}{
		{"OK", fullItem()},
		{"OKZero", &configd.ConfigurationItem{}},
		{"OKEmptyNotNil", &configd.ConfigurationItem{
			ResourceType: "T", ResourceID: "id",
			Tags: map[string]string{}, RelatedEvents: []string{}, Relationships: []configd.Relationship{},
			SupplementaryConfiguration: map[string]string{},
		}},
		{"OKBinaryBytes", &configd.ConfigurationItem{ResourceType: "T", ResourceID: "\x00\xff", Configuration: "\xc3("}},
		{"OKManyTags", func() *configd.ConfigurationItem {
			ci := &configd.ConfigurationItem{ResourceType: "T", ResourceID: "id", Tags: map[string]string{}}
			for i := range 100 {
				ci.Tags[string(rune('a'+i%26))+string(rune('0'+i/26))] = "v"
			}
			return ci
		}()},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := Append(nil, c.ci)
			if len(b) > Size(c.ci) {
				t.Errorf("encoding is %d bytes, Size said at most %d", len(b), Size(c.ci))
			}
			got, err := DecodeBytes(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&got, c.ci) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, *c.ci)
			}
		})
	}
}

// TestDeterministic checks that equal items have equal encodings whatever
// the iteration order of their maps.
func TestDeterministic(t *testing.T) {
	want := string(Append(nil, fullItem()))
	for range 20 {
		if got := string(Append(nil, fullItem())); got != want {
			t.Fatalf("two encodings of one item differ:\n%q\n%q", got, want)
		}
	}
}

func TestAppendKeepsPrefix(t *testing.T) {
	b := Append([]byte("prefix"), fullItem())
	if string(b[:6]) != "prefix" {
		t.Fatalf("Append overwrote dst: %q", b[:6])
	}
	if _, err := Decode(string(b[6:])); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeErr(t *testing.T) {
	full := string(Append(nil, fullItem()))
	for _, c := range []struct {
		name string
		in   string
	}{
		{"ErrEmpty", ""},
		{"ErrOneByte", "\x01"},
		{"ErrFormat", "\x02" + full[1:]},
		{"ErrTruncated", full[:len(full)-1]},
		{"ErrTrailing", full + "x"},
		{"ErrHugeString", "\x01\x00\xff\xff\xff\xff\x0f"},
		{"ErrHugeCount", "\x01\x08" + "\x00\x00" + "\x00\x00\x00\x00\x00\x00\x00\x00\x00" + "\xff\xff\xff\xff\x0f"},
		{"ErrVarintOverflow", "\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.in)
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Decode(%q): %v, want ErrCorrupt", c.in, err)
			}
		})
	}
}

// FuzzDecode checks that Decode never panics on any input, and that an item
// it accepts survives another round trip unchanged.
func FuzzDecode(f *testing.F) {
	f.Add(string(Append(nil, fullItem())))
	f.Add(string(Append(nil, &configd.ConfigurationItem{})))
	f.Add("\x01\x7f")
	f.Fuzz(func(t *testing.T, s string) {
		ci, err := Decode(s)
		if err != nil {
			return
		}
		again, err := DecodeBytes(Append(nil, &ci))
		if err != nil {
			t.Fatalf("decoding the encoding of an accepted item: %v", err)
		}
		if !reflect.DeepEqual(again, ci) {
			t.Errorf("round trip of an accepted item:\n got %#v\nwant %#v", again, ci)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	ci := fullItem()
	ci.Configuration = string(make([]byte, 1700))
	s := string(Append(nil, ci))
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if _, err := Decode(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	ci := fullItem()
	ci.Configuration = string(make([]byte, 1700))
	buf := make([]byte, 0, 4096)
	for b.Loop() {
		buf = Append(buf[:0], ci)
	}
}
