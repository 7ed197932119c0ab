package evaluator_test

import (
	"encoding/json"
	"testing"

	"github.com/configd/configd"
	"github.com/configd/configd/evaluator"
	"github.com/configd/configd/evaluator/guard"
)

// Items come from PutResourceConfig, imports and AWS APIs: whatever their
// configuration text, building a rule's inputs never fails or panics, and
// the invoking event is valid JSON of the size limit's form.
func FuzzItemInputs(f *testing.F) {
	f.Add(`{"name":"b","size":1}`, `{"status":"Enabled"}`, "k", "v", 200)
	f.Add(`not json`, `"{\"grantList\":[]}"`, "", "", 0)
	f.Add(`{"a":[1,2,{"b":null}]}`, `12345678901234567890`, "team", "a\"b", 50)
	f.Add(``, ``, "x", "", 1<<20)
	policy, err := guard.Parse(`rule r { configuration.name exists
  supplementaryConfiguration.S.status == "Enabled"
  tags.k exists }`)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, conf, supp, tagKey, tagValue string, oversize int) {
		ci := &configd.ConfigurationItem{Version: "1.3", ResourceType: "AWS::S3::Bucket", ResourceID: "b", AccountID: "111111111111", Region: "us-east-1",
			Status: configd.CIStatusOK, CaptureTime: t0, StateID: "1714564800000", Configuration: conf,
			SupplementaryConfiguration: map[string]string{"S": supp}, Tags: map[string]string{tagKey: tagValue}}
		doc, err := evaluator.GuardDocument(ci)
		if err != nil {
			t.Fatalf("GuardDocument: %v", err)
		}
		policy.Evaluate(doc)
		prev := *ci
		prev.Configuration = `{}`
		ev, mt := evaluator.ChangeInvokingEvent(ci, &prev, true, t0, oversize)
		if !json.Valid([]byte(ev)) {
			t.Fatalf("invalid invoking event %q", ev)
		}
		if oversize > 0 && mt == configd.MessageConfigurationItemChange && len(ev) > oversize {
			t.Fatalf("a %d-byte change notification above the %d-byte limit", len(ev), oversize)
		}
	})
}
