package pagetoken

import (
	"bytes"
	"testing"

	"github.com/configd/configd"
)

var (
	scopeA = configd.Scope{AccountID: "111111111111", Region: "us-east-1"}
	scopeB = configd.Scope{AccountID: "222222222222", Region: "us-east-1"}
)

func newCodec(t testing.TB) *Codec {
	c, err := New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoundTrip(t *testing.T) {
	c := newCodec(t)
	for _, cursor := range []string{"", "AWS::S3::Bucket/b-1", "42", string([]byte{0, 1, 255})} {
		tok := c.Seal("ListDiscoveredResources", scopeA, "q", cursor)
		got, err := c.Open("ListDiscoveredResources", scopeA, "q", tok)
		if err != nil || got != cursor {
			t.Fatalf("Open(Seal(%q)) = %q, %v", cursor, got, err)
		}
	}
}

func TestRejects(t *testing.T) {
	c := newCodec(t)
	tok := c.Seal("ListDiscoveredResources", scopeA, "q", "cursor")
	other, _ := New(bytes.Repeat([]byte{8}, 32))
	tampered := []byte(tok)
	tampered[len(tampered)-1] ^= 1
	cases := []struct {
		name  string
		codec *Codec
		op    string
		scope configd.Scope
		query string
		token string
	}{
		{"ErrOtherOperation", c, "GetResourceConfigHistory", scopeA, "q", tok},
		{"ErrOtherScope", c, "ListDiscoveredResources", scopeB, "q", tok},
		{"ErrOtherQuery", c, "ListDiscoveredResources", scopeA, "r", tok},
		{"ErrOtherKey", other, "ListDiscoveredResources", scopeA, "q", tok},
		{"ErrTampered", c, "ListDiscoveredResources", scopeA, "q", string(tampered)},
		{"ErrGarbage", c, "ListDiscoveredResources", scopeA, "q", "not a token!"},
		{"ErrShort", c, "ListDiscoveredResources", scopeA, "q", "abcd"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.codec.Open(tc.op, tc.scope, tc.query, tc.token)
			if configd.ErrorCode(err) != configd.ErrInvalidNextToken {
				t.Fatalf("Open = %v, want InvalidNextTokenException", err)
			}
		})
	}
}

func TestNewShortKey(t *testing.T) {
	if _, err := New(make([]byte, 16)); err == nil {
		t.Fatal("New accepted a 16-byte key")
	}
}

func FuzzOpen(f *testing.F) {
	c := newCodec(f)
	f.Add(c.Seal("Op", scopeA, "", "cursor"))
	f.Add("")
	f.Add("====")
	f.Fuzz(func(t *testing.T, token string) {
		cursor, err := c.Open("Op", scopeA, "", token)
		if err == nil {
			// Only a token Seal could have produced opens.
			if c.Seal("Op", scopeA, "", cursor) != token {
				t.Fatalf("opened a token Seal does not produce: %q", token)
			}
		}
	})
}
