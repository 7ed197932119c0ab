// Command configd is a self-hosted, wire-compatible implementation of AWS
// Config. `configd help` lists its subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the AWS Config API server", runServe},
		{"import", "record configuration items from snapshot files or JSON lines", runImport},
		{"remediate", "start remediations, show their status, manage their configuration and exceptions", runRemediate},
		{"compliance", "summarise the compliance of rules and resources", runCompliance},
		{"rules", "list Config rules with their evaluation status", runRules},
		{"version", "print the version", runVersion},
		{"help", "list the subcommands", runHelp},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the subcommand named by args[0] and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		runHelp(ctx, nil, stderr, stderr)
		return 2
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			}
			if !printed(err) {
				fmt.Fprintf(stderr, "configd %s: %v\n", c.name, err)
			}
			return exitCode(err)
		}
	}
	fmt.Fprintf(stderr, "configd: unknown command %q; run 'configd help'\n", args[0])
	return 2
}

var errUsage = errors.New("usage")

func runVersion(_ context.Context, _ []string, stdout, _ io.Writer) error {
	fmt.Fprintf(stdout, "configd %s\n", Version)
	return nil
}

func runHelp(_ context.Context, _ []string, stdout, _ io.Writer) error {
	fmt.Fprintln(stdout, "configd: a self-hosted implementation of AWS Config\n\nUsage: configd <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(stdout, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(stdout, "\nRun 'configd <command> --help' for a command's flags.")
	return nil
}

// newFlagSet returns a flag set whose flags also read CONFIGD_<NAME>
// environment variables (applied by parseFlags).
func newFlagSet(name string, stderr io.Writer, example string) *flag.FlagSet {
	fs := flag.NewFlagSet("configd "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: configd %s [flags]\n\nFlags (each also read from CONFIGD_<FLAG_NAME>):\n", name)
		fs.PrintDefaults()
		if example != "" {
			fmt.Fprintf(stderr, "\nExample:\n  %s\n", example)
		}
	}
	return fs
}

// parseFlags applies CONFIGD_<NAME> environment variables for flags not
// given on the command line, then parses args.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		env := "CONFIGD_" + envName(f.Name)
		if v, ok := os.LookupEnv(env); ok {
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", env, v, e)
			}
		}
	})
	return err
}

func envName(flagName string) string {
	b := []byte(flagName)
	for i, c := range b {
		switch {
		case c == '-':
			b[i] = '_'
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
