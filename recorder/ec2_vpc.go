package recorder

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/configd/configd"
)

func init() { register(vpcs{}) }

// vpcs discovers AWS::EC2::VPC: the DescribeVpcs element with lowerCamel
// keys. A VPC "Contains Subnet" and "Contains SecurityGroup" for each of its
// subnets and security groups, found with one extra sweep of each.
type vpcs struct{}

func (vpcs) ResourceType() string { return "AWS::EC2::VPC" }
func (vpcs) Global() bool         { return false }

func (d vpcs) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := ec2.NewFromConfig(cfg)
	// Containment: ids only, grouped by VPC.
	contained := map[string][]configd.Relationship{}
	sp := ec2.NewDescribeSubnetsPaginator(client, &ec2.DescribeSubnetsInput{})
	for sp.HasMorePages() {
		page, err := sp.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe subnets: %w", err)
		}
		for _, s := range page.Subnets {
			contained[str(s.VpcId)] = append(contained[str(s.VpcId)], configd.Relationship{
				RelationshipName: "Contains Subnet", ResourceType: "AWS::EC2::Subnet", ResourceID: str(s.SubnetId)})
		}
	}
	gp := ec2.NewDescribeSecurityGroupsPaginator(client, &ec2.DescribeSecurityGroupsInput{})
	for gp.HasMorePages() {
		page, err := gp.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe security groups: %w", err)
		}
		for _, g := range page.SecurityGroups {
			if g.VpcId == nil {
				continue
			}
			contained[*g.VpcId] = append(contained[*g.VpcId], configd.Relationship{
				RelationshipName: "Contains SecurityGroup", ResourceType: "AWS::EC2::SecurityGroup", ResourceID: str(g.GroupId)})
		}
	}
	p := ec2.NewDescribeVpcsPaginator(client, &ec2.DescribeVpcsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe vpcs: %w", err)
		}
		for i := range page.Vpcs {
			v := &page.Vpcs[i]
			if err := emit(d.item(scope, v, contained[str(v.VpcId)])); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d vpcs) item(scope configd.Scope, v *ec2types.Vpc, rels []configd.Relationship) *configd.ConfigurationItem {
	id := str(v.VpcId)
	ci := newItem(d.ResourceType(), id, "", scope.ARN("ec2", "vpc/"+id), scope.Region, azMultiple)
	ci.Tags = tagMap(v.Tags, ec2Tag)
	ci.Relationships = append(ci.Relationships, rels...)
	conf := object(v)
	for _, k := range []string{"tags", "cidrBlockAssociationSet", "ipv6CidrBlockAssociationSet"} {
		sortField(conf, k)
	}
	ci.Configuration = encode(conf)
	finish(ci)
	return ci
}
