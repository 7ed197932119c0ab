package recorder

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/configd/configd"
)

const eksClusterType = "AWS::EKS::Cluster"

const (
	eksRoleARN = "arn:aws:iam::" + motoAccount + ":role/eks-cluster"
	eksKeyARN  = "arn:aws:kms:us-east-1:" + motoAccount + ":key/11111111-2222-3333-4444-555555555555"
)

// eksNetwork creates a VPC with two subnets and a security group for the
// clusters and returns the subnet ids (sorted) and the group id.
func eksNetwork(t *testing.T, e *ec2.Client) (subnets []string, sg string) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("network: %v", r)
		}
	}()
	ctx := context.Background()
	vpc := must(e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})).Vpc.VpcId
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		cidr := []string{"10.1.1.0/24", "10.1.2.0/24"}[i]
		subnets = append(subnets, *must(e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc, CidrBlock: &cidr,
			AvailabilityZone: aws.String(az)})).Subnet.SubnetId)
	}
	sg = *must(e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("eks-cp"),
		Description: aws.String("control plane"), VpcId: vpc})).GroupId
	return eksSorted(subnets), sg
}

// seedEKS creates the cluster "prod" (public endpoint restricted to one
// CIDR, private endpoint too, secrets encrypted with a KMS key, api and
// audit logs enabled, tagged, version 1.29) and the plain cluster "plain"
// (moto's defaults).
func seedEKS(t *testing.T, c *eks.Client, subnets []string, sg string) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("seed: %v", r)
		}
	}()
	ctx := context.Background()
	// The subnets are given in reverse order: the configuration sorts them.
	must(c.CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String("prod"), RoleArn: aws.String(eksRoleARN),
		Version: aws.String("1.29"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{subnets[1], subnets[0]}, SecurityGroupIds: []string{sg},
			EndpointPublicAccess: aws.Bool(true), EndpointPrivateAccess: aws.Bool(true), PublicAccessCidrs: []string{"203.0.113.0/24"}},
		EncryptionConfig: []ekstypes.EncryptionConfig{{Resources: []string{"secrets"}, Provider: &ekstypes.Provider{KeyArn: aws.String(eksKeyARN)}}},
		Logging: &ekstypes.Logging{ClusterLogging: []ekstypes.LogSetup{
			{Types: []ekstypes.LogType{ekstypes.LogTypeAudit, ekstypes.LogTypeApi}, Enabled: aws.Bool(true)},
			{Types: []ekstypes.LogType{ekstypes.LogTypeAuthenticator, ekstypes.LogTypeControllerManager, ekstypes.LogTypeScheduler}, Enabled: aws.Bool(false)},
		}},
		Tags: map[string]string{"team": "platform", "env": "prod"}}))
	must(c.CreateCluster(ctx, &eks.CreateClusterInput{Name: aws.String("plain"), RoleArn: aws.String(eksRoleARN),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: subnets}}))
}

// TestEKSClusterMoto records clusters from moto, polls without changes,
// changes one cluster (tags, then logging) and deletes the other.
func TestEKSClusterMoto(t *testing.T) {
	_, cfg := motoConfig(t)
	c := eks.NewFromConfig(cfg)
	subnets, sg := eksNetwork(t, ec2.NewFromConfig(cfg))
	seedEKS(t, c, subnets, sg)
	sink := newMemSink()
	clock := &fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ctx := context.Background()
	arn := func(name string) string { return "arn:aws:eks:us-east-1:" + motoAccount + ":cluster/" + name }
	subnetsJSON := string(must(json.Marshal(subnets)))

	t.Run("OK", func(t *testing.T) {
		if r := pollOne(t, cfg, sink, clock, eksClusterType); r.Discovered != 2 || r.Changed != 2 || r.Deleted != 0 {
			t.Errorf("report %+v", r)
		}
		ci := latestOrFatal(t, sink, eksClusterType, "prod")
		if ci.Status != configd.CIStatusResourceDiscovered || ci.AccountID != motoAccount || ci.Region != "us-east-1" ||
			ci.ARN != arn("prod") || ci.AvailabilityZone != "Not Applicable" || ci.ResourceName != "prod" ||
			ci.ResourceCreationTime.IsZero() || len(ci.Relationships) != 0 {
			t.Errorf("item header: status %s account %s region %s arn %s az %q name %q created %v rels %v",
				ci.Status, ci.AccountID, ci.Region, ci.ARN, ci.AvailabilityZone, ci.ResourceName, ci.ResourceCreationTime, ci.Relationships)
		}
		if len(ci.Tags) != 2 || ci.Tags["team"] != "platform" || ci.Tags["env"] != "prod" {
			t.Errorf("tags %v", ci.Tags)
		}
		t.Logf("configuration of prod: %s", ci.Configuration)

		conf := decode(t, ci.Configuration)
		if conf["Name"] != "prod" || conf["Arn"] != arn("prod") || conf["Version"] != "1.29" || conf["RoleArn"] != eksRoleARN ||
			conf["ClusterStatus"] != "ACTIVE" || conf["EncryptionConfigKeyArn"] != eksKeyARN {
			t.Errorf("configuration: %s", ci.Configuration)
		}
		for _, k := range []string{"Endpoint", "CertificateAuthorityData", "OpenIdConnectIssuerUrl"} {
			if s, _ := conf[k].(string); s == "" {
				t.Errorf("%s missing: %s", k, ci.Configuration)
			}
		}
		for k, want := range map[string]string{
			"ResourcesVpcConfig": `{"EndpointPrivateAccess":true,"EndpointPublicAccess":true,"PublicAccessCidrs":["203.0.113.0/24"],` +
				`"SecurityGroupIds":["` + sg + `"],"SubnetIds":` + subnetsJSON + `}`,
			"EncryptionConfig":        `[{"Provider":{"KeyArn":"` + eksKeyARN + `"},"Resources":["secrets"]}]`,
			"Logging":                 `{"ClusterLogging":{"EnabledTypes":[{"Type":"api"},{"Type":"audit"}]}}`,
			"KubernetesNetworkConfig": `{"ServiceIpv4Cidr":"172.20.0.0/16"}`,
			"Tags":                    `[{"Key":"env","Value":"prod"},{"Key":"team","Value":"platform"}]`,
		} {
			if got, _ := json.Marshal(conf[k]); string(got) != want {
				t.Errorf("%s = %s, want %s", k, got, want)
			}
		}
		// DescribeCluster's lowerCamel members and the volatile ones are not
		// written.
		for _, k := range []string{"name", "resourcesVpcConfig", "status", "health", "Health", "PlatformVersion", "platformVersion", "CreatedAt", "ClientRequestToken"} {
			if _, ok := conf[k]; ok {
				t.Errorf("configuration has %s: %s", k, ci.Configuration)
			}
		}

		plain := latestOrFatal(t, sink, eksClusterType, "plain")
		pc := decode(t, plain.Configuration)
		for k, want := range map[string]string{
			"ResourcesVpcConfig": `{"EndpointPrivateAccess":false,"EndpointPublicAccess":false,"PublicAccessCidrs":[],"SecurityGroupIds":[],"SubnetIds":` + subnetsJSON + `}`,
			"Logging":            `{"ClusterLogging":{"EnabledTypes":[]}}`,
			"Tags":               `[]`,
			"Version":            `"1.19"`,
		} {
			if got, _ := json.Marshal(pc[k]); string(got) != want {
				t.Errorf("plain %s = %s, want %s", k, got, want)
			}
		}
		for _, k := range []string{"EncryptionConfig", "EncryptionConfigKeyArn"} {
			if _, ok := pc[k]; ok {
				t.Errorf("plain configuration has %s: %s", k, plain.Configuration)
			}
		}
		if plain.ARN != arn("plain") || plain.ResourceName != "plain" || len(plain.Tags) != 0 {
			t.Errorf("plain item %+v", plain)
		}
	})

	t.Run("OKUnchanged", func(t *testing.T) {
		before := latestOrFatal(t, sink, eksClusterType, "prod").Configuration
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, eksClusterType); r.Changed != 0 || r.Deleted != 0 || r.Discovered != 2 {
			t.Errorf("unchanged clusters: report %+v", r)
		}
		for _, id := range []string{"prod", "plain"} {
			if h := sink.history(eksClusterType, id); len(h) != 1 {
				t.Errorf("%s: history after an unchanged poll: %d versions", id, len(h))
			}
		}
		again, err := eksClusters{}.item(ctx, c, motoScope, "prod")
		if err != nil || again == nil || again.Configuration != before {
			t.Errorf("re-read configuration differs (%v):\n%+v\n%s", err, again, before)
		}
	})

	t.Run("OKChanged", func(t *testing.T) {
		need[*eks.TagResourceOutput](t)(c.TagResource(ctx, &eks.TagResourceInput{ResourceArn: aws.String(arn("prod")),
			Tags: map[string]string{"cost": "k8s"}}))
		need[*eks.UpdateClusterConfigOutput](t)(c.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: aws.String("prod"),
			Logging: &ekstypes.Logging{ClusterLogging: []ekstypes.LogSetup{{Types: []ekstypes.LogType{
				ekstypes.LogTypeApi, ekstypes.LogTypeAudit, ekstypes.LogTypeAuthenticator}, Enabled: aws.Bool(true)}}}}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, eksClusterType); r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("one changed cluster: report %+v", r)
		}
		h := sink.history(eksClusterType, "prod")
		if len(h) != 2 || h[1].Status != configd.CIStatusOK || !h[1].CaptureTime.Equal(clock.t) {
			t.Fatalf("history: %d versions", len(h))
		}
		conf := decode(t, h[1].Configuration)
		if got, _ := json.Marshal(conf["Logging"]); string(got) != `{"ClusterLogging":{"EnabledTypes":[{"Type":"api"},{"Type":"audit"},{"Type":"authenticator"}]}}` {
			t.Errorf("changed logging: %s", got)
		}
		if h[1].Tags["cost"] != "k8s" || len(h[1].Tags) != 3 {
			t.Errorf("changed tags: %v", h[1].Tags)
		}
		if d := Diff(h[0], h[1]); d.ChangeType != ChangeUpdate {
			t.Errorf("diff = %s", canonical(d))
		}
		if h := sink.history(eksClusterType, "plain"); len(h) != 1 {
			t.Errorf("plain: %d versions", len(h))
		}
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, eksClusterType); r.Changed != 0 || r.Deleted != 0 {
			t.Errorf("repeated poll: report %+v", r)
		}
	})

	t.Run("OKDeleted", func(t *testing.T) {
		need[*eks.DeleteClusterOutput](t)(c.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: aws.String("plain")}))
		wantDeletedOnce(t, cfg, sink, clock, eksClusterType, "plain", 2)
	})
}

// TestEKSClusterGone: a cluster deleted between the listing and the read
// is skipped, not an error.
func TestEKSClusterGone(t *testing.T) {
	_, cfg := motoConfig(t)
	ci, err := eksClusters{}.item(context.Background(), eks.NewFromConfig(cfg), motoScope, "never-created")
	if err != nil || ci != nil {
		t.Errorf("item of a missing cluster: %+v, %v; want nil, nil", ci, err)
	}
}

// TestEKSClusterConfigurationShape: members moto does not return (IPv6
// network config, several encryption configs, unsorted lists, disabled
// setups naming enabled types) render as documented.
func TestEKSClusterConfigurationShape(t *testing.T) {
	c := &ekstypes.Cluster{
		Name: aws.String("x"), Arn: aws.String("arn:aws:eks:us-east-1:" + motoAccount + ":cluster/x"),
		ResourcesVpcConfig: &ekstypes.VpcConfigResponse{SubnetIds: []string{"subnet-b", "subnet-a"},
			PublicAccessCidrs: []string{"198.51.100.0/24", "0.0.0.0/0"}, EndpointPublicAccess: true, ClusterSecurityGroupId: aws.String("sg-cluster")},
		KubernetesNetworkConfig: &ekstypes.KubernetesNetworkConfigResponse{IpFamily: ekstypes.IpFamilyIpv6, ServiceIpv6Cidr: aws.String("fd00::/108")},
		EncryptionConfig: []ekstypes.EncryptionConfig{
			{Resources: []string{"secrets"}, Provider: &ekstypes.Provider{KeyArn: aws.String("k1")}},
			{Resources: []string{"secrets"}},
		},
		Logging: &ekstypes.Logging{ClusterLogging: []ekstypes.LogSetup{
			{Types: []ekstypes.LogType{ekstypes.LogTypeScheduler}, Enabled: aws.Bool(true)},
			{Types: []ekstypes.LogType{ekstypes.LogTypeApi}},
			{Types: []ekstypes.LogType{ekstypes.LogTypeAudit, ekstypes.LogTypeScheduler}, Enabled: aws.Bool(true)},
		}},
		AccessConfig:  &ekstypes.AccessConfigResponse{AuthenticationMode: ekstypes.AuthenticationModeApi},
		UpgradePolicy: &ekstypes.UpgradePolicyResponse{SupportType: ekstypes.SupportTypeStandard},
		Health:        &ekstypes.ClusterHealth{Issues: []ekstypes.ClusterIssue{{Code: ekstypes.ClusterIssueCodeAccessDenied}}},
	}
	got := encode(eksClusterConfiguration(c, "x"))
	want := `{"AccessConfig":{"AuthenticationMode":"API"},"Arn":"arn:aws:eks:us-east-1:` + motoAccount + `:cluster/x",` +
		`"ClusterSecurityGroupId":"sg-cluster",` +
		`"EncryptionConfig":[{"Provider":{"KeyArn":"k1"},"Resources":["secrets"]},{"Resources":["secrets"]}],"EncryptionConfigKeyArn":"k1",` +
		`"KubernetesNetworkConfig":{"IpFamily":"ipv6","ServiceIpv6Cidr":"fd00::/108"},` +
		`"Logging":{"ClusterLogging":{"EnabledTypes":[{"Type":"audit"},{"Type":"scheduler"}]}},"Name":"x",` +
		`"ResourcesVpcConfig":{"EndpointPrivateAccess":false,"EndpointPublicAccess":true,"PublicAccessCidrs":["0.0.0.0/0","198.51.100.0/24"],` +
		`"SecurityGroupIds":[],"SubnetIds":["subnet-a","subnet-b"]},"UpgradePolicy":{"SupportType":"STANDARD"}}`
	if got != want {
		t.Errorf("configuration\n got %s\nwant %s", got, want)
	}
}
