package managedrule

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// urlEncode encodes a policy document as AWS Config writes IAM documents.
func urlEncode(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// userItem builds an AWS::IAM::User item (GetAccountAuthorizationDetails
// element with lowerCamel keys).
func userItem(groups, inline, attached string) *configdItem {
	return item(iamUser, "AIDAEXAMPLE", `{"path":"/","userName":"alice","userId":"AIDAEXAMPLE","arn":"arn:aws:iam::123456789012:user/alice",`+
		`"createDate":"2024-01-02T03:04:05.000Z","userPolicyList":`+inline+`,"groupList":`+groups+`,"attachedManagedPolicies":`+attached+`,"permissionsBoundary":null,"tags":[]}`, nil)
}

func roleItem(inline, attached string) *configdItem {
	return item(iamRole, "AROAEXAMPLE", `{"path":"/","roleName":"app","roleId":"AROAEXAMPLE","arn":"arn:aws:iam::123456789012:role/app",`+
		`"createDate":"2024-01-02T03:04:05.000Z","assumeRolePolicyDocument":"`+urlEncode(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)+`",`+
		`"instanceProfileList":[],"rolePolicyList":`+inline+`,"attachedManagedPolicies":`+attached+`,"permissionsBoundary":null,"tags":[],"roleLastUsed":null}`, nil)
}

func groupItem(inline string) *configdItem {
	return item(iamGroup, "AGPAEXAMPLE", `{"path":"/","groupName":"devs","groupId":"AGPAEXAMPLE","arn":"arn:aws:iam::123456789012:group/devs",`+
		`"createDate":"2024-01-02T03:04:05.000Z","groupPolicyList":`+inline+`,"attachedManagedPolicies":[]}`, nil)
}

// policyItem builds an AWS::IAM::Policy item whose default version holds
// document (URL-encoded, as AWS Config records it).
func policyItem(arn, document string, boundaryUses int) *configdItem {
	ci := item(iamPolicy, "ANPAEXAMPLE", `{"policyName":"p","policyId":"ANPAEXAMPLE","arn":"`+arn+`","path":"/","defaultVersionId":"v2",`+
		`"attachmentCount":1,"permissionsBoundaryUsageCount":`+strconv.Itoa(boundaryUses)+`,"isAttachable":true,"description":null,`+
		`"createDate":"2024-01-02T03:04:05.000Z","updateDate":"2024-01-02T03:04:05.000Z",`+
		`"policyVersionList":[{"document":"`+urlEncode(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)+`","versionId":"v1","isDefaultVersion":false,"createDate":"2024-01-01T00:00:00.000Z"},`+
		`{"document":"`+urlEncode(document)+`","versionId":"v2","isDefaultVersion":true,"createDate":"2024-01-02T03:04:05.000Z"}]}`, nil)
	ci.ARN = arn
	return ci
}

const (
	inlineOne   = `[{"policyName":"inline","policyDocument":"%7B%22Statement%22%3A%5B%5D%7D"}]`
	attachedOne = `[{"policyName":"ReadOnlyAccess","policyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}]`
	customerArn = "arn:aws:iam::123456789012:policy/p"
)

func TestIAMUserNoPoliciesCheck(t *testing.T) {
	runRuleCases(t, "IAM_USER_NO_POLICIES_CHECK", []ruleCase{
		{name: "Compliant", ci: userItem(`["devs"]`, `[]`, `[]`), want: Compliant},
		{name: "NonCompliantInline", ci: userItem(`[]`, inlineOne, `[]`), want: NonCompliant},
		{name: "NonCompliantAttached", ci: userItem(`[]`, `[]`, attachedOne), want: NonCompliant},
		{name: "NotApplicableRole", ci: roleItem(`[]`, attachedOne), want: NotApplicable},
	})
}

func TestIAMPolicyNoStatementsWithAdminAccess(t *testing.T) {
	admin := `{"Version":"2012-10-17","Statement":[{"Sid":"VisualEditor","Effect":"Allow","Action":"*","Resource":"*"}]}`
	service := `{"Version":"2012-10-17","Statement":[{"Sid":"VisualEditor","Effect":"Allow","Action":"service:*","Resource":"*"}]}`
	scoped := `{"Statement":[{"Effect":"Allow","Action":["*"],"Resource":["arn:aws:s3:::b/*"]}]}`
	denyAll := `{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`
	runRuleCases(t, "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS", []ruleCase{
		{name: "NonCompliantAdmin", ci: policyItem(customerArn, admin, 0), want: NonCompliant},
		{name: "CompliantServiceWildcard", ci: policyItem(customerArn, service, 0), want: Compliant},
		{name: "CompliantScopedResource", ci: policyItem(customerArn, scoped, 0), want: Compliant},
		{name: "CompliantDeny", ci: policyItem(customerArn, denyAll, 0), want: Compliant},
		{name: "NotApplicableAWSManaged", ci: policyItem("arn:aws:iam::aws:policy/AdministratorAccess", admin, 0), want: NotApplicable},
		{name: "ParamExcludeBoundaryUsed", ci: policyItem(customerArn, admin, 2), params: `{"excludePermissionBoundaryPolicy":"true"}`, want: NotApplicable},
		{name: "ParamExcludeBoundaryUnused", ci: policyItem(customerArn, admin, 0), params: `{"excludePermissionBoundaryPolicy":"true"}`, want: NonCompliant},
		{name: "ParamExcludeBoundaryFalse", ci: policyItem(customerArn, admin, 2), params: `{"excludePermissionBoundaryPolicy":"false"}`, want: NonCompliant},
	})
}

func TestIAMPolicyNoStatementsWithFullAccess(t *testing.T) {
	full := `{"Statement":[{"Effect":"Allow","Action":["s3:GetObject","sqs:*"],"Resource":"arn:aws:sqs:us-east-1:123456789012:q"}]}`
	partial := `{"Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}`
	runRuleCases(t, "IAM_POLICY_NO_STATEMENTS_WITH_FULL_ACCESS", []ruleCase{
		{name: "NonCompliantServiceWildcard", ci: policyItem(customerArn, full, 0), want: NonCompliant},
		{name: "CompliantPartialWildcards", ci: policyItem(customerArn, partial, 0), want: Compliant},
		{name: "NonCompliantStar", ci: policyItem(customerArn, `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, 0), want: NonCompliant},
		{name: "ParamExcludeBoundary", ci: policyItem(customerArn, full, 1), params: `{"excludePermissionBoundaryPolicy":"true"}`, want: NotApplicable},
	})
}

func TestIAMNoInlinePolicyCheck(t *testing.T) {
	runRuleCases(t, "IAM_NO_INLINE_POLICY_CHECK", []ruleCase{
		{name: "CompliantUser", ci: userItem(`[]`, `[]`, attachedOne), want: Compliant},
		{name: "NonCompliantUser", ci: userItem(`[]`, inlineOne, `[]`), want: NonCompliant},
		{name: "NonCompliantRole", ci: roleItem(inlineOne, `[]`), want: NonCompliant},
		{name: "CompliantRole", ci: roleItem(`[]`, attachedOne), want: Compliant},
		{name: "NonCompliantGroup", ci: groupItem(inlineOne), want: NonCompliant},
		{name: "CompliantGroup", ci: groupItem(`[]`), want: Compliant},
		{name: "NotApplicablePolicy", ci: policyItem(customerArn, `{}`, 0), want: NotApplicable},
	})
}

func TestIAMRoleManagedPolicyCheck(t *testing.T) {
	two := `[{"policyName":"ReadOnlyAccess","policyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"},{"policyName":"AmazonSSMManagedInstanceCore","policyArn":"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}]`
	runRuleCases(t, "IAM_ROLE_MANAGED_POLICY_CHECK", []ruleCase{
		{name: "Compliant", ci: roleItem(`[]`, two), params: `{"managedPolicyArns":"arn:aws:iam::aws:policy/ReadOnlyAccess, arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}`, want: Compliant},
		{name: "NonCompliantMissing", ci: roleItem(`[]`, attachedOne), params: `{"managedPolicyArns":"arn:aws:iam::aws:policy/ReadOnlyAccess,arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}`,
			want: NonCompliant, annotation: "AmazonSSMManagedInstanceCore"},
		{name: "NotApplicableUser", ci: userItem(`[]`, `[]`, `[]`), params: `{"managedPolicyArns":"x"}`, want: NotApplicable},
	})
}

func TestIAMUserGroupMembershipCheck(t *testing.T) {
	runRuleCases(t, "IAM_USER_GROUP_MEMBERSHIP_CHECK", []ruleCase{
		{name: "Compliant", ci: userItem(`["devs"]`, `[]`, `[]`), want: Compliant},
		{name: "NonCompliantNoGroup", ci: userItem(`[]`, `[]`, `[]`), want: NonCompliant},
		{name: "ParamGroupNamesMember", ci: userItem(`["devs","ops"]`, `[]`, `[]`), params: `{"groupNames":"admins,ops"}`, want: Compliant},
		{name: "ParamGroupNamesNotMember", ci: userItem(`["devs"]`, `[]`, `[]`), params: `{"groupNames":"admins,ops"}`, want: NonCompliant, annotation: "admins"},
	})
}
