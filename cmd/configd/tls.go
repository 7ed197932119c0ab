package main

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// certCheckInterval is how often, at most, the certificate files are looked
// at for a change (a renewed certificate is served without a restart).
var certCheckInterval = 30 * time.Second

// certReloader serves the certificate in a PEM certificate file and key file,
// and loads them again when either file's modification time or size changes:
// a renewal (certbot, cert-manager, a secret mounted in a container) takes
// effect on new connections within certCheckInterval. A file that cannot be
// read or parsed at a later look keeps the certificate already loaded, with
// a warning in the log.
type certReloader struct {
	certFile, keyFile string
	logger            *slog.Logger

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string // modification times and sizes of the two files
	checked time.Time
}

// newCertReloader loads the pair once, failing if it cannot.
func newCertReloader(certFile, keyFile string, logger *slog.Logger) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, logger: logger}
	stamp, err := r.fileStamp()
	if err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert %s, --tls-key %s: %w", certFile, keyFile, err)
	}
	r.cert, r.stamp, r.checked = &cert, stamp, time.Now()
	return r, nil
}

func (r *certReloader) fileStamp() (string, error) {
	var stamp string
	for _, f := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		stamp += fmt.Sprintf("%d/%d;", fi.ModTime().UnixNano(), fi.Size())
	}
	return stamp, nil
}

// getCertificate is the tls.Config hook: the current certificate, loaded
// again first if the files changed since the last look.
func (r *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.checked) < certCheckInterval {
		return r.cert, nil
	}
	r.checked = time.Now()
	stamp, err := r.fileStamp()
	if err != nil {
		r.logger.Warn("TLS certificate files unreadable; serving the certificate loaded before", "cert", r.certFile, "key", r.keyFile, "error", err)
		return r.cert, nil
	}
	if stamp == r.stamp {
		return r.cert, nil
	}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		// Often a renewal caught between writing the two files: look again
		// at the next interval.
		r.logger.Warn("TLS certificate files changed but do not load; serving the certificate loaded before", "cert", r.certFile, "key", r.keyFile, "error", err)
		return r.cert, nil
	}
	r.cert, r.stamp = &cert, stamp
	r.logger.Info("TLS certificate reloaded", "cert", r.certFile)
	return r.cert, nil
}

// tlsConfig is the server's TLS configuration: TLS 1.2 at least, Go's
// default cipher suites, the reloader's certificate.
func (r *certReloader) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.getCertificate}
}
