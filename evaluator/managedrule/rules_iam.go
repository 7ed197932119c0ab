package managedrule

import (
	"fmt"
	"strings"

	"github.com/configd/configd"
)

// IAM configuration items (global resources, awsRegion "global") hold the
// GetAccountAuthorizationDetails element with lowerCamel keys; policy
// documents are URL-encoded JSON
// (https://github.com/awslabs/aws-config-resource-schema,
// config/properties/resource-types/AWS::IAM::*.properties.json):
//
//	AWS::IAM::User   {"userName","groupList":["g"],"userPolicyList":[{"policyName","policyDocument"}],"attachedManagedPolicies":[{"policyName","policyArn"}]}
//	AWS::IAM::Role   {"roleName","rolePolicyList":[...],"attachedManagedPolicies":[...]}
//	AWS::IAM::Group  {"groupName","groupPolicyList":[...],"attachedManagedPolicies":[...]}
//	AWS::IAM::Policy {"arn","policyName","defaultVersionId","permissionsBoundaryUsageCount",
//	                  "policyVersionList":[{"document","versionId","isDefaultVersion"}]}

const (
	iamUser   = "AWS::IAM::User"
	iamRole   = "AWS::IAM::Role"
	iamGroup  = "AWS::IAM::Group"
	iamPolicy = "AWS::IAM::Policy"
)

func init() {
	register(
		&resourceRule{id: "IAM_USER_NO_POLICIES_CHECK", types: []string{iamUser}, check: checkUserNoPolicies},
		&resourceRule{id: "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS", types: []string{iamPolicy}, check: checkPolicyStatements(adminStatement, "grants all actions on all resources")},
		&resourceRule{id: "IAM_POLICY_NO_STATEMENTS_WITH_FULL_ACCESS", types: []string{iamPolicy}, check: checkPolicyStatements(fullAccessStatement, "grants full access to an AWS service")},
		&resourceRule{id: "IAM_NO_INLINE_POLICY_CHECK", types: []string{iamGroup, iamRole, iamUser}, check: checkNoInlinePolicy},
		&resourceRule{id: "IAM_ROLE_MANAGED_POLICY_CHECK", types: []string{iamRole}, check: checkRoleManagedPolicies},
		&resourceRule{id: "IAM_USER_GROUP_MEMBERSHIP_CHECK", types: []string{iamUser}, check: checkUserGroupMembership},
	)
}

type inlinePolicy struct {
	PolicyName     string `json:"policyName"`
	PolicyDocument string `json:"policyDocument"`
}

type attachedPolicy struct {
	PolicyName string `json:"policyName"`
	PolicyArn  string `json:"policyArn"`
}

// iamPrincipal decodes users, roles and groups alike.
type iamPrincipal struct {
	GroupName               string           `json:"groupName"`
	GroupList               []string         `json:"groupList"`
	UserPolicyList          []inlinePolicy   `json:"userPolicyList"`
	RolePolicyList          []inlinePolicy   `json:"rolePolicyList"`
	GroupPolicyList         []inlinePolicy   `json:"groupPolicyList"`
	AttachedManagedPolicies []attachedPolicy `json:"attachedManagedPolicies"`
}

// attached reports whether the managed policy arn is attached.
func (p *iamPrincipal) attached(arn string) bool {
	for _, a := range p.AttachedManagedPolicies {
		if strings.TrimSpace(a.PolicyArn) == arn {
			return true
		}
	}
	return false
}

func (p *iamPrincipal) inline() int {
	return len(p.UserPolicyList) + len(p.RolePolicyList) + len(p.GroupPolicyList)
}

// https://docs.aws.amazon.com/config/latest/developerguide/iam-user-no-policies-check.html
func checkUserNoPolicies(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var u iamPrincipal
	if err := decodeConfiguration(ci, &u); err != nil {
		return verdict{}, err
	}
	if n := len(u.UserPolicyList) + len(u.AttachedManagedPolicies); n > 0 {
		return nonCompliant(fmt.Sprintf("The user has %d policies attached directly.", n)), nil
	}
	return compliant(), nil
}

// https://docs.aws.amazon.com/config/latest/developerguide/iam-no-inline-policy-check.html
func checkNoInlinePolicy(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var p iamPrincipal
	if err := decodeConfiguration(ci, &p); err != nil {
		return verdict{}, err
	}
	if n := p.inline(); n > 0 {
		return nonCompliant(fmt.Sprintf("%d inline policies are in use.", n)), nil
	}
	return compliant(), nil
}

// https://docs.aws.amazon.com/config/latest/developerguide/iam-role-managed-policy-check.html
func checkRoleManagedPolicies(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var r iamPrincipal
	if err := decodeConfiguration(ci, &r); err != nil {
		return verdict{}, err
	}
	attached := make([]string, len(r.AttachedManagedPolicies))
	for i, p := range r.AttachedManagedPolicies {
		attached[i] = p.PolicyArn
	}
	var missing []string
	for _, arn := range csv(in.Params["managedPolicyArns"]) {
		if !contains(attached, arn) {
			missing = append(missing, arn)
		}
	}
	if len(missing) > 0 {
		return nonCompliant("Managed policies not attached: " + strings.Join(missing, ", ")), nil
	}
	return compliant(), nil
}

// checkUserGroupMembership: the user must be in at least one group, and in
// one of groupNames when it is given.
// https://docs.aws.amazon.com/config/latest/developerguide/iam-user-group-membership-check.html
func checkUserGroupMembership(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var u iamPrincipal
	if err := decodeConfiguration(ci, &u); err != nil {
		return verdict{}, err
	}
	want := csv(in.Params["groupNames"])
	if len(want) == 0 {
		if len(u.GroupList) == 0 {
			return nonCompliant("The user is not a member of any IAM group."), nil
		}
		return compliant(), nil
	}
	for _, g := range u.GroupList {
		if contains(want, g) {
			return compliant(), nil
		}
	}
	return nonCompliant("The user is not a member of any of the groups " + strings.Join(want, ", ") + "."), nil
}

type managedPolicy struct {
	Arn                           string `json:"arn"`
	DefaultVersionID              string `json:"defaultVersionId"`
	PermissionsBoundaryUsageCount int    `json:"permissionsBoundaryUsageCount"`
	PolicyVersionList             []struct {
		Document         string   `json:"document"`
		VersionID        string   `json:"versionId"`
		IsDefaultVersion flexBool `json:"isDefaultVersion"`
	} `json:"policyVersionList"`
}

// defaultDocument returns the document of the default version.
func (p *managedPolicy) defaultDocument() (string, bool) {
	for _, v := range p.PolicyVersionList {
		if v.IsDefaultVersion || (p.DefaultVersionID != "" && v.VersionID == p.DefaultVersionID) {
			return v.Document, true
		}
	}
	if len(p.PolicyVersionList) == 1 {
		return p.PolicyVersionList[0].Document, true
	}
	return "", false
}

// adminStatement: "Effect": "Allow" with "Action": "*" over "Resource": "*".
func adminStatement(st *statement) bool {
	if !st.allow() || !contains(st.Resource, "*") {
		return false
	}
	for _, a := range st.Action {
		if a == "*" || a == "*:*" {
			return true
		}
	}
	return false
}

// fullAccessStatement: "Effect": "Allow" with an action "service:*" (or
// "*"), whatever the resource.
func fullAccessStatement(st *statement) bool {
	if !st.allow() {
		return false
	}
	for _, a := range st.Action {
		if a == "*" {
			return true
		}
		if svc, rest, ok := strings.Cut(a, ":"); ok && rest == "*" && svc != "" && !strings.ContainsAny(svc, "*?") {
			return true
		}
	}
	return false
}

// checkPolicyStatements evaluates the default version of customer managed
// policies (customerPolicyDocument).
// https://docs.aws.amazon.com/config/latest/developerguide/iam-policy-no-statements-with-admin-access.html
// https://docs.aws.amazon.com/config/latest/developerguide/iam-policy-no-statements-with-full-access.html
func checkPolicyStatements(bad func(*statement) bool, what string) func(*configd.ConfigurationItem, *Input) (verdict, error) {
	return func(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
		doc, v, err := customerPolicyDocument(ci, in)
		if doc == nil || err != nil {
			return v, err
		}
		for i := range doc.Statement {
			if bad(&doc.Statement[i]) {
				return nonCompliant("A policy statement " + what + "."), nil
			}
		}
		return compliant(), nil
	}
}

// customerPolicyDocument returns the default version of the policy of an
// AWS::IAM::Policy item, for the rules that judge customer managed policies
// by their statements. Without a document to judge it returns nil and the
// verdict: AWS managed policies are not applicable, and so are policies used
// as permissions boundaries when the rule's excludePermissionBoundaryPolicy
// is true; a policy without a document is compliant.
func customerPolicyDocument(ci *configd.ConfigurationItem, in *Input) (*policyDocument, verdict, error) {
	var p managedPolicy
	if err := decodeConfiguration(ci, &p); err != nil {
		return nil, verdict{}, err
	}
	arn := p.Arn
	if arn == "" {
		arn = ci.ARN
	}
	if strings.Contains(arn, ":iam::aws:policy/") {
		return nil, notApplicable("AWS managed policies are not evaluated."), nil
	}
	if boolParam(in.Params, "excludePermissionBoundaryPolicy", false) && p.PermissionsBoundaryUsageCount > 0 {
		return nil, notApplicable("The policy is used as a permissions boundary."), nil
	}
	text, ok := p.defaultDocument()
	if !ok {
		return nil, compliant(), nil
	}
	doc, err := parsePolicy(text)
	if err != nil {
		return nil, verdict{}, fmt.Errorf("decode policy document: %w", err)
	}
	return doc, verdict{}, nil
}
