package sigv4

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/configd/configd"
)

// The messages below are the ones AWS JSON-protocol ("coral") services such
// as DynamoDB and AWS Config return for SigV4 failures. The troubleshooting
// guide lists the main ones:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html
// The exact wording of the others was taken from responses of real services
// quoted in public bug reports (cited at each message). Where the wording is
// configd's own, the comment says so.

// msgMissingToken is what coral services answer when a request carries no
// SigV4 Authorization header, e.g.
// {"__type":"com.amazon.coral.service#MissingAuthenticationTokenException",
// "message":"Request is missing Authentication Token"} (DynamoDB, quoted in
// github.com/awslabs/aws-sdk-ios-samples/issues/111). API Gateway's variant,
// "Missing Authentication Token", is not used by JSON-protocol services.
const msgMissingToken = "Request is missing Authentication Token"

// msgSignatureMismatch is the InvalidSignatureException message, verbatim
// from the troubleshooting guide above.
const msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// msgUnknownKey is the UnrecognizedClientException message for an access key
// ID the service does not know (troubleshooting guide above; DynamoDB returns
// it with the final period).
const msgUnknownKey = "The security token included in the request is invalid."

// msgHostNotSigned is returned when "host" is not a signed header; current
// wording (with ':authority') as returned by AWS services, e.g.
// github.com/aws/aws-sdk-php/issues/2469.
const msgHostNotSigned = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."

// maxEcho bounds how much of a client-supplied value is copied into an error
// message, so a huge header cannot produce a huge error body.
const maxEcho = 128

func errMissingToken() error {
	return configd.Errorf(configd.ErrMissingAuthenticationToken, "%s", msgMissingToken)
}

// errIncomplete returns an IncompleteSignatureException.
func errIncomplete(format string, args ...any) error {
	return configd.Errorf(configd.ErrIncompleteSignature, format, args...)
}

// errInvalid returns an InvalidSignatureException with a cause for the
// server log (never sent to the client).
func errInvalid(msg string, cause error) error {
	return &configd.Error{Code: configd.ErrInvalidSignature, Message: msg, Cause: cause}
}

// errMissingEqualSign reports an Authorization component without '='. AWS
// no longer echoes the header (it may hold a signature) but its SHA-256 in
// base64: "Invalid key=value pair (missing equal-sign) in Authorization header
// (hashed with SHA-256 and encoded with Base64): '...'." (current responses
// of DynamoDB and API Gateway quoted in public reports, code
// IncompleteSignatureException).
func errMissingEqualSign(header string) error {
	return errIncomplete("Invalid key=value pair (missing equal-sign) in Authorization header "+
		"(hashed with SHA-256 and encoded with Base64): '%s'.", hashHeader(header))
}

// errMissingParams reports missing Authorization parameters and, when
// noDate is set, the missing date header, in AWS's order: "Authorization
// header requires 'Credential' parameter. Authorization header requires
// 'Signature' parameter. Authorization header requires 'SignedHeaders'
// parameter. Authorization header requires existence of either a
// 'X-Amz-Date' or a 'Date' header." followed, in current responses, by
// "(Hashed with SHA-256 and encoded with Base64)" where older ones echoed
// "Authorization=<header>" (github.com/nordcloud/cognitocurl/issues/15 for
// the old form). configd sends the current form without the header.
func errMissingParams(missing []string, noDate bool) error {
	var b strings.Builder
	for _, p := range missing {
		fmt.Fprintf(&b, "Authorization header requires '%s' parameter. ", p)
	}
	if noDate {
		b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	b.WriteString("(Hashed with SHA-256 and encoded with Base64)")
	return errIncomplete("%s", b.String())
}

// errBadDate reports an X-Amz-Date (or Date) that is not ISO 8601 basic
// format; wording from DynamoDB responses recorded by the dynalite emulator
// (github.com/architect/dynalite, formerly mhart/dynalite, notes in index.js): "Date must be in ISO-8601
// 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601".
func errBadDate(got string) error {
	return errIncomplete("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601",
		echo(got))
}

// errUnsupportedAlgorithm: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25'
// (only AWS4-HMAC-SHA256 for now)." (DynamoDB, same source as errBadDate).
func errUnsupportedAlgorithm(alg string) error {
	return errIncomplete("Unsupported AWS 'algorithm': '%s' (only AWS4-HMAC-SHA256 for now).", echo(alg))
}

// errCredentialParts: "Credential must have exactly 5 slash-delimited
// elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'" (DynamoDB,
// same source as errBadDate). The credential holds no secret.
func errCredentialParts(cred string) error {
	return errIncomplete("Credential must have exactly 5 slash-delimited elements, "+
		"e.g. keyid/date/region/service/term, got '%s'", echo(cred))
}

// errDuplicateParam is configd's own wording: AWS's answer to a repeated
// Authorization parameter is not documented, and accepting either copy
// would make the header ambiguous.
func errDuplicateParam(name string) error {
	return errIncomplete("Authorization header contains parameter '%s' more than once.", echo(name))
}

// errExpired and errNotYetCurrent: "Signature expired: 20130301T000000Z is now
// earlier than 20130609T094515Z (20130609T100015Z - 15 min.)" and "Signature
// not yet current: 20210502T183640Z is still later than 20210502T175140Z
// (20210502T173640Z + 15 min.)", both InvalidSignatureException (troubleshooting
// guide above; full form in e.g. github.com/aws/aws-sdk-js/issues/254).
func errExpired(req, now time.Time, skew time.Duration) error {
	return configd.Errorf(configd.ErrInvalidSignature, "Signature expired: %s is now earlier than %s (%s - %s)",
		req.Format(amzDateLayout), now.Add(-skew).Format(amzDateLayout), now.Format(amzDateLayout), minutes(skew))
}

func errNotYetCurrent(req, now time.Time, skew time.Duration) error {
	return configd.Errorf(configd.ErrInvalidSignature, "Signature not yet current: %s is still later than %s (%s + %s)",
		req.Format(amzDateLayout), now.Add(skew).Format(amzDateLayout), now.Format(amzDateLayout), minutes(skew))
}

// scopeProblems collects the credential-scope complaints AWS joins into one
// InvalidSignatureException, in AWS's order (DynamoDB, same source as
// errBadDate): "Credential should be scoped to a valid region, not 'c'.
// Credential should be scoped to correct service: 'dynamodb'. Credential
// should be scoped with a valid terminator: 'aws4_request', not 'e'. Date in
// Credential scope does not match YYYYMMDD from ISO-8601 version of date from
// HTTP: 'b' != '20130609', from '20130609T095204Z'."
type scopeProblems []string

func (p *scopeProblems) region(got string) {
	*p = append(*p, fmt.Sprintf("Credential should be scoped to a valid region, not '%s'.", echo(got)))
}

func (p *scopeProblems) service(want string) {
	*p = append(*p, fmt.Sprintf("Credential should be scoped to correct service: '%s'.", want))
}

func (p *scopeProblems) terminator(got string) {
	*p = append(*p, fmt.Sprintf("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", echo(got)))
}

func (p *scopeProblems) date(got string, req time.Time) {
	*p = append(*p, fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
		echo(got), req.Format(scopeDateLayout), req.Format(amzDateLayout)))
}

func (p scopeProblems) err() error {
	if len(p) == 0 {
		return nil
	}
	return configd.Errorf(configd.ErrInvalidSignature, "%s", strings.Join(p, " "))
}

// minutes renders a skew the way AWS does ("15 min.").
func minutes(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min.", int64(d/time.Minute))
	}
	return d.String()
}

// hashHeader returns base64(sha256(header)), how AWS refers to a malformed
// Authorization header without repeating it.
func hashHeader(h string) string {
	sum := sha256.Sum256([]byte(h))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// echo bounds a client-supplied value before it is quoted in a message.
func echo(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	cut := maxEcho
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
