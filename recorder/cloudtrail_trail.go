package recorder

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/configd/configd"
)

func init() { register(trails{}) }

// trails discovers AWS::CloudTrail::Trail: the DescribeTrails element with
// lowerCamel keys, for the trails whose home region is the scope's region
// (shadow copies of multi-region trails are not recorded again), with the
// tags of ListTags. Resource id and name are the trail name.
type trails struct{}

func (trails) ResourceType() string { return "AWS::CloudTrail::Trail" }
func (trails) Global() bool         { return false }

func (d trails) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := cloudtrail.NewFromConfig(cfg)
	// DescribeTrails is not paginated; a region holds at most a few trails.
	out, err := client.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(false)})
	if err != nil {
		return fmt.Errorf("describe trails: %w", err)
	}
	for i := range out.TrailList {
		t := &out.TrailList[i]
		if home := str(t.HomeRegion); home != "" && home != scope.Region {
			continue
		}
		name := str(t.Name)
		ci := newItem(d.ResourceType(), name, name, str(t.TrailARN), scope.Region, azNotApplicable)
		tp := cloudtrail.NewListTagsPaginator(client, &cloudtrail.ListTagsInput{ResourceIdList: []string{str(t.TrailARN)}})
		for tp.HasMorePages() {
			page, err := tp.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("list tags of trail %q: %w", name, err)
			}
			for _, rt := range page.ResourceTagList {
				for _, tag := range rt.TagsList {
					ci.Tags[str(tag.Key)] = str(tag.Value)
				}
			}
		}
		ci.Configuration = encode(object(t))
		if err := emit(ci); err != nil {
			return err
		}
	}
	return nil
}
