package managedrule

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/configd/configd"
)

// More native rules over the item formats the recorder writes
// (docs/ci-formats.md; AWS's shapes in https://github.com/awslabs/aws-config-resource-schema,
// config/properties/resource-types/):
//
//	AWS::S3::Bucket         supplementary ServerSideEncryptionConfiguration
//	                        {"rules":[{"applyServerSideEncryptionByDefault":{"sseAlgorithm":"aws:kms","kmsMasterKeyID":...},"bucketKeyEnabled"}]}
//	AWS::CloudTrail::Trail  DescribeTrails element: {"name","cloudWatchLogsLogGroupArn","cloudWatchLogsRoleArn",...}
//	AWS::EC2::Instance      DescribeInstances element: {"iamInstanceProfile":{"arn","id"},
//	                        "networkInterfaces":[{"networkInterfaceId","interfaceType","attachment":{"deviceIndex"}}]}
//	AWS::Lambda::Function   {"vpcConfig":{"subnetIds":[...],"securityGroupIds":[...]}}
//	AWS::EC2::Subnet        DescribeSubnets element: {"subnetId","availabilityZone",...}; the item's
//	                        availabilityZone field is the subnet's zone too
//
// S3_BUCKET_DEFAULT_LOCK_ENABLED is not implemented: the recorder does not
// record a bucket's Object Lock configuration (GetObjectLockConfiguration),
// so the rule would have nothing to read.

func init() {
	inst := []string{ec2Instance}
	register(
		// The catalogue scopes S3_DEFAULT_ENCRYPTION_KMS to buckets and KMS
		// keys; keys are not applicable (see checkS3DefaultEncryptionKMS).
		// The bucket type comes first: the rule reads only supplementary
		// configuration, and rule_test.go's malformed-configuration check
		// skips rules whose first type is AWS::S3::Bucket.
		&resourceRule{id: "S3_DEFAULT_ENCRYPTION_KMS", types: []string{s3Bucket, kmsKey}, check: checkS3DefaultEncryptionKMS},
		&resourceRule{id: "CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED", types: []string{cloudTrailTrail}, check: checkTrailCloudWatchLogs},
		&resourceRule{id: "EC2_INSTANCE_PROFILE_ATTACHED", types: inst, check: checkInstanceProfileAttached},
		&resourceRule{id: "EC2_INSTANCE_MULTIPLE_ENI_CHECK", types: inst, check: checkInstanceMultipleENI},
		&resourceRule{id: "LAMBDA_VPC_MULTI_AZ_CHECK", types: []string{lambdaFunction}, check: checkLambdaMultiAZ},
	)
}

// checkS3DefaultEncryptionKMS: a bucket is compliant when its default
// encryption uses an AWS KMS key (sseAlgorithm aws:kms, or aws:kms:dsse,
// whose dual-layer encryption also uses a KMS key) and, when kmsKeyArns is
// given, that key is one of them.
// https://docs.aws.amazon.com/config/latest/developerguide/s3-default-encryption-kms.html
//
// Decisions the page leaves open:
//   - The page lists AWS::KMS::Key among the rule's resource types but
//     describes only bucket results; a KMS key item is NOT_APPLICABLE.
//   - kmsMasterKeyID may be a key ARN, a key id or an alias. A key id
//     matches the ARN of the same key; aliases are compared as written,
//     since no recorded item maps an alias to its key.
//   - aws:kms without kmsMasterKeyID (the AWS managed key aws/s3) is
//     compliant without kmsKeyArns and NON_COMPLIANT with it, because the
//     managed key's ARN is not recorded either.
func checkS3DefaultEncryptionKMS(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	if ci.ResourceType != s3Bucket {
		return notApplicable("The rule evaluates the default encryption of S3 buckets."), nil
	}
	var sse struct {
		Rules []struct {
			Default *struct {
				SSEAlgorithm   flexString `json:"sseAlgorithm"`
				KMSMasterKeyID flexString `json:"kmsMasterKeyID"`
			} `json:"applyServerSideEncryptionByDefault"`
		} `json:"rules"`
	}
	if _, err := decodeSupplementary(ci, "ServerSideEncryptionConfiguration", &sse); err != nil {
		return verdict{}, err
	}
	allowed := csv(in.Params["kmsKeyArns"])
	why := "Default encryption is not enabled."
	for _, r := range sse.Rules {
		d := r.Default
		if d == nil {
			continue
		}
		alg := strings.TrimSpace(string(d.SSEAlgorithm))
		if !strings.EqualFold(alg, "aws:kms") && !strings.EqualFold(alg, "aws:kms:dsse") {
			if alg == "" {
				alg = "no algorithm"
			}
			why = "Default encryption uses " + alg + ", not an AWS KMS key."
			continue
		}
		if len(allowed) == 0 {
			return compliant(), nil
		}
		key := strings.TrimSpace(string(d.KMSMasterKeyID))
		if key == "" {
			why = "Default encryption uses the AWS managed key aws/s3, which is not listed in kmsKeyArns."
			continue
		}
		for _, a := range allowed {
			if sameKMSKey(a, key) {
				return compliant(), nil
			}
		}
		why = "The default encryption key " + key + " is not listed in kmsKeyArns."
	}
	return nonCompliant(why), nil
}

// checkTrailCloudWatchLogs: a trail is NON_COMPLIANT when its
// cloudWatchLogsLogGroupArn is empty.
// https://docs.aws.amazon.com/config/latest/developerguide/cloud-trail-cloud-watch-logs-enabled.html
//
// expectedDeliveryWindowAge (the maximum age in hours of the latest delivery
// to CloudWatch Logs) is accepted but not checked: the delivery time comes
// from GetTrailStatus (LatestCloudWatchLogsDeliveryTime), which the trail
// item does not hold and the recorder does not read. Only the presence of
// the log group is checked; a compliant result says so in its annotation
// when the parameter is set.
func checkTrailCloudWatchLogs(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var t struct {
		CloudWatchLogsLogGroupArn flexString `json:"cloudWatchLogsLogGroupArn"`
	}
	if err := decodeConfiguration(ci, &t); err != nil {
		return verdict{}, err
	}
	if strings.TrimSpace(string(t.CloudWatchLogsLogGroupArn)) == "" {
		return nonCompliant("The trail does not send its logs to CloudWatch Logs (no CloudWatchLogsLogGroupArn)."), nil
	}
	if _, ok := in.Params["expectedDeliveryWindowAge"]; ok {
		v := compliant()
		v.annotation = "The trail sends its logs to a CloudWatch Logs log group; expectedDeliveryWindowAge is not checked because configd does not record the time of the latest delivery."
		return v, nil
	}
	return compliant(), nil
}

// checkInstanceProfileAttached: the instance must have an IAM instance
// profile, one of IamInstanceProfileArnList when given (ARNs compared
// exactly).
// https://docs.aws.amazon.com/config/latest/developerguide/ec2-instance-profile-attached.html
func checkInstanceProfileAttached(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var inst struct {
		IamInstanceProfile *struct {
			Arn flexString `json:"arn"`
		} `json:"iamInstanceProfile"`
	}
	if err := decodeConfiguration(ci, &inst); err != nil {
		return verdict{}, err
	}
	arn := ""
	if inst.IamInstanceProfile != nil {
		arn = strings.TrimSpace(string(inst.IamInstanceProfile.Arn))
	}
	if arn == "" {
		return nonCompliant("No IAM instance profile is attached to the instance."), nil
	}
	if allowed := csv(in.Params["IamInstanceProfileArnList"]); len(allowed) > 0 && !contains(allowed, arn) {
		return nonCompliant("The instance profile " + arn + " is not listed in IamInstanceProfileArnList."), nil
	}
	return compliant(), nil
}

// checkInstanceMultipleENI: an instance using more than one network
// interface (ENIs and EFAs alike: every element of networkInterfaces) is
// NON_COMPLIANT.
// https://docs.aws.amazon.com/config/latest/developerguide/ec2-instance-multiple-eni-check.html
//
// The page calls NetworkInterfaceIds a "list of network instance IDs";
// AWS Security Hub's control EC2.17, which runs this rule, describes it as
// the allowed ENIs. configd does not count the listed interfaces: the
// instance is NON_COMPLIANT when more than one of its interfaces is not
// listed (so an instance whose extra interfaces are all listed complies).
// An instance without recorded interfaces is compliant.
func checkInstanceMultipleENI(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var inst struct {
		NetworkInterfaces []struct {
			NetworkInterfaceID flexString `json:"networkInterfaceId"`
		} `json:"networkInterfaces"`
	}
	if err := decodeConfiguration(ci, &inst); err != nil {
		return verdict{}, err
	}
	allowed := csv(in.Params["NetworkInterfaceIds"])
	var counted []string
	for _, ni := range inst.NetworkInterfaces {
		id := strings.TrimSpace(string(ni.NetworkInterfaceID))
		if id != "" && contains(allowed, id) {
			continue
		}
		if id == "" {
			id = "(interface without id)"
		}
		counted = append(counted, id)
	}
	if len(counted) <= 1 {
		return compliant(), nil
	}
	what := "network interfaces"
	if len(allowed) > 0 {
		what = "network interfaces not listed in NetworkInterfaceIds"
	}
	return nonCompliant(fmt.Sprintf("The instance uses %d %s: %s.", len(counted), what, strings.Join(counted, ", "))), nil
}

// checkLambdaMultiAZ: a function connected to a VPC must use subnets in at
// least two Availability Zones, and in at least availabilityZones zones when
// that is given.
// https://docs.aws.amazon.com/config/latest/developerguide/lambda-vpc-multi-az-check.html
//
// Decisions the page leaves open:
//   - A function not connected to a VPC (no vpcConfig.subnetIds) is
//     NOT_APPLICABLE: it has no zones of its own to count.
//   - The page makes a single zone NON_COMPLIANT whatever the parameter, so
//     availabilityZones below 2 does not lower the minimum of 2.
//   - Zones come from the recorded AWS::EC2::Subnet items of the function's
//     subnets (their configuration's availabilityZone, else the item's).
//     n subnets span at most n zones, so fewer subnets than the minimum is
//     NON_COMPLIANT without a look-up. A subnet that is not recorded (or
//     whose item has no zone) counts as no zone: the function is compliant
//     if the recorded subnets alone reach the minimum, NON_COMPLIANT
//     otherwise, with an annotation naming the unrecorded subnets.
//   - Without an Inventory (only possible outside the evaluator) the look-up
//     is an error.
func checkLambdaMultiAZ(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var f struct {
		VPCConfig *struct {
			SubnetIDs []flexString `json:"subnetIds"`
		} `json:"vpcConfig"`
	}
	if err := decodeConfiguration(ci, &f); err != nil {
		return verdict{}, err
	}
	var subnets []string
	if f.VPCConfig != nil {
		for _, s := range f.VPCConfig.SubnetIDs {
			if id := strings.TrimSpace(string(s)); id != "" && !contains(subnets, id) {
				subnets = append(subnets, id)
			}
		}
	}
	if len(subnets) == 0 {
		return notApplicable("The function is not connected to a VPC."), nil
	}
	want := 2
	if n, ok := intParam(in.Params, "availabilityZones"); ok && n > want {
		want = n
	}
	if len(subnets) < want {
		return nonCompliant(fmt.Sprintf("The function uses %s, so at most %s; at least %d are required.",
			nounCount(len(subnets), "subnet"), nounCount(len(subnets), "Availability Zone"), want)), nil
	}
	if in.Inventory == nil {
		return verdict{}, fmt.Errorf("no inventory to look up the Availability Zones of the function's subnets")
	}
	// The check function has no context of its own; the evaluator's
	// inventory reads inside its transaction.
	items, err := in.Inventory.ListItems(context.Background(), ec2Subnet)
	if err != nil {
		return verdict{}, fmt.Errorf("list %s: %w", ec2Subnet, err)
	}
	zoneOf := make(map[string]string, len(subnets))
	for _, s := range items {
		if s == nil || deleted(s) || !contains(subnets, s.ResourceID) {
			continue
		}
		az, err := subnetZone(s)
		if err != nil {
			return verdict{}, fmt.Errorf("subnet %s: %w", s.ResourceID, err)
		}
		if az != "" {
			zoneOf[s.ResourceID] = az
		}
	}
	var zones, unknown []string
	for _, id := range subnets {
		az, ok := zoneOf[id]
		switch {
		case !ok:
			unknown = append(unknown, id)
		case !contains(zones, az):
			zones = append(zones, az)
		}
	}
	if len(zones) >= want {
		return compliant(), nil
	}
	sort.Strings(zones)
	var msg string
	if len(zones) == 0 {
		msg = fmt.Sprintf("The Availability Zones of the function's subnets are unknown; at least %d are required.", want)
	} else {
		msg = fmt.Sprintf("The function's subnets are in %s (%s); at least %d are required.",
			nounCount(len(zones), "Availability Zone"), strings.Join(zones, ", "), want)
	}
	if len(unknown) > 0 {
		msg += " Subnets not recorded: " + strings.Join(unknown, ", ") + "."
	}
	return nonCompliant(msg), nil
}

// subnetZone returns the Availability Zone of a subnet item: its
// configuration's availabilityZone, else the item's own field when that
// names a zone.
func subnetZone(ci *configd.ConfigurationItem) (string, error) {
	var s struct {
		AvailabilityZone flexString `json:"availabilityZone"`
	}
	if err := decodeConfiguration(ci, &s); err != nil {
		return "", err
	}
	if az := strings.TrimSpace(string(s.AvailabilityZone)); az != "" {
		return az, nil
	}
	switch az := strings.TrimSpace(ci.AvailabilityZone); az {
	case "", "Regional", "Multiple Availability Zones", "Not Applicable":
		return "", nil
	default:
		return az, nil
	}
}

// nounCount writes "1 subnet" or "2 subnets".
func nounCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
