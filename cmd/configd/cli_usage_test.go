package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

func TestCLIHelp(t *testing.T) {
	cmds := [][]string{
		{"remediate", "start"}, {"remediate", "status"}, {"remediate", "delete-config"},
		{"remediate", "exceptions", "list"}, {"remediate", "exceptions", "put"}, {"remediate", "exceptions", "delete"},
		{"compliance"}, {"rules"},
	}
	for _, cmd := range cmds {
		t.Run("OK"+strings.ReplaceAll(strings.Join(cmd, "-"), "-", ""), func(t *testing.T) {
			out, errOut, code := newCLIEnv(false, 0).run(append(cmd, "--help")...)
			wantExit(t, code, 0, out, errOut)
			name := "configd " + strings.Join(cmd, " ")
			for _, want := range []string{"Usage: " + name + " [flags]", "-endpoint-url", "-region", "-profile", "-output", "Example:\n  " + name} {
				if !strings.Contains(errOut, want) {
					t.Fatalf("help lacks %q:\n%s", want, errOut)
				}
			}
		})
	}

	t.Run("OKTopLevel", func(t *testing.T) {
		out, errOut, code := newCLIEnv(false, 0).run("help")
		wantExit(t, code, 0, out, errOut)
		for _, c := range []string{"remediate", "compliance", "rules"} {
			if !strings.Contains(out, "  "+c+" ") {
				t.Fatalf("configd help lacks %s:\n%s", c, out)
			}
		}
	})

	t.Run("OKRemediateHelp", func(t *testing.T) {
		out, errOut, code := newCLIEnv(false, 0).run("remediate", "help")
		wantExit(t, code, 0, out, errOut)
		for _, c := range []string{"start", "status", "delete-config", "exceptions"} {
			if !strings.Contains(out, "  "+c+" ") {
				t.Fatalf("configd remediate help lacks %s:\n%s", c, out)
			}
		}
	})
}

func TestCLIUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"ErrNoSubcommand", []string{"remediate"}, "Usage: configd remediate <command>"},
		{"ErrUnknownSubcommand", []string{"remediate", "stop"}, `configd remediate: unknown command "stop"`},
		{"ErrUnknownExceptionsCommand", []string{"remediate", "exceptions", "get"}, `configd remediate exceptions: unknown command "get"`},
		{"ErrNoRule", []string{"remediate", "start", "--resource-type", "T", "--resource-id", "a"}, "configd remediate start: --rule is required"},
		{"ErrNoType", []string{"remediate", "start", "--rule", "r", "--resource-id", "a"}, "configd remediate start: --resource-type is required"},
		{"ErrNoIds", []string{"remediate", "start", "--rule", "r", "--resource-type", "T"}, "configd remediate start: give at least one --resource-id"},
		{"ErrOutput", []string{"remediate", "start", "--rule", "r", "--resource-type", "T", "a", "--output", "yaml"}, `--output "yaml": want text or json`},
		{"ErrUnknownFlag", []string{"rules", "--bogus"}, "flag provided but not defined: -bogus"},
		{"ErrBadDuration", []string{"remediate", "start", "--timeout", "soon"}, `invalid value "soon" for flag -timeout`},
		{"ErrExtraArgument", []string{"remediate", "delete-config", "--rule", "r", "extra"}, `unexpected argument "extra"`},
		{"ErrDeleteConfigNoRule", []string{"remediate", "delete-config"}, "configd remediate delete-config: --rule is required"},
		{"ErrExceptionsPutNoIds", []string{"remediate", "exceptions", "put", "--rule", "r", "--resource-type", "T"}, "configd remediate exceptions put: give at least one --resource-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := newCLIEnv(false, 0).run(tt.args...)
			wantExit(t, code, exitUsage, out, errOut)
			if !strings.Contains(errOut, tt.want) {
				t.Fatalf("stderr lacks %q:\n%s", tt.want, errOut)
			}
			if out != "" {
				t.Fatalf("stdout = %q, want nothing", out)
			}
		})
	}
}

func TestCLIEnvironmentFlags(t *testing.T) {
	// CONFIGD_<FLAG> applies to flags not given, as for every subcommand.
	srv := newCLIScript(t, cliOK(`{"ConfigRules":[]}`))
	t.Setenv("CONFIGD_ENDPOINT_URL", srv.URL)
	t.Setenv("CONFIGD_OUTPUT", "json")
	out, errOut, code := newCLIEnv(false, 0).run("rules", "--region", "us-east-1")
	wantExit(t, code, 0, out, errOut)
	if out != "{\n  \"ConfigRules\": []\n}\n" {
		t.Fatalf("stdout = %q", out)
	}
}

func TestErrLine(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"OKTyped", &types.RemediationInProgressException{Message: aws.String("Remediation action is in progress.")}, "RemediationInProgressException: Remediation action is in progress."},
		{"OKPlain", errors.New("two\nlines"), "two lines"},
		{"OKNil", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errLine(tt.err); got != tt.want {
				t.Fatalf("errLine = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"OKPlain", errors.New("x"), exitFailed},
		{"OKTimeout", &exitError{code: exitTimeout, err: errors.New("x")}, exitTimeout},
		{"OKWrapped", errors.Join(flag.ErrHelp, &exitError{code: exitTimeout, err: errors.New("x")}), exitTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.err); got != tt.want {
				t.Fatalf("exitCode = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name string
		args []string
		ids  string
		wait bool
	}{
		{"OKFlagsOnly", []string{"--resource-id", "a", "--resource-id", "b"}, "a,b", false},
		{"OKInterleaved", []string{"--resource-id", "a", "b", "--wait", "c", "--resource-id", "d"}, "a,b,c,d", true},
		{"OKDoubleDash", []string{"--wait", "a", "--", "-b", "--c"}, "a,-b,--c", true},
		{"OKNone", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			var ids stringList
			fs.Var(&ids, "resource-id", "")
			wait := fs.Bool("wait", false, "")
			if _, err := parseArgs(fs, tt.args, &ids); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(ids, ","); got != tt.ids || *wait != tt.wait {
				t.Fatalf("ids = %q, wait = %v; want %q, %v", got, *wait, tt.ids, tt.wait)
			}
		})
	}

	t.Run("OKPositionalReturned", func(t *testing.T) {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		rule := fs.String("rule", "", "")
		pos, err := parseArgs(fs, []string{"x", "--rule", "r", "y"}, nil)
		if err != nil || strings.Join(pos, ",") != "x,y" || *rule != "r" {
			t.Fatalf("pos = %v, rule = %q, err = %v", pos, *rule, err)
		}
	})

	t.Run("ErrUnknownFlag", func(t *testing.T) {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		if _, err := parseArgs(fs, []string{"a", "--bogus"}, nil); !errors.Is(err, errUsage) {
			t.Fatalf("err = %v, want errUsage", err)
		}
	})
}
