package managedrule

import (
	"fmt"
	"sort"
	"strings"

	"github.com/configd/configd"
)

// Configuration item members read by this file, as the recorder writes them
// (docs/ci-formats.md; the SDK member name with its first letter
// lower-cased; encoding/json matches keys case-insensitively):
//
//	AWS::EC2::Instance    DescribeInstances element (recorder/ec2_instance.go): {"imageId","vpcId",
//	                       "placement":{"tenancy":"default"|"dedicated"|"host","hostId":null|"h-…",…}}
//	AWS::IAM::Policy      GetAccountAuthorizationDetails ManagedPolicyDetail (recorder/iam.go):
//	                       {"policyName","arn","description":null|"…",…}
//	AWS::S3::Bucket       the item's tags (ci.Tags), which recorder/s3_bucket.go sets from GetBucketTagging
//	AWS::Lambda::Function ListFunctions FunctionConfiguration (recorder/lambda_function.go):
//	                       {"loggingConfig":{"logFormat":"JSON"|"Text","applicationLogLevel":"INFO",
//	                        "systemLogLevel":"WARN","logGroup":"/aws/lambda/…"}}; the enums are "" when
//	                       Lambda leaves them out (Text-format functions have no log levels)
//	AWS::RDS::DBInstance  DescribeDBInstances element: {"engine","enabledCloudwatchLogsExports":[...]}
//	                       (rules_rds.go's rdsInstanceSettings)
//
// None of the AWS pages of these rules has a "Proactive Evaluation" section,
// so none is evaluated proactively.

func init() {
	inst := []string{ec2Instance}
	fn := []string{lambdaFunction}
	db := []string{rdsDBInstance}
	register(
		&resourceRule{id: "DESIRED_INSTANCE_TENANCY", types: inst, check: checkDesiredInstanceTenancy},
		&resourceRule{id: "INSTANCES_IN_VPC", types: inst, check: checkInstancesInVPC},
		&resourceRule{id: "IAM_POLICY_DESCRIPTION", types: []string{iamPolicy}, check: checkDescription("policy")},
		&resourceRule{id: "S3_BUCKET_TAGGED", types: []string{s3Bucket}, check: checkS3BucketTagged},
		&resourceRule{id: "LAMBDA_FUNCTION_LOG_FORMAT_JSON", types: fn, check: checkLambdaLogFormatJSON},
		&resourceRule{id: "LAMBDA_FUNCTION_APPLICATION_LOG_LEVEL_CHECK", types: fn, check: checkLambdaLogLevel(applicationLogLevels)},
		&resourceRule{id: "LAMBDA_FUNCTION_SYSTEM_LOG_LEVEL_CHECK", types: fn, check: checkLambdaLogLevel(systemLogLevels)},
		&resourceRule{id: "MARIADB_PUBLISH_LOGS_TO_CLOUDWATCH_LOGS", types: db, check: checkMariaDBLogsToCloudWatch},
		&resourceRule{id: "RDS_SQL_SERVER_LOGS_TO_CLOUDWATCH", types: db, check: checkSQLServerLogsToCloudWatch},
	)
}

// placedInstance holds the DescribeInstances members the instance rules of
// this file read.
type placedInstance struct {
	ImageID   flexString `json:"imageId"`
	VpcID     flexString `json:"vpcId"`
	Placement *struct {
		Tenancy flexString `json:"tenancy"`
		HostID  flexString `json:"hostId"`
	} `json:"placement"`
}

func decodePlacedInstance(ci *configd.ConfigurationItem) (*placedInstance, error) {
	var i placedInstance
	return &i, decodeConfiguration(ci, &i)
}

func (i *placedInstance) tenancy() string {
	if i.Placement == nil {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(string(i.Placement.Tenancy)))
}

func (i *placedInstance) hostID() string {
	if i.Placement == nil {
		return ""
	}
	return strings.TrimSpace(string(i.Placement.HostID))
}

// instanceTenancies are the values the tenancy parameter allows (the page's
// DEDICATED, HOST and DEFAULT), as EC2 writes them in placement.tenancy.
var instanceTenancies = []string{"default", "dedicated", "host"}

// checkDesiredInstanceTenancy: an instance whose placement.tenancy is not
// the tenancy parameter (DEFAULT, DEDICATED or HOST, compared
// case-insensitively) is NON_COMPLIANT; so is one not on one of the
// Dedicated Hosts of hostId, when hostId is given; COMPLIANT otherwise.
// When imageId is given, only instances launched from one of those AMIs are
// evaluated: the others are NOT_APPLICABLE.
//
// Left open by the page, and configd's reading:
//   - imageId scopes the rule ("The rule evaluates instances launched only
//     from AMIs with the specified IDs"), so an instance from another AMI is
//     NOT_APPLICABLE rather than NON_COMPLIANT; the summary's "COMPLIANT if
//     the instance matches a host and an AMI, if specified, in a list" is
//     read with it.
//   - hostId applies whatever the tenancy parameter is: an instance without
//     a host (default or dedicated tenancy) is NON_COMPLIANT when hostId is
//     given. AMI and host IDs are compared exactly.
//   - A tenancy parameter other than the three values is an invalid
//     parameter (an error).
//   - An item without placement.tenancy (DescribeInstances always returns
//     it) has nothing to judge: NOT_APPLICABLE. Instances are evaluated in
//     every state.
//
// https://docs.aws.amazon.com/config/latest/developerguide/desired-instance-tenancy.html
func checkDesiredInstanceTenancy(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	want := strings.ToLower(strings.TrimSpace(in.Params["tenancy"]))
	if !contains(instanceTenancies, want) {
		return verdict{}, fmt.Errorf("tenancy %q is not DEFAULT, DEDICATED or HOST", in.Params["tenancy"])
	}
	inst, err := decodePlacedInstance(ci)
	if err != nil {
		return verdict{}, err
	}
	image := strings.TrimSpace(string(inst.ImageID))
	if images := csv(in.Params["imageId"]); len(images) > 0 && !contains(images, image) {
		return notApplicable("The instance was launched from the AMI " + image + ", which is not listed in imageId."), nil
	}
	got := inst.tenancy()
	if got == "" {
		return notApplicable("The item records no placement tenancy."), nil
	}
	if got != want {
		return nonCompliant("The instance's tenancy is " + got + ", not " + want + "."), nil
	}
	if hosts := csv(in.Params["hostId"]); len(hosts) > 0 {
		host := inst.hostID()
		if host == "" {
			return nonCompliant("The instance is not on a Dedicated Host listed in hostId."), nil
		}
		if !contains(hosts, host) {
			return nonCompliant("The instance is on the Dedicated Host " + host + ", which is not listed in hostId."), nil
		}
	}
	return compliant(), nil
}

// checkInstancesInVPC: an instance without a vpcId (not in a VPC) is
// NON_COMPLIANT; when the vpcId parameter is given, so is one in another
// VPC; COMPLIANT otherwise.
//
// Left open by the page: vpcId is a String, one VPC ID, compared exactly
// after trimming blanks (a comma-separated list is not split); instances are
// evaluated in every state.
// https://docs.aws.amazon.com/config/latest/developerguide/ec2-instances-in-vpc.html
func checkInstancesInVPC(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	inst, err := decodePlacedInstance(ci)
	if err != nil {
		return verdict{}, err
	}
	vpc := strings.TrimSpace(string(inst.VpcID))
	if vpc == "" {
		return nonCompliant("The instance is not in a VPC."), nil
	}
	if want := strings.TrimSpace(in.Params["vpcId"]); want != "" && vpc != want {
		return nonCompliant("The instance is in " + vpc + ", not in " + want + "."), nil
	}
	return compliant(), nil
}

// checkS3BucketTagged: a bucket with no tags other than "aws:" ones, or
// lacking one of the tag keys of requiredKeyTags (compared case-sensitively,
// as the page says), is NON_COMPLIANT; COMPLIANT otherwise. A
// requiredKeyTags key starting with "aws:", which the page does not allow,
// is an invalid parameter (an error). Left open by the page: tag values are
// not checked (a tag with an empty value is a tag), and the tags are the
// item's (ci.Tags), where the recorder writes GetBucketTagging's tag set.
// https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-tagged.html
func checkS3BucketTagged(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	required := csv(in.Params["requiredKeyTags"])
	for _, k := range required {
		if awsTagKey(k) {
			return verdict{}, fmt.Errorf("requiredKeyTags cannot include the tag key %q: keys starting with aws: are not allowed", k)
		}
	}
	return tagKeysVerdict(ci.Tags, required, "bucket"), nil
}

// tagKeysVerdict judges tags as the *_TAGGED rules do: NON_COMPLIANT
// without a tag whose key does not start with "aws:", or without one of
// the required keys (case-sensitive); what names the resource in the
// annotation.
func tagKeysVerdict(tags map[string]string, required []string, what string) verdict {
	tagged := false
	for k := range tags {
		if !awsTagKey(k) {
			tagged = true
			break
		}
	}
	if !tagged {
		return nonCompliant("The " + what + " has no tags.")
	}
	var missing []string
	for _, k := range required {
		if _, ok := tags[k]; !ok && !contains(missing, k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nonCompliant("The " + what + " lacks the tag keys: " + strings.Join(missing, ", ") + ".")
	}
	return compliant()
}

// lambdaLogging holds the function's loggingConfig.
type lambdaLogging struct {
	LoggingConfig *struct {
		LogFormat           flexString `json:"logFormat"`
		ApplicationLogLevel flexString `json:"applicationLogLevel"`
		SystemLogLevel      flexString `json:"systemLogLevel"`
	} `json:"loggingConfig"`
}

func decodeLambdaLogging(ci *configd.ConfigurationItem) (*lambdaLogging, error) {
	var l lambdaLogging
	return &l, decodeConfiguration(ci, &l)
}

func (l *lambdaLogging) logFormat() string {
	if l.LoggingConfig == nil {
		return ""
	}
	return strings.TrimSpace(string(l.LoggingConfig.LogFormat))
}

func (l *lambdaLogging) jsonFormat() bool { return strings.EqualFold(l.logFormat(), "JSON") }

// checkLambdaLogFormatJSON: NON_COMPLIANT when loggingConfig.logFormat is
// not JSON, COMPLIANT when it is. Left open by the page: the format is
// compared case-insensitively (Lambda writes "JSON" and "Text"); an item
// without loggingConfig or logFormat (a function described before Lambda
// had the setting) is not JSON, so NON_COMPLIANT, as Text is Lambda's
// default.
// https://docs.aws.amazon.com/config/latest/developerguide/lambda-function-log-format-json.html
func checkLambdaLogFormatJSON(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	l, err := decodeLambdaLogging(ci)
	if err != nil {
		return verdict{}, err
	}
	if !l.jsonFormat() {
		format := l.logFormat()
		if format == "" {
			format = "not set"
		}
		return nonCompliant("The function's log format is " + format + ", not JSON."), nil
	}
	return compliant(), nil
}

// lambdaLogLevelKind describes one of the two log level rules.
type lambdaLogLevelKind struct {
	name  string   // "application" or "system", for messages
	valid []string // the levels the page allows in logLevel
	level func(*lambdaLogging) string
}

var applicationLogLevels = lambdaLogLevelKind{
	name:  "application",
	valid: []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"},
	level: func(l *lambdaLogging) string { return string(l.LoggingConfig.ApplicationLogLevel) },
}

var systemLogLevels = lambdaLogLevelKind{
	name:  "system",
	valid: []string{"DEBUG", "INFO", "WARN"},
	level: func(l *lambdaLogging) string { return string(l.LoggingConfig.SystemLogLevel) },
}

// checkLambdaLogLevel builds the check of lambda-function-application-log-level-check
// and lambda-function-system-log-level-check: a function with JSON
// structured logs whose loggingConfig.applicationLogLevel (systemLogLevel)
// is not a value of the logLevel parameter is NON_COMPLIANT, COMPLIANT when
// it is one.
//
// Left open by the pages, and configd's reading:
//   - The rules check "functions with JSON structured logs": a function
//     whose log format is not JSON (Text, or none recorded) is
//     NOT_APPLICABLE. Lambda has log levels only for the JSON format.
//   - The pages call logLevel "the minimum … log level" but give the
//     condition as a value "not specified in this parameter": configd
//     compares for equality, not by severity. logLevel may list several
//     levels separated by commas (a function at any of them is COMPLIANT).
//   - Levels are compared case-insensitively; a logLevel value the page
//     does not list (TRACE, DEBUG, INFO, WARN, ERROR, FATAL for application
//     logs; DEBUG, INFO, WARN for system logs) is an invalid parameter (an
//     error).
//   - A JSON-format function whose item records no level is NON_COMPLIANT
//     (no level is not a listed level).
//
// https://docs.aws.amazon.com/config/latest/developerguide/lambda-function-application-log-level-check.html
// https://docs.aws.amazon.com/config/latest/developerguide/lambda-function-system-log-level-check.html
func checkLambdaLogLevel(kind lambdaLogLevelKind) func(*configd.ConfigurationItem, *Input) (verdict, error) {
	return func(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
		var want []string
		for _, v := range csv(in.Params["logLevel"]) {
			v = strings.ToUpper(v)
			if !contains(kind.valid, v) {
				return verdict{}, fmt.Errorf("logLevel %q is not a %s log level (%s)", v, kind.name, strings.Join(kind.valid, ", "))
			}
			want = append(want, v)
		}
		if len(want) == 0 {
			return verdict{}, fmt.Errorf("logLevel is required (%s)", strings.Join(kind.valid, ", "))
		}
		l, err := decodeLambdaLogging(ci)
		if err != nil {
			return verdict{}, err
		}
		if !l.jsonFormat() {
			return notApplicable("The function does not use JSON structured logs."), nil
		}
		got := strings.ToUpper(strings.TrimSpace(kind.level(l)))
		if got == "" {
			return nonCompliant("The function records no " + kind.name + " log level."), nil
		}
		if !contains(want, got) {
			return nonCompliant("The function's " + kind.name + " log level is " + got + ", not " + strings.Join(want, " or ") + "."), nil
		}
		return compliant(), nil
	}
}

// rdsLogTypesParam reads a logTypes parameter: its comma-separated values,
// lower-cased, without repeats, or def when it is empty. With valid set, a
// value not in it is an error.
func rdsLogTypesParam(param string, def, valid []string) ([]string, error) {
	var out []string
	for _, l := range csv(param) {
		l = strings.ToLower(l)
		if valid != nil && !contains(valid, l) {
			return nil, fmt.Errorf("logTypes value %q is not one of %s", l, strings.Join(valid, ", "))
		}
		if !contains(out, l) {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return def, nil
	}
	return out, nil
}

// missingLogExports returns the log types of want that the instance does not
// export to CloudWatch Logs (enabledCloudwatchLogsExports, compared
// case-insensitively), in the order of want.
func (d *rdsInstanceSettings) missingLogExports(want []string) []string {
	enabled := map[string]bool{}
	for _, l := range d.EnabledCloudwatchLogsExports {
		enabled[strings.ToLower(strings.TrimSpace(l))] = true
	}
	var missing []string
	for _, l := range want {
		if !enabled[l] {
			missing = append(missing, l)
		}
	}
	return missing
}

// checkMariaDBLogsToCloudWatch: an RDS for MariaDB instance (engine
// mariadb) is NON_COMPLIANT when enabledCloudwatchLogsExports lacks one of
// the log types of logTypes (default error and audit), COMPLIANT otherwise;
// instances of other engines are NOT_APPLICABLE.
//
// Left open by the page, and configd's reading: logTypes values are
// compared case-insensitively and not restricted (the page lists none; RDS
// for MariaDB exports audit, error, general, slowquery and
// iam-db-auth-error); an empty logTypes is the default; instances are
// evaluated in every status.
// https://docs.aws.amazon.com/config/latest/developerguide/mariadb-publish-logs-to-cloudwatch-logs.html
func checkMariaDBLogsToCloudWatch(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	want, err := rdsLogTypesParam(in.Params["logTypes"], []string{"error", "audit"}, nil)
	if err != nil {
		return verdict{}, err
	}
	d, err := decodeRDSInstanceSettings(ci)
	if err != nil {
		return verdict{}, err
	}
	if engine := d.engine(); engine != "mariadb" {
		return notApplicable("The engine " + engine + " is not MariaDB."), nil
	}
	if missing := d.missingLogExports(want); len(missing) > 0 {
		return nonCompliant("Log types not published to CloudWatch Logs: " + strings.Join(missing, ", ") + "."), nil
	}
	return compliant(), nil
}

// sqlServerLogTypes are the log types the page allows in logTypes, and its
// default.
var sqlServerLogTypes = []string{"error", "agent"}

// checkSQLServerLogsToCloudWatch: an RDS for SQL Server instance (engine
// sqlserver-ee, sqlserver-se, sqlserver-ex or sqlserver-web) is
// NON_COMPLIANT when enabledCloudwatchLogsExports lacks one of the log types
// of logTypes (default error and agent), COMPLIANT otherwise; instances of
// other engines are NOT_APPLICABLE.
//
// Left open by the page, and configd's reading: RDS Custom for SQL Server
// (custom-sqlserver-*), whose logs RDS does not export, is NOT_APPLICABLE;
// logTypes values are compared case-insensitively and a value other than
// the page's error and agent is an invalid parameter (an error); an empty
// logTypes is the default; instances are evaluated in every status.
// https://docs.aws.amazon.com/config/latest/developerguide/rds-sql-server-logs-to-cloudwatch.html
func checkSQLServerLogsToCloudWatch(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	want, err := rdsLogTypesParam(in.Params["logTypes"], sqlServerLogTypes, sqlServerLogTypes)
	if err != nil {
		return verdict{}, err
	}
	d, err := decodeRDSInstanceSettings(ci)
	if err != nil {
		return verdict{}, err
	}
	if engine := d.engine(); rdsLogFamily(engine) != "sqlserver" {
		return notApplicable("The engine " + engine + " is not RDS for SQL Server."), nil
	}
	if missing := d.missingLogExports(want); len(missing) > 0 {
		return nonCompliant("Log types not published to CloudWatch Logs: " + strings.Join(missing, ", ") + "."), nil
	}
	return compliant(), nil
}
