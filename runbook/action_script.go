package runbook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Bounds of scripts' output.
const (
	maxScriptOutput = 64 << 10  // stdout and stderr kept, each
	maxScriptResult = 256 << 10 // the handler's return value, as JSON
)

// pythonRunner loads the user's script as a module, calls its handler with
// (events, context) as aws:executeScript does, and writes the outcome as
// JSON to the result file. It is configd's own code.
const pythonRunner = `import importlib.util, json, sys, traceback
script, events_file, context_file, handler, result_file = sys.argv[1:6]
def finish(result):
    with open(result_file, "w") as f:
        json.dump(result, f, default=str)
try:
    spec = importlib.util.spec_from_file_location("configd_script", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = getattr(module, handler, None)
    if callable(fn):
        with open(events_file) as f:
            events = json.load(f)
        with open(context_file) as f:
            context = json.load(f)
        finish({"ok": True, "payload": fn(events, context)})
    else:
        finish({"ok": False, "errorType": "HandlerNotFound", "errorMessage": "the script defines no function " + handler})
except BaseException as e:
    finish({"ok": False, "errorType": type(e).__name__, "errorMessage": str(e), "trace": traceback.format_exc()[-4000:]})
`

// python returns the interpreter of Python steps: Registry.Python when set,
// else python3 from PATH resolved once to the executable it runs (version
// managers put slow wrapper scripts on PATH).
func (r *Registry) python() string {
	if r != nil && r.Python != "" {
		return r.Python
	}
	return defaultPython()
}

var defaultPython = sync.OnceValue(resolvePython)

func resolvePython() string {
	path, err := exec.LookPath("python3")
	if err != nil {
		return "python3"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "-c", "import sys; print(sys.executable)").Output()
	if exe := strings.TrimSpace(string(out)); err == nil && filepath.IsAbs(exe) {
		return exe
	}
	return path
}

// executeScript is aws:executeScript
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-action-executeScript.html):
// Python through the local interpreter, or a shell script. Its result is
// {"Payload": <handler return value or shell stdout>}.
func (x *execution) executeScript(ctx context.Context, s *Step, in map[string]any) (map[string]any, error) {
	dir, err := os.MkdirTemp("", "configd-script-")
	if err != nil {
		return nil, fmt.Errorf("script directory: %w", err)
	}
	defer os.RemoveAll(dir)
	payload := in["InputPayload"]
	if payload == nil {
		payload = map[string]any{}
	}
	events, err := json.Marshal(jsonable(payload))
	if err != nil {
		return nil, fmt.Errorf("InputPayload: %w", err)
	}
	env, err := x.scriptEnv(ctx, dir)
	if err != nil {
		return nil, err
	}
	rt := text(in["Runtime"])
	script := text(in["Script"])
	if strings.HasPrefix(rt, "python3") {
		return x.runPython(ctx, s, dir, env, script, text(in["Handler"]), events)
	}
	return x.runShell(ctx, dir, env, rt, script, events)
}

func (x *execution) runPython(ctx context.Context, s *Step, dir string, env []string, script, handler string, events []byte) (map[string]any, error) {
	// "module.function" handlers name the function after the last dot.
	if i := strings.LastIndexByte(handler, '.'); i >= 0 {
		handler = handler[i+1:]
	}
	scriptCtx, err := json.Marshal(map[string]any{
		"automation:EXECUTION_ID": x.env.ExecutionID, "global:ACCOUNT_ID": x.env.Scope.AccountID,
		"global:REGION": x.env.Scope.Region, "StepName": s.Name,
	})
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{"runner.py": []byte(pythonRunner), "script.py": []byte(script), "events.json": events, "context.json": scriptCtx}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", name, err)
		}
	}
	python := x.doc.registry.python()
	resultFile := filepath.Join(dir, "result.json")
	stdout, stderr, err := runProcess(ctx, dir, env, nil, python, filepath.Join(dir, "runner.py"),
		filepath.Join(dir, "script.py"), filepath.Join(dir, "events.json"), filepath.Join(dir, "context.json"), handler, resultFile)
	x.env.Logger.Debug("script output", "stdout", stdout, "stderr", stderr)
	if err != nil {
		return nil, fmt.Errorf("python: %w%s", err, tail("stderr", stderr))
	}
	data, err := readResult(resultFile)
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, tail("stderr", stderr))
	}
	var res struct {
		OK           bool   `json:"ok"`
		Payload      any    `json:"payload"`
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
		Trace        string `json:"trace"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		return nil, fmt.Errorf("read the script's result: %w", err)
	}
	if !res.OK {
		x.env.Logger.Info("script raised", "step", s.Name, "trace", res.Trace)
		return nil, fmt.Errorf("%s: %s", res.ErrorType, res.ErrorMessage)
	}
	return map[string]any{"Payload": res.Payload}, nil
}

// runShell runs a shell script (configd's Runtime bash or shell): the
// InputPayload as JSON on stdin; stdout, parsed as JSON when it is, is the
// Payload; a non-zero exit fails the step.
func (x *execution) runShell(ctx context.Context, dir string, env []string, rt, script string, events []byte) (map[string]any, error) {
	shell := "/bin/sh"
	if rt == "bash" {
		shell = "bash"
	}
	path := filepath.Join(dir, "script.sh")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		return nil, fmt.Errorf("write script: %w", err)
	}
	stdout, stderr, err := runProcess(ctx, dir, env, events, shell, path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w%s", rt, err, tail("stderr", stderr))
	}
	out := strings.TrimSpace(stdout)
	var payload any = out
	var parsed any
	if out != "" && json.Unmarshal([]byte(out), &parsed) == nil {
		payload = parsed
	}
	return map[string]any{"Payload": payload}, nil
}

// runProcess runs a command in its own process group, killed with the group
// when ctx ends, and returns its bounded stdout and stderr.
func runProcess(ctx context.Context, dir string, env []string, stdin []byte, name string, args ...string) (string, string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	stdout, stderr := &boundedBuffer{max: maxScriptOutput}, &boundedBuffer{max: maxScriptOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if ctxErr := ctx.Err(); err != nil && ctxErr != nil {
		err = fmt.Errorf("killed: %w", ctxErr)
	}
	return stdout.String(), stderr.String(), err
}

// readResult reads the runner's result file, bounded.
func readResult(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, errors.New("the script ended without a result (did it exit?)")
	}
	if fi.Size() > maxScriptResult {
		return nil, fmt.Errorf("the script's return value is larger than %d bytes", maxScriptResult)
	}
	return os.ReadFile(path)
}

// tail renders the end of a script's output for an error message.
func tail(what, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if len(s) > 500 {
		s = "..." + s[len(s)-500:]
	}
	return "; " + what + ": " + s
}

// boundedBuffer keeps the first max bytes written to it.
type boundedBuffer struct {
	buf       bytes.Buffer
	max       int
	truncated bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); room > 0 {
		if len(p) > room {
			b.buf.Write(p[:room])
			b.truncated = true
		} else {
			b.buf.Write(p)
		}
	} else if len(p) > 0 {
		b.truncated = true
	}
	return len(p), nil
}

func (b *boundedBuffer) String() string {
	if b.truncated {
		return b.buf.String() + "\n[output truncated]"
	}
	return b.buf.String()
}

// passedEnv lists the variables of configd's environment scripts inherit:
// what finding programs and libraries needs, and nothing of configd's own
// configuration or credentials.
var passedEnv = []string{"PATH", "HOME", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR",
	"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
	"AWS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"}

// scriptEnv is a script's environment: passedEnv, and the AWS endpoint,
// region and credentials of the execution (the assumed role's when the
// document has an assumeRole), so boto3 and the AWS CLI reach the same
// account configd does. Shared config files are hidden so that a profile
// cannot redirect the script.
func (x *execution) scriptEnv(ctx context.Context, dir string) ([]string, error) {
	var env []string
	for _, k := range passedEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	env = append(env,
		"AWS_REGION="+x.cfg.Region, "AWS_DEFAULT_REGION="+x.cfg.Region,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE="+filepath.Join(dir, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "aws-credentials"),
		"PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1",
		"CONFIGD_EXECUTION_ID="+x.env.ExecutionID,
	)
	if x.cfg.BaseEndpoint != nil {
		env = append(env, "AWS_ENDPOINT_URL="+*x.cfg.BaseEndpoint)
	}
	if x.cfg.Credentials != nil {
		creds, err := x.cfg.Credentials.Retrieve(ctx)
		if err != nil {
			return nil, fmt.Errorf("credentials for the script: %w", err)
		}
		env = append(env, "AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey)
		if creds.SessionToken != "" {
			env = append(env, "AWS_SESSION_TOKEN="+creds.SessionToken)
		}
	}
	return env, nil
}
