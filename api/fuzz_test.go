package api

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/configd/configd"
)

// fuzzOperations are the requests FuzzValidateRequest decodes: the ones with
// the deepest nesting (lists of structures, maps of structures) and the most
// kinds of constraint.
var fuzzOperations = []string{
	"PutConfigRule",
	"PutEvaluations",
	"StartRemediationExecution",
	"PutRemediationConfigurations",
	"BatchGetResourceConfig",
	"GetComplianceDetailsByConfigRule",
}

var validationMessage = regexp.MustCompile(`^([0-9]+) validation errors? detected: Value `)

// FuzzValidateRequest decodes untrusted bodies into request types and
// validates them: validation must not panic, must return nil or a
// ValidationException worded as AWS words it, and must be deterministic.
func FuzzValidateRequest(f *testing.F) {
	seeds := map[string]string{
		"PutConfigRule": `{"ConfigRule":{"ConfigRuleName":" ","Source":{"Owner":"AWS","SourceDetails":[{"EventSource":"x"}]}},"Tags":[{"Key":""}]}`,
		"PutEvaluations": `{"ResultToken":"t","Evaluations":[{"ComplianceResourceType":"AWS::S3::Bucket","ComplianceResourceId":"b",` +
			`"ComplianceType":"COMPLIANT","OrderingTimestamp":1700000000.5},{}]}`,
		"StartRemediationExecution":        `{"ConfigRuleName":"r","ResourceKeys":[{"resourceType":"AWS::S3::Bucket"}]}`,
		"PutRemediationConfigurations":     `{"RemediationConfigurations":[{"ConfigRuleName":"r","Parameters":{"":{"ResourceValue":{"Value":"X"}},"b":{"StaticValue":{}}},"RetryAttemptSeconds":0}]}`,
		"BatchGetResourceConfig":           `{"resourceKeys":[]}`,
		"GetComplianceDetailsByConfigRule": `{"ConfigRuleName":"r","ComplianceTypes":["A","B","C","D"],"Limit":-1}`,
	}
	for i, op := range fuzzOperations {
		f.Add(uint8(i), []byte(seeds[op]))
	}
	f.Add(uint8(0), []byte(`{}`))
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		op := Operations[fuzzOperations[int(which)%len(fuzzOperations)]]
		in := op.NewInput()
		if json.Unmarshal(body, in) != nil {
			return
		}
		err := in.Validate()
		if err == nil {
			return
		}
		var e *configd.Error
		if !errors.As(err, &e) || e.Code != configd.ErrValidation {
			t.Fatalf("%s: Validate() = %v, want a ValidationException", op.Name, err)
		}
		sub := validationMessage.FindStringSubmatch(e.Message)
		if sub == nil {
			t.Fatalf("%s: message %q is not AWS's format", op.Name, e.Message)
		}
		n, _ := strconv.Atoi(sub[1])
		if n < 1 || (n == 1) != strings.HasPrefix(e.Message, "1 validation error detected: ") {
			t.Fatalf("%s: message %q: count and wording disagree", op.Name, e.Message)
		}
		if again := in.Validate(); again.Error() != err.Error() {
			t.Fatalf("%s: Validate is not deterministic:\n%v\n%v", op.Name, err, again)
		}
	})
}
