package awsjson

import (
	"bytes"
	"slices"
	"strconv"
	"testing"

	"github.com/configd/configd"
	"github.com/configd/configd/pagetoken"
)

// TestOffsetMap walks every page of the offset-paged operations' helper:
// pages in order and converted, the last without a token, an empty list as
// [] (not nil), and tokens bound to their query.
func TestOffsetMap(t *testing.T) {
	tokens, _ := pagetoken.New(bytes.Repeat([]byte{3}, 32))
	s := &Server{Tokens: tokens}
	req := &Request{Operation: "DescribeConformancePacks", Scope: configd.Scope{AccountID: "123456789012", Region: "us-east-1"}}
	items := []int{10, 11, 12, 13, 14}
	conv := func(i int) string { return strconv.Itoa(items[i]) }
	limit := int32(2)

	var got []string
	var pages [][]string
	token := ""
	for {
		page, next, err := offsetMap(s, req, "q", token, &limit, len(items), conv)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page)
		got = append(got, page...)
		if next == "" {
			break
		}
		token = next
	}
	if want := []string{"10", "11", "12", "13", "14"}; !slices.Equal(got, want) || len(pages) != 3 {
		t.Errorf("pages %v, want %v in 3 pages", pages, want)
	}

	page, next, err := offsetMap(s, req, "q", "", &limit, 0, conv)
	if err != nil || page == nil || len(page) != 0 || next != "" {
		t.Errorf("no items: page %#v next %q err %v; want an empty, non-nil page", page, next, err)
	}

	first, _, _ := offsetMap(s, req, "q", "", &limit, len(items), conv)
	_, next, _ = offsetMap(s, req, "q", "", &limit, len(items), conv)
	if _, _, err := offsetMap(s, req, "other query", next, &limit, len(items), conv); configd.ErrorCode(err) != configd.ErrInvalidNextToken {
		t.Errorf("token of another query: %v, want InvalidNextTokenException", err)
	}
	if _, _, err := offsetMap(s, req, "q", "garbage", &limit, len(items), conv); configd.ErrorCode(err) != configd.ErrInvalidNextToken {
		t.Errorf("forged token: %v, want InvalidNextTokenException", err)
	}
	if !slices.Equal(first, []string{"10", "11"}) {
		t.Errorf("first page %v", first)
	}
}
