package recorder

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/configd/configd"
)

func init() { register(volumes{}) }

// volumes discovers AWS::EC2::Volume: the DescribeVolumes element with
// lowerCamel keys; an attached volume "Is attached to Instance" (the volume
// item of https://docs.aws.amazon.com/config/latest/developerguide/example-sns-notification.html).
type volumes struct{}

func (volumes) ResourceType() string { return "AWS::EC2::Volume" }
func (volumes) Global() bool         { return false }

func (d volumes) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	return ec2Items(ctx, ec2.NewDescribeVolumesPaginator(ec2.NewFromConfig(cfg), &ec2.DescribeVolumesInput{}), "describe volumes",
		func(page *ec2.DescribeVolumesOutput) []ec2types.Volume { return page.Volumes },
		func(v *ec2types.Volume) error { return emit(d.item(scope, v)) })
}

func (d volumes) item(scope configd.Scope, v *ec2types.Volume) *configd.ConfigurationItem {
	id := str(v.VolumeId)
	ci := newItem(d.ResourceType(), id, "", scope.ARN("ec2", "volume/"+id), scope.Region, str(v.AvailabilityZone))
	ci.ResourceCreationTime = timeOf(v.CreateTime)
	ci.Tags = tagMap(v.Tags, ec2Tag)
	for _, a := range v.Attachments {
		relate(ci, "Is attached to Instance", "AWS::EC2::Instance", str(a.InstanceId), "")
	}
	conf := object(v)
	sortField(conf, "tags")
	sortField(conf, "attachments")
	ci.Configuration = encode(conf)
	finish(ci)
	return ci
}
