package managedrule

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// stoppedInstanceItem is instanceItem in the stopped state with the given
// stateTransitionReason (the later "state" member overrides instanceItem's
// running state).
func stoppedInstanceItem(reason string) *configdItem {
	return instanceItem(`,"state":{"code":80,"name":"stopped"},"stateTransitionReason":` + jsonString(reason))
}

// stoppedAt is a stateTransitionReason as DescribeInstances writes it for an
// instance stopped by a user d before testNow.
func stoppedAt(d time.Duration) string {
	return "User initiated (" + testNow.Add(-d).Format("2006-01-02 15:04:05") + " GMT)"
}

const day = 24 * time.Hour

func TestEC2ParavirtualInstanceCheck(t *testing.T) {
	runRuleCases(t, "EC2_PARAVIRTUAL_INSTANCE_CHECK", []ruleCase{
		{name: "CompliantHVM", ci: instanceItem(`,"virtualizationType":"hvm"`), want: Compliant},
		{name: "NonCompliantParavirtual", ci: instanceItem(`,"virtualizationType":"paravirtual"`), want: NonCompliant, annotation: "paravirtual"},
		{name: "NonCompliantUpperCase", ci: instanceItem(`,"virtualizationType":"PARAVIRTUAL"`), want: NonCompliant},
		{name: "NonCompliantStopped", ci: instanceItem(`,"virtualizationType":"paravirtual","state":{"code":80,"name":"stopped"}`), want: NonCompliant},
		{name: "NotApplicableNoVirtualizationType", ci: instanceItem(""), want: NotApplicable, annotation: "virtualizationType"},
		{name: "NotApplicableNullVirtualizationType", ci: instanceItem(`,"virtualizationType":null`), want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(instanceItem(`,"virtualizationType":"paravirtual"`)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item(ec2Volume, "vol-1", `{"virtualizationType":"paravirtual"}`, nil), want: NotApplicable},
	})
}

func TestEC2StoppedInstance(t *testing.T) {
	const id = "EC2_STOPPED_INSTANCE"
	runRuleCases(t, id, []ruleCase{
		{name: "CompliantRunning", ci: instanceItem(""), want: Compliant},
		{name: "CompliantStopping", ci: instanceItem(`,"state":{"code":64,"name":"stopping"},"stateTransitionReason":"` + stoppedAt(90*day) + `"`), want: Compliant},
		{name: "CompliantStoppedRecently", ci: stoppedInstanceItem(stoppedAt(9 * day)), want: Compliant},
		{name: "CompliantExactlyDefault", ci: stoppedInstanceItem(stoppedAt(30 * day)), want: Compliant},
		{name: "NonCompliantJustOverDefault", ci: stoppedInstanceItem(stoppedAt(30*day + time.Second)), want: NonCompliant, annotation: "more than 30 days"},
		{name: "NonCompliantLongStopped", ci: stoppedInstanceItem(stoppedAt(59 * day)), want: NonCompliant, annotation: "since " + testNow.Add(-59*day).Format("2006-01-02")},
		{name: "NonCompliantServiceInitiated", ci: stoppedInstanceItem("Service initiated (" + testNow.Add(-40*day).Format("2006-01-02 15:04:05") + " GMT)"), want: NonCompliant},
		{name: "NonCompliantStateString", ci: instanceItem(`,"state":"stopped","stateTransitionReason":"` + stoppedAt(45*day) + `"`), want: NonCompliant},
		{name: "NonCompliantNoTime", ci: stoppedInstanceItem("User initiated"), want: NonCompliant, annotation: "cannot be determined"},
		{name: "NonCompliantNoReason", ci: instanceItem(`,"state":{"code":80,"name":"stopped"}`), want: NonCompliant, annotation: "cannot be determined"},
		{name: "NotApplicableNoState", ci: item(ec2Instance, "i-1", `{"instanceId":"i-1","stateTransitionReason":"`+stoppedAt(90*day)+`"}`, nil), want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(stoppedInstanceItem(stoppedAt(90 * day))), want: NotApplicable},

		// AllowedDays replaces the 30 days.
		{name: "ParamLongerAllowance", ci: stoppedInstanceItem(stoppedAt(59 * day)), params: `{"AllowedDays":"60"}`, want: Compliant},
		{name: "ParamShorterAllowance", ci: stoppedInstanceItem(stoppedAt(9 * day)), params: `{"AllowedDays":"7"}`, want: NonCompliant, annotation: "more than 7 days"},
		{name: "ParamAtAllowance", ci: stoppedInstanceItem(stoppedAt(7 * day)), params: `{"AllowedDays":"7"}`, want: Compliant},
		{name: "ParamZero", ci: stoppedInstanceItem(stoppedAt(time.Minute)), params: `{"AllowedDays":"0"}`, want: NonCompliant},
		{name: "ParamZeroRunning", ci: instanceItem(""), params: `{"AllowedDays":"0"}`, want: Compliant},
		{name: "ParamNoTime", ci: stoppedInstanceItem("User initiated"), params: `{"AllowedDays":"365"}`, want: NonCompliant},
	})
	runErrorCases(t, id, []errorCase{
		{name: "ParamNegative", ci: stoppedInstanceItem(stoppedAt(day)), params: `{"AllowedDays":"-1"}`, err: "AllowedDays"},
	})
}

// TestEC2StoppedInstancePeriodic: the rule is periodic; it evaluates every
// recorded instance, measuring from Input.Now.
func TestEC2StoppedInstancePeriodic(t *testing.T) {
	long := stoppedInstanceItem(stoppedAt(31 * day))
	long.ResourceID = "i-long"
	recent := stoppedInstanceItem(stoppedAt(29 * day))
	recent.ResourceID = "i-recent"
	running := instanceItem("")
	inv := &memInventory{items: []*configdItem{long, recent, running, item(ec2Volume, "vol-1", `{}`, nil)}}
	params, err := Parameters("EC2_STOPPED_INSTANCE", "")
	if err != nil {
		t.Fatal(err)
	}
	if params["AllowedDays"] != "30" {
		t.Fatalf("default AllowedDays = %q, want 30", params["AllowedDays"])
	}
	for _, tc := range []struct {
		name string
		now  time.Time
		want []string
	}{
		{"AtTestNow", testNow, []string{NonCompliant, Compliant, Compliant}},
		{"TwoDaysLater", testNow.Add(2 * day), []string{NonCompliant, NonCompliant, Compliant}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Evaluate(context.Background(), "EC2_STOPPED_INSTANCE", Input{Params: params, Inventory: inv, Now: tc.now})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range res {
				got = append(got, r.ComplianceType)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("results %v, want %v (%+v)", got, tc.want, res)
			}
		})
	}
}

// postgresItem is an RDS for PostgreSQL instance exporting the given log
// types (a JSON array, or "" to leave the member out).
func postgresItem(exports string) *configdItem {
	members := `,"engine":"postgres","engineVersion":"16.3","dBInstanceStatus":"available"`
	if exports != "" {
		members += `,"enabledCloudwatchLogsExports":` + exports
	}
	return rdsBareItem(members)
}

func TestRDSPostgreSQLLogsToCloudWatch(t *testing.T) {
	const id = "RDS_POSTGRESQL_LOGS_TO_CLOUDWATCH"
	runRuleCases(t, id, []ruleCase{
		{name: "CompliantPostgresql", ci: postgresItem(`["postgresql"]`), want: Compliant},
		{name: "CompliantBoth", ci: postgresItem(`["postgresql","upgrade"]`), want: Compliant},
		{name: "CompliantStopped", ci: rdsBareItem(`,"engine":"postgres","dBInstanceStatus":"stopped","enabledCloudwatchLogsExports":["postgresql"]`), want: Compliant},
		{name: "NonCompliantNone", ci: postgresItem(`[]`), want: NonCompliant, annotation: "postgresql"},
		{name: "NonCompliantAbsent", ci: postgresItem(""), want: NonCompliant},
		{name: "NonCompliantNull", ci: postgresItem("null"), want: NonCompliant},
		{name: "NonCompliantOnlyUpgrade", ci: postgresItem(`["upgrade"]`), want: NonCompliant, annotation: "postgresql"},
		{name: "NotApplicableMySQL", ci: rdsSettingsItem(""), want: NotApplicable, annotation: "mysql"},
		{name: "NotApplicableAuroraPostgreSQL", ci: rdsBareItem(`,"engine":"aurora-postgresql","dBClusterIdentifier":"c1"`), want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(postgresItem(`[]`)), want: NotApplicable},

		// logTypes replaces the default "postgresql".
		{name: "ParamBothPresent", ci: postgresItem(`["postgresql","upgrade"]`), params: `{"logTypes":"postgresql,upgrade"}`, want: Compliant},
		{name: "ParamBothMissingUpgrade", ci: postgresItem(`["postgresql"]`), params: `{"logTypes":"postgresql, upgrade"}`, want: NonCompliant, annotation: "upgrade"},
		{name: "ParamUpgradeOnly", ci: postgresItem(`["upgrade"]`), params: `{"logTypes":"upgrade"}`, want: Compliant},
		{name: "ParamUpgradeOnlyMissing", ci: postgresItem(`["postgresql"]`), params: `{"logTypes":"upgrade"}`, want: NonCompliant, annotation: "upgrade"},
		{name: "ParamCaseInsensitive", ci: postgresItem(`["upgrade"]`), params: `{"logTypes":"Upgrade"}`, want: Compliant},
		{name: "ParamOtherEngine", ci: rdsSettingsItem(""), params: `{"logTypes":"upgrade"}`, want: NotApplicable},
	})
	runErrorCases(t, id, []errorCase{
		{name: "ParamUnknownLogType", ci: postgresItem(`["postgresql"]`), params: `{"logTypes":"postgresql,audit"}`, err: "audit"},
	})
}

// queueItem builds an AWS::SQS::Queue item in the recorder's CloudFormation
// shape; extra adds members (RedrivePolicy, …).
func queueItem(extra string) *configdItem {
	url := "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
	return item(sqsQueueType, url, `{"Arn":"arn:aws:sqs:us-east-1:123456789012:orders","DelaySeconds":0,"FifoQueue":false,`+
		`"MaximumMessageSize":262144,"MessageRetentionPeriod":345600,"QueueName":"orders","QueueUrl":"`+url+`",`+
		`"ReceiveMessageWaitTimeSeconds":0,"SqsManagedSseEnabled":true,"Tags":[],"VisibilityTimeout":30`+extra+`}`, nil)
}

const dlqArn = "arn:aws:sqs:us-east-1:123456789012:orders-dlq"

func TestSQSQueueDLQCheck(t *testing.T) {
	const id = "SQS_QUEUE_DLQ_CHECK"
	runRuleCases(t, id, []ruleCase{
		{name: "Compliant", ci: queueItem(`,"RedrivePolicy":{"deadLetterTargetArn":"` + dlqArn + `","maxReceiveCount":5}`), want: Compliant},
		{name: "CompliantStringPolicy", ci: queueItem(`,"RedrivePolicy":` + jsonString(`{"deadLetterTargetArn":"`+dlqArn+`","maxReceiveCount":"5"}`)), want: Compliant},
		{name: "CompliantPascalCase", ci: queueItem(`,"RedrivePolicy":{"DeadLetterTargetArn":"` + dlqArn + `","MaxReceiveCount":5}`), want: Compliant},
		{name: "NonCompliantNoPolicy", ci: queueItem(""), want: NonCompliant, annotation: "no dead-letter queue"},
		{name: "NonCompliantNullPolicy", ci: queueItem(`,"RedrivePolicy":null`), want: NonCompliant},
		{name: "NonCompliantEmptyPolicy", ci: queueItem(`,"RedrivePolicy":{}`), want: NonCompliant},
		{name: "NonCompliantEmptyString", ci: queueItem(`,"RedrivePolicy":""`), want: NonCompliant},
		{name: "NonCompliantNoTarget", ci: queueItem(`,"RedrivePolicy":{"maxReceiveCount":5}`), want: NonCompliant, annotation: "deadLetterTargetArn"},
		{name: "NonCompliantIsDLQ", ci: queueItem(`,"RedriveAllowPolicy":{"redrivePermission":"allowAll"}`), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(queueItem(`,"RedrivePolicy":{"deadLetterTargetArn":"` + dlqArn + `"}`)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item(lambdaFunction, "f", `{}`, nil), want: NotApplicable},
	})
	runErrorCases(t, id, []errorCase{
		{name: "PolicyNotJSON", ci: queueItem(`,"RedrivePolicy":"dead letters please"`), err: "RedrivePolicy"},
	})
}

func TestLambdaFunctionDescription(t *testing.T) {
	runRuleCases(t, "LAMBDA_FUNCTION_DESCRIPTION", []ruleCase{
		// functionItem records "description":""; a later member overrides it.
		{name: "Compliant", ci: functionItem(`,"description":"Processes orders"`, ""), want: Compliant},
		{name: "CompliantBlanks", ci: functionItem(`,"description":"  "`, ""), want: Compliant},
		{name: "NonCompliantEmpty", ci: functionItem("", ""), want: NonCompliant, annotation: "no description"},
		{name: "NonCompliantNull", ci: functionItem(`,"description":null`, ""), want: NonCompliant},
		{name: "NonCompliantAbsent", ci: item(lambdaFunction, "f", `{"functionName":"f","runtime":"nodejs20.x"}`, nil), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(functionItem(`,"description":"Processes orders"`, "")), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item(kmsKey, "k", `{"description":""}`, nil), want: NotApplicable},
	})
}

// taggedKey is a customer managed KMS key item with the tags.
func taggedKey(tags map[string]string) *configdItem {
	return withTags(kmsKeyItem("CUSTOMER", "Enabled", "AWS_KMS", "SYMMETRIC_DEFAULT", "true"), tags)
}

func TestKMSKeyTagged(t *testing.T) {
	const id = "KMS_KEY_TAGGED"
	runRuleCases(t, id, []ruleCase{
		{name: "CompliantTagged", ci: taggedKey(map[string]string{"team": "payments"}), want: Compliant},
		{name: "CompliantEmptyValue", ci: taggedKey(map[string]string{"team": ""}), want: Compliant},
		{name: "CompliantAWSAndOwnTags", ci: taggedKey(map[string]string{"aws:cloudformation:stack-name": "s", "team": "payments"}), want: Compliant},
		{name: "NonCompliantNoTags", ci: taggedKey(nil), want: NonCompliant, annotation: "no tags"},
		{name: "NonCompliantEmptyTags", ci: taggedKey(map[string]string{}), want: NonCompliant},
		{name: "NonCompliantOnlyAWSTags", ci: taggedKey(map[string]string{"aws:cloudformation:stack-name": "s", "AWS:other": "x"}), want: NonCompliant, annotation: "no tags"},
		{name: "NonCompliantAWSManagedKey", ci: kmsKeyItem("AWS", "Enabled", "AWS_KMS", "SYMMETRIC_DEFAULT", ""), want: NonCompliant, annotation: "AWS managed keys cannot be tagged"},
		{name: "NotApplicableDeleted", ci: deletedItem(taggedKey(nil)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: withTags(item(sqsQueueType, "q", `{}`, nil), map[string]string{"team": "x"}), want: NotApplicable},

		// requiredKeyTags names tag keys that must be present.
		{name: "ParamPresent", ci: taggedKey(map[string]string{"team": "payments", "env": "prod"}), params: `{"requiredKeyTags":"team,env"}`, want: Compliant},
		{name: "ParamMissingOne", ci: taggedKey(map[string]string{"team": "payments"}), params: `{"requiredKeyTags":"team, env"}`, want: NonCompliant, annotation: "env"},
		{name: "ParamMissingAll", ci: taggedKey(map[string]string{"owner": "x"}), params: `{"requiredKeyTags":"team,env"}`, want: NonCompliant, annotation: "env, team"},
		{name: "ParamMixedCasePresent", ci: taggedKey(map[string]string{"CostCenter": "42"}), params: `{"requiredKeyTags":"CostCenter"}`, want: Compliant},
		{name: "ParamCaseSensitive", ci: taggedKey(map[string]string{"Team": "payments"}), params: `{"requiredKeyTags":"team"}`, want: NonCompliant, annotation: "team"},
		{name: "ParamNoTags", ci: taggedKey(nil), params: `{"requiredKeyTags":"team"}`, want: NonCompliant},
	})
	runErrorCases(t, id, []errorCase{
		{name: "ParamAWSPrefix", ci: taggedKey(map[string]string{"team": "x"}), params: `{"requiredKeyTags":"team,aws:createdBy"}`, err: "aws:createdBy"},
	})
}

// TestInstancesRulesNotProactive: none of these rules' AWS pages has a
// "Proactive Evaluation" section.
func TestInstancesRulesNotProactive(t *testing.T) {
	for _, id := range []string{"EC2_PARAVIRTUAL_INSTANCE_CHECK", "EC2_STOPPED_INSTANCE", "RDS_POSTGRESQL_LOGS_TO_CLOUDWATCH",
		"SQS_QUEUE_DLQ_CHECK", "LAMBDA_FUNCTION_DESCRIPTION", "KMS_KEY_TAGGED"} {
		if !Implemented(id) {
			t.Errorf("%s not implemented", id)
		}
		if got := ProactiveTypes(id); got != nil {
			t.Errorf("ProactiveTypes(%s) = %v", id, got)
		}
	}
}
