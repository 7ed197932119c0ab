package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// model is the part of a botocore service model (service-2.json) and its
// paginators (paginators-1.json) that the generator uses.
type model struct {
	Shapes     map[string]*shape
	Operations map[string]*operation
}

// shape is one entry of the model's "shapes" object.
type shape struct {
	Name      string
	Type      string
	Members   []member // structure members, in declaration order
	Required  map[string]bool
	Member    string // list element shape
	Key       string // map key shape
	Value     string // map value shape
	Enum      []string
	Pattern   string
	Min, Max  *int64
	Exception bool
}

// member is one member of a structure shape.
type member struct {
	Name  string
	Shape string
}

// operation is one entry of the model's "operations" object, joined with its
// paginator if it has one.
type operation struct {
	Name      string
	Input     string // "" when the operation takes no input shape
	Output    string // "" when the operation returns no output shape
	Errors    []string
	Paginator *paginator
}

// paginator is one entry of paginators-1.json.
type paginator struct {
	InputToken       string
	OutputToken      string
	LimitKey         string
	ResultKeys       []string
	NonAggregateKeys []string
}

type rawRef struct {
	Shape string `json:"shape"`
}

type rawShape struct {
	Type      string          `json:"type"`
	Members   json.RawMessage `json:"members"`
	Required  []string        `json:"required"`
	Member    *rawRef         `json:"member"`
	Key       *rawRef         `json:"key"`
	Value     *rawRef         `json:"value"`
	Enum      []string        `json:"enum"`
	Pattern   string          `json:"pattern"`
	Min       *int64          `json:"min"`
	Max       *int64          `json:"max"`
	Exception bool            `json:"exception"`
}

type rawOperation struct {
	Name   string   `json:"name"`
	Input  *rawRef  `json:"input"`
	Output *rawRef  `json:"output"`
	Errors []rawRef `json:"errors"`
}

type rawPaginator struct {
	InputToken       string          `json:"input_token"`
	OutputToken      string          `json:"output_token"`
	LimitKey         string          `json:"limit_key"`
	ResultKey        json.RawMessage `json:"result_key"`
	NonAggregateKeys []string        `json:"non_aggregate_keys"`
}

// loadModel reads service-2.json and paginators-1.json from dir and checks
// that every shape reference resolves.
func loadModel(dir string) (*model, error) {
	var svc struct {
		Operations map[string]rawOperation    `json:"operations"`
		Shapes     map[string]json.RawMessage `json:"shapes"`
	}
	if err := readJSON(filepath.Join(dir, "service-2.json"), &svc); err != nil {
		return nil, err
	}
	var pag struct {
		Pagination map[string]rawPaginator `json:"pagination"`
	}
	if err := readJSON(filepath.Join(dir, "paginators-1.json"), &pag); err != nil {
		return nil, err
	}

	m := &model{Shapes: map[string]*shape{}, Operations: map[string]*operation{}}
	for name, raw := range svc.Shapes {
		s, err := parseShape(name, raw)
		if err != nil {
			return nil, err
		}
		m.Shapes[name] = s
	}
	for name, ro := range svc.Operations {
		op := &operation{Name: name}
		if ro.Name != "" && ro.Name != name {
			return nil, fmt.Errorf("operation %s: name field is %q", name, ro.Name)
		}
		if ro.Input != nil {
			op.Input = ro.Input.Shape
		}
		if ro.Output != nil {
			op.Output = ro.Output.Shape
		}
		for _, e := range ro.Errors {
			op.Errors = append(op.Errors, e.Shape)
		}
		m.Operations[name] = op
	}
	for name, rp := range pag.Pagination {
		op, ok := m.Operations[name]
		if !ok {
			return nil, fmt.Errorf("paginator for unknown operation %s", name)
		}
		p, err := parsePaginator(rp)
		if err != nil {
			return nil, fmt.Errorf("paginator %s: %w", name, err)
		}
		op.Paginator = p
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return m, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read model: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

func parseShape(name string, raw json.RawMessage) (*shape, error) {
	var rs rawShape
	if err := json.Unmarshal(raw, &rs); err != nil {
		return nil, fmt.Errorf("shape %s: %w", name, err)
	}
	s := &shape{
		Name:      name,
		Type:      rs.Type,
		Required:  map[string]bool{},
		Enum:      rs.Enum,
		Pattern:   rs.Pattern,
		Min:       rs.Min,
		Max:       rs.Max,
		Exception: rs.Exception,
	}
	for _, r := range rs.Required {
		s.Required[r] = true
	}
	if rs.Member != nil {
		s.Member = rs.Member.Shape
	}
	if rs.Key != nil {
		s.Key = rs.Key.Shape
	}
	if rs.Value != nil {
		s.Value = rs.Value.Shape
	}
	if len(rs.Members) > 0 {
		ms, err := orderedMembers(rs.Members)
		if err != nil {
			return nil, fmt.Errorf("shape %s members: %w", name, err)
		}
		s.Members = ms
	}
	return s, nil
}

// orderedMembers decodes a "members" object keeping the declaration order,
// which encoding/json's maps would lose.
func orderedMembers(raw json.RawMessage) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("members is not an object")
	}
	var out []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := t.(string)
		if !ok {
			return nil, fmt.Errorf("member key %v is not a string", t)
		}
		var ref rawRef
		if err := dec.Decode(&ref); err != nil {
			return nil, fmt.Errorf("member %s: %w", key, err)
		}
		out = append(out, member{Name: key, Shape: ref.Shape})
	}
	return out, nil
}

func parsePaginator(rp rawPaginator) (*paginator, error) {
	p := &paginator{
		InputToken:       rp.InputToken,
		OutputToken:      rp.OutputToken,
		LimitKey:         rp.LimitKey,
		NonAggregateKeys: rp.NonAggregateKeys,
	}
	// result_key is a string or a list of strings.
	if len(rp.ResultKey) > 0 {
		var one string
		if err := json.Unmarshal(rp.ResultKey, &one); err == nil {
			p.ResultKeys = []string{one}
		} else if err := json.Unmarshal(rp.ResultKey, &p.ResultKeys); err != nil {
			return nil, fmt.Errorf("result_key: %w", err)
		}
	}
	return p, nil
}

// check verifies that the model only uses what the generator understands.
func (m *model) check() error {
	ref := func(from, to string) error {
		if _, ok := m.Shapes[to]; !ok {
			return fmt.Errorf("shape %s refers to unknown shape %q", from, to)
		}
		return nil
	}
	for _, name := range sortedKeys(m.Shapes) {
		s := m.Shapes[name]
		switch s.Type {
		case "structure":
			names := map[string]bool{}
			for _, mb := range s.Members {
				if err := ref(name, mb.Shape); err != nil {
					return err
				}
				f := exportName(mb.Name)
				if names[f] {
					return fmt.Errorf("shape %s: two members map to field %s", name, f)
				}
				names[f] = true
			}
			for r := range s.Required {
				if !names[exportName(r)] {
					return fmt.Errorf("shape %s: required member %s does not exist", name, r)
				}
			}
		case "list":
			if err := ref(name, s.Member); err != nil {
				return err
			}
		case "map":
			if err := ref(name, s.Key); err != nil {
				return err
			}
			if err := ref(name, s.Value); err != nil {
				return err
			}
			if m.Shapes[s.Key].Type != "string" {
				return fmt.Errorf("map %s: key shape %s is not a string", name, s.Key)
			}
		case "string", "integer", "long", "boolean", "timestamp":
		default:
			return fmt.Errorf("shape %s: unsupported type %q", name, s.Type)
		}
		if s.Pattern != "" && s.Type != "string" {
			return fmt.Errorf("shape %s: pattern on a %s", name, s.Type)
		}
		if len(s.Enum) > 0 && s.Type != "string" {
			return fmt.Errorf("shape %s: enum on a %s", name, s.Type)
		}
	}
	for _, name := range sortedKeys(m.Operations) {
		op := m.Operations[name]
		for _, sn := range append([]string{op.Input, op.Output}, op.Errors...) {
			if sn == "" {
				continue
			}
			s, ok := m.Shapes[sn]
			if !ok {
				return fmt.Errorf("operation %s refers to unknown shape %q", name, sn)
			}
			if s.Type != "structure" {
				return fmt.Errorf("operation %s: shape %s is not a structure", name, sn)
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
