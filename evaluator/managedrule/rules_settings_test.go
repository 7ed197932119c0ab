package managedrule

import (
	"context"
	"reflect"
	"testing"
)

// placedInstanceItem builds an AWS::EC2::Instance item as the recorder
// writes it (DescribeInstances element, lowerCamel, absent members null)
// with the given AMI, tenancy and host ("" writes null); extra is spliced in
// last.
func placedInstanceItem(ami, tenancy, host, extra string) *configdItem {
	hostJSON := "null"
	if host != "" {
		hostJSON = jsonString(host)
	}
	return item(ec2Instance, "i-0fedcba9876543210", `{"amiLaunchIndex":0,"architecture":"x86_64","imageId":`+jsonString(ami)+`,`+
		`"instanceId":"i-0fedcba9876543210","instanceType":"m5.large","launchTime":"2024-06-01T08:00:00.000Z",`+
		`"placement":{"affinity":null,"availabilityZone":"us-east-1b","availabilityZoneId":null,"groupId":null,"groupName":"",`+
		`"hostId":`+hostJSON+`,"hostResourceGroupArn":null,"partitionNumber":null,"spreadDomain":null,"tenancy":`+jsonString(tenancy)+`},`+
		`"privateIpAddress":"10.1.2.3","state":{"code":16,"name":"running"},"subnetId":"subnet-0b1c2d3e","vpcId":"vpc-0b1c2d3e",`+
		`"virtualizationType":"hvm"`+extra+`}`, map[string]string{})
}

const (
	tenancyAMI  = "ami-0123456789abcdef0"
	tenancyHost = "h-0123456789abcdef0"
)

func TestDesiredInstanceTenancy(t *testing.T) {
	const id = "DESIRED_INSTANCE_TENANCY"
	runRuleCases(t, id, []ruleCase{
		{name: "CompliantDefault", ci: placedInstanceItem(tenancyAMI, "default", "", ""), params: `{"tenancy":"DEFAULT"}`, want: Compliant},
		{name: "CompliantDedicated", ci: placedInstanceItem(tenancyAMI, "dedicated", "", ""), params: `{"tenancy":"DEDICATED"}`, want: Compliant},
		{name: "CompliantHost", ci: placedInstanceItem(tenancyAMI, "host", tenancyHost, ""), params: `{"tenancy":"HOST"}`, want: Compliant},
		{name: "CompliantLowerCaseParam", ci: placedInstanceItem(tenancyAMI, "dedicated", "", ""), params: `{"tenancy":"dedicated"}`, want: Compliant},
		{name: "CompliantStopped", ci: placedInstanceItem(tenancyAMI, "dedicated", "", `,"state":{"code":80,"name":"stopped"}`), params: `{"tenancy":"DEDICATED"}`, want: Compliant},
		{name: "NonCompliantDefaultWantDedicated", ci: placedInstanceItem(tenancyAMI, "default", "", ""), params: `{"tenancy":"DEDICATED"}`, want: NonCompliant, annotation: "tenancy is default, not dedicated"},
		{name: "NonCompliantDedicatedWantDefault", ci: placedInstanceItem(tenancyAMI, "dedicated", "", ""), params: `{"tenancy":"DEFAULT"}`, want: NonCompliant},
		{name: "NonCompliantDedicatedWantHost", ci: placedInstanceItem(tenancyAMI, "dedicated", "", ""), params: `{"tenancy":"HOST"}`, want: NonCompliant, annotation: "not host"},
		{name: "NotApplicableNoPlacement", ci: item(ec2Instance, "i-1", `{"instanceId":"i-1","imageId":"`+tenancyAMI+`"}`, nil), params: `{"tenancy":"DEFAULT"}`, want: NotApplicable, annotation: "tenancy"},
		{name: "NotApplicableNullTenancy", ci: item(ec2Instance, "i-1", `{"instanceId":"i-1","placement":{"tenancy":null}}`, nil), params: `{"tenancy":"DEFAULT"}`, want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(placedInstanceItem(tenancyAMI, "default", "", "")), params: `{"tenancy":"DEDICATED"}`, want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item(ec2Volume, "vol-1", `{"placement":{"tenancy":"default"}}`, nil), params: `{"tenancy":"DEDICATED"}`, want: NotApplicable},

		// imageId limits the rule to instances launched from those AMIs.
		{name: "ParamImageListedCompliant", ci: placedInstanceItem(tenancyAMI, "dedicated", "", ""), params: `{"tenancy":"DEDICATED","imageId":"ami-0aaaaaaaaaaaaaaaa, ` + tenancyAMI + `"}`, want: Compliant},
		{name: "ParamImageListedNonCompliant", ci: placedInstanceItem(tenancyAMI, "default", "", ""), params: `{"tenancy":"DEDICATED","imageId":"` + tenancyAMI + `"}`, want: NonCompliant},
		{name: "ParamImageNotListed", ci: placedInstanceItem(tenancyAMI, "default", "", ""), params: `{"tenancy":"DEDICATED","imageId":"ami-0aaaaaaaaaaaaaaaa"}`, want: NotApplicable, annotation: tenancyAMI},
		{name: "ParamImageNotListedMatchingTenancy", ci: placedInstanceItem(tenancyAMI, "dedicated", "", ""), params: `{"tenancy":"DEDICATED","imageId":"ami-0aaaaaaaaaaaaaaaa"}`, want: NotApplicable},

		// hostId requires one of those Dedicated Hosts.
		{name: "ParamHostListed", ci: placedInstanceItem(tenancyAMI, "host", tenancyHost, ""), params: `{"tenancy":"HOST","hostId":"h-0aaaaaaaaaaaaaaaa,` + tenancyHost + `"}`, want: Compliant},
		{name: "ParamHostNotListed", ci: placedInstanceItem(tenancyAMI, "host", tenancyHost, ""), params: `{"tenancy":"HOST","hostId":"h-0aaaaaaaaaaaaaaaa"}`, want: NonCompliant, annotation: tenancyHost},
		{name: "ParamHostNoHost", ci: placedInstanceItem(tenancyAMI, "dedicated", "", ""), params: `{"tenancy":"DEDICATED","hostId":"` + tenancyHost + `"}`, want: NonCompliant, annotation: "not on a Dedicated Host"},
		{name: "ParamHostWrongTenancy", ci: placedInstanceItem(tenancyAMI, "dedicated", tenancyHost, ""), params: `{"tenancy":"HOST","hostId":"` + tenancyHost + `"}`, want: NonCompliant, annotation: "tenancy"},
		{name: "ParamHostAndImage", ci: placedInstanceItem(tenancyAMI, "host", tenancyHost, ""), params: `{"tenancy":"HOST","imageId":"` + tenancyAMI + `","hostId":"` + tenancyHost + `"}`, want: Compliant},
		{name: "ParamHostAndOtherImage", ci: placedInstanceItem(tenancyAMI, "host", "h-0bbbbbbbbbbbbbbbb", ""), params: `{"tenancy":"HOST","imageId":"ami-0aaaaaaaaaaaaaaaa","hostId":"` + tenancyHost + `"}`, want: NotApplicable},
	})
	runErrorCases(t, id, []errorCase{
		{name: "ParamInvalidTenancy", ci: placedInstanceItem(tenancyAMI, "default", "", ""), params: `{"tenancy":"SHARED"}`, err: "SHARED"},
	})
}

func TestInstancesInVPC(t *testing.T) {
	runRuleCases(t, "INSTANCES_IN_VPC", []ruleCase{
		{name: "Compliant", ci: placedInstanceItem(tenancyAMI, "default", "", ""), want: Compliant},
		{name: "CompliantStopped", ci: placedInstanceItem(tenancyAMI, "default", "", `,"state":{"code":80,"name":"stopped"}`), want: Compliant},
		{name: "NonCompliantNullVPC", ci: placedInstanceItem(tenancyAMI, "default", "", `,"vpcId":null,"subnetId":null`), want: NonCompliant, annotation: "not in a VPC"},
		{name: "NonCompliantEmptyVPC", ci: placedInstanceItem(tenancyAMI, "default", "", `,"vpcId":""`), want: NonCompliant},
		{name: "NonCompliantAbsentVPC", ci: item(ec2Instance, "i-1", `{"instanceId":"i-1","imageId":"ami-1"}`, nil), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(placedInstanceItem(tenancyAMI, "default", "", `,"vpcId":null`)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item(ec2Subnet, "subnet-1", `{"vpcId":null}`, nil), want: NotApplicable},

		// vpcId names the one VPC the instances must be in.
		{name: "ParamSameVPC", ci: placedInstanceItem(tenancyAMI, "default", "", ""), params: `{"vpcId":"vpc-0b1c2d3e"}`, want: Compliant},
		{name: "ParamSameVPCBlanks", ci: placedInstanceItem(tenancyAMI, "default", "", ""), params: `{"vpcId":" vpc-0b1c2d3e "}`, want: Compliant},
		{name: "ParamOtherVPC", ci: placedInstanceItem(tenancyAMI, "default", "", ""), params: `{"vpcId":"vpc-0aaaaaaa"}`, want: NonCompliant, annotation: "vpc-0b1c2d3e, not in vpc-0aaaaaaa"},
		{name: "ParamNoVPC", ci: placedInstanceItem(tenancyAMI, "default", "", `,"vpcId":null`), params: `{"vpcId":"vpc-0b1c2d3e"}`, want: NonCompliant, annotation: "not in a VPC"},
		{name: "ParamNotSplit", ci: placedInstanceItem(tenancyAMI, "default", "", ""), params: `{"vpcId":"vpc-0b1c2d3e,vpc-0aaaaaaa"}`, want: NonCompliant},
	})
}

// describedPolicy builds an AWS::IAM::Policy item as the recorder writes it
// (ManagedPolicyDetail, lowerCamel) whose description member is the JSON
// value desc ("" leaves the member out).
func describedPolicy(desc string) *configdItem {
	member := ""
	if desc != "" {
		member = `"description":` + desc + `,`
	}
	return item(iamPolicy, "ANPADESCRIBED", `{"arn":"arn:aws:iam::123456789012:policy/app-read","attachmentCount":2,"createDate":"2024-03-04T05:06:07.000Z",`+
		`"defaultVersionId":"v1",`+member+`"isAttachable":true,"path":"/","permissionsBoundaryUsageCount":0,"policyId":"ANPADESCRIBED",`+
		`"policyName":"app-read","policyVersionList":[{"createDate":"2024-03-04T05:06:07.000Z","document":"`+
		urlEncode(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)+
		`","isDefaultVersion":true,"versionId":"v1"}],"updateDate":"2024-03-04T05:06:07.000Z"}`, nil)
}

func TestIAMPolicyDescription(t *testing.T) {
	runRuleCases(t, "IAM_POLICY_DESCRIPTION", []ruleCase{
		{name: "Compliant", ci: describedPolicy(`"Read access to the app bucket"`), want: Compliant},
		{name: "CompliantBlanks", ci: describedPolicy(`" "`), want: Compliant},
		{name: "NonCompliantNull", ci: describedPolicy("null"), want: NonCompliant, annotation: "no description"},
		{name: "NonCompliantEmpty", ci: describedPolicy(`""`), want: NonCompliant},
		{name: "NonCompliantAbsent", ci: describedPolicy(""), want: NonCompliant},
		{name: "NonCompliantOtherHelperItem", ci: policyItem(customerArn, `{"Statement":[]}`, 0), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(describedPolicy(`"x"`)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item(iamRole, "AROA1", `{"description":null}`, nil), want: NotApplicable},
	})
}

func TestS3BucketTagged(t *testing.T) {
	const id = "S3_BUCKET_TAGGED"
	tagged := func(tags map[string]string) *configdItem { return withTags(bucket("reports", nil), tags) }
	runRuleCases(t, id, []ruleCase{
		{name: "CompliantTagged", ci: tagged(map[string]string{"team": "data"}), want: Compliant},
		{name: "CompliantEmptyValue", ci: tagged(map[string]string{"team": ""}), want: Compliant},
		{name: "CompliantAWSAndOwnTags", ci: tagged(map[string]string{"aws:cloudformation:stack-name": "s", "team": "data"}), want: Compliant},
		{name: "NonCompliantNoTags", ci: tagged(nil), want: NonCompliant, annotation: "bucket has no tags"},
		{name: "NonCompliantEmptyTags", ci: tagged(map[string]string{}), want: NonCompliant},
		{name: "NonCompliantOnlyAWSTags", ci: tagged(map[string]string{"aws:cloudformation:stack-id": "x", "AWS:Other": "y"}), want: NonCompliant, annotation: "no tags"},
		{name: "NotApplicableDeleted", ci: deletedItem(tagged(nil)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: withTags(item(kmsKey, "k", `{}`, nil), nil), want: NotApplicable},

		// requiredKeyTags names tag keys that must be present.
		{name: "ParamPresent", ci: tagged(map[string]string{"team": "data", "env": "prod"}), params: `{"requiredKeyTags":"team,env"}`, want: Compliant},
		{name: "ParamMissingOne", ci: tagged(map[string]string{"team": "data"}), params: `{"requiredKeyTags":"team, env"}`, want: NonCompliant, annotation: "lacks the tag keys: env."},
		{name: "ParamMissingAllSorted", ci: tagged(map[string]string{"owner": "x"}), params: `{"requiredKeyTags":"team,env,team"}`, want: NonCompliant, annotation: "env, team."},
		{name: "ParamCaseSensitive", ci: tagged(map[string]string{"Team": "data"}), params: `{"requiredKeyTags":"team"}`, want: NonCompliant, annotation: "team"},
		{name: "ParamMixedCasePresent", ci: tagged(map[string]string{"CostCenter": "42"}), params: `{"requiredKeyTags":"CostCenter"}`, want: Compliant},
		{name: "ParamNoTags", ci: tagged(nil), params: `{"requiredKeyTags":"team"}`, want: NonCompliant, annotation: "no tags"},
	})
	runErrorCases(t, id, []errorCase{
		{name: "ParamAWSPrefix", ci: tagged(map[string]string{"team": "x"}), params: `{"requiredKeyTags":"team,aws:createdBy"}`, err: "aws:createdBy"},
	})
}

// loggingFunction is functionItem with the loggingConfig members as
// ListFunctions returns them (format, application and system level; ""
// writes the empty enum the recorder writes for an absent one).
func loggingFunction(format, appLevel, sysLevel string) *configdItem {
	return functionItem(`,"loggingConfig":{"applicationLogLevel":`+jsonString(appLevel)+`,"logFormat":`+jsonString(format)+
		`,"logGroup":"/aws/lambda/orders-handler","systemLogLevel":`+jsonString(sysLevel)+`}`, "")
}

func TestLambdaFunctionLogFormatJSON(t *testing.T) {
	runRuleCases(t, "LAMBDA_FUNCTION_LOG_FORMAT_JSON", []ruleCase{
		{name: "Compliant", ci: loggingFunction("JSON", "INFO", "INFO"), want: Compliant},
		{name: "CompliantLowerCase", ci: loggingFunction("json", "", ""), want: Compliant},
		{name: "NonCompliantText", ci: loggingFunction("Text", "", ""), want: NonCompliant, annotation: "log format is Text, not JSON"},
		{name: "NonCompliantEmptyFormat", ci: loggingFunction("", "", ""), want: NonCompliant, annotation: "not set"},
		{name: "NonCompliantNoLoggingConfig", ci: functionItem("", ""), want: NonCompliant},
		{name: "NonCompliantNullLoggingConfig", ci: functionItem(`,"loggingConfig":null`, ""), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(loggingFunction("Text", "", "")), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item(rdsDBInstance, "db-1", `{"loggingConfig":{"logFormat":"Text"}}`, nil), want: NotApplicable},
	})
}

func TestLambdaFunctionApplicationLogLevelCheck(t *testing.T) {
	const id = "LAMBDA_FUNCTION_APPLICATION_LOG_LEVEL_CHECK"
	runRuleCases(t, id, []ruleCase{
		{name: "CompliantInfo", ci: loggingFunction("JSON", "INFO", "WARN"), params: `{"logLevel":"INFO"}`, want: Compliant},
		{name: "CompliantFatal", ci: loggingFunction("JSON", "FATAL", "WARN"), params: `{"logLevel":"FATAL"}`, want: Compliant},
		{name: "CompliantParamLowerCase", ci: loggingFunction("JSON", "ERROR", "INFO"), params: `{"logLevel":"error"}`, want: Compliant},
		{name: "CompliantOneOfSeveral", ci: loggingFunction("JSON", "WARN", "INFO"), params: `{"logLevel":"ERROR, WARN"}`, want: Compliant},
		{name: "NonCompliantOther", ci: loggingFunction("JSON", "DEBUG", "INFO"), params: `{"logLevel":"INFO"}`, want: NonCompliant, annotation: "application log level is DEBUG, not INFO"},
		{name: "NonCompliantNotLowerSeverity", ci: loggingFunction("JSON", "ERROR", "INFO"), params: `{"logLevel":"INFO"}`, want: NonCompliant},
		{name: "NonCompliantNotInList", ci: loggingFunction("JSON", "TRACE", "INFO"), params: `{"logLevel":"ERROR,WARN"}`, want: NonCompliant, annotation: "not ERROR or WARN"},
		{name: "NonCompliantSystemLevelMatchesOnly", ci: loggingFunction("JSON", "DEBUG", "WARN"), params: `{"logLevel":"WARN"}`, want: NonCompliant},
		{name: "NonCompliantNoLevel", ci: loggingFunction("JSON", "", "INFO"), params: `{"logLevel":"INFO"}`, want: NonCompliant, annotation: "no application log level"},
		{name: "NotApplicableText", ci: loggingFunction("Text", "", ""), params: `{"logLevel":"INFO"}`, want: NotApplicable, annotation: "JSON"},
		{name: "NotApplicableTextWithLevel", ci: loggingFunction("Text", "DEBUG", "DEBUG"), params: `{"logLevel":"INFO"}`, want: NotApplicable},
		{name: "NotApplicableNoLoggingConfig", ci: functionItem("", ""), params: `{"logLevel":"INFO"}`, want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(loggingFunction("JSON", "DEBUG", "INFO")), params: `{"logLevel":"INFO"}`, want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item(rdsDBInstance, "db-1", `{}`, nil), params: `{"logLevel":"INFO"}`, want: NotApplicable},
	})
	runErrorCases(t, id, []errorCase{
		{name: "ParamInvalidLevel", ci: loggingFunction("JSON", "INFO", "INFO"), params: `{"logLevel":"VERBOSE"}`, err: "VERBOSE"},
	})
}

func TestLambdaFunctionSystemLogLevelCheck(t *testing.T) {
	const id = "LAMBDA_FUNCTION_SYSTEM_LOG_LEVEL_CHECK"
	runRuleCases(t, id, []ruleCase{
		{name: "CompliantWarn", ci: loggingFunction("JSON", "INFO", "WARN"), params: `{"logLevel":"WARN"}`, want: Compliant},
		{name: "CompliantDebug", ci: loggingFunction("JSON", "INFO", "DEBUG"), params: `{"logLevel":"DEBUG"}`, want: Compliant},
		{name: "CompliantOneOfSeveral", ci: loggingFunction("JSON", "TRACE", "INFO"), params: `{"logLevel":"info,warn"}`, want: Compliant},
		{name: "NonCompliantOther", ci: loggingFunction("JSON", "WARN", "DEBUG"), params: `{"logLevel":"WARN"}`, want: NonCompliant, annotation: "system log level is DEBUG, not WARN"},
		{name: "NonCompliantApplicationLevelMatchesOnly", ci: loggingFunction("JSON", "INFO", "WARN"), params: `{"logLevel":"INFO"}`, want: NonCompliant},
		{name: "NonCompliantNoLevel", ci: loggingFunction("JSON", "INFO", ""), params: `{"logLevel":"INFO"}`, want: NonCompliant, annotation: "no system log level"},
		{name: "NotApplicableText", ci: loggingFunction("Text", "", ""), params: `{"logLevel":"WARN"}`, want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(loggingFunction("JSON", "INFO", "DEBUG")), params: `{"logLevel":"WARN"}`, want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item(ec2Instance, "i-1", `{}`, nil), params: `{"logLevel":"WARN"}`, want: NotApplicable},
	})
	runErrorCases(t, id, []errorCase{
		{name: "ParamApplicationOnlyLevel", ci: loggingFunction("JSON", "INFO", "INFO"), params: `{"logLevel":"ERROR"}`, err: "ERROR"},
		{name: "ParamOneInvalid", ci: loggingFunction("JSON", "INFO", "INFO"), params: `{"logLevel":"INFO,TRACE"}`, err: "TRACE"},
	})
}

// exportsDB is a DB instance of engine exporting the log types exports (a
// JSON array, or "" to leave the member out).
func exportsDB(engine, exports string) *configdItem {
	members := `,"engine":"` + engine + `","engineVersion":"10.11.8","dBInstanceStatus":"available"`
	if exports != "" {
		members += `,"enabledCloudwatchLogsExports":` + exports
	}
	return rdsBareItem(members)
}

func TestMariaDBPublishLogsToCloudWatchLogs(t *testing.T) {
	runRuleCases(t, "MARIADB_PUBLISH_LOGS_TO_CLOUDWATCH_LOGS", []ruleCase{
		{name: "CompliantDefault", ci: exportsDB("mariadb", `["audit","error"]`), want: Compliant},
		{name: "CompliantMoreLogs", ci: exportsDB("mariadb", `["audit","error","general","slowquery"]`), want: Compliant},
		{name: "CompliantCase", ci: exportsDB("MariaDB", `["Audit","ERROR"]`), want: Compliant},
		{name: "CompliantStopped", ci: spliceRDSConfig(exportsDB("mariadb", `["audit","error"]`), `"dBInstanceStatus":"stopped"`), want: Compliant},
		{name: "NonCompliantNoAudit", ci: exportsDB("mariadb", `["error"]`), want: NonCompliant, annotation: ": audit."},
		{name: "NonCompliantNone", ci: exportsDB("mariadb", `[]`), want: NonCompliant, annotation: "error, audit"},
		{name: "NonCompliantAbsent", ci: exportsDB("mariadb", ""), want: NonCompliant},
		{name: "NonCompliantNull", ci: exportsDB("mariadb", "null"), want: NonCompliant},
		{name: "NotApplicableMySQL", ci: exportsDB("mysql", `[]`), want: NotApplicable, annotation: "mysql"},
		{name: "NotApplicableAuroraMySQL", ci: exportsDB("aurora-mysql", `[]`), want: NotApplicable},
		{name: "NotApplicableNoEngine", ci: rdsBareItem(""), want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(exportsDB("mariadb", `[]`)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item(lambdaFunction, "f", `{"engine":"mariadb"}`, nil), want: NotApplicable},

		// logTypes replaces the default log types.
		{name: "ParamGeneralPresent", ci: exportsDB("mariadb", `["general"]`), params: `{"logTypes":"general"}`, want: Compliant},
		{name: "ParamReplacesDefault", ci: exportsDB("mariadb", `["error","audit"]`), params: `{"logTypes":"general, slowquery"}`, want: NonCompliant, annotation: "general, slowquery"},
		{name: "ParamCaseInsensitive", ci: exportsDB("mariadb", `["slowquery"]`), params: `{"logTypes":"SlowQuery"}`, want: Compliant},
		{name: "ParamAnyLogType", ci: exportsDB("mariadb", `["iam-db-auth-error"]`), params: `{"logTypes":"iam-db-auth-error"}`, want: Compliant},
		{name: "ParamMissingOne", ci: exportsDB("mariadb", `["audit"]`), params: `{"logTypes":"audit,general,audit"}`, want: NonCompliant, annotation: ": general."},
		{name: "ParamOtherEngine", ci: exportsDB("postgres", `[]`), params: `{"logTypes":"general"}`, want: NotApplicable},
	})
}

// TestMariaDBPublishLogsPeriodic: the rule is periodic; it evaluates every
// recorded DB instance.
func TestMariaDBPublishLogsPeriodic(t *testing.T) {
	inv := &memInventory{items: []*configdItem{
		exportsDB("mariadb", `["audit","error"]`),
		exportsDB("mariadb", `["error"]`),
		exportsDB("postgres", `["postgresql"]`),
		bucket("not-a-db", nil),
	}}
	params, err := Parameters("MARIADB_PUBLISH_LOGS_TO_CLOUDWATCH_LOGS", "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(context.Background(), "MARIADB_PUBLISH_LOGS_TO_CLOUDWATCH_LOGS", Input{Params: params, Inventory: inv, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res {
		got = append(got, r.ComplianceType)
	}
	if want := []string{Compliant, NonCompliant, NotApplicable}; !reflect.DeepEqual(got, want) {
		t.Errorf("results %v, want %v (%+v)", got, want, res)
	}
}

func TestRDSSQLServerLogsToCloudWatch(t *testing.T) {
	const id = "RDS_SQL_SERVER_LOGS_TO_CLOUDWATCH"
	runRuleCases(t, id, []ruleCase{
		{name: "CompliantEnterprise", ci: exportsDB("sqlserver-ee", `["agent","error"]`), want: Compliant},
		{name: "CompliantStandard", ci: exportsDB("sqlserver-se", `["error","agent"]`), want: Compliant},
		{name: "CompliantExpressCase", ci: exportsDB("SQLServer-EX", `["Agent","Error"]`), want: Compliant},
		{name: "NonCompliantNoAgent", ci: exportsDB("sqlserver-web", `["error"]`), want: NonCompliant, annotation: ": agent."},
		{name: "NonCompliantNone", ci: exportsDB("sqlserver-ee", `[]`), want: NonCompliant, annotation: "error, agent"},
		{name: "NonCompliantAbsent", ci: exportsDB("sqlserver-se", ""), want: NonCompliant},
		{name: "NotApplicableMySQL", ci: exportsDB("mysql", `[]`), want: NotApplicable, annotation: "mysql"},
		{name: "NotApplicableCustom", ci: exportsDB("custom-sqlserver-ee", `[]`), want: NotApplicable},
		{name: "NotApplicableNoEngine", ci: rdsBareItem(""), want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(exportsDB("sqlserver-ee", `[]`)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item(lambdaFunction, "f", `{"engine":"sqlserver-ee"}`, nil), want: NotApplicable},

		// logTypes replaces the default log types.
		{name: "ParamErrorOnly", ci: exportsDB("sqlserver-ee", `["error"]`), params: `{"logTypes":"error"}`, want: Compliant},
		{name: "ParamAgentOnlyMissing", ci: exportsDB("sqlserver-ee", `["error"]`), params: `{"logTypes":"agent"}`, want: NonCompliant, annotation: "agent"},
		{name: "ParamCaseInsensitive", ci: exportsDB("sqlserver-ee", `["agent"]`), params: `{"logTypes":"AGENT"}`, want: Compliant},
		{name: "ParamBoth", ci: exportsDB("sqlserver-ee", `["agent"]`), params: `{"logTypes":"agent, error"}`, want: NonCompliant, annotation: ": error."},
	})
	runErrorCases(t, id, []errorCase{
		{name: "ParamInvalidLogType", ci: exportsDB("sqlserver-ee", `["error"]`), params: `{"logTypes":"error,general"}`, err: "general"},
	})
}

// TestSettingsRulesNotProactive: none of these rules' AWS pages has a
// "Proactive Evaluation" section.
func TestSettingsRulesNotProactive(t *testing.T) {
	for _, id := range []string{"DESIRED_INSTANCE_TENANCY", "INSTANCES_IN_VPC", "IAM_POLICY_DESCRIPTION", "S3_BUCKET_TAGGED",
		"LAMBDA_FUNCTION_LOG_FORMAT_JSON", "LAMBDA_FUNCTION_APPLICATION_LOG_LEVEL_CHECK", "LAMBDA_FUNCTION_SYSTEM_LOG_LEVEL_CHECK",
		"MARIADB_PUBLISH_LOGS_TO_CLOUDWATCH_LOGS", "RDS_SQL_SERVER_LOGS_TO_CLOUDWATCH"} {
		if !Implemented(id) {
			t.Errorf("%s not implemented", id)
		}
		if got := ProactiveTypes(id); got != nil {
			t.Errorf("ProactiveTypes(%s) = %v", id, got)
		}
	}
}

// TestSettingsDefaults: the catalogue gives the optional parameters of
// these rules no default, so the rules apply the pages' defaults
// themselves.
func TestSettingsDefaults(t *testing.T) {
	for _, id := range []string{"MARIADB_PUBLISH_LOGS_TO_CLOUDWATCH_LOGS", "RDS_SQL_SERVER_LOGS_TO_CLOUDWATCH", "INSTANCES_IN_VPC", "S3_BUCKET_TAGGED"} {
		p, err := Parameters(id, "")
		if err != nil {
			t.Fatalf("Parameters(%s): %v", id, err)
		}
		for k, v := range p {
			if v != "" {
				t.Errorf("%s: catalogue default %s=%q; the rule's own default would be dead code", id, k, v)
			}
		}
	}
	for _, id := range []string{"DESIRED_INSTANCE_TENANCY", "LAMBDA_FUNCTION_APPLICATION_LOG_LEVEL_CHECK", "LAMBDA_FUNCTION_SYSTEM_LOG_LEVEL_CHECK"} {
		if _, err := Parameters(id, ""); err == nil {
			t.Errorf("Parameters(%s) without its required parameter: no error", id)
		}
	}
}
