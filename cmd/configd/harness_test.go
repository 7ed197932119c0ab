package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/smithy-go"
)

// Test accounts of the credentials file every wire test server loads.
const (
	acctA   = "111111111111"
	keyA    = "AKIDTESTACCOUNTAAAAA"
	secretA = "secret-a-0123456789012345678901234567890"
	acctB   = "222222222222"
	keyB    = "AKIDTESTACCOUNTBBBBB"
	secretB = "secret-b-0123456789012345678901234567890"
)

type testServer struct {
	*Main
	dir string
}

// startServer starts configd on a free loopback port with a credentials
// file of two accounts, and stops it when the test ends.
func startServer(t testing.TB, mod ...func(*ServeConfig)) *testServer {
	t.Helper()
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials.yaml")
	body := fmt.Sprintf("credentials:\n  - {accessKeyId: %s, secretAccessKey: %s, accountId: '%s'}\n  - {accessKeyId: %s, secretAccessKey: %s, accountId: '%s'}\n", keyA, secretA, acctA, keyB, secretB, acctB)
	if err := os.WriteFile(creds, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: ServeConfig{Addr: "127.0.0.1:0", DataDir: filepath.Join(dir, "data"), CredentialsFile: creds}}
	if testing.Verbose() {
		m.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	} else {
		m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	for _, f := range mod {
		f(&m.Config)
	}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return &testServer{Main: m, dir: dir}
}

// client returns an SDK client for the account's key in region.
func (s *testServer) client(key, secret, region string) *configservice.Client {
	return configservice.New(configservice.Options{
		Region:       region,
		BaseEndpoint: aws.String(s.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		Retryer:      closedConnRetryer(),
	})
}

// closedConnRetryer is the retryer of the tests' SDK clients: it retries
// nothing but net.ErrClosed, so that every error configd answers reaches
// the test as it was sent. net/http's transport can close a keep-alive
// connection on the client side while a response body is read; the SDK's
// maintainers traced it there and made its standard retryer retry
// net.ErrClosed (aws/aws-sdk-go-v2#2737, #2949). Seen once in about ten
// runs of TestMultiProcessDatabaseRestart as "StatusCode: 200 ...
// deserialization failed ... use of closed network connection".
func closedConnRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.MaxBackoff = 100 * time.Millisecond
		o.RateLimiter = ratelimit.None
		o.Retryables = []retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			if errors.Is(err, net.ErrClosed) {
				return aws.TrueTernary
			}
			return aws.FalseTernary
		})}
	})
}

func (s *testServer) clientA() *configservice.Client { return s.client(keyA, secretA, "us-east-1") }

// wantCode fails the test unless err is an API error with code (and, if
// given, exactly that message).
func wantCode(t testing.TB, err error, code string, msg ...string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("got %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if len(msg) > 0 && ae.ErrorMessage() != msg[0] {
		t.Fatalf("message = %q, want %q", ae.ErrorMessage(), msg[0])
	}
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

var ctx = context.Background()

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
