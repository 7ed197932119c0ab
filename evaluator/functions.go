package evaluator

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/configd/configd"
)

// Invocation is one call of a rule's function.
type Invocation struct {
	Scope       configd.Scope
	FunctionARN string
	RuleName    string
	// Event is the JSON event (see Event).
	Event []byte
}

// Function runs a Lambda-style rule's function on an event. The function
// answers through PutEvaluations with the event's result token; Invoke
// reports only whether the invocation itself worked.
type Function interface {
	Invoke(ctx context.Context, inv *Invocation) error
}

// FunctionResolver finds the function behind a rule's function ARN
// (SourceIdentifier). It returns an error saying why when there is none.
type FunctionResolver interface {
	Function(ctx context.Context, scope configd.Scope, arn string) (Function, error)
}

// Functions resolves function ARNs: first the local commands of Local, by
// exact ARN, then a Lambda Invoke-compatible endpoint of the scope's account.
type Functions struct {
	// Local maps function ARNs to local functions (Command).
	Local map[string]Function
	// LambdaConfig returns the AWS SDK configuration that reaches the Lambda
	// API of the scope's account and region (AWS, LocalStack, SAM local),
	// and false when the account has none.
	LambdaConfig func(ctx context.Context, scope configd.Scope) (aws.Config, bool, error)
	// InvocationType is the Lambda invocation type, "Event" (asynchronous,
	// as AWS Config invokes rule functions) by default, or
	// "RequestResponse" to wait for the function and see its errors.
	InvocationType string
}

// Function implements FunctionResolver.
func (f *Functions) Function(ctx context.Context, scope configd.Scope, arn string) (Function, error) {
	if fn, ok := f.Local[arn]; ok {
		return fn, nil
	}
	if f.LambdaConfig != nil {
		cfg, ok, err := f.LambdaConfig(ctx, scope)
		if err != nil {
			return nil, fmt.Errorf("configure the Lambda client of account %s: %w", scope.AccountID, err)
		}
		if ok {
			return &LambdaFunction{Client: lambda.NewFromConfig(cfg), InvocationType: f.InvocationType}, nil
		}
	}
	return nil, fmt.Errorf("no function is configured for %s: list it under functions in the configuration file, or give account %s an endpoint", arn, scope.AccountID)
}

// LambdaFunction invokes a function through the Lambda Invoke API.
type LambdaFunction struct {
	Client         *lambda.Client
	InvocationType string
}

// Invoke implements Function.
func (l *LambdaFunction) Invoke(ctx context.Context, inv *Invocation) error {
	typ := lambdatypes.InvocationTypeEvent
	if l.InvocationType != "" {
		typ = lambdatypes.InvocationType(l.InvocationType)
	}
	out, err := l.Client.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(inv.FunctionARN),
		InvocationType: typ,
		Payload:        inv.Event,
	})
	if err != nil {
		return err
	}
	if out.FunctionError != nil {
		return fmt.Errorf("function error %s: %s", aws.ToString(out.FunctionError), tail(out.Payload, 500))
	}
	return nil
}

// Credentials are the access key a local function uses to call back into
// configd.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

// DefaultCommandTimeout bounds a local function's run.
const DefaultCommandTimeout = 60 * time.Second

//go:embed lambda_shim.py
var pythonShim string

// Command runs a function as a local process. The event is written to its
// standard input. Its environment is configd's, without AWS_* variables,
// plus what an AWS SDK needs to answer configd: AWS_ENDPOINT_URL (configd's
// URL), AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of the scope's account,
// AWS_REGION and AWS_DEFAULT_REGION, AWS_LAMBDA_FUNCTION_NAME,
// CONFIGD_FUNCTION_ARN and CONFIGD_DEADLINE_MS; then Env.
type Command struct {
	Args []string
	Dir  string
	// Env holds extra KEY=VALUE variables.
	Env []string
	// Timeout defaults to DefaultCommandTimeout.
	Timeout time.Duration
	// Endpoint returns configd's URL.
	Endpoint func() string
	// Credentials returns an access key of the account; false leaves the
	// credentials out.
	Credentials func(accountID string) (Credentials, bool)
}

// PythonHandler returns a Command that runs handler(event, context) of the
// Python file path, as AWS Lambda's Python runtime does, through a shim
// embedded in configd: an existing rule written for Lambda (calling boto3's
// put_evaluations) runs unchanged. python is the interpreter ("python3" by
// default).
func PythonHandler(python, path, handler string) *Command {
	if python == "" {
		python = "python3"
	}
	if handler == "" {
		handler = "lambda_handler"
	}
	return &Command{Args: []string{python, "-c", pythonShim, path, handler}}
}

// maxOutput bounds the output of a local function kept for error messages.
const maxOutput = 64 << 10

// Invoke implements Function: it runs the command and waits for it; a
// non-zero exit is an error carrying the end of its standard error.
func (c *Command) Invoke(ctx context.Context, inv *Invocation) error {
	if len(c.Args) == 0 {
		return errors.New("the function's command is empty")
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultCommandTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Args[0], c.Args[1:]...)
	cmd.Dir = c.Dir
	cmd.Stdin = bytes.NewReader(inv.Event)
	var stdout, stderr capped
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = c.environ(inv, time.Now().Add(timeout))
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("the function timed out after %s", timeout)
	}
	if err != nil {
		msg := strings.TrimSpace(tail(stderr.Bytes(), 500))
		if msg == "" {
			return fmt.Errorf("the function failed: %w", err)
		}
		return fmt.Errorf("the function failed (%v): %s", err, msg)
	}
	return nil
}

func (c *Command) environ(inv *Invocation, deadline time.Time) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") {
			continue
		}
		env = append(env, kv)
	}
	name := inv.FunctionARN
	if i := strings.LastIndex(name, ":function:"); i >= 0 {
		name = name[i+len(":function:"):]
		if j := strings.IndexByte(name, ':'); j >= 0 {
			name = name[:j]
		}
	}
	env = append(env,
		"AWS_REGION="+inv.Scope.Region,
		"AWS_DEFAULT_REGION="+inv.Scope.Region,
		"AWS_LAMBDA_FUNCTION_NAME="+name,
		"AWS_EC2_METADATA_DISABLED=true",
		"CONFIGD_FUNCTION_ARN="+inv.FunctionARN,
		"CONFIGD_DEADLINE_MS="+strconv.FormatInt(deadline.UnixMilli(), 10),
	)
	if c.Endpoint != nil {
		env = append(env, "AWS_ENDPOINT_URL="+c.Endpoint())
	}
	if c.Credentials != nil {
		if k, ok := c.Credentials(inv.Scope.AccountID); ok {
			env = append(env, "AWS_ACCESS_KEY_ID="+k.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+k.SecretAccessKey)
		}
	}
	return append(env, c.Env...)
}

// capped is a writer that keeps the last maxOutput bytes written.
type capped struct{ buf []byte }

func (c *capped) Write(p []byte) (int, error) {
	c.buf = append(c.buf, p...)
	if len(c.buf) > maxOutput {
		c.buf = append(c.buf[:0], c.buf[len(c.buf)-maxOutput:]...)
	}
	return len(p), nil
}

func (c *capped) Bytes() []byte { return c.buf }

// tail returns the last n bytes of b as text.
func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
