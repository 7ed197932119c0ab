package managedrule

import (
	"context"
	"reflect"
	"testing"
)

// rdsSettingsItem builds an AWS::RDS::DBInstance item (DescribeDBInstances
// element with AWS Config's key capitalization) of an available MySQL
// instance that passes every rule of rules_rds.go; extra is spliced in
// last, so its members override the defaults.
func rdsSettingsItem(extra string) *configdItem {
	return item(rdsDBInstance, "db-QRSTUVWXYZ012345", `{"dBInstanceIdentifier":"billing","dBInstanceClass":"db.t3.small","engine":"mysql",`+
		`"engineVersion":"8.0.36","dBInstanceStatus":"available","masterUsername":"admin","allocatedStorage":20,`+
		`"endpoint":{"address":"billing.abc.us-east-1.rds.amazonaws.com","port":3306,"hostedZoneId":"Z2R2ITUGPM61AM"},`+
		`"autoMinorVersionUpgrade":true,"monitoringInterval":60,"monitoringRoleArn":"arn:aws:iam::123456789012:role/rds-monitoring-role",`+
		`"enabledCloudwatchLogsExports":["audit","error","general","slowquery"],"iAMDatabaseAuthenticationEnabled":true,`+
		`"dBClusterIdentifier":null,"dbiResourceId":"db-QRSTUVWXYZ012345","dBInstanceArn":"arn:aws:rds:us-east-1:123456789012:db:billing"`+extra+`}`, nil)
}

// rdsBareItem builds a DB instance item with only the given members, to
// test members that are absent.
func rdsBareItem(members string) *configdItem {
	return item(rdsDBInstance, "db-BARE", `{"dBInstanceIdentifier":"bare"`+members+`}`, nil)
}

func TestRDSAutomaticMinorVersionUpgradeEnabled(t *testing.T) {
	runRuleCases(t, "RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED", []ruleCase{
		{name: "Compliant", ci: rdsSettingsItem(""), want: Compliant},
		{name: "CompliantStringTrue", ci: rdsSettingsItem(`,"autoMinorVersionUpgrade":"true"`), want: Compliant},
		{name: "CompliantOtherEngine", ci: rdsSettingsItem(`,"engine":"postgres","dBInstanceStatus":"stopped"`), want: Compliant},
		{name: "NonCompliantFalse", ci: rdsSettingsItem(`,"autoMinorVersionUpgrade":false`), want: NonCompliant, annotation: "minor version upgrade"},
		{name: "NonCompliantNull", ci: rdsSettingsItem(`,"autoMinorVersionUpgrade":null`), want: NonCompliant},
		{name: "NonCompliantAbsent", ci: rdsBareItem(`,"engine":"mysql"`), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(rdsSettingsItem("")), want: NotApplicable},
	})
}

func TestRDSEnhancedMonitoringEnabled(t *testing.T) {
	runRuleCases(t, "RDS_ENHANCED_MONITORING_ENABLED", []ruleCase{
		{name: "Compliant", ci: rdsSettingsItem(""), want: Compliant},
		{name: "CompliantOneSecond", ci: rdsSettingsItem(`,"monitoringInterval":1`), want: Compliant},
		{name: "CompliantStringInterval", ci: rdsSettingsItem(`,"monitoringInterval":"15"`), want: Compliant},
		{name: "NonCompliantZero", ci: rdsSettingsItem(`,"monitoringInterval":0`), want: NonCompliant, annotation: "monitoringInterval is 0"},
		{name: "NonCompliantNull", ci: rdsSettingsItem(`,"monitoringInterval":null`), want: NonCompliant},
		{name: "NonCompliantAbsent", ci: rdsBareItem(`,"engine":"mysql"`), want: NonCompliant},
		{name: "ParamIntervalMatches", ci: rdsSettingsItem(""), params: `{"monitoringInterval":"60"}`, want: Compliant},
		{name: "ParamIntervalMatchesString", ci: rdsSettingsItem(`,"monitoringInterval":"30"`), params: `{"monitoringInterval":"30"}`, want: Compliant},
		{name: "ParamIntervalDiffers", ci: rdsSettingsItem(""), params: `{"monitoringInterval":"30"}`, want: NonCompliant, annotation: "60 seconds, not 30"},
		{name: "ParamIntervalDisabled", ci: rdsSettingsItem(`,"monitoringInterval":0`), params: `{"monitoringInterval":"60"}`, want: NonCompliant, annotation: "not enabled"},
	})
}

func TestRDSEnhancedMonitoringBadInterval(t *testing.T) {
	_, err := Evaluate(context.Background(), "RDS_ENHANCED_MONITORING_ENABLED", Input{CI: rdsSettingsItem(`,"monitoringInterval":"often"`), Now: testNow})
	if err == nil {
		t.Fatal("want an error for a monitoringInterval that is not an integer")
	}
}

func TestRDSLoggingEnabled(t *testing.T) {
	logs := func(engine, exports string) *configdItem {
		return rdsSettingsItem(`,"engine":"` + engine + `","enabledCloudwatchLogsExports":[` + exports + `]`)
	}
	docExample := `{"additionalLogs":"oracle: general, slowquery ; aurora: alert, slowquery"}`
	runRuleCases(t, "RDS_LOGGING_ENABLED", []ruleCase{
		{name: "CompliantMySQL", ci: rdsSettingsItem(""), want: Compliant},
		{name: "CompliantMySQLExtraLog", ci: logs("mysql", `"audit","error","general","iam-db-auth-error","slowquery"`), want: Compliant},
		{name: "CompliantMySQLCase", ci: logs("MySQL", `"Audit","ERROR","general","SlowQuery"`), want: Compliant},
		{name: "NonCompliantMySQLMissingOne", ci: logs("mysql", `"audit","error","general"`), want: NonCompliant, annotation: ": slowquery."},
		{name: "NonCompliantMySQLNone", ci: logs("mysql", ``), want: NonCompliant, annotation: "audit, error, general, slowquery"},
		{name: "NonCompliantMySQLNull", ci: rdsSettingsItem(`,"enabledCloudwatchLogsExports":null`), want: NonCompliant},
		{name: "NonCompliantMySQLAbsent", ci: rdsBareItem(`,"engine":"mysql","dBInstanceStatus":"available"`), want: NonCompliant},
		{name: "CompliantMariaDB", ci: logs("mariadb", `"audit","error","general","slowquery"`), want: Compliant},
		{name: "NonCompliantMariaDB", ci: logs("mariadb", `"error"`), want: NonCompliant, annotation: "audit, general, slowquery"},
		{name: "CompliantPostgres", ci: logs("postgres", `"postgresql","upgrade"`), want: Compliant},
		{name: "NonCompliantPostgresNoUpgrade", ci: logs("postgres", `"postgresql"`), want: NonCompliant, annotation: "upgrade"},
		{name: "CompliantOracleEE", ci: logs("oracle-ee", `"alert","audit","listener","trace"`), want: Compliant},
		{name: "NonCompliantOracleSE2CDB", ci: logs("oracle-se2-cdb", `"alert","audit","trace","oemagent"`), want: NonCompliant, annotation: "listener"},
		{name: "CompliantSQLServer", ci: logs("sqlserver-se", `"agent","error"`), want: Compliant},
		{name: "NonCompliantSQLServerWeb", ci: logs("sqlserver-web", `"error"`), want: NonCompliant, annotation: "agent"},
		{name: "CompliantAurora", ci: logs("aurora", `"audit","error","general","slowquery"`), want: Compliant},
		{name: "NonCompliantAuroraMySQL", ci: logs("aurora-mysql", `"audit","error"`), want: NonCompliant, annotation: "general, slowquery"},
		{name: "CompliantAuroraPostgreSQL", ci: logs("aurora-postgresql", `"postgresql"`), want: Compliant},
		{name: "NonCompliantAuroraPostgreSQL", ci: logs("aurora-postgresql", ``), want: NonCompliant, annotation: "postgresql"},
		{name: "CompliantBackingUp", ci: rdsSettingsItem(`,"dBInstanceStatus":"backing-up"`), want: Compliant},
		{name: "NonCompliantStorageFull", ci: spliceRDSConfig(logs("mysql", `"error"`), `"dBInstanceStatus":"storage-full"`), want: NonCompliant},
		{name: "NonCompliantStorageOptimization", ci: spliceRDSConfig(logs("mysql", `"error"`), `"dBInstanceStatus":"storage-optimization"`), want: NonCompliant},
		{name: "NonCompliantNoStatus", ci: rdsBareItem(`,"engine":"postgres","enabledCloudwatchLogsExports":["postgresql"]`), want: NonCompliant},
		{name: "NotApplicableStopped", ci: spliceRDSConfig(logs("mysql", ``), `"dBInstanceStatus":"stopped"`), want: NotApplicable, annotation: "stopped"},
		{name: "NotApplicableCreating", ci: spliceRDSConfig(logs("mysql", ``), `"dBInstanceStatus":"creating"`), want: NotApplicable},
		{name: "NotApplicableEngineDb2", ci: logs("db2-se", ``), want: NotApplicable, annotation: "db2-se"},
		{name: "NotApplicableEngineCustomOracle", ci: logs("custom-oracle-ee", ``), want: NotApplicable},
		{name: "NotApplicableNoEngine", ci: rdsBareItem(`,"dBInstanceStatus":"available"`), want: NotApplicable},
		{name: "ParamAddsLogMissing", ci: rdsSettingsItem(""), params: `{"additionalLogs":"mysql: iam-db-auth-error"}`, want: NonCompliant, annotation: "iam-db-auth-error"},
		{name: "ParamAddsLogPresent", ci: logs("mysql", `"audit","error","general","slowquery","iam-db-auth-error"`), params: `{"additionalLogs":"mysql: iam-db-auth-error"}`, want: Compliant},
		{name: "ParamDoesNotReplaceDefaults", ci: logs("mysql", `"iam-db-auth-error"`), params: `{"additionalLogs":"mysql: iam-db-auth-error"}`, want: NonCompliant, annotation: "audit"},
		{name: "ParamCaseInsensitive", ci: logs("mysql", `"audit","error","general","slowquery","iam-db-auth-error"`), params: `{"additionalLogs":"MySQL: IAM-DB-Auth-Error"}`, want: Compliant},
		{name: "ParamOtherEngineIgnored", ci: rdsSettingsItem(""), params: `{"additionalLogs":"postgres: iam-db-auth-error; mariadb: x"}`, want: Compliant},
		{name: "ParamNotPrefixOfName", ci: rdsSettingsItem(""), params: `{"additionalLogs":"my: x"}`, want: Compliant},
		{name: "ParamDocExampleOracle", ci: logs("oracle-ee", `"alert","audit","listener","trace"`), params: docExample, want: NonCompliant, annotation: "general, slowquery"},
		{name: "ParamDocExampleOracleMet", ci: logs("oracle-ee", `"alert","audit","general","listener","slowquery","trace"`), params: docExample, want: Compliant},
		{name: "ParamDocExampleAuroraCoversAuroraMySQL", ci: logs("aurora-mysql", `"audit","error","general","slowquery"`), params: docExample, want: NonCompliant, annotation: "alert"},
		{name: "ParamDocExampleMySQLUnaffected", ci: rdsSettingsItem(""), params: docExample, want: Compliant},
		{name: "ParamCommaSeparatedEngines", ci: logs("postgres", `"postgresql","upgrade"`), params: `{"additionalLogs":"oracle:general,postgres:iam-db-auth-error"}`, want: NonCompliant, annotation: "iam-db-auth-error"},
		{name: "ParamEngineWithoutDefaults", ci: logs("db2-se", `"diag.log","notify.log"`), params: `{"additionalLogs":"db2: diag.log, notify.log"}`, want: Compliant},
		{name: "ParamEngineWithoutDefaultsMissing", ci: logs("db2-ae", `"diag.log"`), params: `{"additionalLogs":"db2: diag.log, notify.log"}`, want: NonCompliant, annotation: "notify.log"},
		{name: "ParamStoppedStillNotApplicable", ci: spliceRDSConfig(logs("mysql", ``), `"dBInstanceStatus":"stopped"`), params: `{"additionalLogs":"mysql: iam-db-auth-error"}`, want: NotApplicable},
	})
}

// spliceRDSConfig splices members into the end of ci's configuration, overriding
// earlier ones.
func spliceRDSConfig(ci *configdItem, members string) *configdItem {
	ci.Configuration = ci.Configuration[:len(ci.Configuration)-1] + "," + members + "}"
	return ci
}

func TestParseAdditionalLogs(t *testing.T) {
	cases := []struct {
		name, in string
		want     map[string][]string
	}{
		{"DocExample", "oracle: general, slowquery ; aurora: alert, slowquery",
			map[string][]string{"oracle": {"general", "slowquery"}, "aurora": {"alert", "slowquery"}}},
		{"CommaBetweenEngines", "oracle:general,slowquery,aurora:alert",
			map[string][]string{"oracle": {"general", "slowquery"}, "aurora": {"alert"}}},
		{"Lowered", "MySQL: IAM-DB-Auth-Error", map[string][]string{"mysql": {"iam-db-auth-error"}}},
		{"LogsBeforeEngineIgnored", "general; mysql: audit", map[string][]string{"mysql": {"audit"}}},
		{"EmptyElements", "mysql: audit,, ;; postgres:", map[string][]string{"mysql": {"audit"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseAdditionalLogs(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseAdditionalLogs(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestRDSInstanceIAMAuthenticationEnabled(t *testing.T) {
	engine := func(e string, enabled bool) *configdItem {
		v := "false"
		if enabled {
			v = "true"
		}
		return rdsSettingsItem(`,"engine":"` + e + `","iAMDatabaseAuthenticationEnabled":` + v)
	}
	runRuleCases(t, "RDS_INSTANCE_IAM_AUTHENTICATION_ENABLED", []ruleCase{
		{name: "CompliantMySQL", ci: rdsSettingsItem(""), want: Compliant},
		{name: "CompliantPostgres", ci: engine("postgres", true), want: Compliant},
		{name: "CompliantAurora", ci: engine("aurora", true), want: Compliant},
		{name: "CompliantAuroraMySQL", ci: engine("aurora-mysql", true), want: Compliant},
		{name: "CompliantAuroraPostgreSQL", ci: engine("aurora-postgresql", true), want: Compliant},
		{name: "CompliantLowerCasedKey", ci: rdsBareItem(`,"engine":"mysql","dBInstanceStatus":"available","iamDatabaseAuthenticationEnabled":true`), want: Compliant},
		{name: "CompliantStorageFull", ci: rdsSettingsItem(`,"dBInstanceStatus":"storage-full"`), want: Compliant},
		{name: "CompliantBackingUp", ci: rdsSettingsItem(`,"dBInstanceStatus":"backing-up"`), want: Compliant},
		{name: "NonCompliantMySQL", ci: engine("mysql", false), want: NonCompliant, annotation: "IAM database authentication"},
		{name: "NonCompliantPostgres", ci: engine("postgres", false), want: NonCompliant},
		{name: "NonCompliantAuroraPostgreSQL", ci: engine("aurora-postgresql", false), want: NonCompliant},
		{name: "NonCompliantAbsent", ci: rdsBareItem(`,"engine":"postgres","dBInstanceStatus":"available"`), want: NonCompliant},
		{name: "NonCompliantStorageOptimization", ci: spliceRDSConfig(engine("mysql", false), `"dBInstanceStatus":"storage-optimization"`), want: NonCompliant},
		{name: "NotApplicableMariaDB", ci: engine("mariadb", false), want: NotApplicable, annotation: "mariadb"},
		{name: "NotApplicableOracle", ci: engine("oracle-ee", false), want: NotApplicable},
		{name: "NotApplicableSQLServer", ci: engine("sqlserver-ex", false), want: NotApplicable},
		{name: "NotApplicableStopped", ci: spliceRDSConfig(engine("mysql", false), `"dBInstanceStatus":"stopped"`), want: NotApplicable, annotation: "stopped"},
		{name: "NotApplicableModifying", ci: spliceRDSConfig(engine("postgres", false), `"dBInstanceStatus":"modifying"`), want: NotApplicable},
	})
}

// deletionProtectionTable builds an AWS::DynamoDB::Table item (DescribeTable
// TableDescription, lowerCamel); extra is spliced in last.
func deletionProtectionTable(extra string) *configdItem {
	return item(dynamoDBTable, "invoices", `{"attributeDefinitions":[{"attributeName":"id","attributeType":"S"}],"tableName":"invoices",`+
		`"keySchema":[{"attributeName":"id","keyType":"HASH"}],"tableStatus":"ACTIVE","creationDateTime":"2024-05-06T07:08:09.000Z",`+
		`"tableArn":"arn:aws:dynamodb:us-east-1:123456789012:table/invoices","tableId":"0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9",`+
		`"billingModeSummary":{"billingMode":"PAY_PER_REQUEST"}`+extra+`}`, map[string]string{})
}

func TestDynamoDBTableDeletionProtectionEnabled(t *testing.T) {
	runRuleCases(t, "DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED", []ruleCase{
		{name: "Compliant", ci: deletionProtectionTable(`,"deletionProtectionEnabled":true`), want: Compliant},
		{name: "CompliantStringTrue", ci: deletionProtectionTable(`,"deletionProtectionEnabled":"true"`), want: Compliant},
		{name: "NonCompliantFalse", ci: deletionProtectionTable(`,"deletionProtectionEnabled":false`), want: NonCompliant, annotation: "Deletion protection"},
		{name: "NonCompliantAbsent", ci: deletionProtectionTable(""), want: NonCompliant},
		{name: "NonCompliantNull", ci: deletionProtectionTable(`,"deletionProtectionEnabled":null`), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(deletionProtectionTable(`,"deletionProtectionEnabled":true`)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: rdsSettingsItem(`,"deletionProtectionEnabled":true`), want: NotApplicable},
	})
}

// TestRDSMoreRulesPeriodic runs the rules over an inventory, as a periodic
// evaluation does: one result per item of the rule's type.
func TestRDSMoreRulesPeriodic(t *testing.T) {
	inv := &memInventory{items: []*configdItem{
		rdsSettingsItem(""),
		rdsBareItem(`,"engine":"postgres","dBInstanceStatus":"stopped"`),
		deletionProtectionTable(`,"deletionProtectionEnabled":true`),
		deletionProtectionTable(""),
	}}
	want := map[string][]string{
		"RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED": {Compliant, NonCompliant},
		"RDS_ENHANCED_MONITORING_ENABLED":             {Compliant, NonCompliant},
		"RDS_LOGGING_ENABLED":                         {Compliant, NotApplicable},
		"RDS_INSTANCE_IAM_AUTHENTICATION_ENABLED":     {Compliant, NotApplicable},
		"DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED":  {Compliant, NonCompliant},
	}
	for id, w := range want {
		t.Run(id, func(t *testing.T) {
			params, err := Parameters(id, "")
			if err != nil {
				t.Fatal(err)
			}
			res, err := Evaluate(context.Background(), id, Input{Params: params, Inventory: inv, Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range res {
				got = append(got, r.ComplianceType)
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("results %v, want %v", got, w)
			}
		})
	}
}
