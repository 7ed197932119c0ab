package runbook

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/configd/configd"
)

// Env is what a runbook execution gets.
type Env struct {
	// AWS reaches the account's AWS APIs (moto in tests); its Region is set.
	// When BaseEndpoint is set (moto, LocalStack), S3 is addressed path-style
	// and scripts get it as AWS_ENDPOINT_URL.
	AWS   aws.Config
	Scope configd.Scope
	// Now tells the time; nil means time.Now.
	Now func() time.Time
	// Sleep waits for d or until ctx ends; nil means a timer. Tests inject
	// one that returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger receives one line per step; nil discards.
	Logger *slog.Logger
	// Invoke runs a Lambda-style function by ARN (for
	// aws:invokeLambdaFunction) and returns its response payload; may be nil,
	// which fails such steps.
	Invoke func(ctx context.Context, functionARN string, payload []byte) ([]byte, error)
	// Counter increments the counter named key and returns its new value
	// (1 on the first call for a key). Configd-TestRunbook counts the
	// executions of each resource with it, so the engine backs it with the
	// store: the count must survive restarts and be shared by every configd
	// process on one database. nil falls back to a counter in the Registry's
	// memory (one process, lost on restart).
	Counter func(ctx context.Context, key string) (int, error)
	// ExecutionID identifies the execution ({{ automation:EXECUTION_ID }} in
	// documents, the role session name of AutomationAssumeRole); may be "".
	ExecutionID string
}

// StepReporter reports one step's progress; the engine stores it as a
// StepDetail. Every step executed is reported at least twice under the same
// Name: when it starts (State PENDING, StartTime set) and when it ends
// (SUCCEEDED or FAILED, with StopTime and, on failure, ErrorMessage). A step
// that runs again (maxAttempts, a jump back with onFailure: step:<name>) is
// reported again under the same Name, so the engine keeps the latest report
// per Name, in the order the names first appeared.
type StepReporter func(configd.StepDetail)

// Runbook is one document: what a remediation configuration's TargetId
// names.
type Runbook interface {
	// Name is the document name (the TargetId).
	Name() string
	// Parameters lists the document's parameters (name, type, required,
	// default, allowed values).
	Parameters() []Parameter
	// Run executes the document with resolved parameters (values as
	// strings or string lists; the engine has already substituted
	// RESOURCE_ID), reporting each step as it starts (PENDING) and ends
	// (SUCCEEDED/FAILED with a message). Defaults are applied and the values
	// checked against Parameters first. It returns nil on success; an error
	// fails the execution (its text is the failed step's ErrorMessage).
	Run(ctx context.Context, env Env, params map[string][]string, report StepReporter) error
}

// Parameter types, as in Systems Manager documents
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-syntax-data-elements-parameters.html).
const (
	TypeString     = "String"
	TypeStringList = "StringList"
	TypeBoolean    = "Boolean"
	TypeInteger    = "Integer"
	TypeStringMap  = "StringMap"
	TypeMapList    = "MapList"
)

// Parameter describes one parameter of a runbook.
type Parameter struct {
	Name string
	// Type is one of the Type constants.
	Type string
	// Required parameters have no default and must be given.
	Required bool
	// Default is used when the parameter is not given (nil: none).
	Default     []string
	Description string
	// AllowedValues, when not empty, lists the only values accepted.
	AllowedValues []string
	// AllowedPattern, when set, is a regular expression every value must
	// match. Patterns Go's RE2 cannot compile (look-arounds) are not
	// checked.
	AllowedPattern string
}

// Registry finds runbooks by name: the native implementations of AWS's
// runbooks, Configd-TestRunbook and Configd-NoopRunbook, and user documents
// loaded from a directory. It is safe for concurrent use.
type Registry struct {
	// Python is the interpreter of aws:executeScript Python steps; "" means
	// python3 from PATH, resolved on first use. Set it before the first Run.
	Python string

	dir    string
	native map[string]Runbook
	mem    *memCounter

	mu   sync.RWMutex
	docs map[string]*Document
}

// Reserved prefixes of document names: names AWS owns
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html
// reserves "aws", "amazon" and "amzn") and configd's own.
var reservedPrefixes = []string{"aws", "amazon", "amzn", "configd-"}

// NewRegistry returns a registry of the native runbooks and of the user
// documents in documentsDir ("" = no user documents). It fails if a document
// there cannot be parsed, so that a broken document is found at start-up and
// not when a resource needs remediating.
func NewRegistry(documentsDir string) (*Registry, error) {
	r := &Registry{dir: documentsDir, native: map[string]Runbook{}, mem: &memCounter{n: map[string]int{}}, docs: map[string]*Document{}}
	for _, rb := range nativeRunbooks() {
		r.native[rb.Name()] = rb
	}
	for _, rb := range []Runbook{&testRunbook{mem: r.mem}, noopRunbook{}} {
		r.native[rb.Name()] = rb
	}
	if err := r.Reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// Reload reads the documents directory again, replacing the user documents
// (for a SIGHUP handler). On error the previous documents stay.
func (r *Registry) Reload() error {
	if r.dir == "" {
		return nil
	}
	docs, err := LoadDir(r.dir)
	if err != nil {
		return err
	}
	byName := map[string]*Document{}
	for _, d := range docs {
		if _, ok := r.native[d.Name()]; ok {
			return fmt.Errorf("document %q in %s: the name is taken by a built-in runbook", d.Name(), r.dir)
		}
		d.registry = r
		byName[d.Name()] = d
	}
	r.mu.Lock()
	r.docs = byName
	r.mu.Unlock()
	return nil
}

// Lookup returns the runbook named name.
func (r *Registry) Lookup(name string) (Runbook, bool) {
	if rb, ok := r.native[name]; ok {
		return rb, true
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if d, ok := r.docs[name]; ok {
		return d, true
	}
	return nil, false
}

// Names lists every runbook name, sorted.
func (r *Registry) Names() []string {
	var names []string
	for n := range r.native {
		names = append(names, n)
	}
	r.mu.RLock()
	for n := range r.docs {
		names = append(names, n)
	}
	r.mu.RUnlock()
	sort.Strings(names)
	return names
}

// Validate checks a remediation configuration's parameters against the
// document named name, as PutRemediationConfigurations does: an unknown
// document, an unknown parameter, a missing required parameter, a parameter
// with both or neither of ResourceValue and StaticValues, several static
// values for a single-valued parameter, or a static value of the wrong type
// or outside the allowed values is an *configd.Error with code
// InvalidParameterValueException. Values that come from RESOURCE_ID are
// known only at run time and are checked then.
func (r *Registry) Validate(name string, params map[string]configd.RemediationParameter) error {
	rb, ok := r.Lookup(name)
	if !ok {
		return configd.Errorf(configd.ErrInvalidParameterValue,
			"The document %s does not exist. configd runs the AWS runbooks it implements natively, Configd-TestRunbook, Configd-NoopRunbook and the documents of its documents directory.", name)
	}
	declared := map[string]Parameter{}
	for _, p := range rb.Parameters() {
		declared[p.Name] = p
	}
	var unknown []string
	for n := range params {
		if _, ok := declared[n]; !ok {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return configd.Errorf(configd.ErrInvalidParameterValue,
			"The parameters %s are not defined in the document %s.", strings.Join(unknown, ", "), name)
	}
	var missing []string
	for _, p := range rb.Parameters() {
		if _, ok := params[p.Name]; !ok && p.Required {
			missing = append(missing, p.Name)
		}
	}
	if len(missing) > 0 {
		return configd.Errorf(configd.ErrInvalidParameterValue,
			"The required parameters %s of the document %s are missing.", strings.Join(missing, ", "), name)
	}
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v, p := params[n], declared[n]
		switch {
		case v.ResourceValue != "" && len(v.StaticValues) > 0:
			return configd.Errorf(configd.ErrInvalidParameterValue,
				"The parameter %s has both a ResourceValue and StaticValues; give one of them.", n)
		case v.ResourceValue != "":
			if v.ResourceValue != "RESOURCE_ID" {
				return configd.Errorf(configd.ErrInvalidParameterValue,
					"The ResourceValue of parameter %s must be RESOURCE_ID.", n)
			}
		case len(v.StaticValues) == 0:
			return configd.Errorf(configd.ErrInvalidParameterValue,
				"The parameter %s has neither a ResourceValue nor StaticValues.", n)
		default:
			if err := checkValues(p, v.StaticValues); err != nil {
				return configd.Errorf(configd.ErrInvalidParameterValue, "%s", err.Error())
			}
		}
	}
	return nil
}

// memCounter is the fallback of Env.Counter.
type memCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *memCounter) next(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[key]++
	return c.n[key]
}

// filled returns env with its nil functions replaced by defaults.
func (env Env) filled() Env {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Sleep == nil {
		env.Sleep = sleep
	}
	if env.Logger == nil {
		env.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return env
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
