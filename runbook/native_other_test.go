package runbook

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func TestEnableKeyRotation(t *testing.T) {
	env, _ := motoEnv(t)
	r := newRegistry(t)
	ctx := context.Background()
	client := kms.NewFromConfig(env.AWS)
	t.Run("OK", func(t *testing.T) {
		key := must(client.CreateKey(ctx, &kms.CreateKeyInput{})).KeyMetadata.KeyId
		err, log := run(t, r, env, "AWSConfigRemediation-EnableKeyRotation", map[string][]string{"KeyId": {*key}, "AutomationAssumeRole": {testRole}})
		if err != nil {
			t.Fatal(err)
		}
		if got := log.final(); got != "EnableKeyRotation:SUCCEEDED VerifyKeyRotation:SUCCEEDED" {
			t.Fatalf("steps %s", got)
		}
		if !must(client.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: key})).KeyRotationEnabled {
			t.Fatal("rotation still disabled")
		}
	})
	t.Run("ErrNoSuchKey", func(t *testing.T) {
		err, log := run(t, r, env, "AWSConfigRemediation-EnableKeyRotation", map[string][]string{
			"KeyId": {"11111111-2222-3333-4444-555555555555"}, "AutomationAssumeRole": {testRole},
		})
		if err == nil {
			t.Fatal("no error")
		}
		if got := log.final(); got != "EnableKeyRotation:FAILED" {
			t.Fatalf("steps %s", got)
		}
		if msg := log.message("EnableKeyRotation"); !strings.HasPrefix(msg, "NotFoundException: ") {
			t.Fatalf("message %q", msg)
		}
	})
}

func TestEnablePITRForDynamoDbTable(t *testing.T) {
	env, _ := motoEnv(t)
	r := newRegistry(t)
	ctx := context.Background()
	client := dynamodb.NewFromConfig(env.AWS)
	t.Run("OK", func(t *testing.T) {
		table := unique("table")
		must(client.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:            aws.String(table),
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
			BillingMode:          ddbtypes.BillingModePayPerRequest,
		}))
		err, log := run(t, r, env, "AWSConfigRemediation-EnablePITRForDynamoDbTable", map[string][]string{"TableName": {table}, "AutomationAssumeRole": {testRole}})
		if err != nil {
			t.Fatal(err)
		}
		if got := log.final(); got != "EnablePITRForDynamoDbTable:SUCCEEDED VerifyPITREnabled:SUCCEEDED" {
			t.Fatalf("steps %s", got)
		}
		out := must(client.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String(table)}))
		if s := out.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus; s != ddbtypes.PointInTimeRecoveryStatusEnabled {
			t.Fatalf("PITR %s", s)
		}
	})
}

func TestEncryptSNSTopic(t *testing.T) {
	env, _ := motoEnv(t)
	r := newRegistry(t)
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		topic := must(sns.NewFromConfig(env.AWS).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(unique("topic"))})).TopicArn
		key := must(kms.NewFromConfig(env.AWS).CreateKey(ctx, &kms.CreateKeyInput{})).KeyMetadata.Arn
		err, log := run(t, r, env, "AWSConfigRemediation-EncryptSNSTopic", map[string][]string{
			"TopicArn": {*topic}, "KmsKeyArn": {*key}, "AutomationAssumeRole": {testRole},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := log.final(); got != "EncryptSNSTopic:SUCCEEDED VerifyTopicEncryption:SUCCEEDED" {
			t.Fatalf("steps %s", got)
		}
		attrs := must(sns.NewFromConfig(env.AWS).GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: topic})).Attributes
		if attrs["KmsMasterKeyId"] != *key {
			t.Fatalf("KmsMasterKeyId %q", attrs["KmsMasterKeyId"])
		}
	})
}

func TestPublishSNSNotification(t *testing.T) {
	env, _ := motoEnv(t)
	r := newRegistry(t)
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		topic := must(sns.NewFromConfig(env.AWS).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(unique("topic"))})).TopicArn
		q := sqs.NewFromConfig(env.AWS)
		queue := must(q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(unique("queue"))})).QueueUrl
		queueArn := env.Scope.ARN("sqs", (*queue)[strings.LastIndexByte(*queue, '/')+1:])
		must(sns.NewFromConfig(env.AWS).Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic, Protocol: aws.String("sqs"), Endpoint: aws.String(queueArn)}))
		err, log := run(t, r, env, "AWS-PublishSNSNotification", map[string][]string{"TopicArn": {*topic}, "Message": {"bucket fixed"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := log.final(); got != "PublishSNSNotification:SUCCEEDED" {
			t.Fatalf("steps %s", got)
		}
		msgs := must(q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue, MaxNumberOfMessages: 10})).Messages
		if len(msgs) != 1 || !strings.Contains(aws.ToString(msgs[0].Body), "bucket fixed") {
			t.Fatalf("messages %+v", msgs)
		}
	})
}
