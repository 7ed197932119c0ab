package managedrule

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// kmsBucketItem builds an AWS::S3::Bucket item whose supplementary
// ServerSideEncryptionConfiguration is sse (none when empty), in the
// recorder's shape.
func kmsBucketItem(sse string) *configdItem {
	supp := map[string]string{
		"BucketPolicy":                  `{"policyText":null}`,
		"BucketVersioningConfiguration": `{"status":"Off","isMfaDeleteEnabled":null}`,
	}
	if sse != "" {
		supp["ServerSideEncryptionConfiguration"] = sse
	}
	return item(s3Bucket, "orders-data", `{"name":"orders-data","owner":{"displayName":null,"id":"abc"},"creationDate":"2024-01-02T03:04:05.000Z"}`, supp)
}

// sseRule writes a ServerSideEncryptionConfiguration with one default
// rule; keyID "null" leaves kmsMasterKeyID null.
func sseRule(algorithm, keyID string) string {
	if keyID != "null" {
		keyID = jsonString(keyID)
	}
	return `{"rules":[{"applyServerSideEncryptionByDefault":{"sseAlgorithm":"` + algorithm + `","kmsMasterKeyID":` + keyID + `},"bucketKeyEnabled":true}]}`
}

func TestS3DefaultEncryptionKMS(t *testing.T) {
	const (
		keyUUID  = "1234abcd-12ab-34cd-56ef-1234567890ab"
		keyARN   = "arn:aws:kms:us-east-1:123456789012:key/" + keyUUID
		otherARN = "arn:aws:kms:us-east-1:123456789012:key/0000aaaa-00aa-00aa-00aa-000000000000"
	)
	keyItem := item(kmsKey, keyUUID, `{"keyId":"`+keyUUID+`","arn":"`+keyARN+`","keyManager":"CUSTOMER","keyState":"Enabled"}`,
		map[string]string{"KeyRotationStatus": "true"})
	runRuleCases(t, "S3_DEFAULT_ENCRYPTION_KMS", []ruleCase{
		{name: "CompliantKMSKey", ci: kmsBucketItem(sseRule("aws:kms", keyARN)), want: Compliant},
		{name: "CompliantAWSManagedKey", ci: kmsBucketItem(sseRule("aws:kms", "null")), want: Compliant},
		{name: "CompliantDSSE", ci: kmsBucketItem(sseRule("aws:kms:dsse", keyARN)), want: Compliant},
		{name: "CompliantStringEncoded", ci: kmsBucketItem(jsonString(sseRule("aws:kms", keyARN))), want: Compliant},
		{name: "NonCompliantAES256", ci: kmsBucketItem(sseRule("AES256", "null")), want: NonCompliant, annotation: "uses AES256"},
		{name: "NonCompliantNoEncryption", ci: kmsBucketItem(""), want: NonCompliant, annotation: "not enabled"},
		{name: "NonCompliantNoDefault", ci: kmsBucketItem(`{"rules":[{"applyServerSideEncryptionByDefault":null,"bucketKeyEnabled":false}]}`), want: NonCompliant, annotation: "not enabled"},
		{name: "ParamKeyListed", ci: kmsBucketItem(sseRule("aws:kms", keyARN)), params: `{"kmsKeyArns":"` + otherARN + `, ` + keyARN + `"}`, want: Compliant},
		{name: "ParamKeyIDMatchesARN", ci: kmsBucketItem(sseRule("aws:kms", keyUUID)), params: `{"kmsKeyArns":"` + keyARN + `"}`, want: Compliant},
		{name: "ParamKeyNotListed", ci: kmsBucketItem(sseRule("aws:kms", keyARN)), params: `{"kmsKeyArns":"` + otherARN + `"}`, want: NonCompliant, annotation: keyARN},
		{name: "ParamAWSManagedKey", ci: kmsBucketItem(sseRule("aws:kms", "null")), params: `{"kmsKeyArns":"` + keyARN + `"}`, want: NonCompliant, annotation: "aws/s3"},
		{name: "ParamAES256", ci: kmsBucketItem(sseRule("AES256", "null")), params: `{"kmsKeyArns":"` + keyARN + `"}`, want: NonCompliant, annotation: "AES256"},
		{name: "ParamAliasNotResolved", ci: kmsBucketItem(sseRule("aws:kms", "alias/orders")), params: `{"kmsKeyArns":"` + keyARN + `"}`, want: NonCompliant, annotation: "alias/orders"},
		{name: "NotApplicableKMSKey", ci: keyItem, want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(kmsBucketItem(sseRule("aws:kms", keyARN))), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item(lambdaFunction, "f", `{}`, nil), want: NotApplicable},
	})
	t.Run("MalformedSupplementary", func(t *testing.T) {
		if _, err := Evaluate(context.Background(), "S3_DEFAULT_ENCRYPTION_KMS", Input{CI: kmsBucketItem(`{"rules":[`)}); err == nil {
			t.Error("want an error")
		}
	})
}

// logsTrailItem builds an AWS::CloudTrail::Trail item (DescribeTrails
// element); extra is spliced in.
func logsTrailItem(name, extra string) *configdItem {
	return item(cloudTrailTrail, name, `{"name":"`+name+`","s3BucketName":"trail-logs","includeGlobalServiceEvents":true,`+
		`"isMultiRegionTrail":true,"homeRegion":"us-east-1","trailARN":"arn:aws:cloudtrail:us-east-1:123456789012:trail/`+name+`",`+
		`"logFileValidationEnabled":true,"hasCustomEventSelectors":false,"hasInsightSelectors":false,"isOrganizationTrail":false`+extra+`}`, map[string]string{})
}

const trailLogGroup = `,"cloudWatchLogsLogGroupArn":"arn:aws:logs:us-east-1:123456789012:log-group:trail:*","cloudWatchLogsRoleArn":"arn:aws:iam::123456789012:role/trail-logs"`

func TestCloudTrailCloudWatchLogsEnabled(t *testing.T) {
	runRuleCases(t, "CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED", []ruleCase{
		{name: "Compliant", ci: logsTrailItem("main", trailLogGroup), want: Compliant},
		{name: "NonCompliantAbsent", ci: logsTrailItem("main", ""), want: NonCompliant, annotation: "CloudWatchLogsLogGroupArn"},
		{name: "NonCompliantNull", ci: logsTrailItem("main", `,"cloudWatchLogsLogGroupArn":null`), want: NonCompliant},
		{name: "NonCompliantEmpty", ci: logsTrailItem("main", `,"cloudWatchLogsLogGroupArn":""`), want: NonCompliant},
		{name: "ParamDeliveryWindowAccepted", ci: logsTrailItem("main", trailLogGroup), params: `{"expectedDeliveryWindowAge":"24"}`,
			want: Compliant, annotation: "expectedDeliveryWindowAge is not checked"},
		{name: "ParamDeliveryWindowNoLogGroup", ci: logsTrailItem("main", ""), params: `{"expectedDeliveryWindowAge":"24"}`, want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(logsTrailItem("main", trailLogGroup)), want: NotApplicable},
	})
	if _, err := Parameters("CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED", `{"expectedDeliveryWindowAge":"a day"}`); err == nil {
		t.Error("a non-integer expectedDeliveryWindowAge is accepted")
	}
}

// The rule is periodic: without a configuration item it evaluates every
// recorded trail.
func TestCloudTrailCloudWatchLogsEnabledPeriodic(t *testing.T) {
	inv := &memInventory{items: []*configdItem{
		logsTrailItem("with-logs", trailLogGroup),
		logsTrailItem("without-logs", ""),
		kmsBucketItem(""),
	}}
	res, err := Evaluate(context.Background(), "CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED", Input{Inventory: inv, Params: map[string]string{}, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range res {
		got[r.ResourceType+" "+r.ResourceID] = r.ComplianceType
	}
	want := map[string]string{cloudTrailTrail + " with-logs": Compliant, cloudTrailTrail + " without-logs": NonCompliant}
	if len(got) != len(want) || len(res) != len(want) {
		t.Fatalf("results %+v, want %v", res, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
}

// eniInstanceItem builds an AWS::EC2::Instance item (DescribeInstances
// element with lowerCamel keys) with the given networkInterfaces array;
// extra is spliced in.
func eniInstanceItem(interfaces, extra string) *configdItem {
	return item(ec2Instance, "i-0123456789abcdef0", `{"amiLaunchIndex":0,"imageId":"ami-0abcdef1234567890","instanceId":"i-0123456789abcdef0",`+
		`"instanceType":"t3.micro","launchTime":"2024-01-02T03:04:05.000Z","placement":{"availabilityZone":"us-east-1a","tenancy":"default"},`+
		`"privateIpAddress":"10.0.0.12","state":{"code":16,"name":"running"},"subnetId":"subnet-0a1b2c3d","vpcId":"vpc-0a1b2c3d",`+
		`"networkInterfaces":`+interfaces+extra+`}`, map[string]string{})
}

// networkInterface writes one element of an instance's networkInterfaces.
func networkInterface(id string, deviceIndex int, interfaceType string) string {
	return `{"networkInterfaceId":"` + id + `","interfaceType":"` + interfaceType + `","status":"in-use","subnetId":"subnet-0a1b2c3d",` +
		`"attachment":{"attachmentId":"eni-attach-` + id + `","deviceIndex":` + strconv.Itoa(deviceIndex) + `,"status":"attached","deleteOnTermination":true}}`
}

func TestEC2InstanceProfileAttached(t *testing.T) {
	const profile = "arn:aws:iam::123456789012:instance-profile/web"
	oneENI := "[" + networkInterface("eni-0a", 0, "interface") + "]"
	withProfile := eniInstanceItem(oneENI, `,"iamInstanceProfile":{"arn":"`+profile+`","id":"AIPAEXAMPLE"}`)
	runRuleCases(t, "EC2_INSTANCE_PROFILE_ATTACHED", []ruleCase{
		{name: "Compliant", ci: withProfile, want: Compliant},
		{name: "NonCompliantAbsent", ci: eniInstanceItem(oneENI, ""), want: NonCompliant, annotation: "No IAM instance profile"},
		{name: "NonCompliantNull", ci: eniInstanceItem(oneENI, `,"iamInstanceProfile":null`), want: NonCompliant},
		{name: "NonCompliantNoARN", ci: eniInstanceItem(oneENI, `,"iamInstanceProfile":{"arn":null,"id":null}`), want: NonCompliant},
		{name: "ParamListed", ci: withProfile, params: `{"IamInstanceProfileArnList":"arn:aws:iam::123456789012:instance-profile/batch, ` + profile + `"}`, want: Compliant},
		{name: "ParamNotListed", ci: withProfile, params: `{"IamInstanceProfileArnList":"arn:aws:iam::123456789012:instance-profile/batch"}`,
			want: NonCompliant, annotation: profile},
		{name: "ParamNoProfile", ci: eniInstanceItem(oneENI, ""), params: `{"IamInstanceProfileArnList":"` + profile + `"}`, want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(eniInstanceItem(oneENI, "")), want: NotApplicable},
	})
}

func TestEC2InstanceMultipleENICheck(t *testing.T) {
	primary := networkInterface("eni-0a", 0, "interface")
	second := networkInterface("eni-0b", 1, "interface")
	efa := networkInterface("eni-0c", 2, "efa")
	two := eniInstanceItem("["+primary+","+second+"]", "")
	three := eniInstanceItem("["+primary+","+second+","+efa+"]", "")
	runRuleCases(t, "EC2_INSTANCE_MULTIPLE_ENI_CHECK", []ruleCase{
		{name: "CompliantOne", ci: eniInstanceItem("["+primary+"]", ""), want: Compliant},
		{name: "CompliantNone", ci: eniInstanceItem("[]", ""), want: Compliant},
		{name: "NonCompliantTwo", ci: two, want: NonCompliant, annotation: "2 network interfaces: eni-0a, eni-0b"},
		{name: "NonCompliantEFA", ci: eniInstanceItem("["+primary+","+efa+"]", ""), want: NonCompliant, annotation: "eni-0c"},
		{name: "ParamExtraListed", ci: two, params: `{"NetworkInterfaceIds":"eni-0b"}`, want: Compliant},
		{name: "ParamAllListed", ci: two, params: `{"NetworkInterfaceIds":"eni-0a,eni-0b"}`, want: Compliant},
		{name: "ParamOtherListed", ci: two, params: `{"NetworkInterfaceIds":"eni-0z"}`, want: NonCompliant, annotation: "not listed in NetworkInterfaceIds"},
		{name: "ParamTwoUnlisted", ci: three, params: `{"NetworkInterfaceIds":"eni-0c"}`, want: NonCompliant, annotation: "2 network interfaces not listed in NetworkInterfaceIds: eni-0a, eni-0b"},
		{name: "ParamOneUnlisted", ci: three, params: `{"NetworkInterfaceIds":"eni-0b, eni-0c"}`, want: Compliant},
		{name: "NotApplicableDeleted", ci: deletedItem(eniInstanceItem("["+primary+","+second+"]", "")), want: NotApplicable},
	})
}

// vpcFunctionItem builds an AWS::Lambda::Function item attached to the
// subnets (not attached to a VPC when none are given).
func vpcFunctionItem(subnets ...string) *configdItem {
	vpc := ""
	if subnets != nil {
		ids := make([]string, len(subnets))
		for i, s := range subnets {
			ids[i] = jsonString(s)
		}
		vpc = `,"vpcConfig":{"subnetIds":[` + strings.Join(ids, ",") + `],"securityGroupIds":["sg-0a"],"vpcId":"vpc-0a1b2c3d"}`
	}
	return item(lambdaFunction, "orders-handler", `{"functionName":"orders-handler","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:orders-handler",`+
		`"runtime":"python3.12","role":"arn:aws:iam::123456789012:role/orders-role","handler":"app.handler","timeout":3,"memorySize":128,`+
		`"tracingConfig":{"mode":"PassThrough"},"packageType":"Zip"`+vpc+`}`, map[string]string{})
}

// zoneSubnetItem builds an AWS::EC2::Subnet item in the zone, as the
// recorder writes it (the item's availabilityZone is the zone too).
func zoneSubnetItem(id, zone string) *configdItem {
	ci := item(ec2Subnet, id, `{"availabilityZone":"`+zone+`","availabilityZoneId":"use1-az1","cidrBlock":"10.0.1.0/24","defaultForAz":false,`+
		`"mapPublicIpOnLaunch":false,"state":"available","subnetId":"`+id+`","vpcId":"vpc-0a1b2c3d","tags":[]}`, nil)
	ci.AvailabilityZone = zone
	return ci
}

func TestLambdaVPCMultiAZCheck(t *testing.T) {
	noZoneInConfig := item(ec2Subnet, "subnet-item-zone", `{"subnetId":"subnet-item-zone","vpcId":"vpc-0a1b2c3d"}`, nil)
	noZoneInConfig.AvailabilityZone = "us-east-1d"
	configZoneOnly := zoneSubnetItem("subnet-config-zone", "us-east-1e")
	configZoneOnly.AvailabilityZone = ""
	noZoneAtAll := item(ec2Subnet, "subnet-no-zone", `{"subnetId":"subnet-no-zone"}`, nil)
	noZoneAtAll.AvailabilityZone = "Not Applicable"
	inv := &memInventory{items: []*configdItem{
		zoneSubnetItem("subnet-a1", "us-east-1a"),
		zoneSubnetItem("subnet-a2", "us-east-1a"),
		zoneSubnetItem("subnet-b", "us-east-1b"),
		zoneSubnetItem("subnet-c", "us-east-1c"),
		deletedItem(zoneSubnetItem("subnet-gone", "us-east-1c")),
		noZoneInConfig,
		configZoneOnly,
		noZoneAtAll,
		vpcFunctionItem("subnet-a1"),
	}}
	runInventoryCases(t, "LAMBDA_VPC_MULTI_AZ_CHECK", inv, []ruleCase{
		{name: "CompliantTwoZones", ci: vpcFunctionItem("subnet-a1", "subnet-b"), want: Compliant},
		{name: "CompliantThreeZones", ci: vpcFunctionItem("subnet-a1", "subnet-b", "subnet-c"), want: Compliant},
		{name: "NonCompliantOneSubnet", ci: vpcFunctionItem("subnet-a1"), want: NonCompliant, annotation: "1 subnet, so at most 1 Availability Zone"},
		{name: "NonCompliantSameZone", ci: vpcFunctionItem("subnet-a1", "subnet-a2"), want: NonCompliant, annotation: "1 Availability Zone (us-east-1a)"},
		{name: "NonCompliantDuplicateSubnet", ci: vpcFunctionItem("subnet-a1", "subnet-a1"), want: NonCompliant, annotation: "1 subnet"},
		{name: "CompliantConfigurationZone", ci: vpcFunctionItem("subnet-a1", "subnet-config-zone"), want: Compliant},
		{name: "CompliantItemZone", ci: vpcFunctionItem("subnet-a1", "subnet-item-zone"), want: Compliant},
		{name: "NonCompliantUnrecorded", ci: vpcFunctionItem("subnet-a1", "subnet-x"), want: NonCompliant, annotation: "Subnets not recorded: subnet-x"},
		{name: "NonCompliantDeletedSubnet", ci: vpcFunctionItem("subnet-a1", "subnet-gone"), want: NonCompliant, annotation: "not recorded: subnet-gone"},
		{name: "NonCompliantSubnetWithoutZone", ci: vpcFunctionItem("subnet-a1", "subnet-no-zone"), want: NonCompliant, annotation: "subnet-no-zone"},
		{name: "NonCompliantAllUnrecorded", ci: vpcFunctionItem("subnet-x", "subnet-y"), want: NonCompliant, annotation: "unknown"},
		{name: "CompliantRecordedEnough", ci: vpcFunctionItem("subnet-a1", "subnet-x", "subnet-b"), want: Compliant},
		{name: "ParamThreeZonesMet", ci: vpcFunctionItem("subnet-a1", "subnet-b", "subnet-c"), params: `{"availabilityZones":"3"}`, want: Compliant},
		{name: "ParamThreeZonesTwoRecorded", ci: vpcFunctionItem("subnet-a1", "subnet-b", "subnet-a2"), params: `{"availabilityZones":"3"}`,
			want: NonCompliant, annotation: "2 Availability Zones (us-east-1a, us-east-1b); at least 3"},
		{name: "ParamThreeZonesTwoSubnets", ci: vpcFunctionItem("subnet-a1", "subnet-b"), params: `{"availabilityZones":"3"}`, want: NonCompliant, annotation: "at least 3"},
		{name: "ParamOneZoneStillNeedsTwo", ci: vpcFunctionItem("subnet-a1"), params: `{"availabilityZones":"1"}`, want: NonCompliant},
		{name: "ParamOneZoneTwoZones", ci: vpcFunctionItem("subnet-a1", "subnet-b"), params: `{"availabilityZones":"1"}`, want: Compliant},
		{name: "NotApplicableNoVPC", ci: vpcFunctionItem(), want: NotApplicable, annotation: "not connected to a VPC"},
		{name: "NotApplicableNoSubnets", ci: vpcFunctionItem([]string{}...), want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(vpcFunctionItem("subnet-a1", "subnet-b")), want: NotApplicable},
	})
	// One subnet is NON_COMPLIANT without looking anything up.
	runInventoryCases(t, "LAMBDA_VPC_MULTI_AZ_CHECK", nil, []ruleCase{
		{name: "NoInventoryOneSubnet", ci: vpcFunctionItem("subnet-a1"), want: NonCompliant},
		{name: "NoInventoryNoVPC", ci: vpcFunctionItem(), want: NotApplicable},
	})
}

func TestLambdaVPCMultiAZCheckErrors(t *testing.T) {
	fn := vpcFunctionItem("subnet-a1", "subnet-b")
	eval := func(inv Inventory) error {
		_, err := Evaluate(context.Background(), "LAMBDA_VPC_MULTI_AZ_CHECK", Input{CI: fn, Params: map[string]string{}, Inventory: inv})
		return err
	}
	if err := eval(nil); err == nil {
		t.Error("no inventory: want an error")
	}
	boom := errors.New("boom")
	if err := eval(&memInventory{err: boom}); !errors.Is(err, boom) {
		t.Errorf("inventory error: got %v", err)
	}
	bad := item(ec2Subnet, "subnet-b", `{"availabilityZone":`, nil)
	if err := eval(&memInventory{items: []*configdItem{zoneSubnetItem("subnet-a1", "us-east-1a"), bad}}); err == nil {
		t.Error("malformed subnet item: want an error")
	}
}
