package managedrule

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/configd/configd"
)

// S3 lifecycle and bucket policy rules, IAM attachment, membership and KMS
// action rules. Items are read in the recorder's formats (docs/ci-formats.md):
//
//	AWS::S3::Bucket supplementary BucketLifecycleConfiguration
//	  {"rules":[{"id","status":"Enabled"|"Disabled","prefix",
//	             "filter":{"predicate":{"type":"LifecyclePrefixPredicate","prefix"}
//	                                  |{"type":"LifecycleTagPredicate","tag"}
//	                                  |{"type":"LifecycleAndOperator","operands":[predicates]}},
//	             "expirationInDays" (-1 when none),"transitions":[{"days" (-1 when none),"date","storageClass"}],...}]}
//	  absent when the bucket has no lifecycle rules.
//	AWS::S3::Bucket supplementary BucketPolicy {"policyText": ...} (see bucketPolicy).
//	AWS::IAM::User/Role/Group/Policy as in rules_iam.go; group members are
//	  recorded on the user side only (UserDetail.groupList), GroupDetail has none.
//
// S3_EVENT_NOTIFICATIONS_ENABLED is in rules_s3_config.go and
// IAM_POLICY_IN_USE in rules_account_more.go.

func init() {
	register(
		&resourceRule{id: "S3_LIFECYCLE_POLICY_CHECK", types: []string{s3Bucket}, check: checkS3LifecyclePolicy},
		&resourceRule{id: "S3_BUCKET_BLACKLISTED_ACTIONS_PROHIBITED", types: []string{s3Bucket}, check: checkS3BlacklistedActions},
		&resourceRule{id: "IAM_POLICY_BLACKLISTED_CHECK", types: []string{iamUser, iamGroup, iamRole}, check: checkIAMPolicyBlacklisted},
		&resourceRule{id: "IAM_GROUP_HAS_USERS_CHECK", types: []string{iamGroup}, check: checkIAMGroupHasUsers},
		&resourceRule{id: "IAM_CUSTOMER_POLICY_BLOCKED_KMS_ACTIONS", types: []string{iamPolicy}, check: checkCustomerPolicyBlockedKMS},
		&resourceRule{id: "IAM_INLINE_POLICY_BLOCKED_KMS_ACTIONS", types: []string{iamGroup, iamRole, iamUser}, check: checkInlinePolicyBlockedKMS},
	)
}

// ---- S3_LIFECYCLE_POLICY_CHECK ----

type s3LifecycleConfiguration struct {
	Rules []s3LifecycleRule `json:"rules"`
}

type s3LifecycleRule struct {
	Status           string     `json:"status"`
	Prefix           *string    `json:"prefix"`
	ExpirationInDays flexString `json:"expirationInDays"`
	Transitions      []struct {
		Days         flexString `json:"days"`
		StorageClass flexString `json:"storageClass"`
	} `json:"transitions"`
	Filter *struct {
		Predicate *s3LifecyclePredicate `json:"predicate"`
	} `json:"filter"`
}

type s3LifecyclePredicate struct {
	Type     string                 `json:"type"`
	Prefix   *string                `json:"prefix"`
	Operands []s3LifecyclePredicate `json:"operands"`
}

// prefix returns the object prefix the rule applies to: the filter's prefix
// predicate (alone or in an And operator), else the legacy prefix, else "".
func (r *s3LifecycleRule) prefix() string {
	if r.Filter != nil && r.Filter.Predicate != nil {
		p := r.Filter.Predicate
		if p.Prefix != nil {
			return *p.Prefix
		}
		for _, op := range p.Operands {
			if op.Prefix != nil {
				return *op.Prefix
			}
		}
		return ""
	}
	if r.Prefix != nil {
		return *r.Prefix
	}
	return ""
}

// lifecycleTarget holds the parameters of S3_LIFECYCLE_POLICY_CHECK that a
// lifecycle rule must match; nil and "" mean not given.
type lifecycleTarget struct {
	transitionDays, expirationDays *int
	storageClass                   string
	prefix                         *string
}

func newLifecycleTarget(p map[string]string) lifecycleTarget {
	var t lifecycleTarget
	if n, ok := intParam(p, "targetTransitionDays"); ok {
		t.transitionDays = &n
	}
	if n, ok := intParam(p, "targetExpirationDays"); ok {
		t.expirationDays = &n
	}
	t.storageClass = strings.TrimSpace(p["targetTransitionStorageClass"])
	if v, ok := p["targetPrefix"]; ok {
		v = strings.TrimSpace(v)
		t.prefix = &v
	}
	return t
}

// String lists the given parameters, for annotations.
func (t lifecycleTarget) String() string {
	var parts []string
	if t.transitionDays != nil {
		parts = append(parts, fmt.Sprintf("targetTransitionDays %d", *t.transitionDays))
	}
	if t.storageClass != "" {
		parts = append(parts, "targetTransitionStorageClass "+t.storageClass)
	}
	if t.expirationDays != nil {
		parts = append(parts, fmt.Sprintf("targetExpirationDays %d", *t.expirationDays))
	}
	if t.prefix != nil {
		parts = append(parts, fmt.Sprintf("targetPrefix %q", *t.prefix))
	}
	return strings.Join(parts, ", ")
}

// matches reports whether the lifecycle rule satisfies every given
// parameter. Transition days and storage class must hold for one and the
// same transition.
func (t lifecycleTarget) matches(r *s3LifecycleRule) bool {
	if t.prefix != nil && r.prefix() != *t.prefix {
		return false
	}
	if t.expirationDays != nil {
		n, err := strconv.Atoi(strings.TrimSpace(string(r.ExpirationInDays)))
		if err != nil || n != *t.expirationDays {
			return false
		}
	}
	if t.transitionDays == nil && t.storageClass == "" {
		return true
	}
	for _, tr := range r.Transitions {
		if t.transitionDays != nil {
			n, err := strconv.Atoi(strings.TrimSpace(string(tr.Days)))
			if err != nil || n != *t.transitionDays {
				continue
			}
		}
		if t.storageClass != "" && !sameStorageClass(string(tr.StorageClass), t.storageClass) {
			continue
		}
		return true
	}
	return false
}

// sameStorageClass compares storage classes ignoring case and the dash or
// underscore spelling ("STANDARD_IA", "Standard-IA").
func sameStorageClass(a, b string) bool {
	norm := func(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "-", "_") }
	return strings.EqualFold(norm(a), norm(b))
}

// checkS3LifecyclePolicy: compliant when an enabled lifecycle rule matches
// every given parameter.
// https://docs.aws.amazon.com/config/latest/developerguide/s3-lifecycle-policy-check.html
//
// Decisions the page leaves open:
//   - bucketNames limits the rule to the listed buckets; other buckets are
//     NOT_APPLICABLE.
//   - "Active" rules are those whose status is Enabled.
//   - The parameters must all hold for one lifecycle rule, and
//     targetTransitionDays/targetTransitionStorageClass for one transition
//     of it. Day counts must be equal (not at most). targetPrefix must equal
//     the rule's prefix (filter prefix, or the legacy prefix); a rule for the
//     whole bucket does not match a targetPrefix.
//   - Storage classes compare ignoring case and "-" versus "_".
func checkS3LifecyclePolicy(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	if names := csv(in.Params["bucketNames"]); len(names) > 0 && !contains(names, bucketName(ci)) {
		return notApplicable("The bucket is not listed in bucketNames."), nil
	}
	var lc s3LifecycleConfiguration
	if _, err := decodeSupplementary(ci, "BucketLifecycleConfiguration", &lc); err != nil {
		return verdict{}, err
	}
	target := newLifecycleTarget(in.Params)
	enabled := 0
	for i := range lc.Rules {
		r := &lc.Rules[i]
		if !strings.EqualFold(strings.TrimSpace(r.Status), "Enabled") {
			continue
		}
		enabled++
		if target.matches(r) {
			return compliant(), nil
		}
	}
	if enabled == 0 {
		return nonCompliant("The bucket has no enabled lifecycle rule."), nil
	}
	return nonCompliant("No enabled lifecycle rule matches " + target.String() + "."), nil
}

// ---- S3_BUCKET_BLACKLISTED_ACTIONS_PROHIBITED ----

// checkS3BlacklistedActions: non-compliant when an Allow statement of the
// bucket policy grants principals of other AWS accounts an action matching
// a blacklisted pattern. Conditions are not taken into account, as the page
// says.
// https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-blacklisted-actions-prohibited.html
//
// Decisions the page leaves open:
//   - Other accounts: Principal "*", NotPrincipal (everyone but the listed
//     principals), and AWS principals whose account (a bare account id or
//     the account field of an ARN) is not the bucket's account or holds a
//     wildcard. Service, Federated and CanonicalUser principals, and AWS
//     principals without an account (unique ids), do not count.
//   - An action matches a pattern when the two wildcard patterns can match
//     a common action ("s3:*" matches "s3:GetBucket*"); NotAction allows a
//     pattern unless one of its values covers the whole pattern.
//   - Deny statements are not considered; a bucket without a policy is
//     COMPLIANT.
func checkS3BlacklistedActions(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	pol, err := bucketPolicy(ci)
	if err != nil || pol == nil {
		return compliant(), err
	}
	owner := ci.AccountID
	if owner == "" {
		owner = in.AccountID
	}
	patterns := csv(in.Params["blacklistedActionPattern"])
	for i := range pol.Statement {
		st := &pol.Statement[i]
		if !st.allow() || !grantsOtherAccounts(st, owner) {
			continue
		}
		for _, p := range patterns {
			if statementMayAllow(st, p) {
				return nonCompliant(fmt.Sprintf("The bucket policy allows %s to principals of other AWS accounts.", p)), nil
			}
		}
	}
	return compliant(), nil
}

// grantsOtherAccounts reports whether the statement's principal includes
// principals of accounts other than owner.
func grantsOtherAccounts(st *statement, owner string) bool {
	if st.NotPrincipal != nil {
		return true
	}
	p := st.Principal
	if p == nil {
		return false
	}
	if p.wildcard {
		return true
	}
	for kind, values := range p.byKind {
		if !strings.EqualFold(kind, "AWS") {
			continue
		}
		for _, v := range values {
			v = strings.TrimSpace(v)
			if v == "*" {
				return true
			}
			acct, ok := principalAccount(v)
			if !ok {
				if strings.ContainsAny(v, "*?") {
					return true
				}
				continue
			}
			if strings.ContainsAny(acct, "*?") || acct != owner {
				return true
			}
		}
	}
	return false
}

// principalAccount returns the account of an AWS principal: a bare account
// id, or the account field of an ARN.
func principalAccount(v string) (string, bool) {
	if len(v) == 12 && strings.Trim(v, "0123456789") == "" {
		return v, true
	}
	if !strings.HasPrefix(v, "arn:") {
		return "", false
	}
	parts := strings.SplitN(v, ":", 6)
	if len(parts) < 6 || parts[4] == "" {
		return "", false
	}
	return parts[4], true
}

// statementMayAllow reports whether the statement's actions include an
// action matching pattern: an Action value that can match a common action,
// or a NotAction none of whose values covers all of pattern.
func statementMayAllow(st *statement, pattern string) bool {
	pattern = strings.ToLower(strings.TrimSpace(pattern))
	if len(st.Action) > 0 {
		for _, a := range st.Action {
			if globsOverlap(strings.ToLower(a), pattern) {
				return true
			}
		}
		return false
	}
	if len(st.NotAction) > 0 {
		return !patternCovered(st.NotAction, pattern)
	}
	return false
}

// patternCovered reports whether one of patterns matches every action that
// pattern matches (pattern's own wildcards read as plain characters).
func patternCovered(patterns []string, pattern string) bool {
	for _, p := range patterns {
		if wildcardMatch(strings.ToLower(p), strings.ToLower(pattern)) {
			return true
		}
	}
	return false
}

// globsOverlap reports whether some string matches both wildcard patterns
// (* any run of characters, ? one character).
func globsOverlap(a, b string) bool {
	// memo[i][j]: 0 unknown, 1 no, 2 yes, for the suffixes a[i:] and b[j:].
	memo := make([][]byte, len(a)+1)
	for i := range memo {
		memo[i] = make([]byte, len(b)+1)
	}
	var overlap func(i, j int) bool
	overlap = func(i, j int) bool {
		if m := memo[i][j]; m != 0 {
			return m == 2
		}
		var ok bool
		switch {
		case i == len(a) && j == len(b):
			ok = true
		case i < len(a) && a[i] == '*':
			// The star matches nothing, or absorbs one character of b.
			ok = overlap(i+1, j) || (j < len(b) && overlap(i, j+1))
		case j < len(b) && b[j] == '*':
			ok = overlap(i, j+1) || (i < len(a) && overlap(i+1, j))
		case i < len(a) && j < len(b):
			ok = (a[i] == b[j] || a[i] == '?' || b[j] == '?') && overlap(i+1, j+1)
		}
		memo[i][j] = 1
		if ok {
			memo[i][j] = 2
		}
		return ok
	}
	return overlap(0, 0)
}

// ---- IAM_POLICY_BLACKLISTED_CHECK ----

// iamNamedPrincipal is an IAM user, role or group with its name.
type iamNamedPrincipal struct {
	iamPrincipal
	UserName  string `json:"userName"`
	RoleName  string `json:"roleName"`
	GroupName string `json:"groupName"`
}

func (p *iamNamedPrincipal) name(ci *configd.ConfigurationItem) string {
	for _, n := range []string{p.UserName, p.RoleName, p.GroupName} {
		if n != "" {
			return n
		}
	}
	return ci.ResourceName
}

// iamExceptionEntry is one "users:[a;b]" element of an exceptionList.
var iamExceptionEntry = regexp.MustCompile(`(?i)\b(users|groups|roles)\s*:\s*\[([^\]]*)\]`)

// parseIAMExceptions reads "users:[user1;user2], groups:[g], roles:[r1;r2]"
// into the excepted names by resource type.
func parseIAMExceptions(s string) map[string][]string {
	out := map[string][]string{}
	for _, m := range iamExceptionEntry.FindAllStringSubmatch(s, -1) {
		var typ string
		switch strings.ToLower(m[1]) {
		case "users":
			typ = iamUser
		case "groups":
			typ = iamGroup
		default:
			typ = iamRole
		}
		for _, n := range strings.FieldsFunc(m[2], func(r rune) bool { return r == ';' || r == ',' }) {
			if n = strings.TrimSpace(n); n != "" {
				out[typ] = append(out[typ], n)
			}
		}
	}
	return out
}

// checkIAMPolicyBlacklisted: non-compliant when a managed policy of
// policyArns is attached to the user, group or role.
// https://docs.aws.amazon.com/config/latest/developerguide/iam-policy-blacklisted-check.html
//
// Decisions the page leaves open:
//   - Resources named in exceptionList (by name, for their own type) are
//     NOT_APPLICABLE. Names may be separated by ";" (the page's form) or ",".
//   - Only policies attached to the resource itself count, not those a user
//     gets through its groups. ARNs compare exactly.
func checkIAMPolicyBlacklisted(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var p iamNamedPrincipal
	if err := decodeConfiguration(ci, &p); err != nil {
		return verdict{}, err
	}
	if contains(parseIAMExceptions(in.Params["exceptionList"])[ci.ResourceType], p.name(ci)) {
		return notApplicable("The resource is in exceptionList."), nil
	}
	blocked := csv(in.Params["policyArns"])
	var attached []string
	for _, a := range p.AttachedManagedPolicies {
		if arn := strings.TrimSpace(a.PolicyArn); contains(blocked, arn) && !contains(attached, arn) {
			attached = append(attached, arn)
		}
	}
	if len(attached) > 0 {
		return nonCompliant("Blacklisted managed policies are attached: " + strings.Join(attached, ", ") + "."), nil
	}
	return compliant(), nil
}

// ---- IAM_GROUP_HAS_USERS_CHECK ----

// checkIAMGroupHasUsers: compliant when at least one IAM user is a member of
// the group.
// https://docs.aws.amazon.com/config/latest/developerguide/iam-group-has-users-check.html
//
// Group items do not list members (GroupDetail has none); the members come
// from the recorded AWS::IAM::User items, whose groupList names their
// groups. So a group is judged on the users recorded when it is evaluated:
// adding a user to a group changes the user's item, not the group's, and
// does not by itself re-evaluate the group. Without an Inventory (only
// possible outside the evaluator) the look-up is an error.
func checkIAMGroupHasUsers(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var g struct {
		GroupName string `json:"groupName"`
	}
	if err := decodeConfiguration(ci, &g); err != nil {
		return verdict{}, err
	}
	name := g.GroupName
	if name == "" {
		name = ci.ResourceName
	}
	has, err := recordedUserInGroups(context.Background(), in.Inventory, []string{name})
	if err != nil {
		return verdict{}, err
	}
	if !has {
		return nonCompliant("The group has no IAM users."), nil
	}
	return compliant(), nil
}

// recordedUserInGroups reports whether a recorded, non-deleted IAM user
// lists one of the groups in its groupList (group items do not list their
// members).
func recordedUserInGroups(ctx context.Context, inv Inventory, groups []string) (bool, error) {
	if inv == nil {
		return false, fmt.Errorf("no inventory to look up the members of IAM groups %s", strings.Join(groups, ", "))
	}
	users, err := inv.ListItems(ctx, iamUser)
	if err != nil {
		return false, fmt.Errorf("list %s: %w", iamUser, err)
	}
	for _, u := range users {
		if u == nil || deleted(u) {
			continue
		}
		var up iamPrincipal
		if err := decodeConfiguration(u, &up); err != nil {
			return false, fmt.Errorf("user %s: %w", u.ResourceID, err)
		}
		for _, g := range up.GroupList {
			if contains(groups, g) {
				return true, nil
			}
		}
	}
	return false, nil
}

// ---- IAM_CUSTOMER_POLICY_BLOCKED_KMS_ACTIONS and IAM_INLINE_POLICY_BLOCKED_KMS_ACTIONS ----

// policyVariable matches an IAM policy variable such as ${aws:username}.
var policyVariable = regexp.MustCompile(`\$\{[^}]*\}`)

// reachesAllKMSKeys reports whether a resource list grants access to KMS
// keys through a value that is not fixed: one with a wildcard or a policy
// variable that can match a key ARN ("*", "arn:aws:kms:*:111122223333:key/*").
// The service and resource fields of an ARN are matched on their own, so
// "arn:aws:kms:*:*:alias/*" does not reach keys.
func reachesAllKMSKeys(resources []string) bool {
	for _, r := range resources {
		r = policyVariable.ReplaceAllString(strings.ToLower(strings.TrimSpace(r)), "*")
		if !strings.ContainsAny(r, "*?") {
			continue
		}
		if f := strings.SplitN(r, ":", 6); len(f) == 6 {
			if globsOverlap(f[2], "kms") && globsOverlap(f[5], "key/*") {
				return true
			}
			continue
		}
		if globsOverlap(r, "arn:*:kms:*:*:key/*") {
			return true
		}
	}
	return false
}

// coversAllKMSKeys reports whether one of resources matches every KMS key
// ("*", "arn:aws:kms:*", "arn:aws:kms:*:*:key/*").
func coversAllKMSKeys(resources []string) bool {
	return patternCovered(resources, "arn:aws:kms:*:*:key/*")
}

// statementCoversAction reports whether the statement applies to every
// action matching pattern.
func statementCoversAction(st *statement, pattern string) bool {
	if len(st.Action) > 0 {
		return patternCovered(st.Action, pattern)
	}
	if len(st.NotAction) > 0 {
		for _, na := range st.NotAction {
			if globsOverlap(strings.ToLower(na), strings.ToLower(pattern)) {
				return false
			}
		}
		return true
	}
	return false
}

// blockedKMSActionAllowed returns the first of patterns that the policy
// allows on all KMS keys: an Allow statement whose actions can match the
// pattern and whose resources reach every key (a non-fixed Resource value,
// or a NotResource that does not exclude every key), unless a Deny
// statement without conditions covers the pattern on every key.
// Conditions of Allow statements are not evaluated.
func blockedKMSActionAllowed(doc *policyDocument, patterns []string) (string, bool) {
	for _, p := range patterns {
		allowed, denied := false, false
		for i := range doc.Statement {
			st := &doc.Statement[i]
			switch {
			case st.allow():
				reach := reachesAllKMSKeys(st.Resource) || (len(st.NotResource) > 0 && !coversAllKMSKeys(st.NotResource))
				if reach && statementMayAllow(st, p) {
					allowed = true
				}
			case st.deny():
				if len(st.Condition) == 0 && coversAllKMSKeys(st.Resource) && statementCoversAction(st, p) {
					denied = true
				}
			}
		}
		if allowed && !denied {
			return p, true
		}
	}
	return "", false
}

// checkCustomerPolicyBlockedKMS: non-compliant when the default version of
// a customer managed policy allows a blocked KMS action pattern on all KMS
// keys. AWS managed policies are not applicable, and so are policies used
// as permissions boundaries when excludePermissionBoundaryPolicy is true.
// https://docs.aws.amazon.com/config/latest/developerguide/iam-customer-policy-blocked-kms-actions.html
//
// Decisions the page leaves open:
//   - "All keys": the page counts a policy as granting more than fixed
//     values when a value holds a wildcard or a policy variable, so an Allow
//     statement reaches all keys through a Resource value with a wildcard or
//     variable that can match a key ARN (not only "*"), or through a
//     NotResource that does not exclude every key.
//   - Conditions are not evaluated (an earlier version of the page said so);
//     an unconditional Deny of the pattern on all keys cancels an Allow.
//   - Action values match a blocked pattern when both can match a common
//     action ("kms:*" and "kms:Decrypt*").
func checkCustomerPolicyBlockedKMS(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	doc, v, err := customerPolicyDocument(ci, in)
	if doc == nil || err != nil {
		return v, err
	}
	if pat, bad := blockedKMSActionAllowed(doc, csv(in.Params["blockedActionsPatterns"])); bad {
		return nonCompliant(fmt.Sprintf("The policy allows %s on all KMS keys.", pat)), nil
	}
	return compliant(), nil
}

// checkInlinePolicyBlockedKMS: non-compliant when an inline policy of the
// user, role or group allows a blocked KMS action pattern on all KMS keys
// (judged as in checkCustomerPolicyBlockedKMS).
// https://docs.aws.amazon.com/config/latest/developerguide/iam-inline-policy-blocked-kms-actions.html
//
// Decisions the page leaves open:
//   - A resource without inline policies is COMPLIANT.
//   - excludeRoleByManagementAccount excludes roles only assumable by the
//     organization's management account. configd records no AWS
//     Organizations data, so it cannot tell which account that is: no role
//     is excluded, and the annotation of a non-compliant role says so when
//     the parameter is true.
func checkInlinePolicyBlockedKMS(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var p iamPrincipal
	if err := decodeConfiguration(ci, &p); err != nil {
		return verdict{}, err
	}
	patterns := csv(in.Params["blockedActionsPatterns"])
	for _, list := range [][]inlinePolicy{p.UserPolicyList, p.RolePolicyList, p.GroupPolicyList} {
		for _, ip := range list {
			doc, err := parsePolicy(ip.PolicyDocument)
			if err != nil {
				return verdict{}, fmt.Errorf("decode inline policy %s: %w", ip.PolicyName, err)
			}
			pat, bad := blockedKMSActionAllowed(doc, patterns)
			if !bad {
				continue
			}
			msg := fmt.Sprintf("Inline policy %s allows %s on all KMS keys.", ip.PolicyName, pat)
			if ci.ResourceType == iamRole && boolParam(in.Params, "excludeRoleByManagementAccount", false) {
				msg += " (excludeRoleByManagementAccount is not applied: the organization's management account is not recorded.)"
			}
			return nonCompliant(msg), nil
		}
	}
	return compliant(), nil
}
