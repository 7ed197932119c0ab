package managedrule

import (
	"context"
	"testing"
	"time"
)

// benchCase is one rule evaluation of the benchmark mix.
type benchCase struct {
	id     string
	params string
	ci     *configdItem
}

// benchMix is a mix of rules and configuration items in AWS Config's format,
// weighted toward the resource types accounts hold most of.
func benchMix() []benchCase {
	sg := securityGroupItem("web", `[`+sshPrivate[1:len(sshPrivate)-1]+`,`+httpsWorld[1:len(httpsWorld)-1]+`,`+udpWorld[1:len(udpWorld)-1]+`]`, egressAll)
	b := bucket("b", map[string]string{
		"AccessControlList":                 jsonString(privateACL),
		"BucketPolicy":                      bucketPolicyText(`{"Version":"2012-10-17","Statement":[{"Sid":"AllowSSLRequestsOnly","Action":"s3:*","Effect":"Deny","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Principal":"*"}]}`),
		"PublicAccessBlockConfiguration":    allBlocked,
		"ServerSideEncryptionConfiguration": `{"rules":[{"applyServerSideEncryptionByDefault":{"sseAlgorithm":"aws:kms"}}]}`,
		"BucketVersioningConfiguration":     `{"status":"Enabled","isMfaDeleteEnabled":null}`,
		"BucketLoggingConfiguration":        `{"destinationBucketName":"logs","logFilePrefix":"b/"}`,
	})
	inst := withTags(instanceItem(`,"metadataOptions":{"httpTokens":"required"},"monitoring":{"state":"enabled"}`), map[string]string{"CostCenter": "1"})
	vol := volumeItem("true", `"in-use"`, attachedDelete)
	pol := policyItem(customerArn, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}`, 0)
	return []benchCase{
		{"INCOMING_SSH_DISABLED", "", sg},
		{"RESTRICTED_INCOMING_TRAFFIC", "", sg},
		{"VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", `{"authorizedTcpPorts":"443","authorizedUdpPorts":"500"}`, sg},
		{"VPC_DEFAULT_SECURITY_GROUP_CLOSED", "", sg},
		{"S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", "", b},
		{"S3_BUCKET_VERSIONING_ENABLED", "", b},
		{"S3_BUCKET_PUBLIC_READ_PROHIBITED", "", b},
		{"S3_BUCKET_PUBLIC_WRITE_PROHIBITED", "", b},
		{"S3_BUCKET_SSL_REQUESTS_ONLY", "", b},
		{"S3_BUCKET_LOGGING_ENABLED", "", b},
		{"EC2_IMDSV2_CHECK", "", inst},
		{"EC2_INSTANCE_NO_PUBLIC_IP", "", inst},
		{"DESIRED_INSTANCE_TYPE", `{"instanceType":"t3.micro"}`, inst},
		{"REQUIRED_TAGS", `{"tag1Key":"CostCenter"}`, inst},
		{"ENCRYPTED_VOLUMES", "", vol},
		{"EC2_VOLUME_INUSE_CHECK", `{"deleteOnTermination":"true"}`, vol},
		{"IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS", "", pol},
		{"IAM_USER_NO_POLICIES_CHECK", "", userItem(`["devs"]`, `[]`, `[]`)},
		{"RDS_STORAGE_ENCRYPTED", "", dbItem("")},
		{"DB_INSTANCE_BACKUP_ENABLED", `{"backupRetentionMinimum":"7"}`, dbItem("")},
		{"LAMBDA_FUNCTION_SETTINGS_CHECK", `{"runtime":"python3.12"}`, functionItem("", "")},
		{"DYNAMODB_TABLE_ENCRYPTED_KMS", "", tableItem(`{"status":"ENABLED","ssetype":"KMS","kmsmasterKeyArn":"`+tableKey+`"}`, "ENABLED")},
		{"CMK_BACKING_KEY_ROTATION_ENABLED", "", kmsKeyItem("CUSTOMER", "Enabled", "AWS_KMS", "SYMMETRIC_DEFAULT", "true")},
	}
}

// BenchmarkEvaluateMix measures the native evaluation rate over the mix on
// every core (b.RunParallel); it reports evaluations per second as evals/s.
// Rules on the same item share its decoded configuration through the decode
// cache, as they do when the evaluator runs every rule on a changed item.
func BenchmarkEvaluateMix(b *testing.B) { benchmarkMix(b) }

// BenchmarkEvaluateMixCold is BenchmarkEvaluateMix with the decode cache off:
// every evaluation decodes its item's configuration and supplementary
// configuration from JSON.
func BenchmarkEvaluateMixCold(b *testing.B) {
	cacheEnabled = false
	defer func() { cacheEnabled = true }()
	benchmarkMix(b)
}

func benchmarkMix(b *testing.B) {
	type prepared struct {
		rule Rule
		in   Input
	}
	var mix []prepared
	for _, c := range benchMix() {
		params, err := Parameters(c.id, c.params)
		if err != nil {
			b.Fatal(err)
		}
		r, _ := Get(c.id)
		mix = append(mix, prepared{r, Input{CI: c.ci, Params: params, AccountID: "123456789012", Region: "us-east-1", Now: testNow}})
	}
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			p := &mix[i%len(mix)]
			if _, err := p.rule.Evaluate(ctx, p.in); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "evals/s")
}
