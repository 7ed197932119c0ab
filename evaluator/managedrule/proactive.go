package managedrule

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/configd/configd"
)

// Proactive evaluation (StartResourceEvaluation) gives a rule a resource's
// CloudFormation properties instead of a recorded configuration item. The
// native rules read AWS Config's item format, so FromCloudFormation first
// writes the properties as the item AWS Config would record for such a
// resource: the configuration and supplementary configuration fields the
// rules read, under the names the recorder gives them. A rule is evaluated
// proactively only if AWS documents it as a proactive rule (its page in the
// AWS Config developer guide has a "Proactive Evaluation" section giving the
// properties it reads) and configd translates its resource type.

// proactiveRules are the native rules AWS Config evaluates in PROACTIVE
// mode: those whose page in the AWS Config developer guide has a "Proactive
// Evaluation" section, which names the CloudFormation properties the rule
// needs (in the comments). The other native rules' pages have none.
var proactiveRules = map[string]bool{
	// s3-bucket-logging-enabled: BucketName, LoggingConfiguration
	// {DestinationBucketName, LogFilePrefix}.
	"S3_BUCKET_LOGGING_ENABLED": true,
	// rds-storage-encrypted: StorageEncrypted.
	"RDS_STORAGE_ENCRYPTED": true,
	// rds-instance-public-access-check: PubliclyAccessible.
	"RDS_INSTANCE_PUBLIC_ACCESS_CHECK": true,
	// rds-multi-az-support: MultiAZ, Engine.
	"RDS_MULTI_AZ_SUPPORT": true,
	// rds-automatic-minor-version-upgrade-enabled: AutoMinorVersionUpgrade,
	// Engine.
	"RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED": true,
	// rds-enhanced-monitoring-enabled: MonitoringInterval, Engine.
	"RDS_ENHANCED_MONITORING_ENABLED": true,
	// lambda-inside-vpc: VpcConfig {SubnetIds}.
	"LAMBDA_INSIDE_VPC": true,
	// lambda-function-settings-check: MemorySize, Role, Runtime, Timeout.
	"LAMBDA_FUNCTION_SETTINGS_CHECK": true,
	// sns-encrypted-kms: KmsMasterKeyId.
	"SNS_ENCRYPTED_KMS": true,
	// ec2-instance-multiple-eni-check: NetworkInterfaces.
	"EC2_INSTANCE_MULTIPLE_ENI_CHECK": true,
	// eip-attached: InstanceId.
	"EIP_ATTACHED": true,
	// subnet-auto-assign-public-ip-disabled: MapPublicIpOnLaunch.
	"SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED": true,
}

// ProactiveTypes returns the resource types the native rule identifier
// evaluates in PROACTIVE mode, or nil when configd does not evaluate it
// proactively.
func ProactiveTypes(identifier string) []string {
	r, ok := registry[identifier].(*resourceRule)
	if !ok || !proactiveRules[identifier] {
		return nil
	}
	var out []string
	for _, t := range r.types {
		if cfnTranslators[t] != nil {
			out = append(out, t)
		}
	}
	return out
}

// cfnTranslator writes the CloudFormation properties of a resource as the
// configuration and supplementary configuration of its item.
type cfnTranslator func(p cfnProps) (conf map[string]any, sup map[string]any)

var cfnTranslators = map[string]cfnTranslator{
	s3Bucket:       s3FromCloudFormation,
	rdsDBInstance:  rdsFromCloudFormation,
	lambdaFunction: lambdaFromCloudFormation,
	snsTopic:       snsFromCloudFormation,
	ec2Subnet:      subnetFromCloudFormation,
	ec2Instance:    instanceFromCloudFormation,
	ec2EIP:         eipFromCloudFormation,
}

// FromCloudFormation sets the configuration (and supplementary
// configuration) of ci, an item of ci.ResourceType, from props, the
// resource's CloudFormation properties. It reports false for a resource
// type it cannot translate.
func FromCloudFormation(ci *configd.ConfigurationItem, props map[string]any) bool {
	tr := cfnTranslators[ci.ResourceType]
	if tr == nil {
		return false
	}
	conf, sup := tr(cfnProps(props))
	b, _ := json.Marshal(conf) // maps of JSON values: cannot fail
	ci.Configuration = string(b)
	ci.SupplementaryConfiguration = map[string]string{}
	for k, v := range sup {
		b, _ := json.Marshal(v)
		ci.SupplementaryConfiguration[k] = string(b)
	}
	return true
}

// The translators below take the properties of the CloudFormation resource
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-<service>-<type>.html)
// that the proactive rules read, with CloudFormation's defaults where a
// property is optional, and write them where the recorder's items hold them
// (docs/ci-formats.md).

// s3FromCloudFormation: the bucket's logging as the
// BucketLoggingConfiguration supplementary configuration.
func s3FromCloudFormation(p cfnProps) (map[string]any, map[string]any) {
	logging := map[string]any{}
	if l := p.obj("LoggingConfiguration"); l != nil {
		// Without DestinationBucketName the bucket logs to itself (the
		// property's documentation).
		dest := l.str("DestinationBucketName")
		if dest == "" {
			dest = p.str("BucketName")
		}
		logging["destinationBucketName"] = dest
		logging["logFilePrefix"] = l.str("LogFilePrefix")
	}
	return map[string]any{"name": p.str("BucketName")}, map[string]any{"BucketLoggingConfiguration": logging}
}

// rdsFromCloudFormation: the DescribeDBInstances fields the RDS rules read.
// An absent PubliclyAccessible is taken as false, the default of an
// instance in a VPC, which every new instance is; AutoMinorVersionUpgrade
// defaults to true and MonitoringInterval to 0.
func rdsFromCloudFormation(p cfnProps) (map[string]any, map[string]any) {
	autoUpgrade := true
	if _, set := p["AutoMinorVersionUpgrade"]; set {
		autoUpgrade = p.bool("AutoMinorVersionUpgrade")
	}
	return map[string]any{
		"autoMinorVersionUpgrade": autoUpgrade,
		"monitoringInterval":      p.int("MonitoringInterval", 0),
		"dBInstanceIdentifier":    p.str("DBInstanceIdentifier"),
		"engine":                  p.str("Engine"),
		"storageEncrypted":        p.bool("StorageEncrypted"),
		"kmsKeyId":                p.str("KmsKeyId"),
		"publiclyAccessible":      p.bool("PubliclyAccessible"),
		"multiAZ":                 p.bool("MultiAZ"),
		"dBClusterIdentifier":     p.str("DBClusterIdentifier"),
	}, nil
}

// lambdaFromCloudFormation: the GetFunctionConfiguration fields the Lambda
// rules read; MemorySize defaults to 128 MB, Timeout to 3 seconds and
// PackageType to Zip.
func lambdaFromCloudFormation(p cfnProps) (map[string]any, map[string]any) {
	conf := map[string]any{
		"functionName": p.str("FunctionName"),
		"runtime":      p.str("Runtime"),
		"role":         p.str("Role"),
		"memorySize":   p.int("MemorySize", 128),
		"timeout":      p.int("Timeout", 3),
		"packageType":  "Zip",
	}
	if t := p.str("PackageType"); t != "" {
		conf["packageType"] = t
	}
	if v := p.obj("VpcConfig"); v != nil {
		conf["vpcConfig"] = map[string]any{"subnetIds": v.strs("SubnetIds")}
	}
	return conf, nil
}

// snsFromCloudFormation: the topic attributes, as the recorder writes them.
func snsFromCloudFormation(p cfnProps) (map[string]any, map[string]any) {
	conf := map[string]any{"TopicName": p.str("TopicName")}
	if k := p.str("KmsMasterKeyId"); k != "" {
		conf["KmsMasterKeyId"] = k
	}
	return conf, nil
}

// subnetFromCloudFormation: the DescribeSubnets fields;
// MapPublicIpOnLaunch defaults to false.
func subnetFromCloudFormation(p cfnProps) (map[string]any, map[string]any) {
	return map[string]any{
		"vpcId":               p.str("VpcId"),
		"cidrBlock":           p.str("CidrBlock"),
		"availabilityZone":    p.str("AvailabilityZone"),
		"mapPublicIpOnLaunch": p.bool("MapPublicIpOnLaunch"),
	}, nil
}

// instanceFromCloudFormation: the DescribeInstances fields the instance
// rules read. Each element of NetworkInterfaces becomes an interface: a
// NetworkInterface property (its NetworkInterfaceId, empty for an interface
// the instance would create) or, as the rule's page writes its example, an
// interface id.
func instanceFromCloudFormation(p cfnProps) (map[string]any, map[string]any) {
	enis := []any{}
	l, _ := p["NetworkInterfaces"].([]any)
	for _, v := range l {
		id := ""
		switch v := v.(type) {
		case string:
			id = v
		case map[string]any:
			id = cfnProps(v).str("NetworkInterfaceId")
		}
		enis = append(enis, map[string]any{"networkInterfaceId": id})
	}
	return map[string]any{
		"instanceType":      p.str("InstanceType"),
		"imageId":           p.str("ImageId"),
		"networkInterfaces": enis,
	}, nil
}

// eipFromCloudFormation: the DescribeAddresses fields EIP_ATTACHED reads.
// CloudFormation associates an address that names an InstanceId with that
// instance when it creates it, and a deployed address is attached exactly
// when it has an association id; so an InstanceId gives the item an
// association id, one that names the instance since the real one does not
// exist yet.
func eipFromCloudFormation(p cfnProps) (map[string]any, map[string]any) {
	conf := map[string]any{"domain": "vpc", "instanceId": nil, "associationId": nil}
	if d := p.str("Domain"); d != "" {
		conf["domain"] = d
	}
	if id := p.str("InstanceId"); id != "" {
		conf["instanceId"] = id
		conf["associationId"] = "eipassoc-for-" + id
	}
	return conf, nil
}

// cfnProps are CloudFormation properties decoded from JSON (numbers as
// json.Number). CloudFormation accepts booleans and numbers also as
// strings, so the accessors do too.
type cfnProps map[string]any

func (p cfnProps) str(k string) string {
	switch v := p[k].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func (p cfnProps) bool(k string) bool {
	switch v := p[k].(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// int returns the integer property k, or def when it is absent or not an
// integer.
func (p cfnProps) int(k string, def int) int {
	if n, err := strconv.Atoi(p.str(k)); err == nil {
		return n
	}
	return def
}

// strs returns the strings of the list property k.
func (p cfnProps) strs(k string) []string {
	l, _ := p[k].([]any)
	out := make([]string, 0, len(l))
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func (p cfnProps) obj(k string) cfnProps {
	m, _ := p[k].(map[string]any)
	return m
}
