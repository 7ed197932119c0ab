package managedrule

import "testing"

// functionItem builds an AWS::Lambda::Function item
// (GetFunctionConfiguration with lowerCamel keys); extra is spliced into the
// configuration and policy, when set, is the resource policy.
func functionItem(extra, policy string) *configdItem {
	supp := map[string]string{}
	if policy != "" {
		supp["Policy"] = jsonString(policy)
	}
	return item(lambdaFunction, "orders-handler", `{"functionName":"orders-handler","functionArn":"arn:aws:lambda:us-east-1:123456789012:function:orders-handler",`+
		`"runtime":"python3.12","role":"arn:aws:iam::123456789012:role/service-role/orders-role","handler":"app.handler","codeSize":1024,`+
		`"description":"","timeout":3,"memorySize":128,"lastModified":"2024-01-02T03:04:05.000+0000","version":"$LATEST",`+
		`"tracingConfig":{"mode":"PassThrough"},"packageType":"Zip","architectures":["x86_64"]`+extra+`}`, supp)
}

func TestLambdaFunctionPublicAccessProhibited(t *testing.T) {
	public := `{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"public","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:orders-handler"}]}`
	s3Source := `{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:orders-handler","Condition":{"StringEquals":{"AWS:SourceAccount":"123456789012"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::b"}}}]}`
	anyoneFromAccount := `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"lambda:InvokeFunction","Resource":"*","Condition":{"StringEquals":{"AWS:SourceAccount":"123456789012"}}}]}`
	runRuleCases(t, "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED", []ruleCase{
		{name: "CompliantNoPolicy", ci: functionItem("", ""), want: Compliant},
		{name: "CompliantServicePrincipal", ci: functionItem("", s3Source), want: Compliant},
		{name: "CompliantConditionRestricted", ci: functionItem("", anyoneFromAccount), want: Compliant},
		{name: "NonCompliantPublic", ci: functionItem("", public), want: NonCompliant},
		{name: "NonCompliantUnquotedPolicy", ci: withSupplementary(functionItem("", ""), "Policy", public), want: NonCompliant},
	})
}

func withSupplementary(ci *configdItem, key, value string) *configdItem {
	ci.SupplementaryConfiguration[key] = value
	return ci
}

func TestLambdaInsideVPC(t *testing.T) {
	inVPC := `,"vpcConfig":{"subnetIds":["subnet-1","subnet-2"],"securityGroupIds":["sg-1"]}`
	runRuleCases(t, "LAMBDA_INSIDE_VPC", []ruleCase{
		{name: "Compliant", ci: functionItem(inVPC, ""), want: Compliant},
		{name: "NonCompliantNoVPC", ci: functionItem("", ""), want: NonCompliant},
		{name: "NonCompliantEmptyVPC", ci: functionItem(`,"vpcConfig":{"subnetIds":[],"securityGroupIds":[]}`, ""), want: NonCompliant},
		{name: "ParamSubnetsAllowed", ci: functionItem(inVPC, ""), params: `{"subnetIds":"subnet-1,subnet-2,subnet-3"}`, want: Compliant},
		{name: "ParamSubnetNotAllowed", ci: functionItem(inVPC, ""), params: `{"subnetIds":"subnet-1"}`, want: NonCompliant, annotation: "subnet-2"},
	})
}

func TestLambdaDLQCheck(t *testing.T) {
	dlq := `,"deadLetterConfig":{"targetArn":"arn:aws:sqs:us-east-1:123456789012:dlq"}`
	runRuleCases(t, "LAMBDA_DLQ_CHECK", []ruleCase{
		{name: "Compliant", ci: functionItem(dlq, ""), want: Compliant},
		{name: "NonCompliant", ci: functionItem("", ""), want: NonCompliant},
		{name: "ParamListed", ci: functionItem(dlq, ""), params: `{"dlqArns":"arn:aws:sns:us-east-1:123456789012:t, arn:aws:sqs:us-east-1:123456789012:dlq"}`, want: Compliant},
		{name: "ParamNotListed", ci: functionItem(dlq, ""), params: `{"dlqArns":"arn:aws:sns:us-east-1:123456789012:t"}`, want: NonCompliant},
	})
}

func TestLambdaFunctionSettingsCheck(t *testing.T) {
	runRuleCases(t, "LAMBDA_FUNCTION_SETTINGS_CHECK", []ruleCase{
		{name: "CompliantDefaults", ci: functionItem("", ""), params: `{"runtime":"python3.12,nodejs20.x"}`, want: Compliant},
		{name: "NonCompliantRuntime", ci: functionItem("", ""), params: `{"runtime":"nodejs20.x"}`, want: NonCompliant, annotation: "runtime python3.12"},
		{name: "ParamRoleName", ci: functionItem("", ""), params: `{"runtime":"python3.12","role":"orders-role"}`, want: Compliant},
		{name: "ParamRoleARN", ci: functionItem("", ""), params: `{"runtime":"python3.12","role":"arn:aws:iam::123456789012:role/service-role/orders-role"}`, want: Compliant},
		{name: "ParamRoleDiffers", ci: functionItem("", ""), params: `{"runtime":"python3.12","role":"other"}`, want: NonCompliant, annotation: "role"},
		{name: "ParamTimeout", ci: functionItem("", ""), params: `{"runtime":"python3.12","timeout":"30"}`, want: NonCompliant, annotation: "timeout 3 (want 30)"},
		{name: "ParamMemorySize", ci: functionItem("", ""), params: `{"runtime":"python3.12","memorySize":"256"}`, want: NonCompliant, annotation: "memorySize 128 (want 256)"},
		{name: "DefaultTimeoutApplies", ci: functionItem(`,"timeout":60`, ""), params: `{"runtime":"python3.12"}`, want: NonCompliant, annotation: "want 3"},
		{name: "NotApplicableImage", ci: functionItem(`,"packageType":"Image"`, ""), params: `{"runtime":"python3.12"}`, want: NotApplicable},
	})
}

// dbItem builds an AWS::RDS::DBInstance item (DescribeDBInstances element
// with AWS Config's key capitalization); extra is spliced in.
func dbItem(extra string) *configdItem {
	return item(rdsDBInstance, "db-ABCDEFGHIJKLMNOP", `{"dBInstanceIdentifier":"orders","dBInstanceClass":"db.t3.micro","engine":"mysql",`+
		`"dBInstanceStatus":"available","masterUsername":"admin","endpoint":{"address":"orders.abc.us-east-1.rds.amazonaws.com","port":3306},`+
		`"allocatedStorage":20,"preferredBackupWindow":"03:00-04:00","backupRetentionPeriod":7,"multiAZ":false,"engineVersion":"8.0.35",`+
		`"publiclyAccessible":false,"storageEncrypted":true,"kmsKeyId":"`+tableKey+`","dbiResourceId":"db-ABCDEFGHIJKLMNOP",`+
		`"deletionProtection":false,"dBInstanceArn":"arn:aws:rds:us-east-1:123456789012:db:orders","readReplicaDBInstanceIdentifiers":[]`+extra+`}`, nil)
}

func TestRDSStorageEncrypted(t *testing.T) {
	runRuleCases(t, "RDS_STORAGE_ENCRYPTED", []ruleCase{
		{name: "Compliant", ci: dbItem(""), want: Compliant},
		{name: "NonCompliant", ci: dbItem(`,"storageEncrypted":false`), want: NonCompliant},
		{name: "ParamKeyMatches", ci: dbItem(""), params: `{"kmsKeyId":"` + tableKey + `"}`, want: Compliant},
		{name: "ParamKeyDiffers", ci: dbItem(""), params: `{"kmsKeyId":"other"}`, want: NonCompliant},
	})
}

func TestRDSInstancePublicAccessCheck(t *testing.T) {
	runRuleCases(t, "RDS_INSTANCE_PUBLIC_ACCESS_CHECK", []ruleCase{
		{name: "Compliant", ci: dbItem(""), want: Compliant},
		{name: "NonCompliant", ci: dbItem(`,"publiclyAccessible":true`), want: NonCompliant},
	})
}

func TestRDSMultiAZSupport(t *testing.T) {
	runRuleCases(t, "RDS_MULTI_AZ_SUPPORT", []ruleCase{
		{name: "Compliant", ci: dbItem(`,"multiAZ":true`), want: Compliant},
		{name: "NonCompliant", ci: dbItem(""), want: NonCompliant},
		{name: "NotApplicableClusterMember", ci: dbItem(`,"engine":"aurora-mysql","dBClusterIdentifier":"orders-cluster"`), want: NotApplicable},
	})
}

func TestDBInstanceBackupEnabled(t *testing.T) {
	replica := `,"readReplicaSourceDBInstanceIdentifier":"orders-primary","backupRetentionPeriod":0`
	runRuleCases(t, "DB_INSTANCE_BACKUP_ENABLED", []ruleCase{
		{name: "Compliant", ci: dbItem(""), want: Compliant},
		{name: "NonCompliantDisabled", ci: dbItem(`,"backupRetentionPeriod":0`), want: NonCompliant},
		{name: "ParamRetentionPeriodMatches", ci: dbItem(""), params: `{"backupRetentionPeriod":"7"}`, want: Compliant},
		{name: "ParamRetentionPeriodDiffers", ci: dbItem(""), params: `{"backupRetentionPeriod":"14"}`, want: NonCompliant, annotation: "not 14"},
		{name: "ParamRetentionMinimumMet", ci: dbItem(""), params: `{"backupRetentionMinimum":"7"}`, want: Compliant},
		{name: "ParamRetentionMinimumMissed", ci: dbItem(""), params: `{"backupRetentionMinimum":"8"}`, want: NonCompliant, annotation: "minimum of 8"},
		{name: "ParamBackupWindowMatches", ci: dbItem(""), params: `{"preferredBackupWindow":"03:00-04:00"}`, want: Compliant},
		{name: "ParamBackupWindowDiffers", ci: dbItem(""), params: `{"preferredBackupWindow":"05:00-06:00"}`, want: NonCompliant},
		{name: "NotApplicableReadReplica", ci: dbItem(replica), want: NotApplicable},
		{name: "ParamCheckReadReplicas", ci: dbItem(replica), params: `{"checkReadReplicas":"true"}`, want: NonCompliant},
	})
}

func TestRDSInstanceDeletionProtectionEnabled(t *testing.T) {
	runRuleCases(t, "RDS_INSTANCE_DELETION_PROTECTION_ENABLED", []ruleCase{
		{name: "Compliant", ci: dbItem(`,"deletionProtection":true`), want: Compliant},
		{name: "NonCompliant", ci: dbItem(""), want: NonCompliant},
		{name: "ParamEngineListed", ci: dbItem(""), params: `{"databaseEngines":"mysql, postgres"}`, want: NonCompliant},
		{name: "ParamEngineNotListed", ci: dbItem(""), params: `{"databaseEngines":"postgres"}`, want: NotApplicable},
	})
}
