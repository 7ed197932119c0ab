package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
)

// writeCert writes a self-signed certificate for 127.0.0.1 with the given
// serial number to dir/cert.pem and dir/key.pem, and returns it.
func writeCert(t *testing.T, dir string, serial int64) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "configd test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	// The key first: a reader between the two writes sees a pair that does
	// not match, which the reloader must survive.
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// servedSerial returns the serial number of the certificate the server at
// addr presents on a new connection.
func servedSerial(t *testing.T, addr string) int64 {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true}) // only reads the certificate
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

func TestServeTLS(t *testing.T) {
	certDir := t.TempDir()
	first := writeCert(t, certDir, 1)
	old := certCheckInterval
	certCheckInterval = 50 * time.Millisecond
	t.Cleanup(func() { certCheckInterval = old })
	s := startServer(t, func(c *ServeConfig) {
		c.TLSCert, c.TLSKey = filepath.Join(certDir, "cert.pem"), filepath.Join(certDir, "key.pem")
	})
	if !strings.HasPrefix(s.URL(), "https://") {
		t.Fatalf("URL = %s", s.URL())
	}
	trusting := func(certs ...*x509.Certificate) *http.Client {
		pool := x509.NewCertPool()
		for _, c := range certs {
			pool.AddCert(c)
		}
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	}
	sdk := func(hc *http.Client) *configservice.Client {
		return configservice.New(configservice.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(s.URL()), HTTPClient: hc, Retryer: aws.NopRetryer{},
			Credentials: credentials.NewStaticCredentialsProvider(keyA, secretA, ""),
		})
	}

	t.Run("OKSDKOverHTTPS", func(t *testing.T) {
		c := sdk(trusting(first))
		putRecorder(t, c, "default")
		out, err := c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
		if err != nil || len(out.ConfigurationRecorders) != 1 {
			t.Fatalf("describe over HTTPS: %v %+v", err, out)
		}
	})
	t.Run("ErrPlainHTTP", func(t *testing.T) {
		resp, err := http.Post("http://"+strings.TrimPrefix(s.URL(), "https://"), "application/x-amz-json-1.1", strings.NewReader("{}"))
		if err != nil {
			return // refused outright: fine
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "HTTPS") {
			t.Fatalf("plain HTTP to the TLS port: %d %q", resp.StatusCode, body)
		}
	})
	t.Run("ErrUntrustedCertificate", func(t *testing.T) {
		_, err := sdk(trusting()).DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("a client that does not trust the certificate: %v", err)
		}
	})
	t.Run("OKRenewedCertificateServed", func(t *testing.T) {
		addr := strings.TrimPrefix(s.URL(), "https://")
		if got := servedSerial(t, addr); got != 1 {
			t.Fatalf("serial before renewal = %d", got)
		}
		time.Sleep(20 * time.Millisecond) // a distinct modification time
		second := writeCert(t, certDir, 2)
		deadline := time.Now().Add(5 * time.Second)
		for servedSerial(t, addr) != 2 {
			if time.Now().After(deadline) {
				t.Fatal("the renewed certificate was not served within 5s")
			}
			time.Sleep(20 * time.Millisecond)
		}
		c := sdk(trusting(second))
		if _, err := c.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{}); err != nil {
			t.Fatalf("SDK trusting the renewed certificate: %v", err)
		}
	})
	t.Run("OKBrokenRenewalKeepsCertificate", func(t *testing.T) {
		addr := strings.TrimPrefix(s.URL(), "https://")
		time.Sleep(20 * time.Millisecond)
		if err := os.WriteFile(filepath.Join(certDir, "cert.pem"), []byte("not a certificate"), 0o600); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * certCheckInterval)
		if got := servedSerial(t, addr); got != 2 {
			t.Fatalf("after a broken renewal the server presents serial %d, want 2 (the last good one)", got)
		}
	})
}

func TestServeTLSConfigErrors(t *testing.T) {
	dir := t.TempDir()
	writeCert(t, dir, 1)
	for _, tc := range []struct {
		name, cert, key, want string
	}{
		{"ErrCertWithoutKey", filepath.Join(dir, "cert.pem"), "", "--tls-cert and --tls-key go together"},
		{"ErrKeyWithoutCert", "", filepath.Join(dir, "key.pem"), "--tls-cert and --tls-key go together"},
		{"ErrMissingFile", filepath.Join(dir, "nope.pem"), filepath.Join(dir, "key.pem"), "nope.pem"},
		{"ErrKeyNotMatching", filepath.Join(dir, "cert.pem"), filepath.Join(dir, "cert.pem"), "--tls-cert"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &Main{Config: ServeConfig{Addr: "127.0.0.1:0", DataDir: filepath.Join(t.TempDir(), "data"), TLSCert: tc.cert, TLSKey: tc.key, AcceptAnyCredentials: true}}
			err := m.Open(context.Background())
			m.Close()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}
