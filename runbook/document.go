package runbook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Document is a user runbook: an AWS Systems Manager Automation document
// (schemaVersion 0.3, YAML or JSON;
// https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-syntax-data-elements-parameters.html)
// with the actions configd can run:
//
//   - aws:executeScript: Python 3 (Runtime python3.x) run by the local
//     python3 with AWS's handler(events, context) convention, or a shell
//     script (Runtime bash or shell, configd's own) reading InputPayload as
//     JSON on stdin, whose stdout (JSON if it parses) is the Payload;
//   - aws:sleep: Duration (ISO 8601) or Timestamp (RFC 3339);
//   - aws:invokeLambdaFunction: through Env.Invoke;
//   - configd:httpRequest: an HTTP call (Method, URL, Headers, Body), for a
//     team's own webhook, succeeding on a 2xx status.
//
// Steps support onFailure (Abort, Continue, step:<name>), isCritical,
// timeoutSeconds, maxAttempts, isEnd, nextStep and outputs (Name, Selector,
// Type); inputs may use {{ Parameter }}, {{ step.Output }} and the
// automation:EXECUTION_ID and global:ACCOUNT_ID, REGION, AWS_PARTITION,
// DATE and DATE_TIME variables.
type Document struct {
	// name is the document's name: its file name without the extension.
	// Automation documents carry no name of their own; Systems Manager names
	// them at CreateDocument.
	name          string
	Description   string
	AssumeRole    string
	Params        []Parameter
	Steps         []*Step
	Outputs       []string
	registry      *Registry
	stepIndex     map[string]int
	paramTypes    map[string]string
	outputsByStep map[string]map[string]bool
}

// Step is one step of a Document.
type Step struct {
	Name        string
	Action      string
	Description string
	Inputs      map[string]any
	// OnFailure is Abort (""), Continue or step:<name>.
	OnFailure      string
	IsCritical     bool
	TimeoutSeconds int // 0: the action's default
	MaxAttempts    int // at least 1
	IsEnd          bool
	NextStep       string
	Outputs        []StepOutput
}

// StepOutput names a value of a step's result.
type StepOutput struct {
	Name     string
	Selector string // $.Payload.key: a JSONPath subset (.key, ['key'], [n])
	Type     string // String, Integer, Boolean, StringList, StringMap, MapList
}

// Action names.
const (
	ActionExecuteScript = "aws:executeScript"
	ActionSleep         = "aws:sleep"
	ActionInvokeLambda  = "aws:invokeLambdaFunction"
	ActionHTTPRequest   = "configd:httpRequest"
)

// builtinOutputs are the outputs each action provides without a selector.
var builtinOutputs = map[string][]string{
	ActionExecuteScript: {"Payload"},
	ActionSleep:         nil,
	ActionInvokeLambda:  {"StatusCode", "Payload"},
	ActionHTTPRequest:   {"StatusCode", "Body"},
}

// Limits of documents.
const (
	maxDocumentSize = 512 << 10
	maxSteps        = 100
	maxAttemptsCap  = 10
	// maxStepTimeout is the longest step, as aws:sleep's limit of 7 days.
	maxStepTimeout = 7 * 24 * 3600
	// maxScriptTimeout is aws:executeScript's limit.
	maxScriptTimeout = 600
)

var (
	namePattern      = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,128}$`)
	stepNamePattern  = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)
	paramNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_]{1,128}$`)
)

// rawDocument is the document as written.
type rawDocument struct {
	SchemaVersion string              `yaml:"schemaVersion"`
	Description   string              `yaml:"description"`
	AssumeRole    string              `yaml:"assumeRole"`
	Parameters    map[string]rawParam `yaml:"parameters"`
	MainSteps     []rawStep           `yaml:"mainSteps"`
	Outputs       []string            `yaml:"outputs"`
	Files         map[string]any      `yaml:"files"`
}

type rawParam struct {
	Type           string `yaml:"type"`
	Description    string `yaml:"description"`
	Default        any    `yaml:"default"`
	AllowedValues  []any  `yaml:"allowedValues"`
	AllowedPattern string `yaml:"allowedPattern"`
	DisplayType    string `yaml:"displayType"`
	MinItems       int    `yaml:"minItems"`
	MaxItems       int    `yaml:"maxItems"`
	MinChars       int    `yaml:"minChars"`
	MaxChars       int    `yaml:"maxChars"`
}

type rawStep struct {
	Name           string         `yaml:"name"`
	Action         string         `yaml:"action"`
	Description    string         `yaml:"description"`
	Inputs         map[string]any `yaml:"inputs"`
	OnFailure      string         `yaml:"onFailure"`
	OnCancel       string         `yaml:"onCancel"`
	IsCritical     *bool          `yaml:"isCritical"`
	TimeoutSeconds *int           `yaml:"timeoutSeconds"`
	MaxAttempts    *int           `yaml:"maxAttempts"`
	IsEnd          bool           `yaml:"isEnd"`
	NextStep       string         `yaml:"nextStep"`
	Outputs        []rawOutput    `yaml:"outputs"`
}

type rawOutput struct {
	Name     string `yaml:"Name"`
	Selector string `yaml:"Selector"`
	Type     string `yaml:"Type"`
}

// ParseDocument parses an Automation document (YAML or JSON) named name and
// checks it: schema version 0.3, known fields, supported actions and their
// inputs, unique step names, existing jump targets, and {{ }} references to
// declared parameters, step outputs or automation variables.
func ParseDocument(name string, data []byte) (*Document, error) {
	if len(data) > maxDocumentSize {
		return nil, fmt.Errorf("document %s is larger than %d bytes", name, maxDocumentSize)
	}
	var raw rawDocument
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("document %s: %w", name, err)
	}
	d := &Document{name: name, Description: raw.Description, AssumeRole: raw.AssumeRole, Outputs: raw.Outputs,
		stepIndex: map[string]int{}, paramTypes: map[string]string{}, outputsByStep: map[string]map[string]bool{}}
	if err := d.build(&raw); err != nil {
		return nil, fmt.Errorf("document %s: %w", name, err)
	}
	return d, nil
}

func (d *Document) build(raw *rawDocument) error {
	if raw.SchemaVersion != "0.3" {
		return fmt.Errorf("schemaVersion must be 0.3 (an Automation document), not %q", raw.SchemaVersion)
	}
	if len(raw.Files) > 0 {
		return errors.New("files (attachments) are not supported; put the script in Script")
	}
	if err := d.buildParams(raw.Parameters); err != nil {
		return err
	}
	if len(raw.MainSteps) == 0 {
		return errors.New("mainSteps is empty")
	}
	if len(raw.MainSteps) > maxSteps {
		return fmt.Errorf("more than %d steps", maxSteps)
	}
	for i, rs := range raw.MainSteps {
		s, err := buildStep(rs)
		if err != nil {
			return err
		}
		if _, dup := d.stepIndex[s.Name]; dup {
			return fmt.Errorf("step name %s is used twice", s.Name)
		}
		d.stepIndex[s.Name] = i
		outs := map[string]bool{}
		for _, o := range builtinOutputs[s.Action] {
			outs[o] = true
		}
		for _, o := range s.Outputs {
			outs[o.Name] = true
		}
		d.outputsByStep[s.Name] = outs
		d.Steps = append(d.Steps, s)
	}
	for _, s := range d.Steps {
		if s.NextStep != "" {
			if _, ok := d.stepIndex[s.NextStep]; !ok {
				return fmt.Errorf("step %s: nextStep %s is not a step", s.Name, s.NextStep)
			}
		}
		if t, ok := strings.CutPrefix(s.OnFailure, "step:"); ok {
			if _, ok := d.stepIndex[t]; !ok {
				return fmt.Errorf("step %s: onFailure target %s is not a step", s.Name, t)
			}
		}
		if err := d.checkRefs(s.Inputs, "step "+s.Name); err != nil {
			return err
		}
	}
	if err := d.checkRefs(d.AssumeRole, "assumeRole"); err != nil {
		return err
	}
	for _, o := range d.Outputs {
		if !d.isOutput(o) {
			return fmt.Errorf("output %s is not an output of a step", o)
		}
	}
	return nil
}

func (d *Document) buildParams(raw map[string]rawParam) error {
	names := make([]string, 0, len(raw))
	for n := range raw {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		rp := raw[n]
		if !paramNamePattern.MatchString(n) {
			return fmt.Errorf("parameter name %q must be letters, digits and underscores", n)
		}
		switch rp.Type {
		case TypeString, TypeStringList, TypeBoolean, TypeInteger, TypeStringMap, TypeMapList:
		default:
			return fmt.Errorf("parameter %s: type %q is not one of String, StringList, Boolean, Integer, StringMap, MapList", n, rp.Type)
		}
		p := Parameter{Name: n, Type: rp.Type, Description: rp.Description, AllowedPattern: rp.AllowedPattern}
		for _, a := range rp.AllowedValues {
			p.AllowedValues = append(p.AllowedValues, scalarString(a))
		}
		if rp.Default != nil {
			p.Default = defaultValues(rp.Default)
			if err := checkValues(p, p.Default); err != nil {
				return fmt.Errorf("default of parameter %s: %w", n, err)
			}
		} else {
			p.Required = true
		}
		d.Params = append(d.Params, p)
		d.paramTypes[n] = p.Type
	}
	return nil
}

func buildStep(rs rawStep) (*Step, error) {
	if !stepNamePattern.MatchString(rs.Name) {
		return nil, fmt.Errorf("step name %q must be 1 to 128 letters, digits, underscores or hyphens", rs.Name)
	}
	s := &Step{Name: rs.Name, Action: rs.Action, Description: rs.Description, Inputs: rs.Inputs,
		OnFailure: rs.OnFailure, IsEnd: rs.IsEnd, NextStep: rs.NextStep, MaxAttempts: 1}
	if s.Inputs == nil {
		s.Inputs = map[string]any{}
	}
	if _, ok := builtinOutputs[s.Action]; !ok {
		return nil, fmt.Errorf("step %s: action %q is not supported (configd runs %s, %s, %s and %s)",
			s.Name, s.Action, ActionExecuteScript, ActionSleep, ActionInvokeLambda, ActionHTTPRequest)
	}
	switch {
	case s.OnFailure == "" || s.OnFailure == "Abort" || s.OnFailure == "Continue":
	case strings.HasPrefix(s.OnFailure, "step:"):
	default:
		return nil, fmt.Errorf("step %s: onFailure must be Abort, Continue or step:<name>, not %q", s.Name, s.OnFailure)
	}
	// isCritical defaults to false with onFailure: Continue and to true
	// otherwise (https://docs.aws.amazon.com/systems-manager/latest/userguide/automation-actions.html).
	s.IsCritical = s.OnFailure != "Continue"
	if rs.IsCritical != nil {
		s.IsCritical = *rs.IsCritical
	}
	if rs.MaxAttempts != nil {
		if *rs.MaxAttempts < 1 || *rs.MaxAttempts > maxAttemptsCap {
			return nil, fmt.Errorf("step %s: maxAttempts must be 1..%d", s.Name, maxAttemptsCap)
		}
		s.MaxAttempts = *rs.MaxAttempts
	}
	if rs.TimeoutSeconds != nil {
		limit := maxStepTimeout
		if s.Action == ActionExecuteScript {
			limit = maxScriptTimeout
		}
		if *rs.TimeoutSeconds < 1 || *rs.TimeoutSeconds > limit {
			return nil, fmt.Errorf("step %s: timeoutSeconds must be 1..%d", s.Name, limit)
		}
		s.TimeoutSeconds = *rs.TimeoutSeconds
	}
	for _, o := range rs.Outputs {
		if !paramNamePattern.MatchString(o.Name) {
			return nil, fmt.Errorf("step %s: output name %q must be letters, digits and underscores", s.Name, o.Name)
		}
		if _, err := parseSelector(o.Selector); err != nil {
			return nil, fmt.Errorf("step %s: output %s: %w", s.Name, o.Name, err)
		}
		switch o.Type {
		case TypeString, TypeInteger, TypeBoolean, TypeStringList, TypeStringMap, TypeMapList:
		default:
			return nil, fmt.Errorf("step %s: output %s: type %q is not supported", s.Name, o.Name, o.Type)
		}
		s.Outputs = append(s.Outputs, StepOutput(o))
	}
	if err := checkInputs(s); err != nil {
		return nil, fmt.Errorf("step %s: %w", s.Name, err)
	}
	return s, nil
}

// checkInputs checks the inputs an action needs, where they are not
// templates filled at run time.
func checkInputs(s *Step) error {
	str := func(k string) (string, bool) {
		v, ok := s.Inputs[k]
		if !ok {
			return "", false
		}
		x, isStr := v.(string)
		return x, isStr
	}
	known := func(keys ...string) error {
		for k := range s.Inputs {
			if !contains(keys, k) {
				return fmt.Errorf("input %s is not an input of %s (%s)", k, s.Action, strings.Join(keys, ", "))
			}
		}
		return nil
	}
	switch s.Action {
	case ActionExecuteScript:
		if err := known("Runtime", "Handler", "Script", "InputPayload", "Attachment"); err != nil {
			return err
		}
		if _, ok := s.Inputs["Attachment"]; ok {
			return errors.New("Attachment is not supported; put the script in Script")
		}
		rt, _ := str("Runtime")
		script, _ := str("Script")
		if script == "" {
			return errors.New("Script is required")
		}
		switch {
		case strings.HasPrefix(rt, "python3"):
			if h, _ := str("Handler"); h == "" {
				return errors.New("Handler is required for Python scripts")
			}
		case rt == "bash" || rt == "shell":
		default:
			return fmt.Errorf("Runtime %q is not supported (python3.x, or configd's bash and shell)", rt)
		}
	case ActionSleep:
		if err := known("Duration", "Timestamp"); err != nil {
			return err
		}
		dur, hasDur := s.Inputs["Duration"]
		ts, hasTS := s.Inputs["Timestamp"]
		if hasDur == hasTS {
			return errors.New("give exactly one of Duration and Timestamp")
		}
		if v, ok := dur.(string); hasDur && ok && !hasTemplate(v) {
			if _, err := ParseISODuration(v); err != nil {
				return err
			}
		}
		if v, ok := ts.(string); hasTS && ok && !hasTemplate(v) {
			if _, err := time.Parse(time.RFC3339, v); err != nil {
				return fmt.Errorf("Timestamp: %w", err)
			}
		}
	case ActionInvokeLambda:
		if err := known("FunctionName", "Payload", "InvocationType", "Qualifier", "LogType", "ClientContext"); err != nil {
			return err
		}
		if f, _ := str("FunctionName"); f == "" {
			return errors.New("FunctionName is required")
		}
	case ActionHTTPRequest:
		if err := known("Method", "URL", "Headers", "Body"); err != nil {
			return err
		}
		u, _ := str("URL")
		if u == "" {
			return errors.New("URL is required")
		}
		if !hasTemplate(u) && !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return fmt.Errorf("URL %q must be http:// or https://", u)
		}
		if h, ok := s.Inputs["Headers"]; ok {
			if _, isMap := h.(map[string]any); !isMap {
				return errors.New("Headers must be a map of names to values")
			}
		}
	}
	return nil
}

// automationVariables are the variables every document may use.
var automationVariables = map[string]bool{
	"automation:EXECUTION_ID": true,
	"global:ACCOUNT_ID":       true,
	"global:REGION":           true,
	"global:AWS_PARTITION":    true,
	"global:DATE":             true,
	"global:DATE_TIME":        true,
}

// checkRefs checks the {{ }} references in v.
func (d *Document) checkRefs(v any, where string) error {
	var err error
	walkStrings(v, func(s string) {
		if err != nil {
			return
		}
		for _, m := range templateRef.FindAllStringSubmatch(s, -1) {
			ref := m[1]
			switch {
			case d.paramTypes[ref] != "", automationVariables[ref], d.isOutput(ref):
			case strings.HasPrefix(ref, "ssm:"):
				err = fmt.Errorf("%s: Parameter Store references ({{%s}}) are not supported", where, ref)
			default:
				err = fmt.Errorf("%s: {{ %s }} is not a parameter, a step output or an automation variable", where, ref)
			}
		}
	})
	return err
}

// isOutput reports whether ref is step.Output of some step.
func (d *Document) isOutput(ref string) bool {
	step, out, ok := strings.Cut(ref, ".")
	return ok && d.outputsByStep[step][out]
}

// walkStrings calls f on every string in v.
func walkStrings(v any, f func(string)) {
	switch x := v.(type) {
	case string:
		f(x)
	case []any:
		for _, e := range x {
			walkStrings(e, f)
		}
	case map[string]any:
		for _, e := range x {
			walkStrings(e, f)
		}
	}
}

// scalarString renders a YAML scalar as a parameter value.
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	b, _ := json.Marshal(jsonable(v))
	return string(b)
}

// defaultValues renders a default as parameter values: a list gives one
// value per element.
func defaultValues(v any) []string {
	if l, ok := v.([]any); ok {
		out := []string{}
		for _, e := range l {
			out = append(out, scalarString(e))
		}
		return out
	}
	return []string{scalarString(v)}
}

// jsonable turns YAML-decoded values into values encoding/json accepts
// (maps with non-string keys become string-keyed).
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = jsonable(e)
		}
		return m
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = jsonable(e)
		}
		return l
	}
	return v
}

// LoadDir parses the documents in dir: files ending in .yaml, .yml or .json,
// each named by its file name without the extension. Other files and
// hidden files are ignored. Names must be 3 to 128 letters, digits, _, - or
// . and must not start with a prefix AWS or configd reserves (aws, amazon,
// amzn, configd-, in any case).
func LoadDir(dir string) ([]*Document, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read documents directory: %w", err)
	}
	seen := map[string]string{}
	var docs []*Document
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ext)
		if !namePattern.MatchString(name) {
			return nil, fmt.Errorf("document file %s: the name %q must be 3 to 128 letters, digits, _, - or .", e.Name(), name)
		}
		for _, p := range reservedPrefixes {
			if strings.HasPrefix(strings.ToLower(name), p) {
				return nil, fmt.Errorf("document file %s: names starting with %q are reserved", e.Name(), p)
			}
		}
		if prev, dup := seen[name]; dup {
			return nil, fmt.Errorf("document files %s and %s have the same name %s", prev, e.Name(), name)
		}
		seen[name] = e.Name()
		data, err := readBounded(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		d, err := ParseDocument(name, data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// readBounded reads a document file of at most maxDocumentSize bytes.
func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxDocumentSize+1))
	if err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	if len(data) > maxDocumentSize {
		return nil, fmt.Errorf("document %s is larger than %d bytes", path, maxDocumentSize)
	}
	return data, nil
}

// Name returns the document's name.
func (d *Document) Name() string { return d.name }

// Parameters lists the document's parameters, sorted by name; those without
// a default are required.
func (d *Document) Parameters() []Parameter { return append([]Parameter(nil), d.Params...) }
