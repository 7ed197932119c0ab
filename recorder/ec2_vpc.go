package recorder

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/configd/configd"
)

func init() { register(vpcs{}) }

// vpcs discovers AWS::EC2::VPC: the DescribeVpcs element with lowerCamel
// keys. A VPC "Contains" each of its subnets, security groups, instances,
// network interfaces and route tables, found with one extra sweep of each
// (the names as AWS Config's VPC items carry them; docs/ci-formats.md).
type vpcs struct{}

func (vpcs) ResourceType() string { return "AWS::EC2::VPC" }
func (vpcs) Global() bool         { return false }

func (d vpcs) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := ec2.NewFromConfig(cfg)
	contained, err := vpcContents(ctx, client)
	if err != nil {
		return err
	}
	return ec2Items(ctx, ec2.NewDescribeVpcsPaginator(client, &ec2.DescribeVpcsInput{}), "describe vpcs",
		func(page *ec2.DescribeVpcsOutput) []ec2types.Vpc { return page.Vpcs },
		func(v *ec2types.Vpc) error { return emit(d.item(scope, v, contained[str(v.VpcId)])) })
}

// vpcContents returns the "Contains" relationships of every VPC, by VPC
// id: ids only, from one paginated sweep of each contained type.
func vpcContents(ctx context.Context, client *ec2.Client) (map[string][]configd.Relationship, error) {
	contained := map[string][]configd.Relationship{}
	add := func(vpc *string, typ, id string) {
		if vpc == nil || *vpc == "" || id == "" {
			return
		}
		contained[*vpc] = append(contained[*vpc], configd.Relationship{
			RelationshipName: "Contains " + strings.TrimPrefix(typ, "AWS::EC2::"), ResourceType: typ, ResourceID: id})
	}
	err := ec2Pages(ctx, ec2.NewDescribeSubnetsPaginator(client, &ec2.DescribeSubnetsInput{}), "describe subnets",
		func(page *ec2.DescribeSubnetsOutput) {
			for _, s := range page.Subnets {
				add(s.VpcId, "AWS::EC2::Subnet", str(s.SubnetId))
			}
		})
	if err == nil {
		err = ec2Pages(ctx, ec2.NewDescribeSecurityGroupsPaginator(client, &ec2.DescribeSecurityGroupsInput{}), "describe security groups",
			func(page *ec2.DescribeSecurityGroupsOutput) {
				for _, g := range page.SecurityGroups {
					add(g.VpcId, "AWS::EC2::SecurityGroup", str(g.GroupId))
				}
			})
	}
	if err == nil {
		var ps []placed
		ps, err = instancesAndInterfaces(ctx, client)
		for _, p := range ps {
			add(&p.vpc, p.typ, p.id)
		}
	}
	if err == nil {
		err = ec2Pages(ctx, ec2.NewDescribeRouteTablesPaginator(client, &ec2.DescribeRouteTablesInput{}), "describe route tables",
			func(page *ec2.DescribeRouteTablesOutput) {
				for _, t := range page.RouteTables {
					add(t.VpcId, "AWS::EC2::RouteTable", str(t.RouteTableId))
				}
			})
	}
	if err != nil {
		return nil, err
	}
	return contained, nil
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

// placed is an instance or a network interface and where it is: its VPC
// and subnet.
type placed struct{ typ, id, vpc, subnet string }

// instancesAndInterfaces sweeps the instances (not terminated ones, which
// are no longer in a VPC nor recorded; ec2_instance.go) and the network
// interfaces of the region, for the "Contains" relationships of VPCs and
// subnets.
func instancesAndInterfaces(ctx context.Context, client *ec2.Client) ([]placed, error) {
	var out []placed
	err := ec2Pages(ctx, ec2.NewDescribeInstancesPaginator(client, &ec2.DescribeInstancesInput{}), "describe instances",
		func(page *ec2.DescribeInstancesOutput) {
			for _, r := range page.Reservations {
				for _, in := range r.Instances {
					if in.State != nil && in.State.Name == ec2types.InstanceStateNameTerminated {
						continue
					}
					out = append(out, placed{"AWS::EC2::Instance", str(in.InstanceId), str(in.VpcId), str(in.SubnetId)})
				}
			}
		})
	if err != nil {
		return nil, err
	}
	err = ec2Pages(ctx, ec2.NewDescribeNetworkInterfacesPaginator(client, &ec2.DescribeNetworkInterfacesInput{}), "describe network interfaces",
		func(page *ec2.DescribeNetworkInterfacesOutput) {
			for _, n := range page.NetworkInterfaces {
				out = append(out, placed{"AWS::EC2::NetworkInterface", str(n.NetworkInterfaceId), str(n.VpcId), str(n.SubnetId)})
			}
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ec2Pager is what the EC2 client's paginators have in common.
type ec2Pager[O any] interface {
	HasMorePages() bool
	NextPage(ctx context.Context, optFns ...func(*ec2.Options)) (O, error)
}

// ec2Items calls fn with each element of every page of p, elems picking a
// page's list; what names the call in errors.
func ec2Items[O, E any](ctx context.Context, p ec2Pager[O], what string, elems func(O) []E, fn func(*E) error) error {
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		list := elems(page)
		for i := range list {
			if err := fn(&list[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// ec2Pages calls fn with every page of p; what names the call in errors.
func ec2Pages[O any](ctx context.Context, p ec2Pager[O], what string, fn func(O)) error {
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		fn(page)
	}
	return nil
}
