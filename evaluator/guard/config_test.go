package guard

import (
	"encoding/json"
	"strings"
	"testing"
)

// Configuration items shaped as AWS Config delivers them to custom policy
// rules (https://docs.aws.amazon.com/config/latest/developerguide/config-item-table.html).

const s3BucketCI = `{
  "version": "1.3",
  "accountId": "123456789012",
  "configurationItemCaptureTime": "2024-05-01T10:00:00.000Z",
  "configurationItemStatus": "OK",
  "configurationStateId": "1714557600000",
  "arn": "arn:aws:s3:::example-logs",
  "resourceType": "AWS::S3::Bucket",
  "resourceId": "example-logs",
  "resourceName": "example-logs",
  "awsRegion": "us-east-1",
  "availabilityZone": "Regional",
  "resourceCreationTime": "2024-01-01T00:00:00.000Z",
  "tags": {"env": "prod", "owner": "platform"},
  "relatedEvents": [],
  "relationships": [],
  "configuration": {
    "name": "example-logs",
    "owner": {"displayName": null, "id": "a1b2c3"},
    "creationDate": "2024-01-01T00:00:00.000Z"
  },
  "supplementaryConfiguration": {
    "BucketVersioningConfiguration": {"status": "Enabled", "isMfaDeleteEnabled": null},
    "ServerSideEncryptionConfiguration": {
      "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyID": "arn:aws:kms:us-east-1:123456789012:key/1"}, "bucketKeyEnabled": true}]
    },
    "PublicAccessBlockConfiguration": {"blockPublicAcls": true, "ignorePublicAcls": true, "blockPublicPolicy": true, "restrictPublicBuckets": true},
    "BucketLoggingConfiguration": {"destinationBucketName": "central-logs", "logFilePrefix": "s3/"},
    "IsRequesterPaysEnabled": false
  }
}`

const securityGroupCI = `{
  "version": "1.3",
  "accountId": "123456789012",
  "configurationItemStatus": "OK",
  "arn": "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123",
  "resourceType": "AWS::EC2::SecurityGroup",
  "resourceId": "sg-0123",
  "resourceName": "web",
  "awsRegion": "us-east-1",
  "tags": {"env": "prod"},
  "configuration": {
    "description": "web tier",
    "groupName": "web",
    "groupId": "sg-0123",
    "vpcId": "vpc-0abc",
    "ipPermissions": [
      {"fromPort": 443, "toPort": 443, "ipProtocol": "tcp", "ipv4Ranges": [{"cidrIp": "0.0.0.0/0"}], "ipv6Ranges": [], "userIdGroupPairs": []},
      {"fromPort": 22, "toPort": 22, "ipProtocol": "tcp", "ipv4Ranges": [{"cidrIp": "10.0.0.0/8"}], "ipv6Ranges": [], "userIdGroupPairs": []}
    ],
    "ipPermissionsEgress": [{"ipProtocol": "-1", "ipv4Ranges": [{"cidrIp": "0.0.0.0/0"}], "ipv6Ranges": []}]
  },
  "supplementaryConfiguration": {}
}`

const ec2InstanceCI = `{
  "version": "1.3",
  "resourceType": "AWS::EC2::Instance",
  "resourceId": "i-0abc",
  "awsRegion": "us-east-1",
  "tags": {"env": "dev", "owner": "data"},
  "configuration": {
    "instanceId": "i-0abc",
    "instanceType": "t3.micro",
    "state": {"code": 16, "name": "running"},
    "metadataOptions": {"httpTokens": "required", "httpEndpoint": "enabled", "httpPutResponseHopLimit": 1},
    "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"volumeId": "vol-1", "deleteOnTermination": true}}],
    "tags": [{"key": "env", "value": "dev"}, {"key": "owner", "value": "data"}]
  },
  "supplementaryConfiguration": {}
}`

const dynamoTableCI = `{
  "resourceType": "AWS::DynamoDB::Table",
  "resourceId": "orders",
  "configuration": {"tableName": "orders", "tableStatus": "ACTIVE", "itemCount": 120},
  "supplementaryConfiguration": {
    "ContinuousBackupsDescription": {
      "continuousBackupsStatus": "ENABLED",
      "pointInTimeRecoveryDescription": {"pointInTimeRecoveryStatus": "ENABLED"}
    }
  }
}`

// edit decodes a CI, applies change and encodes it again.
func edit(t *testing.T, ci string, change func(doc map[string]any)) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(ci), &doc); err != nil {
		t.Fatal(err)
	}
	change(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func obj(v any, path ...string) map[string]any {
	m := v.(map[string]any)
	for _, p := range path {
		m = m[p].(map[string]any)
	}
	return m
}

type configCase struct {
	name string
	ci   string
	want string // compliance type
	msg  string // substring of the annotation
}

func runConfigCases(t *testing.T, policy string, cases []configCase) {
	t.Helper()
	p, err := Parse(policy)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := p.EvaluateJSON([]byte(tc.ci))
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Status.ComplianceType(); got != tc.want {
				t.Fatalf("compliance = %s, want %s; rules %+v", got, tc.want, rep.Rules)
			}
			if !strings.Contains(rep.Annotation(), tc.msg) {
				t.Fatalf("annotation %q does not contain %q", rep.Annotation(), tc.msg)
			}
		})
	}
}

const s3Policy = `
# S3 buckets must be versioned, encrypted at rest and closed to the public.
rule s3_versioning_enabled when resourceType == "AWS::S3::Bucket" {
    supplementaryConfiguration.BucketVersioningConfiguration.status == "Enabled"
        << bucket versioning is not enabled >>
}

rule s3_encrypted when resourceType == "AWS::S3::Bucket" {
    supplementaryConfiguration.ServerSideEncryptionConfiguration.rules[*] {
        applyServerSideEncryptionByDefault.sseAlgorithm IN ["aws:kms", "AES256"]
    }
}

rule s3_public_access_blocked when resourceType == "AWS::S3::Bucket" {
    supplementaryConfiguration.PublicAccessBlockConfiguration {
        blockPublicAcls == true
        blockPublicPolicy == true
        ignorePublicAcls == true
        restrictPublicBuckets == true
    }
}
`

func TestConfigS3Bucket(t *testing.T) {
	runConfigCases(t, s3Policy, []configCase{
		{"OK/Compliant", s3BucketCI, Compliant, ""},
		{"ErrVersioningSuspended", edit(t, s3BucketCI, func(d map[string]any) {
			obj(d, "supplementaryConfiguration", "BucketVersioningConfiguration")["status"] = "Suspended"
		}), NonCompliant, "bucket versioning is not enabled"},
		{"ErrNoEncryption", edit(t, s3BucketCI, func(d map[string]any) {
			delete(obj(d, "supplementaryConfiguration"), "ServerSideEncryptionConfiguration")
		}), NonCompliant, `"ServerSideEncryptionConfiguration" not found at /supplementaryConfiguration`},
		{"ErrWeakAlgorithm", edit(t, s3BucketCI, func(d map[string]any) {
			rule := obj(d, "supplementaryConfiguration", "ServerSideEncryptionConfiguration")["rules"].([]any)[0]
			obj(rule, "applyServerSideEncryptionByDefault")["sseAlgorithm"] = "none"
		}), NonCompliant, `"none" at /supplementaryConfiguration/ServerSideEncryptionConfiguration/rules/0/applyServerSideEncryptionByDefault/sseAlgorithm has no match`},
		{"ErrPublicPolicyAllowed", edit(t, s3BucketCI, func(d map[string]any) {
			obj(d, "supplementaryConfiguration", "PublicAccessBlockConfiguration")["blockPublicPolicy"] = false
		}), NonCompliant, "blockPublicPolicy == true: found false"},
		{"OK/OtherResourceType", securityGroupCI, NotApplicable, ""},
	})
}

const securityGroupPolicy = `
rule sg_no_world_open_admin_ports when resourceType == "AWS::EC2::SecurityGroup" {
    # Ingress rules reachable from any address.
    let world_open = configuration.ipPermissions[
        some ipv4Ranges[*].cidrIp == "0.0.0.0/0" or
        some ipv6Ranges[*].cidrIpv6 == "::/0"
    ]

    when %world_open !empty {
        %world_open {
            ipProtocol != "-1" << all traffic is open to the world >>

            when fromPort exists
                 toPort exists {
                fromPort > 22 or toPort < 22 << SSH is open to the world >>
                fromPort > 3389 OR
                toPort < 3389 << RDP is open to the world >>
            }
        }
    }
}
`

func TestConfigSecurityGroupIngress(t *testing.T) {
	perms := func(d map[string]any) []any { return obj(d, "configuration")["ipPermissions"].([]any) }
	runConfigCases(t, securityGroupPolicy, []configCase{
		{"OK/OnlyHTTPSOpen", securityGroupCI, Compliant, ""},
		{"ErrSSHOpenIPv4", edit(t, securityGroupCI, func(d map[string]any) {
			obj(perms(d)[1])["ipv4Ranges"] = []any{map[string]any{"cidrIp": "0.0.0.0/0"}}
		}), NonCompliant, "SSH is open to the world"},
		{"ErrRDPInOpenRangeIPv6", edit(t, securityGroupCI, func(d map[string]any) {
			p := obj(perms(d)[0])
			p["fromPort"], p["toPort"] = 3000.0, 4000.0
			p["ipv6Ranges"] = []any{map[string]any{"cidrIpv6": "::/0"}}
		}), NonCompliant, "RDP is open to the world"},
		{"ErrAllTrafficOpen", edit(t, securityGroupCI, func(d map[string]any) {
			p := obj(perms(d)[0])
			p["ipProtocol"] = "-1"
			delete(p, "fromPort")
			delete(p, "toPort")
		}), NonCompliant, "all traffic is open to the world"},
		// Nothing reachable from the world: the rule's only block is skipped,
		// and Guard reports the resource as not applicable.
		{"OK/NothingWorldOpen", edit(t, securityGroupCI, func(d map[string]any) {
			obj(perms(d)[0])["ipv4Ranges"] = []any{map[string]any{"cidrIp": "192.168.0.0/16"}}
		}), NotApplicable, ""},
		{"OK/OtherResourceType", s3BucketCI, NotApplicable, ""},
	})
}

const ec2Policy = `
let approved_types = ["t3.micro", "t3.small", /^m5\./]

rule ec2_instance_type_approved when resourceType == "AWS::EC2::Instance" {
    configuration.instanceType IN %approved_types
        << instance type is not on the approved list >>
}

rule ec2_imdsv2_required when resourceType == "AWS::EC2::Instance" {
    configuration.metadataOptions.httpTokens == "required"
}

rule ec2_volumes_deleted_with_instance when resourceType == "AWS::EC2::Instance" {
    configuration.blockDeviceMappings[*].ebs.deleteOnTermination == true
}
`

func TestConfigEC2InstanceType(t *testing.T) {
	setType := func(typ string) string {
		return edit(t, ec2InstanceCI, func(d map[string]any) { obj(d, "configuration")["instanceType"] = typ })
	}
	runConfigCases(t, ec2Policy, []configCase{
		{"OK/ListedType", ec2InstanceCI, Compliant, ""},
		{"OK/RegexType", setType("m5.2xlarge"), Compliant, ""},
		{"ErrUnlistedType", setType("c5.large"), NonCompliant, "instance type is not on the approved list"},
		{"ErrIMDSv1", edit(t, ec2InstanceCI, func(d map[string]any) {
			obj(d, "configuration", "metadataOptions")["httpTokens"] = "optional"
		}), NonCompliant, `configuration.metadataOptions.httpTokens == "required": found "optional"`},
		{"ErrNoBlockDevices", edit(t, ec2InstanceCI, func(d map[string]any) {
			obj(d, "configuration")["blockDeviceMappings"] = []any{}
		}), NonCompliant, "no entries in the empty list at /configuration/blockDeviceMappings"},
		{"OK/OtherResourceType", dynamoTableCI, NotApplicable, ""},
	})
}

const tagsPolicy = `
let tagged_types = ["AWS::S3::Bucket", "AWS::EC2::Instance", "AWS::EC2::SecurityGroup"]

rule required_tags when resourceType IN %tagged_types {
    tags !empty << the resource has no tags >>
    tags.env IN ["dev", "staging", "prod"] << tag env must be dev, staging or prod >>
    tags.owner exists << tag owner is required >>
    tags[ keys == /^tmp-/ ] empty << temporary tags must be removed >>
}
`

func TestConfigRequiredTags(t *testing.T) {
	runConfigCases(t, tagsPolicy, []configCase{
		{"OK/S3Tagged", s3BucketCI, Compliant, ""},
		{"OK/EC2Tagged", ec2InstanceCI, Compliant, ""},
		{"ErrMissingOwner", securityGroupCI, NonCompliant, "tag owner is required"},
		{"ErrNoTags", edit(t, s3BucketCI, func(d map[string]any) { d["tags"] = map[string]any{} }), NonCompliant,
			"the resource has no tags; tag env must be dev, staging or prod; tag owner is required"},
		{"ErrBadEnv", edit(t, s3BucketCI, func(d map[string]any) { obj(d, "tags")["env"] = "qa" }), NonCompliant,
			"tag env must be dev, staging or prod"},
		{"ErrTemporaryTag", edit(t, s3BucketCI, func(d map[string]any) { obj(d, "tags")["tmp-debug"] = "1" }), NonCompliant,
			"temporary tags must be removed"},
		{"OK/UntaggedType", dynamoTableCI, NotApplicable, ""},
	})
}

// The shape of AWS Config's own custom policy example: a rule used as a
// condition of another, a one-element list compared with a string.
const dynamoPolicy = `
rule table_active when resourceType == "AWS::DynamoDB::Table" {
    configuration.tableStatus == ["ACTIVE"]
}

rule table_pitr_enabled when
    resourceType == "AWS::DynamoDB::Table"
    table_active {
    supplementaryConfiguration.ContinuousBackupsDescription.pointInTimeRecoveryDescription.pointInTimeRecoveryStatus == "ENABLED"
}

AWS::DynamoDB::Table {
    configuration.itemCount >= 0
}
`

func TestConfigDynamoDBTable(t *testing.T) {
	pitr := func(status string) string {
		return edit(t, dynamoTableCI, func(d map[string]any) {
			obj(d, "supplementaryConfiguration", "ContinuousBackupsDescription", "pointInTimeRecoveryDescription")["pointInTimeRecoveryStatus"] = status
		})
	}
	runConfigCases(t, dynamoPolicy, []configCase{
		{"OK/ActiveWithPITR", dynamoTableCI, Compliant, ""},
		{"ErrPITRDisabled", pitr("DISABLED"), NonCompliant, `found "DISABLED"`},
		// An inactive table fails table_active and skips table_pitr_enabled.
		{"ErrInactive", edit(t, dynamoTableCI, func(d map[string]any) { obj(d, "configuration")["tableStatus"] = "CREATING" }),
			NonCompliant, `configuration.tableStatus == ["ACTIVE"]: found "CREATING"`},
		{"OK/OtherResourceType", s3BucketCI, NotApplicable, ""},
	})
}
