package managedrule

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/configd/configd"
)

// cfnItem is an item of resourceType whose configuration FromCloudFormation
// wrote from the CloudFormation properties props (JSON, decoded as
// StartResourceEvaluation decodes it).
func cfnItem(t *testing.T, resourceType, props string) *configd.ConfigurationItem {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(props)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	ci := item(resourceType, "planned", "", nil)
	if !FromCloudFormation(ci, m) {
		t.Fatalf("FromCloudFormation(%s) = false", resourceType)
	}
	return ci
}

// TestProactiveRules evaluates each proactive rule on items written from
// CloudFormation properties: the example of the rule's "Proactive
// Evaluation" section (COMPLIANT), and the property set otherwise or left
// to its default.
func TestProactiveRules(t *testing.T) {
	cases := map[string][]struct {
		name, typ, props, params, want string
	}{
		"S3_BUCKET_LOGGING_ENABLED": {
			{"Documented", s3Bucket, `{"BucketName":"b","LoggingConfiguration":{"DestinationBucketName":"logs","LogFilePrefix":"my-log"}}`, "", Compliant},
			{"ToItself", s3Bucket, `{"BucketName":"b","LoggingConfiguration":{}}`, `{"targetBucket":"b"}`, Compliant},
			{"OtherTarget", s3Bucket, `{"BucketName":"b","LoggingConfiguration":{"DestinationBucketName":"logs"}}`, `{"targetBucket":"audit"}`, NonCompliant},
			{"NoLogging", s3Bucket, `{"BucketName":"b"}`, "", NonCompliant},
		},
		"RDS_STORAGE_ENCRYPTED": {
			{"Documented", rdsDBInstance, `{"StorageEncrypted":true}`, "", Compliant},
			{"AsString", rdsDBInstance, `{"StorageEncrypted":"true"}`, "", Compliant},
			{"Default", rdsDBInstance, `{"Engine":"mysql"}`, "", NonCompliant},
			{"OtherKey", rdsDBInstance, `{"StorageEncrypted":true,"KmsKeyId":"k1"}`, `{"kmsKeyId":"k2"}`, NonCompliant},
		},
		"RDS_INSTANCE_PUBLIC_ACCESS_CHECK": {
			{"Documented", rdsDBInstance, `{"PubliclyAccessible":false}`, "", Compliant},
			{"Public", rdsDBInstance, `{"PubliclyAccessible":true}`, "", NonCompliant},
		},
		"RDS_MULTI_AZ_SUPPORT": {
			{"Documented", rdsDBInstance, `{"MultiAZ":true,"Engine":"postgres"}`, "", Compliant},
			{"SingleAZ", rdsDBInstance, `{"Engine":"postgres"}`, "", NonCompliant},
			{"ClusterMember", rdsDBInstance, `{"Engine":"aurora-mysql","DBClusterIdentifier":"c"}`, "", NotApplicable},
		},
		"RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED": {
			{"Documented", rdsDBInstance, `{"AutoMinorVersionUpgrade":true,"Engine":"mysql"}`, "", Compliant},
			{"Default", rdsDBInstance, `{"Engine":"mysql"}`, "", Compliant},
			{"Off", rdsDBInstance, `{"AutoMinorVersionUpgrade":"false","Engine":"mysql"}`, "", NonCompliant},
		},
		"RDS_ENHANCED_MONITORING_ENABLED": {
			{"Documented", rdsDBInstance, `{"MonitoringInterval":60,"Engine":"mysql"}`, "", Compliant},
			{"OtherInterval", rdsDBInstance, `{"MonitoringInterval":"30","Engine":"mysql"}`, `{"monitoringInterval":"60"}`, NonCompliant},
			{"Default", rdsDBInstance, `{"Engine":"mysql"}`, "", NonCompliant},
		},
		"LAMBDA_INSIDE_VPC": {
			{"Documented", lambdaFunction, `{"VpcConfig":{"SubnetIds":["subnet-1","subnet-2"]}}`, "", Compliant},
			{"NotAllowed", lambdaFunction, `{"VpcConfig":{"SubnetIds":["subnet-3"]}}`, `{"subnetIds":"subnet-1,subnet-2"}`, NonCompliant},
			{"NoVPC", lambdaFunction, `{"Runtime":"python3.12"}`, "", NonCompliant},
		},
		"LAMBDA_FUNCTION_SETTINGS_CHECK": {
			{"Documented", lambdaFunction, `{"MemorySize":256,"Role":"arn:aws:iam::123456789012:role/fn","Runtime":"python3.12","Timeout":30}`,
				`{"runtime":"python3.12","role":"fn","timeout":"30","memorySize":"256"}`, Compliant},
			{"Defaults", lambdaFunction, `{"Runtime":"python3.12"}`, `{"runtime":"python3.12","timeout":"3","memorySize":"128"}`, Compliant},
			{"WrongRuntime", lambdaFunction, `{"Runtime":"nodejs20.x"}`, `{"runtime":"python3.12"}`, NonCompliant},
			{"Image", lambdaFunction, `{"PackageType":"Image"}`, `{"runtime":"python3.12"}`, NotApplicable},
		},
		"SNS_ENCRYPTED_KMS": {
			{"Documented", snsTopic, `{"KmsMasterKeyId":"alias/aws/sns"}`, "", Compliant},
			{"Plain", snsTopic, `{"TopicName":"t"}`, "", NonCompliant},
		},
		"EC2_INSTANCE_MULTIPLE_ENI_CHECK": {
			{"Documented", ec2Instance, `{"NetworkInterfaces":["eni-1"]}`, "", Compliant},
			{"Properties", ec2Instance, `{"NetworkInterfaces":[{"DeviceIndex":"0","SubnetId":"subnet-1"},{"DeviceIndex":"1","NetworkInterfaceId":"eni-2"}]}`, "", NonCompliant},
			{"Listed", ec2Instance, `{"NetworkInterfaces":["eni-1","eni-2"]}`, `{"NetworkInterfaceIds":"eni-2"}`, Compliant},
			{"None", ec2Instance, `{"InstanceType":"t3.micro"}`, "", Compliant},
		},
		"EIP_ATTACHED": {
			{"Documented", ec2EIP, `{"InstanceId":"i-1"}`, "", Compliant},
			{"Unattached", ec2EIP, `{"Domain":"vpc"}`, "", NonCompliant},
		},
		"SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED": {
			{"Documented", ec2Subnet, `{"MapPublicIpOnLaunch":false}`, "", Compliant},
			{"Default", ec2Subnet, `{"VpcId":"vpc-1","CidrBlock":"10.0.0.0/24"}`, "", Compliant},
			{"Public", ec2Subnet, `{"MapPublicIpOnLaunch":true}`, "", NonCompliant},
		},
	}
	for id := range proactiveRules {
		if _, ok := cases[id]; !ok {
			t.Errorf("proactive rule %s has no cases", id)
		}
	}
	for id, cs := range cases {
		types := ProactiveTypes(id)
		if len(types) == 0 {
			t.Errorf("%s: no proactive types", id)
		}
		var rcs []ruleCase
		for _, c := range cs {
			if !slices.Contains(types, c.typ) {
				t.Errorf("%s: %s is not among its proactive types %v", id, c.typ, types)
			}
			rcs = append(rcs, ruleCase{name: c.name, ci: cfnItem(t, c.typ, c.props), params: c.params, want: c.want})
		}
		t.Run(id, func(t *testing.T) { runRuleCases(t, id, rcs) })
	}
}

// TestProactiveNotDocumented: a native rule whose documentation has no
// proactive section, and a resource type without a translator, are not
// evaluated proactively.
func TestProactiveNotDocumented(t *testing.T) {
	for _, id := range []string{"S3_BUCKET_VERSIONING_ENABLED", "DB_INSTANCE_BACKUP_ENABLED", "ENCRYPTED_VOLUMES", "NOT_A_RULE"} {
		if got := ProactiveTypes(id); got != nil {
			t.Errorf("ProactiveTypes(%s) = %v", id, got)
		}
	}
	ci := item(ec2Volume, "planned", "", nil)
	if FromCloudFormation(ci, map[string]any{"Encrypted": true}) {
		t.Error("FromCloudFormation translated an AWS::EC2::Volume")
	}
}

// FuzzProactive: StartResourceEvaluation's ResourceConfiguration is any
// JSON object a caller sends; translating it and evaluating every proactive
// rule on it never panics, and a result is one of the three compliance
// types. go test ./evaluator/managedrule -run XXX -fuzz FuzzProactive
func FuzzProactive(f *testing.F) {
	for _, seed := range []string{
		`{"BucketName":"b","LoggingConfiguration":{"DestinationBucketName":"logs"}}`,
		`{"StorageEncrypted":"true","MonitoringInterval":"x","AutoMinorVersionUpgrade":null}`,
		`{"VpcConfig":{"SubnetIds":[1,"s",null]},"MemorySize":1e400,"Timeout":-1}`,
		`{"NetworkInterfaces":[{"NetworkInterfaceId":5},"eni-1",[],null]}`,
		`{"KmsMasterKeyId":{},"MapPublicIpOnLaunch":"TRUE","LoggingConfiguration":[]}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, conf string) {
		dec := json.NewDecoder(bytes.NewReader([]byte(conf)))
		dec.UseNumber()
		var m map[string]any
		if dec.Decode(&m) != nil || m == nil {
			return
		}
		for id := range proactiveRules {
			params := requiredParams(t, id)
			for _, typ := range ProactiveTypes(id) {
				ci := item(typ, "planned", "", nil)
				if !FromCloudFormation(ci, m) {
					t.Fatalf("%s: no translation", typ)
				}
				res, err := Evaluate(context.Background(), id, Input{CI: ci, Params: params, Now: testNow})
				if err != nil {
					continue // a configuration the rule cannot read is an evaluation error, not a result
				}
				for _, r := range res {
					switch r.ComplianceType {
					case Compliant, NonCompliant, NotApplicable:
					default:
						t.Fatalf("%s on %s: compliance %q", id, conf, r.ComplianceType)
					}
				}
			}
		}
	})
}
