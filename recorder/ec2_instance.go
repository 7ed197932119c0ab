package recorder

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/configd/configd"
)

func init() { register(instances{}) }

// instances discovers AWS::EC2::Instance: the DescribeInstances element with
// lowerCamel keys and the relationships of the instance item in
// https://docs.aws.amazon.com/config/latest/developerguide/example-sns-notification.html.
// Terminated instances are not recorded (they are deleted).
type instances struct{}

func (instances) ResourceType() string { return "AWS::EC2::Instance" }
func (instances) Global() bool         { return false }

func (d instances) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	p := ec2.NewDescribeInstancesPaginator(ec2.NewFromConfig(cfg), &ec2.DescribeInstancesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe instances: %w", err)
		}
		for _, r := range page.Reservations {
			for i := range r.Instances {
				in := &r.Instances[i]
				if in.State != nil && in.State.Name == ec2types.InstanceStateNameTerminated {
					continue
				}
				if err := emit(d.item(scope, in)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (d instances) item(scope configd.Scope, in *ec2types.Instance) *configd.ConfigurationItem {
	id := str(in.InstanceId)
	az := ""
	if in.Placement != nil {
		az = str(in.Placement.AvailabilityZone)
	}
	ci := newItem(d.ResourceType(), id, "", scope.ARN("ec2", "instance/"+id), scope.Region, az)
	ci.ResourceCreationTime = timeOf(in.LaunchTime)
	ci.Tags = tagMap(in.Tags, ec2Tag)
	for _, g := range in.SecurityGroups {
		relate(ci, "Is associated with SecurityGroup", "AWS::EC2::SecurityGroup", str(g.GroupId), "")
	}
	for _, n := range in.NetworkInterfaces {
		relate(ci, "Contains NetworkInterface", "AWS::EC2::NetworkInterface", str(n.NetworkInterfaceId), "")
	}
	for _, b := range in.BlockDeviceMappings {
		if b.Ebs != nil {
			relate(ci, "Is attached to Volume", "AWS::EC2::Volume", str(b.Ebs.VolumeId), "")
		}
	}
	relate(ci, "Is contained in Subnet", "AWS::EC2::Subnet", str(in.SubnetId), "")
	relate(ci, "Is contained in Vpc", "AWS::EC2::VPC", str(in.VpcId), "")

	conf := object(in)
	for _, k := range []string{"tags", "securityGroups", "networkInterfaces", "blockDeviceMappings", "productCodes"} {
		sortField(conf, k)
	}
	ci.Configuration = encode(conf)
	finish(ci)
	return ci
}
