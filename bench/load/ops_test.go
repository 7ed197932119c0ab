package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/configd/configd/api"
	"github.com/configd/configd/bench/internal/corpus"
)

func testCorpus() Corpus {
	return Corpus{Keys: 500, Versions: 3, UpdateKeys: 10, Run: "t1", Seed: 7}
}

// TestOpBodies checks that every op's body decodes into the input shape of
// its operation with the members AWS Config requires, as configd decodes it.
func TestOpBodies(t *testing.T) {
	ops := Ops(testCorpus())
	for _, name := range OpNames {
		t.Run("OK", func(t *testing.T) {
			op := ops[name]
			if op == nil {
				t.Fatalf("op %s missing from the catalogue", name)
			}
			def := api.Operations[op.Operation]
			if def == nil {
				t.Fatalf("op %s: operation %s unknown to the model", name, op.Operation)
			}
			for i := range 3 {
				in := def.NewInput()
				dec := json.NewDecoder(strings.NewReader(string(op.Body(i))))
				dec.DisallowUnknownFields()
				if err := dec.Decode(in); err != nil {
					t.Fatalf("op %s body %d does not decode as %s input: %v", name, i, op.Operation, err)
				}
				if err := in.Validate(); err != nil {
					t.Errorf("op %s body %d fails validation: %v", name, i, err)
				}
			}
		})
	}
	t.Run("OKBatchKeys", func(t *testing.T) {
		var in api.BatchGetResourceConfigRequest
		if err := json.Unmarshal(ops["get100"].Body(3), &in); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, k := range in.ResourceKeys {
			if k.ResourceType != corpus.ResourceType || seen[k.ResourceId] {
				t.Fatalf("key %+v: wrong type or repeated", k)
			}
			seen[k.ResourceId] = true
		}
		if len(seen) != 100 {
			t.Errorf("get100 body has %d distinct keys; want 100", len(seen))
		}
	})
	t.Run("OKPutNewDistinct", func(t *testing.T) {
		var a, b api.PutResourceConfigRequest
		json.Unmarshal(ops["put-new"].Body(1), &a)
		json.Unmarshal(ops["put-new"].Body(2), &b)
		if a.ResourceId == b.ResourceId || !strings.Contains(a.ResourceId, "t1") {
			t.Errorf("put-new ids %q and %q: want distinct ids tagged with the run", a.ResourceId, b.ResourceId)
		}
		if !json.Valid([]byte(a.Configuration)) {
			t.Errorf("put-new configuration is not JSON text: %q", a.Configuration)
		}
	})
	t.Run("OKPutUpdateAlternates", func(t *testing.T) {
		// Request i and i+U put the same resource with different
		// configurations, so cycling through the pool always changes state.
		var a, b, c api.PutResourceConfigRequest
		op := ops["put-update"]
		json.Unmarshal(op.Body(4), &a)
		json.Unmarshal(op.Body(14), &b)
		json.Unmarshal(op.Body(24), &c)
		if a.ResourceId != b.ResourceId || a.Configuration == b.Configuration || a.Configuration != c.Configuration {
			t.Errorf("put-update 4, 14, 24: ids %q %q, want equal ids and alternating configurations", a.ResourceId, b.ResourceId)
		}
		if op.PoolMultiple != 20 {
			t.Errorf("put-update pool multiple %d; want 2 × update keys", op.PoolMultiple)
		}
	})
}

func TestParsePhases(t *testing.T) {
	ops := Ops(testCorpus())
	t.Run("OK", func(t *testing.T) {
		phs, err := ParsePhases("get1, put-new,get10:8+put-update:2", ops)
		if err != nil {
			t.Fatal(err)
		}
		if len(phs) != 3 || phs[0].Name != "get1" || !slices.Equal(phs[2].Ops, []string{"get10", "put-update"}) || !slices.Equal(phs[2].Weights, []int{8, 2}) {
			t.Errorf("phases %+v", phs)
		}
	})
	bad := []struct{ name, spec, want string }{
		{"ErrUnknownOp", "get1,delete", "unknown op"},
		{"ErrWeight", "get1:0+get10", "weight"},
		{"ErrWeightText", "get1:x", "weight"},
		{"ErrRepeated", "get1+get1", "twice"},
		{"ErrEmpty", " , ", "no phases"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ParsePhases(c.spec, ops); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ParsePhases(%q) = %v; want an error containing %q", c.spec, err, c.want)
			}
		})
	}
}

func TestSchedule(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		got := Phase{Weights: []int{3, 1}}.schedule()
		if !slices.Equal(got, []int{0, 0, 1, 0}) {
			t.Errorf("schedule of 3:1 = %v; want [0 0 1 0]", got)
		}
		got = Phase{Weights: []int{1}}.schedule()
		if !slices.Equal(got, []int{0}) {
			t.Errorf("schedule of one op = %v", got)
		}
	})
	t.Run("OKCounts", func(t *testing.T) {
		got := Phase{Weights: []int{5, 2, 3}}.schedule()
		n := make([]int, 3)
		for _, i := range got {
			n[i]++
		}
		if !slices.Equal(n, []int{5, 2, 3}) {
			t.Errorf("schedule of 5:2:3 has counts %v", n)
		}
	})
}

func TestCorpusValidate(t *testing.T) {
	cases := []struct {
		name string
		c    Corpus
		ops  []string
		ok   bool
	}{
		{"OK", Corpus{Keys: 100, UpdateKeys: 10}, OpNames, true},
		{"OKPutNewOnly", Corpus{}, []string{"put-new"}, true},
		{"ErrFewKeys", Corpus{Keys: 50, UpdateKeys: 10}, []string{"get100"}, false},
		{"ErrUpdateKeys", Corpus{Keys: 100, UpdateKeys: 101}, []string{"put-update"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.c.Validate(c.ops); (err == nil) != c.ok {
				t.Errorf("Validate = %v; want ok=%v", err, c.ok)
			}
		})
	}
}
