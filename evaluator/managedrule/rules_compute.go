package managedrule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/configd/configd"
)

// Configuration item formats (https://github.com/awslabs/aws-config-resource-schema,
// config/properties/resource-types/):
//
//	AWS::Lambda::Function GetFunctionConfiguration, lowerCamel: {"functionName","runtime","role","memorySize","timeout",
//	                       "packageType","deadLetterConfig":{"targetArn"},"vpcConfig":{"subnetIds":[],"securityGroupIds":[]}};
//	                       supplementaryConfiguration.Policy is the function's resource policy (JSON text, or a JSON
//	                       string holding it)
//	AWS::RDS::DBInstance  DescribeDBInstances element, lowerCamel with AWS Config's capitalization:
//	                       {"dBInstanceIdentifier","engine","storageEncrypted","kmsKeyId","publiclyAccessible","multiAZ",
//	                        "backupRetentionPeriod","preferredBackupWindow","readReplicaSourceDBInstanceIdentifier",
//	                        "dBClusterIdentifier","deletionProtection"}

const (
	lambdaFunction = "AWS::Lambda::Function"
	rdsDBInstance  = "AWS::RDS::DBInstance"
)

func init() {
	fn := []string{lambdaFunction}
	db := []string{rdsDBInstance}
	register(
		&resourceRule{id: "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED", types: fn, check: checkLambdaPublic},
		&resourceRule{id: "LAMBDA_INSIDE_VPC", types: fn, check: checkLambdaInVPC},
		&resourceRule{id: "LAMBDA_DLQ_CHECK", types: fn, check: checkLambdaDLQ},
		&resourceRule{id: "LAMBDA_FUNCTION_SETTINGS_CHECK", types: fn, check: checkLambdaSettings},
		&resourceRule{id: "RDS_STORAGE_ENCRYPTED", types: db, check: checkRDSEncrypted},
		&resourceRule{id: "RDS_INSTANCE_PUBLIC_ACCESS_CHECK", types: db, check: checkRDSPublic},
		&resourceRule{id: "RDS_MULTI_AZ_SUPPORT", types: db, check: checkRDSMultiAZ},
		&resourceRule{id: "DB_INSTANCE_BACKUP_ENABLED", types: db, check: checkRDSBackup},
		&resourceRule{id: "RDS_INSTANCE_DELETION_PROTECTION_ENABLED", types: db, check: checkRDSDeletionProtection},
	)
}

type lambdaConfig struct {
	FunctionName     string     `json:"functionName"`
	Runtime          string     `json:"runtime"`
	Role             string     `json:"role"`
	MemorySize       int        `json:"memorySize"`
	Timeout          int        `json:"timeout"`
	PackageType      flexString `json:"packageType"`
	DeadLetterConfig *struct {
		TargetArn string `json:"targetArn"`
	} `json:"deadLetterConfig"`
	VPCConfig *struct {
		SubnetIDs []string `json:"subnetIds"`
	} `json:"vpcConfig"`
}

func decodeLambda(ci *configd.ConfigurationItem) (*lambdaConfig, error) {
	var f lambdaConfig
	return &f, decodeConfiguration(ci, &f)
}

// checkLambdaPublic: the function policy must not allow anyone to invoke the
// function.
// https://docs.aws.amazon.com/config/latest/developerguide/lambda-function-public-access-prohibited.html
func checkLambdaPublic(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var text policyText
	found, err := decodeSupplementary(ci, "Policy", &text)
	if err != nil {
		return verdict{}, err
	}
	if !found || text == "" {
		return compliant(), nil
	}
	doc, err := parsePolicy(string(text))
	if err != nil {
		return verdict{}, fmt.Errorf("decode function policy: %w", err)
	}
	for i := range doc.Statement {
		st := &doc.Statement[i]
		if st.allow() && st.publicPrincipal() {
			return nonCompliant("The function policy allows public access."), nil
		}
	}
	return compliant(), nil
}

// checkLambdaInVPC: the function must be attached to subnets, all of them in
// subnetIds when given.
// https://docs.aws.amazon.com/config/latest/developerguide/lambda-inside-vpc.html
func checkLambdaInVPC(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	f, err := decodeLambda(ci)
	if err != nil {
		return verdict{}, err
	}
	if f.VPCConfig == nil || len(f.VPCConfig.SubnetIDs) == 0 {
		return nonCompliant("The function is not connected to a VPC."), nil
	}
	if allowed := csv(in.Params["subnetIds"]); len(allowed) > 0 {
		for _, s := range f.VPCConfig.SubnetIDs {
			if !contains(allowed, s) {
				return nonCompliant("The function uses subnet " + s + ", which is not listed in subnetIds."), nil
			}
		}
	}
	return compliant(), nil
}

// https://docs.aws.amazon.com/config/latest/developerguide/lambda-dlq-check.html
func checkLambdaDLQ(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	f, err := decodeLambda(ci)
	if err != nil {
		return verdict{}, err
	}
	if f.DeadLetterConfig == nil || f.DeadLetterConfig.TargetArn == "" {
		return nonCompliant("The function has no dead-letter queue."), nil
	}
	if arns := csv(in.Params["dlqArns"]); len(arns) > 0 && !contains(arns, f.DeadLetterConfig.TargetArn) {
		return nonCompliant("The dead-letter queue " + f.DeadLetterConfig.TargetArn + " is not listed in dlqArns."), nil
	}
	return compliant(), nil
}

// checkLambdaSettings: runtime, role, timeout and memory size must match
// the parameters; image functions are not applicable.
// https://docs.aws.amazon.com/config/latest/developerguide/lambda-function-settings-check.html
func checkLambdaSettings(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	f, err := decodeLambda(ci)
	if err != nil {
		return verdict{}, err
	}
	if f.PackageType == "Image" {
		return notApplicable("Functions with the Image package type are not evaluated."), nil
	}
	var wrong []string
	if rts := csv(in.Params["runtime"]); len(rts) > 0 && !contains(rts, f.Runtime) {
		wrong = append(wrong, "runtime "+f.Runtime)
	}
	if want := strings.TrimSpace(in.Params["role"]); want != "" && want != f.Role && want != roleName(f.Role) {
		wrong = append(wrong, "role "+f.Role)
	}
	if want, ok := intParam(in.Params, "timeout"); ok && f.Timeout != want {
		wrong = append(wrong, fmt.Sprintf("timeout %d (want %d)", f.Timeout, want))
	}
	if want, ok := intParam(in.Params, "memorySize"); ok && f.MemorySize != want {
		wrong = append(wrong, fmt.Sprintf("memorySize %d (want %d)", f.MemorySize, want))
	}
	if len(wrong) > 0 {
		return nonCompliant("Settings do not match: " + strings.Join(wrong, ", ") + "."), nil
	}
	return compliant(), nil
}

// roleName returns the name of a role ARN (the part after the last "/").
func roleName(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

func intParam(p map[string]string, name string) (int, bool) {
	v, ok := p[name]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil
}

type dbInstance struct {
	Engine                                string   `json:"engine"`
	StorageEncrypted                      flexBool `json:"storageEncrypted"`
	KmsKeyID                              string   `json:"kmsKeyId"`
	PubliclyAccessible                    flexBool `json:"publiclyAccessible"`
	MultiAZ                               flexBool `json:"multiAZ"`
	BackupRetentionPeriod                 int      `json:"backupRetentionPeriod"`
	PreferredBackupWindow                 string   `json:"preferredBackupWindow"`
	ReadReplicaSourceDBInstanceIdentifier string   `json:"readReplicaSourceDBInstanceIdentifier"`
	DBClusterIdentifier                   string   `json:"dBClusterIdentifier"`
	DeletionProtection                    flexBool `json:"deletionProtection"`
}

func decodeDB(ci *configd.ConfigurationItem) (*dbInstance, error) {
	var d dbInstance
	return &d, decodeConfiguration(ci, &d)
}

// https://docs.aws.amazon.com/config/latest/developerguide/rds-storage-encrypted.html
func checkRDSEncrypted(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	d, err := decodeDB(ci)
	if err != nil {
		return verdict{}, err
	}
	if !d.StorageEncrypted {
		return nonCompliant("Storage encryption is not enabled."), nil
	}
	if want := strings.TrimSpace(in.Params["kmsKeyId"]); want != "" && !sameKMSKey(d.KmsKeyID, want) {
		return nonCompliant("The storage is not encrypted with the KMS key " + want + "."), nil
	}
	return compliant(), nil
}

// https://docs.aws.amazon.com/config/latest/developerguide/rds-instance-public-access-check.html
func checkRDSPublic(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	d, err := decodeDB(ci)
	if err != nil {
		return verdict{}, err
	}
	if d.PubliclyAccessible {
		return nonCompliant("The DB instance is publicly accessible."), nil
	}
	return compliant(), nil
}

// checkRDSMultiAZ: instances must be Multi-AZ; members of a cluster (Aurora,
// DocumentDB, Neptune), whose availability is the cluster's, are not
// applicable.
// https://docs.aws.amazon.com/config/latest/developerguide/rds-multi-az-support.html
func checkRDSMultiAZ(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	d, err := decodeDB(ci)
	if err != nil {
		return verdict{}, err
	}
	if d.DBClusterIdentifier != "" {
		return notApplicable("The DB instance belongs to a cluster."), nil
	}
	if !d.MultiAZ {
		return nonCompliant("Multi-AZ is not enabled."), nil
	}
	return compliant(), nil
}

// checkRDSBackup: backups must be enabled (a retention period above 0);
// backupRetentionPeriod, backupRetentionMinimum and preferredBackupWindow
// add checks; read replicas are evaluated only with checkReadReplicas.
// https://docs.aws.amazon.com/config/latest/developerguide/db-instance-backup-enabled.html
func checkRDSBackup(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	d, err := decodeDB(ci)
	if err != nil {
		return verdict{}, err
	}
	if d.ReadReplicaSourceDBInstanceIdentifier != "" && !boolParam(in.Params, "checkReadReplicas", false) {
		return notApplicable("Read replicas are not evaluated."), nil
	}
	if d.BackupRetentionPeriod <= 0 {
		return nonCompliant("Automated backups are not enabled."), nil
	}
	if want, ok := intParam(in.Params, "backupRetentionPeriod"); ok && d.BackupRetentionPeriod != want {
		return nonCompliant(fmt.Sprintf("The backup retention period is %d days, not %d.", d.BackupRetentionPeriod, want)), nil
	}
	if min, ok := intParam(in.Params, "backupRetentionMinimum"); ok && d.BackupRetentionPeriod < min {
		return nonCompliant(fmt.Sprintf("The backup retention period is %d days, under the minimum of %d.", d.BackupRetentionPeriod, min)), nil
	}
	if want := strings.TrimSpace(in.Params["preferredBackupWindow"]); want != "" && d.PreferredBackupWindow != want {
		return nonCompliant("The backup window is " + d.PreferredBackupWindow + ", not " + want + "."), nil
	}
	return compliant(), nil
}

// checkRDSDeletionProtection: instances (of the engines in databaseEngines
// when given) must have deletion protection.
// https://docs.aws.amazon.com/config/latest/developerguide/rds-instance-deletion-protection-enabled.html
func checkRDSDeletionProtection(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	d, err := decodeDB(ci)
	if err != nil {
		return verdict{}, err
	}
	if engines := csv(in.Params["databaseEngines"]); len(engines) > 0 && !contains(engines, d.Engine) {
		return notApplicable("The engine " + d.Engine + " is not listed in databaseEngines."), nil
	}
	if !d.DeletionProtection {
		return nonCompliant("Deletion protection is not enabled."), nil
	}
	return compliant(), nil
}
