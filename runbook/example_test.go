package runbook_test

import (
	"fmt"

	"github.com/configd/configd/runbook"
)

// A user runbook: put it in the documents directory as
// NotifyTeam.yaml and configure remediations with TargetId NotifyTeam.
func ExampleParseDocument() {
	doc := `
description: Tell the owning team, then wait for their fix.
schemaVersion: "0.3"
assumeRole: "{{ AutomationAssumeRole }}"
parameters:
  ResourceId: {type: String}
  AutomationAssumeRole: {type: String, default: ""}
mainSteps:
  - name: Notify
    action: configd:httpRequest
    maxAttempts: 3
    timeoutSeconds: 10
    inputs:
      URL: https://hooks.example.com/config
      Body: {resource: "{{ ResourceId }}", account: "{{ global:ACCOUNT_ID }}"}
  - name: Wait
    action: aws:sleep
    inputs: {Duration: PT5M}
`
	d, err := runbook.ParseDocument("NotifyTeam", []byte(doc))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range d.Parameters() {
		fmt.Println("parameter", p.Name, p.Type, "required:", p.Required)
	}
	for _, s := range d.Steps {
		fmt.Println("step", s.Name, s.Action)
	}
	// Output:
	// parameter AutomationAssumeRole String required: false
	// parameter ResourceId String required: true
	// step Notify configd:httpRequest
	// step Wait aws:sleep
}
