package managedrule

import (
	"context"
	"strings"
	"testing"
)

// versionedBucket builds a bucket item with the versioning status (a JSON
// value: `"Enabled"`, `null`, ...) and MFA delete flag, plus extra
// supplementary keys.
func versionedBucket(name, status, mfaDelete string, extra map[string]string) *configdItem {
	sup := map[string]string{"BucketVersioningConfiguration": `{"status":` + status + `,"isMfaDeleteEnabled":` + mfaDelete + `}`}
	for k, v := range extra {
		sup[k] = v
	}
	return bucket(name, sup)
}

func TestS3VersionLifecyclePolicyCheck(t *testing.T) {
	enabled := lifecycleRuleJSON("expire", "Enabled", "null", `{"predicate":{"type":"LifecyclePrefixPredicate","prefix":""}}`, "365", "null")
	disabled := lifecycleRuleJSON("off", "Disabled", "null", "null", "30", "null")
	lifecycle := func(rules ...string) map[string]string {
		return map[string]string{"BucketLifecycleConfiguration": `{"rules":[` + strings.Join(rules, ",") + `]}`}
	}
	runRuleCases(t, "S3_VERSION_LIFECYCLE_POLICY_CHECK", []ruleCase{
		{name: "Compliant", ci: versionedBucket("b", `"Enabled"`, "null", lifecycle(enabled)), want: Compliant},
		{name: "CompliantOneOfTwoEnabled", ci: versionedBucket("b", `"Enabled"`, "false", lifecycle(disabled, enabled)), want: Compliant},
		{name: "CompliantQuotedValues", ci: bucket("b", map[string]string{
			"BucketVersioningConfiguration": jsonString(`{"status":"Enabled","isMfaDeleteEnabled":null}`),
			"BucketLifecycleConfiguration":  jsonString(`{"rules":[` + enabled + `]}`),
		}), want: Compliant},
		{name: "NonCompliantNoLifecycle", ci: versionedBucket("b", `"Enabled"`, "null", nil), want: NonCompliant, annotation: "no enabled lifecycle rule"},
		{name: "NonCompliantDisabledOnly", ci: versionedBucket("b", `"Enabled"`, "null", lifecycle(disabled)), want: NonCompliant},
		{name: "NonCompliantEmptyRules", ci: versionedBucket("b", `"Enabled"`, "null", lifecycle()), want: NonCompliant},
		{name: "NotApplicableVersioningOff", ci: versionedBucket("b", `"Off"`, "null", nil), want: NotApplicable, annotation: "Off"},
		{name: "NotApplicableVersioningSuspended", ci: versionedBucket("b", `"Suspended"`, "null", nil), want: NotApplicable, annotation: "Suspended"},
		{name: "NotApplicableNoVersioningKey", ci: bucket("b", nil), want: NotApplicable},
		{name: "NotApplicableStatusNull", ci: versionedBucket("b", "null", "null", nil), want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(versionedBucket("b", `"Enabled"`, "null", nil)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item("AWS::SQS::Queue", "q", `{}`, nil), want: NotApplicable},
		{name: "ParamBucketNamesListed", ci: versionedBucket("b", `"Enabled"`, "null", nil), params: `{"bucketNames":"a, b"}`, want: NonCompliant},
		{name: "ParamBucketNamesListedCompliant", ci: versionedBucket("a", `"Enabled"`, "null", lifecycle(enabled)), params: `{"bucketNames":"a,b"}`, want: Compliant},
		{name: "ParamBucketNamesNotListed", ci: versionedBucket("c", `"Enabled"`, "null", nil), params: `{"bucketNames":"a,b"}`, want: NotApplicable, annotation: "bucketNames"},
	})
}

func TestS3BucketMFADeleteEnabled(t *testing.T) {
	runRuleCases(t, "S3_BUCKET_MFA_DELETE_ENABLED", []ruleCase{
		{name: "Compliant", ci: versionedBucket("b", `"Enabled"`, "true", nil), want: Compliant},
		{name: "CompliantStringTrue", ci: versionedBucket("b", `"Enabled"`, `"true"`, nil), want: Compliant},
		{name: "CompliantSuspended", ci: versionedBucket("b", `"Suspended"`, "true", nil), want: Compliant},
		{name: "NonCompliantFalse", ci: versionedBucket("b", `"Enabled"`, "false", nil), want: NonCompliant, annotation: "MFA delete is not enabled"},
		{name: "NonCompliantNull", ci: versionedBucket("b", `"Enabled"`, "null", nil), want: NonCompliant},
		{name: "NonCompliantVersioningOff", ci: versionedBucket("b", `"Off"`, "null", nil), want: NonCompliant, annotation: "versioning is Off"},
		{name: "NonCompliantNoVersioningKey", ci: bucket("b", nil), want: NonCompliant, annotation: "versioning is Off"},
		{name: "NotApplicableDeleted", ci: deletedItem(versionedBucket("b", `"Enabled"`, "true", nil)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item("AWS::SQS::Queue", "q", `{}`, nil), want: NotApplicable},
	})
}

func TestS3BucketPolicyGranteeCheck(t *testing.T) {
	pol := func(statements ...string) *configdItem {
		return bucket("b", map[string]string{"BucketPolicy": bucketPolicyText(`{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`)})
	}
	allow := func(principal string) string {
		return `{"Effect":"Allow","Principal":` + principal + `,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
	}
	allowIf := func(principal, condition string) string {
		return `{"Effect":"Allow","Principal":` + principal + `,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":` + condition + `}`
	}
	const (
		accounts = `{"awsPrincipals":"111122223333, 444455556666"}`
		roleARN  = `"arn:aws:iam::111122223333:role/app"`
	)
	vars := strings.Repeat("${aws:username}", 6)
	runRuleCases(t, "S3_BUCKET_POLICY_GRANTEE_CHECK", []ruleCase{
		// The page's examples.
		{name: "CompliantOneListedAccount", ci: pol(allow(`{"AWS":"111122223333"}`)), params: accounts, want: Compliant},
		{name: "CompliantBothListedAccounts", ci: pol(allow(`{"AWS":["111122223333","arn:aws:iam::444455556666:root"]}`)), params: accounts, want: Compliant},
		{name: "NonCompliantOtherAccount", ci: pol(allow(`{"AWS":"999900009999"}`)), params: accounts, want: NonCompliant, annotation: "999900009999"},
		{name: "NonCompliantOneOfTwoStatements", ci: pol(allow(`{"AWS":"111122223333"}`), allow(`{"AWS":"arn:aws:iam::999900009999:root"}`)), params: accounts,
			want: NonCompliant, annotation: "Statement 2"},

		{name: "CompliantNoPolicy", ci: bucket("b", map[string]string{"BucketPolicy": `{"policyText":null}`}), params: accounts, want: Compliant},
		{name: "CompliantNoPolicyKey", ci: bucket("b", nil), want: Compliant},
		{name: "CompliantDenyOnly", ci: pol(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`), want: Compliant},
		{name: "NonCompliantNoParameters", ci: pol(allow(`{"AWS":"111122223333"}`)), want: NonCompliant},
		{name: "NonCompliantAnyone", ci: pol(allow(`"*"`)), params: accounts, want: NonCompliant, annotation: "everyone"},
		{name: "NonCompliantAWSWildcard", ci: pol(allow(`{"AWS":"*"}`)), params: accounts, want: NonCompliant},
		{name: "NonCompliantNotPrincipal", ci: pol(`{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"*"}`), params: accounts, want: NonCompliant, annotation: "NotPrincipal"},
		{name: "NonCompliantCanonicalUser", ci: pol(allow(`{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}`)), params: accounts, want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(pol(allow(`"*"`))), params: accounts, want: NotApplicable},

		// awsPrincipals
		{name: "ParamAccountCoversRole", ci: pol(allow(`{"AWS":` + roleARN + `}`)), params: accounts, want: Compliant},
		{name: "ParamAccountCoversRootARN", ci: pol(allow(`{"AWS":"arn:aws:iam::111122223333:root"}`)), params: `{"awsPrincipals":"111122223333"}`, want: Compliant},
		{name: "ParamRootARNCoversBareAccount", ci: pol(allow(`{"AWS":"444455556666"}`)), params: `{"awsPrincipals":"arn:aws:iam::444455556666:root"}`, want: Compliant},
		{name: "ParamAccountWildcardNotCovered", ci: pol(allow(`{"AWS":"arn:aws:iam::*:root"}`)), params: accounts, want: NonCompliant},
		{name: "ParamRoleARNExact", ci: pol(allow(`{"AWS":` + roleARN + `}`)), params: `{"awsPrincipals":"arn:aws:iam::111122223333:role/app"}`, want: Compliant},
		{name: "ParamRoleARNOtherRole", ci: pol(allow(`{"AWS":"arn:aws:iam::111122223333:role/admin"}`)), params: `{"awsPrincipals":"arn:aws:iam::111122223333:role/app"}`, want: NonCompliant},
		{name: "ParamRoleARNDoesNotCoverAccount", ci: pol(allow(`{"AWS":"111122223333"}`)), params: `{"awsPrincipals":"arn:aws:iam::111122223333:role/app"}`, want: NonCompliant},
		{name: "ParamRolePattern", ci: pol(allow(`{"AWS":["arn:aws:iam::111122223333:role/app","arn:aws:iam::111122223333:role/ops"]}`)), params: `{"awsPrincipals":"arn:aws:iam::111122223333:role/*"}`, want: Compliant},
		{name: "ParamRolePatternOtherKind", ci: pol(allow(`{"AWS":"arn:aws:iam::111122223333:user/bob"}`)), params: `{"awsPrincipals":"arn:aws:iam::111122223333:role/*"}`, want: NonCompliant},
		{name: "ParamAWSStar", ci: pol(allow(`"*"`)), params: `{"awsPrincipals":"*"}`, want: Compliant},

		// servicePrincipals and federatedUsers
		{name: "ParamServiceListed", ci: pol(allow(`{"Service":"cloudtrail.amazonaws.com"}`)), params: `{"servicePrincipals":"cloudtrail.amazonaws.com, lambda.amazonaws.com"}`, want: Compliant},
		{name: "ParamServiceNotListed", ci: pol(allow(`{"Service":["cloudtrail.amazonaws.com","logging.s3.amazonaws.com"]}`)), params: `{"servicePrincipals":"cloudtrail.amazonaws.com"}`, want: NonCompliant, annotation: "logging.s3.amazonaws.com"},
		{name: "ParamServiceNotAnAWSPrincipal", ci: pol(allow(`{"Service":"cloudtrail.amazonaws.com"}`)), params: `{"awsPrincipals":"cloudtrail.amazonaws.com"}`, want: NonCompliant},
		{name: "ParamFederatedListed", ci: pol(allow(`{"Federated":"arn:aws:iam::111122223333:saml-provider/my-provider"}`)), params: `{"federatedUsers":"cognito-identity.amazonaws.com, arn:aws:iam::111122223333:saml-provider/my-provider"}`, want: Compliant},
		{name: "ParamFederatedNotListed", ci: pol(allow(`{"Federated":"accounts.google.com"}`)), params: `{"federatedUsers":"cognito-identity.amazonaws.com"}`, want: NonCompliant},
		{name: "ParamMixedKinds", ci: pol(allow(`{"AWS":"111122223333","Service":"cloudtrail.amazonaws.com"}`)), params: `{"awsPrincipals":"111122223333","servicePrincipals":"cloudtrail.amazonaws.com"}`, want: Compliant},
		{name: "ParamMixedKindsOneMissing", ci: pol(allow(`{"AWS":"111122223333","Service":"cloudtrail.amazonaws.com"}`)), params: `{"awsPrincipals":"111122223333"}`, want: NonCompliant},

		// ipAddresses
		{name: "ParamIPRange", ci: pol(allowIf(`"*"`, `{"IpAddress":{"aws:SourceIp":"192.168.1.0/25"}}`)), params: `{"ipAddresses":"10.0.0.1, 192.168.1.0/24, 2001:db8::/32"}`, want: Compliant},
		{name: "ParamIPSingleAddress", ci: pol(allowIf(`"*"`, `{"IpAddress":{"aws:SourceIp":["10.0.0.1/32","2001:db8:1::/48"]}}`)), params: `{"ipAddresses":"10.0.0.1, 2001:db8::/32"}`, want: Compliant},
		{name: "ParamIPWiderThanListed", ci: pol(allowIf(`"*"`, `{"IpAddress":{"aws:SourceIp":"192.168.0.0/16"}}`)), params: `{"ipAddresses":"192.168.1.0/24"}`, want: NonCompliant},
		{name: "ParamIPWiderSameBase", ci: pol(allowIf(`"*"`, `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`)), params: `{"ipAddresses":"10.0.0.0/24"}`, want: NonCompliant},
		{name: "ParamIPOneValueOutside", ci: pol(allowIf(`"*"`, `{"IpAddress":{"aws:SourceIp":["192.168.1.0/24","203.0.113.0/24"]}}`)), params: `{"ipAddresses":"192.168.1.0/24"}`, want: NonCompliant},
		{name: "ParamIPNotIpAddress", ci: pol(allowIf(`"*"`, `{"NotIpAddress":{"aws:SourceIp":"192.168.1.0/24"}}`)), params: `{"ipAddresses":"192.168.1.0/24"}`, want: NonCompliant},
		{name: "ParamIPIfExists", ci: pol(allowIf(`"*"`, `{"IpAddressIfExists":{"aws:SourceIp":"192.168.1.0/24"}}`)), params: `{"ipAddresses":"192.168.1.0/24"}`, want: NonCompliant},
		{name: "ParamIPRestrictsOtherAccount", ci: pol(allowIf(`{"AWS":"999900009999"}`, `{"IpAddress":{"aws:SourceIp":"10.0.0.1"}}`)), params: `{"awsPrincipals":"111122223333","ipAddresses":"10.0.0.0/8"}`, want: Compliant},
		{name: "ParamIPInvalidListed", ci: pol(allowIf(`"*"`, `{"IpAddress":{"aws:SourceIp":"10.0.0.1"}}`)), params: `{"ipAddresses":"not-an-ip"}`, want: NonCompliant},

		// vpcIds
		{name: "ParamVPCListed", ci: pol(allowIf(`"*"`, `{"StringEquals":{"aws:SourceVpc":"vpc-1234abc0"}}`)), params: `{"vpcIds":"vpc-1234abc0, vpc-ab1234c0"}`, want: Compliant},
		{name: "ParamVPCNotListed", ci: pol(allowIf(`"*"`, `{"StringEquals":{"aws:SourceVpc":"vpc-99999999"}}`)), params: `{"vpcIds":"vpc-1234abc0"}`, want: NonCompliant},
		{name: "ParamVPCWildcardValue", ci: pol(allowIf(`"*"`, `{"StringLike":{"aws:SourceVpc":"vpc-*"}}`)), params: `{"vpcIds":"vpc-1234abc0"}`, want: NonCompliant},
		{name: "ParamVPCNegated", ci: pol(allowIf(`"*"`, `{"StringNotEquals":{"aws:SourceVpc":"vpc-1234abc0"}}`)), params: `{"vpcIds":"vpc-1234abc0"}`, want: NonCompliant},
		{name: "ParamVPCForAnyValue", ci: pol(allowIf(`"*"`, `{"ForAnyValue:StringEquals":{"aws:SourceVpc":["vpc-1234abc0","vpc-ab1234c0"]}}`)), params: `{"vpcIds":"vpc-1234abc0,vpc-ab1234c0"}`, want: Compliant},

		// Conditions on the principal.
		{name: "ParamPrincipalAccountCondition", ci: pol(allowIf(`"*"`, `{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}`)), params: accounts, want: Compliant},
		{name: "ParamPrincipalArnCondition", ci: pol(allowIf(`{"AWS":"*"}`, `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/*"}}`)), params: accounts, want: Compliant},
		{name: "ParamPrincipalArnConditionOther", ci: pol(allowIf(`{"AWS":"*"}`, `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::999900009999:role/*"}}`)), params: accounts, want: NonCompliant},

		// Policy variables.
		{name: "NonCompliantTooManyPolicyVariables", ci: pol(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/` + vars + `"}`), params: accounts,
			want: NonCompliant, annotation: "more than 5 policy variables"},
		{name: "CompliantFivePolicyVariables", ci: pol(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/` + strings.Repeat("${aws:username}", 5) + `"}`), params: accounts, want: Compliant},
		{name: "NonCompliantPolicyVariablesInDenyCondition", ci: pol(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotLike":{"s3:prefix":"` + vars + `"}}}`), params: accounts, want: NonCompliant},
	})
}

func TestCloudTrailS3DataEventsEnabled(t *testing.T) {
	const id = "CLOUDTRAIL_S3_DATAEVENTS_ENABLED"
	selectors := func(name, values string) *configdItem {
		return withSupplementary(trailItem(name, `,"hasCustomEventSelectors":true`), "EventSelectors",
			`[{"readWriteType":"All","includeManagementEvents":true,"dataResources":[{"type":"AWS::S3::Object","values":`+values+`}],"excludeManagementEventSources":[]}]`)
	}
	allBuckets := selectors("all", `["arn:aws:s3"]`)
	allBucketsColons := selectors("colons", `["arn:aws:s3:::"]`)
	twoBuckets := selectors("two", `["arn:aws:s3:::logs/","arn:aws:s3:::data"]`)
	prefixOnly := selectors("prefix", `["arn:aws:s3:::logs/2024/"]`)
	lambdaOnly := withSupplementary(trailItem("lambda", `,"hasCustomEventSelectors":true`), "EventSelectors",
		`[{"readWriteType":"All","includeManagementEvents":true,"dataResources":[{"type":"AWS::Lambda::Function","values":["arn:aws:lambda"]}]}]`)
	readOnly := withSupplementary(trailItem("reads", `,"hasCustomEventSelectors":true`), "EventSelectors",
		`[{"readWriteType":"ReadOnly","includeManagementEvents":false,"dataResources":[{"type":"AWS::S3::Object","values":["arn:aws:s3"]}]}]`)
	stopped := withSupplementary(selectors("stopped", `["arn:aws:s3"]`), "TrailStatus", `{"isLogging":false}`)
	logging := withSupplementary(selectors("running", `["arn:aws:s3"]`), "TrailStatus", `{"isLogging":true}`)
	unknown := trailItem("unknown", `,"hasCustomEventSelectors":true`)
	defaults := trailItem("default", "")
	quoted := withSupplementary(trailItem("quoted", `,"hasCustomEventSelectors":true`), "EventSelectors",
		jsonString(`[{"readWriteType":"All","dataResources":[{"type":"AWS::S3::Object","values":["arn:aws:s3"]}]}]`))

	cases := []struct {
		name, params string
		trails       []*configdItem
		want         string
		annotation   string
	}{
		{"Compliant", "", []*configdItem{allBuckets}, Compliant, ""},
		{"CompliantColonsValue", "", []*configdItem{allBucketsColons}, Compliant, ""},
		{"CompliantQuotedSelectors", "", []*configdItem{quoted}, Compliant, ""},
		{"CompliantReadOnlySelector", "", []*configdItem{readOnly}, Compliant, ""},
		{"CompliantLoggingStatus", "", []*configdItem{logging}, Compliant, ""},
		{"CompliantOneOfTwo", "", []*configdItem{defaults, allBuckets}, Compliant, ""},
		{"NonCompliantNoTrail", "", nil, NonCompliant, "No AWS CloudTrail trail is enabled"},
		{"NonCompliantDeletedTrail", "", []*configdItem{deletedItem(selectors("gone", `["arn:aws:s3"]`))}, NonCompliant, ""},
		{"NonCompliantDefaultSelector", "", []*configdItem{defaults}, NonCompliant, "management events only"},
		{"NonCompliantSelectorsUnknown", "", []*configdItem{unknown}, NonCompliant, "not recorded"},
		{"NonCompliantSomeBuckets", "", []*configdItem{twoBuckets}, NonCompliant, "for all buckets"},
		{"NonCompliantOtherDataType", "", []*configdItem{lambdaOnly}, NonCompliant, ""},
		{"NonCompliantNotLogging", "", []*configdItem{stopped}, NonCompliant, "not logging"},
		{"ParamBucketsCovered", `{"S3BucketNames":"logs, data"}`, []*configdItem{twoBuckets}, Compliant, ""},
		{"ParamBucketsCoveredByAll", `{"S3BucketNames":"anything"}`, []*configdItem{allBuckets}, Compliant, ""},
		{"ParamBucketMissing", `{"S3BucketNames":"logs,other"}`, []*configdItem{twoBuckets}, NonCompliant, "bucket other"},
		{"ParamBucketPrefixOnly", `{"S3BucketNames":"logs"}`, []*configdItem{prefixOnly}, NonCompliant, "bucket logs"},
		{"ParamBucketsSplitAcrossTrails", `{"S3BucketNames":"logs,data"}`, []*configdItem{selectors("a", `["arn:aws:s3:::logs/"]`), selectors("b", `["arn:aws:s3:::data/"]`)}, NonCompliant, ""},
		{"ParamBucketsNotLoggingTrail", `{"S3BucketNames":"logs"}`, []*configdItem{withSupplementary(selectors("s", `["arn:aws:s3:::logs/"]`), "TrailStatus", `{"isLogging":false}`)}, NonCompliant, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := evalAccount(t, id, tc.params, tc.trails...)
			if got.ComplianceType != tc.want {
				t.Errorf("got %s (%q), want %s", got.ComplianceType, got.Annotation, tc.want)
			}
			if !strings.Contains(got.Annotation, tc.annotation) {
				t.Errorf("annotation %q does not contain %q", got.Annotation, tc.annotation)
			}
		})
	}
	t.Run("ErrNoInventory", func(t *testing.T) {
		if _, err := Evaluate(context.Background(), id, Input{AccountID: "123456789012"}); err == nil {
			t.Fatal("want an error without an inventory")
		}
	})
	t.Run("ErrMalformedSelectors", func(t *testing.T) {
		bad := withSupplementary(trailItem("bad", ""), "EventSelectors", `[{"dataResources":`)
		if _, err := Evaluate(context.Background(), id, Input{Inventory: &memInventory{items: []*configdItem{bad}}}); err == nil {
			t.Fatal("want an error for malformed EventSelectors")
		}
	})
}
