package sigv4

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseAuthorization(t *testing.T) {
	const sig = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	ok := &Authorization{
		Algorithm:     "AWS4-HMAC-SHA256",
		Credential:    Credential{AccessKeyID: "AKIDEXAMPLE", Date: "20240101", Region: "us-east-1", Service: "config"},
		Terminator:    "aws4_request",
		SignedHeaders: []string{"content-type", "host", "x-amz-date"},
		Signature:     sig,
	}
	tests := []struct {
		name   string
		header string
		want   *Authorization
		code   string
		msg    string
	}{
		{name: "OK", want: ok,
			header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/config/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" + sig},
		{name: "OKNoSpaces", want: ok,
			header: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/config/aws4_request,SignedHeaders=content-type;host;x-amz-date,Signature=" + sig},
		{name: "OKExtraSpaceOrderAndUnknown", want: ok,
			header: "  AWS4-HMAC-SHA256   Signature = " + sig + " ,, Foo=bar, Credential=AKIDEXAMPLE/20240101/us-east-1/config/aws4_request/, SignedHeaders=Content-Type;HOST;x-amz-date  "},
		{name: "ErrEmpty", header: "", code: "MissingAuthenticationTokenException", msg: "Request is missing Authentication Token"},
		{name: "ErrOtherScheme", header: "Basic dXNlcjpwYXNz", code: "MissingAuthenticationTokenException", msg: "Request is missing Authentication Token"},
		{name: "ErrMissingEqualSign", header: "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, Signature " + sig,
			code: "IncompleteSignatureException"},
		{name: "ErrMissingAll", header: "AWS4-HMAC-SHA256", code: "IncompleteSignatureException",
			msg: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. (Hashed with SHA-256 and encoded with Base64)"},
		{name: "ErrEmptySignature", header: "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=",
			code: "IncompleteSignatureException",
			msg:  "Authorization header requires 'Signature' parameter. (Hashed with SHA-256 and encoded with Base64)"},
		{name: "ErrDuplicate", header: "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, Credential=f/b/c/d/e, SignedHeaders=host, Signature=" + sig,
			code: "IncompleteSignatureException", msg: "Authorization header contains parameter 'Credential' more than once."},
		{name: "ErrAlgorithm", header: "AWS4-HMAC-SHA25 Credential=a/b/c/d/e, SignedHeaders=host, Signature=" + sig,
			code: "IncompleteSignatureException", msg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now)."},
		{name: "ErrCredentialFourParts", header: "AWS4-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=host, Signature=" + sig,
			code: "IncompleteSignatureException",
			msg:  "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'"},
		{name: "ErrCredentialSixParts", header: "AWS4-HMAC-SHA256 Credential=a/b/c/d/e/f, SignedHeaders=host, Signature=" + sig,
			code: "IncompleteSignatureException",
			msg:  "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d/e/f'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAuthorization(tc.header)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("ParseAuthorization: %v", err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("got  %+v\nwant %+v", got, tc.want)
				}
				return
			}
			wantErr(t, err, tc.code, tc.msg)
			if strings.Contains(err.Error(), sig) {
				t.Errorf("error repeats the signature: %v", err)
			}
		})
	}
}

func TestParseAuthorizationMissingEqualSignMessage(t *testing.T) {
	h := "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, Signature"
	_, err := ParseAuthorization(h)
	want := "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '" +
		hashHeader(h) + "'."
	wantErr(t, err, "IncompleteSignatureException", want)
	if hashHeader(h) == hashHeader(h+" ") {
		t.Fatal("hashHeader ignores its input")
	}
}

func TestEcho(t *testing.T) {
	long := strings.Repeat("\u00e9", maxEcho) // two bytes per rune
	got := echo(long)
	if !strings.HasSuffix(got, "...") || len(got) > maxEcho+3 {
		t.Errorf("echo not bounded: %d bytes", len(got))
	}
	if !strings.HasPrefix(long, strings.TrimSuffix(got, "...")) || !utf8.ValidString(got) {
		t.Errorf("echo cut a rune: %q", got)
	}
	if echo("short") != "short" {
		t.Errorf("echo changed a short value")
	}
}
