package main

// Shared code of the client subcommands (remediate, compliance, rules):
// endpoint and credential flags, SDK client construction, output modes,
// error lines and exit statuses.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/smithy-go"
	"golang.org/x/term"

	"github.com/configd/configd/client"
)

// Exit statuses of the client subcommands, besides 0 (success) and 2
// (usage, the status of every configd subcommand).
const (
	// exitFailed: an operation failed, or a resource's remediation failed
	// or never started.
	exitFailed = 1
	// exitUsage: wrong flags or arguments.
	exitUsage = 2
	// exitTimeout: --timeout passed before every resource's remediation
	// started or ended.
	exitTimeout = 3
)

// exitError is an error with the exit status of the process.
type exitError struct {
	code int
	err  error
	// printed says the error line was already written to stderr.
	printed bool
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// ExitCode returns the exit status of the process.
func (e *exitError) ExitCode() int { return e.code }

// exitCode returns the exit status for an error that run reports: the code
// of an exitError in the chain, or 1.
func exitCode(err error) int {
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return exitFailed
}

// printed reports whether err's line was already written to stderr (by a
// subcommand that names itself more precisely than run would).
func printed(err error) bool {
	var ee *exitError
	return errors.As(err, &ee) && ee.printed
}

// cli is what the client subcommands take from their environment. Tests
// replace parts of it through the context (withCLI).
type cli struct {
	stdout, stderr io.Writer
	// terminal reports whether w is a terminal, and its width.
	terminal func(w io.Writer) (bool, int)
	// loadOpts are added to config.LoadDefaultConfig's options.
	loadOpts []func(*config.LoadOptions) error
	// sdkOpts are added to the configservice client's options.
	sdkOpts []func(*configservice.Options)
	// clientOpts are added to the client package's options.
	clientOpts []client.Option
	// now is the clock of relative times (exceptions put --expires 24h).
	now func() time.Time
	// tick is how often a terminal's progress view is redrawn while it
	// counts a delay down; 0 redraws only when a call returns (tests).
	tick time.Duration
}

// progressTick is the tick of the real terminal.
const progressTick = 200 * time.Millisecond

type cliKey struct{}

// withCLI returns a context whose client subcommands use c's hooks (the
// writers are still the ones run passes).
func withCLI(ctx context.Context, c *cli) context.Context {
	return context.WithValue(ctx, cliKey{}, c)
}

// newCLI returns the environment of a client subcommand: the real
// terminal, configuration and clock unless the context carries others.
func newCLI(ctx context.Context, stdout, stderr io.Writer) *cli {
	c := &cli{terminal: isTerminal, now: time.Now, tick: progressTick}
	if t, ok := ctx.Value(cliKey{}).(*cli); ok {
		*c = *t
		if c.terminal == nil {
			c.terminal = isTerminal
		}
		if c.now == nil {
			c.now = time.Now
		}
	}
	c.stdout, c.stderr = stdout, stderr
	return c
}

// isTerminal reports whether w is a terminal and its width (80 if unknown).
func isTerminal(w io.Writer) (bool, int) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return false, 0
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil || width <= 0 {
		width = 80
	}
	return true, width
}

// awsFlags are the flags that say where and as whom to call.
type awsFlags struct {
	endpoint, region, profile string
	output                    string
}

// keyFlags are the --rule, --resource-type and --resource-id flags of the
// remediate subcommands. When required, all three must be given; else
// --rule must, and resource ids (a filter) need --resource-type.
type keyFlags struct {
	rule, typ string
	ids       stringList
	required  bool
}

// addKeyFlags registers the key flags on fs with the help of the type and
// id flags; parseArgs(fs, args, &k.ids) takes ids listed after the flag.
func addKeyFlags(fs *flag.FlagSet, required bool, typHelp, idHelp string) *keyFlags {
	k := &keyFlags{required: required}
	fs.StringVar(&k.rule, "rule", "", "Config rule name (required)")
	fs.StringVar(&k.typ, "resource-type", "", typHelp)
	fs.Var(&k.ids, "resource-id", idHelp)
	return k
}

// check returns what is missing or inconsistent, for usage.
func (k *keyFlags) check() error {
	switch {
	case k.rule == "":
		return errors.New("--rule is required")
	case k.required && k.typ == "":
		return errors.New("--resource-type is required")
	case k.required && len(k.ids) == 0:
		return errors.New("give at least one --resource-id")
	case len(k.ids) > 0 && k.typ == "":
		return errors.New("--resource-id needs --resource-type")
	}
	return nil
}

// addAWSFlags registers --endpoint-url, --region, --profile and --output.
func addAWSFlags(fs *flag.FlagSet) *awsFlags {
	f := &awsFlags{}
	fs.StringVar(&f.endpoint, "endpoint-url", "", "endpoint of the AWS Config API, e.g. http://127.0.0.1:4599 (default: AWS_ENDPOINT_URL, the profile's, or AWS)")
	fs.StringVar(&f.region, "region", "", "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the profile's)")
	fs.StringVar(&f.profile, "profile", "", "shared config profile (default: AWS_PROFILE or \"default\")")
	fs.StringVar(&f.output, "output", "text", "output format: text or json")
	return f
}

// check validates the flags.
func (f *awsFlags) check() error {
	if f.output != "text" && f.output != "json" {
		return fmt.Errorf("--output %q: want text or json", f.output)
	}
	return nil
}

func (f *awsFlags) json() bool { return f.output == "json" }

// service checks the AWS flags (a usage error of fs when they are wrong)
// and returns a configservice client configured from them, the standard
// AWS environment and shared files.
func (c *cli) service(ctx context.Context, fs *flag.FlagSet, f *awsFlags) (*configservice.Client, error) {
	if err := f.check(); err != nil {
		return nil, usage(fs, "%v", err)
	}
	var opts []func(*config.LoadOptions) error
	if f.region != "" {
		opts = append(opts, config.WithRegion(f.region))
	}
	if f.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(f.profile))
	}
	opts = append(opts, c.loadOpts...)
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no region: give --region, or set AWS_REGION or a profile's region")
	}
	sdkOpts := []func(*configservice.Options){}
	if f.endpoint != "" {
		sdkOpts = append(sdkOpts, func(o *configservice.Options) { o.BaseEndpoint = aws.String(f.endpoint) })
	}
	sdkOpts = append(sdkOpts, c.sdkOpts...)
	return configservice.NewFromConfig(cfg, sdkOpts...), nil
}

// stringList is a flag that may be repeated; each use adds one value.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// parseArgs parses args with flags and positional arguments interleaved,
// applies CONFIGD_<NAME> environment variables as parseFlags does, and
// returns the positional arguments. If into is not nil, positional
// arguments are added to it instead, in order with the flag's own values,
// so that `--resource-id a b --resource-id c` gives a, b, c.
func parseArgs(fs *flag.FlagSet, args []string, into *stringList) ([]string, error) {
	var pos []string
	add := func(vs ...string) {
		if into != nil {
			*into = append(*into, vs...)
		} else {
			pos = append(pos, vs...)
		}
	}
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			// Parse stopped at "--": all that follows is positional.
			add(rest...)
			break
		}
		if len(rest) > 0 {
			add(rest[0])
			rest = rest[1:]
		}
		args = rest
	}
	// The flags given are already set; this applies the environment to the
	// others.
	if err := parseFlags(fs, nil); err != nil {
		return nil, err
	}
	return pos, nil
}

// usage reports a usage error on one line and returns errUsage, for which
// run exits with status 2.
func usage(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(fs.Output(), "%s: %s\nRun '%s --help' for usage.\n", fs.Name(), fmt.Sprintf(format, args...), fs.Name())
	return errUsage
}

// cliError turns err into an error whose text is one clear line: the AWS
// error code and message of an API error, without the SDK's operation and
// request details.
func cliError(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: exitFailed, err: errors.New(errLine(err))}
}

// errLine formats err on one line: "Code: message" for an AWS API error,
// "Operation: cause" for an SDK error without one (a refused connection),
// and err's text otherwise.
func errLine(err error) string {
	var s string
	var ae smithy.APIError
	var oe *smithy.OperationError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ae):
		s = ae.ErrorCode()
		if m := ae.ErrorMessage(); m != "" {
			s += ": " + m
		}
	case errors.As(err, &oe):
		s = oe.OperationName + ": " + innermost(oe.Err).Error()
	default:
		s = err.Error()
	}
	return oneLine(s)
}

// innermost unwraps err down to its deepest cause, where the SDK keeps the
// short message of a failed connection.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// oneLine replaces line breaks with spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\r", " ")), " ")
}

// table writes aligned columns.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.row(header...)
	return t
}

func (t *table) row(cols ...string) {
	for i, c := range cols {
		if c == "" {
			cols[i] = "-"
		} else {
			cols[i] = oneLine(c)
		}
	}
	fmt.Fprintln(t.tw, strings.Join(cols, "\t"))
}

func (t *table) flush() { t.tw.Flush() }

// stamp formats an optional time for text output: RFC 3339 in UTC, or "".
func stamp(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// jsonTime is an optional time for JSON output: RFC 3339 in UTC, or nil.
func jsonTime(t *time.Time) *string {
	if s := stamp(t); s != "" {
		return &s
	}
	return nil
}

// resourceKeys builds resource keys of one type.
func resourceKeys(typ string, ids []string) []types.ResourceKey {
	keys := make([]types.ResourceKey, len(ids))
	for i, id := range ids {
		keys[i] = types.ResourceKey{ResourceType: types.ResourceType(typ), ResourceId: aws.String(id)}
	}
	return keys
}

// plural returns "n word" with an "s" unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// subcommand is one entry of a command with subcommands.
type subcommand struct {
	name, summary string
	run           func(c *cli, ctx context.Context, args []string) error
}

// dispatch runs the subcommand named by args[0]. Its error is prefixed with
// the subcommand's name, so that run prints "configd remediate start: ...".
func dispatch(ctx context.Context, c *cli, parent string, subs []subcommand, args []string) error {
	help := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: configd %s <command> [flags]\n\nCommands:\n", parent)
		for _, s := range subs {
			fmt.Fprintf(w, "  %-14s %s\n", s.name, s.summary)
		}
		fmt.Fprintf(w, "\nRun 'configd %s <command> --help' for a command's flags and an example.\n", parent)
	}
	if len(args) == 0 {
		help(c.stderr)
		return errUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		help(c.stdout)
		return nil
	}
	for _, s := range subs {
		if s.name != args[0] {
			continue
		}
		err := s.run(c, ctx, args[1:])
		if err == nil || errors.Is(err, flag.ErrHelp) || errors.Is(err, errUsage) {
			return err
		}
		if printed(err) {
			return err
		}
		err = cliError(err)
		var ee *exitError
		errors.As(err, &ee)
		fmt.Fprintf(c.stderr, "configd %s %s: %v\n", parent, s.name, ee.err)
		return &exitError{code: ee.code, err: ee.err, printed: true}
	}
	fmt.Fprintf(c.stderr, "configd %s: unknown command %q; run 'configd %s help'\n", parent, args[0], parent)
	return errUsage
}
