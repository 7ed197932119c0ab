// Package sigv4 verifies AWS Signature Version 4 requests (header form) the
// way AWS's JSON-protocol services do, with AWS's error codes and messages.
// It is pure: no globals, no I/O; the caller supplies the credential lookup
// and the clock.
//
// Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/configd/configd"
)

// DefaultMaxSkew is how far a request's time may be from the server's
// before AWS rejects it ("Signature expired ... - 15 min.").
const DefaultMaxSkew = 15 * time.Minute

// DefaultService is the signing name of AWS Config.
const DefaultService = "config"

const (
	amzDateLayout   = "20060102T150405Z"
	scopeDateLayout = "20060102"
)

// Credential is the access key ID and credential scope of a request, as
// written in its Authorization header.
type Credential struct {
	AccessKeyID string
	// Date is the scope date, YYYYMMDD.
	Date    string
	Region  string
	Service string
}

// Scope returns the credential scope "date/region/service/aws4_request".
func (c Credential) Scope() string {
	return c.Date + "/" + c.Region + "/" + c.Service + "/" + scopeTerminator
}

// Verifier checks SigV4 signatures. The zero value rejects every request
// with UnrecognizedClientException (no Lookup); a Verifier is safe for
// concurrent use as long as Lookup and Now are.
type Verifier struct {
	// Lookup returns the secret access key of an access key ID, and false
	// if the key is unknown.
	Lookup func(accessKeyID string) (secret string, ok bool)
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Service is the signing name the scope must name; "" means "config".
	Service string
	// Region, if set, is the only region a scope may name; "" accepts any
	// non-empty region.
	Region string

	keys   sync.Map // signing keys by secret and scope
	cached atomic.Int64
	// MaxSkew is the largest accepted difference between the request time
	// and Now, both ways; 0 means DefaultMaxSkew.
	MaxSkew time.Duration
}

// Verify checks the SigV4 Authorization header of r against body, the
// complete request body (already read by the caller), and returns the
// credential scope of a valid request.
//
// The checks and their errors (all *configd.Error) follow the order of AWS
// JSON services:
//   - no SigV4 Authorization header: MissingAuthenticationTokenException;
//   - malformed header, missing Credential/Signature/SignedHeaders, no
//     X-Amz-Date or Date header, a date not in ISO 8601 basic format, an
//     algorithm other than AWS4-HMAC-SHA256, a credential without five
//     elements: IncompleteSignatureException;
//   - a request time more than MaxSkew from Now, "host" not signed, a scope
//     naming another region, service, terminator or date than the
//     request's: InvalidSignatureException;
//   - an unknown access key ID: UnrecognizedClientException;
//   - a body that does not match X-Amz-Content-Sha256 or a signature that
//     does not match: InvalidSignatureException, whose Cause (for the server
//     log) holds the canonical request and string to sign with the values
//     of sensitive headers redacted.
//
// The payload hash in the canonical request is always the SHA-256 of body:
// AWS Config has no operation that allows an unsigned payload, so an
// X-Amz-Content-Sha256 header, if present, must equal that hash
// (UNSIGNED-PAYLOAD is refused). X-Amz-Security-Token is verified only as a
// signed header; configd has no session tokens to check it against.
func (v *Verifier) Verify(r *http.Request, body []byte) (*Credential, error) {
	header := r.Header.Get("Authorization")
	if !isSigV4(header) {
		return nil, errMissingToken()
	}
	raw, err := parseRaw(header)
	if err != nil {
		return nil, err
	}

	dateValue, isAmzDate := r.Header.Get("X-Amz-Date"), true
	if dateValue == "" {
		dateValue, isAmzDate = r.Header.Get("Date"), false
	}
	if len(raw.missing) > 0 || dateValue == "" {
		return nil, errMissingParams(raw.missing, dateValue == "")
	}
	reqTime, ok := parseRequestTime(dateValue, isAmzDate)
	if !ok {
		return nil, errBadDate(dateValue)
	}
	if err := v.checkSkew(reqTime); err != nil {
		return nil, err
	}

	signed := raw.signedHeaderNames()
	if !contains(signed, "host") {
		return nil, errInvalid(msgHostNotSigned, nil)
	}
	auth, err := raw.finish()
	if err != nil {
		return nil, err
	}
	cred := auth.Credential
	if err := v.checkScope(auth, reqTime); err != nil {
		return nil, err
	}

	var secret string
	if v.Lookup != nil {
		secret, ok = v.Lookup(cred.AccessKeyID)
	}
	if v.Lookup == nil || !ok {
		return nil, &configd.Error{
			Code:    configd.ErrUnrecognizedClient,
			Message: msgUnknownKey,
			Cause:   fmt.Errorf("unknown access key ID %q", echo(cred.AccessKeyID)),
		}
	}

	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	if declared := r.Header.Get("X-Amz-Content-Sha256"); declared != "" && declared != payloadHash {
		return nil, errInvalid(msgSignatureMismatch,
			fmt.Errorf("x-amz-content-sha256 %q is not the SHA-256 of the body (%s)", echo(declared), payloadHash))
	}

	amzDate := reqTime.Format(amzDateLayout)
	canonical := canonicalRequest(r, signed, payloadHash, false)
	sts := stringToSign(amzDate, cred.Scope(), canonical)
	want := hex.EncodeToString(hmacSHA256(v.key(secret, cred), sts))
	if !hmac.Equal([]byte(want), []byte(auth.Signature)) {
		return nil, errInvalid(msgSignatureMismatch, fmt.Errorf(
			"signature mismatch for access key %q: canonical request %q, string to sign %q",
			cred.AccessKeyID, canonicalRequest(r, signed, payloadHash, true), sts))
	}
	return &cred, nil
}

// checkSkew rejects a request time more than MaxSkew away from Now.
func (v *Verifier) checkSkew(reqTime time.Time) error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	n := now().UTC().Truncate(time.Second)
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	switch {
	case n.Sub(reqTime) > skew:
		return errExpired(reqTime, n, skew)
	case reqTime.Sub(n) > skew:
		return errNotYetCurrent(reqTime, n, skew)
	}
	return nil
}

// checkScope compares the credential scope with the verifier's service
// and region and with the request date, reporting every problem at once as
// AWS does.
func (v *Verifier) checkScope(auth *Authorization, reqTime time.Time) error {
	service := v.Service
	if service == "" {
		service = DefaultService
	}
	c := auth.Credential
	var p scopeProblems
	if c.Region == "" || (v.Region != "" && c.Region != v.Region) {
		p.region(c.Region)
	}
	if c.Service != service {
		p.service(service)
	}
	if auth.Terminator != scopeTerminator {
		p.terminator(auth.Terminator)
	}
	if c.Date != reqTime.Format(scopeDateLayout) {
		p.date(c.Date, reqTime)
	}
	return p.err()
}

// parseRequestTime parses X-Amz-Date (ISO 8601 basic format, UTC) or, when
// it is absent, the HTTP Date header.
func parseRequestTime(value string, isAmzDate bool) (time.Time, bool) {
	if isAmzDate {
		if len(value) != len(amzDateLayout) {
			return time.Time{}, false
		}
		t, err := time.Parse(amzDateLayout, value)
		return t, err == nil
	}
	t, err := http.ParseTime(value)
	return t.UTC(), err == nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// maxCachedKeys bounds the signing-key cache; past it the cache starts over.
const maxCachedKeys = 1024

// key returns the signing key of a credential scope, derived once per
// (secret, date, region, service) and cached: the derivation is four HMACs,
// a noticeable share of a small request's cost.
func (v *Verifier) key(secret string, cred Credential) []byte {
	ck := secret + "\x00" + cred.Date + "\x00" + cred.Region + "\x00" + cred.Service
	if k, ok := v.keys.Load(ck); ok {
		return k.([]byte)
	}
	k := signingKey(secret, cred.Date, cred.Region, cred.Service)
	if v.cached.Add(1) > maxCachedKeys {
		v.keys.Clear()
		v.cached.Store(0)
	}
	v.keys.Store(ck, k)
	return k
}
