package recorder

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/configd/configd"
)

// The bucket sub-resources read here are recorded in the shapes of AWS
// Config's S3 bucket items, which serialize the AWS SDK for Java v1 S3 model
// (BucketNotificationConfiguration, BucketReplicationConfiguration, ...).
// Sources, for each key (details in docs/ci-formats.md):
//   - AWS Config items recorded in Cloud Custodian's tests
//     (tests/data/config/s3-rep-and-notify.json, s3-website.json,
//     s3-website-redirect.json), read by c7n/resources/s3.py ConfigS3;
//   - awslabs/aws-config-resource-schema,
//     config/properties/resource-types/AWS::S3::Bucket.properties.json;
//   - moto's AWS Config rendering of buckets (moto/s3/models.py,
//     FakeBucket.to_config_dict).

// s3Notification records BucketNotificationConfiguration, which AWS Config
// items always carry: {"configurations":{}} when the bucket sends no event
// notifications, else one entry per notification keyed by its id:
//
//	{"type":"QueueConfiguration","queueARN":...,"events":[...],"objectPrefixes":[],
//	 "filter":{"s3KeyFilter":{"filterRules":[{"name":"Prefix","value":"images/"}]}}}
//
// with "topicARN" for TopicConfiguration and "functionARN" for
// LambdaConfiguration. Events and filter rules are sorted. EventBridge
// delivery is not recorded: no AWS Config item showing it was found.
func s3Notification(ctx context.Context, c *s3.Client, bucket *string, sup map[string]string, _ *configd.ConfigurationItem) error {
	out, err := c.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: bucket})
	if err != nil {
		return fmt.Errorf("get bucket notification configuration: %w", err)
	}
	confs := map[string]any{}
	add := func(typ, arnKey string, id, arn *string, events []s3types.Event, filter *s3types.NotificationConfigurationFilter) {
		key := str(id)
		if key == "" {
			// S3 names every configuration; keep an unnamed one under a
			// key of its own all the same.
			key = fmt.Sprintf("%s-%d", typ, len(confs))
		}
		confs[key] = map[string]any{
			"type":           typ,
			arnKey:           arn,
			"events":         s3Events(events),
			"objectPrefixes": []any{},
			"filter":         s3NotificationFilter(filter),
		}
	}
	for _, q := range out.QueueConfigurations {
		add("QueueConfiguration", "queueARN", q.Id, q.QueueArn, q.Events, q.Filter)
	}
	for _, t := range out.TopicConfigurations {
		add("TopicConfiguration", "topicARN", t.Id, t.TopicArn, t.Events, t.Filter)
	}
	for _, l := range out.LambdaFunctionConfigurations {
		add("LambdaConfiguration", "functionARN", l.Id, l.LambdaFunctionArn, l.Events, l.Filter)
	}
	sup["BucketNotificationConfiguration"] = encode(map[string]any{"configurations": confs})
	return nil
}

func s3Events(events []s3types.Event) []string {
	out := make([]string, 0, len(events))
	for _, e := range events {
		out = append(out, string(e))
	}
	sort.Strings(out)
	return out
}

// s3NotificationFilter is a notification's key filter, or nil.
func s3NotificationFilter(f *s3types.NotificationConfigurationFilter) any {
	if f == nil || f.Key == nil {
		return nil
	}
	rules := make([]any, 0, len(f.Key.FilterRules))
	for _, r := range f.Key.FilterRules {
		rules = append(rules, map[string]any{"name": string(r.Name), "value": r.Value})
	}
	sortByJSON(rules)
	return map[string]any{"s3KeyFilter": map[string]any{"filterRules": rules}}
}

// s3Replication records BucketReplicationConfiguration when the bucket has
// one: {"roleARN":...,"rules":{id:{"prefix","status","destinationConfig":
// {"bucketARN","storageClass","Account"}}}}. AWS Config keys the rules by
// their id and writes the destination account as "Account" (capitalized, as
// in the recorded item); it is left out when the rule names none. A bucket
// whose versioning was never enabled cannot have a replication
// configuration (S3 requires versioning for PutBucketReplication), so it is
// not asked: this reader runs after s3Versioning.
func s3Replication(ctx context.Context, c *s3.Client, bucket *string, sup map[string]string, _ *configd.ConfigurationItem) error {
	var v struct {
		Status string `json:"status"`
	}
	if s, ok := sup["BucketVersioningConfiguration"]; ok && json.Unmarshal([]byte(s), &v) == nil && v.Status == "Off" {
		return nil
	}
	out, err := c.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: bucket})
	if isCode(err, "ReplicationConfigurationNotFoundError") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get bucket replication: %w", err)
	}
	rc := out.ReplicationConfiguration
	if rc == nil {
		return nil
	}
	rules := map[string]any{}
	for i, r := range rc.Rules {
		dest := map[string]any{"bucketARN": nil, "storageClass": nil}
		if d := r.Destination; d != nil {
			dest["bucketARN"] = d.Bucket
			if d.StorageClass != "" {
				dest["storageClass"] = string(d.StorageClass)
			}
			if d.Account != nil {
				dest["Account"] = *d.Account
			}
		}
		id := str(r.ID)
		if id == "" {
			id = fmt.Sprintf("rule-%d", i)
		}
		rules[id] = map[string]any{"prefix": r.Prefix, "status": string(r.Status), "destinationConfig": dest}
	}
	sup["BucketReplicationConfiguration"] = encode(map[string]any{"roleARN": rc.Role, "rules": rules})
	return nil
}

// s3Accelerate records BucketAccelerateConfiguration, which AWS Config items
// always carry: {"status":null} for a bucket that never had transfer
// acceleration, else "Enabled" or "Suspended".
func s3Accelerate(ctx context.Context, c *s3.Client, bucket *string, sup map[string]string, _ *configd.ConfigurationItem) error {
	out, err := c.GetBucketAccelerateConfiguration(ctx, &s3.GetBucketAccelerateConfigurationInput{Bucket: bucket})
	if err != nil {
		return fmt.Errorf("get bucket accelerate configuration: %w", err)
	}
	var status any
	if out.Status != "" {
		status = string(out.Status)
	}
	sup["BucketAccelerateConfiguration"] = encode(map[string]any{"status": status})
	return nil
}

// s3Website records BucketWebsiteConfiguration when the bucket hosts a
// website: {"indexDocumentSuffix","errorDocument","redirectAllRequestsTo",
// "routingRules"}; redirects have the five members of a redirect rule
// (protocol, hostName, replaceKeyPrefixWith, replaceKeyWith,
// httpRedirectCode), nulls when unset. Routing rules keep their order,
// which S3 applies.
func s3Website(ctx context.Context, c *s3.Client, bucket *string, sup map[string]string, _ *configd.ConfigurationItem) error {
	out, err := c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: bucket})
	if isCode(err, "NoSuchWebsiteConfiguration") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get bucket website: %w", err)
	}
	conf := map[string]any{"indexDocumentSuffix": nil, "errorDocument": nil, "redirectAllRequestsTo": nil, "routingRules": []any{}}
	if out.IndexDocument != nil {
		conf["indexDocumentSuffix"] = out.IndexDocument.Suffix
	}
	if out.ErrorDocument != nil {
		conf["errorDocument"] = out.ErrorDocument.Key
	}
	if r := out.RedirectAllRequestsTo; r != nil {
		conf["redirectAllRequestsTo"] = s3Redirect(r.Protocol, r.HostName, nil, nil, nil)
	}
	rules := []any{}
	for _, rr := range out.RoutingRules {
		var cond, redirect any
		if k := rr.Condition; k != nil {
			cond = map[string]any{"keyPrefixEquals": k.KeyPrefixEquals, "httpErrorCodeReturnedEquals": k.HttpErrorCodeReturnedEquals}
		}
		if r := rr.Redirect; r != nil {
			redirect = s3Redirect(r.Protocol, r.HostName, r.ReplaceKeyPrefixWith, r.ReplaceKeyWith, r.HttpRedirectCode)
		}
		rules = append(rules, map[string]any{"condition": cond, "redirect": redirect})
	}
	conf["routingRules"] = rules
	sup["BucketWebsiteConfiguration"] = encode(conf)
	return nil
}

func s3Redirect(protocol s3types.Protocol, host, keyPrefix, key, code *string) map[string]any {
	var p any
	if protocol != "" {
		p = string(protocol)
	}
	return map[string]any{"protocol": p, "hostName": host, "replaceKeyPrefixWith": keyPrefix, "replaceKeyWith": key, "httpRedirectCode": code}
}

// s3RequesterPays records IsRequesterPaysEnabled, which AWS Config items
// always carry: the JSON text true when the requester pays, false when the
// bucket owner does (or the answer names no payer).
func s3RequesterPays(ctx context.Context, c *s3.Client, bucket *string, sup map[string]string, _ *configd.ConfigurationItem) error {
	out, err := c.GetBucketRequestPayment(ctx, &s3.GetBucketRequestPaymentInput{Bucket: bucket})
	if err != nil {
		return fmt.Errorf("get bucket request payment: %w", err)
	}
	sup["IsRequesterPaysEnabled"] = encode(out.Payer == s3types.PayerRequester)
	return nil
}
