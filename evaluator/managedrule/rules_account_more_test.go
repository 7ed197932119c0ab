package managedrule

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/configd/configd"
)

const configdDeleted = configd.CIStatusResourceDeleted

// s3SelectorTrail builds a trail whose recorded EventSelectors are
// selectors (GetEventSelectors' list, lowerCamel); multiRegion sets
// isMultiRegionTrail.
func s3SelectorTrail(name string, multiRegion bool, selectors string) *configdItem {
	extra := `,"hasCustomEventSelectors":true`
	if multiRegion {
		extra += `,"isMultiRegionTrail":true`
	}
	return withSupplementary(trailItem(name, extra), "EventSelectors", selectors)
}

// s3Selector is one basic event selector logging AWS::S3::Object data
// events for values (a JSON array); readWriteType "" leaves the member out.
func s3Selector(readWriteType, values string) string {
	rw := ""
	if readWriteType != "" {
		rw = `"readWriteType":"` + readWriteType + `",`
	}
	return `{` + rw + `"includeManagementEvents":true,"dataResources":[{"type":"AWS::S3::Object","values":` + values + `}],"excludeManagementEventSources":[]}`
}

func TestCloudTrailAllReadWriteS3DataEventCheck(t *testing.T) {
	const (
		read  = "CLOUDTRAIL_ALL_READ_S3_DATA_EVENT_CHECK"
		write = "CLOUDTRAIL_ALL_WRITE_S3_DATA_EVENT_CHECK"
	)
	one := func(name string, multi bool, sel ...string) *configdItem {
		return s3SelectorTrail(name, multi, "["+strings.Join(sel, ",")+"]")
	}
	all := one("all", true, s3Selector("All", `["arn:aws:s3"]`))
	cases := []struct {
		name             string
		trails           []*configdItem
		wantRead, wantWr string
		// annotation, if set, must appear in both annotations.
		annotation string
	}{
		{"CompliantAll", []*configdItem{all}, Compliant, Compliant, ""},
		{"CompliantAllColonsValue", []*configdItem{one("colons", true, s3Selector("All", `["arn:aws:s3:::"]`))}, Compliant, Compliant, ""},
		{"CompliantAllOtherPartition", []*configdItem{one("cn", true, s3Selector("All", `["arn:aws-cn:s3"]`))}, Compliant, Compliant, ""},
		{"CompliantNoReadWriteTypeIsAll", []*configdItem{one("unset", true, s3Selector("", `["arn:aws:s3"]`))}, Compliant, Compliant, ""},
		{"ReadOnlySelector", []*configdItem{one("reads", true, s3Selector("ReadOnly", `["arn:aws:s3"]`))}, Compliant, NonCompliant, "write S3 data events"},
		{"WriteOnlySelector", []*configdItem{one("writes", true, s3Selector("WriteOnly", `["arn:aws:s3"]`))}, NonCompliant, Compliant, "read S3 data events"},
		{"CompliantReadAndWriteSelectors", []*configdItem{one("both", true, s3Selector("ReadOnly", `["arn:aws:s3"]`), s3Selector("WriteOnly", `["arn:aws:s3:::"]`))}, Compliant, Compliant, ""},
		{"CompliantQuotedSelectors", []*configdItem{s3SelectorTrail("quoted", true, jsonString("["+s3Selector("All", `["arn:aws:s3"]`)+"]"))}, Compliant, Compliant, ""},
		{"CompliantOneOfTwo", []*configdItem{one("single", false, s3Selector("All", `["arn:aws:s3"]`)), all}, Compliant, Compliant, ""},
		{"CompliantLoggingStatus", []*configdItem{withSupplementary(one("running", true, s3Selector("All", `["arn:aws:s3"]`)), "TrailStatus", `{"isLogging":true}`)}, Compliant, Compliant, ""},
		{"SplitAcrossTrails", []*configdItem{one("r", true, s3Selector("ReadOnly", `["arn:aws:s3"]`)), one("w", true, s3Selector("WriteOnly", `["arn:aws:s3"]`))}, Compliant, Compliant, ""},
		{"NonCompliantNoTrail", nil, NonCompliant, NonCompliant, "No AWS CloudTrail trail is enabled"},
		{"NonCompliantSingleRegion", []*configdItem{one("single", false, s3Selector("All", `["arn:aws:s3"]`))}, NonCompliant, NonCompliant, "not multi-Region"},
		{"NonCompliantNotLogging", []*configdItem{withSupplementary(one("stopped", true, s3Selector("All", `["arn:aws:s3"]`)), "TrailStatus", `{"isLogging":false}`)}, NonCompliant, NonCompliant, "not logging"},
		{"NonCompliantDeletedTrail", []*configdItem{deletedItem(one("gone", true, s3Selector("All", `["arn:aws:s3"]`)))}, NonCompliant, NonCompliant, ""},
		{"NonCompliantNamedBuckets", []*configdItem{one("named", true, s3Selector("All", `["arn:aws:s3:::logs/","arn:aws:s3:::data"]`))}, NonCompliant, NonCompliant, "for all buckets"},
		{"NonCompliantPrefix", []*configdItem{one("prefix", true, s3Selector("All", `["arn:aws:s3:::logs/2024/"]`))}, NonCompliant, NonCompliant, ""},
		{"NonCompliantOtherDataType", []*configdItem{s3SelectorTrail("lambda", true, `[{"readWriteType":"All","dataResources":[{"type":"AWS::Lambda::Function","values":["arn:aws:lambda"]}]}]`)}, NonCompliant, NonCompliant, ""},
		{"NonCompliantDefaultSelector", []*configdItem{trailItem("default", `,"isMultiRegionTrail":true`)}, NonCompliant, NonCompliant, "management events only"},
		{"NonCompliantSelectorsUnknown", []*configdItem{trailItem("unknown", `,"isMultiRegionTrail":true,"hasCustomEventSelectors":true`)}, NonCompliant, NonCompliant, "not recorded"},
		// The all-buckets value is on a selector of the other type; the
		// selector of the rule's type names one bucket.
		{"WriteSelectorNamesOneBucket", []*configdItem{one("mixed", true, s3Selector("ReadOnly", `["arn:aws:s3"]`), s3Selector("WriteOnly", `["arn:aws:s3:::logs/"]`))}, Compliant, NonCompliant, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct{ id, want string }{{read, tc.wantRead}, {write, tc.wantWr}} {
				got := evalAccount(t, c.id, "", tc.trails...)
				if got.ComplianceType != c.want {
					t.Errorf("%s: got %s (%q), want %s", c.id, got.ComplianceType, got.Annotation, c.want)
				}
				if got.ComplianceType == NonCompliant && !strings.Contains(got.Annotation, tc.annotation) {
					t.Errorf("%s: annotation %q does not contain %q", c.id, got.Annotation, tc.annotation)
				}
			}
		})
	}
	t.Run("ErrParameters", func(t *testing.T) {
		// The pages and the catalogue list no parameters.
		for _, id := range []string{read, write} {
			if _, err := Parameters(id, `{"S3BucketNames":"logs"}`); err == nil {
				t.Errorf("%s accepts S3BucketNames", id)
			}
		}
	})
	t.Run("ErrNoInventory", func(t *testing.T) {
		if _, err := Evaluate(context.Background(), read, Input{AccountID: "123456789012"}); err == nil {
			t.Fatal("want an error without an inventory")
		}
	})
	t.Run("ErrMalformedSelectors", func(t *testing.T) {
		bad := s3SelectorTrail("bad", true, `[{"dataResources":`)
		if _, err := Evaluate(context.Background(), write, Input{Inventory: &memInventory{items: []*configdItem{bad}}}); err == nil {
			t.Fatal("want an error for malformed EventSelectors")
		}
	})
}

// iamEntity builds an AWS::IAM::User, Role or Group item named name with
// the managed policies attached (a JSON list of ARNs) and, for a user, the
// groups (a JSON list of names).
func iamEntity(typ, name, attached, groups string) *configdItem {
	var arns []string
	for _, a := range strings.Split(strings.Trim(attached, "[]"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			arn := strings.Trim(a, `"`)
			arns = append(arns, `{"policyName":"`+arn[strings.LastIndex(arn, "/")+1:]+`","policyArn":"`+arn+`"}`)
		}
	}
	policies := "[" + strings.Join(arns, ",") + "]"
	var conf string
	switch typ {
	case iamUser:
		conf = `{"path":"/","userName":"` + name + `","userId":"AIDA` + name + `","arn":"arn:aws:iam::123456789012:user/` + name + `",` +
			`"userPolicyList":[],"groupList":` + groups + `,"attachedManagedPolicies":` + policies + `,"permissionsBoundary":null,"tags":[]}`
	case iamRole:
		conf = `{"path":"/","roleName":"` + name + `","roleId":"AROA` + name + `","arn":"arn:aws:iam::123456789012:role/` + name + `",` +
			`"assumeRolePolicyDocument":"` + urlEncode(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`) + `",` +
			`"instanceProfileList":[],"rolePolicyList":[],"attachedManagedPolicies":` + policies + `,"permissionsBoundary":null,"tags":[]}`
	case iamGroup:
		conf = `{"path":"/","groupName":"` + name + `","groupId":"AGPA` + name + `","arn":"arn:aws:iam::123456789012:group/` + name + `",` +
			`"groupPolicyList":[],"attachedManagedPolicies":` + policies + `}`
	}
	ci := item(typ, strings.ToUpper(typ[len("AWS::IAM::"):])+"-"+name, conf, nil)
	ci.ResourceName = name
	ci.Region = "global"
	return ci
}

func TestIAMPolicyInUse(t *testing.T) {
	const (
		id      = "IAM_POLICY_IN_USE"
		audit   = "arn:aws:iam::123456789012:policy/audit"
		other   = "arn:aws:iam::123456789012:policy/other"
		awsRO   = "arn:aws:iam::aws:policy/ReadOnlyAccess"
		pAudit  = `{"policyARN":"` + audit + `"}`
		attAud  = `["` + audit + `"]`
		attBoth = `["` + other + `","` + audit + `"]`
	)
	usage := func(u string) string { return `{"policyARN":"` + audit + `","policyUsageType":"` + u + `"}` }
	user := func(name, attached, groups string) *configdItem { return iamEntity(iamUser, name, attached, groups) }
	role := func(name, attached string) *configdItem { return iamEntity(iamRole, name, attached, "") }
	group := func(name, attached string) *configdItem { return iamEntity(iamGroup, name, attached, "") }
	// gone marks an item deleted but keeps its configuration, as a store
	// may keep the last one recorded.
	gone := func(ci *configdItem) *configdItem { ci.Status = configdDeleted; return ci }
	inlineNamedAudit := iamEntity(iamUser, "inline", `[]`, `[]`)
	inlineNamedAudit.Configuration = strings.Replace(inlineNamedAudit.Configuration, `"userPolicyList":[]`,
		`"userPolicyList":[{"policyName":"audit","policyDocument":"`+urlEncode(`{"Statement":[]}`)+`"}]`, 1)

	cases := []struct {
		name, params string
		items        []*configdItem
		want         string
		annotation   string
	}{
		{"CompliantUser", pAudit, []*configdItem{user("alice", attBoth, `[]`)}, Compliant, ""},
		{"CompliantRole", pAudit, []*configdItem{role("app", attAud)}, Compliant, ""},
		{"CompliantGroupWithUser", pAudit, []*configdItem{group("auditors", attAud), user("bob", `[]`, `["auditors"]`)}, Compliant, ""},
		{"CompliantAWSManagedPolicy", `{"policyARN":"` + awsRO + `"}`, []*configdItem{role("ro", `["`+awsRO+`"]`)}, Compliant, ""},
		{"CompliantOneOfMany", pAudit, []*configdItem{user("alice", `[]`, `[]`), role("app", `["`+other+`"]`), user("carol", attAud, `[]`)}, Compliant, ""},
		{"NonCompliantNothingRecorded", pAudit, nil, NonCompliant, "not attached to any IAM user, role or group"},
		{"NonCompliantOtherPolicies", pAudit, []*configdItem{user("alice", `["`+other+`"]`, `[]`), role("app", `["`+awsRO+`"]`), group("g", `["`+other+`"]`)}, NonCompliant, audit},
		{"NonCompliantGroupWithoutUsers", pAudit, []*configdItem{group("empty", attAud), user("bob", `[]`, `["others"]`)}, NonCompliant, "groups without users (empty)"},
		{"NonCompliantGroupMemberDeleted", pAudit, []*configdItem{group("auditors", attAud), gone(user("gone", `[]`, `["auditors"]`))}, NonCompliant, "without users"},
		{"NonCompliantDeletedUser", pAudit, []*configdItem{deletedItem(user("gone", attAud, `[]`))}, NonCompliant, ""},
		{"NonCompliantDeletedRoleKeepsConfiguration", pAudit, []*configdItem{gone(role("app", attAud))}, NonCompliant, ""},
		{"NonCompliantDeletedGroup", pAudit, []*configdItem{deletedItem(group("auditors", attAud)), user("bob", `[]`, `["auditors"]`)}, NonCompliant, ""},
		{"NonCompliantInlinePolicyOfSameName", pAudit, []*configdItem{inlineNamedAudit}, NonCompliant, ""},
		{"NonCompliantOtherAccountSameName", pAudit, []*configdItem{user("alice", `["arn:aws:iam::210987654321:policy/audit"]`, `[]`)}, NonCompliant, ""},
		{"ParamUsageAnyExplicit", usage("ANY"), []*configdItem{group("auditors", attAud), user("bob", `[]`, `["auditors"]`)}, Compliant, ""},
		{"ParamUsageUser", usage("IAM_USER"), []*configdItem{user("alice", attAud, `[]`)}, Compliant, ""},
		{"ParamUsageUserRoleOnly", usage("IAM_USER"), []*configdItem{role("app", attAud), group("auditors", attAud), user("bob", `[]`, `["auditors"]`)}, NonCompliant, "not attached to any IAM user."},
		{"ParamUsageRole", usage("IAM_ROLE"), []*configdItem{role("app", attAud)}, Compliant, ""},
		{"ParamUsageRoleUserOnly", usage("IAM_ROLE"), []*configdItem{user("alice", attAud, `[]`), group("auditors", attAud), user("bob", `[]`, `["auditors"]`)}, NonCompliant, "not attached to any IAM role."},
		{"ParamUsageGroup", usage("IAM_GROUP"), []*configdItem{group("auditors", attAud), user("bob", `[]`, `["auditors"]`)}, Compliant, ""},
		{"ParamUsageGroupUserOnly", usage("IAM_GROUP"), []*configdItem{user("alice", attAud, `["devs"]`), group("devs", `[]`), role("app", attAud)}, NonCompliant, "not attached to any IAM group."},
		{"ParamUsageGroupWithoutUsers", usage("IAM_GROUP"), []*configdItem{group("auditors", attAud), user("alice", attAud, `[]`)}, NonCompliant, "without users"},
		{"ParamUsageLowerCase", usage("iam_role"), []*configdItem{role("app", attAud)}, Compliant, ""},
		{"ParamPolicyARNPadded", `{"policyARN":" ` + audit + ` "}`, []*configdItem{role("app", attAud)}, Compliant, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := evalAccount(t, id, tc.params, tc.items...)
			if got.ComplianceType != tc.want {
				t.Errorf("got %s (%q), want %s", got.ComplianceType, got.Annotation, tc.want)
			}
			if tc.want == Compliant && got.Annotation != "" {
				t.Errorf("annotation %q on a compliant result", got.Annotation)
			}
			if !strings.Contains(got.Annotation, tc.annotation) {
				t.Errorf("annotation %q does not contain %q", got.Annotation, tc.annotation)
			}
		})
	}

	inv := &memInventory{items: []*configdItem{role("app", attAud)}}
	for _, e := range []struct {
		name   string
		params map[string]string
		inv    Inventory
	}{
		{"ErrUsageType", map[string]string{"policyARN": audit, "policyUsageType": "IAM_POLICY"}, inv},
		{"ErrEmptyPolicyARN", map[string]string{"policyARN": " "}, inv},
		{"ErrNoInventory", map[string]string{"policyARN": audit}, nil},
		{"ErrMalformedItem", map[string]string{"policyARN": audit}, &memInventory{items: []*configdItem{item(iamUser, "u", "{not json", nil)}}},
	} {
		t.Run(e.name, func(t *testing.T) {
			if _, err := Evaluate(context.Background(), id, Input{Params: e.params, Inventory: e.inv, AccountID: "123456789012"}); err == nil {
				t.Fatal("want an error")
			}
		})
	}
	t.Run("ErrInventoryFails", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := Evaluate(context.Background(), id, Input{Params: map[string]string{"policyARN": audit}, Inventory: &memInventory{err: boom}})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want it to wrap boom", err)
		}
	})
	t.Run("ErrPolicyARNRequired", func(t *testing.T) {
		if _, err := Parameters(id, `{"policyUsageType":"ANY"}`); err == nil {
			t.Fatal("Parameters accepts a rule without policyARN")
		}
	})
	t.Run("OKAccountFromCI", func(t *testing.T) {
		ci := role("app", attAud)
		ci.AccountID = "999999999999"
		res, err := Evaluate(context.Background(), id, Input{CI: ci, Params: map[string]string{"policyARN": audit}, Inventory: &memInventory{items: []*configdItem{ci}}})
		if err != nil || len(res) != 1 || res[0].ResourceType != AccountResourceType || res[0].ResourceID != "999999999999" || res[0].ComplianceType != Compliant {
			t.Fatalf("results %+v, %v; want the CI's account COMPLIANT", res, err)
		}
	})
}
