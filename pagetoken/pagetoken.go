// Package pagetoken makes the opaque NextToken values of paginated
// operations. A token carries a cursor, is bound to the operation, the scope
// (account and region) and a fingerprint of the request's filters, and is
// authenticated with HMAC-SHA256 under a key that every configd process
// sharing a database shares, so tokens can be neither forged nor replayed
// across operations, scopes or queries.
package pagetoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"

	"github.com/configd/configd"
)

// MaxLen bounds the length of a token accepted by Open, well above what Seal
// produces for any cursor configd uses.
const MaxLen = 4096

// Codec seals and opens tokens with one key.
type Codec struct {
	key []byte
}

// New returns a Codec using key, which must be at least 32 bytes.
func New(key []byte) (*Codec, error) {
	if len(key) < 32 {
		return nil, errors.New("pagetoken: key shorter than 32 bytes")
	}
	return &Codec{key: append([]byte(nil), key...)}, nil
}

// Seal returns a token for cursor, bound to op, scope and query (a
// fingerprint of the request's other parameters; "" when none matter).
func (c *Codec) Seal(op string, scope configd.Scope, query, cursor string) string {
	body := []byte(cursor)
	mac := c.mac(op, scope, query, body)
	out := make([]byte, 0, len(body)+len(mac))
	out = append(out, mac...)
	out = append(out, body...)
	return base64.RawURLEncoding.EncodeToString(out)
}

// Open returns the cursor of a token sealed by Seal with the same op, scope
// and query. Any other token yields an InvalidNextTokenException.
func (c *Codec) Open(op string, scope configd.Scope, query, token string) (string, error) {
	invalid := configd.Errorf(configd.ErrInvalidNextToken, "The nextToken provided is invalid")
	if len(token) > MaxLen {
		return "", invalid
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) < sha256.Size {
		return "", invalid
	}
	mac, body := raw[:sha256.Size], raw[sha256.Size:]
	if !hmac.Equal(mac, c.mac(op, scope, query, body)) {
		return "", invalid
	}
	return string(body), nil
}

func (c *Codec) mac(op string, scope configd.Scope, query string, body []byte) []byte {
	h := hmac.New(sha256.New, c.key)
	for _, s := range []string{op, scope.AccountID, scope.Region, query} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(body)
	return h.Sum(nil)
}
