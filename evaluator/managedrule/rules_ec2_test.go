package managedrule

import "testing"

// securityGroupItem builds an AWS::EC2::SecurityGroup item whose
// configuration is the DescribeSecurityGroups element with lowerCamel keys,
// as AWS Config records it; ingress is the ipPermissions array.
func securityGroupItem(name, ingress, egress string) *configdItem {
	return item(ec2SecurityGroup, "sg-0123456789abcdef0", `{"description":"test","groupName":"`+name+
		`","ipPermissions":`+ingress+`,"ownerId":"123456789012","groupId":"sg-0123456789abcdef0","ipPermissionsEgress":`+egress+
		`,"vpcId":"vpc-0a1b2c3d","tags":[]}`, map[string]string{})
}

// Ingress permissions in AWS Config's format: ipv4Ranges objects plus the
// legacy ipRanges string list.
const (
	sshWorld     = `[{"fromPort":22,"ipProtocol":"tcp","ipv6Ranges":[],"prefixListIds":[],"toPort":22,"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]}]`
	sshWorldV6   = `[{"fromPort":22,"ipProtocol":"tcp","ipv6Ranges":[{"cidrIpv6":"::/0"}],"prefixListIds":[],"toPort":22,"userIdGroupPairs":[],"ipv4Ranges":[],"ipRanges":[]}]`
	sshPrivate   = `[{"fromPort":22,"ipProtocol":"tcp","ipv6Ranges":[],"prefixListIds":[],"toPort":22,"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"10.0.0.0/8"}],"ipRanges":["10.0.0.0/8"]}]`
	allWorld     = `[{"ipProtocol":"-1","ipv6Ranges":[],"prefixListIds":[],"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]}]`
	httpsWorld   = `[{"fromPort":443,"ipProtocol":"tcp","ipv6Ranges":[],"prefixListIds":[],"toPort":443,"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]}]`
	rangeWorld   = `[{"fromPort":3000,"ipProtocol":"tcp","ipv6Ranges":[],"prefixListIds":[],"toPort":3400,"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]}]`
	udpWorld     = `[{"fromPort":500,"ipProtocol":"udp","ipv6Ranges":[],"prefixListIds":[],"toPort":500,"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]}]`
	icmpWorld    = `[{"fromPort":-1,"ipProtocol":"icmp","ipv6Ranges":[],"prefixListIds":[],"toPort":-1,"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]}]`
	fromGroup    = `[{"ipProtocol":"-1","ipv6Ranges":[],"prefixListIds":[],"userIdGroupPairs":[{"groupId":"sg-0123456789abcdef0","userId":"123456789012"}],"ipv4Ranges":[],"ipRanges":[]}]`
	egressAll    = `[{"ipProtocol":"-1","ipv6Ranges":[],"prefixListIds":[],"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]}]`
	noPermission = `[]`
)

func TestIncomingSSHDisabled(t *testing.T) {
	runRuleCases(t, "INCOMING_SSH_DISABLED", []ruleCase{
		{name: "CompliantPrivateCIDR", ci: securityGroupItem("web", sshPrivate, egressAll), want: Compliant},
		{name: "CompliantOtherPort", ci: securityGroupItem("web", httpsWorld, egressAll), want: Compliant},
		{name: "CompliantNoRules", ci: securityGroupItem("web", noPermission, noPermission), want: Compliant},
		{name: "NonCompliantIPv4", ci: securityGroupItem("web", sshWorld, egressAll), want: NonCompliant, annotation: "0.0.0.0/0"},
		{name: "NonCompliantIPv6", ci: securityGroupItem("web", sshWorldV6, egressAll), want: NonCompliant, annotation: "::/0"},
		{name: "NonCompliantAllTraffic", ci: securityGroupItem("web", allWorld, egressAll), want: NonCompliant},
		{name: "NonCompliantRangeCovers22", ci: securityGroupItem("web", `[{"fromPort":0,"toPort":1024,"ipProtocol":"6","ipRanges":["0.0.0.0/0"]}]`, egressAll), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(securityGroupItem("web", sshWorld, egressAll)), want: NotApplicable},
	})
}

func TestRestrictedIncomingTraffic(t *testing.T) {
	rdpWorld := `[{"fromPort":3389,"ipProtocol":"tcp","toPort":3389,"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]}]`
	runRuleCases(t, "RESTRICTED_INCOMING_TRAFFIC", []ruleCase{
		{name: "CompliantHTTPS", ci: securityGroupItem("web", httpsWorld, egressAll), want: Compliant},
		{name: "NonCompliantDefaultPort3389", ci: securityGroupItem("web", rdpWorld, egressAll), want: NonCompliant, annotation: "3389"},
		{name: "NonCompliantAllTraffic", ci: securityGroupItem("web", allWorld, egressAll), want: NonCompliant, annotation: "20, 21, 3389, 3306, 4333"},
		{name: "NonCompliantRangeCoversDefault", ci: securityGroupItem("web", rangeWorld, egressAll), want: NonCompliant, annotation: "3389, 3306"},
		{name: "CompliantUDP", ci: securityGroupItem("web", `[{"fromPort":3389,"ipProtocol":"udp","toPort":3389,"ipRanges":["0.0.0.0/0"]}]`, egressAll), want: Compliant},
		{name: "ParamBlockedPort1Overrides", ci: securityGroupItem("web", httpsWorld, egressAll), params: `{"blockedPort1":"443"}`, want: NonCompliant, annotation: "443"},
		{name: "ParamBlockedPorts", ci: securityGroupItem("web", httpsWorld, egressAll), params: `{"blockedPorts":"80, 443"}`, want: NonCompliant, annotation: "443"},
		{name: "ParamBlockedPortReplacesDefault", ci: securityGroupItem("web", rdpWorld, egressAll), params: `{"blockedPort3":"25"}`, want: Compliant},
	})
}

func TestVPCSGOpenOnlyToAuthorizedPorts(t *testing.T) {
	runRuleCases(t, "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", []ruleCase{
		{name: "CompliantNotWorldOpen", ci: securityGroupItem("web", sshPrivate, egressAll), want: Compliant},
		{name: "CompliantICMP", ci: securityGroupItem("web", icmpWorld, egressAll), want: Compliant},
		{name: "NonCompliantNoAuthorizedPorts", ci: securityGroupItem("web", httpsWorld, egressAll), want: NonCompliant, annotation: "443"},
		{name: "ParamAuthorizedTCP", ci: securityGroupItem("web", httpsWorld, egressAll), params: `{"authorizedTcpPorts":"443,1020-1025"}`, want: Compliant},
		{name: "ParamAuthorizedRangeCovers", ci: securityGroupItem("web", rangeWorld, egressAll), params: `{"authorizedTcpPorts":"3000-3200,3201-3400"}`, want: Compliant},
		{name: "ParamAuthorizedRangePartial", ci: securityGroupItem("web", rangeWorld, egressAll), params: `{"authorizedTcpPorts":"3000-3200"}`, want: NonCompliant, annotation: "3000-3400"},
		{name: "ParamTCPDoesNotAuthorizeUDP", ci: securityGroupItem("web", udpWorld, egressAll), params: `{"authorizedTcpPorts":"500"}`, want: NonCompliant, annotation: "UDP"},
		{name: "ParamAuthorizedUDP", ci: securityGroupItem("web", udpWorld, egressAll), params: `{"authorizedUdpPorts":"500"}`, want: Compliant},
		{name: "NonCompliantAllTraffic", ci: securityGroupItem("web", allWorld, egressAll), params: `{"authorizedTcpPorts":"0-65535"}`, want: NonCompliant},
	})
}

func TestVPCDefaultSecurityGroupClosed(t *testing.T) {
	runRuleCases(t, "VPC_DEFAULT_SECURITY_GROUP_CLOSED", []ruleCase{
		{name: "Compliant", ci: securityGroupItem("default", noPermission, noPermission), want: Compliant},
		{name: "NonCompliantIngress", ci: securityGroupItem("default", fromGroup, noPermission), want: NonCompliant},
		{name: "NonCompliantEgress", ci: securityGroupItem("default", noPermission, egressAll), want: NonCompliant},
		{name: "NotApplicableNotDefault", ci: securityGroupItem("web", fromGroup, egressAll), want: NotApplicable},
	})
}

// instanceItem builds an AWS::EC2::Instance item: the DescribeInstances
// element with lowerCamel keys. extra is spliced into the object.
func instanceItem(extra string) *configdItem {
	return item(ec2Instance, "i-0123456789abcdef0", `{"amiLaunchIndex":0,"imageId":"ami-0abcdef1234567890","instanceId":"i-0123456789abcdef0",`+
		`"instanceType":"t3.micro","launchTime":"2024-01-02T03:04:05.000Z","placement":{"availabilityZone":"us-east-1a","tenancy":"default"},`+
		`"privateIpAddress":"10.0.0.12","state":{"code":16,"name":"running"},"subnetId":"subnet-0a1b2c3d","vpcId":"vpc-0a1b2c3d",`+
		`"networkInterfaces":[{"networkInterfaceId":"eni-0a1b2c3d","privateIpAddress":"10.0.0.12"}]`+extra+`}`, map[string]string{})
}

func TestEC2InstanceNoPublicIP(t *testing.T) {
	runRuleCases(t, "EC2_INSTANCE_NO_PUBLIC_IP", []ruleCase{
		{name: "Compliant", ci: instanceItem(""), want: Compliant},
		{name: "NonCompliantPublicIP", ci: instanceItem(`,"publicIpAddress":"54.1.2.3","publicDnsName":"ec2-54-1-2-3.compute-1.amazonaws.com"`), want: NonCompliant, annotation: "54.1.2.3"},
		{name: "NonCompliantInterfaceAssociation", ci: item(ec2Instance, "i-1", `{"instanceId":"i-1","networkInterfaces":[{"association":{"publicIp":"3.3.3.3","ipOwnerId":"amazon"}}]}`, nil), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(instanceItem("")), want: NotApplicable},
	})
}

func TestEC2IMDSv2Check(t *testing.T) {
	runRuleCases(t, "EC2_IMDSV2_CHECK", []ruleCase{
		{name: "Compliant", ci: instanceItem(`,"metadataOptions":{"state":"applied","httpTokens":"required","httpPutResponseHopLimit":2,"httpEndpoint":"enabled"}`), want: Compliant},
		{name: "NonCompliantOptional", ci: instanceItem(`,"metadataOptions":{"state":"applied","httpTokens":"optional","httpPutResponseHopLimit":1,"httpEndpoint":"enabled"}`), want: NonCompliant},
		{name: "NonCompliantMissing", ci: instanceItem(""), want: NonCompliant},
	})
}

func TestEC2InstanceDetailedMonitoringEnabled(t *testing.T) {
	runRuleCases(t, "EC2_INSTANCE_DETAILED_MONITORING_ENABLED", []ruleCase{
		{name: "Compliant", ci: instanceItem(`,"monitoring":{"state":"enabled"}`), want: Compliant},
		{name: "NonCompliant", ci: instanceItem(`,"monitoring":{"state":"disabled"}`), want: NonCompliant},
		{name: "NonCompliantPending", ci: instanceItem(`,"monitoring":{"state":"pending"}`), want: NonCompliant},
	})
}

func TestDesiredInstanceType(t *testing.T) {
	runRuleCases(t, "DESIRED_INSTANCE_TYPE", []ruleCase{
		{name: "Compliant", ci: instanceItem(""), params: `{"instanceType":"t2.small, t3.micro"}`, want: Compliant},
		{name: "NonCompliant", ci: instanceItem(""), params: `{"instanceType":"m5.large"}`, want: NonCompliant, annotation: "t3.micro"},
	})
}

func TestApprovedAMIsByID(t *testing.T) {
	runRuleCases(t, "APPROVED_AMIS_BY_ID", []ruleCase{
		{name: "Compliant", ci: instanceItem(""), params: `{"amiIds":"ami-0abcdef1234567890,ami-1"}`, want: Compliant},
		{name: "NonCompliant", ci: instanceItem(""), params: `{"amiIds":"ami-1"}`, want: NonCompliant, annotation: "ami-0abcdef1234567890"},
	})
}

// volumeItem builds an AWS::EC2::Volume item (DescribeVolumes element).
func volumeItem(encrypted, state, attachments string) *configdItem {
	return item(ec2Volume, "vol-0123456789abcdef0", `{"attachments":`+attachments+`,"availabilityZone":"us-east-1a","createTime":"2024-01-02T03:04:05.000Z",`+
		`"encrypted":`+encrypted+`,"kmsKeyId":"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab","size":8,"snapshotId":"",`+
		`"state":`+state+`,"volumeId":"vol-0123456789abcdef0","iops":100,"volumeType":"gp2"}`, map[string]string{})
}

const (
	attachedDelete = `[{"attachTime":"2024-01-02T03:04:05.000Z","device":"/dev/xvda","instanceId":"i-0123456789abcdef0","state":"attached","volumeId":"vol-0123456789abcdef0","deleteOnTermination":true}]`
	attachedKeep   = `[{"attachTime":"2024-01-02T03:04:05.000Z","device":"/dev/xvdb","instanceId":"i-0123456789abcdef0","state":"attached","volumeId":"vol-0123456789abcdef0","deleteOnTermination":false}]`
)

func TestEncryptedVolumes(t *testing.T) {
	runRuleCases(t, "ENCRYPTED_VOLUMES", []ruleCase{
		{name: "Compliant", ci: volumeItem("true", `"in-use"`, attachedDelete), want: Compliant},
		{name: "NonCompliant", ci: volumeItem("false", `"in-use"`, attachedDelete), want: NonCompliant},
		{name: "NotApplicableUnattached", ci: volumeItem("false", `"available"`, `[]`), want: NotApplicable},
		{name: "StateAsObject", ci: volumeItem("false", `{"value":"in-use"}`, `[]`), want: NonCompliant},
		{name: "ParamKmsIDMatchesByID", ci: volumeItem("true", `"in-use"`, attachedDelete), params: `{"kmsId":"1234abcd-12ab-34cd-56ef-1234567890ab"}`, want: Compliant},
		{name: "ParamKmsIDMatchesByARN", ci: volumeItem("true", `"in-use"`, attachedDelete), params: `{"kmsId":"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}`, want: Compliant},
		{name: "ParamKmsIDDiffers", ci: volumeItem("true", `"in-use"`, attachedDelete), params: `{"kmsId":"other-key"}`, want: NonCompliant, annotation: "other-key"},
	})
}

func TestEC2VolumeInUseCheck(t *testing.T) {
	runRuleCases(t, "EC2_VOLUME_INUSE_CHECK", []ruleCase{
		{name: "Compliant", ci: volumeItem("true", `"in-use"`, attachedKeep), want: Compliant},
		{name: "NonCompliantAvailable", ci: volumeItem("true", `"available"`, `[]`), want: NonCompliant},
		{name: "ParamDeleteOnTerminationTrue", ci: volumeItem("true", `"in-use"`, attachedDelete), params: `{"deleteOnTermination":"TRUE"}`, want: Compliant},
		{name: "ParamDeleteOnTerminationMismatch", ci: volumeItem("true", `"in-use"`, attachedKeep), params: `{"deleteOnTermination":"true"}`, want: NonCompliant, annotation: "false"},
		{name: "ParamDeleteOnTerminationFalse", ci: volumeItem("true", `"in-use"`, attachedKeep), params: `{"deleteOnTermination":"false"}`, want: Compliant},
	})
}

func TestSubnetAutoAssignPublicIPDisabled(t *testing.T) {
	subnet := func(mapPublic string) *configdItem {
		return item(ec2Subnet, "subnet-0a1b2c3d", `{"availabilityZone":"us-east-1a","availableIpAddressCount":251,"cidrBlock":"10.0.1.0/24",`+
			`"defaultForAz":false,"mapPublicIpOnLaunch":`+mapPublic+`,"state":"available","subnetId":"subnet-0a1b2c3d","vpcId":"vpc-0a1b2c3d",`+
			`"assignIpv6AddressOnCreation":false,"ipv6CidrBlockAssociationSet":[],"tags":[]}`, nil)
	}
	runRuleCases(t, "SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED", []ruleCase{
		{name: "Compliant", ci: subnet("false"), want: Compliant},
		{name: "NonCompliant", ci: subnet("true"), want: NonCompliant},
		{name: "NotApplicableVolume", ci: volumeItem("true", `"in-use"`, attachedKeep), want: NotApplicable},
	})
}
