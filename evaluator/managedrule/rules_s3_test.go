package managedrule

import "testing"

// bucket builds an AWS::S3::Bucket item. The shape follows AWS Config's
// bucket items: configuration {"name","owner","creationDate"} and the
// settings in supplementary configuration (see rules_s3.go for sources).
func bucket(name string, supplementary map[string]string) *configdItem {
	if supplementary == nil {
		supplementary = map[string]string{}
	}
	return item(s3Bucket, name, `{"name":"`+name+`","owner":{"displayName":null,"id":"abc"},"creationDate":"2024-01-02T03:04:05.000Z"}`, supplementary)
}

const (
	privateACL     = `{"grantSet":null,"grantList":[{"grantee":{"id":"4df55416215956920d9d056aa8b99803a294ea221222bb668b55a8c6bca81094","displayName":null},"permission":"FullControl"}],"owner":{"displayName":null,"id":"4df55416215956920d9d056aa8b99803a294ea221222bb668b55a8c6bca81094"},"isRequesterCharged":false}`
	publicReadACL  = `{"grantSet":null,"grantList":[{"grantee":{"id":"4df5","displayName":null},"permission":"FullControl"},{"grantee":"AllUsers","permission":"Read"}],"owner":{"displayName":null,"id":"4df5"},"isRequesterCharged":false}`
	publicWriteACL = `{"grantSet":null,"grantList":[{"grantee":"AuthenticatedUsers","permission":"Write"}],"owner":{"displayName":null,"id":"4df5"},"isRequesterCharged":false}`
	allBlocked     = `{"blockPublicAcls":true,"ignorePublicAcls":true,"blockPublicPolicy":true,"restrictPublicBuckets":true}`
)

// bucketPolicyText wraps a policy document as the BucketPolicy
// supplementary value {"policyText":"..."}.
func bucketPolicyText(policy string) string {
	return `{"policyText":` + jsonString(policy) + `}`
}

func TestS3BucketServerSideEncryptionEnabled(t *testing.T) {
	denyUnencrypted := `{"Version":"2012-10-17","Statement":[{"Sid":"DenyUnencrypted","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}}]}`
	runRuleCases(t, "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", []ruleCase{
		{name: "CompliantKMS", ci: bucket("b", map[string]string{
			"ServerSideEncryptionConfiguration": `{"rules":[{"applyServerSideEncryptionByDefault":{"sseAlgorithm":"aws:kms","kmsMasterKeyID":"arn:aws:kms:us-east-1:123456789012:key/k"},"bucketKeyEnabled":true}]}`,
		}), want: Compliant},
		{name: "CompliantAES256", ci: bucket("b", map[string]string{
			"ServerSideEncryptionConfiguration": `{"rules":[{"applyServerSideEncryptionByDefault":{"sseAlgorithm":"AES256"}}]}`,
		}), want: Compliant},
		{name: "CompliantPolicyDeniesUnencrypted", ci: bucket("b", map[string]string{"BucketPolicy": bucketPolicyText(denyUnencrypted)}), want: Compliant},
		{name: "NonCompliantNone", ci: bucket("b", map[string]string{"BucketPolicy": `{"policyText":null}`}), want: NonCompliant, annotation: "Default encryption"},
		{name: "NonCompliantPolicyWithoutSSE", ci: bucket("b", map[string]string{
			"BucketPolicy": bucketPolicyText(`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"*"}]}`),
		}), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(bucket("b", nil)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item("AWS::SQS::Queue", "q", `{}`, nil), want: NotApplicable},
	})
}

func TestS3BucketVersioningEnabled(t *testing.T) {
	runRuleCases(t, "S3_BUCKET_VERSIONING_ENABLED", []ruleCase{
		{name: "Compliant", ci: bucket("b", map[string]string{"BucketVersioningConfiguration": `{"status":"Enabled","isMfaDeleteEnabled":null}`}), want: Compliant},
		{name: "NonCompliantOff", ci: bucket("b", map[string]string{"BucketVersioningConfiguration": `{"status":"Off","isMfaDeleteEnabled":null}`}), want: NonCompliant, annotation: "Off"},
		{name: "NonCompliantSuspended", ci: bucket("b", map[string]string{"BucketVersioningConfiguration": `{"status":"Suspended"}`}), want: NonCompliant, annotation: "Suspended"},
		{name: "NonCompliantMissing", ci: bucket("b", nil), want: NonCompliant},
		{name: "ParamMfaDeleteMissing", ci: bucket("b", map[string]string{"BucketVersioningConfiguration": `{"status":"Enabled","isMfaDeleteEnabled":false}`}),
			params: `{"isMfaDeleteEnabled":"true"}`, want: NonCompliant, annotation: "MFA delete"},
		{name: "ParamMfaDeleteEnabled", ci: bucket("b", map[string]string{"BucketVersioningConfiguration": `{"status":"Enabled","isMfaDeleteEnabled":true}`}),
			params: `{"isMfaDeleteEnabled":"true"}`, want: Compliant},
		{name: "NotApplicableDeleted", ci: deletedItem(bucket("b", nil)), want: NotApplicable},
	})
}

func TestS3BucketPublicReadProhibited(t *testing.T) {
	publicPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	restrictedPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}`
	accountPolicy := `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"*"}}`
	runRuleCases(t, "S3_BUCKET_PUBLIC_READ_PROHIBITED", []ruleCase{
		{name: "CompliantPrivate", ci: bucket("b", map[string]string{"AccessControlList": jsonString(privateACL)}), want: Compliant},
		{name: "CompliantAccountPrincipal", ci: bucket("b", map[string]string{"BucketPolicy": bucketPolicyText(accountPolicy)}), want: Compliant},
		{name: "CompliantConditionRestricted", ci: bucket("b", map[string]string{"BucketPolicy": bucketPolicyText(restrictedPolicy)}), want: Compliant},
		{name: "NonCompliantACL", ci: bucket("b", map[string]string{"AccessControlList": jsonString(publicReadACL)}), want: NonCompliant, annotation: "ACL"},
		{name: "NonCompliantACLDoubleQuoted", ci: bucket("b", map[string]string{"AccessControlList": jsonString(jsonString(publicReadACL))}), want: NonCompliant},
		{name: "NonCompliantPolicy", ci: bucket("b", map[string]string{"BucketPolicy": bucketPolicyText(publicPolicy)}), want: NonCompliant, annotation: "policy"},
		{name: "CompliantBlockPublicAccess", ci: bucket("b", map[string]string{
			"AccessControlList": jsonString(publicReadACL), "BucketPolicy": bucketPolicyText(publicPolicy), "PublicAccessBlockConfiguration": allBlocked,
		}), want: Compliant},
		{name: "NonCompliantACLNotBlocked", ci: bucket("b", map[string]string{
			"AccessControlList":              jsonString(publicReadACL),
			"PublicAccessBlockConfiguration": `{"blockPublicAcls":false,"ignorePublicAcls":false,"blockPublicPolicy":true,"restrictPublicBuckets":true}`,
		}), want: NonCompliant},
		{name: "CompliantWriteOnlyACL", ci: bucket("b", map[string]string{"AccessControlList": jsonString(publicWriteACL)}), want: Compliant},
		{name: "NotApplicableDeleted", ci: deletedItem(bucket("b", nil)), want: NotApplicable},
	})
}

func TestS3BucketPublicWriteProhibited(t *testing.T) {
	wildcardPut := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":["s3:Put*"],"Resource":"arn:aws:s3:::b/*"}]}`
	runRuleCases(t, "S3_BUCKET_PUBLIC_WRITE_PROHIBITED", []ruleCase{
		{name: "CompliantPrivate", ci: bucket("b", map[string]string{"AccessControlList": jsonString(privateACL)}), want: Compliant},
		{name: "CompliantReadOnlyACL", ci: bucket("b", map[string]string{"AccessControlList": jsonString(publicReadACL)}), want: Compliant},
		{name: "NonCompliantACL", ci: bucket("b", map[string]string{"AccessControlList": jsonString(publicWriteACL)}), want: NonCompliant, annotation: "write"},
		{name: "NonCompliantPolicyWildcardAction", ci: bucket("b", map[string]string{"BucketPolicy": bucketPolicyText(wildcardPut)}), want: NonCompliant},
		{name: "CompliantPolicyRestricted", ci: bucket("b", map[string]string{
			"BucketPolicy":                   bucketPolicyText(wildcardPut),
			"PublicAccessBlockConfiguration": `{"blockPublicAcls":false,"ignorePublicAcls":false,"blockPublicPolicy":false,"restrictPublicBuckets":true}`,
		}), want: Compliant},
	})
}

func TestS3BucketLoggingEnabled(t *testing.T) {
	logging := map[string]string{"BucketLoggingConfiguration": `{"destinationBucketName":"logs","logFilePrefix":"b/"}`}
	runRuleCases(t, "S3_BUCKET_LOGGING_ENABLED", []ruleCase{
		{name: "Compliant", ci: bucket("b", logging), want: Compliant},
		{name: "NonCompliantNull", ci: bucket("b", map[string]string{"BucketLoggingConfiguration": `{"destinationBucketName":null,"logFilePrefix":null}`}), want: NonCompliant},
		{name: "NonCompliantMissing", ci: bucket("b", nil), want: NonCompliant},
		{name: "ParamTargetBucketMatches", ci: bucket("b", logging), params: `{"targetBucket":"logs"}`, want: Compliant},
		{name: "ParamTargetBucketDiffers", ci: bucket("b", logging), params: `{"targetBucket":"other"}`, want: NonCompliant, annotation: "other"},
		{name: "ParamTargetPrefixMatches", ci: bucket("b", logging), params: `{"targetPrefix":"b/"}`, want: Compliant},
		{name: "ParamTargetPrefixDiffers", ci: bucket("b", logging), params: `{"targetPrefix":"x/"}`, want: NonCompliant},
	})
}

func TestS3BucketLevelPublicAccessProhibited(t *testing.T) {
	partial := map[string]string{"PublicAccessBlockConfiguration": `{"blockPublicAcls":true,"ignorePublicAcls":true,"blockPublicPolicy":true,"restrictPublicBuckets":false}`}
	runRuleCases(t, "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", []ruleCase{
		{name: "Compliant", ci: bucket("b", map[string]string{"PublicAccessBlockConfiguration": allBlocked}), want: Compliant},
		{name: "CompliantQuotedValue", ci: bucket("b", map[string]string{"PublicAccessBlockConfiguration": jsonString(allBlocked)}), want: Compliant},
		{name: "NonCompliantPartial", ci: bucket("b", partial), want: NonCompliant},
		{name: "NonCompliantMissing", ci: bucket("b", nil), want: NonCompliant},
		{name: "ParamExcluded", ci: bucket("website", partial), params: `{"excludedPublicBuckets":"other, website"}`, want: Compliant},
		{name: "ParamNotExcluded", ci: bucket("b", partial), params: `{"excludedPublicBuckets":"website"}`, want: NonCompliant},
	})
}

func TestS3BucketSSLRequestsOnly(t *testing.T) {
	sslOnly := `{"Version":"2012-10-17","Statement":[{"Sid":"AllowSSLRequestsOnly","Action":"s3:*","Effect":"Deny","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Principal":"*"}]}`
	putOnly := `{"Statement":[{"Action":"s3:PutObject","Effect":"Deny","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}},"Principal":"*"}]}`
	runRuleCases(t, "S3_BUCKET_SSL_REQUESTS_ONLY", []ruleCase{
		{name: "Compliant", ci: bucket("b", map[string]string{"BucketPolicy": bucketPolicyText(sslOnly)}), want: Compliant},
		{name: "NonCompliantNoPolicy", ci: bucket("b", nil), want: NonCompliant},
		{name: "NonCompliantOnlyPut", ci: bucket("b", map[string]string{"BucketPolicy": bucketPolicyText(putOnly)}), want: NonCompliant},
	})
}
