package recorder

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/configd/configd"
)

func init() { register(routeTables{}) }

// routeTables discovers AWS::EC2::RouteTable: the DescribeRouteTables
// element with lowerCamel keys (routeTableId, vpcId, routes, associations,
// propagatingVgws, tags, ownerId), as AWS Config's route table items carry
// it (docs/ci-formats.md). A route table "Is contained in Vpc"; AWS Config
// also relates a table to its subnets and gateways, but under names not
// verified here, so those relationships are not emitted.
type routeTables struct{}

func (routeTables) ResourceType() string { return "AWS::EC2::RouteTable" }
func (routeTables) Global() bool         { return false }

func (d routeTables) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	return ec2Items(ctx, ec2.NewDescribeRouteTablesPaginator(ec2.NewFromConfig(cfg), &ec2.DescribeRouteTablesInput{}), "describe route tables",
		func(page *ec2.DescribeRouteTablesOutput) []ec2types.RouteTable { return page.RouteTables },
		func(t *ec2types.RouteTable) error { return emit(d.item(scope, t)) })
}

// routeTableLists are the lists of a route table element. EC2 documents no
// order for any of them (a route is chosen by longest prefix match, not by
// position), so each is sorted by its JSON encoding: an unchanged table then
// gives byte-identical configuration whatever order DescribeRouteTables
// answers in. Routes end up ordered by their first differing member in key
// order, in practice by destinationCidrBlock (IPv6 and prefix-list routes,
// whose destinationCidrBlock is null, after the IPv4 ones).
var routeTableLists = []string{"routes", "associations", "propagatingVgws", "tags"}

func (d routeTables) item(scope configd.Scope, t *ec2types.RouteTable) *configd.ConfigurationItem {
	id := str(t.RouteTableId)
	// A route table spans the zones of its VPC: AWS Config records it
	// without a zone.
	ci := newItem(d.ResourceType(), id, "", scope.ARN("ec2", "route-table/"+id), scope.Region, azNotApplicable)
	ci.Tags = tagMap(t.Tags, ec2Tag)
	relate(ci, "Is contained in Vpc", "AWS::EC2::VPC", str(t.VpcId), "")
	conf := object(t)
	for _, k := range routeTableLists {
		sortField(conf, k)
	}
	ci.Configuration = encode(conf)
	finish(ci)
	return ci
}
