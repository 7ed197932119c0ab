package managedrule

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/configd/configd"
)

// Configuration item members read by this file (AWS Config's key casing, as
// the recorder writes it, see docs/ci-formats.md; encoding/json matches keys
// case-insensitively, so the SDK's casing is read as well):
//
//	AWS::EC2::Instance    DescribeInstances element: {"virtualizationType":"hvm"|"paravirtual",
//	                       "state":{"code":80,"name":"stopped"},
//	                       "stateTransitionReason":"User initiated (2024-01-01 12:00:00 GMT)"}
//	AWS::RDS::DBInstance  DescribeDBInstances element: {"engine","enabledCloudwatchLogsExports":[...]}
//	                       (rules_rds.go's rdsInstanceSettings)
//	AWS::SQS::Queue       the CloudFormation shape of the queue: {"QueueUrl","Arn","QueueName",
//	                       "RedrivePolicy":{"deadLetterTargetArn","maxReceiveCount"},...}; RedrivePolicy
//	                       is an object (GetQueueAttributes' JSON text decoded), a JSON string holding
//	                       it is read as well
//	AWS::Lambda::Function FunctionConfiguration: {"functionName","description",...}
//	AWS::KMS::Key         the item's tags (ci.Tags), as REQUIRED_TAGS reads them
//
// Not implemented here, for want of recorded data: RDS_MARIADB_INSTANCE_ENCRYPTED_IN_TRANSIT
// (require_secure_transport) and RDS_SQLSERVER_ENCRYPTED_IN_TRANSIT
// (rds.force_ssl) judge a value of the instance's DB parameter group, which
// a DescribeDBInstances element does not hold (it names the group and its
// parameterApplyStatus only), so neither rule could ever return COMPLIANT
// on a recorded item.

const sqsQueueType = "AWS::SQS::Queue"

func init() {
	inst := []string{ec2Instance}
	register(
		&resourceRule{id: "EC2_PARAVIRTUAL_INSTANCE_CHECK", types: inst, check: checkParavirtualInstance},
		&resourceRule{id: "EC2_STOPPED_INSTANCE", types: inst, check: checkStoppedInstance},
		&resourceRule{id: "RDS_POSTGRESQL_LOGS_TO_CLOUDWATCH", types: []string{rdsDBInstance}, check: checkRDSPostgreSQLLogs},
		&resourceRule{id: "SQS_QUEUE_DLQ_CHECK", types: []string{sqsQueueType}, check: checkSQSQueueDLQ},
		&resourceRule{id: "LAMBDA_FUNCTION_DESCRIPTION", types: []string{lambdaFunction}, check: checkDescription("function")},
		&resourceRule{id: "KMS_KEY_TAGGED", types: []string{kmsKey}, check: checkKMSKeyTagged},
	)
}

// instanceLifecycle holds the DescribeInstances members the EC2 rules of
// this file read.
type instanceLifecycle struct {
	VirtualizationType    flexString `json:"virtualizationType"`
	State                 flexString `json:"state"`
	StateTransitionReason flexString `json:"stateTransitionReason"`
}

func decodeInstanceLifecycle(ci *configd.ConfigurationItem) (*instanceLifecycle, error) {
	var i instanceLifecycle
	return &i, decodeConfiguration(ci, &i)
}

func (i *instanceLifecycle) state() string {
	return strings.ToLower(strings.TrimSpace(string(i.State)))
}

// checkParavirtualInstance: NON_COMPLIANT when virtualizationType is
// "paravirtual" (compared case-insensitively), COMPLIANT for any other value
// ("hvm"). The page does not cover an item without virtualizationType
// (DescribeInstances always returns it): with nothing to judge it is
// NOT_APPLICABLE. Instances are evaluated in every state.
// https://docs.aws.amazon.com/config/latest/developerguide/ec2-paravirtual-instance-check.html
func checkParavirtualInstance(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	inst, err := decodeInstanceLifecycle(ci)
	if err != nil {
		return verdict{}, err
	}
	vt := strings.TrimSpace(string(inst.VirtualizationType))
	switch {
	case vt == "":
		return notApplicable("The item records no virtualizationType."), nil
	case strings.EqualFold(vt, "paravirtual"):
		return nonCompliant("The instance's virtualization type is paravirtual."), nil
	}
	return compliant(), nil
}

// stateTransitionTime finds the time DescribeInstances gives in
// stateTransitionReason, "User initiated (2024-01-01 12:00:00 GMT)" (also
// "Service initiated (…)" and other prefixes).
var stateTransitionTime = regexp.MustCompile(`\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) GMT\)`)

// stoppedSince returns when the instance's last state transition happened,
// from stateTransitionReason, and false when the reason holds no time.
func (i *instanceLifecycle) stoppedSince() (time.Time, bool) {
	m := stateTransitionTime.FindStringSubmatch(string(i.StateTransitionReason))
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01-02 15:04:05", m[1])
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// checkStoppedInstance: a stopped instance is NON_COMPLIANT when it has been
// stopped for longer than AllowedDays (default 30) days, or when how long
// cannot be determined; COMPLIANT when stopped for AllowedDays days or
// less.
//
// AWS's rule reads how long from the recorded history of the instance;
// configd reads it from the time stateTransitionReason gives for the last
// transition ("User initiated (2024-01-01 12:00:00 GMT)"), which for an
// instance in the stopped state is when it stopped. A stopped instance whose
// reason holds no time is NON_COMPLIANT, as the page says of a time that
// cannot be determined.
//
// Left open by the page, and configd's reading:
//   - Instances in another state (pending, running, stopping, shutting-down)
//     are not stopped, and so COMPLIANT; an item without a state is
//     NOT_APPLICABLE (nothing says whether the instance is stopped).
//   - "Longer than" is strict: stopped exactly AllowedDays × 24 hours is
//     COMPLIANT. A day is 24 hours, counted from the evaluation time
//     (Input.Now, the current time when unset).
//   - A negative AllowedDays is an invalid parameter (an error).
//
// https://docs.aws.amazon.com/config/latest/developerguide/ec2-stopped-instance.html
func checkStoppedInstance(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	days := 30
	if _, given := in.Params["AllowedDays"]; given {
		n, ok := intParam(in.Params, "AllowedDays")
		if !ok || n < 0 {
			return verdict{}, fmt.Errorf("AllowedDays %q is not a number of days (an integer, 0 or more)", in.Params["AllowedDays"])
		}
		days = n
	}
	inst, err := decodeInstanceLifecycle(ci)
	if err != nil {
		return verdict{}, err
	}
	switch state := inst.state(); state {
	case "":
		return notApplicable("The item records no instance state."), nil
	case "stopped":
	default:
		return compliant(), nil
	}
	since, ok := inst.stoppedSince()
	if !ok {
		return nonCompliant("The instance is stopped and the time it stopped cannot be determined."), nil
	}
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	allowed := time.Duration(days) * 24 * time.Hour
	if stopped := now.Sub(since); stopped > allowed {
		return nonCompliant(fmt.Sprintf("The instance has been stopped since %s, more than %d days.",
			since.Format("2006-01-02 15:04:05 MST"), days)), nil
	}
	return compliant(), nil
}

// rdsPostgreSQLLogTypes are the log types the page allows in logTypes.
var rdsPostgreSQLLogTypes = []string{"postgresql", "upgrade"}

// checkRDSPostgreSQLLogs: an RDS for PostgreSQL instance (engine postgres)
// is NON_COMPLIANT when enabledCloudwatchLogsExports lacks one of the log
// types of logTypes (default "postgresql"), COMPLIANT otherwise; instances
// of other engines are NOT_APPLICABLE.
//
// Left open by the page, and configd's reading:
//   - Aurora PostgreSQL instances (aurora-postgresql) are NOT_APPLICABLE:
//     Aurora exports logs from the DB cluster, so an Aurora instance's own
//     enabledCloudwatchLogsExports says nothing.
//   - logTypes values are compared case-insensitively; a value other than
//     the page's "postgresql" and "upgrade" is an invalid parameter (an
//     error). An empty logTypes is the default.
//   - Instances are evaluated in every status.
//
// https://docs.aws.amazon.com/config/latest/developerguide/rds-postgresql-logs-to-cloudwatch.html
func checkRDSPostgreSQLLogs(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var want []string
	for _, l := range csv(in.Params["logTypes"]) {
		l = strings.ToLower(l)
		if !contains(rdsPostgreSQLLogTypes, l) {
			return verdict{}, fmt.Errorf("logTypes value %q is not postgresql or upgrade", l)
		}
		if !contains(want, l) {
			want = append(want, l)
		}
	}
	if len(want) == 0 {
		want = []string{"postgresql"}
	}
	d, err := decodeRDSInstanceSettings(ci)
	if err != nil {
		return verdict{}, err
	}
	if engine := d.engine(); engine != "postgres" {
		return notApplicable("The engine " + engine + " is not RDS for PostgreSQL."), nil
	}
	if missing := d.missingLogExports(want); len(missing) > 0 {
		return nonCompliant("Log types not published to CloudWatch Logs: " + strings.Join(missing, ", ") + "."), nil
	}
	return compliant(), nil
}

// checkSQSQueueDLQ: NON_COMPLIANT when the queue has no RedrivePolicy with a
// deadLetterTargetArn (no dead-letter queue), COMPLIANT otherwise. The page
// makes no exception for queues that are themselves dead-letter queues
// (they have a RedriveAllowPolicy): they need a dead-letter queue of their
// own to be COMPLIANT. The target queue is not looked up.
// https://docs.aws.amazon.com/config/latest/developerguide/sqs-queue-dlq-check.html
func checkSQSQueueDLQ(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var q struct {
		RedrivePolicy policyText `json:"RedrivePolicy"`
	}
	if err := decodeConfiguration(ci, &q); err != nil {
		return verdict{}, err
	}
	text := strings.TrimSpace(string(q.RedrivePolicy))
	if text == "" || text == "null" || text == "{}" {
		return nonCompliant("The queue has no dead-letter queue (no RedrivePolicy)."), nil
	}
	var rp struct {
		DeadLetterTargetArn flexString `json:"deadLetterTargetArn"`
	}
	if err := json.Unmarshal([]byte(text), &rp); err != nil {
		return verdict{}, fmt.Errorf("decode RedrivePolicy: %w", err)
	}
	if strings.TrimSpace(string(rp.DeadLetterTargetArn)) == "" {
		return nonCompliant("The queue's RedrivePolicy names no dead-letter queue (deadLetterTargetArn)."), nil
	}
	return compliant(), nil
}

// checkDescription is the check of LAMBDA_FUNCTION_DESCRIPTION and
// IAM_POLICY_DESCRIPTION: NON_COMPLIANT when configuration.description is
// absent, null or the empty string, COMPLIANT otherwise. The pages name
// only the empty string: a description of blanks is a description. what
// names the resource in the annotation ("function", "policy").
// https://docs.aws.amazon.com/config/latest/developerguide/lambda-function-description.html
// https://docs.aws.amazon.com/config/latest/developerguide/iam-policy-description.html
func checkDescription(what string) func(*configd.ConfigurationItem, *Input) (verdict, error) {
	return func(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
		var r struct {
			Description flexString `json:"description"`
		}
		if err := decodeConfiguration(ci, &r); err != nil {
			return verdict{}, err
		}
		if r.Description == "" {
			return nonCompliant("The " + what + " has no description."), nil
		}
		return compliant(), nil
	}
}

// awsTagKey reports whether a tag key has the reserved "aws:" prefix (in
// any case, as AWS reserves it).
func awsTagKey(k string) bool {
	return len(k) >= 4 && strings.EqualFold(k[:4], "aws:")
}

// checkKMSKeyTagged: NON_COMPLIANT when the key has no tags other than
// "aws:" ones, or lacks one of the tag keys of requiredKeyTags (compared
// case-sensitively, as the page says); COMPLIANT otherwise. A requiredKeyTags
// key starting with "aws:", which the page does not allow, is an invalid
// parameter (an error).
//
// Left open by the page: it makes no exception for AWS managed keys, which
// cannot be tagged, so they are NON_COMPLIANT like any key without tags;
// and tag values are not checked (a tag with an empty value is a tag).
// https://docs.aws.amazon.com/config/latest/developerguide/kms-key-tagged.html
func checkKMSKeyTagged(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	required := csv(in.Params["requiredKeyTags"])
	for _, k := range required {
		if awsTagKey(k) {
			return verdict{}, fmt.Errorf("requiredKeyTags cannot include the tag key %q: keys starting with aws: are not allowed", k)
		}
	}
	// The key metadata only words the annotation of an untagged AWS managed
	// key; decoding it also makes a malformed item an error, as for every
	// rule.
	var meta kmsKeyMetadata
	if err := decodeConfiguration(ci, &meta); err != nil {
		return verdict{}, err
	}
	tagged := false
	for key := range ci.Tags {
		if !awsTagKey(key) {
			tagged = true
			break
		}
	}
	if !tagged {
		if meta.KeyManager == "AWS" {
			return nonCompliant("The key has no tags (AWS managed keys cannot be tagged)."), nil
		}
		return nonCompliant("The key has no tags."), nil
	}
	var missing []string
	for _, k := range required {
		if _, ok := ci.Tags[k]; !ok && !contains(missing, k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nonCompliant("The key lacks the tag keys: " + strings.Join(missing, ", ") + "."), nil
	}
	return compliant(), nil
}
