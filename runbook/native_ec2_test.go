package runbook

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// newGroup creates a security group in a new VPC with the given ingress
// rules.
func newGroup(t *testing.T, env Env, perms []types.IpPermission) string {
	t.Helper()
	ctx := context.Background()
	client := ec2.NewFromConfig(env.AWS)
	vpc := must(client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})).Vpc.VpcId
	sg := must(client.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String(unique("sg")), Description: aws.String("test"), VpcId: vpc,
	})).GroupId
	must(client.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg, IpPermissions: perms}))
	return *sg
}

func tcp(port int32, cidr string) types.IpPermission {
	p := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port)}
	if strings.Contains(cidr, ":") {
		p.Ipv6Ranges = []types.Ipv6Range{{CidrIpv6: aws.String(cidr)}}
	} else {
		p.IpRanges = []types.IpRange{{CidrIp: aws.String(cidr)}}
	}
	return p
}

// ingress lists a group's rules as "port cidr", sorted.
func ingress(t *testing.T, env Env, id string) string {
	t.Helper()
	sg, err := describeGroup(context.Background(), ec2.NewFromConfig(env.AWS), id)
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, p := range sg.IpPermissions {
		for _, r := range p.IpRanges {
			rules = append(rules, aws.ToString(p.IpProtocol)+"/"+itoa(p.FromPort)+" "+aws.ToString(r.CidrIp))
		}
		for _, r := range p.Ipv6Ranges {
			rules = append(rules, aws.ToString(p.IpProtocol)+"/"+itoa(p.FromPort)+" "+aws.ToString(r.CidrIpv6))
		}
	}
	sort.Strings(rules)
	return strings.Join(rules, ", ")
}

func itoa(p *int32) string {
	if p == nil {
		return "-"
	}
	return strconv.Itoa(int(*p))
}

func TestDisablePublicAccessForSecurityGroup(t *testing.T) {
	env, _ := motoEnv(t)
	r := newRegistry(t)
	t.Run("OK", func(t *testing.T) {
		sg := newGroup(t, env, []types.IpPermission{tcp(22, "0.0.0.0/0"), tcp(3389, "::/0"), tcp(443, "0.0.0.0/0"), tcp(22, "10.1.0.0/16")})
		err, log := run(t, r, env, "AWS-DisablePublicAccessForSecurityGroup", map[string][]string{"GroupId": {sg}})
		if err != nil {
			t.Fatal(err)
		}
		if got := log.final(); got != "CustomIpCheck:SUCCEEDED DisableFromAllIp:SUCCEEDED" {
			t.Fatalf("steps %s", got)
		}
		if got := ingress(t, env, sg); got != "tcp/22 10.1.0.0/16, tcp/443 0.0.0.0/0" {
			t.Fatalf("rules left: %s", got)
		}
		// Running again finds nothing to revoke and succeeds.
		if err, _ := run(t, r, env, "AWS-DisablePublicAccessForSecurityGroup", map[string][]string{"GroupId": {sg}}); err != nil {
			t.Fatalf("second run: %v", err)
		}
	})
	t.Run("OKCustomIp", func(t *testing.T) {
		sg := newGroup(t, env, []types.IpPermission{tcp(22, "0.0.0.0/0"), tcp(22, "203.0.113.7/32")})
		err, log := run(t, r, env, "AWS-DisablePublicAccessForSecurityGroup", map[string][]string{"GroupId": {sg}, "IpAddressToBlock": {"203.0.113.7/32"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := log.final(); got != "CustomIpCheck:SUCCEEDED DisableFromCustomIpV4:SUCCEEDED" {
			t.Fatalf("steps %s", got)
		}
		if got := ingress(t, env, sg); got != "tcp/22 0.0.0.0/0" {
			t.Fatalf("rules left: %s", got)
		}
	})
	t.Run("ErrGroupId", func(t *testing.T) {
		err, _ := run(t, r, env, "AWS-DisablePublicAccessForSecurityGroup", map[string][]string{"GroupId": {"group-1"}})
		if err == nil || !strings.Contains(err.Error(), "pattern") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("ErrNoSuchGroup", func(t *testing.T) {
		err, log := run(t, r, env, "AWS-DisablePublicAccessForSecurityGroup", map[string][]string{"GroupId": {"sg-0123456789abcdef0"}})
		if err == nil {
			t.Fatal("no error")
		}
		if got := log.final(); got != "CustomIpCheck:SUCCEEDED DisableFromAllIp:FAILED" {
			t.Fatalf("steps %s", got)
		}
	})
}

func TestRemoveUnrestrictedSourceIngressRules(t *testing.T) {
	env, _ := motoEnv(t)
	r := newRegistry(t)
	t.Run("OK", func(t *testing.T) {
		sg := newGroup(t, env, []types.IpPermission{tcp(80, "0.0.0.0/0"), tcp(8080, "::/0"), tcp(22, "10.0.0.0/8")})
		err, log := run(t, r, env, "AWSConfigRemediation-RemoveUnrestrictedSourceIngressRules", map[string][]string{
			"SecurityGroupId": {sg}, "AutomationAssumeRole": {testRole},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := log.final(); got != "RemoveUnrestrictedIngressRulesAndVerify:SUCCEEDED" {
			t.Fatalf("steps %s", got)
		}
		if got := ingress(t, env, sg); got != "tcp/22 10.0.0.0/8" {
			t.Fatalf("rules left: %s", got)
		}
	})
	t.Run("ErrMissingRole", func(t *testing.T) {
		err, _ := run(t, r, env, "AWSConfigRemediation-RemoveUnrestrictedSourceIngressRules", map[string][]string{"SecurityGroupId": {"sg-1"}})
		if err == nil || !strings.Contains(err.Error(), "AutomationAssumeRole") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestStopEC2Instance(t *testing.T) {
	env, ft := motoEnv(t)
	r := newRegistry(t)
	ctx := context.Background()
	client := ec2.NewFromConfig(env.AWS)
	t.Run("OK", func(t *testing.T) {
		images := must(client.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}}))
		out := must(client.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: images.Images[0].ImageId, MinCount: aws.Int32(2), MaxCount: aws.Int32(2)}))
		ids := []string{*out.Instances[0].InstanceId, *out.Instances[1].InstanceId}
		err, log := run(t, r, env, "AWS-StopEC2Instance", map[string][]string{"InstanceId": ids})
		if err != nil {
			t.Fatal(err)
		}
		if got := log.final(); got != "stopInstances:SUCCEEDED forceStopInstances:SUCCEEDED" {
			t.Fatalf("steps %s", got)
		}
		left, err := notStopped(ctx, client, ids)
		if err != nil || len(left) > 0 {
			t.Fatalf("not stopped: %v %v", left, err)
		}
		if len(ft.slept()) > 0 {
			t.Fatalf("waited %v for instances moto stops at once", ft.slept())
		}
	})
	t.Run("ErrNoSuchInstance", func(t *testing.T) {
		err, log := run(t, r, env, "AWS-StopEC2Instance", map[string][]string{"InstanceId": {"i-0123456789abcdef0"}})
		if err == nil {
			t.Fatal("no error")
		}
		// stopInstances continues on failure; forceStopInstances fails too.
		if got := log.final(); got != "stopInstances:FAILED forceStopInstances:FAILED" {
			t.Fatalf("steps %s", got)
		}
	})
}

func TestEnableEbsEncryptionByDefault(t *testing.T) {
	env, _ := motoEnv(t)
	r := newRegistry(t)
	t.Run("OK", func(t *testing.T) {
		// A region of its own: the setting is per account and region.
		env := env
		env.AWS = env.AWS.Copy()
		env.AWS.Region = "eu-west-3"
		client := ec2.NewFromConfig(env.AWS)
		if aws.ToBool(must(client.GetEbsEncryptionByDefault(context.Background(), &ec2.GetEbsEncryptionByDefaultInput{})).EbsEncryptionByDefault) {
			t.Fatal("already enabled")
		}
		err, log := run(t, r, env, "AWS-EnableEbsEncryptionByDefault", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := log.final(); got != "ModifyAccount:SUCCEEDED VerifyEbsEncryptionByDefault:SUCCEEDED" {
			t.Fatalf("steps %s", got)
		}
		if !aws.ToBool(must(client.GetEbsEncryptionByDefault(context.Background(), &ec2.GetEbsEncryptionByDefaultInput{})).EbsEncryptionByDefault) {
			t.Fatal("still disabled")
		}
	})
	t.Run("ErrMissingRole", func(t *testing.T) {
		err, _ := run(t, r, env, "AWSConfigRemediation-EnableEbsEncryptionByDefault", nil)
		if err == nil || !strings.Contains(err.Error(), "AutomationAssumeRole") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestDisableSubnetAutoAssignPublicIP(t *testing.T) {
	env, _ := motoEnv(t)
	r := newRegistry(t)
	ctx := context.Background()
	client := ec2.NewFromConfig(env.AWS)
	t.Run("OK", func(t *testing.T) {
		vpc := must(client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.2.0.0/16")})).Vpc.VpcId
		subnet := must(client.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc, CidrBlock: aws.String("10.2.1.0/24")})).Subnet.SubnetId
		must(client.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: subnet, MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))
		err, log := run(t, r, env, "AWSConfigRemediation-DisableSubnetAutoAssignPublicIP", map[string][]string{
			"SubnetId": {*subnet}, "AutomationAssumeRole": {testRole},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := log.final(); got != "DisableAutoAssignPublicIPAttribute:SUCCEEDED VerifyAutoAssignPublicIPAttribute:SUCCEEDED" {
			t.Fatalf("steps %s", got)
		}
		out := must(client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{*subnet}}))
		if aws.ToBool(out.Subnets[0].MapPublicIpOnLaunch) {
			t.Fatal("still maps public IPs")
		}
	})
}
