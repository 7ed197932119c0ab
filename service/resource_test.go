package service

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// compactEqual is the reference jsonEqual: equal texts, or valid JSON
// texts whose json.Compact forms are equal.
func compactEqual(a, b string) bool {
	if a == b {
		return true
	}
	var ca, cb bytes.Buffer
	if json.Compact(&ca, []byte(a)) != nil || json.Compact(&cb, []byte(b)) != nil {
		return false
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

var jsonEqualCases = []struct {
	name string
	a, b string
	want bool
}{
	{"OKSame", `{"a":1}`, `{"a":1}`, true},
	{"OKWhitespace", "{\"a\": [1, 2],\n\t\"b\":\"x\"}", `{"a":[1,2],"b":"x"}`, true},
	{"OKWhitespaceAfterEscapedQuote", `{"a":"q\" " , "b":1}`, `{"a":"q\" ","b":1}`, true},
	{"OKEscapedBackslash", `{"a":"\\" ,"b":1}`, `{"a":"\\","b":1}`, true},
	{"OKInvalidIdentical", `{not json`, `{not json`, true},
	{"ErrValue", `{"a":1}`, `{"a":2}`, false},
	{"ErrWhitespaceInString", `{"a":"x y"}`, `{"a":"xy"}`, false},
	{"ErrLonger", `{"a":1}`, `{"a":1} 2`, false},
	{"ErrInvalid", `{"a":1 2}`, `{"a":12}`, false},
	{"ErrInvalidBoth", `[1 2]`, `[12 ]`, false},
	{"ErrEmpty", ``, ` `, false},
	{"ErrKeyOrder", `{"a":1,"b":2}`, `{"b":2,"a":1}`, false},
}

func TestJSONEqual(t *testing.T) {
	for _, c := range jsonEqualCases {
		t.Run(c.name, func(t *testing.T) {
			if got := jsonEqual(c.a, c.b); got != c.want {
				t.Errorf("jsonEqual(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
			}
			if got := compactEqual(c.a, c.b); got != c.want {
				t.Errorf("reference compactEqual(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
			}
		})
	}
}

// FuzzJSONEqual checks that jsonEqual answers as comparing json.Compact
// forms does.
func FuzzJSONEqual(f *testing.F) {
	for _, c := range jsonEqualCases {
		f.Add(c.a, c.b)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := jsonEqual(a, b), compactEqual(a, b); got != want {
			t.Errorf("jsonEqual(%q, %q) = %v, compactEqual = %v", a, b, got, want)
		}
	})
}

func BenchmarkJSONEqual(b *testing.B) {
	cfg := func(rev string) string {
		return `{"instanceId":"srv-00000001","revision":` + rev + `,"instanceType":"m6i.large","padding":"` +
			string(bytes.Repeat([]byte("x"), 1600)) + `"}`
	}
	for _, c := range []struct{ name, a, b string }{
		{"changed", cfg("1"), cfg("2")},
		{"whitespace", cfg("1"), " " + cfg("1")},
	} {
		b.Run(c.name+"/walk", func(b *testing.B) {
			for b.Loop() {
				jsonEqual(c.a, c.b)
			}
		})
		b.Run(c.name+"/compact", func(b *testing.B) {
			for b.Loop() {
				compactEqual(c.a, c.b)
			}
		})
	}
}

var validJSONCases = []string{
	``, ` `, `{}`, `[]`, ` { } `, `{"a":1}`, `{"a":1,}`, `{,}`, `[1,]`, `[,1]`, `[1 2]`, `{"a" 1}`, `{"a":}`, `{1:2}`,
	`"x"`, `"x`, `"\u00e9"`, `"\u00g9"`, `"\u00e"`, `"\x"`, `"\/"`, "\"\x01\"", "\"\xff\xfe\"", `"\`,
	`0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e`, `1e+`, `-1.5e-3`, `1x`, `+1`,
	`true`, `tru`, `false`, `null`, `nul`, `nullx`, `[true,false,null]`, `{"a":[{"b":{}}],"c":"d"}`,
	`{}}`, `[]]`, `[}`, `{]`, `[[[]]`, `{"a":1}{"b":2}`, `1 2`,
}

func TestValidJSON(t *testing.T) {
	cases := append(slices.Clone(validJSONCases), strings.Repeat("[", 10000)+strings.Repeat("]", 10000),
		strings.Repeat("[", 10001)+strings.Repeat("]", 10001), strings.Repeat(`{"a":`, 10001)+"1"+strings.Repeat("}", 10001))
	for _, c := range cases {
		if got, want := validJSON(c), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%.40q) = %v, json.Valid says %v", c, got, want)
		}
	}
}

// FuzzValidJSON checks that validJSON answers as json.Valid does.
func FuzzValidJSON(f *testing.F) {
	for _, c := range validJSONCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validJSON(s), json.Valid([]byte(s)); got != want {
			t.Errorf("validJSON(%q) = %v, json.Valid says %v", s, got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	cfg := `{"instanceId":"srv-00000001","revision":1,"state":{"code":16,"name":"running"},"nics":[` +
		strings.Repeat(`{"id":"eni-0a1b2c3d","privateIp":"10.0.1.23","groups":["sg-1","sg-2"],"attached":true,"index":0},`, 14) +
		`{"id":"last"}],"note":"escaped \"quote\" and \u00e9"}`
	b.SetBytes(int64(len(cfg)))
	b.Run("validJSON", func(b *testing.B) {
		for b.Loop() {
			validJSON(cfg)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		for b.Loop() {
			json.Valid([]byte(cfg))
		}
	})
}
