package recorder

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/configd/configd"
)

func init() { register(subnets{}) }

// subnets discovers AWS::EC2::Subnet: the DescribeSubnets element with
// lowerCamel keys; a subnet "Is contained in Vpc".
type subnets struct{}

func (subnets) ResourceType() string { return "AWS::EC2::Subnet" }
func (subnets) Global() bool         { return false }

func (d subnets) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	p := ec2.NewDescribeSubnetsPaginator(ec2.NewFromConfig(cfg), &ec2.DescribeSubnetsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe subnets: %w", err)
		}
		for i := range page.Subnets {
			if err := emit(d.item(scope, &page.Subnets[i])); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d subnets) item(scope configd.Scope, s *ec2types.Subnet) *configd.ConfigurationItem {
	id := str(s.SubnetId)
	arn := str(s.SubnetArn)
	if arn == "" {
		arn = scope.ARN("ec2", "subnet/"+id)
	}
	ci := newItem(d.ResourceType(), id, "", arn, scope.Region, str(s.AvailabilityZone))
	ci.Tags = tagMap(s.Tags, ec2Tag)
	relate(ci, "Is contained in Vpc", "AWS::EC2::VPC", str(s.VpcId), "")
	// availableIpAddressCount moves with every instance launched in the
	// subnet; it is usage, not configuration.
	conf := object(s, "availableIpAddressCount")
	sortField(conf, "tags")
	sortField(conf, "ipv6CidrBlockAssociationSet")
	ci.Configuration = encode(conf)
	finish(ci)
	return ci
}
