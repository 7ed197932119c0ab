package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
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
		Region:           region,
		BaseEndpoint:     aws.String(s.URL()),
		Credentials:      credentials.NewStaticCredentialsProvider(key, secret, ""),
		RetryMaxAttempts: 1,
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
