package recorder

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/configd/configd"
)

func init() { register(eksClusters{}) }

// eksClusters discovers AWS::EKS::Cluster. AWS Config records this type in
// the shape of its CloudFormation resource (PascalCase keys, typed values),
// not in DescribeCluster's lowerCamel shape:
//
//	{"Name":"prod","Arn":"arn:aws:eks:<region>:<account>:cluster/prod",
//	 "Version":"1.30","RoleArn":"arn:aws:iam::<account>:role/eks",
//	 "ClusterStatus":"ACTIVE","Endpoint":"https://….eks.amazonaws.com",
//	 "CertificateAuthorityData":"LS0t…","OpenIdConnectIssuerUrl":"https://oidc.eks…",
//	 "ResourcesVpcConfig":{"SubnetIds":[…],"SecurityGroupIds":[…],
//	   "EndpointPublicAccess":true,"EndpointPrivateAccess":false,"PublicAccessCidrs":["0.0.0.0/0"]},
//	 "EncryptionConfig":[{"Resources":["secrets"],"Provider":{"KeyArn":"arn:aws:kms:…"}}],
//	 "EncryptionConfigKeyArn":"arn:aws:kms:…",
//	 "KubernetesNetworkConfig":{"IpFamily":"ipv4","ServiceIpv4Cidr":"172.20.0.0/16"},
//	 "Logging":{"ClusterLogging":{"EnabledTypes":[{"Type":"api"},{"Type":"audit"}]}},
//	 "ClusterSecurityGroupId":"sg-…","Tags":[{"Key":"env","Value":"prod"}]}
//
// Verified: the property paths and value types AWS Config lists for the type
// (awslabs/aws-config-resource-schema,
// config/properties/resource-types/AWS::EKS::Cluster.properties.json):
// Name, Arn, Version, RoleArn, ClusterStatus, Endpoint,
// CertificateAuthorityData, OpenIdConnectIssuerUrl, EncryptionConfigKeyArn,
// EncryptionConfig.Resources, EncryptionConfig.Provider.KeyArn,
// KubernetesNetworkConfig.{IpFamily,ServiceIpv4Cidr,ServiceIpv6Cidr},
// Logging.ClusterLogging.EnabledTypes.Type and
// ResourcesVpcConfig.{SubnetIds,SecurityGroupIds,PublicAccessCidrs} (lists)
// and .{EndpointPublicAccess,EndpointPrivateAccess} (booleans). Advanced
// queries run against AWS Config by public tools select
// configuration.ResourcesVpcConfig.EndpointPublicAccess = TRUE and
// configuration.Endpoint for this type, which confirms the PascalCase shape
// of real items.
//
// Derived, with no AWS Config item found to confirm them:
//   - which keys are written when empty: ResourcesVpcConfig (its three lists
//     always, [] when empty; both booleans always), Logging (always, with
//     EnabledTypes [] when no log type is enabled: CloudFormation's "all log
//     types are disabled if the array is empty"), Tags (always, sorted by
//     key, as for the other CloudFormation-shaped types); the other keys only
//     when set (EncryptionConfig and EncryptionConfigKeyArn only on a cluster
//     with envelope encryption);
//   - ClusterSecurityGroupId (a CloudFormation return value; not in the
//     property list), AccessConfig.AuthenticationMode and
//     UpgradePolicy.SupportType (CloudFormation properties) when the API
//     returns them;
//   - EnabledTypes is the union of DescribeCluster's enabled LogSetup types,
//     sorted by type; SubnetIds, SecurityGroupIds, PublicAccessCidrs and
//     EncryptionConfig.Resources are sorted (EKS documents no order), so an
//     unchanged cluster gives byte-identical configuration;
//   - EncryptionConfigKeyArn is the first encryption config's key, as
//     CloudFormation's return value of that name.
//
// Resource id and name are the cluster name (CloudFormation's primary
// identifier, and the ResourceId AWS's EKS rules report in published
// evaluation results), the ARN the API's, availabilityZone "Not
// Applicable", resourceCreationTime createdAt (derived). No relationships:
// AWS Config relates clusters to their VPC, subnets and security groups, but
// no item showing those relationships' names was found.
//
// Left out: health (issues come and go without a configuration change),
// platformVersion (EKS patches it without any customer action; not a
// CloudFormation property nor in AWS Config's property list), the
// connector, outpost, compute, storage, remote network and zonal shift
// configurations, and clientRequestToken.
type eksClusters struct{}

func (eksClusters) ResourceType() string { return "AWS::EKS::Cluster" }
func (eksClusters) Global() bool         { return false }

func (d eksClusters) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := eks.NewFromConfig(cfg)
	p := eks.NewListClustersPaginator(client, &eks.ListClustersInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list clusters: %w", err)
		}
		if err := emitEach(len(page.Clusters), func(i int) (*configd.ConfigurationItem, error) {
			return d.item(ctx, client, scope, page.Clusters[i])
		}, emit); err != nil {
			return err
		}
	}
	return nil
}

// item describes the cluster and builds its item; nil when the cluster was
// deleted between the listing and the read.
func (d eksClusters) item(ctx context.Context, client *eks.Client, scope configd.Scope, name string) (*configd.ConfigurationItem, error) {
	out, err := client.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: &name})
	if isCode(err, "ResourceNotFoundException") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe cluster %s: %w", name, err)
	}
	if out.Cluster == nil {
		return nil, nil
	}
	c := out.Cluster
	if n := str(c.Name); n != "" {
		name = n
	}
	ci := newItem(d.ResourceType(), name, name, str(c.Arn), scope.Region, azNotApplicable)
	ci.ResourceCreationTime = timeOf(c.CreatedAt)
	for k, v := range c.Tags {
		ci.Tags[k] = v
	}
	conf := eksClusterConfiguration(c, name)
	conf["Tags"] = cfnTags(ci.Tags)
	ci.Configuration = encode(conf)
	finish(ci)
	return ci, nil
}

// eksClusterConfiguration renders a DescribeCluster cluster in the
// CloudFormation shape (see eksClusters), without Tags.
func eksClusterConfiguration(c *ekstypes.Cluster, name string) map[string]any {
	conf := map[string]any{"Name": name, "Arn": str(c.Arn)}
	setStr := func(key string, v string) {
		if v != "" {
			conf[key] = v
		}
	}
	setStr("Version", str(c.Version))
	setStr("RoleArn", str(c.RoleArn))
	setStr("ClusterStatus", string(c.Status))
	setStr("Endpoint", str(c.Endpoint))
	if c.CertificateAuthority != nil {
		setStr("CertificateAuthorityData", str(c.CertificateAuthority.Data))
	}
	if c.Identity != nil && c.Identity.Oidc != nil {
		setStr("OpenIdConnectIssuerUrl", str(c.Identity.Oidc.Issuer))
	}

	vpc := map[string]any{
		"SubnetIds": eksSorted(nil), "SecurityGroupIds": eksSorted(nil), "PublicAccessCidrs": eksSorted(nil),
		"EndpointPublicAccess": false, "EndpointPrivateAccess": false,
	}
	if v := c.ResourcesVpcConfig; v != nil {
		vpc["SubnetIds"] = eksSorted(v.SubnetIds)
		vpc["SecurityGroupIds"] = eksSorted(v.SecurityGroupIds)
		vpc["PublicAccessCidrs"] = eksSorted(v.PublicAccessCidrs)
		vpc["EndpointPublicAccess"] = v.EndpointPublicAccess
		vpc["EndpointPrivateAccess"] = v.EndpointPrivateAccess
		setStr("ClusterSecurityGroupId", str(v.ClusterSecurityGroupId))
	}
	conf["ResourcesVpcConfig"] = vpc

	if len(c.EncryptionConfig) > 0 {
		encs := make([]any, 0, len(c.EncryptionConfig))
		for _, e := range c.EncryptionConfig {
			enc := map[string]any{"Resources": eksSorted(e.Resources)}
			if e.Provider != nil && str(e.Provider.KeyArn) != "" {
				enc["Provider"] = map[string]any{"KeyArn": str(e.Provider.KeyArn)}
			}
			encs = append(encs, enc)
		}
		conf["EncryptionConfig"] = encs
		if p := c.EncryptionConfig[0].Provider; p != nil {
			setStr("EncryptionConfigKeyArn", str(p.KeyArn))
		}
	}

	if k := c.KubernetesNetworkConfig; k != nil {
		knc := map[string]any{}
		if k.IpFamily != "" {
			knc["IpFamily"] = string(k.IpFamily)
		}
		if v := str(k.ServiceIpv4Cidr); v != "" {
			knc["ServiceIpv4Cidr"] = v
		}
		if v := str(k.ServiceIpv6Cidr); v != "" {
			knc["ServiceIpv6Cidr"] = v
		}
		if len(knc) > 0 {
			conf["KubernetesNetworkConfig"] = knc
		}
	}

	enabled := map[string]bool{}
	if c.Logging != nil {
		for _, s := range c.Logging.ClusterLogging {
			if s.Enabled == nil || !*s.Enabled {
				continue
			}
			for _, t := range s.Types {
				enabled[string(t)] = true
			}
		}
	}
	types := make([]string, 0, len(enabled))
	for t := range enabled {
		types = append(types, t)
	}
	sort.Strings(types)
	enabledTypes := make([]any, 0, len(types))
	for _, t := range types {
		enabledTypes = append(enabledTypes, map[string]any{"Type": t})
	}
	conf["Logging"] = map[string]any{"ClusterLogging": map[string]any{"EnabledTypes": enabledTypes}}

	if a := c.AccessConfig; a != nil && a.AuthenticationMode != "" {
		conf["AccessConfig"] = map[string]any{"AuthenticationMode": string(a.AuthenticationMode)}
	}
	if u := c.UpgradePolicy; u != nil && u.SupportType != "" {
		conf["UpgradePolicy"] = map[string]any{"SupportType": string(u.SupportType)}
	}
	return conf
}

// eksSorted returns a sorted copy of list, never nil (so that it encodes
// as [] rather than null).
func eksSorted(list []string) []string {
	out := append([]string{}, list...)
	sort.Strings(out)
	return out
}
