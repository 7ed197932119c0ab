package recorder

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/configd/configd"
)

func init() { register(snsTopics{}) }

// snsTopics discovers AWS::SNS::Topic, recorded (like AWS::SQS::Queue) in
// the shape of its CloudFormation resource: TopicArn (also the resource
// id), TopicName, DisplayName, KmsMasterKeyId (read by the managed rule
// sns-encrypted-kms), FifoTopic, ContentBasedDeduplication, Subscription and
// Tags. The subscription counters of GetTopicAttributes are left out.
type snsTopics struct{}

func (snsTopics) ResourceType() string { return "AWS::SNS::Topic" }
func (snsTopics) Global() bool         { return false }

func (d snsTopics) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := sns.NewFromConfig(cfg)
	p := sns.NewListTopicsPaginator(client, &sns.ListTopicsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list topics: %w", err)
		}
		if err := emitEach(len(page.Topics), func(i int) (*configd.ConfigurationItem, error) {
			return d.item(ctx, client, scope, str(page.Topics[i].TopicArn))
		}, emit); err != nil {
			return err
		}
	}
	return nil
}

func (d snsTopics) item(ctx context.Context, client *sns.Client, scope configd.Scope, arn string) (*configd.ConfigurationItem, error) {
	out, err := client.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if isCode(err, "NotFound") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get topic attributes %s: %w", arn, err)
	}
	a := out.Attributes
	name := resourceNameFromARN(arn)
	ci := newItem(d.ResourceType(), arn, name, arn, scope.Region, azNotApplicable)
	tags, err := client.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: &arn})
	if err != nil {
		return nil, fmt.Errorf("list tags for %s: %w", arn, err)
	}
	ci.Tags = tagMap(tags.Tags, func(t snstypes.Tag) (*string, *string) { return t.Key, t.Value })

	subs := []any{}
	sp := sns.NewListSubscriptionsByTopicPaginator(client, &sns.ListSubscriptionsByTopicInput{TopicArn: &arn})
	for sp.HasMorePages() {
		page, err := sp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list subscriptions of %s: %w", arn, err)
		}
		for _, s := range page.Subscriptions {
			subs = append(subs, map[string]any{"Endpoint": str(s.Endpoint), "Protocol": str(s.Protocol)})
		}
	}
	sortByJSON(subs)

	conf := map[string]any{"TopicArn": arn, "TopicName": name, "Subscription": subs, "Tags": cfnTags(ci.Tags)}
	for _, k := range []string{"DisplayName", "KmsMasterKeyId", "SignatureVersion", "TracingConfig"} {
		if v, ok := a[k]; ok && v != "" {
			conf[k] = v
		}
	}
	for _, k := range []string{"FifoTopic", "ContentBasedDeduplication"} {
		if b, err := strconv.ParseBool(a[k]); err == nil {
			conf[k] = b
		}
	}
	var archive any
	if json.Unmarshal([]byte(a["ArchivePolicy"]), &archive) == nil {
		conf["ArchivePolicy"] = archive
	}
	ci.Configuration = encode(conf)
	return ci, nil
}
