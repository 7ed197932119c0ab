// Command profile runs configd's API server in-process with Go's profiler
// on a second loopback port, so that a benchmark run can be profiled
// without changing cmd/configd. It wires the server as `configd serve` does
// (cmd/configd/serve.go: the SQLite store of the data dir, SigV4
// verification against a credentials file, NextTokens sealed with the key
// stored in the database, configd's http.Server settings) minus the
// background retention loop and logging below warnings.
//
//	profile -addr 127.0.0.1:4599 -pprof 127.0.0.1:6060 -data-dir DIR -credentials FILE
//	go tool pprof -top http://127.0.0.1:6060/debug/pprof/profile?seconds=10
//
// When the wiring in cmd/configd/serve.go changes, change it here too.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/awsjson"
	"github.com/configd/configd/bench/internal/httpsettings"
	"github.com/configd/configd/internal/gctune"
	"github.com/configd/configd/keyring"
	"github.com/configd/configd/pagetoken"
	"github.com/configd/configd/service"
	"github.com/configd/configd/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "profile:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("profile", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:4599", "API address (loopback only)")
	pprofAddr := fs.String("pprof", "127.0.0.1:6060", "profiler address (loopback only): /debug/pprof/")
	dataDir := fs.String("data-dir", "", "configd data directory")
	creds := fs.String("credentials", "", "credentials file (YAML, as configd's --credentials)")
	mutexRate := fs.Int("mutex-fraction", 0, "runtime.SetMutexProfileFraction (0: off)")
	blockRate := fs.Int("block-rate", 0, "runtime.SetBlockProfileRate in ns (0: off)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dataDir == "" || *creds == "" {
		return fmt.Errorf("-data-dir and -credentials are required")
	}
	for _, a := range []string{*addr, *pprofAddr} {
		if !loopback(a) {
			return fmt.Errorf("refusing to listen on %s: loopback addresses only", a)
		}
	}
	gctune.Apply() // as configd serve
	runtime.SetMutexProfileFraction(*mutexRate)
	runtime.SetBlockProfileRate(*blockRate)
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return err
	}
	store, err := sqlite.Open(ctx, filepath.Join(*dataDir, "configd.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	keys, err := keyring.Load(*creds)
	if err != nil {
		return err
	}
	tokens, err := tokenCodec(ctx, store)
	if err != nil {
		return err
	}
	svc := service.New(service.Options{Store: store, Logger: logger, SnapshotDir: filepath.Join(*dataDir, "s3")})
	api := awsjson.NewServer(&awsjson.Server{Service: svc, Auth: awsjson.NewSigV4Auth(keys, nil), Tokens: tokens, Logger: logger})
	srv := httpsettings.Server(api)
	srv.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)

	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	psrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	pln, err := net.Listen("tcp", *pprofAddr)
	if err != nil {
		ln.Close()
		return err
	}
	errs := make(chan error, 2)
	go func() { errs <- srv.Serve(ln) }()
	go func() { errs <- psrv.Serve(pln) }()
	fmt.Fprintf(os.Stderr, "profile: configd API on http://%s, profiler on http://%s/debug/pprof/\n", ln.Addr(), pln.Addr())
	select {
	case <-ctx.Done():
	case err := <-errs:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(srv.Shutdown(sctx), psrv.Shutdown(sctx))
}

// tokenCodec returns the NextToken codec under the key configd keeps in the
// database (meta "pagetoken.key"), creating it if absent, as configd does.
func tokenCodec(ctx context.Context, store configd.Store) (*pagetoken.Codec, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var key string
	err := store.Write(ctx, func(tx configd.Tx) error {
		var err error
		key, err = tx.SetMetaIfAbsent(ctx, "pagetoken.key", hex.EncodeToString(fresh))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	raw, err := hex.DecodeString(key)
	if err != nil {
		return nil, fmt.Errorf("token key: %w", err)
	}
	return pagetoken.New(raw)
}

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}
