package recorder

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/configd/configd"
)

func init() { register(internetGateways{}) }

// internetGateways discovers AWS::EC2::InternetGateway: the
// DescribeInternetGateways element with lowerCamel keys (internetGatewayId,
// attachments[{state, vpcId}], ownerId, tags), as in this AWS Config item
// (aws-solutions/workload-discovery-on-aws,
// source/backend/functions/api/tests/testHierarchyVPCResource.js;
// docs/ci-formats.md):
//
//	{"attachments":[{"state":"available","vpcId":"vpc-88f114f1"}],
//	 "internetGatewayId":"igw-772c3a10","ownerId":"…","tags":[]}
//
// with ARN arn:aws:ec2:<region>:<account>:internet-gateway/<id> and
// availabilityZone "Multiple Availability Zones". AWS Config relates a
// gateway to the VPC it is attached to, but no AWS Config item showing the
// relationship's name was found, so no relationship is emitted.
type internetGateways struct{}

func (internetGateways) ResourceType() string { return "AWS::EC2::InternetGateway" }
func (internetGateways) Global() bool         { return false }

func (d internetGateways) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	return ec2Items(ctx, ec2.NewDescribeInternetGatewaysPaginator(ec2.NewFromConfig(cfg), &ec2.DescribeInternetGatewaysInput{}),
		"describe internet gateways",
		func(page *ec2.DescribeInternetGatewaysOutput) []ec2types.InternetGateway {
			return page.InternetGateways
		},
		func(g *ec2types.InternetGateway) error { return emit(d.item(scope, g)) })
}

// internetGatewayLists are the lists of a gateway element whose order EC2
// does not define; each is sorted by its JSON encoding (attachments by
// state, then VPC id; tags by key).
var internetGatewayLists = []string{"attachments", "tags"}

func (d internetGateways) item(scope configd.Scope, g *ec2types.InternetGateway) *configd.ConfigurationItem {
	id := str(g.InternetGatewayId)
	// AWS Config records an internet gateway, which serves the whole VPC,
	// in "Multiple Availability Zones" (the item above).
	ci := newItem(d.ResourceType(), id, "", scope.ARN("ec2", "internet-gateway/"+id), scope.Region, azMultiple)
	ci.Tags = tagMap(g.Tags, ec2Tag)
	conf := object(g)
	for _, k := range internetGatewayLists {
		sortField(conf, k)
	}
	ci.Configuration = encode(conf)
	finish(ci)
	return ci
}
