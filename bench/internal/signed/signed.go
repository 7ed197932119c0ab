// Package signed builds complete SigV4-signed AWS JSON 1.1 requests ahead of a
// benchmark, so that signing stays off the measured interval.
package signed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TargetPrefix and ContentType are those of AWS Config's JSON 1.1 protocol.
const (
	TargetPrefix = "StarlingDoveService."
	ContentType  = "application/x-amz-json-1.1"
)

// Signer turns request bodies into complete, SigV4-signed HTTP/1.1 requests
// (request line, headers and body, as bytes ready to write on a
// connection), with the headers an AWS SDK sends and aws-sdk-go-v2's own v4
// signer. Signing ahead keeps its cost out of the measured interval; a
// signature stays valid for the 15 minutes AWS (and configd) allow.
type Signer struct {
	Host   string
	Region string
	Creds  aws.Credentials
	// Now is the signing time; nil means time.Now.
	Now    func() time.Time
	signer *v4.Signer
}

// Sign returns the signed request of operation op with body.
func (s *Signer) Sign(ctx context.Context, op string, body []byte) ([]byte, error) {
	if s.signer == nil {
		s.signer = v4.NewSigner()
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+s.Host+"/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("X-Amz-Target", TargetPrefix+op)
	req.Header.Set("User-Agent", "configd-bench/1 aws-sdk-go-v2 (load generator)")
	sum := sha256.Sum256(body)
	if err := s.signer.SignHTTP(ctx, s.Creds, req, hex.EncodeToString(sum[:]), "config", s.Region, now()); err != nil {
		return nil, fmt.Errorf("sign %s: %w", op, err)
	}
	var buf bytes.Buffer
	buf.Grow(len(body) + 640)
	if err := req.Write(&buf); err != nil {
		return nil, fmt.Errorf("serialize %s: %w", op, err)
	}
	return buf.Bytes(), nil
}
