package sigv4

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/configd/configd"
)

// knownCodes are the only error codes Verify and ParseAuthorization return.
var knownCodes = map[string]bool{
	configd.ErrMissingAuthenticationToken: true,
	configd.ErrIncompleteSignature:        true,
	configd.ErrInvalidSignature:           true,
	configd.ErrUnrecognizedClient:         true,
}

func checkFuzzErr(t *testing.T, err error) {
	t.Helper()
	var e *configd.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *configd.Error", err, err)
	}
	if !knownCodes[e.Code] || e.Message == "" {
		t.Fatalf("unexpected error %q: %q", e.Code, e.Message)
	}
}

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"",
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/config/aws4_request, SignedHeaders=host;x-amz-date, Signature=00ff",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/e/,SignedHeaders=,Signature=x",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d, Signature",
		"AWS4-X ,,, =, ==, Credential==",
		"Bearer token",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		a, err := ParseAuthorization(header)
		if err != nil {
			checkFuzzErr(t, err)
			if a != nil {
				t.Fatalf("Authorization %+v returned with error", a)
			}
			return
		}
		if a.Algorithm != Algorithm || a.Signature == "" {
			t.Fatalf("accepted %q as %+v", header, a)
		}
		for _, part := range []string{a.Credential.AccessKeyID, a.Credential.Date, a.Credential.Region, a.Credential.Service, a.Terminator} {
			if strings.Contains(part, "/") {
				t.Fatalf("credential element %q contains '/'", part)
			}
		}
		// Re-serializing the parsed header must parse to the same value.
		again, err := ParseAuthorization(Algorithm + " Credential=" + a.Credential.AccessKeyID + "/" + a.Credential.Date + "/" +
			a.Credential.Region + "/" + a.Credential.Service + "/" + a.Terminator +
			", SignedHeaders=" + strings.Join(a.SignedHeaders, ";") + ", Signature=" + a.Signature)
		if err != nil {
			t.Fatalf("re-parse of %+v: %v", a, err)
		}
		if again.Signature != a.Signature || again.Credential != a.Credential || again.Terminator != a.Terminator {
			t.Fatalf("re-parse changed %+v into %+v", a, again)
		}
	})
}

// FuzzVerify starts from a valid signed request and replaces its
// Authorization, X-Amz-Date, Host, X-Amz-Content-Sha256, request target
// and body with fuzzed values. Verify must never panic, must return only
// *configd.Error with one of the four auth codes, and must never repeat the
// secret; and a request whose signed parts are all unchanged must verify.
func FuzzVerify(f *testing.F) {
	base, body := signedRequest(f, defaultSignOpts())
	auth := base.Header.Get("Authorization")
	date := base.Header.Get("X-Amz-Date")
	f.Add(auth, date, base.Host, "", "/", string(body))
	f.Add(auth, date, base.Host, sha256Hex(body), "/", string(body))
	f.Add(auth, "20240101T000000", base.Host, "UNSIGNED-PAYLOAD", "/a/../b?x=%zz&y", "")
	f.Add("AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=;;, Signature=", "", "", "", "//", "{}")
	f.Add(auth[:len(auth)/2], date, "", "", "?", "\x00")

	v := testVerifier()
	f.Fuzz(func(t *testing.T, authz, amzDate, host, contentSHA, target, payload string) {
		path, query, _ := strings.Cut(target, "?")
		r := &http.Request{
			Method:     http.MethodPost,
			RequestURI: target,
			URL:        &url.URL{Path: path, RawQuery: query},
			Host:       host,
			Header:     base.Header.Clone(),
		}
		r.ContentLength = int64(len(payload))
		r.Header.Set("Authorization", authz)
		r.Header.Set("X-Amz-Date", amzDate)
		if contentSHA != "" {
			r.Header.Set("X-Amz-Content-Sha256", contentSHA)
		}
		cred, err := v.Verify(r, []byte(payload))
		unchanged := authz == auth && amzDate == date && host == base.Host && target == "/" &&
			payload == string(body) && (contentSHA == "" || contentSHA == sha256Hex(body))
		if err != nil {
			checkFuzzErr(t, err)
			if strings.Contains(err.Error(), testSecret) {
				t.Fatalf("error leaks the secret: %v", err)
			}
			if unchanged {
				t.Fatalf("unchanged request rejected: %v", err)
			}
			return
		}
		if cred == nil || cred.AccessKeyID != testKeyID {
			t.Fatalf("accepted with credential %+v", cred)
		}
		// Anything accepted must carry the genuine signature over the same
		// host, date and body.
		parsed, err := ParseAuthorization(authz)
		if err != nil {
			t.Fatalf("Verify accepted an Authorization ParseAuthorization rejects: %v", err)
		}
		if parsed.Signature != signatureOf(base) || amzDate != date || host != base.Host || payload != string(body) {
			t.Fatalf("accepted a forged request: auth=%q date=%q host=%q body=%q", authz, amzDate, host, payload)
		}
	})
}
