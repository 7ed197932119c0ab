package evaluator_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/configd/configd"
	"github.com/configd/configd/evaluator"
)

const fnARN = "arn:aws:lambda:us-east-1:111111111111:function:my-rule"

func needPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
}

// A Lambda-style Python rule runs unchanged through the shim: its handler
// gets the event and a context, with configd's endpoint and the account's
// credentials in its environment.
func TestPythonHandler(t *testing.T) {
	needPython(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.json")
	rule := filepath.Join(dir, "rule.py")
	src := `import json, os
import helper  # a module beside the rule, as in a Lambda package

def lambda_handler(event, context):
    with open(os.environ["OUT"], "w") as f:
        json.dump({"event": event, "name": context.function_name, "arn": context.invoked_function_arn,
                   "remaining": context.get_remaining_time_in_millis() > 0,
                   "endpoint": os.environ.get("AWS_ENDPOINT_URL"), "key": os.environ.get("AWS_ACCESS_KEY_ID"),
                   "region": os.environ.get("AWS_REGION"), "helper": helper.VALUE}, f)
    return {"ok": True}
`
	if err := os.WriteFile(rule, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "helper.py"), []byte("VALUE = 42\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := evaluator.PythonHandler("", rule, "")
	cmd.Env = []string{"OUT=" + out}
	cmd.Endpoint = func() string { return "http://127.0.0.1:4599" }
	cmd.Credentials = func(account string) (evaluator.Credentials, bool) {
		return evaluator.Credentials{AccessKeyID: "AKID" + account, SecretAccessKey: "s"}, true
	}
	scope := configd.Scope{AccountID: "111111111111", Region: "eu-west-1"}
	if err := cmd.Invoke(ctx, &evaluator.Invocation{Scope: scope, FunctionARN: fnARN, Event: []byte(`{"configRuleName":"r"}`)}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Event     map[string]any `json:"event"`
		Name, ARN string
		Remaining bool
		Endpoint  string
		Key       string
		Region    string
		Helper    int
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Event["configRuleName"] != "r" || got.Name != "my-rule" || got.ARN != fnARN || !got.Remaining ||
		got.Endpoint != "http://127.0.0.1:4599" || got.Key != "AKID111111111111" || got.Region != "eu-west-1" || got.Helper != 42 {
		t.Fatalf("the handler saw %s", b)
	}

	t.Run("ErrHandlerRaises", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.py")
		os.WriteFile(bad, []byte("def lambda_handler(event, context):\n    raise ValueError('no compliance today')\n"), 0o600)
		err := evaluator.PythonHandler("", bad, "").Invoke(ctx, &evaluator.Invocation{Scope: scope, FunctionARN: fnARN, Event: []byte(`{}`)})
		if err == nil || !strings.Contains(err.Error(), "no compliance today") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ErrTimeout", func(t *testing.T) {
		slow := &evaluator.Command{Args: []string{"python3", "-c", "import time; time.sleep(30)"}, Timeout: 200 * time.Millisecond}
		start := time.Now()
		err := slow.Invoke(ctx, &evaluator.Invocation{Scope: scope, FunctionARN: fnARN, Event: []byte(`{}`)})
		if err == nil || !strings.Contains(err.Error(), "timed out") || time.Since(start) > 10*time.Second {
			t.Fatalf("err = %v after %v", err, time.Since(start))
		}
	})
}

func TestFunctions(t *testing.T) {
	local := &evaluator.Command{Args: []string{"true"}}
	f := &evaluator.Functions{Local: map[string]evaluator.Function{fnARN: local}}
	t.Run("OKLocal", func(t *testing.T) {
		got, err := f.Function(ctx, scopeA, fnARN)
		if err != nil || got != local {
			t.Fatalf("Function = %v, %v", got, err)
		}
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		_, err := f.Function(ctx, scopeA, fnARN+"-other")
		if err == nil || !strings.Contains(err.Error(), "no function is configured") {
			t.Fatalf("err = %v", err)
		}
	})
}

// A function that is not local is invoked through the Lambda Invoke API,
// asynchronously as AWS Config invokes rule functions.
func TestLambdaFunction(t *testing.T) {
	var mu sync.Mutex
	var got struct{ path, typ, body string }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got.path, got.typ, got.body = r.URL.Path, r.Header.Get("X-Amz-Invocation-Type"), string(b)
		mu.Unlock()
		if strings.Contains(r.URL.Path, "missing") {
			w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"Type":"User","message":"Function not found"}`)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	f := &evaluator.Functions{LambdaConfig: func(_ context.Context, scope configd.Scope) (aws.Config, bool, error) {
		return aws.Config{Region: scope.Region, BaseEndpoint: aws.String(srv.URL), Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")}, true, nil
	}}
	fn, err := f.Function(ctx, scopeA, fnARN)
	if err != nil {
		t.Fatal(err)
	}
	if err := fn.Invoke(ctx, &evaluator.Invocation{Scope: scopeA, FunctionARN: fnARN, Event: []byte(`{"configRuleName":"r"}`)}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if got.path != "/2015-03-31/functions/"+fnARN+"/invocations" || got.typ != "Event" || got.body != `{"configRuleName":"r"}` {
		t.Fatalf("the Lambda endpoint got %+v", got)
	}
	mu.Unlock()
	t.Run("ErrNotFound", func(t *testing.T) {
		err := fn.Invoke(ctx, &evaluator.Invocation{Scope: scopeA, FunctionARN: fnARN + "-missing", Event: []byte(`{}`)})
		if err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
			t.Fatalf("err = %v", err)
		}
	})
}
