package runbook

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// s3Client builds an S3 client; custom endpoints (moto, LocalStack) need
// path-style addressing.
func s3Client(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
	})
}

// bucketNamePattern is S3's bucket naming rule in RE2 (AWS's documents use
// look-aheads RE2 lacks).
const bucketNamePattern = `^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`

func s3Runbooks() []*native {
	logging := configureS3BucketLogging()
	return []*native{
		enableS3BucketEncryption(),
		disableS3BucketPublicReadWrite(),
		configureS3BucketPublicAccessBlock(),
		configureS3BucketVersioning(),
		logging,
		// The issue names AWSConfigRemediation-ConfigureS3BucketLogging; AWS
		// publishes the runbook as AWS-ConfigureS3BucketLogging. Both names
		// run it.
		alias(logging, "AWSConfigRemediation-ConfigureS3BucketLogging"),
	}
}

// enableS3BucketEncryption is AWS-EnableS3BucketEncryption
// (https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-enableS3bucketencryption.html):
// default encryption with SSEAlgorithm (default AES256).
func enableS3BucketEncryption() *native {
	return &native{
		name: "AWS-EnableS3BucketEncryption",
		params: []Parameter{
			roleParam(false),
			withPattern(required("BucketName", "The name of the S3 bucket where you want to encrypt the contents."), bucketNamePattern),
			optional("SSEAlgorithm", TypeString, "AES256", "Server-side encryption algorithm to use for the default encryption.",
				"AES256", "aws:kms", "aws:kms:dsse"),
		},
		steps: []nativeStep{{
			name: "PutBucketEncryption",
			run: func(ctx context.Context, c *call) error {
				_, err := s3Client(c.cfg).PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{
					Bucket: aws.String(c.p.str("BucketName")),
					ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{
						Rules: []types.ServerSideEncryptionRule{{
							ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{
								SSEAlgorithm: types.ServerSideEncryption(c.p.str("SSEAlgorithm")),
							},
						}},
					},
				})
				return err
			},
		}},
	}
}

// disableS3BucketPublicReadWrite is AWS-DisableS3BucketPublicReadWrite
// (https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-disables3bucketpublicreadwrite.html):
// the bucket's Block Public Access settings, all four on.
func disableS3BucketPublicReadWrite() *native {
	return &native{
		name: "AWS-DisableS3BucketPublicReadWrite",
		params: []Parameter{
			roleParam(false),
			withPattern(required("S3BucketName", "S3 bucket on which you want to restrict access."), bucketNamePattern),
		},
		steps: []nativeStep{{
			name: "DisableS3BucketPublicReadWrite",
			run: func(ctx context.Context, c *call) error {
				return putPublicAccessBlock(ctx, c.cfg, c.p.str("S3BucketName"), allBlocked())
			},
		}},
	}
}

func allBlocked() *types.PublicAccessBlockConfiguration {
	return &types.PublicAccessBlockConfiguration{
		BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true),
		BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true),
	}
}

func putPublicAccessBlock(ctx context.Context, cfg aws.Config, bucket string, pab *types.PublicAccessBlockConfiguration) error {
	_, err := s3Client(cfg).PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{
		Bucket: aws.String(bucket), PublicAccessBlockConfiguration: pab,
	})
	return err
}

// configureS3BucketPublicAccessBlock is
// AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock
// (https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-configure-s3-bucket-public-access-block.html):
// the four settings, each a Boolean defaulting to true, then a check that
// the bucket reports them.
func configureS3BucketPublicAccessBlock() *native {
	boolParam := func(name, desc string) Parameter {
		return optional(name, TypeBoolean, "true", desc, "true", "false")
	}
	settings := func(c *call) *types.PublicAccessBlockConfiguration {
		return &types.PublicAccessBlockConfiguration{
			BlockPublicAcls:       aws.Bool(c.p.bool("BlockPublicAcls")),
			IgnorePublicAcls:      aws.Bool(c.p.bool("IgnorePublicAcls")),
			BlockPublicPolicy:     aws.Bool(c.p.bool("BlockPublicPolicy")),
			RestrictPublicBuckets: aws.Bool(c.p.bool("RestrictPublicBuckets")),
		}
	}
	return &native{
		name: "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock",
		params: []Parameter{
			roleParam(true),
			boolParam("BlockPublicAcls", "Whether Amazon S3 blocks public ACLs for this bucket and its objects."),
			boolParam("BlockPublicPolicy", "Whether Amazon S3 rejects bucket policies that allow public access."),
			withPattern(required("BucketName", "The name of the S3 bucket (not the ARN)."), bucketNamePattern),
			boolParam("IgnorePublicAcls", "Whether Amazon S3 ignores public ACLs on this bucket and its objects."),
			boolParam("RestrictPublicBuckets", "Whether Amazon S3 restricts access to a bucket with a public policy to AWS services and the account."),
		},
		steps: []nativeStep{
			{
				name: "PutBucketPublicAccessBlock",
				run: func(ctx context.Context, c *call) error {
					return putPublicAccessBlock(ctx, c.cfg, c.p.str("BucketName"), settings(c))
				},
			},
			{
				name: "GetBucketPublicAccessBlock",
				run: func(ctx context.Context, c *call) error {
					out, err := s3Client(c.cfg).GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: aws.String(c.p.str("BucketName"))})
					if err != nil {
						return err
					}
					got, want := out.PublicAccessBlockConfiguration, settings(c)
					if got == nil || aws.ToBool(got.BlockPublicAcls) != aws.ToBool(want.BlockPublicAcls) ||
						aws.ToBool(got.IgnorePublicAcls) != aws.ToBool(want.IgnorePublicAcls) ||
						aws.ToBool(got.BlockPublicPolicy) != aws.ToBool(want.BlockPublicPolicy) ||
						aws.ToBool(got.RestrictPublicBuckets) != aws.ToBool(want.RestrictPublicBuckets) {
						return fmt.Errorf("the bucket's public access block does not match the parameters (BlockPublicAcls %t, IgnorePublicAcls %t, BlockPublicPolicy %t, RestrictPublicBuckets %t)",
							aws.ToBool(want.BlockPublicAcls), aws.ToBool(want.IgnorePublicAcls), aws.ToBool(want.BlockPublicPolicy), aws.ToBool(want.RestrictPublicBuckets))
					}
					return nil
				},
			},
		},
	}
}

// configureS3BucketVersioning is AWS-ConfigureS3BucketVersioning
// (https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-configures3bucketversioning.html).
func configureS3BucketVersioning() *native {
	return &native{
		name: "AWS-ConfigureS3BucketVersioning",
		params: []Parameter{
			roleParam(false),
			withPattern(required("BucketName", "The name of the Amazon S3 bucket you want to configure versioning for."), bucketNamePattern),
			optional("VersioningState", TypeString, "Enabled",
				"Enabled gives every object added a unique version ID; Suspended stops versioning.", "Enabled", "Suspended"),
		},
		steps: []nativeStep{{
			name: "ConfigureVersioning",
			run: func(ctx context.Context, c *call) error {
				_, err := s3Client(c.cfg).PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
					Bucket: aws.String(c.p.str("BucketName")),
					VersioningConfiguration: &types.VersioningConfiguration{
						Status:    types.BucketVersioningStatus(c.p.str("VersioningState")),
						MFADelete: types.MFADeleteDisabled,
					},
				})
				return err
			},
		}},
	}
}

// configureS3BucketLogging is AWS-ConfigureS3BucketLogging
// (https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-configures3bucketlogging.html):
// server access logging to TargetBucket under TargetPrefix, with one grant
// on the log files.
func configureS3BucketLogging() *native {
	return &native{
		name: "AWS-ConfigureS3BucketLogging",
		params: []Parameter{
			roleParam(false),
			withPattern(required("BucketName", "The name of the Amazon S3 bucket for which you want to configure logging."), bucketNamePattern),
			{Name: "GrantedPermission", Type: TypeString, Required: true, AllowedValues: []string{"FULL_CONTROL", "READ", "WRITE"},
				Description: "Logging permissions assigned to the grantee for the bucket."},
			optional("GranteeEmailAddress", TypeString, "", "Email address of the grantee."),
			optional("GranteeId", TypeString, "", "The canonical user ID of the grantee."),
			{Name: "GranteeType", Type: TypeString, Required: true, AllowedValues: []string{"CanonicalUser", "AmazonCustomerByEmail", "Group"},
				Description: "Type of grantee."},
			optional("GranteeUri", TypeString, "", "URI of the grantee group."),
			withPattern(required("TargetBucket", "The bucket where Amazon S3 stores the server access logs."), bucketNamePattern),
			optional("TargetPrefix", TypeString, "/", "A prefix for the keys under which the log files are stored."),
		},
		steps: []nativeStep{{
			name: "ConfigureS3BucketLogging",
			run: func(ctx context.Context, c *call) error {
				grantee := &types.Grantee{Type: types.Type(c.p.str("GranteeType"))}
				if v := c.p.str("GranteeId"); v != "" {
					grantee.ID = aws.String(v)
				}
				if v := c.p.str("GranteeEmailAddress"); v != "" {
					grantee.EmailAddress = aws.String(v)
				}
				if v := c.p.str("GranteeUri"); v != "" {
					grantee.URI = aws.String(v)
				}
				_, err := s3Client(c.cfg).PutBucketLogging(ctx, &s3.PutBucketLoggingInput{
					Bucket: aws.String(c.p.str("BucketName")),
					BucketLoggingStatus: &types.BucketLoggingStatus{LoggingEnabled: &types.LoggingEnabled{
						TargetBucket: aws.String(c.p.str("TargetBucket")),
						TargetPrefix: aws.String(c.p.str("TargetPrefix")),
						TargetGrants: []types.TargetGrant{{
							Grantee:    grantee,
							Permission: types.BucketLogsPermission(c.p.str("GrantedPermission")),
						}},
					}},
				})
				return err
			},
		}},
	}
}

// withPattern sets p's AllowedPattern.
func withPattern(p Parameter, pattern string) Parameter {
	p.AllowedPattern = pattern
	return p
}
