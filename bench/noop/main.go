// Command noop is the ceiling of the benchmark: an HTTP server with the same
// net/http server settings as `configd serve` (timeouts, header limit) and
// the same garbage collector target (internal/gctune), whose
// handler does only what every configd request costs before any AWS Config
// work: it generates a request id as configd does, reads the whole body
// under the same size limit, and answers a fixed `{}` with the headers
// configd sends (x-amzn-RequestId, Content-Type, Content-Length).
//
// With -reply FILE it answers the contents of FILE instead: a response
// configd gave to a read (bench/load run -sample-dir writes them), so that
// the ceiling of a read whose answer is hundreds of kilobytes includes
// moving that many bytes through the HTTP stack and the client's parser.
//
// It excludes everything configd does per operation: routing on
// X-Amz-Target, SigV4 verification, JSON decoding and validation, the
// store, response encoding and logging. Its throughput, measured in the same
// run as configd and moto, is what the machine, the Go HTTP stack and the
// load generator allow.
//
//	noop --addr 127.0.0.1:4600
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/configd/configd/bench/internal/httpsettings"
	"github.com/configd/configd/internal/gctune"
)

// contentType is AWS Config's JSON 1.1 media type.
const contentType = "application/x-amz-json-1.1"

func main() {
	addr := flag.String("addr", "127.0.0.1:4600", "address to listen on (loopback only)")
	reply := flag.String("reply", "", "answer the contents of this file instead of {}")
	flag.Parse()
	gctune.Apply() // the garbage collector's target of configd serve
	if *reply != "" {
		b, err := os.ReadFile(*reply)
		if err != nil {
			log.Fatal(err)
		}
		replyBody = b
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr, nil); err != nil {
		log.Fatal(err)
	}
}

// serve listens on addr and serves until ctx ends; ready, if not nil,
// receives the bound address.
func serve(ctx context.Context, addr string, ready chan<- string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("refusing to listen on %s: the no-op server binds loopback addresses only", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := newServer()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func newServer() *http.Server { return httpsettings.Server(http.HandlerFunc(handle)) }

// replyBody is what every request is answered.
var replyBody = []byte("{}")

func handle(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-amzn-RequestId", newUUID())
	if _, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, httpsettings.MaxBodyBytes)); err != nil {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		w.Write([]byte(`{"__type":"RequestEntityTooLargeException","message":"Request body is too large."}`))
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(replyBody)))
	w.WriteHeader(http.StatusOK)
	w.Write(replyBody)
}

// newUUID returns a random UUID, as configd makes one request id per request.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
