package managedrule

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/configd/configd"
)

// testNow is the fixed evaluation time of the tests.
var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// item builds a configuration item as AWS Config records it: configuration
// is JSON text and supplementary values are JSON text.
func item(resourceType, id, configuration string, supplementary map[string]string) *configd.ConfigurationItem {
	return &configd.ConfigurationItem{
		Version:                    configd.CIVersion,
		AccountID:                  "123456789012",
		Status:                     configd.CIStatusOK,
		ResourceType:               resourceType,
		ResourceID:                 id,
		ResourceName:               id,
		Region:                     "us-east-1",
		Configuration:              configuration,
		SupplementaryConfiguration: supplementary,
		CaptureTime:                testNow,
	}
}

// withTags returns ci with the tags set.
func withTags(ci *configd.ConfigurationItem, tags map[string]string) *configd.ConfigurationItem {
	ci.Tags = tags
	return ci
}

// jsonString returns s as a JSON string literal: the form AWS Config uses
// for supplementary values that hold JSON text inside a string
// (AccessControlList).
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// ruleCase is one evaluation of a rule on one configuration item.
type ruleCase struct {
	name string
	ci   *configd.ConfigurationItem
	// params is the rule's InputParameters JSON ("" for none); it goes
	// through Parameters, so defaults apply and invalid inputs fail the test.
	params string
	want   string
	// annotation, if set, must appear in the result's annotation.
	annotation string
}

// runRuleCases evaluates each case with the rule identifier and checks the
// single result.
func runRuleCases(t *testing.T, identifier string, cases []ruleCase) {
	t.Helper()
	runInventoryCases(t, identifier, nil, cases)
}

// runInventoryCases is runRuleCases with an inventory, for rules that look
// up other recorded items; inv may be nil.
func runInventoryCases(t *testing.T, identifier string, inv Inventory, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := evaluateCase(t, identifier, tc.params, tc.ci, inv)
			if err != nil {
				t.Fatalf("Evaluate: %v", err)
			}
			if len(res) != 1 {
				t.Fatalf("got %d results, want 1: %+v", len(res), res)
			}
			r := res[0]
			if r.ComplianceType != tc.want {
				t.Errorf("compliance = %s (%q), want %s", r.ComplianceType, r.Annotation, tc.want)
			}
			if r.ResourceType != tc.ci.ResourceType || r.ResourceID != tc.ci.ResourceID {
				t.Errorf("result names %s %s, want %s %s", r.ResourceType, r.ResourceID, tc.ci.ResourceType, tc.ci.ResourceID)
			}
			if tc.annotation != "" && !strings.Contains(r.Annotation, tc.annotation) {
				t.Errorf("annotation %q does not contain %q", r.Annotation, tc.annotation)
			}
			if len(r.Annotation) > MaxAnnotationLength {
				t.Errorf("annotation has %d characters", len(r.Annotation))
			}
		})
	}
}

// evaluateCase evaluates the rule identifier on ci with the InputParameters
// params (JSON, "" for none; invalid ones fail the test) and inv.
func evaluateCase(t *testing.T, identifier, params string, ci *configdItem, inv Inventory) ([]Result, error) {
	t.Helper()
	rule, ok := Get(identifier)
	if !ok {
		t.Fatalf("rule %s not implemented", identifier)
	}
	p, err := Parameters(identifier, params)
	if err != nil {
		t.Fatalf("Parameters(%s): %v", params, err)
	}
	return rule.Evaluate(context.Background(), Input{
		CI: ci, Params: p, Inventory: inv, AccountID: "123456789012", Region: "us-east-1", Now: testNow,
	})
}

// memInventory is an Inventory over a fixed list of items.
type memInventory struct {
	items []*configd.ConfigurationItem
	err   error
}

func (m *memInventory) ListItems(_ context.Context, resourceType string) ([]*configd.ConfigurationItem, error) {
	if m.err != nil {
		return nil, m.err
	}
	var out []*configd.ConfigurationItem
	for _, ci := range m.items {
		if ci.ResourceType == resourceType {
			out = append(out, ci)
		}
	}
	return out, nil
}

// configdItem shortens the configuration item type in test helpers.
type configdItem = configd.ConfigurationItem

// deletedItem marks ci as a deleted resource, as AWS Config records one.
func deletedItem(ci *configd.ConfigurationItem) *configd.ConfigurationItem {
	ci.Status = configd.CIStatusResourceDeleted
	ci.Configuration = "null"
	return ci
}

// wantVerdicts evaluates identifier on in (a periodic run over
// in.Inventory when in.CI is nil) and checks that it gives exactly the
// verdicts of want, by resource id.
func wantVerdicts(t *testing.T, identifier string, in Input, want map[string]string) {
	t.Helper()
	res, err := Evaluate(context.Background(), identifier, in)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range res {
		got[r.ResourceID] = r.ComplianceType
	}
	if len(res) != len(want) {
		t.Errorf("%s: %d results %v, want %v", identifier, len(res), got, want)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: %s is %s, want %s", identifier, id, got[id], w)
		}
	}
}
