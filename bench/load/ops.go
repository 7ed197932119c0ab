package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/configd/configd/bench/internal/corpus"
)

// Op is one kind of request the load generator sends.
type Op struct {
	// Name is how phases and reports name it (put-new, get10, ...).
	Name string
	// Operation is the AWS Config operation (the X-Amz-Target suffix).
	Operation string
	// Read reports whether the operation only reads.
	Read bool
	// Distinct says every request is different and sent once (new
	// resources); otherwise a pool of requests is sent round and round.
	Distinct bool
	// Body returns the JSON body of the i-th request.
	Body func(i int) []byte
	// PoolMultiple, if set, is a number the pool size is rounded up to, so
	// that cycling through the pool keeps the op's semantics.
	PoolMultiple int
}

// Corpus says which resources exist on the server and which a run may add.
type Corpus struct {
	// Keys is the number of resources that exist (ids corpus.ResourceID(0 ..
	// Keys-1)), for reads and updates.
	Keys int
	// Versions is the number of versions each of them has.
	Versions int
	// UpdateKeys is how many of them put-update writes to.
	UpdateKeys int
	// Run tags the ids of resources put-new creates, so that runs never
	// collide.
	Run string
	// Seed makes the choice of keys reproducible.
	Seed uint64
}

// OpNames lists the operations a phase can name, in report order.
var OpNames = []string{"put-new", "put-update", "get1", "get10", "get100", "history", "list"}

// Ops returns the operation catalogue over c.
func Ops(c Corpus) map[string]*Op {
	ops := map[string]*Op{
		"put-new": {
			Name: "put-new", Operation: "PutResourceConfig", Distinct: true,
			Body: func(i int) []byte {
				return putBody(corpus.NewResourceID(c.Run, i), corpus.ResourceName(i), corpus.Configuration(i, 1), corpus.Tags(i))
			},
		},
		"put-update": {
			// Resource i%U gets versions alternating between two
			// configurations, so every put records a new version.
			Name: "put-update", Operation: "PutResourceConfig", PoolMultiple: 2 * c.UpdateKeys,
			Body: func(i int) []byte {
				n := i % c.UpdateKeys
				v := 1_000_000 + (i/c.UpdateKeys)%2
				return putBody(corpus.ResourceID(n), corpus.ResourceName(n), corpus.Configuration(n, v), corpus.Tags(n))
			},
		},
		"history": {
			Name: "history", Operation: "GetResourceConfigHistory", Read: true,
			Body: func(i int) []byte {
				n := c.keys(i, 1)[0]
				return mustJSON(map[string]any{"resourceType": corpus.ResourceType, "resourceId": corpus.ResourceID(n)})
			},
		},
		"list": {
			Name: "list", Operation: "ListDiscoveredResources", Read: true,
			Body: func(int) []byte {
				return mustJSON(map[string]any{"resourceType": corpus.ResourceType, "limit": 100})
			},
		},
	}
	for _, k := range []int{1, 10, 100} {
		name := fmt.Sprintf("get%d", k)
		ops[name] = &Op{
			Name: name, Operation: "BatchGetResourceConfig", Read: true,
			Body: func(i int) []byte { return batchGetBody(c.keys(i, k)) },
		}
	}
	return ops
}

// keys returns k distinct resource numbers below c.Keys for request i.
func (c Corpus) keys(i, k int) []int {
	r := rand.New(rand.NewPCG(c.Seed, uint64(i)))
	out := make([]int, 0, k)
	seen := make(map[int]bool, k)
	for len(out) < k {
		n := r.IntN(c.Keys)
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// Validate checks that the corpus can serve the ops.
func (c Corpus) Validate(ops []string) error {
	for _, name := range ops {
		switch {
		case strings.HasPrefix(name, "get") && c.Keys < 100:
			return fmt.Errorf("op %s needs at least 100 existing resources (-keys), have %d", name, c.Keys)
		case name == "history" && c.Keys < 1:
			return fmt.Errorf("op history needs existing resources (-keys)")
		case name == "put-update" && (c.UpdateKeys < 1 || c.UpdateKeys > c.Keys):
			return fmt.Errorf("op put-update needs 1 <= -update-keys (%d) <= -keys (%d)", c.UpdateKeys, c.Keys)
		}
	}
	return nil
}

func putBody(id, name string, config []byte, tags map[string]string) []byte {
	return mustJSON(map[string]any{
		"ResourceType":    corpus.ResourceType,
		"SchemaVersionId": corpus.SchemaVersionID,
		"ResourceId":      id,
		"ResourceName":    name,
		"Configuration":   string(config),
		"Tags":            tags,
	})
}

func batchGetBody(ns []int) []byte {
	keys := make([]map[string]string, len(ns))
	for i, n := range ns {
		keys[i] = map[string]string{"resourceType": corpus.ResourceType, "resourceId": corpus.ResourceID(n)}
	}
	return mustJSON(map[string]any{"resourceKeys": keys})
}

// Setup requests: a recorder, a delivery channel and a started recorder,
// which PutResourceConfig needs.
var setupRequests = []struct {
	Operation string
	Body      []byte
}{
	{"PutConfigurationRecorder", mustJSON(map[string]any{"ConfigurationRecorder": map[string]any{
		"name": "default", "roleARN": "arn:aws:iam::123456789012:role/config-recorder",
		"recordingGroup": map[string]any{"allSupported": true, "includeGlobalResourceTypes": false},
	}})},
	{"PutDeliveryChannel", mustJSON(map[string]any{"DeliveryChannel": map[string]any{"name": "default", "s3BucketName": "configd-bench"}})},
	{"StartConfigurationRecorder", mustJSON(map[string]any{"ConfigurationRecorderName": "default"})},
}

// preloadBody is version v of resource n, as the preload step puts it.
func preloadBody(n, v int) []byte {
	return putBody(corpus.ResourceID(n), corpus.ResourceName(n), corpus.Configuration(n, v), corpus.Tags(n))
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Phase is a set of ops run together; each worker picks its next op from a
// weighted schedule.
type Phase struct {
	Name    string
	Ops     []string
	Weights []int
}

// ParsePhases parses a comma-separated list of phases; a phase is an op
// name, or a mix "op:weight+op:weight" (get10:8+put-update:2).
func ParsePhases(spec string, known map[string]*Op) ([]Phase, error) {
	var out []Phase
	for _, p := range strings.Split(spec, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		ph := Phase{Name: p}
		for _, part := range strings.Split(p, "+") {
			name, w := part, 1
			if n, ws, ok := strings.Cut(part, ":"); ok {
				name = n
				if _, err := fmt.Sscanf(ws, "%d", &w); err != nil || w < 1 || w > 1000 {
					return nil, fmt.Errorf("phase %q: weight %q: want an integer from 1 to 1000", p, ws)
				}
			}
			if known[name] == nil {
				return nil, fmt.Errorf("phase %q: unknown op %q (known: %s)", p, name, strings.Join(OpNames, ", "))
			}
			if slices.Contains(ph.Ops, name) {
				return nil, fmt.Errorf("phase %q: op %q named twice", p, name)
			}
			ph.Ops = append(ph.Ops, name)
			ph.Weights = append(ph.Weights, w)
		}
		out = append(out, ph)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no phases given")
	}
	return out, nil
}

// schedule expands the weights of ph into a sequence of op indexes that
// interleaves the ops (an op of weight 3 next to one of weight 1 gives
// 0 0 1 0 rather than 0 0 0 1), by smooth weighted round robin.
func (ph Phase) schedule() []int {
	total := 0
	for _, w := range ph.Weights {
		total += w
	}
	cur := make([]int, len(ph.Weights))
	out := make([]int, 0, total)
	for range total {
		best := 0
		for i, w := range ph.Weights {
			cur[i] += w
			if cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		out = append(out, best)
	}
	return out
}
