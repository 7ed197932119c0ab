package recorder

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/configd/configd"
)

func init() { register(networkACLs{}) }

// networkACLs discovers AWS::EC2::NetworkAcl: the DescribeNetworkAcls
// element with lowerCamel keys, as in this AWS Config item of a default
// network ACL (aws-solutions/workload-discovery-on-aws,
// source/backend/functions/api/tests/testHierarchyVPCResource.js;
// docs/ci-formats.md):
//
//	{"associations":[{"networkAclAssociationId":"aclassoc-3553314b","networkAclId":"acl-6a24bb13","subnetId":"subnet-ea59c9b0"},…],
//	 "entries":[{"cidrBlock":"0.0.0.0/0","egress":true,"icmpTypeCode":null,"ipv6CidrBlock":null,"portRange":null,
//	             "protocol":"-1","ruleAction":"allow","ruleNumber":100},…],
//	 "isDefault":true,"networkAclId":"acl-6a24bb13","tags":[],"vpcId":"vpc-88f114f1","ownerId":"…"}
//
// with ARN arn:aws:ec2:<region>:<account>:network-acl/<id> and
// availabilityZone "Multiple Availability Zones". AWS Config relates an
// ACL to its VPC and subnets, but no AWS Config item showing those
// relationships' names was found, so none is emitted (the subnet side,
// "Is attached to NetworkAcl", is on the subnet items; ec2_subnet.go).
type networkACLs struct{}

func (networkACLs) ResourceType() string { return "AWS::EC2::NetworkAcl" }
func (networkACLs) Global() bool         { return false }

func (d networkACLs) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	return ec2Items(ctx, ec2.NewDescribeNetworkAclsPaginator(ec2.NewFromConfig(cfg), &ec2.DescribeNetworkAclsInput{}),
		"describe network acls",
		func(page *ec2.DescribeNetworkAclsOutput) []ec2types.NetworkAcl { return page.NetworkAcls },
		func(a *ec2types.NetworkAcl) error { return emit(d.item(scope, a)) })
}

func (d networkACLs) item(scope configd.Scope, a *ec2types.NetworkAcl) *configd.ConfigurationItem {
	id := str(a.NetworkAclId)
	// An ACL applies to subnets in any zone of its VPC: AWS Config records
	// it in "Multiple Availability Zones" (the item above).
	ci := newItem(d.ResourceType(), id, "", scope.ARN("ec2", "network-acl/"+id), scope.Region, azMultiple)
	ci.Tags = tagMap(a.Tags, ec2Tag)
	conf := object(a)
	sortACLEntries(conf)
	// Associations (by association id, their first key) and tags (by key)
	// have no order in EC2's answer.
	sortField(conf, "associations")
	sortField(conf, "tags")
	ci.Configuration = encode(conf)
	finish(ci)
	return ci
}

// sortACLEntries orders the entries of a network ACL configuration as the
// AWS Config item above lists them: egress entries first, then ingress, each
// by rule number, which identifies an entry within its direction. EC2
// documents no order for DescribeNetworkAcls' entries; entries that tie (not
// possible in EC2, where a direction's rule numbers are unique) fall back to
// their JSON encoding, so the order is deterministic whatever the API's.
func sortACLEntries(conf map[string]any) {
	list, ok := conf["entries"].([]any)
	if !ok {
		return
	}
	type keyed struct {
		egress bool
		rule   int64
		enc    string
		v      any
	}
	ks := make([]keyed, len(list))
	for i, v := range list {
		k := keyed{enc: encode(v), v: v}
		if m, ok := v.(map[string]any); ok {
			k.egress, _ = m["egress"].(bool)
			k.rule, _ = m["ruleNumber"].(int64)
		}
		ks[i] = k
	}
	sort.SliceStable(ks, func(i, j int) bool {
		a, b := ks[i], ks[j]
		if a.egress != b.egress {
			return a.egress
		}
		if a.rule != b.rule {
			return a.rule < b.rule
		}
		return a.enc < b.enc
	})
	for i := range ks {
		list[i] = ks[i].v
	}
}
