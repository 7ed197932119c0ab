package sigv4

import (
	"strings"
)

// Algorithm is the only signing algorithm configd accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// scopeTerminator ends every SigV4 credential scope.
const scopeTerminator = "aws4_request"

// Authorization is a parsed SigV4 Authorization header of the form
//
//	AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/config/aws4_request,
//	SignedHeaders=host;x-amz-date, Signature=<64 hex digits>
//
// See https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
// (step "Add the signature to the request").
type Authorization struct {
	// Algorithm is always "AWS4-HMAC-SHA256" in a successfully parsed header.
	Algorithm string
	// Credential is the access key ID and the credential scope.
	Credential Credential
	// Terminator is the last element of the scope; AWS requires
	// "aws4_request" but ParseAuthorization does not check it.
	Terminator string
	// SignedHeaders are the signed header names, lowercased, in the order
	// the header lists them.
	SignedHeaders []string
	// Signature is the hex signature as sent. It is a credential for the
	// lifetime of the request: never log it.
	Signature string
}

// ParseAuthorization parses a SigV4 Authorization header without verifying
// anything but its syntax, so that a server that does not check signatures
// (emulator mode) can still learn the caller's access key ID. It checks, in
// AWS's order, that the header is a SigV4 header at all
// (MissingAuthenticationTokenException), that its components are key=value
// pairs and that Credential, Signature and SignedHeaders are present, that
// the algorithm is AWS4-HMAC-SHA256 and that the credential has five
// slash-separated elements (IncompleteSignatureException). Errors are
// *configd.Error and never contain the signature.
func ParseAuthorization(header string) (*Authorization, error) {
	raw, err := parseRaw(header)
	if err != nil {
		return nil, err
	}
	if len(raw.missing) > 0 {
		return nil, errMissingParams(raw.missing, false)
	}
	return raw.finish()
}

// rawAuth holds the components of an Authorization header before they are
// validated, so that Verify can interleave their checks with the date
// checks in the order AWS applies them.
type rawAuth struct {
	algorithm     string
	credential    string
	signedHeaders string
	signature     string
	// missing lists the required parameters that are absent or empty, in
	// AWS's reporting order.
	missing []string
}

// isSigV4 reports whether an Authorization header claims to be SigV4 at
// all. Coral services answer MissingAuthenticationTokenException to any
// other scheme (DynamoDB behaviour recorded by dynalite).
func isSigV4(header string) bool {
	return strings.HasPrefix(strings.TrimSpace(header), "AWS4-")
}

// parseRaw splits header into its algorithm and key=value parameters.
func parseRaw(header string) (rawAuth, error) {
	var raw rawAuth
	if !isSigV4(header) {
		return raw, errMissingToken()
	}
	h := strings.TrimSpace(header)
	alg, rest, _ := strings.Cut(h, " ")
	raw.algorithm = alg

	var seenCred, seenHeaders, seenSig bool
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, value, ok := strings.Cut(part, "=")
		if !ok {
			return raw, errMissingEqualSign(header)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		var seen *bool
		var dst *string
		switch key {
		case "Credential":
			seen, dst = &seenCred, &raw.credential
		case "SignedHeaders":
			seen, dst = &seenHeaders, &raw.signedHeaders
		case "Signature":
			seen, dst = &seenSig, &raw.signature
		default:
			// AWS ignores parameters it does not know.
			continue
		}
		if *seen {
			return raw, errDuplicateParam(key)
		}
		*seen, *dst = true, value
	}

	// AWS reports Credential, Signature, SignedHeaders in this order. An
	// empty SignedHeaders is not "missing": it fails the host check later.
	if raw.credential == "" {
		raw.missing = append(raw.missing, "Credential")
	}
	if raw.signature == "" {
		raw.missing = append(raw.missing, "Signature")
	}
	if !seenHeaders {
		raw.missing = append(raw.missing, "SignedHeaders")
	}
	return raw, nil
}

// signedHeaderNames splits a SignedHeaders value into lowercased names.
func (raw rawAuth) signedHeaderNames() []string {
	if raw.signedHeaders == "" {
		return nil
	}
	names := strings.Split(raw.signedHeaders, ";")
	for i, n := range names {
		names[i] = strings.ToLower(strings.TrimSpace(n))
	}
	return names
}

// finish checks the algorithm and the shape of the credential and builds
// the Authorization.
func (raw rawAuth) finish() (*Authorization, error) {
	if raw.algorithm != Algorithm {
		return nil, errUnsupportedAlgorithm(raw.algorithm)
	}
	// AWS ignores trailing slashes after the terminator.
	parts := strings.Split(strings.TrimRight(raw.credential, "/"), "/")
	if len(parts) != 5 {
		return nil, errCredentialParts(raw.credential)
	}
	return &Authorization{
		Algorithm: raw.algorithm,
		Credential: Credential{
			AccessKeyID: parts[0],
			Date:        parts[1],
			Region:      parts[2],
			Service:     parts[3],
		},
		Terminator:    parts[4],
		SignedHeaders: raw.signedHeaderNames(),
		Signature:     raw.signature,
	}, nil
}
