package managedrule

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// TestCacheGivesSameResults evaluates the benchmark mix with the decode
// cache on (twice, so the second run hits it) and off, and compares.
func TestCacheGivesSameResults(t *testing.T) {
	run := func() [][]Result {
		var out [][]Result
		for _, c := range benchMix() {
			params, err := Parameters(c.id, c.params)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Evaluate(context.Background(), c.id, Input{CI: c.ci, Params: params})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, res)
		}
		return out
	}
	warm1, warm2 := run(), run()
	cacheEnabled = false
	cold := run()
	cacheEnabled = true
	if !reflect.DeepEqual(warm1, cold) || !reflect.DeepEqual(warm2, cold) {
		t.Errorf("results differ with the cache:\nwarm %v\ncold %v", warm2, cold)
	}
}

func TestCacheKeepsTextsApart(t *testing.T) {
	// Two items whose configurations differ only in content must not share
	// an entry, and a changed item must be decoded anew.
	on := securityGroupItem("web", sshWorld, egressAll)
	off := securityGroupItem("web", sshPrivate, egressAll)
	for i := 0; i < 3; i++ {
		for _, tc := range []struct {
			ci   *configdItem
			want string
		}{{on, NonCompliant}, {off, Compliant}} {
			res, err := Evaluate(context.Background(), "INCOMING_SSH_DISABLED", Input{CI: tc.ci})
			if err != nil || res[0].ComplianceType != tc.want {
				t.Fatalf("round %d: %+v, %v; want %s", i, res, err, tc.want)
			}
		}
	}
	on.Configuration = strings.Replace(on.Configuration, "0.0.0.0/0", "10.1.0.0/16", -1)
	res, _ := Evaluate(context.Background(), "INCOMING_SSH_DISABLED", Input{CI: on})
	if res[0].ComplianceType != Compliant {
		t.Errorf("changed configuration still judged %s", res[0].ComplianceType)
	}
}

func TestCacheGenerations(t *testing.T) {
	c := &decodeCache{limit: 2}
	texts := []string{"a1", "b2", "c3", "d4", "e5"}
	for _, s := range texts {
		v := s + "!"
		c.put(s, &v)
	}
	var got string
	if c.get("a1", &got) {
		t.Error("the oldest generation was kept")
	}
	if !c.get("e5", &got) || got != "e5!" {
		t.Errorf("latest entry: %q", got)
	}
	if !c.get("c3", &got) || got != "c3!" {
		t.Errorf("previous generation entry: %q", got)
	}
}

func TestCacheCopiesValues(t *testing.T) {
	c := &decodeCache{limit: 4}
	text := "k"
	v := []string{"a"}
	c.put(text, &v)
	v = []string{"changed"}
	var got []string
	if !c.get(text, &got) || len(got) != 1 || got[0] != "a" {
		t.Errorf("cached value %v follows the caller's variable", got)
	}
}
