package recorder

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/configd/configd"
)

func init() { register(logGroups{}) }

// logGroups discovers AWS::Logs::LogGroup in the shape of its CloudFormation
// resource (AWS::Logs::LogGroup properties, PascalCase, typed values), as
// AWS Config records the types it added from the CloudFormation registry
// (compare AWS::SQS::Queue and AWS::SNS::Topic):
//
//	resourceId = resourceName = the log group name,
//	arn "arn:aws:logs:<region>:<account>:log-group:<name>" (no ":*"),
//	availabilityZone "Not Applicable",
//	configuration {"LogGroupName","Arn","RetentionInDays","KmsKeyId",
//	  "LogGroupClass","DeletionProtectionEnabled","Tags":[{"Key","Value"}]}
//
// Verified: the resource id is the log group name. Amazon's integration
// test of the managed rule CW_LOGGROUP_RETENTION_PERIOD_CHECK (a test stack
// of critter, the AWS Config rule integration tester, Apache-2.0, for the
// rule "managed-cw-loggroup-retention-period") lists the resource ids it
// expects the rule to report as `!Sub "${CompliantLogGroup}"`, the group's
// Ref, which CloudFormation documents as the log group name; the
// CloudFormation schema
// (aws-cloudformation/aws-cloudformation-resource-providers-logs,
// aws-logs-loggroup/aws-logs-loggroup.json) names LogGroupName as the
// primary identifier.
//
// Derived (no AWS Config log group item was found to confirm them):
//   - the configuration keys, from the CloudFormation schema's property
//     names; Arn is CloudFormation's Fn::GetAtt Arn, which like
//     DescribeLogGroups' arn ends in ":*"; only the keys whose value is set
//     are written, except Tags (always a list, sorted by key);
//   - the item's ARN, the log group ARN without ":*" (DescribeLogGroups'
//     logGroupArn, the form ListTagsForResource and IAM take);
//   - availabilityZone "Not Applicable", as for the other regional types.
//
// Not recorded: DataProtectionPolicy (it needs GetDataProtectionPolicy per
// group; DescribeLogGroups gives only its status), FieldIndexPolicies and
// the resource policy, and the volatile counters storedBytes and
// metricFilterCount, so that an unchanged group gives byte-identical
// configuration.
type logGroups struct{}

func (logGroups) ResourceType() string { return "AWS::Logs::LogGroup" }
func (logGroups) Global() bool         { return false }

func (d logGroups) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := cloudwatchlogs.NewFromConfig(cfg)
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(client, &cloudwatchlogs.DescribeLogGroupsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe log groups: %w", err)
		}
		if err := emitEach(len(page.LogGroups), func(i int) (*configd.ConfigurationItem, error) {
			return d.item(ctx, client, scope, &page.LogGroups[i])
		}, emit); err != nil {
			return err
		}
	}
	return nil
}

// logGroupARN returns the ARN of the log group without the ":*" suffix
// DescribeLogGroups' arn carries.
func logGroupARN(scope configd.Scope, g *logstypes.LogGroup) string {
	if a := str(g.LogGroupArn); a != "" {
		return a
	}
	if a := str(g.Arn); a != "" {
		return strings.TrimSuffix(a, ":*")
	}
	return scope.ARN("logs", "log-group:"+str(g.LogGroupName))
}

func (d logGroups) item(ctx context.Context, client *cloudwatchlogs.Client, scope configd.Scope, g *logstypes.LogGroup) (*configd.ConfigurationItem, error) {
	name := str(g.LogGroupName)
	if name == "" {
		return nil, nil
	}
	arn := logGroupARN(scope, g)
	tags, err := client.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: &arn})
	if isCode(err, "ResourceNotFoundException") {
		// Deleted since it was listed.
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list tags for log group %s: %w", name, err)
	}
	return logGroupItem(d.ResourceType(), scope, g, arn, tags.Tags), nil
}

// logGroupItem builds the item of a DescribeLogGroups element and its tags.
func logGroupItem(resourceType string, scope configd.Scope, g *logstypes.LogGroup, arn string, tags map[string]string) *configd.ConfigurationItem {
	name := str(g.LogGroupName)
	ci := newItem(resourceType, name, name, arn, scope.Region, azNotApplicable)
	if g.CreationTime != nil {
		ci.ResourceCreationTime = time.UnixMilli(*g.CreationTime).UTC()
	}
	for k, v := range tags {
		ci.Tags[k] = v
	}
	cfnArn := str(g.Arn)
	if cfnArn == "" {
		cfnArn = arn + ":*"
	}
	conf := map[string]any{"LogGroupName": name, "Arn": cfnArn, "Tags": cfnTags(ci.Tags)}
	if g.RetentionInDays != nil {
		conf["RetentionInDays"] = int64(*g.RetentionInDays)
	}
	if k := str(g.KmsKeyId); k != "" {
		conf["KmsKeyId"] = k
	}
	if g.LogGroupClass != "" {
		conf["LogGroupClass"] = string(g.LogGroupClass)
	}
	if g.DeletionProtectionEnabled != nil {
		conf["DeletionProtectionEnabled"] = *g.DeletionProtectionEnabled
	}
	ci.Configuration = encode(conf)
	finish(ci)
	return ci
}
