package api

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// encodingJSON is what AppendJSON must reproduce: encoding/json with HTML
// escaping off, without the Encoder's trailing newline.
func encodingJSON(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// stringPieces are what random strings are made of: plain ASCII runs of
// several lengths (the eight-byte scan), every character that is escaped,
// multi-byte UTF-8, the two line separators, and invalid UTF-8.
var stringPieces = []string{
	"a", "Bucket", "arn:aws:s3:::example-bucket-0001", "0123456789abcdefghij", "{}",
	`"`, `\`, "/", "<", ">", "&", "\x7f", "\x00", "\x01", "\x1f", "\b", "\f", "\n", "\r", "\t",
	"é", "日本語", "😀", "\u2028", "\u2029", "\u2027", "\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	`{"key":"value","n":1,"nested":{"list":[true,false,null]}}`,
}

func randomString(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(12); n > 0; n-- {
		b.WriteString(stringPieces[r.IntN(len(stringPieces))])
	}
	return b.String()
}

var timestampType = reflect.TypeFor[Timestamp]()

func randomTime(r *rand.Rand) time.Time {
	switch r.IntN(6) {
	case 0:
		return time.Time{}
	case 1:
		return time.UnixMilli(r.Int64N(4_000_000_000_000)).UTC()
	case 2: // before 1970, with milliseconds
		return time.UnixMilli(-r.Int64N(60_000_000_000_000)).UTC()
	case 3: // nanoseconds that are dropped
		return time.Unix(r.Int64N(4_000_000_000), r.Int64N(1_000_000_000)).UTC()
	case 4: // whole seconds, and tens and hundreds of milliseconds
		return time.UnixMilli(r.Int64N(4_000_000_000) * []int64{1000, 100, 10}[r.IntN(3)]).UTC()
	}
	return time.Date(9999, 12, 31, 23, 59, 59, 999_000_000, time.UTC)
}

// fill sets v (settable) to a random value of its type; depth bounds
// recursive shapes.
func fill(r *rand.Rand, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		if r.IntN(4) > 0 {
			v.SetString(randomString(r))
		}
	case reflect.Int32, reflect.Int64:
		v.SetInt([]int64{0, 1, -1, 100, -2147483648, 2147483647, r.Int64N(1 << 40)}[r.IntN(7)])
		if v.Kind() == reflect.Int32 {
			v.SetInt(int64(int32(v.Int())))
		}
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Pointer:
		if depth > 4 || r.IntN(4) == 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(r, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Struct:
		if v.Type() == timestampType {
			v.Set(reflect.ValueOf(Timestamp{Time: randomTime(r)}))
			return
		}
		for i := range v.NumField() {
			fill(r, v.Field(i), depth+1)
		}
	case reflect.Slice:
		if depth > 4 || r.IntN(4) == 0 {
			return // nil: left out
		}
		n := r.IntN(4) // 0: an empty, non-nil list, which is written
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fill(r, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		if depth > 4 || r.IntN(4) == 0 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for n := r.IntN(5); n > 0; n-- {
			e := reflect.New(v.Type().Elem()).Elem()
			fill(r, e, depth+1)
			m.SetMapIndex(reflect.ValueOf(randomString(r)), e)
		}
		v.Set(m)
	default:
		panic("fill: unexpected kind " + v.Kind().String())
	}
}

// TestAppendJSONMatchesEncodingJSON fills every generated shape with random
// values many times and compares AppendJSON with encoding/json.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	names := make([]string, 0, len(generatedShapes))
	for name := range generatedShapes {
		names = append(names, name)
	}
	sort.Strings(names)
	r := rand.New(rand.NewPCG(1, 2))
	for _, name := range names {
		for i := range 60 {
			v := generatedShapes[name]()
			if i > 0 { // the first time, the zero value
				fill(r, reflect.ValueOf(v).Elem(), 0)
			}
			a, ok := v.(Appender)
			if !ok {
				t.Fatalf("%s does not implement Appender", name)
			}
			prefix := []byte("xx")
			got := a.AppendJSON(prefix)
			want := encodingJSON(t, v)
			if !bytes.HasPrefix(got, prefix) || !bytes.Equal(got[len(prefix):], want) {
				t.Fatalf("%s: AppendJSON wrote\n%s\nencoding/json writes\n%s", name, got[len(prefix):], want)
			}
		}
	}
	// A nil pointer of every shape is null, as encoding/json writes it.
	for _, name := range names {
		nilPtr := reflect.Zero(reflect.TypeOf(generatedShapes[name]())).Interface()
		if got, want := nilPtr.(Appender).AppendJSON(nil), encodingJSON(t, nilPtr); !bytes.Equal(got, want) {
			t.Fatalf("nil *%s: AppendJSON wrote %s, encoding/json %s", name, got, want)
		}
	}
	for op, o := range Operations {
		if _, ok := o.NewInput().(Appender); !ok {
			t.Errorf("the input of %s does not implement Appender", op)
		}
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range append(stringPieces, "", strings.Repeat("x", 17), strings.Repeat("abcdefg\"", 5), "1234567\u2028", "12345678\xff") {
		if got, want := AppendString(nil, s), encodingJSON(t, s); !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, encoding/json: %s", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range stringPieces {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := AppendString(nil, s), encodingJSON(t, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, encoding/json: %s", s, got, want)
		}
	})
}

// benchmarkEncoders compares appendJSON with encoding/json on v, in MB/s of
// JSON written.
func benchmarkEncoders(b *testing.B, v any, appendJSON func([]byte) []byte) {
	n := int64(len(encodingJSON(b, v)))
	b.Run("AppendJSON", func(b *testing.B) {
		b.SetBytes(n)
		buf := make([]byte, 0, 2*n)
		for b.Loop() {
			buf = appendJSON(buf[:0])
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.SetBytes(n)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for b.Loop() {
			buf.Reset()
			enc.Encode(v)
		}
	})
}

// benchConfiguration is a configuration of about 1.7 KB, as dense in quotes
// as the benchmark corpus's.
var benchConfiguration = strings.Repeat(`{"instanceId":"srv-00000007","revision":2,"state":{"code":16,"name":"running"},"tenancy":"default"},`, 17)

func BenchmarkAppendString(b *testing.B) {
	benchmarkEncoders(b, benchConfiguration, func(buf []byte) []byte { return AppendString(buf, benchConfiguration) })
}

func BenchmarkAppendJSON(b *testing.B) {
	out := &BatchGetResourceConfigResponse{UnprocessedResourceKeys: []ResourceKey{}}
	for i := range 10 {
		id := "srv-0000000" + string(rune('0'+i))
		out.BaseConfigurationItems = append(out.BaseConfigurationItems, BaseConfigurationItem{
			Version: "1.3", AccountId: "123456789012", ConfigurationItemCaptureTime: NewTimestamp(time.UnixMilli(1732000000123 + int64(i))),
			ConfigurationItemStatus: "OK", ConfigurationStateId: "1732000000123", Arn: "arn:aws:configd:us-east-1:123456789012:" + id,
			ResourceType: "ConfigdBench::Fleet::Server", ResourceId: id, ResourceName: "server-" + id,
			AwsRegion: "us-east-1", Configuration: benchConfiguration, SupplementaryConfiguration: map[string]string{}, RecordingFrequency: "CONTINUOUS",
		})
	}
	benchmarkEncoders(b, out, out.AppendJSON)
}
