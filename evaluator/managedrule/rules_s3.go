package managedrule

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/configd/configd"
)

// S3 bucket configuration items keep the bucket's settings in supplementary
// configuration (https://github.com/awslabs/aws-config-resource-schema,
// config/properties/resource-types/AWS::S3::Bucket.properties.json):
//
//	ServerSideEncryptionConfiguration {"rules":[{"applyServerSideEncryptionByDefault":{"sseAlgorithm":"aws:kms","kmsMasterKeyID":...}}]}
//	BucketVersioningConfiguration     {"status":"Off"|"Enabled"|"Suspended","isMfaDeleteEnabled":bool}
//	PublicAccessBlockConfiguration    {"blockPublicAcls":bool,"ignorePublicAcls":bool,"blockPublicPolicy":bool,"restrictPublicBuckets":bool}
//	BucketPolicy                      {"policyText":"{...policy JSON...}"}
//	BucketLoggingConfiguration        {"destinationBucketName":...,"logFilePrefix":...}
//	AccessControlList                 "{\"grantList\":[{\"grantee\":\"AllUsers\",\"permission\":\"Read\"},...],...}" (a JSON string)
//
// The ACL format (grantee is a group name string or {"id","displayName"})
// is shown in the AWS Security Hub ASFF example of AwsS3Bucket, which copies
// AWS Config's item.

const s3Bucket = "AWS::S3::Bucket"

func init() {
	register(
		&resourceRule{id: "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", types: []string{s3Bucket}, check: checkS3Encryption},
		&resourceRule{id: "S3_BUCKET_VERSIONING_ENABLED", types: []string{s3Bucket}, check: checkS3Versioning},
		&resourceRule{id: "S3_BUCKET_PUBLIC_READ_PROHIBITED", types: []string{s3Bucket}, check: checkS3Public(false)},
		&resourceRule{id: "S3_BUCKET_PUBLIC_WRITE_PROHIBITED", types: []string{s3Bucket}, check: checkS3Public(true)},
		&resourceRule{id: "S3_BUCKET_LOGGING_ENABLED", types: []string{s3Bucket}, check: checkS3Logging},
		&resourceRule{id: "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", types: []string{s3Bucket}, check: checkS3LevelPublicAccess},
		&resourceRule{id: "S3_BUCKET_SSL_REQUESTS_ONLY", types: []string{s3Bucket}, check: checkS3SSLOnly},
	)
}

type publicAccessBlock struct {
	BlockPublicAcls       flexBool `json:"blockPublicAcls"`
	IgnorePublicAcls      flexBool `json:"ignorePublicAcls"`
	BlockPublicPolicy     flexBool `json:"blockPublicPolicy"`
	RestrictPublicBuckets flexBool `json:"restrictPublicBuckets"`
}

func bucketName(ci *configd.ConfigurationItem) string {
	if ci.ResourceName != "" {
		return ci.ResourceName
	}
	return ci.ResourceID
}

// bucketPolicy returns the bucket's policy, or nil when it has none.
func bucketPolicy(ci *configd.ConfigurationItem) (*policyDocument, error) {
	var bp struct {
		PolicyText *string `json:"policyText"`
	}
	ok, err := decodeSupplementary(ci, "BucketPolicy", &bp)
	if err != nil || !ok || bp.PolicyText == nil || strings.TrimSpace(*bp.PolicyText) == "" {
		return nil, err
	}
	d, err := parsePolicy(*bp.PolicyText)
	if err != nil {
		return nil, fmt.Errorf("decode bucket policy: %w", err)
	}
	return d, nil
}

// checkS3Encryption: compliant when default encryption is set, or when the
// bucket policy denies s3:PutObject requests without server-side
// encryption.
// https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-server-side-encryption-enabled.html
func checkS3Encryption(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var sse struct {
		Rules []struct {
			ApplyServerSideEncryptionByDefault *struct {
				SSEAlgorithm string `json:"sseAlgorithm"`
			} `json:"applyServerSideEncryptionByDefault"`
		} `json:"rules"`
	}
	if _, err := decodeSupplementary(ci, "ServerSideEncryptionConfiguration", &sse); err != nil {
		return verdict{}, err
	}
	for _, r := range sse.Rules {
		if d := r.ApplyServerSideEncryptionByDefault; d != nil {
			switch d.SSEAlgorithm {
			case "AES256", "aws:kms", "aws:kms:dsse":
				return compliant(), nil
			}
		}
	}
	pol, err := bucketPolicy(ci)
	if err != nil {
		return verdict{}, err
	}
	if pol != nil {
		for i := range pol.Statement {
			st := &pol.Statement[i]
			if !st.deny() || !st.coversAction("s3:PutObject") {
				continue
			}
			for op := range st.Condition {
				if _, ok := st.conditionValues(op, "s3:x-amz-server-side-encryption"); ok {
					return compliant(), nil
				}
			}
		}
	}
	return nonCompliant("Default encryption is not enabled and the bucket policy does not deny unencrypted uploads."), nil
}

// https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-versioning-enabled.html
func checkS3Versioning(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var v struct {
		Status             string    `json:"status"`
		IsMfaDeleteEnabled *flexBool `json:"isMfaDeleteEnabled"`
	}
	if _, err := decodeSupplementary(ci, "BucketVersioningConfiguration", &v); err != nil {
		return verdict{}, err
	}
	if v.Status != "Enabled" {
		status := v.Status
		if status == "" {
			status = "Off"
		}
		return nonCompliant("Versioning is " + status + "."), nil
	}
	if boolParam(in.Params, "isMfaDeleteEnabled", false) && (v.IsMfaDeleteEnabled == nil || !bool(*v.IsMfaDeleteEnabled)) {
		return nonCompliant("MFA delete is not enabled."), nil
	}
	return compliant(), nil
}

// Representative actions tested against a bucket policy for public read and
// write access.
var (
	s3ReadActions  = []string{"s3:GetObject", "s3:ListBucket"}
	s3WriteActions = []string{"s3:PutObject", "s3:DeleteObject", "s3:PutBucketPolicy", "s3:PutBucketAcl"}
)

// checkS3Public implements S3_BUCKET_PUBLIC_READ_PROHIBITED and
// S3_BUCKET_PUBLIC_WRITE_PROHIBITED: the bucket-level Block Public Access
// settings, then the bucket policy, then the ACL.
// https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-public-read-prohibited.html
// https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-public-write-prohibited.html
func checkS3Public(write bool) func(*configd.ConfigurationItem, *Input) (verdict, error) {
	kind, actions := "read", s3ReadActions
	if write {
		kind, actions = "write", s3WriteActions
	}
	return func(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
		var pab publicAccessBlock
		if _, err := decodeSupplementary(ci, "PublicAccessBlockConfiguration", &pab); err != nil {
			return verdict{}, err
		}
		if !pab.BlockPublicPolicy && !pab.RestrictPublicBuckets {
			pol, err := bucketPolicy(ci)
			if err != nil {
				return verdict{}, err
			}
			if pol != nil && policyAllowsPublic(pol, actions) {
				return nonCompliant("The bucket policy allows public " + kind + " access."), nil
			}
		}
		if !pab.BlockPublicAcls && !pab.IgnorePublicAcls {
			public, err := aclAllowsPublic(ci, write)
			if err != nil {
				return verdict{}, err
			}
			if public {
				return nonCompliant("The bucket ACL allows public " + kind + " access."), nil
			}
		}
		return compliant(), nil
	}
}

// policyAllowsPublic reports whether an Allow statement grants anyone one of
// the actions.
func policyAllowsPublic(pol *policyDocument, actions []string) bool {
	for i := range pol.Statement {
		st := &pol.Statement[i]
		if !st.allow() || !st.publicPrincipal() {
			continue
		}
		for _, a := range actions {
			if st.coversAction(a) {
				return true
			}
		}
	}
	return false
}

// aclAllowsPublic reports whether the ACL grants AllUsers or
// AuthenticatedUsers read (Read, FullControl) or write (Write, WriteAcp,
// FullControl) permission.
func aclAllowsPublic(ci *configd.ConfigurationItem, write bool) (bool, error) {
	var acl struct {
		GrantList []struct {
			Grantee    json.RawMessage `json:"grantee"`
			Permission string          `json:"permission"`
		} `json:"grantList"`
	}
	if _, err := decodeSupplementary(ci, "AccessControlList", &acl); err != nil {
		return false, err
	}
	for _, g := range acl.GrantList {
		if !publicGrantee(g.Grantee) {
			continue
		}
		switch g.Permission {
		case "FullControl":
			return true, nil
		case "Read":
			if !write {
				return true, nil
			}
		case "Write", "WriteAcp":
			if write {
				return true, nil
			}
		}
	}
	return false, nil
}

// publicGrantee recognizes the AllUsers and AuthenticatedUsers groups, as a
// group name string or as a grantee object carrying the group URI.
func publicGrantee(raw json.RawMessage) bool {
	var name string
	if json.Unmarshal(raw, &name) == nil {
		return name == "AllUsers" || name == "AuthenticatedUsers"
	}
	var obj struct {
		URI        string `json:"uri"`
		Identifier string `json:"identifier"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		for _, s := range []string{obj.URI, obj.Identifier} {
			if strings.HasSuffix(s, "/global/AllUsers") || strings.HasSuffix(s, "/global/AuthenticatedUsers") ||
				s == "AllUsers" || s == "AuthenticatedUsers" {
				return true
			}
		}
	}
	return false
}

// https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-logging-enabled.html
func checkS3Logging(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var lc struct {
		DestinationBucketName *string `json:"destinationBucketName"`
		LogFilePrefix         *string `json:"logFilePrefix"`
	}
	if _, err := decodeSupplementary(ci, "BucketLoggingConfiguration", &lc); err != nil {
		return verdict{}, err
	}
	if lc.DestinationBucketName == nil || *lc.DestinationBucketName == "" {
		return nonCompliant("Server access logging is not enabled."), nil
	}
	if want, ok := in.Params["targetBucket"]; ok && strings.TrimSpace(want) != *lc.DestinationBucketName {
		return nonCompliant(fmt.Sprintf("Logs are delivered to bucket %s, not %s.", *lc.DestinationBucketName, strings.TrimSpace(want))), nil
	}
	if want, ok := in.Params["targetPrefix"]; ok {
		got := ""
		if lc.LogFilePrefix != nil {
			got = *lc.LogFilePrefix
		}
		if got != strings.TrimSpace(want) {
			return nonCompliant(fmt.Sprintf("The log prefix is %q, not %q.", got, strings.TrimSpace(want))), nil
		}
	}
	return compliant(), nil
}

// checkS3LevelPublicAccess: the bucket-level Block Public Access settings
// must all be on unless the bucket is listed in excludedPublicBuckets.
// https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-level-public-access-prohibited.html
func checkS3LevelPublicAccess(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	if contains(csv(in.Params["excludedPublicBuckets"]), bucketName(ci)) {
		return compliant(), nil
	}
	var pab publicAccessBlock
	if _, err := decodeSupplementary(ci, "PublicAccessBlockConfiguration", &pab); err != nil {
		return verdict{}, err
	}
	if pab.BlockPublicAcls && pab.IgnorePublicAcls && pab.BlockPublicPolicy && pab.RestrictPublicBuckets {
		return compliant(), nil
	}
	return nonCompliant("Block Public Access is not fully enabled on the bucket."), nil
}

// checkS3SSLOnly: compliant when the bucket policy denies requests whose
// aws:SecureTransport is false.
// https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-ssl-requests-only.html
func checkS3SSLOnly(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	pol, err := bucketPolicy(ci)
	if err != nil {
		return verdict{}, err
	}
	if pol != nil {
		for i := range pol.Statement {
			st := &pol.Statement[i]
			if !st.deny() || !st.Principal.anyone() || !st.coversAction("s3:GetObject") || !st.coversAction("s3:PutObject") {
				continue
			}
			if v, ok := st.conditionValues("Bool", "aws:SecureTransport"); ok && contains(lowerAll(v), "false") {
				return compliant(), nil
			}
		}
	}
	return nonCompliant("The bucket policy does not deny requests that do not use SSL."), nil
}

func lowerAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strings.ToLower(x)
	}
	return out
}
