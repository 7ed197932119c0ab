// Package httpsettings holds the net/http server settings of `configd
// serve` (cmd/configd/serve.go), for the benchmark's servers: the no-op
// ceiling and the in-process profiling harness. Its test fails when
// configd's settings change and these do not.
package httpsettings

import (
	"net/http"
	"time"
)

// The settings of configd's http.Server.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 60 * time.Second
	WriteTimeout      = 120 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 64 << 10
)

// MaxBodyBytes is configd's request body limit (awsjson.DefaultMaxBodyBytes).
const MaxBodyBytes = 4 << 20

// Server returns an http.Server with configd's settings serving h.
func Server(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}
