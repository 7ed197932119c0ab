package main

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/configd/configd"
)

// TestRemediationEndToEndMoto: a bucket without default encryption is
// recorded from moto and found NON_COMPLIANT under
// S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED; the rule's Automatic
// remediation runs AWS-EnableS3BucketEncryption against moto; moto's bucket
// then has default encryption, configd re-records it at once, and the rule
// reports it COMPLIANT, without waiting for a discovery interval.
func TestRemediationEndToEndMoto(t *testing.T) {
	s, moto := startWithMoto(t)
	s3c := s3.NewFromConfig(motoConfig(moto), func(o *s3.Options) { o.UsePathStyle = true })
	const bucket = "plain-bucket"
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	// Buckets may be created encrypted by default; start from none.
	s3c.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String(bucket)})
	if encrypted(t, s3c, bucket) {
		t.Fatal("moto's bucket is still encrypted before the test")
	}

	c := s.clientA()
	_, err := c.PutConfigurationRecorder(ctx, &cs.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{
		Name: aws.String("default"), RoleARN: aws.String("arn:aws:iam::111111111111:role/config"),
		RecordingGroup: &types.RecordingGroup{ResourceTypes: []types.ResourceType{types.ResourceTypeBucket}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	putChannel(t, c)
	rule := managedRule("s3-sse", "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED")
	rule.Scope = &types.Scope{ComplianceResourceTypes: []string{"AWS::S3::Bucket"}}
	putRule(t, c, rule)
	remPut(t, c, types.RemediationConfiguration{
		ConfigRuleName: aws.String("s3-sse"), TargetType: types.RemediationTargetTypeSsmDocument, TargetId: aws.String("AWS-EnableS3BucketEncryption"),
		ResourceType: aws.String("AWS::S3::Bucket"), Automatic: true, MaximumAutomaticAttempts: aws.Int32(3), RetryAttemptSeconds: aws.Int64(30),
		Parameters: map[string]types.RemediationParameterValue{
			"BucketName":   {ResourceValue: &types.ResourceValue{Value: types.ResourceValueTypeResourceId}},
			"SSEAlgorithm": {StaticValue: &types.StaticValue{Values: []string{"AES256"}}},
		},
	})
	// Recording discovers the bucket; its change evaluation finds it
	// NON_COMPLIANT, which queues the automatic remediation.
	must[*cs.StartConfigurationRecorderOutput](t)(c.StartConfigurationRecorder(ctx, &cs.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")}))

	deadline := time.Now().Add(60 * time.Second)
	var st types.RemediationExecutionStatus
	for {
		out, err := c.DescribeRemediationExecutionStatus(ctx, &cs.DescribeRemediationExecutionStatusInput{ConfigRuleName: aws.String("s3-sse"),
			ResourceKeys: []types.ResourceKey{bucketKey(bucket)}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.RemediationExecutionStatuses) == 1 {
			st = out.RemediationExecutionStatuses[0]
			if st.State == types.RemediationExecutionStateSucceeded || st.State == types.RemediationExecutionStateFailed {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ended remediation after 60 s; compliance %v, status %+v", details(t, c, "s3-sse"), st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st.State != types.RemediationExecutionStateSucceeded || len(st.StepDetails) == 0 || aws.ToString(st.StepDetails[0].Name) != "PutBucketEncryption" {
		t.Fatalf("remediation = %s %+v", st.State, st.StepDetails)
	}
	if !encrypted(t, s3c, bucket) {
		t.Fatal("moto's bucket has no default encryption after the remediation")
	}
	// Re-recorded at once and re-evaluated: COMPLIANT.
	waitDetails(t, c, "s3-sse", bucket+"="+string(types.ComplianceTypeCompliant))
	hist := must[*cs.GetResourceConfigHistoryOutput](t)(c.GetResourceConfigHistory(ctx, &cs.GetResourceConfigHistoryInput{ResourceType: types.ResourceTypeBucket, ResourceId: aws.String(bucket)}))
	if len(hist.ConfigurationItems) < 2 {
		t.Fatalf("%d configuration items, want the original and the re-recorded one", len(hist.ConfigurationItems))
	}
	// The execution was automatic, attempt 1.
	var x *configd.RemediationExecution
	s.Store.Read(ctx, func(tx configd.Tx) error {
		es, err := tx.ExecutionHistory(ctx, scopeA1, "s3-sse", configd.ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceID: bucket})
		if len(es) > 0 {
			x = es[len(es)-1]
		}
		return err
	})
	if x == nil || !x.Automatic || x.Attempt != 1 {
		t.Fatalf("first execution = %+v", x)
	}
}

// encrypted reports whether moto's bucket has default encryption.
func encrypted(t *testing.T, c *s3.Client, bucket string) bool {
	t.Helper()
	out, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(bucket)})
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "ServerSideEncryptionConfigurationNotFoundError" {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.ServerSideEncryptionConfiguration != nil && len(out.ServerSideEncryptionConfiguration.Rules) > 0
}
