package managedrule

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// lifecycleRuleJSON writes one rule of BucketLifecycleConfiguration in the
// recorder's shape; filter is the "filter" value ("null" for none).
func lifecycleRuleJSON(id, status, legacyPrefix, filter string, expirationDays, transitions string) string {
	return `{"id":"` + id + `","status":"` + status + `","prefix":` + legacyPrefix + `,"expirationInDays":` + expirationDays +
		`,"expirationDate":null,"expiredObjectDeleteMarker":false,"noncurrentVersionExpirationInDays":-1,"transitions":` + transitions +
		`,"noncurrentVersionTransitions":null,"abortIncompleteMultipartUpload":null,"filter":` + filter + `}`
}

func lifecycleBucket(name string, rules ...string) *configdItem {
	return bucket(name, map[string]string{"BucketLifecycleConfiguration": `{"rules":[` + strings.Join(rules, ",") + `]}`})
}

func TestS3LifecyclePolicyCheck(t *testing.T) {
	logsFilter := `{"predicate":{"type":"LifecyclePrefixPredicate","prefix":"logs/"}}`
	andFilter := `{"predicate":{"type":"LifecycleAndOperator","operands":[{"type":"LifecyclePrefixPredicate","prefix":"logs/"},{"type":"LifecycleTagPredicate","tag":{"key":"k","value":"v"}}]}}`
	tiered := `[{"days":30,"date":null,"storageClass":"STANDARD_IA"},{"days":90,"date":null,"storageClass":"GLACIER"}]`
	archive := lifecycleRuleJSON("archive", "Enabled", "null", logsFilter, "395", tiered)
	disabled := lifecycleRuleJSON("off", "Disabled", "null", logsFilter, "395", tiered)
	expireOnly := lifecycleRuleJSON("expire", "Enabled", "null", `{"predicate":{"type":"LifecyclePrefixPredicate","prefix":""}}`, "365", "null")
	transitionOnly := lifecycleRuleJSON("move", "Enabled", "null", "null", "-1", `[{"days":60,"date":null,"storageClass":"GLACIER_IR"}]`)
	legacy := lifecycleRuleJSON("legacy", "Enabled", `"old/"`, "null", "10", "null")
	tagged := lifecycleRuleJSON("tagged", "Enabled", "null", andFilter, "-1", "null")

	runRuleCases(t, "S3_LIFECYCLE_POLICY_CHECK", []ruleCase{
		{name: "Compliant", ci: lifecycleBucket("b", archive), want: Compliant},
		{name: "CompliantQuotedValue", ci: bucket("b", map[string]string{"BucketLifecycleConfiguration": jsonString(`{"rules":[` + archive + `]}`)}), want: Compliant},
		{name: "NonCompliantNoConfiguration", ci: bucket("b", nil), want: NonCompliant, annotation: "no enabled lifecycle rule"},
		{name: "NonCompliantDisabledOnly", ci: lifecycleBucket("b", disabled), want: NonCompliant, annotation: "no enabled lifecycle rule"},
		{name: "NonCompliantEmptyRules", ci: lifecycleBucket("b"), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(lifecycleBucket("b", archive)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item("AWS::SQS::Queue", "q", `{}`, nil), want: NotApplicable},

		{name: "ParamTransitionDaysMatch", ci: lifecycleBucket("b", archive), params: `{"targetTransitionDays":"90"}`, want: Compliant},
		{name: "ParamTransitionDaysDiffer", ci: lifecycleBucket("b", archive), params: `{"targetTransitionDays":"60"}`, want: NonCompliant, annotation: "targetTransitionDays 60"},
		{name: "ParamTransitionDaysOnDisabledRule", ci: lifecycleBucket("b", disabled, transitionOnly), params: `{"targetTransitionDays":"30"}`, want: NonCompliant},
		{name: "ParamExpirationDaysMatch", ci: lifecycleBucket("b", archive), params: `{"targetExpirationDays":"395"}`, want: Compliant},
		{name: "ParamExpirationDaysDiffer", ci: lifecycleBucket("b", archive), params: `{"targetExpirationDays":"365"}`, want: NonCompliant, annotation: "targetExpirationDays 365"},
		{name: "ParamExpirationDaysNone", ci: lifecycleBucket("b", transitionOnly), params: `{"targetExpirationDays":"60"}`, want: NonCompliant},
		{name: "ParamStorageClassMatch", ci: lifecycleBucket("b", archive), params: `{"targetTransitionStorageClass":"GLACIER"}`, want: Compliant},
		{name: "ParamStorageClassOtherSpelling", ci: lifecycleBucket("b", archive), params: `{"targetTransitionStorageClass":"Standard-IA"}`, want: Compliant},
		{name: "ParamStorageClassDiffer", ci: lifecycleBucket("b", archive), params: `{"targetTransitionStorageClass":"DEEP_ARCHIVE"}`, want: NonCompliant},
		{name: "ParamDaysAndClassSameTransition", ci: lifecycleBucket("b", archive), params: `{"targetTransitionDays":"90","targetTransitionStorageClass":"GLACIER"}`, want: Compliant},
		{name: "ParamDaysAndClassDifferentTransitions", ci: lifecycleBucket("b", archive), params: `{"targetTransitionDays":"30","targetTransitionStorageClass":"GLACIER"}`, want: NonCompliant},
		{name: "ParamsSplitAcrossRules", ci: lifecycleBucket("b", expireOnly, transitionOnly), params: `{"targetExpirationDays":"365","targetTransitionDays":"60"}`, want: NonCompliant},
		{name: "ParamsOneRuleMatchesAll", ci: lifecycleBucket("b", expireOnly, archive), params: `{"targetExpirationDays":"395","targetTransitionDays":"30","targetPrefix":"logs/"}`, want: Compliant},
		{name: "ParamPrefixMatch", ci: lifecycleBucket("b", archive), params: `{"targetPrefix":"logs/"}`, want: Compliant},
		{name: "ParamPrefixDiffer", ci: lifecycleBucket("b", archive), params: `{"targetPrefix":"data/"}`, want: NonCompliant, annotation: `targetPrefix "data/"`},
		{name: "ParamPrefixWholeBucketRule", ci: lifecycleBucket("b", expireOnly), params: `{"targetPrefix":"logs/"}`, want: NonCompliant},
		{name: "ParamPrefixAndOperator", ci: lifecycleBucket("b", tagged), params: `{"targetPrefix":"logs/"}`, want: Compliant},
		{name: "ParamPrefixLegacy", ci: lifecycleBucket("b", legacy), params: `{"targetPrefix":"old/"}`, want: Compliant},
		{name: "ParamBucketNamesListed", ci: lifecycleBucket("b", disabled), params: `{"bucketNames":"a, b"}`, want: NonCompliant},
		{name: "ParamBucketNamesNotListed", ci: lifecycleBucket("c", disabled), params: `{"bucketNames":"a,b"}`, want: NotApplicable},
	})
}

func TestS3BucketBlacklistedActionsProhibited(t *testing.T) {
	pol := func(statements ...string) *configdItem {
		return bucket("b", map[string]string{"BucketPolicy": bucketPolicyText(`{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`)})
	}
	stmt := func(effect, principal, actionKey, actions string) string {
		return `{"Effect":"` + effect + `","Principal":` + principal + `,"` + actionKey + `":` + actions + `,"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}`
	}
	other := `{"AWS":"arn:aws:iam::111122223333:root"}`
	same := `{"AWS":["arn:aws:iam::123456789012:role/app","123456789012"]}`
	def := `{"blacklistedActionPattern":"s3:GetBucket*, s3:DeleteObject"}`
	runRuleCases(t, "S3_BUCKET_BLACKLISTED_ACTIONS_PROHIBITED", []ruleCase{
		{name: "NonCompliantOtherAccount", ci: pol(stmt("Allow", other, "Action", `"s3:GetBucketPolicy"`)), params: def, want: NonCompliant, annotation: "s3:GetBucket*"},
		{name: "NonCompliantBareAccountID", ci: pol(stmt("Allow", `{"AWS":"111122223333"}`, "Action", `"s3:DeleteObject"`)), params: def, want: NonCompliant, annotation: "s3:DeleteObject"},
		{name: "NonCompliantAnyone", ci: pol(stmt("Allow", `"*"`, "Action", `"s3:*"`)), params: def, want: NonCompliant},
		{name: "NonCompliantWildcardAccount", ci: pol(stmt("Allow", `{"AWS":"arn:aws:iam::*:root"}`, "Action", `["s3:DeleteObject"]`)), params: def, want: NonCompliant},
		{name: "NonCompliantWildcardsOverlap", ci: pol(stmt("Allow", other, "Action", `"s3:Get*"`)), params: def, want: NonCompliant},
		{name: "NonCompliantWildcardsIntersect", ci: pol(stmt("Allow", other, "Action", `"s3:*Object"`)), params: `{"blacklistedActionPattern":"s3:Delete*"}`, want: NonCompliant},
		{name: "NonCompliantConditionIgnored", ci: pol(`{"Effect":"Allow","Principal":` + other + `,"Action":"s3:DeleteObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}`), params: def, want: NonCompliant},
		{name: "NonCompliantNotPrincipal", ci: pol(`{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:DeleteObject","Resource":"*"}`), params: def, want: NonCompliant},
		{name: "NonCompliantNotActionLeavesPattern", ci: pol(stmt("Allow", other, "NotAction", `["s3:GetBucketPolicy"]`)), params: def, want: NonCompliant},
		{name: "CompliantNotActionCoversPatterns", ci: pol(stmt("Allow", other, "NotAction", `["s3:GetBucket*","s3:Delete*"]`)), params: def, want: Compliant},
		{name: "CompliantSameAccount", ci: pol(stmt("Allow", same, "Action", `"s3:*"`)), params: def, want: Compliant},
		{name: "CompliantOtherActions", ci: pol(stmt("Allow", other, "Action", `["s3:GetObject","s3:PutObject"]`)), params: def, want: Compliant},
		{name: "CompliantDeny", ci: pol(stmt("Deny", `"*"`, "Action", `"s3:*"`)), params: def, want: Compliant},
		{name: "CompliantServicePrincipal", ci: pol(stmt("Allow", `{"Service":"logging.s3.amazonaws.com"}`, "Action", `"s3:*"`)), params: def, want: Compliant},
		{name: "CompliantCanonicalUser", ci: pol(stmt("Allow", `{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}`, "Action", `"s3:GetBucketAcl"`)), params: def, want: Compliant},
		{name: "CompliantNoPolicy", ci: bucket("b", map[string]string{"BucketPolicy": `{"policyText":null}`}), params: def, want: Compliant},
		{name: "CompliantNoPolicyKey", ci: bucket("b", nil), params: def, want: Compliant},
		{name: "ParamPatternNotMatched", ci: pol(stmt("Allow", other, "Action", `"s3:GetBucketPolicy"`)), params: `{"blacklistedActionPattern":"s3:PutBucketPolicy"}`, want: Compliant},
		{name: "NotApplicableDeleted", ci: deletedItem(bucket("b", nil)), params: def, want: NotApplicable},
	})
}

func TestGlobsOverlap(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"s3:getobject", "s3:getobject", true},
		{"s3:getobject", "s3:putobject", false},
		{"s3:*", "s3:getbucket*", true},
		{"s3:get*", "s3:getbucket*", true},
		{"s3:*object", "s3:delete*", true},
		{"s3:*object", "s3:deletebucket", false},
		{"s3:get?ucket", "s3:getbucket", true},
		{"*", "", true},
		{"a*", "", false},
		{"kms:decrypt*", "kms:encrypt", false},
	}
	for _, tc := range cases {
		if got := globsOverlap(tc.a, tc.b); got != tc.want {
			t.Errorf("globsOverlap(%q, %q) = %t, want %t", tc.a, tc.b, got, tc.want)
		}
		if got := globsOverlap(tc.b, tc.a); got != tc.want {
			t.Errorf("globsOverlap(%q, %q) = %t, want %t", tc.b, tc.a, got, tc.want)
		}
	}
}

// groupWithPolicies builds an AWS::IAM::Group item with attached managed
// policies.
func groupWithPolicies(id, name, attached string) *configdItem {
	return item(iamGroup, id, `{"path":"/","groupName":"`+name+`","groupId":"`+id+`","arn":"arn:aws:iam::123456789012:group/`+name+`",`+
		`"createDate":"2024-01-02T03:04:05.000Z","groupPolicyList":[],"attachedManagedPolicies":`+attached+`}`, nil)
}

const adminAttached = `[{"policyName":"AdministratorAccess","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}]`

func TestIAMPolicyBlacklistedCheck(t *testing.T) {
	// policyArns is required; its documented default is AdministratorAccess.
	const admin = `{"policyArns":"arn:aws:iam::aws:policy/AdministratorAccess"}`
	exceptions := func(list string) string {
		return `{"policyArns":"arn:aws:iam::aws:policy/AdministratorAccess","exceptionList":"` + list + `"}`
	}
	runRuleCases(t, "IAM_POLICY_BLACKLISTED_CHECK", []ruleCase{
		{name: "NonCompliantUser", ci: userItem(`[]`, `[]`, adminAttached), params: admin, want: NonCompliant, annotation: "AdministratorAccess"},
		{name: "NonCompliantRole", ci: roleItem(`[]`, adminAttached), params: admin, want: NonCompliant},
		{name: "NonCompliantGroup", ci: groupWithPolicies("AGPA1", "admins", adminAttached), params: admin, want: NonCompliant},
		{name: "CompliantOtherPolicy", ci: userItem(`[]`, `[]`, attachedOne), params: admin, want: Compliant},
		{name: "CompliantNoPolicies", ci: roleItem(`[]`, `[]`), params: admin, want: Compliant},
		{name: "NotApplicablePolicyItem", ci: policyItem(customerArn, `{}`, 0), params: admin, want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(userItem(`[]`, `[]`, adminAttached)), params: admin, want: NotApplicable},
		{name: "ParamPolicyArns", ci: userItem(`[]`, `[]`, attachedOne), params: `{"policyArns":"arn:aws:iam::aws:policy/PowerUserAccess, arn:aws:iam::aws:policy/ReadOnlyAccess"}`,
			want: NonCompliant, annotation: "ReadOnlyAccess"},
		{name: "ParamPolicyArnsOthersAllowed", ci: userItem(`[]`, `[]`, adminAttached), params: `{"policyArns":"arn:aws:iam::aws:policy/PowerUserAccess"}`, want: Compliant},
		{name: "ParamExceptionUser", ci: userItem(`[]`, `[]`, adminAttached), params: exceptions("users:[bob;alice], roles:[app2]"), want: NotApplicable},
		{name: "ParamExceptionRole", ci: roleItem(`[]`, adminAttached), params: exceptions("users:[bob], roles:[ops;app]"), want: NotApplicable},
		{name: "ParamExceptionGroup", ci: groupWithPolicies("AGPA1", "admins", adminAttached), params: exceptions("groups:[admins]"), want: NotApplicable},
		{name: "ParamExceptionOtherType", ci: userItem(`[]`, `[]`, adminAttached), params: exceptions("roles:[alice], groups:[alice]"), want: NonCompliant},
		{name: "ParamExceptionOtherName", ci: roleItem(`[]`, adminAttached), params: exceptions("roles:[application]"), want: NonCompliant},
	})
}

// memberUser is an AWS::IAM::User item with its own id in the groups.
func memberUser(id, groups string) *configdItem {
	u := userItem(groups, `[]`, `[]`)
	u.ResourceID = id
	return u
}

func TestIAMGroupHasUsersCheck(t *testing.T) {
	inv := &memInventory{items: []*configdItem{
		memberUser("AIDA1", `["devs","ops"]`),
		memberUser("AIDA2", `[]`),
		deletedItem(memberUser("AIDA3", `["leavers"]`)),
		groupWithPolicies("AGPA9", "empty", `[]`),
	}}
	runInventoryCases(t, "IAM_GROUP_HAS_USERS_CHECK", inv, []ruleCase{
		{name: "Compliant", ci: groupItem(`[]`), want: Compliant},
		{name: "CompliantSecondGroup", ci: groupWithPolicies("AGPA2", "ops", `[]`), want: Compliant},
		{name: "NonCompliantNoMembers", ci: groupWithPolicies("AGPA9", "empty", `[]`), want: NonCompliant},
		{name: "NonCompliantOnlyDeletedMember", ci: groupWithPolicies("AGPA3", "leavers", `[]`), want: NonCompliant},
		{name: "NotApplicableUser", ci: memberUser("AIDA1", `["devs"]`), want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(groupItem(`[]`)), want: NotApplicable},
	})

	eval := func(inv Inventory) error {
		_, err := Evaluate(context.Background(), "IAM_GROUP_HAS_USERS_CHECK", Input{CI: groupItem(`[]`), Inventory: inv})
		return err
	}
	t.Run("ErrNoInventory", func(t *testing.T) {
		if eval(nil) == nil {
			t.Error("want an error")
		}
	})
	t.Run("ErrInventoryFails", func(t *testing.T) {
		if eval(&memInventory{err: errors.New("boom")}) == nil {
			t.Error("want an error")
		}
	})
	t.Run("ErrMalformedUser", func(t *testing.T) {
		if eval(&memInventory{items: []*configdItem{item(iamUser, "AIDA1", "{not json", nil)}}) == nil {
			t.Error("want an error")
		}
	})
}

func TestIAMCustomerPolicyBlockedKMSActions(t *testing.T) {
	doc := func(statements ...string) string {
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
	}
	allow := func(actions, resources string) string {
		return `{"Effect":"Allow","Action":` + actions + `,"Resource":` + resources + `}`
	}
	const (
		keyARN = `"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"`
		params = `{"blockedActionsPatterns":"kms:Decrypt, kms:ReEncryptFrom"}`
	)
	p := func(document string) *configdItem { return policyItem(customerArn, document, 0) }
	runRuleCases(t, "IAM_CUSTOMER_POLICY_BLOCKED_KMS_ACTIONS", []ruleCase{
		{name: "NonCompliantServiceWildcard", ci: p(doc(allow(`"kms:*"`, `"*"`))), params: params, want: NonCompliant, annotation: "kms:Decrypt"},
		{name: "NonCompliantAdmin", ci: p(doc(allow(`"*"`, `"*"`))), params: params, want: NonCompliant},
		{name: "NonCompliantActionWildcard", ci: p(doc(allow(`["kms:ReEncrypt*"]`, `"*"`))), params: params, want: NonCompliant, annotation: "kms:ReEncryptFrom"},
		{name: "NonCompliantKeyWildcard", ci: p(doc(allow(`"kms:Decrypt"`, `"arn:aws:kms:us-east-1:123456789012:key/*"`))), params: params, want: NonCompliant},
		{name: "NonCompliantPolicyVariable", ci: p(doc(allow(`"kms:Decrypt"`, `"arn:aws:kms:us-east-1:123456789012:key/${aws:username}"`))), params: params, want: NonCompliant},
		{name: "NonCompliantConditionIgnored", ci: p(doc(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}`)), params: params, want: NonCompliant},
		{name: "NonCompliantNotResource", ci: p(doc(`{"Effect":"Allow","Action":"kms:Decrypt","NotResource":` + keyARN + `}`)), params: params, want: NonCompliant},
		{name: "NonCompliantNotActionLeavesPattern", ci: p(doc(`{"Effect":"Allow","NotAction":"kms:Decrypt","Resource":"*"}`)), params: params, want: NonCompliant, annotation: "kms:ReEncryptFrom"},
		{name: "NonCompliantDenyOnlyOne", ci: p(doc(allow(`"kms:*"`, `"*"`), `{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}`)), params: params, want: NonCompliant, annotation: "kms:ReEncryptFrom"},
		{name: "NonCompliantConditionalDeny", ci: p(doc(allow(`"kms:*"`, `"*"`), `{"Effect":"Deny","Action":["kms:Decrypt","kms:ReEncrypt*"],"Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}`)), params: params, want: NonCompliant},
		{name: "CompliantDenied", ci: p(doc(allow(`"kms:*"`, `"*"`), `{"Effect":"Deny","Action":["kms:Decrypt","kms:ReEncrypt*"],"Resource":"arn:aws:kms:*"}`)), params: params, want: Compliant},
		{name: "CompliantFixedKey", ci: p(doc(allow(`["kms:Decrypt","kms:ReEncryptFrom"]`, keyARN))), params: params, want: Compliant},
		{name: "CompliantAliasWildcard", ci: p(doc(allow(`"kms:*"`, `"arn:aws:kms:*:*:alias/*"`))), params: params, want: Compliant},
		{name: "CompliantOtherService", ci: p(doc(allow(`"s3:*"`, `"*"`))), params: params, want: Compliant},
		{name: "CompliantOtherKMSActions", ci: p(doc(allow(`["kms:Encrypt","kms:GenerateDataKey*"]`, `"*"`))), params: params, want: Compliant},
		{name: "CompliantNotActionCovers", ci: p(doc(`{"Effect":"Allow","NotAction":["kms:Decrypt","kms:ReEncrypt*"],"Resource":"*"}`)), params: params, want: Compliant},
		{name: "CompliantNotResourceAllKeys", ci: p(doc(`{"Effect":"Allow","Action":"kms:*","NotResource":"arn:aws:kms:*:*:key/*"}`)), params: params, want: Compliant},
		{name: "NotApplicableAWSManaged", ci: policyItem("arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser", doc(allow(`"kms:*"`, `"*"`)), 0), params: params, want: NotApplicable},
		{name: "NotApplicableRole", ci: roleItem(`[]`, `[]`), params: params, want: NotApplicable},
		{name: "ParamPatternWildcard", ci: p(doc(allow(`"kms:ReEncryptTo"`, `"*"`))), params: `{"blockedActionsPatterns":"kms:ReEncrypt*"}`, want: NonCompliant},
		{name: "ParamPatternNotAllowed", ci: p(doc(allow(`"kms:ReEncryptTo"`, `"*"`))), params: `{"blockedActionsPatterns":"kms:Decrypt"}`, want: Compliant},
		{name: "ParamExcludeBoundaryUsed", ci: policyItem(customerArn, doc(allow(`"kms:*"`, `"*"`)), 1),
			params: `{"blockedActionsPatterns":"kms:Decrypt","excludePermissionBoundaryPolicy":"true"}`, want: NotApplicable},
		{name: "ParamExcludeBoundaryUnused", ci: policyItem(customerArn, doc(allow(`"kms:*"`, `"*"`)), 0),
			params: `{"blockedActionsPatterns":"kms:Decrypt","excludePermissionBoundaryPolicy":"true"}`, want: NonCompliant},
		{name: "ParamExcludeBoundaryFalse", ci: policyItem(customerArn, doc(allow(`"kms:*"`, `"*"`)), 1),
			params: `{"blockedActionsPatterns":"kms:Decrypt","excludePermissionBoundaryPolicy":"false"}`, want: NonCompliant},
	})
}

// inlineList writes a user/role/group policy list with one URL-encoded
// document.
func inlineList(name, document string) string {
	return `[{"policyName":"` + name + `","policyDocument":"` + urlEncode(document) + `"}]`
}

func TestIAMInlinePolicyBlockedKMSActions(t *testing.T) {
	kmsAll := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`
	fixed := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:123456789012:key/k"}]}`
	const params = `{"blockedActionsPatterns":"kms:Decrypt"}`
	rawJSON := `[{"policyName":"raw","policyDocument":` + jsonString(kmsAll) + `}]`
	runRuleCases(t, "IAM_INLINE_POLICY_BLOCKED_KMS_ACTIONS", []ruleCase{
		{name: "NonCompliantUser", ci: userItem(`[]`, inlineList("kms-admin", kmsAll), `[]`), params: params, want: NonCompliant, annotation: "kms-admin"},
		{name: "NonCompliantRole", ci: roleItem(inlineList("kms-admin", kmsAll), `[]`), params: params, want: NonCompliant},
		{name: "NonCompliantGroup", ci: groupItem(inlineList("kms-admin", kmsAll)), params: params, want: NonCompliant},
		{name: "NonCompliantDocumentNotEncoded", ci: userItem(`[]`, rawJSON, `[]`), params: params, want: NonCompliant},
		{name: "CompliantFixedKey", ci: roleItem(inlineList("one-key", fixed), `[]`), params: params, want: Compliant},
		{name: "CompliantNoInline", ci: groupItem(`[]`), params: params, want: Compliant},
		{name: "CompliantManagedNotInline", ci: userItem(`[]`, `[]`, adminAttached), params: params, want: Compliant},
		{name: "NotApplicablePolicy", ci: policyItem(customerArn, kmsAll, 0), params: params, want: NotApplicable},
		{name: "ParamPatternOther", ci: userItem(`[]`, inlineList("p", `{"Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}`), `[]`), params: params, want: Compliant},
		{name: "ParamExcludeRoleByManagementAccount", ci: roleItem(inlineList("kms-admin", kmsAll), `[]`),
			params: `{"blockedActionsPatterns":"kms:Decrypt","excludeRoleByManagementAccount":"true"}`, want: NonCompliant, annotation: "management account"},
		{name: "ParamExcludeRoleByManagementAccountUser", ci: userItem(`[]`, inlineList("kms-admin", kmsAll), `[]`),
			params: `{"blockedActionsPatterns":"kms:Decrypt","excludeRoleByManagementAccount":"true"}`, want: NonCompliant},
	})
}
