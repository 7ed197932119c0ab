package recorder

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/configd/configd"
)

func init() { register(securityGroups{}) }

// securityGroups discovers AWS::EC2::SecurityGroup: the DescribeSecurityGroups
// element with lowerCamel keys, as in the security group item of
// https://docs.aws.amazon.com/config/latest/developerguide/example-sns-notification.html.
type securityGroups struct{}

func (securityGroups) ResourceType() string { return "AWS::EC2::SecurityGroup" }
func (securityGroups) Global() bool         { return false }

func (d securityGroups) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	return ec2Items(ctx, ec2.NewDescribeSecurityGroupsPaginator(ec2.NewFromConfig(cfg), &ec2.DescribeSecurityGroupsInput{}), "describe security groups",
		func(page *ec2.DescribeSecurityGroupsOutput) []ec2types.SecurityGroup { return page.SecurityGroups },
		func(g *ec2types.SecurityGroup) error { return emit(d.item(scope, g)) })
}

func (d securityGroups) item(scope configd.Scope, g *ec2types.SecurityGroup) *configd.ConfigurationItem {
	id := str(g.GroupId)
	ci := newItem(d.ResourceType(), id, str(g.GroupName), scope.ARN("ec2", "security-group/"+id), scope.Region, azNotApplicable)
	ci.Tags = tagMap(g.Tags, ec2Tag)
	relate(ci, "Is contained in Vpc", "AWS::EC2::VPC", str(g.VpcId), "")

	conf := object(g, "securityGroupArn")
	sortField(conf, "tags")
	for _, key := range []string{"ipPermissions", "ipPermissionsEgress"} {
		perms, _ := conf[key].([]any)
		for _, p := range perms {
			legacyIPRanges(p.(map[string]any))
		}
		sortByJSON(perms)
	}
	ci.Configuration = encode(conf)
	finish(ci)
	return ci
}

// legacyIPRanges reshapes one ipPermission as AWS Config records it: the
// IPv4 ranges appear twice, as objects under "ipv4Ranges" and as bare CIDR
// strings under "ipRanges" (the older shape that rules such as restricted-ssh
// read).
func legacyIPRanges(perm map[string]any) {
	ranges, _ := perm["ipRanges"].([]any)
	cidrs := make([]any, 0, len(ranges))
	for _, r := range ranges {
		if m, ok := r.(map[string]any); ok {
			cidrs = append(cidrs, m["cidrIp"])
		}
	}
	sortByJSON(ranges)
	sortByJSON(cidrs)
	perm["ipv4Ranges"] = ranges
	perm["ipRanges"] = cidrs
	for _, k := range []string{"ipv6Ranges", "prefixListIds", "userIdGroupPairs"} {
		sortField(perm, k)
	}
}

func ec2Tag(t ec2types.Tag) (*string, *string) { return t.Key, t.Value }
