package evaluator_test

import (
	"testing"
	"time"

	"github.com/configd/configd"
)

// iamUser returns an AWS::IAM::User item (GetAccountAuthorizationDetails'
// UserDetail, lowerCamel, as the recorder writes it) with the managed
// policies attached.
func iamUser(name string, policyARNs ...string) *configd.ConfigurationItem {
	attached := ""
	for i, arn := range policyARNs {
		if i > 0 {
			attached += ","
		}
		attached += `{"policyArn":"` + arn + `","policyName":"p` + string(rune('0'+i)) + `"}`
	}
	return &configd.ConfigurationItem{ResourceType: "AWS::IAM::User", ResourceID: "AIDA" + name, ResourceName: name, Region: "global",
		ARN: "arn:aws:iam::" + scopeA.AccountID + ":user/" + name,
		Configuration: `{"arn":"arn:aws:iam::` + scopeA.AccountID + `:user/` + name + `","attachedManagedPolicies":[` + attached + `],` +
			`"groupList":[],"path":"/","permissionsBoundary":null,"tags":[],"userId":"AIDA` + name + `","userName":"` + name + `","userPolicyList":[]}`}
}

// TestAccountTypedRule: IAM_POLICY_IN_USE, whose catalogue entry names
// AWS::::Account as its resource type, runs as an account-level rule (one
// result for the account, from the recorded IAM users) like
// CLOUD_TRAIL_ENABLED in TestSchedule.
func TestAccountTypedRule(t *testing.T) {
	const policy = "arn:aws:iam::111111111111:policy/audit"
	e := newEnv(t)
	e.record(iamUser("alice", "arn:aws:iam::aws:policy/ReadOnlyAccess", policy))
	r := &configd.ConfigRule{Name: "in-use", Source: configd.RuleSource{Owner: configd.OwnerAWS, SourceIdentifier: "IAM_POLICY_IN_USE"},
		InputParameters: `{"policyARN":"` + policy + `"}`, MaximumExecutionFrequency: "One_Hour"}
	e.putRule(r)
	e.run()
	equal(t, e.results("in-use"), []string{"AWS::::Account/111111111111=COMPLIANT"})

	// The policy is detached; the account stays COMPLIANT until the rule
	// runs again, an hour later.
	e.record(iamUser("alice", "arn:aws:iam::aws:policy/ReadOnlyAccess"))
	e.run()
	equal(t, e.results("in-use"), []string{"AWS::::Account/111111111111=COMPLIANT"})
	e.clock.Advance(time.Hour)
	if n, err := e.eng.Schedule(ctx); err != nil || n != 1 {
		t.Fatalf("Schedule = %d, %v; want 1", n, err)
	}
	e.run()
	equal(t, e.results("in-use"), []string{"AWS::::Account/111111111111=NON_COMPLIANT"})
	if st := e.status("in-use"); st.LastErrorCode != "" {
		t.Fatalf("rule status has error %s: %s", st.LastErrorCode, st.LastErrorMessage)
	}
}
