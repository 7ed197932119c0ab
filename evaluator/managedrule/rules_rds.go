package managedrule

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/configd/configd"
)

// Configuration item formats read by this file (AWS Config's capitalization:
// the SDK member name with its first letter lower-cased, as the recorder
// writes it, see docs/ci-formats.md):
//
//	AWS::RDS::DBInstance  DescribeDBInstances element: {"engine","dBInstanceStatus","autoMinorVersionUpgrade",
//	                       "monitoringInterval","enabledCloudwatchLogsExports":[...],
//	                       "iAMDatabaseAuthenticationEnabled"}
//	AWS::DynamoDB::Table  DescribeTable TableDescription: {"tableName","deletionProtectionEnabled"}
//
// encoding/json matches keys case-insensitively, so an item written with
// other casing ("iamDatabaseAuthenticationEnabled", the SDK's
// "IAMDatabaseAuthenticationEnabled") is read as well.

func init() {
	db := []string{rdsDBInstance}
	register(
		&resourceRule{id: "RDS_AUTOMATIC_MINOR_VERSION_UPGRADE_ENABLED", types: db, check: checkRDSAutoMinorVersionUpgrade},
		&resourceRule{id: "RDS_ENHANCED_MONITORING_ENABLED", types: db, check: checkRDSEnhancedMonitoring},
		&resourceRule{id: "RDS_LOGGING_ENABLED", types: db, check: checkRDSLoggingEnabled},
		&resourceRule{id: "RDS_INSTANCE_IAM_AUTHENTICATION_ENABLED", types: db, check: checkRDSInstanceIAMAuthentication},
		&resourceRule{id: "DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED", types: []string{dynamoDBTable}, check: checkDynamoDBTableDeletionProtection},
	)
}

// rdsInstanceSettings holds the DescribeDBInstances members the rules of
// this file read.
type rdsInstanceSettings struct {
	Engine                           flexString `json:"engine"`
	DBInstanceStatus                 flexString `json:"dBInstanceStatus"`
	AutoMinorVersionUpgrade          flexBool   `json:"autoMinorVersionUpgrade"`
	MonitoringInterval               flexString `json:"monitoringInterval"`
	EnabledCloudwatchLogsExports     []string   `json:"enabledCloudwatchLogsExports"`
	IAMDatabaseAuthenticationEnabled flexBool   `json:"iAMDatabaseAuthenticationEnabled"`
}

func decodeRDSInstanceSettings(ci *configd.ConfigurationItem) (*rdsInstanceSettings, error) {
	var d rdsInstanceSettings
	return &d, decodeConfiguration(ci, &d)
}

func (d *rdsInstanceSettings) engine() string {
	return strings.ToLower(strings.TrimSpace(string(d.Engine)))
}

// rdsEvaluatedStatuses are the DB instance statuses that rds-logging-enabled
// and rds-instance-iam-authentication-enabled evaluate; instances in any
// other status are NOT_APPLICABLE.
var rdsEvaluatedStatuses = []string{"available", "backing-up", "storage-optimization", "storage-full"}

// rdsStatusNotEvaluated returns a NOT_APPLICABLE annotation when the
// instance's status is not one of rdsEvaluatedStatuses. The AWS pages do not
// say what an item without a status is; such an item (one written from
// CloudFormation properties, say) is evaluated, since every instance
// DescribeDBInstances returns has a status.
func (d *rdsInstanceSettings) statusNotEvaluated() (string, bool) {
	status := strings.ToLower(strings.TrimSpace(string(d.DBInstanceStatus)))
	if status == "" || contains(rdsEvaluatedStatuses, status) {
		return "", false
	}
	return "DB instances in status " + status + " are not evaluated.", true
}

// checkRDSAutoMinorVersionUpgrade: NON_COMPLIANT when autoMinorVersionUpgrade
// is false. The page does not cover an item without the member
// (DescribeDBInstances always returns it): it is taken as not enabled.
// https://docs.aws.amazon.com/config/latest/developerguide/rds-automatic-minor-version-upgrade-enabled.html
func checkRDSAutoMinorVersionUpgrade(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	d, err := decodeRDSInstanceSettings(ci)
	if err != nil {
		return verdict{}, err
	}
	if !d.AutoMinorVersionUpgrade {
		return nonCompliant("Automatic minor version upgrade is not enabled."), nil
	}
	return compliant(), nil
}

// checkRDSEnhancedMonitoring: NON_COMPLIANT when monitoringInterval is 0, or
// differs from the monitoringInterval parameter when that is given. An
// absent or null monitoringInterval counts as 0 (Enhanced Monitoring off,
// the API's default). The page lists 1, 5, 10, 15, 30 and 60 as the valid
// parameter values but does not say what another value does: configd
// compares it all the same (no instance can match it).
// https://docs.aws.amazon.com/config/latest/developerguide/rds-enhanced-monitoring-enabled.html
func checkRDSEnhancedMonitoring(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	d, err := decodeRDSInstanceSettings(ci)
	if err != nil {
		return verdict{}, err
	}
	interval := 0
	if s := strings.TrimSpace(string(d.MonitoringInterval)); s != "" {
		if interval, err = strconv.Atoi(s); err != nil {
			return verdict{}, fmt.Errorf("monitoringInterval %q is not an integer", s)
		}
	}
	if interval <= 0 {
		return nonCompliant("Enhanced Monitoring is not enabled (monitoringInterval is 0)."), nil
	}
	if want, ok := intParam(in.Params, "monitoringInterval"); ok && interval != want {
		return nonCompliant(fmt.Sprintf("The Enhanced Monitoring interval is %d seconds, not %d.", interval, want)), nil
	}
	return compliant(), nil
}

// rdsRequiredLogs are the log types rds-logging-enabled requires an engine
// family to export to CloudWatch Logs. The Config page says only "respective
// logs"; the list per engine is the one AWS gives for the Security Hub
// control RDS.9, which is this rule
// (https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html#rds-9):
// Oracle: Alert, Audit, Trace, Listener; PostgreSQL: Postgresql, Upgrade;
// MySQL and MariaDB: Audit, Error, General, SlowQuery; SQL Server: Error,
// Agent; Aurora and Aurora-MySQL: Audit, Error, General, SlowQuery;
// Aurora-PostgreSQL: Postgresql. The values are the log type names of
// EnableCloudwatchLogsExports.
var rdsRequiredLogs = map[string][]string{
	"oracle":            {"alert", "audit", "trace", "listener"},
	"postgres":          {"postgresql", "upgrade"},
	"mysql":             {"audit", "error", "general", "slowquery"},
	"mariadb":           {"audit", "error", "general", "slowquery"},
	"sqlserver":         {"error", "agent"},
	"aurora":            {"audit", "error", "general", "slowquery"},
	"aurora-mysql":      {"audit", "error", "general", "slowquery"},
	"aurora-postgresql": {"postgresql"},
}

// rdsLogFamily maps an engine name to its key in rdsRequiredLogs: the Oracle
// editions (oracle-ee, oracle-se2, oracle-ee-cdb, …) to "oracle" and the
// SQL Server editions (sqlserver-ee, sqlserver-se, sqlserver-ex,
// sqlserver-web) to "sqlserver"; other engines are their own family.
func rdsLogFamily(engine string) string {
	switch {
	case strings.HasPrefix(engine, "oracle-"):
		return "oracle"
	case strings.HasPrefix(engine, "sqlserver-"):
		return "sqlserver"
	}
	return engine
}

// parseAdditionalLogs reads the additionalLogs parameter of
// rds-logging-enabled, whose documented form is
// "oracle: general, slowquery ; aurora: alert, slowquery": engines separated
// by ";", each an engine name, ":" and a comma-separated list of log types.
// An element with a ":" starts a new engine, so the same map written with
// "," between engines ("oracle:general,slowquery,aurora:alert") reads the
// same. Names are lower-cased; log types given before any engine name are
// ignored.
func parseAdditionalLogs(s string) map[string][]string {
	out := map[string][]string{}
	for _, entry := range strings.Split(s, ";") {
		engine := ""
		for _, el := range strings.Split(entry, ",") {
			if k, v, ok := strings.Cut(el, ":"); ok {
				engine = strings.ToLower(strings.TrimSpace(k))
				el = v
			}
			logType := strings.ToLower(strings.TrimSpace(el))
			if engine == "" || logType == "" {
				continue
			}
			out[engine] = append(out[engine], logType)
		}
	}
	return out
}

// additionalLogsApply reports whether an additionalLogs engine name covers
// the instance's engine: the same name, or a prefix of it up to a "-", so
// that the documented example's "oracle" covers oracle-ee and oracle-se2 and
// "aurora" every Aurora engine. (The page does not say how the names match.)
func additionalLogsApply(key, engine string) bool {
	return key == engine || strings.HasPrefix(engine, key+"-")
}

// checkRDSLoggingEnabled: NON_COMPLIANT when enabledCloudwatchLogsExports
// lacks one of the log types of the instance's engine (rdsRequiredLogs) or
// one that additionalLogs adds for the engine; instances not in status
// available, backing-up, storage-optimization or storage-full are
// NOT_APPLICABLE. Decided here, as the page does not say: additionalLogs
// adds to the engine's log types (it does not replace them); log types are
// compared case-insensitively; an engine with no log types of its own and
// none in additionalLogs (db2-se, custom-oracle-ee, docdb, neptune, …) is
// NOT_APPLICABLE.
// https://docs.aws.amazon.com/config/latest/developerguide/rds-logging-enabled.html
func checkRDSLoggingEnabled(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	d, err := decodeRDSInstanceSettings(ci)
	if err != nil {
		return verdict{}, err
	}
	if why, skip := d.statusNotEvaluated(); skip {
		return notApplicable(why), nil
	}
	engine := d.engine()
	required := map[string]bool{}
	for _, l := range rdsRequiredLogs[rdsLogFamily(engine)] {
		required[l] = true
	}
	if p := strings.TrimSpace(in.Params["additionalLogs"]); p != "" {
		for key, logs := range parseAdditionalLogs(p) {
			if !additionalLogsApply(key, engine) {
				continue
			}
			for _, l := range logs {
				required[l] = true
			}
		}
	}
	if len(required) == 0 {
		return notApplicable("No log types are checked for the engine " + engine + "."), nil
	}
	enabled := map[string]bool{}
	for _, l := range d.EnabledCloudwatchLogsExports {
		enabled[strings.ToLower(strings.TrimSpace(l))] = true
	}
	var missing []string
	for l := range required {
		if !enabled[l] {
			missing = append(missing, l)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nonCompliant("Log types not exported to CloudWatch Logs: " + strings.Join(missing, ", ") + "."), nil
	}
	return compliant(), nil
}

// rdsIAMAuthEngines are the engines rds-instance-iam-authentication-enabled
// evaluates; other engines are NOT_APPLICABLE.
var rdsIAMAuthEngines = []string{"mysql", "postgres", "aurora", "aurora-mysql", "aurora-postgresql"}

// checkRDSInstanceIAMAuthentication: NON_COMPLIANT when
// iAMDatabaseAuthenticationEnabled is not true; instances of other engines
// than mysql, postgres, aurora, aurora-mysql and aurora-postgresql, or not in
// status available, backing-up, storage-optimization or storage-full, are
// NOT_APPLICABLE. The engine list is the page's, although RDS now also
// offers IAM authentication for MariaDB: those instances stay
// NOT_APPLICABLE, as the page says.
// https://docs.aws.amazon.com/config/latest/developerguide/rds-instance-iam-authentication-enabled.html
func checkRDSInstanceIAMAuthentication(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	d, err := decodeRDSInstanceSettings(ci)
	if err != nil {
		return verdict{}, err
	}
	if engine := d.engine(); !contains(rdsIAMAuthEngines, engine) {
		return notApplicable("The engine " + engine + " is not evaluated."), nil
	}
	if why, skip := d.statusNotEvaluated(); skip {
		return notApplicable(why), nil
	}
	if !d.IAMDatabaseAuthenticationEnabled {
		return nonCompliant("IAM database authentication is not enabled."), nil
	}
	return compliant(), nil
}

// checkDynamoDBTableDeletionProtection: NON_COMPLIANT when the table's
// deletionProtectionEnabled is not true. An item without the member (tables
// described before DynamoDB had the setting) counts as disabled, the
// setting's default.
// https://docs.aws.amazon.com/config/latest/developerguide/dynamodb-table-deletion-protection-enabled.html
func checkDynamoDBTableDeletionProtection(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var t struct {
		DeletionProtectionEnabled flexBool `json:"deletionProtectionEnabled"`
	}
	if err := decodeConfiguration(ci, &t); err != nil {
		return verdict{}, err
	}
	if !t.DeletionProtectionEnabled {
		return nonCompliant("Deletion protection is not enabled."), nil
	}
	return compliant(), nil
}
