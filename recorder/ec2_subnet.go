package recorder

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/configd/configd"
)

func init() { register(subnets{}) }

// subnets discovers AWS::EC2::Subnet: the DescribeSubnets element with
// lowerCamel keys. A subnet "Is contained in Vpc", "Is attached to
// NetworkAcl" (the ACL associated with it) and "Contains" its instances and
// network interfaces: the names of AWS Config's subnet items
// (docs/ci-formats.md), found with one sweep each of network ACLs,
// instances and network interfaces.
type subnets struct{}

func (subnets) ResourceType() string { return "AWS::EC2::Subnet" }
func (subnets) Global() bool         { return false }

func (d subnets) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := ec2.NewFromConfig(cfg)
	rels, err := subnetRelationships(ctx, client)
	if err != nil {
		return err
	}
	return ec2Items(ctx, ec2.NewDescribeSubnetsPaginator(client, &ec2.DescribeSubnetsInput{}), "describe subnets",
		func(page *ec2.DescribeSubnetsOutput) []ec2types.Subnet { return page.Subnets },
		func(s *ec2types.Subnet) error { return emit(d.item(scope, s, rels[str(s.SubnetId)])) })
}

// subnetRelationships returns the relationships of every subnet other than
// to its VPC, by subnet id.
func subnetRelationships(ctx context.Context, client *ec2.Client) (map[string][]configd.Relationship, error) {
	rels := map[string][]configd.Relationship{}
	add := func(subnet, name, typ, id string) {
		if subnet != "" && id != "" {
			rels[subnet] = append(rels[subnet], configd.Relationship{RelationshipName: name, ResourceType: typ, ResourceID: id})
		}
	}
	err := ec2Pages(ctx, ec2.NewDescribeNetworkAclsPaginator(client, &ec2.DescribeNetworkAclsInput{}), "describe network acls",
		func(page *ec2.DescribeNetworkAclsOutput) {
			for _, acl := range page.NetworkAcls {
				for _, a := range acl.Associations {
					add(str(a.SubnetId), "Is attached to NetworkAcl", "AWS::EC2::NetworkAcl", str(acl.NetworkAclId))
				}
			}
		})
	if err != nil {
		return nil, err
	}
	ps, err := instancesAndInterfaces(ctx, client)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		add(p.subnet, "Contains "+strings.TrimPrefix(p.typ, "AWS::EC2::"), p.typ, p.id)
	}
	return rels, nil
}

func (d subnets) item(scope configd.Scope, s *ec2types.Subnet, rels []configd.Relationship) *configd.ConfigurationItem {
	id := str(s.SubnetId)
	arn := str(s.SubnetArn)
	if arn == "" {
		arn = scope.ARN("ec2", "subnet/"+id)
	}
	ci := newItem(d.ResourceType(), id, "", arn, scope.Region, str(s.AvailabilityZone))
	ci.Tags = tagMap(s.Tags, ec2Tag)
	relate(ci, "Is contained in Vpc", "AWS::EC2::VPC", str(s.VpcId), "")
	ci.Relationships = append(ci.Relationships, rels...)
	// availableIpAddressCount moves with every instance launched in the
	// subnet; it is usage, not configuration.
	conf := object(s, "availableIpAddressCount")
	sortField(conf, "tags")
	sortField(conf, "ipv6CidrBlockAssociationSet")
	ci.Configuration = encode(conf)
	finish(ci)
	return ci
}
