package recorder

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/configd/configd"
)

func init() { register(sqsQueues{}) }

// sqsQueues discovers AWS::SQS::Queue. AWS Config records this type in the
// shape of its CloudFormation resource (AWS::SQS::Queue properties, PascalCase,
// typed values; primary identifier QueueUrl), so the resource id is the queue
// URL and the configuration is built from GetQueueAttributes. The
// Approximate* message counters and timestamps are left out.
type sqsQueues struct{}

func (sqsQueues) ResourceType() string { return "AWS::SQS::Queue" }
func (sqsQueues) Global() bool         { return false }

func (d sqsQueues) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := sqs.NewFromConfig(cfg)
	p := sqs.NewListQueuesPaginator(client, &sqs.ListQueuesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list queues: %w", err)
		}
		if err := emitEach(len(page.QueueUrls), func(i int) (*configd.ConfigurationItem, error) {
			return d.item(ctx, client, scope, page.QueueUrls[i])
		}, emit); err != nil {
			return err
		}
	}
	return nil
}

// sqsInts and sqsBools are the queue attributes CloudFormation types as
// numbers and booleans.
var (
	sqsInts = []string{"DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
		"ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "KmsDataKeyReusePeriodSeconds"}
	sqsBools   = []string{"FifoQueue", "ContentBasedDeduplication", "SqsManagedSseEnabled"}
	sqsStrings = []string{"KmsMasterKeyId", "DeduplicationScope", "FifoThroughputLimit"}
	sqsJSON    = []string{"RedrivePolicy", "RedriveAllowPolicy"}
)

func (d sqsQueues) item(ctx context.Context, client *sqs.Client, scope configd.Scope, url string) (*configd.ConfigurationItem, error) {
	out, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: &url, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll},
	})
	if isCode(err, "AWS.SimpleQueueService.NonExistentQueue") || isCode(err, "QueueDoesNotExist") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get queue attributes %s: %w", url, err)
	}
	a := out.Attributes
	name := resourceNameFromARN(url)
	ci := newItem(d.ResourceType(), url, name, a["QueueArn"], scope.Region, azNotApplicable)
	if secs, err := strconv.ParseInt(a["CreatedTimestamp"], 10, 64); err == nil {
		ci.ResourceCreationTime = time.Unix(secs, 0).UTC()
	}
	tags, err := client.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: &url})
	if isCode(err, "AWS.SimpleQueueService.NonExistentQueue") || isCode(err, "QueueDoesNotExist") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list queue tags %s: %w", url, err)
	}
	for k, v := range tags.Tags {
		ci.Tags[k] = v
	}
	conf := map[string]any{"QueueUrl": url, "Arn": a["QueueArn"], "QueueName": name, "Tags": cfnTags(ci.Tags)}
	for _, k := range sqsInts {
		if n, err := strconv.ParseInt(a[k], 10, 64); err == nil {
			conf[k] = n
		}
	}
	for _, k := range sqsBools {
		if b, err := strconv.ParseBool(a[k]); err == nil {
			conf[k] = b
		}
	}
	for _, k := range sqsStrings {
		if v, ok := a[k]; ok {
			conf[k] = v
		}
	}
	for _, k := range sqsJSON {
		var v any
		if json.Unmarshal([]byte(a[k]), &v) == nil {
			conf[k] = v
		}
	}
	ci.Configuration = encode(conf)
	return ci, nil
}

// cfnTags renders a tag map as CloudFormation's [{Key, Value}] list, sorted by key.
func cfnTags(tags map[string]string) []any {
	out := make([]any, 0, len(tags))
	for k, v := range tags {
		out = append(out, map[string]any{"Key": k, "Value": v})
	}
	sortByJSON(out)
	return out
}
