// Command pgserver runs a throwaway PostgreSQL server for the benchmarks
// (internal/pgtest's: initdb and postgres of the machine, a temporary
// directory, a free loopback port) until it is told to stop.
//
//	pgserver -schemas 2 -out pg.env
//
// It creates the schemas, writes to -out, as shell assignments, the
// postmaster's process id (PG_PID), the server's version (PG_VERSION) and
// one database URL per schema (PG_URL1, PG_URL2, ...: each selects its
// schema with search_path), then a last line READY=1, and runs until SIGINT or SIGTERM, when it stops the server and
// removes its directory. A benchmark script starts it in the background and
// sources the file once READY appears.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"

	"github.com/configd/configd/internal/pgtest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pgserver:", err)
		os.Exit(1)
	}
}

func run() error {
	schemas := flag.Int("schemas", 1, "schemas to create, one per system under test")
	out := flag.String("out", "", "file to write PG_PID, PG_URL1... and READY=1 to (required)")
	flag.Parse()
	if *out == "" || *schemas < 1 {
		return fmt.Errorf("usage: pgserver -schemas N -out FILE")
	}
	// Signals arriving during the start stop the server once it is up.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := pgtest.Launch()
	if err != nil {
		return err
	}
	defer srv.Close()
	pid, err := postmasterPID(srv.Dir)
	if err != nil {
		return err
	}
	version, err := serverVersion(ctx, srv.URL)
	if err != nil {
		return err
	}
	lines := []string{"PG_PID=" + strconv.Itoa(pid), "PG_VERSION='" + version + "'"}
	for i := 1; i <= *schemas; i++ {
		_, u, err := pgtest.CreateSchema(ctx, srv.URL)
		if err != nil {
			return err
		}
		lines = append(lines, fmt.Sprintf("PG_URL%d='%s'", i, u))
	}
	lines = append(lines, "READY=1")
	// Written whole, then renamed: a reader never sees half of it.
	if err := os.WriteFile(*out+".tmp", []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.Rename(*out+".tmp", *out); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// serverVersion returns the server's version (SHOW server_version).
func serverVersion(ctx context.Context, url string) (string, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	var v string
	err = conn.QueryRow(ctx, "SHOW server_version").Scan(&v)
	return strings.ReplaceAll(v, "'", ""), err
}

// postmasterPID reads the server's process id from the first line of
// postmaster.pid in its data directory.
func postmasterPID(dir string) (int, error) {
	f, err := os.Open(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	if !s.Scan() {
		return 0, fmt.Errorf("postmaster.pid is empty")
	}
	return strconv.Atoi(strings.TrimSpace(s.Text()))
}
