package runbook

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func ec2Runbooks() []*native {
	return []*native{
		disablePublicAccessForSecurityGroup(),
		removeUnrestrictedSourceIngressRules(),
		stopEC2Instance(),
		// The issue names AWS-EnableEbsEncryptionByDefault; AWS publishes it as
		// AWSConfigRemediation-EnableEbsEncryptionByDefault, whose
		// AutomationAssumeRole is required. Both names run it.
		enableEbsEncryptionByDefault("AWS-EnableEbsEncryptionByDefault", false),
		enableEbsEncryptionByDefault("AWSConfigRemediation-EnableEbsEncryptionByDefault", true),
		disableSubnetAutoAssignPublicIP(),
	}
}

// Ports AWS-DisablePublicAccessForSecurityGroup closes: SSH and RDP.
var adminPorts = []int32{22, 3389}

// disablePublicAccessForSecurityGroup is AWS-DisablePublicAccessForSecurityGroup
// (https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-disablepublicaccessforsecuritygroup.html):
// it revokes the TCP 22 and 3389 ingress rules open to 0.0.0.0/0 and ::/0,
// or to IpAddressToBlock when given. AWS's document fails with
// InvalidPermission.NotFound when one of those exact rules is absent;
// configd revokes the ones present and succeeds when there are none, so
// that a retry after a partial run does not fail.
func disablePublicAccessForSecurityGroup() *native {
	revoke := func(cidrs ...string) func(ctx context.Context, c *call) error {
		return func(ctx context.Context, c *call) error {
			client := ec2.NewFromConfig(c.cfg)
			sg, err := describeGroup(ctx, client, c.p.str("GroupId"))
			if err != nil {
				return err
			}
			var perms []types.IpPermission
			for _, p := range sg.IpPermissions {
				if aws.ToString(p.IpProtocol) != "tcp" || p.FromPort == nil || p.ToPort == nil || *p.FromPort != *p.ToPort || !containsPort(adminPorts, *p.FromPort) {
					continue
				}
				perm := types.IpPermission{IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort}
				for _, r := range p.IpRanges {
					if contains(cidrs, aws.ToString(r.CidrIp)) {
						perm.IpRanges = append(perm.IpRanges, types.IpRange{CidrIp: r.CidrIp})
					}
				}
				for _, r := range p.Ipv6Ranges {
					if contains(cidrs, aws.ToString(r.CidrIpv6)) {
						perm.Ipv6Ranges = append(perm.Ipv6Ranges, types.Ipv6Range{CidrIpv6: r.CidrIpv6})
					}
				}
				if len(perm.IpRanges)+len(perm.Ipv6Ranges) > 0 {
					perms = append(perms, perm)
				}
			}
			if len(perms) == 0 {
				c.env.Logger.Info("no SSH or RDP rule open to the addresses", "group", c.p.str("GroupId"), "addresses", cidrs)
				return nil
			}
			_, err = client.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: perms})
			return err
		}
	}
	custom := func(ctx context.Context, c *call) error { return revoke(c.p.str("IpAddressToBlock"))(ctx, c) }
	return &native{
		name: "AWS-DisablePublicAccessForSecurityGroup",
		params: []Parameter{
			roleParam(false),
			withPattern(required("GroupId", "The ID of the security group for which the ports should be disabled."), `^sg-[0-9a-f]+$`),
			withPattern(optional("IpAddressToBlock", TypeString, "", "Additional IPv4 or IPv6 address range to block, in CIDR form (1.2.3.4/32)."),
				`^$|^[0-9.]+/[0-9]{1,2}$|^[0-9A-Fa-f:]+/[0-9]{1,3}$`),
		},
		steps: []nativeStep{
			{
				name: "CustomIpCheck",
				run:  func(context.Context, *call) error { return nil },
				next: func(c *call) string {
					ip := c.p.str("IpAddressToBlock")
					switch {
					case ip == "":
						return "DisableFromAllIp"
					case strings.Contains(ip, ":"):
						return "DisableFromCustomIpV6"
					}
					return "DisableFromCustomIpV4"
				},
			},
			{name: "DisableFromAllIp", run: revoke("0.0.0.0/0", "::/0"), next: func(*call) string { return end }},
			{name: "DisableFromCustomIpV4", run: custom, next: func(*call) string { return end }},
			{name: "DisableFromCustomIpV6", run: custom, next: func(*call) string { return end }},
		},
	}
}

// removeUnrestrictedSourceIngressRules is
// AWSConfigRemediation-RemoveUnrestrictedSourceIngressRules
// (https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-remove-unrestricted-source-ingress-rules.html):
// every ingress rule open to 0.0.0.0/0 or ::/0 is revoked, then the group
// is checked again.
func removeUnrestrictedSourceIngressRules() *native {
	return &native{
		name: "AWSConfigRemediation-RemoveUnrestrictedSourceIngressRules",
		params: []Parameter{
			roleParam(true),
			withPattern(required("SecurityGroupId", "The ID of the security group to remove ingress rules open to all source addresses from."), `^sg-[a-z0-9]+$`),
		},
		steps: []nativeStep{{
			name: "RemoveUnrestrictedIngressRulesAndVerify",
			run: func(ctx context.Context, c *call) error {
				client := ec2.NewFromConfig(c.cfg)
				id := c.p.str("SecurityGroupId")
				sg, err := describeGroup(ctx, client, id)
				if err != nil {
					return err
				}
				if perms := unrestricted(sg.IpPermissions); len(perms) > 0 {
					if _, err := client.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: perms}); err != nil {
						return err
					}
				}
				sg, err = describeGroup(ctx, client, id)
				if err != nil {
					return err
				}
				if left := unrestricted(sg.IpPermissions); len(left) > 0 {
					return fmt.Errorf("verification failed: security group %s still has %d ingress rules open to all addresses", id, len(left))
				}
				return nil
			},
		}},
	}
}

// unrestricted returns the parts of perms open to every address.
func unrestricted(perms []types.IpPermission) []types.IpPermission {
	var out []types.IpPermission
	for _, p := range perms {
		perm := types.IpPermission{IpProtocol: p.IpProtocol, FromPort: p.FromPort, ToPort: p.ToPort}
		for _, r := range p.IpRanges {
			if aws.ToString(r.CidrIp) == "0.0.0.0/0" {
				perm.IpRanges = append(perm.IpRanges, types.IpRange{CidrIp: r.CidrIp})
			}
		}
		for _, r := range p.Ipv6Ranges {
			if aws.ToString(r.CidrIpv6) == "::/0" {
				perm.Ipv6Ranges = append(perm.Ipv6Ranges, types.Ipv6Range{CidrIpv6: r.CidrIpv6})
			}
		}
		if len(perm.IpRanges)+len(perm.Ipv6Ranges) > 0 {
			out = append(out, perm)
		}
	}
	return out
}

func describeGroup(ctx context.Context, client *ec2.Client, id string) (*types.SecurityGroup, error) {
	out, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil {
		return nil, err
	}
	if len(out.SecurityGroups) != 1 {
		return nil, fmt.Errorf("security group %s not found", id)
	}
	return &out.SecurityGroups[0], nil
}

// Instance state polling of aws:changeInstanceState.
const (
	instancePoll    = 5 * time.Second
	instanceTimeout = 10 * time.Minute
)

// stopEC2Instance is AWS-StopEC2Instance
// (https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-stopec2instance.html):
// stopInstances (onFailure: Continue) stops the instances and waits for the
// stopped state; forceStopInstances force-stops those still not stopped.
func stopEC2Instance() *native {
	stop := func(force bool) func(ctx context.Context, c *call) error {
		return func(ctx context.Context, c *call) error {
			client := ec2.NewFromConfig(c.cfg)
			ids := c.p.list("InstanceId")
			running, err := notStopped(ctx, client, ids)
			if err != nil || len(running) == 0 {
				return err
			}
			if _, err := client.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: running, Force: aws.Bool(force)}); err != nil {
				return err
			}
			return poll(ctx, c.env, instancePoll, instanceTimeout, func() (bool, error) {
				left, err := notStopped(ctx, client, ids)
				return len(left) == 0, err
			})
		}
	}
	return &native{
		name: "AWS-StopEC2Instance",
		params: []Parameter{
			roleParam(false),
			{Name: "InstanceId", Type: TypeStringList, Required: true, Description: "EC2 instances to stop.", AllowedPattern: `^i-[0-9a-f]+$`},
		},
		steps: []nativeStep{
			{name: "stopInstances", continueOnFailure: true, run: stop(false)},
			{name: "forceStopInstances", run: stop(true)},
		},
	}
}

// notStopped returns the instances of ids not in the stopped state.
func notStopped(ctx context.Context, client *ec2.Client, ids []string) ([]string, error) {
	out, err := client.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
	if err != nil {
		return nil, err
	}
	var left []string
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			if i.State == nil || i.State.Name != types.InstanceStateNameStopped {
				left = append(left, aws.ToString(i.InstanceId))
			}
		}
	}
	return left, nil
}

// enableEbsEncryptionByDefault is AWSConfigRemediation-EnableEbsEncryptionByDefault
// (https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-enable-ebs-encryption-by-default.html).
func enableEbsEncryptionByDefault(name string, roleRequired bool) *native {
	return &native{
		name:   name,
		params: []Parameter{roleParam(roleRequired)},
		steps: []nativeStep{
			{
				name: "ModifyAccount",
				run: func(ctx context.Context, c *call) error {
					_, err := ec2.NewFromConfig(c.cfg).EnableEbsEncryptionByDefault(ctx, &ec2.EnableEbsEncryptionByDefaultInput{})
					return err
				},
			},
			{
				name: "VerifyEbsEncryptionByDefault",
				run: func(ctx context.Context, c *call) error {
					out, err := ec2.NewFromConfig(c.cfg).GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
					if err != nil {
						return err
					}
					if !aws.ToBool(out.EbsEncryptionByDefault) {
						return fmt.Errorf("EBS encryption by default is still disabled in %s", c.cfg.Region)
					}
					return nil
				},
			},
		},
	}
}

// disableSubnetAutoAssignPublicIP is
// AWSConfigRemediation-DisableSubnetAutoAssignPublicIP
// (https://docs.aws.amazon.com/systems-manager-automation-runbooks/latest/userguide/automation-aws-disable-subnet-auto-assign-public-ip.html):
// MapPublicIpOnLaunch set to false, then checked.
func disableSubnetAutoAssignPublicIP() *native {
	return &native{
		name: "AWSConfigRemediation-DisableSubnetAutoAssignPublicIP",
		params: []Parameter{
			roleParam(true),
			withPattern(required("SubnetId", "The ID of the subnet."), `^subnet-[0-9a-f]+$`),
		},
		steps: []nativeStep{
			{
				name: "DisableAutoAssignPublicIPAttribute",
				run: func(ctx context.Context, c *call) error {
					_, err := ec2.NewFromConfig(c.cfg).ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{
						SubnetId:            aws.String(c.p.str("SubnetId")),
						MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(false)},
					})
					return err
				},
			},
			{
				name: "VerifyAutoAssignPublicIPAttribute",
				run: func(ctx context.Context, c *call) error {
					out, err := ec2.NewFromConfig(c.cfg).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{c.p.str("SubnetId")}})
					if err != nil {
						return err
					}
					if len(out.Subnets) != 1 || aws.ToBool(out.Subnets[0].MapPublicIpOnLaunch) {
						return fmt.Errorf("subnet %s still assigns public IP addresses on launch", c.p.str("SubnetId"))
					}
					return nil
				},
			},
		},
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsPort(list []int32, p int32) bool {
	for _, x := range list {
		if x == p {
			return true
		}
	}
	return false
}
