package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// This file rebuilds the canonical request and the string to sign as
// described in
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
// and as checked by the AWS signing test suite
// (github.com/awslabs/aws-c-auth, tests/aws-signing-test-suite/v4, the
// "normalized" cases, which are what services other than S3 verify).

// redacted replaces the value of sensitive headers in the canonical request
// that is attached to a mismatch error for the server log.
const redacted = "<redacted>"

// sensitive reports whether a header's value must never be copied into
// logs.
func sensitive(name string) bool {
	return name == "authorization" || name == "x-amz-security-token"
}

// canonicalRequest returns the canonical request of r for the given signed
// header names and payload hash. With redact set, the values of sensitive
// headers are replaced (the result is then only good for logging).
func canonicalRequest(r *http.Request, signed []string, payloadHash string, redact bool) string {
	var b strings.Builder
	b.Grow(512)
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r))
	b.WriteByte('\n')
	if r.URL != nil {
		b.WriteString(canonicalQuery(r.URL.RawQuery))
	}
	b.WriteByte('\n')
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		if redact && sensitive(name) {
			b.WriteString(redacted)
		} else {
			b.WriteString(headerValue(r, name))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// stringToSign returns the SigV4 string to sign.
func stringToSign(amzDate, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// signingKey derives the SigV4 signing key:
// HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, scopeTerminator)
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalURI returns the normalized, URI-encoded path of r. The path is
// taken as the client sent it (still percent-encoded), its dot segments
// and empty segments are removed, and it is URI-encoded once more, which is
// the "encoded twice" rule for services other than S3.
func canonicalURI(r *http.Request) string {
	return uriEncode(normalizePath(wirePath(r)), false)
}

// wirePath returns the path as it appeared on the request line, falling
// back to the URL for requests built in-process.
func wirePath(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		p, _, _ := strings.Cut(r.RequestURI, "?")
		return p
	}
	if r.URL == nil {
		return "/"
	}
	if o := r.URL.Opaque; o != "" {
		// Opaque is "//host/path?query" or "/path" (see net/url), as the
		// SDK's signer reads it.
		o, _, _ = strings.Cut(o, "?")
		o = strings.TrimPrefix(o, "//")
		if i := strings.IndexByte(o, '/'); i >= 0 {
			return o[i:]
		}
		return "/"
	}
	return r.URL.EscapedPath()
}

// normalizePath removes "." and ".." segments (RFC 3986 section 5.2.4) and
// empty segments, keeping a trailing slash; "" becomes "/". Matches the
// test suite cases get-slashes ("//example//" -> "/example/"),
// get-relative-relative ("/example1/example2/../.." -> "/") and
// get-slash-pointless-dot ("/./example" -> "/example").
func normalizePath(p string) string {
	if p == "" || p == "/" {
		return "/"
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	trailing := false
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case "", ".":
			trailing = last
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			trailing = last
		default:
			out = append(out, s)
			trailing = false
		}
	}
	if len(out) == 0 {
		return "/"
	}
	res := "/" + strings.Join(out, "/")
	if trailing {
		res += "/"
	}
	return res
}

// canonicalQuery decodes the raw query's parameters, URI-encodes each name
// and value, sorts by encoded name then encoded value ("the sorting occurs
// after encoding", create-signed-request.html), and joins them. A name
// without '=' gets an empty value. A component that is not valid
// percent-encoding is taken literally, so it is canonicalized
// deterministically and simply fails to match a signature.
func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type param struct{ k, v string }
	var params []param
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		params = append(params, param{uriEncode(queryUnescape(k), true), uriEncode(queryUnescape(v), true)})
	}
	sort.Slice(params, func(i, j int) bool {
		if params[i].k != params[j].k {
			return params[i].k < params[j].k
		}
		return params[i].v < params[j].v
	})
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// queryUnescape decodes a query component form-style ('+' is a space, as
// the AWS SDKs decode it before signing); invalid escapes leave s as is.
func queryUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			buf = append(buf, ' ')
		case '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return s
			}
			buf = append(buf, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			buf = append(buf, c)
		}
	}
	return string(buf)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// uriEncode percent-encodes every byte outside the RFC 3986 unreserved set
// (A-Z a-z 0-9 - . _ ~) with uppercase hex; '/' is kept unless encodeSlash.
func uriEncode(s string, encodeSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && (encodeSlash || s[i] != '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hexDigits = "0123456789ABCDEF"
	buf := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (!encodeSlash && c == '/') {
			buf = append(buf, c)
			continue
		}
		buf = append(buf, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return string(buf)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// headerValue returns the canonical value of the signed header name:
// values trimmed, runs of spaces folded to one, several values joined with
// ",". net/http moves some headers out of Header; they are read back from
// the request fields.
func headerValue(r *http.Request, name string) string {
	if name == "host" {
		h := r.Host
		if h == "" && r.URL != nil {
			h = r.URL.Host
		}
		return trimAll(h)
	}
	vals := r.Header.Values(name)
	if len(vals) == 0 {
		switch name {
		case "content-length":
			if r.ContentLength > 0 {
				return strconv.FormatInt(r.ContentLength, 10)
			}
		case "transfer-encoding":
			return strings.Join(r.TransferEncoding, ",")
		}
		return ""
	}
	if len(vals) == 1 {
		return trimAll(vals[0])
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = trimAll(v)
	}
	return strings.Join(out, ",")
}

// trimAll trims surrounding white space and folds runs of spaces into one
// ("Trimall" in the SigV4 specification).
func trimAll(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "  ") {
		return s
	}
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' && i > 0 && s[i-1] == ' ' {
			continue
		}
		buf = append(buf, s[i])
	}
	return string(buf)
}
