package runbook

import (
	"sort"
	"strings"
	"testing"
	"time"
)

// FuzzParseDocument feeds arbitrary bytes to the document parser, which
// reads files users write: it must not panic, and what it accepts must hold
// together.
func FuzzParseDocument(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(tagAndNotify))
	f.Add([]byte(`{"schemaVersion": "0.3", "parameters": {"P": {"type": "StringList", "default": ["a"]}}, "mainSteps": [{"name": "A", "action": "aws:sleep", "inputs": {"Duration": "{{ P }}"}, "onFailure": "step:A"}]}`))
	f.Add([]byte("schemaVersion: \"0.3\"\nmainSteps:\n  - &a {name: A, action: \"aws:sleep\", inputs: {Duration: PT1S}}\n  - *a\n"))
	f.Add([]byte("schemaVersion: \"0.3\"\nmainSteps:\n  - {name: S, action: \"aws:executeScript\", inputs: {Runtime: python3.11, Handler: h, Script: x}, outputs: [{Name: O, Selector: \"$.Payload['a'][0]\", Type: MapList}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDocument("Fuzz", data)
		if err != nil {
			return
		}
		if len(d.Steps) == 0 || len(d.Steps) > maxSteps {
			t.Fatalf("%d steps accepted", len(d.Steps))
		}
		seen := map[string]bool{}
		for i, s := range d.Steps {
			if seen[s.Name] || d.stepIndex[s.Name] != i {
				t.Fatalf("step %s: duplicate or misindexed", s.Name)
			}
			seen[s.Name] = true
			if _, ok := builtinOutputs[s.Action]; !ok {
				t.Fatalf("unsupported action %s accepted", s.Action)
			}
			if s.MaxAttempts < 1 || s.MaxAttempts > maxAttemptsCap {
				t.Fatalf("maxAttempts %d accepted", s.MaxAttempts)
			}
			if _, ok := d.stepIndex[s.NextStep]; s.NextStep != "" && !ok {
				t.Fatalf("nextStep %s accepted", s.NextStep)
			}
		}
		names := make([]string, 0, len(d.Params))
		for _, p := range d.Parameters() {
			names = append(names, p.Name)
			if p.Default != nil {
				if err := checkValues(p, p.Default); err != nil {
					t.Fatalf("default of %s accepted: %v", p.Name, err)
				}
			}
		}
		if !sort.StringsAreSorted(names) {
			t.Fatalf("parameters not sorted: %v", names)
		}
	})
}

// FuzzParseISODuration checks that durations parse without panics into
// non-negative, bounded values that match what they say.
func FuzzParseISODuration(f *testing.F) {
	for _, s := range []string{"PT10M", "P1DT2H3M4.5S", "P2W", "P1Y", "PT", "P999999999W", "PT1.000000001S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseISODuration(s)
		if err != nil {
			return
		}
		if d < 0 || d > maxISODuration {
			t.Fatalf("%q parsed to %s", s, d)
		}
		if !strings.HasPrefix(s, "P") {
			t.Fatalf("%q parsed without a leading P", s)
		}
		if d > 0 && d < time.Nanosecond {
			t.Fatalf("%q parsed to %s", s, d)
		}
	})
}

// FuzzSelector parses output selectors and evaluates them against a fixed
// result: no panics, and a parsed selector always evaluates.
func FuzzSelector(f *testing.F) {
	for _, s := range []string{"$", "$.Payload", "$.Payload.a[0]['b.c']", `$["x"]`, "$[99999999999999999999]", "$..a", "$.a["} {
		f.Add(s)
	}
	result := map[string]any{"Payload": map[string]any{"a": []any{map[string]any{"b.c": "x"}}}}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := parseSelector(s)
		if err != nil {
			return
		}
		v, ok := sel.eval(result)
		if len(sel) == 0 && (!ok || v == nil) {
			t.Fatalf("$ selected nothing")
		}
	})
}
