package signed

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/configd/configd"
	"github.com/configd/configd/sigv4"
)

// TestSign checks the pre-built requests against configd's own SigV4
// verifier: what the load generator sends is what configd accepts.
func TestSign(t *testing.T) {
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	s := &Signer{Host: "127.0.0.1:4599", Region: "eu-west-1", Now: func() time.Time { return now },
		Creds: aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret"}}
	body := []byte(`{"resourceType":"X::Y::Z","limit":100}`)
	raw, err := s.Sign(context.Background(), "ListDiscoveredResources", body)
	if err != nil {
		t.Fatal(err)
	}
	parse := func(t *testing.T, raw []byte) (*http.Request, []byte) {
		t.Helper()
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
		if err != nil {
			t.Fatalf("the signed request does not parse: %v\n%s", err, raw)
		}
		got, _ := io.ReadAll(req.Body)
		return req, got
	}
	verifier := func(secret string) *sigv4.Verifier {
		return &sigv4.Verifier{
			Lookup: func(id string) (string, bool) { return secret, id == "AKIDTEST" },
			Now:    func() time.Time { return now.Add(time.Minute) },
		}
	}
	t.Run("OK", func(t *testing.T) {
		req, got := parse(t, raw)
		if !bytes.Equal(got, body) || req.Method != http.MethodPost || req.Host != "127.0.0.1:4599" {
			t.Fatalf("request %s %s host %s body %q", req.Method, req.URL, req.Host, got)
		}
		if req.Header.Get("X-Amz-Target") != "StarlingDoveService.ListDiscoveredResources" || req.Header.Get("Content-Type") != ContentType {
			t.Errorf("headers %v", req.Header)
		}
		cred, err := verifier("secret").Verify(req, got)
		if err != nil {
			t.Fatalf("configd's verifier refuses the signature: %v", err)
		}
		if cred.Region != "eu-west-1" || cred.AccessKeyID != "AKIDTEST" {
			t.Errorf("credential %+v", cred)
		}
	})
	t.Run("ErrWrongSecret", func(t *testing.T) {
		req, got := parse(t, raw)
		if _, err := verifier("other").Verify(req, got); !configd.IsCode(err, configd.ErrInvalidSignature) {
			t.Errorf("verify with another secret = %v; want InvalidSignatureException", err)
		}
	})
	t.Run("ErrTamperedBody", func(t *testing.T) {
		req, _ := parse(t, raw)
		if _, err := verifier("secret").Verify(req, []byte(`{"resourceType":"X::Y::W","limit":100}`)); !configd.IsCode(err, configd.ErrInvalidSignature) {
			t.Errorf("verify of another body = %v; want InvalidSignatureException", err)
		}
	})
}
