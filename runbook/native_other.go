package runbook

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

func otherRunbooks() []*native {
	return []*native{
		enableKeyRotation(),
		enablePITRForDynamoDbTable(),
		encryptSNSTopic(),
		publishSNSNotification(),
	}
}

// enableKeyRotation is AWSConfigRemediation-EnableKeyRotation
// (https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-enable-key-rotation.html).
func enableKeyRotation() *native {
	return &native{
		name: "AWSConfigRemediation-EnableKeyRotation",
		params: []Parameter{
			roleParam(true),
			required("KeyId", "The key ID of the AWS KMS symmetric key."),
		},
		steps: []nativeStep{
			{
				name: "EnableKeyRotation",
				run: func(ctx context.Context, c *call) error {
					_, err := kms.NewFromConfig(c.cfg).EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(c.p.str("KeyId"))})
					return err
				},
			},
			{
				name: "VerifyKeyRotation",
				run: func(ctx context.Context, c *call) error {
					out, err := kms.NewFromConfig(c.cfg).GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String(c.p.str("KeyId"))})
					if err != nil {
						return err
					}
					if !out.KeyRotationEnabled {
						return fmt.Errorf("key rotation of %s is still disabled", c.p.str("KeyId"))
					}
					return nil
				},
			},
		},
	}
}

// enablePITRForDynamoDbTable is AWSConfigRemediation-EnablePITRForDynamoDbTable
// (https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-enable-pitr-ddb.html).
func enablePITRForDynamoDbTable() *native {
	return &native{
		name: "AWSConfigRemediation-EnablePITRForDynamoDbTable",
		params: []Parameter{
			roleParam(true),
			withPattern(required("TableName", "The name of the DynamoDB table to enable point-in-time recovery on."), `^[a-zA-Z0-9_.-]{3,255}$`),
		},
		steps: []nativeStep{
			{
				name: "EnablePITRForDynamoDbTable",
				run: func(ctx context.Context, c *call) error {
					_, err := dynamodb.NewFromConfig(c.cfg).UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{
						TableName:                        aws.String(c.p.str("TableName")),
						PointInTimeRecoverySpecification: &ddbtypes.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)},
					})
					return err
				},
			},
			{
				name: "VerifyPITREnabled",
				run: func(ctx context.Context, c *call) error {
					out, err := dynamodb.NewFromConfig(c.cfg).DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String(c.p.str("TableName"))})
					if err != nil {
						return err
					}
					d := out.ContinuousBackupsDescription
					if d == nil || d.PointInTimeRecoveryDescription == nil || d.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != ddbtypes.PointInTimeRecoveryStatusEnabled {
						return fmt.Errorf("point-in-time recovery of table %s is not ENABLED", c.p.str("TableName"))
					}
					return nil
				},
			},
		},
	}
}

// encryptSNSTopic is AWSConfigRemediation-EncryptSNSTopic
// (https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-encrypt-sns-topic.html).
func encryptSNSTopic() *native {
	return &native{
		name: "AWSConfigRemediation-EncryptSNSTopic",
		params: []Parameter{
			roleParam(true),
			withPattern(required("KmsKeyArn", "The ARN of the AWS KMS customer managed key used to encrypt the topic."), `^arn:aws[a-z0-9-]*:kms:`),
			withPattern(required("TopicArn", "The ARN of the Amazon SNS topic to encrypt."), `^arn:aws[a-z0-9-]*:sns:`),
		},
		steps: []nativeStep{
			{
				name: "EncryptSNSTopic",
				run: func(ctx context.Context, c *call) error {
					_, err := sns.NewFromConfig(c.cfg).SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{
						TopicArn:       aws.String(c.p.str("TopicArn")),
						AttributeName:  aws.String("KmsMasterKeyId"),
						AttributeValue: aws.String(c.p.str("KmsKeyArn")),
					})
					return err
				},
			},
			{
				name: "VerifyTopicEncryption",
				run: func(ctx context.Context, c *call) error {
					out, err := sns.NewFromConfig(c.cfg).GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(c.p.str("TopicArn"))})
					if err != nil {
						return err
					}
					if got := out.Attributes["KmsMasterKeyId"]; got != c.p.str("KmsKeyArn") {
						return fmt.Errorf("topic %s is encrypted with %q, not %s", c.p.str("TopicArn"), got, c.p.str("KmsKeyArn"))
					}
					return nil
				},
			},
		},
	}
}

// publishSNSNotification is AWS-PublishSNSNotification
// (https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-publishsnsnotification.html).
func publishSNSNotification() *native {
	return &native{
		name: "AWS-PublishSNSNotification",
		params: []Parameter{
			roleParam(false),
			required("Message", "The message to include in the SNS notification."),
			withPattern(required("TopicArn", "The ARN of the SNS topic to publish the notification to."), `^arn:aws[a-z0-9-]*:sns:`),
		},
		steps: []nativeStep{{
			name: "PublishSNSNotification",
			run: func(ctx context.Context, c *call) error {
				_, err := sns.NewFromConfig(c.cfg).Publish(ctx, &sns.PublishInput{
					TopicArn: aws.String(c.p.str("TopicArn")),
					Message:  aws.String(c.p.str("Message")),
				})
				return err
			},
		}},
	}
}
