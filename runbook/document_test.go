package runbook

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/configd/configd"
)

// minimal is the smallest valid document.
const minimal = `
schemaVersion: "0.3"
mainSteps:
  - {name: Wait, action: "aws:sleep", inputs: {Duration: PT1M}}
`

func TestParseDocument(t *testing.T) {
	step := func(s string) string { return "schemaVersion: \"0.3\"\nmainSteps:\n" + s }
	tests := []struct {
		name string
		doc  string
		want string // "" for success, else a substring of the error
	}{
		{"OK", minimal, ""},
		{"OKJSON", `{
	"schemaVersion": "0.3",
	"parameters": {"Name": {"type": "String", "default": "x"}},
	"mainSteps": [{"name": "Call", "action": "configd:httpRequest", "inputs": {"URL": "http://127.0.0.1/{{ Name }}"}}],
	"outputs": ["Call.StatusCode"]
}`, ""},
		{"OKUnquotedVersion", "schemaVersion: 0.3\nmainSteps:\n  - {name: W, action: \"aws:sleep\", inputs: {Duration: PT1S}}", ""},
		{"ErrSchemaVersion", "schemaVersion: \"2.2\"\nmainSteps: []", "schemaVersion must be 0.3"},
		{"ErrNotYAML", "{{{", "yaml"},
		{"ErrUnknownField", step("  - {name: W, action: \"aws:sleep\", inputs: {Duration: PT1S}, onFaliure: Continue}"), "field onFaliure not found"},
		{"ErrNoSteps", "schemaVersion: \"0.3\"\nmainSteps: []", "mainSteps is empty"},
		{"ErrAction", step("  - {name: W, action: \"aws:executeAwsApi\", inputs: {Service: s3, Api: ListBuckets}}"), `action "aws:executeAwsApi" is not supported`},
		{"ErrStepName", step("  - {name: \"W x\", action: \"aws:sleep\", inputs: {Duration: PT1S}}"), "step name"},
		{"ErrDuplicateStep", step("  - {name: W, action: \"aws:sleep\", inputs: {Duration: PT1S}}\n  - {name: W, action: \"aws:sleep\", inputs: {Duration: PT1S}}"), "used twice"},
		{"ErrNextStep", step("  - {name: W, action: \"aws:sleep\", inputs: {Duration: PT1S}, nextStep: Z}"), "nextStep Z is not a step"},
		{"ErrOnFailureTarget", step("  - {name: W, action: \"aws:sleep\", inputs: {Duration: PT1S}, onFailure: \"step:Z\"}"), "onFailure target Z"},
		{"ErrOnFailure", step("  - {name: W, action: \"aws:sleep\", inputs: {Duration: PT1S}, onFailure: Retry}"), "onFailure must be"},
		{"ErrUnknownRef", step("  - {name: W, action: \"aws:sleep\", inputs: {Duration: \"{{ Nope }}\"}}"), "{{ Nope }} is not a parameter"},
		{"ErrUnknownOutputRef", step("  - {name: W, action: \"aws:sleep\", inputs: {Duration: \"{{ W.Payload }}\"}}"), "{{ W.Payload }}"},
		{"ErrParameterStore", step("  - {name: W, action: \"aws:sleep\", inputs: {Duration: \"{{ssm:/my/param}}\"}}"), "Parameter Store"},
		{"ErrPythonHandler", step("  - {name: S, action: \"aws:executeScript\", inputs: {Runtime: python3.11, Script: \"x\"}}"), "Handler is required"},
		{"ErrRuntime", step("  - {name: S, action: \"aws:executeScript\", inputs: {Runtime: PowerShell 7.4, Script: \"x\"}}"), "Runtime"},
		{"ErrAttachment", step("  - {name: S, action: \"aws:executeScript\", inputs: {Runtime: python3.11, Handler: h, Attachment: a.zip}}"), "Attachment is not supported"},
		{"ErrScriptInput", step("  - {name: S, action: \"aws:executeScript\", inputs: {Runtime: bash, Script: x, Env: y}}"), "input Env is not an input"},
		{"ErrSleepBoth", step("  - {name: W, action: \"aws:sleep\", inputs: {Duration: PT1S, Timestamp: \"2026-01-01T00:00:00Z\"}}"), "exactly one of Duration and Timestamp"},
		{"ErrDuration", step("  - {name: W, action: \"aws:sleep\", inputs: {Duration: 10m}}"), "not an ISO 8601 duration"},
		{"ErrTimestamp", step("  - {name: W, action: \"aws:sleep\", inputs: {Timestamp: tomorrow}}"), "Timestamp"},
		{"ErrURL", step("  - {name: H, action: \"configd:httpRequest\", inputs: {URL: \"ftp://x\"}}"), "must be http:// or https://"},
		{"ErrHeaders", step("  - {name: H, action: \"configd:httpRequest\", inputs: {URL: \"http://x\", Headers: [a]}}"), "Headers must be a map"},
		{"ErrFunctionName", step("  - {name: L, action: \"aws:invokeLambdaFunction\", inputs: {Payload: \"{}\"}}"), "FunctionName is required"},
		{"ErrScriptTimeout", step("  - {name: S, action: \"aws:executeScript\", timeoutSeconds: 601, inputs: {Runtime: bash, Script: x}}"), "timeoutSeconds must be 1..600"},
		{"ErrMaxAttempts", step("  - {name: W, action: \"aws:sleep\", maxAttempts: 0, inputs: {Duration: PT1S}}"), "maxAttempts must be"},
		{"ErrOutputSelector", step("  - {name: S, action: \"aws:executeScript\", inputs: {Runtime: bash, Script: x}, outputs: [{Name: O, Selector: Payload, Type: String}]}"), "must start with $"},
		{"ErrOutputType", step("  - {name: S, action: \"aws:executeScript\", inputs: {Runtime: bash, Script: x}, outputs: [{Name: O, Selector: $.Payload, Type: Float}]}"), `type "Float"`},
		{"ErrDocumentOutput", minimal + "outputs: [Wait.Payload]\n", "output Wait.Payload is not an output"},
		{"ErrParameterType", "schemaVersion: \"0.3\"\nparameters:\n  P: {type: Number}\n" + minimal[strings.Index(minimal, "mainSteps"):], `type "Number"`},
		{"ErrParameterDefault", "schemaVersion: \"0.3\"\nparameters:\n  P: {type: Integer, default: many}\n" + minimal[strings.Index(minimal, "mainSteps"):], "default of parameter P"},
		{"ErrParameterAllowed", "schemaVersion: \"0.3\"\nparameters:\n  P: {type: String, default: c, allowedValues: [a, b]}\n" + minimal[strings.Index(minimal, "mainSteps"):], "allowed values"},
		{"ErrFiles", "schemaVersion: \"0.3\"\nfiles:\n  a.zip: {checksums: {sha256: x}}\n" + minimal[strings.Index(minimal, "mainSteps"):], "attachments"},
		{"ErrAssumeRoleRef", "schemaVersion: \"0.3\"\nassumeRole: \"{{ Role }}\"\n" + minimal[strings.Index(minimal, "mainSteps"):], "assumeRole"},
		{"ErrTooLarge", minimal + "description: " + strings.Repeat("x", maxDocumentSize), "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDocument("Doc", []byte(tt.doc))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if d.Name() != "Doc" {
					t.Fatalf("name %q", d.Name())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestDocumentParameters(t *testing.T) {
	d := parse(t, "Params", `
schemaVersion: "0.3"
parameters:
  Name: {type: String, description: The name., allowedPattern: "^[a-z]+$"}
  Ids: {type: StringList, default: [a, b]}
  Force: {type: Boolean, default: false, allowedValues: [true, false]}
  Count: {type: Integer, default: 3}
  Tags: {type: StringMap, default: {team: sre}}
mainSteps:
  - name: Echo
    action: aws:executeScript
    inputs:
      Runtime: shell
      InputPayload: {name: "{{ Name }}", ids: "{{ Ids }}", force: "{{ Force }}", count: "{{ Count }}", tags: "{{ Tags }}", joined: "{{ Name }}-{{ Ids }}-{{ Count }}"}
      Script: cat
outputs: [Echo.Payload]
`)
	t.Run("OKDeclared", func(t *testing.T) {
		var got []string
		for _, p := range d.Parameters() {
			got = append(got, p.Name+":"+p.Type+":"+strings.Join(p.Default, ","))
		}
		want := "Count:Integer:3 Force:Boolean:false Ids:StringList:a,b Name:String: Tags:StringMap:{\"team\":\"sre\"}"
		if strings.Join(got, " ") != want {
			t.Fatalf("parameters %s", strings.Join(got, " "))
		}
		if p := d.Parameters()[3]; !p.Required {
			t.Fatal("Name, without a default, is not required")
		}
	})
	t.Run("OKTypedSubstitution", func(t *testing.T) {
		env, _ := testEnv("http://127.0.0.1:1")
		out, err, _ := execute(t, d, env, map[string][]string{"Name": {"web"}, "Force": {"TRUE"}})
		if err != nil {
			t.Fatal(err)
		}
		p := out["Echo.Payload"].(map[string]any)
		if p["name"] != "web" || p["force"] != true || p["count"] != float64(3) || p["joined"] != `web-["a","b"]-3` {
			t.Fatalf("payload %v", p)
		}
		if ids, ok := p["ids"].([]any); !ok || len(ids) != 2 || ids[0] != "a" {
			t.Fatalf("ids %v", p["ids"])
		}
		if tags, ok := p["tags"].(map[string]any); !ok || tags["team"] != "sre" {
			t.Fatalf("tags %v", p["tags"])
		}
	})
	t.Run("ErrPattern", func(t *testing.T) {
		env, _ := testEnv("http://127.0.0.1:1")
		_, err, log := execute(t, d, env, map[string][]string{"Name": {"Web 1"}})
		if err == nil || !strings.Contains(err.Error(), "pattern") || log.final() != "Echo:FAILED" {
			t.Fatalf("error %v, steps %s", err, log.final())
		}
	})
}

func TestLoadDir(t *testing.T) {
	write := func(t *testing.T, dir, name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("OK", func(t *testing.T) {
		dir := t.TempDir()
		write(t, dir, "Team-Fix.yaml", minimal)
		write(t, dir, "json-doc.json", `{"schemaVersion": "0.3", "parameters": {"Bucket": {"type": "String"}}, "mainSteps": [{"name": "W", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}}]}`)
		write(t, dir, "README.md", "not a document")
		write(t, dir, ".hidden.yaml", "not: parsed")
		r, err := NewRegistry(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"Team-Fix", "json-doc"} {
			if _, ok := r.Lookup(name); !ok {
				t.Fatalf("%s not loaded", name)
			}
		}
		if _, ok := r.Lookup("README"); ok {
			t.Fatal("README loaded")
		}
		// Validate applies to user documents as to native ones.
		if err := r.Validate("json-doc", map[string]configd.RemediationParameter{"Bucket": resourceID}); err != nil {
			t.Fatal(err)
		}
		if err := r.Validate("json-doc", nil); !configd.IsCode(err, configd.ErrInvalidParameterValue) {
			t.Fatalf("missing Bucket: %v", err)
		}
		// Reload picks up a new document.
		write(t, dir, "Later.yml", minimal)
		if err := r.Reload(); err != nil {
			t.Fatal(err)
		}
		if _, ok := r.Lookup("Later"); !ok {
			t.Fatal("Later not loaded by Reload")
		}
		// A broken document fails Reload and keeps the previous set.
		write(t, dir, "Broken.yaml", "schemaVersion: \"0.3\"\nmainSteps: []")
		if err := r.Reload(); err == nil || !strings.Contains(err.Error(), "Broken.yaml") {
			t.Fatalf("Reload error %v", err)
		}
		if _, ok := r.Lookup("Later"); !ok {
			t.Fatal("a failed Reload dropped the documents")
		}
	})
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"ErrReservedAWS", map[string]string{"AWS-EnableS3BucketEncryption.yaml": minimal}, "reserved"},
		{"ErrReservedConfigd", map[string]string{"configd-test.yaml": minimal}, "reserved"},
		{"ErrReservedAmazon", map[string]string{"AmazonFix.yaml": minimal}, "reserved"},
		{"ErrDuplicate", map[string]string{"fix.yaml": minimal, "fix.json": minimal}, "same name"},
		{"ErrShortName", map[string]string{"ab.yaml": minimal}, "3 to 128"},
		{"ErrBroken", map[string]string{"broken.yaml": "schemaVersion: \"0.3\"\nmainSteps:\n  - {name: W, action: \"aws:runCommand\"}"}, "broken.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tt.files {
				write(t, dir, name, content)
			}
			if _, err := NewRegistry(dir); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	t.Run("ErrNoDirectory", func(t *testing.T) {
		if _, err := NewRegistry(filepath.Join(t.TempDir(), "missing")); err == nil {
			t.Fatal("no error for a missing directory")
		}
	})
}

func TestParseISODuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"PT10M", 10 * time.Minute, ""},
		{"PT1H30M", 90 * time.Minute, ""},
		{"P1DT2H", 26 * time.Hour, ""},
		{"P2W", 14 * 24 * time.Hour, ""},
		{"PT1.5S", 1500 * time.Millisecond, ""},
		{"PT0S", 0, ""},
		{"P", 0, "not an ISO 8601 duration"},
		{"PT", 0, "not an ISO 8601 duration"},
		{"10M", 0, "not an ISO 8601 duration"},
		{"P1Y", 0, "years and months"},
		{"P1M", 0, "years and months"},
		{"-PT1S", 0, "not an ISO 8601 duration"},
		{"P999999999W", 0, "too long"},
	}
	for _, tt := range tests {
		name := "OK" + tt.in
		if tt.err != "" {
			name = "Err" + tt.in
		}
		t.Run(name, func(t *testing.T) {
			got, err := ParseISODuration(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %s, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func TestSelector(t *testing.T) {
	result := map[string]any{"Payload": map[string]any{"a": []any{map[string]any{"b.c": "deep"}}, "n": float64(7)}}
	tests := []struct {
		sel  string
		want any
		err  bool
	}{
		{"$", result, false},
		{"$.Payload.n", float64(7), false},
		{"$.Payload.a[0]['b.c']", "deep", false},
		{`$["Payload"].n`, float64(7), false},
		{"$.Payload.missing", nil, false},
		{"$.Payload.a[3]", nil, false},
		{"Payload", nil, true},
		{"$.", nil, true},
		{"$.a[x]", nil, true},
		{"$['a", nil, true},
	}
	for _, tt := range tests {
		name := "OK" + tt.sel
		if tt.err {
			name = "Err" + tt.sel
		}
		t.Run(name, func(t *testing.T) {
			sel, err := parseSelector(tt.sel)
			if tt.err {
				if err == nil {
					t.Fatalf("selector %q parsed", tt.sel)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, ok := sel.eval(result)
			if tt.want == nil {
				if ok {
					t.Fatalf("selected %v, want nothing", got)
				}
				return
			}
			if !ok || text(got) != text(tt.want) {
				t.Fatalf("selected %v (%t), want %v", got, ok, tt.want)
			}
		})
	}
}

func TestConvertOutput(t *testing.T) {
	tests := []struct {
		name string
		in   any
		typ  string
		want string // text of the result; "" with err
		err  bool
	}{
		{"OKString", float64(3), TypeString, "3", false},
		{"OKStringFromMap", map[string]any{"a": "b"}, TypeString, `{"a":"b"}`, false},
		{"OKInteger", float64(42), TypeInteger, "42", false},
		{"OKIntegerString", "42", TypeInteger, "42", false},
		{"OKBoolean", "true", TypeBoolean, "true", false},
		{"OKStringList", []any{"a", float64(1)}, TypeStringList, `["a","1"]`, false},
		{"OKStringMap", map[string]any{"k": "v"}, TypeStringMap, `{"k":"v"}`, false},
		{"OKMapList", []any{map[string]any{"k": "v"}}, TypeMapList, `[{"k":"v"}]`, false},
		{"ErrInteger", float64(1.5), TypeInteger, "", true},
		{"ErrBoolean", "yes", TypeBoolean, "", true},
		{"ErrStringList", "a", TypeStringList, "", true},
		{"ErrMapList", []any{"a"}, TypeMapList, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := convertOutput(tt.in, tt.typ)
			if tt.err {
				if err == nil {
					t.Fatalf("converted to %v", got)
				}
				return
			}
			if err != nil || text(got) != tt.want {
				t.Fatalf("got %v, %v; want %s", text(got), err, tt.want)
			}
		})
	}
}
