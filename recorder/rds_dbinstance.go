package recorder

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/configd/configd"
)

func init() { register(dbInstances{}) }

// dbInstances discovers AWS::RDS::DBInstance: the DescribeDBInstances
// element with lowerCamel keys ("dBInstanceIdentifier", as AWS Config writes
// it), resource id the DbiResourceId, name the instance identifier, and the
// relationships "Is associated with SecurityGroup" and "Is associated with
// DBSubnetGroup". latestRestorableTime moves every few minutes and is left out.
type dbInstances struct{}

func (dbInstances) ResourceType() string { return "AWS::RDS::DBInstance" }
func (dbInstances) Global() bool         { return false }

func (d dbInstances) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	p := rds.NewDescribeDBInstancesPaginator(rds.NewFromConfig(cfg), &rds.DescribeDBInstancesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe db instances: %w", err)
		}
		for i := range page.DBInstances {
			if err := emit(d.item(scope, &page.DBInstances[i])); err != nil {
				return err
			}
		}
	}
	return nil
}

func (d dbInstances) item(scope configd.Scope, db *rdstypes.DBInstance) *configd.ConfigurationItem {
	id := str(db.DbiResourceId)
	if id == "" {
		id = str(db.DBInstanceIdentifier)
	}
	az := str(db.AvailabilityZone)
	if aws.ToBool(db.MultiAZ) {
		az = azMultiple
	}
	ci := newItem(d.ResourceType(), id, str(db.DBInstanceIdentifier), str(db.DBInstanceArn), scope.Region, az)
	ci.ResourceCreationTime = timeOf(db.InstanceCreateTime)
	ci.Tags = tagMap(db.TagList, func(t rdstypes.Tag) (*string, *string) { return t.Key, t.Value })
	for _, g := range db.VpcSecurityGroups {
		relate(ci, "Is associated with SecurityGroup", "AWS::EC2::SecurityGroup", str(g.VpcSecurityGroupId), "")
	}
	if db.DBSubnetGroup != nil {
		relate(ci, "Is associated with DBSubnetGroup", "AWS::RDS::DBSubnetGroup", str(db.DBSubnetGroup.DBSubnetGroupName), "")
	}
	conf := object(db, "latestRestorableTime")
	for _, k := range []string{"tagList", "vpcSecurityGroups", "dBParameterGroups", "optionGroupMemberships", "dBSecurityGroups"} {
		sortField(conf, k)
	}
	ci.Configuration = encode(conf)
	finish(ci)
	return ci
}
