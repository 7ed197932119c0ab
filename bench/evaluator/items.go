package main

import (
	"fmt"

	"github.com/configd/configd"
)

// The benchmark's configuration items, in AWS Config's format (docs/ci-formats.md),
// of four resource types, with contents that vary by index so that rules
// reach every verdict.

const (
	typeBucket   = "AWS::S3::Bucket"
	typeSG       = "AWS::EC2::SecurityGroup"
	typeInstance = "AWS::EC2::Instance"
	typeVolume   = "AWS::EC2::Volume"
)

// mix says how many of every hundred items are of each type.
var mix = []struct {
	typ   string
	share int
}{{typeBucket, 40}, {typeSG, 25}, {typeInstance, 20}, {typeVolume, 15}}

// itemAt returns item i of the benchmark corpus.
func itemAt(i int) *configd.ConfigurationItem {
	slot := i % 100
	for _, m := range mix {
		if slot < m.share {
			return makeItem(m.typ, i)
		}
		slot -= m.share
	}
	panic("unreachable")
}

func makeItem(typ string, i int) *configd.ConfigurationItem {
	var ci *configd.ConfigurationItem
	switch typ {
	case typeBucket:
		ci = bucketItem(i)
	case typeSG:
		ci = sgItem(i)
	case typeInstance:
		ci = instanceItem(i)
	default:
		ci = volumeItem(i)
	}
	return ci
}

// inScope sets the item's account and region to the benchmark's.
func inScope(ci *configd.ConfigurationItem) *configd.ConfigurationItem {
	ci.AccountID, ci.Region, ci.Version, ci.Status = "123456789012", "us-east-1", configd.CIVersion, configd.CIStatusOK
	return ci
}

func pick(i int, a, b string) string {
	if i%3 == 0 {
		return b
	}
	return a
}

func bucketItem(i int) *configd.ConfigurationItem {
	name := fmt.Sprintf("bench-bucket-%07d", i)
	supp := map[string]string{
		"AccessControlList":              `"{\"grantSet\":null,\"grantList\":[{\"grantee\":{\"id\":\"4df55416215956920d9d056aa8b99803a294ea221222bb668b55a8c6bca81094\",\"displayName\":null},\"permission\":\"FullControl\"}` + pick(i, "", `,{\"grantee\":\"AllUsers\",\"permission\":\"Read\"}`) + `],\"owner\":{\"displayName\":null,\"id\":\"4df55416215956920d9d056aa8b99803a294ea221222bb668b55a8c6bca81094\"},\"isRequesterCharged\":false}"`,
		"BucketVersioningConfiguration":  `{"status":"` + pick(i, "Enabled", "Off") + `","isMfaDeleteEnabled":null}`,
		"BucketLoggingConfiguration":     pick(i+1, `{"destinationBucketName":"logs","logFilePrefix":"`+name+`/"}`, `{"destinationBucketName":null,"logFilePrefix":null}`),
		"BucketPolicy":                   `{"policyText":null}`,
		"PublicAccessBlockConfiguration": `{"blockPublicAcls":true,"ignorePublicAcls":true,"blockPublicPolicy":true,"restrictPublicBuckets":` + pick(i+2, "true", "false") + `}`,
	}
	if i%4 != 0 {
		supp["ServerSideEncryptionConfiguration"] = `{"rules":[{"applyServerSideEncryptionByDefault":{"sseAlgorithm":"aws:kms","kmsMasterKeyID":null},"bucketKeyEnabled":true}]}`
	}
	return inScope(&configd.ConfigurationItem{ResourceType: typeBucket, ResourceID: name, ResourceName: name, ARN: "arn:aws:s3:::" + name,
		AvailabilityZone: "Regional", Tags: map[string]string{"team": pick(i, "storage", "web"), "CostCenter": fmt.Sprint(i % 17)},
		Configuration:              `{"name":"` + name + `","owner":{"displayName":null,"id":"4df55416215956920d9d056aa8b99803a294ea221222bb668b55a8c6bca81094"},"creationDate":"2024-01-02T03:04:05.000Z"}`,
		SupplementaryConfiguration: supp})
}

func sgItem(i int) *configd.ConfigurationItem {
	id := fmt.Sprintf("sg-%017x", i)
	ingress := `[{"fromPort":443,"ipProtocol":"tcp","ipv6Ranges":[],"prefixListIds":[],"toPort":443,"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]},` +
		`{"fromPort":22,"ipProtocol":"tcp","ipv6Ranges":[],"prefixListIds":[],"toPort":22,"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"` + pick(i, "10.0.0.0/8", "0.0.0.0/0") + `"}],"ipRanges":["` + pick(i, "10.0.0.0/8", "0.0.0.0/0") + `"]}]`
	egress := `[{"ipProtocol":"-1","ipv6Ranges":[],"prefixListIds":[],"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]}]`
	name := pick(i+1, fmt.Sprintf("web-%d", i), "default")
	return inScope(&configd.ConfigurationItem{ResourceType: typeSG, ResourceID: id, ResourceName: name, ARN: "arn:aws:ec2:us-east-1:123456789012:security-group/" + id,
		AvailabilityZone: "Not Applicable",
		Configuration: `{"description":"bench","groupName":"` + name + `","ipPermissions":` + ingress + `,"ownerId":"123456789012","groupId":"` + id +
			`","ipPermissionsEgress":` + egress + `,"vpcId":"vpc-0a1b2c3d","tags":[]}`,
		Relationships: []configd.Relationship{{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-0a1b2c3d", RelationshipName: "Is contained in Vpc"}}})
}

func instanceItem(i int) *configd.ConfigurationItem {
	id := fmt.Sprintf("i-%017x", i)
	public := pick(i, "", `,"publicIpAddress":"54.1.2.3","publicDnsName":"ec2-54-1-2-3.compute-1.amazonaws.com"`)
	return inScope(&configd.ConfigurationItem{ResourceType: typeInstance, ResourceID: id, ARN: "arn:aws:ec2:us-east-1:123456789012:instance/" + id,
		AvailabilityZone: "us-east-1a", Tags: map[string]string{"CostCenter": pick(i+2, "1", "")},
		Configuration: `{"amiLaunchIndex":0,"imageId":"ami-0abcdef1234567890","instanceId":"` + id + `","instanceType":"` + pick(i+1, "t3.micro", "m5.large") +
			`","launchTime":"2024-01-02T03:04:05.000Z","placement":{"availabilityZone":"us-east-1a","tenancy":"default"},"privateIpAddress":"10.0.0.12",` +
			`"state":{"code":16,"name":"running"},"subnetId":"subnet-0a1b2c3d","vpcId":"vpc-0a1b2c3d","monitoring":{"state":"` + pick(i, "enabled", "disabled") +
			`"},"metadataOptions":{"httpTokens":"` + pick(i+2, "required", "optional") + `"},"networkInterfaces":[{"networkInterfaceId":"eni-0a1b2c3d","privateIpAddress":"10.0.0.12"}]` + public + `}`})
}

func volumeItem(i int) *configd.ConfigurationItem {
	id := fmt.Sprintf("vol-%017x", i)
	return inScope(&configd.ConfigurationItem{ResourceType: typeVolume, ResourceID: id, ARN: "arn:aws:ec2:us-east-1:123456789012:volume/" + id,
		AvailabilityZone: "us-east-1a",
		Configuration: `{"attachments":[{"attachTime":"2024-01-02T03:04:05.000Z","device":"/dev/xvda","instanceId":"i-0123456789abcdef0","state":"attached","volumeId":"` + id +
			`","deleteOnTermination":` + pick(i, "true", "false") + `}],"availabilityZone":"us-east-1a","createTime":"2024-01-02T03:04:05.000Z","encrypted":` + pick(i+1, "true", "false") +
			`,"size":8,"snapshotId":"","state":"in-use","volumeId":"` + id + `","iops":100,"volumeType":"gp2"}`})
}

// managedRules are the benchmark's 16 managed rules (identifier, parameters).
var managedRules = [][2]string{
	{"S3_BUCKET_VERSIONING_ENABLED", ""},
	{"S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", ""},
	{"S3_BUCKET_PUBLIC_READ_PROHIBITED", ""},
	{"S3_BUCKET_PUBLIC_WRITE_PROHIBITED", ""},
	{"S3_BUCKET_LOGGING_ENABLED", ""},
	{"S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", ""},
	{"INCOMING_SSH_DISABLED", ""},
	{"RESTRICTED_INCOMING_TRAFFIC", ""},
	{"VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", `{"authorizedTcpPorts":"443"}`},
	{"VPC_DEFAULT_SECURITY_GROUP_CLOSED", ""},
	{"EC2_INSTANCE_NO_PUBLIC_IP", ""},
	{"EC2_IMDSV2_CHECK", ""},
	{"EC2_INSTANCE_DETAILED_MONITORING_ENABLED", ""},
	{"DESIRED_INSTANCE_TYPE", `{"instanceType":"t3.micro"}`},
	{"ENCRYPTED_VOLUMES", ""},
	{"EC2_VOLUME_INUSE_CHECK", `{"deleteOnTermination":"true"}`},
}

// guardPolicy10 is a Guard policy of ten clauses over S3 bucket items.
const guardPolicy10 = `
let versioning = supplementaryConfiguration.BucketVersioningConfiguration
rule bucket_hygiene when resourceType == "AWS::S3::Bucket" {
    %versioning.status == "Enabled" << versioning must be enabled >>
    supplementaryConfiguration.PublicAccessBlockConfiguration.blockPublicAcls == true
    supplementaryConfiguration.PublicAccessBlockConfiguration.ignorePublicAcls == true
    supplementaryConfiguration.PublicAccessBlockConfiguration.restrictPublicBuckets == true
    supplementaryConfiguration.ServerSideEncryptionConfiguration.rules[*].applyServerSideEncryptionByDefault.sseAlgorithm IN ["aws:kms", "AES256"]
    configuration.name == /^bench-bucket-/
    tags.team exists
    tags.team IN ["storage", "web", "data"]
    awsRegion == "us-east-1"
    configurationItemStatus != "ResourceDeleted"
}
`

// guardRules are the benchmark's four Guard rules (name, policy, types).
var guardRules = []struct {
	name, policy string
	types        []string
}{
	{"guard-bucket-hygiene", guardPolicy10, []string{typeBucket}},
	{"guard-sg-described", `rule described { configuration.description exists }`, []string{typeSG}},
	{"guard-instance-tagged", `rule tagged { tags.CostCenter exists << CostCenter tag missing >> }`, []string{typeInstance}},
	{"guard-volume-size", `rule small { configuration.size <= 100 }`, []string{typeVolume}},
}
