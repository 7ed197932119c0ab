package managedrule

import (
	"context"
	"fmt"
	"strings"

	"github.com/configd/configd"
)

// More account-level rules: the catalogue lists AWS::::Account as their one
// resource type, so they return one result for the account.
//
//   - CLOUDTRAIL_ALL_READ_S3_DATA_EVENT_CHECK and
//     CLOUDTRAIL_ALL_WRITE_S3_DATA_EVENT_CHECK are trailAccountRules over the
//     recorded AWS::CloudTrail::Trail items (rules_account.go), with
//     configd's supplementary TrailStatus and EventSelectors; their match
//     reads the S3 data event selectors with s3DataEventsMismatch
//     (rules_access.go).
//   - IAM_POLICY_IN_USE reads the attachedManagedPolicies
//     ([{"policyName","policyArn"}]) of the recorded AWS::IAM::User, Role and
//     Group items and the users' groupList (rules_iam.go,
//     docs/ci-formats.md). IAM items are global (awsRegion "global"); the
//     inventory lists them like other types.

func init() {
	register(
		&trailAccountRule{
			id:    "CLOUDTRAIL_ALL_READ_S3_DATA_EVENT_CHECK",
			none:  "No AWS CloudTrail trail is enabled.",
			fail:  "No multi-Region trail logs all read S3 data events: ",
			match: allS3DataEventsMatch("ReadOnly"),
		},
		&trailAccountRule{
			id:    "CLOUDTRAIL_ALL_WRITE_S3_DATA_EVENT_CHECK",
			none:  "No AWS CloudTrail trail is enabled.",
			fail:  "No multi-Region trail logs all write S3 data events: ",
			match: allS3DataEventsMatch("WriteOnly"),
		},
		&policyInUseRule{},
	)
}

// ---- CLOUDTRAIL_ALL_READ_S3_DATA_EVENT_CHECK, CLOUDTRAIL_ALL_WRITE_S3_DATA_EVENT_CHECK ----

// allS3DataEventsMatch returns the match of the read (readWriteType
// "ReadOnly") or write ("WriteOnly") rule: a multi-Region trail with an
// event selector of that readWriteType, or "All", that logs S3 object data
// events for every bucket. With trailAccountRule the trail must also be
// logging (when its TrailStatus is recorded), and the account is COMPLIANT
// when at least one trail matches.
//
// https://docs.aws.amazon.com/config/latest/developerguide/cloudtrail-all-read-s3-data-event-check.html
// https://docs.aws.amazon.com/config/latest/developerguide/cloudtrail-all-write-s3-data-event-check.html
// "NON_COMPLIANT if no multi-Region trail logs all read [write] S3 data
// event types for all current and future S3 buckets"; no parameters (the
// catalogue lists none).
//
// Decisions the pages leave open:
//   - "All current and future buckets" is a data resource of type
//     AWS::S3::Object whose value selects every bucket ("arn:aws:s3" or
//     "arn:aws:s3:::", any partition). Values naming buckets do not count,
//     even when they name every bucket recorded today: they do not cover
//     future buckets.
//   - A selector counts when its readWriteType is the rule's or "All"
//     (compared case-insensitively); one without readWriteType is "All"
//     (CloudTrail's default). One such selector with an all-buckets value
//     suffices; trails are not combined (as in the other trail rules).
//   - "Enabled" is logging: a trail whose recorded TrailStatus says it is not
//     logging does not count; one without TrailStatus does.
//   - A trail without recorded EventSelectors has CloudTrail's default
//     selector (management events only) unless hasCustomEventSelectors is
//     true, in which case its selectors are unknown; neither counts.
//     Advanced event selectors are not part of configd's EventSelectors
//     extension.
//   - Only trails in the inventory count: the recorder records a trail in
//     its home Region, as for MULTI_REGION_CLOUD_TRAIL_ENABLED.
func allS3DataEventsMatch(readWriteType string) func(*configd.ConfigurationItem, *trail, string, map[string]string) (string, error) {
	return func(ci *configd.ConfigurationItem, t *trail, name string, _ map[string]string) (string, error) {
		if !t.IsMultiRegionTrail {
			return "trail " + name + " is not multi-Region.", nil
		}
		return s3DataEventsMismatch(ci, t, name, nil, readWriteType)
	}
}

// ---- IAM_POLICY_IN_USE ----

// Values of IAM_POLICY_IN_USE's policyUsageType.
const (
	policyUsageUser  = "IAM_USER"
	policyUsageRole  = "IAM_ROLE"
	policyUsageGroup = "IAM_GROUP"
	policyUsageAny   = "ANY"
)

// policyInUseRule is IAM_POLICY_IN_USE: the account is COMPLIANT when the
// managed policy policyARN is attached to a recorded IAM user, role, or
// group with at least one user, of the kinds policyUsageType names
// (IAM_USER, IAM_ROLE, IAM_GROUP or ANY, default ANY); NON_COMPLIANT
// otherwise.
//
// https://docs.aws.amazon.com/config/latest/developerguide/iam-policy-in-use.html
// "Checks whether the IAM policy ARN is attached to an IAM user, or a group
// with one or more IAM users, or an IAM role with one or more trusted
// entity." The page now names AWS::IAM::Policy as the resource type; the
// catalogue (moto's copy of the list, as the Chinese translation of the
// page) names AWS::::Account, which configd follows: one result for the
// account.
//
// Decisions the page leaves open:
//   - A group counts only when a recorded, non-deleted user lists it in its
//     groupList (group items do not record members; as in
//     IAM_GROUP_HAS_USERS_CHECK): the page asks for "a group with one or
//     more IAM users", and a policy on an empty group grants nothing to
//     anyone.
//   - Every recorded role counts: IAM creates no role without a trust policy
//     naming a principal, so each role has a trusted entity. The trust
//     policy is not parsed (one whose statements all Deny is the rare case
//     this misses).
//   - The policy ARN is compared exactly (trimmed); AWS managed policies
//     count like customer managed ones (the principals' items list both,
//     though only customer managed policies are recorded as items).
//     Whether the policy itself is recorded does not matter. Inline policies
//     have no ARN and never match. Deleted principals do not count.
//   - policyUsageType is read case-insensitively; empty is ANY (the page's
//     default; the catalogue gives none); any other value is an invalid
//     parameter (an error), as is an empty policyARN.
type policyInUseRule struct{}

// Identifier implements Rule.
func (*policyInUseRule) Identifier() string { return "IAM_POLICY_IN_USE" }

// Evaluate implements Rule: one result for the account, whatever in.CI is.
func (r *policyInUseRule) Evaluate(ctx context.Context, in Input) ([]Result, error) {
	id := r.Identifier()
	arn := strings.TrimSpace(in.Params["policyARN"])
	if arn == "" {
		return nil, fmt.Errorf("managedrule %s: policyARN is empty", id)
	}
	usage := strings.ToUpper(strings.TrimSpace(in.Params["policyUsageType"]))
	if usage == "" {
		usage = policyUsageAny
	}
	var types []string
	switch usage {
	case policyUsageUser:
		types = []string{iamUser}
	case policyUsageRole:
		types = []string{iamRole}
	case policyUsageGroup:
		types = []string{iamGroup}
	case policyUsageAny:
		types = []string{iamUser, iamRole, iamGroup}
	default:
		return nil, fmt.Errorf("managedrule %s: policyUsageType %q is not IAM_USER, IAM_ROLE, IAM_GROUP or ANY", id, usage)
	}
	if in.Inventory == nil {
		return nil, fmt.Errorf("managedrule %s: account evaluation without an inventory", id)
	}
	account := in.AccountID
	if account == "" && in.CI != nil {
		account = in.CI.AccountID
	}
	res := Result{ResourceType: AccountResourceType, ResourceID: account, ComplianceType: Compliant}

	// Groups that have the policy; they count once a user is in one.
	var groups []string
	for _, typ := range types {
		items, err := in.Inventory.ListItems(ctx, typ)
		if err != nil {
			return nil, fmt.Errorf("managedrule %s: list %s: %w", id, typ, err)
		}
		for _, ci := range items {
			if ci == nil || deleted(ci) {
				continue
			}
			var a iamPrincipal
			if err := decodeConfiguration(ci, &a); err != nil {
				return nil, fmt.Errorf("managedrule %s: %s %s: %w", id, typ, ci.ResourceID, err)
			}
			if !a.attached(arn) {
				continue
			}
			if typ != iamGroup {
				return []Result{res}, nil
			}
			name := a.GroupName
			if name == "" {
				name = ci.ResourceName
			}
			groups = append(groups, name)
		}
	}
	if len(groups) > 0 {
		has, err := recordedUserInGroups(ctx, in.Inventory, groups)
		if err != nil {
			return nil, fmt.Errorf("managedrule %s: %w", id, err)
		}
		if has {
			return []Result{res}, nil
		}
	}
	res.ComplianceType = NonCompliant
	switch {
	case len(groups) > 0:
		res.Annotation = fmt.Sprintf("The policy %s is attached only to IAM groups without users (%s).", arn, strings.Join(groups, ", "))
	case usage == policyUsageAny:
		res.Annotation = "The policy " + arn + " is not attached to any IAM user, role or group."
	default:
		res.Annotation = fmt.Sprintf("The policy %s is not attached to any %s.", arn, map[string]string{
			policyUsageUser: "IAM user", policyUsageRole: "IAM role", policyUsageGroup: "IAM group"}[usage])
	}
	res.Annotation = truncate(res.Annotation)
	return []Result{res}, nil
}
