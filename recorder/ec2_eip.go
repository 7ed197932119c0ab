package recorder

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/configd/configd"
)

func init() { register(elasticIPs{}) }

// elasticIPs discovers AWS::EC2::EIP: the DescribeAddresses element with
// lowerCamel keys, as in this AWS Config item of an address associated with
// a NAT gateway's network interface (aws-solutions/workload-discovery-on-aws,
// source/backend/functions/api/tests/testHierarchyENI.js;
// docs/ci-formats.md):
//
//	resourceId "eipalloc-00bc44f79cddefb85", resourceName "34.251.252.207",
//	arn "arn:aws:ec2:eu-west-1:…:eip-allocation/eipalloc-00bc44f79cddefb85",
//	availabilityZone "Not Applicable",
//	configuration {"instanceId":null,"publicIp":"34.251.252.207","allocationId":"eipalloc-00bc44f79cddefb85",
//	  "associationId":"eipassoc-03fb2f16ebde1ff58","domain":"vpc","networkInterfaceId":"eni-0e34557f68aaf3800",
//	  "networkInterfaceOwnerId":"…","privateIpAddress":"10.0.1.55","tags":[{"key":…,"value":…},…],
//	  "publicIpv4Pool":"amazon","networkBorderGroup":null,"customerOwnedIp":null,"customerOwnedIpv4Pool":null}
//
// The resource id is the allocation id (an AWS Config instance item names
// its address "eipalloc-…" under "Is attached to ElasticIp" in the sample
// configuration change event AWS gives for Config rules), the name
// the public address, and the ARN's resource part "eip-allocation/<id>" (the
// form AWS Config and Shield use; IAM's resource type for EIPs is spelled
// "elastic-ip/<id>"). Addresses without an allocation id (EC2-Classic,
// retired; AWS Config records VPC addresses only) are not recorded.
// AWS Config relates an address to the instance or network interface it is
// associated with, but no AWS Config EIP item showing those relationships'
// names was found, so none is emitted.
//
// DescribeAddresses is not paginated: one call returns every address.
type elasticIPs struct{}

func (elasticIPs) ResourceType() string { return "AWS::EC2::EIP" }
func (elasticIPs) Global() bool         { return false }

func (d elasticIPs) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	out, err := ec2.NewFromConfig(cfg).DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	if err != nil {
		return fmt.Errorf("describe addresses: %w", err)
	}
	for i := range out.Addresses {
		a := &out.Addresses[i]
		if str(a.AllocationId) == "" {
			continue
		}
		if err := emit(d.item(scope, a)); err != nil {
			return err
		}
	}
	return nil
}

func (d elasticIPs) item(scope configd.Scope, a *ec2types.Address) *configd.ConfigurationItem {
	id := str(a.AllocationId)
	ci := newItem(d.ResourceType(), id, str(a.PublicIp), scope.ARN("ec2", "eip-allocation/"+id), scope.Region, azNotApplicable)
	ci.Tags = tagMap(a.Tags, ec2Tag)
	conf := object(a)
	// EC2 leaves out the members of an address that do not apply (an
	// unassociated address has no associationId, one associated with a
	// network interface no instanceId), which AWS Config writes as null
	// (the item above: "instanceId":null). Some endpoints answer an empty
	// string instead (moto's instanceId and, once disassociated,
	// networkInterfaceId); an empty member is written as the absent one it
	// stands for, so that both give the same item.
	for k, v := range conf {
		if v == "" {
			conf[k] = nil
		}
	}
	// Tags are the address's only list; EC2 gives them in no defined order.
	sortField(conf, "tags")
	ci.Configuration = encode(conf)
	finish(ci)
	return ci
}
