package managedrule

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/configd/configd"
)

// S3 versioning, lifecycle and bucket policy grantee rules, and CloudTrail
// S3 data event logging. Items are read in the recorder's formats
// (docs/ci-formats.md):
//
//	AWS::S3::Bucket supplementary BucketVersioningConfiguration
//	  {"status":"Off"|"Enabled"|"Suspended","isMfaDeleteEnabled":null|true|false}
//	AWS::S3::Bucket supplementary BucketLifecycleConfiguration (see rules_policies.go)
//	AWS::S3::Bucket supplementary BucketPolicy {"policyText": ...} (see bucketPolicy)
//	AWS::CloudTrail::Trail as in rules_account.go, with configd's
//	  supplementary TrailStatus and EventSelectors (GetEventSelectors'
//	  EventSelectors list, lowerCamel):
//	  [{"readWriteType","includeManagementEvents",
//	    "dataResources":[{"type":"AWS::S3::Object","values":["arn:aws:s3","arn:aws:s3:::bucket/"]}]}]
//
// Not implemented here:
//   - SNS_TOPIC_NO_PUBLIC_ACCESS, SQS_QUEUE_NO_PUBLIC_ACCESS and
//     KMS_KEY_POLICY_NO_PUBLIC_ACCESS: the recorder does not record the
//     resource policies they judge. recorder/sns_topic.go keeps only some
//     topic attributes (not Policy), recorder/sqs_queue.go only the listed
//     queue attributes (not Policy), and recorder/kms_key.go never calls
//     GetKeyPolicy; docs/ci-formats.md lists no policy for the three types.
//     Every topic, queue and key would look as if it had no policy.

func init() {
	register(
		&resourceRule{id: "S3_VERSION_LIFECYCLE_POLICY_CHECK", types: []string{s3Bucket}, check: checkS3VersionLifecyclePolicy},
		&resourceRule{id: "S3_BUCKET_MFA_DELETE_ENABLED", types: []string{s3Bucket}, check: checkS3MFADelete},
		&resourceRule{id: "S3_BUCKET_POLICY_GRANTEE_CHECK", types: []string{s3Bucket}, check: checkS3PolicyGrantee},
		&trailAccountRule{
			id:   "CLOUDTRAIL_S3_DATAEVENTS_ENABLED",
			none: "No AWS CloudTrail trail is enabled.",
			fail: "No trail logs S3 data events: ",
			match: func(ci *configd.ConfigurationItem, t *trail, name string, p map[string]string) (string, error) {
				return s3DataEventsMismatch(ci, t, name, csv(p["S3BucketNames"]), "")
			},
		},
	)
}

// s3Versioning is the BucketVersioningConfiguration supplementary value.
type s3Versioning struct {
	Status             string    `json:"status"`
	IsMfaDeleteEnabled *flexBool `json:"isMfaDeleteEnabled"`
}

// bucketVersioning returns the bucket's versioning configuration; a bucket
// without one has status "Off".
func bucketVersioning(ci *configd.ConfigurationItem) (s3Versioning, error) {
	var v s3Versioning
	if _, err := decodeSupplementary(ci, "BucketVersioningConfiguration", &v); err != nil {
		return s3Versioning{}, err
	}
	if strings.TrimSpace(v.Status) == "" {
		v.Status = "Off"
	}
	return v, nil
}

// ---- S3_VERSION_LIFECYCLE_POLICY_CHECK ----

// checkS3VersionLifecyclePolicy: a bucket with versioning enabled must have
// an enabled lifecycle rule.
// https://docs.aws.amazon.com/config/latest/developerguide/s3-version-lifecycle-policy-check.html
//
// Decisions the page leaves open:
//   - Buckets whose versioning is not Enabled (Off or Suspended) are
//     NOT_APPLICABLE: the page checks "version enabled buckets".
//   - bucketNames limits the rule to the listed buckets; other buckets are
//     NOT_APPLICABLE (as in S3_LIFECYCLE_POLICY_CHECK).
//   - Any lifecycle rule whose status is Enabled counts, whatever its
//     actions and filter; the page does not ask for rules on noncurrent
//     versions.
func checkS3VersionLifecyclePolicy(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	if names := csv(in.Params["bucketNames"]); len(names) > 0 && !contains(names, bucketName(ci)) {
		return notApplicable("The bucket is not listed in bucketNames."), nil
	}
	v, err := bucketVersioning(ci)
	if err != nil {
		return verdict{}, err
	}
	if !strings.EqualFold(strings.TrimSpace(v.Status), "Enabled") {
		return notApplicable("Versioning is " + v.Status + "."), nil
	}
	var lc s3LifecycleConfiguration
	if _, err := decodeSupplementary(ci, "BucketLifecycleConfiguration", &lc); err != nil {
		return verdict{}, err
	}
	for i := range lc.Rules {
		if strings.EqualFold(strings.TrimSpace(lc.Rules[i].Status), "Enabled") {
			return compliant(), nil
		}
	}
	return nonCompliant("The versioned bucket has no enabled lifecycle rule."), nil
}

// ---- S3_BUCKET_MFA_DELETE_ENABLED ----

// checkS3MFADelete: compliant when MFA delete is enabled in the bucket's
// versioning configuration.
// https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-mfa-delete-enabled.html
//
// Decision the page leaves open: a bucket without versioning (MFA delete
// cannot be set on it) is NON_COMPLIANT, not NOT_APPLICABLE; the page names
// no case where the rule does not apply.
func checkS3MFADelete(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	v, err := bucketVersioning(ci)
	if err != nil {
		return verdict{}, err
	}
	if v.IsMfaDeleteEnabled != nil && bool(*v.IsMfaDeleteEnabled) {
		return compliant(), nil
	}
	return nonCompliant("MFA delete is not enabled (versioning is " + v.Status + ")."), nil
}

// ---- S3_BUCKET_POLICY_GRANTEE_CHECK ----

// granteeAllowList holds the parameters of S3_BUCKET_POLICY_GRANTEE_CHECK.
type granteeAllowList struct {
	aws, services, federated, vpcs []string
	networks                       []netip.Prefix
}

func newGranteeAllowList(p map[string]string) *granteeAllowList {
	g := &granteeAllowList{
		aws:       csv(p["awsPrincipals"]),
		services:  csv(p["servicePrincipals"]),
		federated: csv(p["federatedUsers"]),
		vpcs:      csv(p["vpcIds"]),
	}
	for _, s := range csv(p["ipAddresses"]) {
		if n, ok := parseNetwork(s); ok {
			g.networks = append(g.networks, n)
		}
	}
	return g
}

// parseNetwork reads a CIDR block or a single IP address (as a /32 or
// /128 block).
func parseNetwork(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		n, err := netip.ParsePrefix(s)
		return n.Masked(), err == nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}

// accountRootARN matches the ARN of an account's root user, which names the
// account as a principal.
var accountRootARN = regexp.MustCompile(`^arn:[^:]+:iam::([0-9]{12}):root$`)

// accountOf returns the account a principal parameter names: a bare account
// id or the account's root ARN.
func accountOf(p string) (string, bool) {
	if len(p) == 12 && strings.Trim(p, "0123456789") == "" {
		return p, true
	}
	if m := accountRootARN.FindStringSubmatch(p); m != nil {
		return m[1], true
	}
	return "", false
}

// awsCovered reports whether the AWS principal v of a policy (an ARN, an
// account id, or a pattern) is within awsPrincipals: an account parameter
// covers every principal of that account; any other parameter is a pattern
// (with * and ?) that must match all of v.
func (g *granteeAllowList) awsCovered(v string) bool {
	v = strings.TrimSpace(v)
	for _, p := range g.aws {
		if acct, ok := accountOf(p); ok {
			if got, ok := principalAccount(v); ok && got == acct {
				return true
			}
			continue
		}
		if patternCovered([]string{p}, v) {
			return true
		}
		if acct, ok := accountOf(v); ok && patternCovered([]string{p}, "arn:aws:iam::"+acct+":root") {
			return true
		}
	}
	return false
}

// ipCovered reports whether the address or CIDR block v lies within one of
// ipAddresses.
func (g *granteeAllowList) ipCovered(v string) bool {
	n, ok := parseNetwork(strings.TrimSpace(v))
	if !ok {
		return false
	}
	for _, allowed := range g.networks {
		if allowed.Addr().Is4() == n.Addr().Is4() && allowed.Bits() <= n.Bits() && allowed.Contains(n.Addr()) {
			return true
		}
	}
	return false
}

func (g *granteeAllowList) vpcCovered(v string) bool {
	return patternCovered(g.vpcs, strings.TrimSpace(v))
}

func (g *granteeAllowList) serviceCovered(v string) bool {
	return patternCovered(g.services, strings.TrimSpace(v))
}

func (g *granteeAllowList) federatedCovered(v string) bool {
	return patternCovered(g.federated, strings.TrimSpace(v))
}

// uncoveredPrincipal returns a principal of the statement that the allow
// list does not cover, or "" when the allow list covers them all.
func (g *granteeAllowList) uncoveredPrincipal(st *statement) string {
	if st.NotPrincipal != nil {
		return "every principal but those in NotPrincipal"
	}
	p := st.Principal
	if p.wildcard {
		if g.awsCovered("*") {
			return ""
		}
		return "everyone (*)"
	}
	for kind, values := range p.byKind {
		var covered func(string) bool
		switch strings.ToLower(kind) {
		case "aws":
			covered = g.awsCovered
		case "service":
			covered = g.serviceCovered
		case "federated":
			covered = g.federatedCovered
		default: // CanonicalUser: no parameter lists canonical users.
			covered = func(string) bool { return false }
		}
		for _, v := range values {
			if !covered(v) {
				return v
			}
		}
	}
	return ""
}

// restrictedByGranteeCondition reports whether a condition limits the
// statement to the allow list: aws:SourceIp under IpAddress, aws:SourceVpc,
// aws:PrincipalArn, aws:PrincipalAccount or aws:PrincipalServiceName under
// a string (or ARN) equality or match operator, every value of the key
// covered by the matching parameter. ForAnyValue: is accepted (the keys are
// single-valued); ...IfExists operators do not restrict.
func (g *granteeAllowList) restrictedByGranteeCondition(st *statement) bool {
	for op, kv := range st.Condition {
		op = strings.TrimPrefix(strings.ToLower(op), "foranyvalue:")
		stringOp := op == "stringequals" || op == "stringequalsignorecase" || op == "stringlike"
		arnOp := stringOp || op == "arnequals" || op == "arnlike"
		for key, values := range kv {
			var covered func(string) bool
			switch k := strings.ToLower(key); {
			case k == "aws:sourceip" && op == "ipaddress":
				covered = g.ipCovered
			case k == "aws:sourcevpc" && stringOp:
				covered = g.vpcCovered
			case k == "aws:principalarn" && arnOp, k == "aws:principalaccount" && stringOp:
				covered = g.awsCovered
			case k == "aws:principalservicename" && stringOp:
				covered = g.serviceCovered
			}
			if covered == nil || len(values) == 0 {
				continue
			}
			all := true
			for _, v := range values {
				if !covered(v) {
					all = false
					break
				}
			}
			if all {
				return true
			}
		}
	}
	return false
}

// maxPolicyVariables is the most IAM policy variables one value of a bucket
// policy may hold for S3_BUCKET_POLICY_GRANTEE_CHECK to evaluate it.
const maxPolicyVariables = 5

// tooManyPolicyVariables reports whether a value of the statement holds more
// than maxPolicyVariables policy variables.
func tooManyPolicyVariables(st *statement) bool {
	lists := [][]string{st.Action, st.NotAction, st.Resource, st.NotResource}
	for _, p := range []*principal{st.Principal, st.NotPrincipal} {
		if p != nil {
			for _, vs := range p.byKind {
				lists = append(lists, vs)
			}
		}
	}
	for _, kv := range st.Condition {
		for _, vs := range kv {
			lists = append(lists, vs)
		}
	}
	for _, vs := range lists {
		for _, v := range vs {
			if len(policyVariable.FindAllStringIndex(v, maxPolicyVariables+1)) > maxPolicyVariables {
				return true
			}
		}
	}
	return false
}

// checkS3PolicyGrantee: every Allow statement of the bucket policy must be
// restricted to the given AWS principals, service principals, federated
// users, IP addresses or VPCs; a bucket without a policy is COMPLIANT.
// https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-policy-grantee-check.html
//
// A statement is restricted when all of its principals are listed (AWS
// principals in awsPrincipals, Service in servicePrincipals, Federated in
// federatedUsers), or when a condition limits it to listed values (see
// restrictedByGranteeCondition). A policy value with more than five policy
// variables makes the bucket NON_COMPLIANT, as the page says.
//
// Decisions the page leaves open:
//   - An account in awsPrincipals (a bare id or its root ARN) covers every
//     principal of that account; other values are patterns with * and ?
//     that must match the policy's principal whole ("arn:aws:iam::1:role/*"
//     covers "arn:aws:iam::1:role/app" but not the account). A root ARN and
//     a bare account id in the policy are the same principal.
//   - Principal "*" and NotPrincipal are covered by no list except an
//     awsPrincipals value "*"; CanonicalUser principals are covered by none.
//   - Deny statements and statements without a principal grant nothing and
//     are skipped. Without any parameter every Allow statement is
//     NON_COMPLIANT: nothing is listed to restrict it to.
//   - ipAddresses values that are not an IP address or CIDR block match
//     nothing; a condition's block must lie within a listed block.
func checkS3PolicyGrantee(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	pol, err := bucketPolicy(ci)
	if err != nil || pol == nil {
		return compliant(), err
	}
	for i := range pol.Statement {
		if tooManyPolicyVariables(&pol.Statement[i]) {
			return nonCompliant(fmt.Sprintf("Statement %d of the bucket policy has a value with more than %d policy variables, which the rule cannot evaluate.", i+1, maxPolicyVariables)), nil
		}
	}
	g := newGranteeAllowList(in.Params)
	for i := range pol.Statement {
		st := &pol.Statement[i]
		if !st.allow() || (st.Principal == nil && st.NotPrincipal == nil) {
			continue
		}
		who := g.uncoveredPrincipal(st)
		if who == "" || g.restrictedByGranteeCondition(st) {
			continue
		}
		return nonCompliant(fmt.Sprintf("Statement %d of the bucket policy grants access to %s, not restricted to the given principals, IP addresses or VPCs.", i+1, who)), nil
	}
	return compliant(), nil
}

// ---- CLOUDTRAIL_S3_DATAEVENTS_ENABLED ----

// s3DataSelector is the part of a basic event selector that names data
// events.
type s3DataSelector struct {
	ReadWriteType string `json:"readWriteType"`
	DataResources []struct {
		Type   string     `json:"type"`
		Values stringList `json:"values"`
	} `json:"dataResources"`
}

// allS3Objects matches the data resource values that select the objects of
// every bucket ("arn:aws:s3", "arn:aws:s3:::").
var allS3Objects = regexp.MustCompile(`^arn:[a-z-]+:s3(:::)?/?$`)

// s3ObjectsOf returns the bucket whose objects a data resource value selects
// entirely ("arn:aws:s3:::bucket/" or without the slash), or "" for a value
// that selects a prefix only or is not an S3 ARN.
func s3ObjectsOf(v string) string {
	i := strings.Index(v, ":s3:::")
	if !strings.HasPrefix(v, "arn:") || i < 0 {
		return ""
	}
	b := strings.TrimSuffix(v[i+len(":s3:::"):], "/")
	if b == "" || strings.Contains(b, "/") {
		return ""
	}
	return b
}

// s3DataEventsMismatch returns why the trail does not log S3 data events for
// all buckets (or, when buckets is given, for each of them), or "". When
// readWriteType is "ReadOnly" or "WriteOnly" only the selectors of that
// readWriteType or "All" count (a selector without one is "All", CloudTrail's
// default); "" counts every selector.
//
// https://docs.aws.amazon.com/config/latest/developerguide/cloudtrail-s3-dataevents-enabled.html
// The page reads "NON_COMPLIANT if there are trails or if no trails record
// S3 data events"; the first clause is read as "there are no trails" (as in
// the page's German translation).
//
// Decisions the page leaves open:
//   - Only trails whose TrailStatus (when recorded) says they are logging
//     count.
//   - A data resource of type AWS::S3::Object whose value is "arn:aws:s3"
//     (any partition, with or without ":::") selects every bucket;
//     "arn:aws:s3:::bucket/" selects one bucket; a value with an object
//     prefix selects part of a bucket and covers none.
//   - Any readWriteType counts (ReadOnly and WriteOnly selectors log data
//     events too; the read/write rules check the types).
//   - With S3BucketNames, one trail must cover every listed bucket, either
//     through an all-buckets value or a value per bucket.
//   - A trail without recorded EventSelectors has CloudTrail's default
//     selector (no data events) unless hasCustomEventSelectors is true, in
//     which case its selectors are unknown and it does not count. Advanced
//     event selectors are not part of configd's EventSelectors extension.
func s3DataEventsMismatch(ci *configd.ConfigurationItem, t *trail, name string, buckets []string, readWriteType string) (string, error) {
	var selectors []s3DataSelector
	found, err := decodeSupplementary(ci, "EventSelectors", &selectors)
	if err != nil {
		return "", err
	}
	if !found {
		if t.HasCustomEventSelectors {
			return "the event selectors of trail " + name + " are not recorded.", nil
		}
		return "trail " + name + " logs management events only.", nil
	}
	events := "S3 data events"
	switch readWriteType {
	case "ReadOnly":
		events = "read S3 data events"
	case "WriteOnly":
		events = "write S3 data events"
	}
	all := false
	logged := map[string]bool{}
	for _, s := range selectors {
		if rw := strings.TrimSpace(s.ReadWriteType); readWriteType != "" && rw != "" &&
			!strings.EqualFold(rw, "All") && !strings.EqualFold(rw, readWriteType) {
			continue
		}
		for _, dr := range s.DataResources {
			if dr.Type != "AWS::S3::Object" {
				continue
			}
			for _, v := range dr.Values {
				v = strings.TrimSpace(v)
				if allS3Objects.MatchString(v) {
					all = true
				} else if b := s3ObjectsOf(v); b != "" {
					logged[b] = true
				}
			}
		}
	}
	if all {
		return "", nil
	}
	if len(buckets) == 0 {
		return "trail " + name + " does not log " + events + " for all buckets.", nil
	}
	for _, b := range buckets {
		if !logged[b] {
			return "trail " + name + " does not log " + events + " for bucket " + b + ".", nil
		}
	}
	return "", nil
}
