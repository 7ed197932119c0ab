package managedrule

import "testing"

// kmsKeyItem builds an AWS::KMS::Key item: KeyMetadata with lowerCamel keys,
// and KeyRotationStatus in supplementary configuration.
func kmsKeyItem(manager, state, origin, spec, rotation string) *configdItem {
	supp := map[string]string{}
	if rotation != "" {
		supp["KeyRotationStatus"] = rotation
	}
	return item(kmsKey, "1234abcd-12ab-34cd-56ef-1234567890ab", `{"awsaccountId":"123456789012","keyId":"1234abcd-12ab-34cd-56ef-1234567890ab",`+
		`"arn":"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab","creationDate":"2024-01-02T03:04:05.000Z","enabled":true,`+
		`"description":"","keyUsage":"ENCRYPT_DECRYPT","keyState":"`+state+`","origin":"`+origin+`","keyManager":"`+manager+`",`+
		`"customerMasterKeySpec":"`+spec+`","keySpec":"`+spec+`","encryptionAlgorithms":["SYMMETRIC_DEFAULT"],"multiRegion":false}`, supp)
}

func TestCMKBackingKeyRotationEnabled(t *testing.T) {
	runRuleCases(t, "CMK_BACKING_KEY_ROTATION_ENABLED", []ruleCase{
		{name: "Compliant", ci: kmsKeyItem("CUSTOMER", "Enabled", "AWS_KMS", "SYMMETRIC_DEFAULT", "true"), want: Compliant},
		{name: "NonCompliantDisabled", ci: kmsKeyItem("CUSTOMER", "Enabled", "AWS_KMS", "SYMMETRIC_DEFAULT", "false"), want: NonCompliant},
		{name: "NonCompliantUnknown", ci: kmsKeyItem("CUSTOMER", "Enabled", "AWS_KMS", "SYMMETRIC_DEFAULT", ""), want: NonCompliant},
		{name: "NotApplicableAWSManaged", ci: kmsKeyItem("AWS", "Enabled", "AWS_KMS", "SYMMETRIC_DEFAULT", "false"), want: NotApplicable},
		{name: "NotApplicableImported", ci: kmsKeyItem("CUSTOMER", "Enabled", "EXTERNAL", "SYMMETRIC_DEFAULT", "false"), want: NotApplicable},
		{name: "NotApplicableAsymmetric", ci: kmsKeyItem("CUSTOMER", "Enabled", "AWS_KMS", "RSA_2048", "false"), want: NotApplicable},
		{name: "NotApplicablePendingDeletion", ci: kmsKeyItem("CUSTOMER", "PendingDeletion", "AWS_KMS", "SYMMETRIC_DEFAULT", "false"), want: NotApplicable},
	})
}

func TestKMSCMKNotScheduledForDeletion(t *testing.T) {
	pending := kmsKeyItem("CUSTOMER", "PendingDeletion", "AWS_KMS", "SYMMETRIC_DEFAULT", "")
	runRuleCases(t, "KMS_CMK_NOT_SCHEDULED_FOR_DELETION", []ruleCase{
		{name: "Compliant", ci: kmsKeyItem("CUSTOMER", "Enabled", "AWS_KMS", "SYMMETRIC_DEFAULT", ""), want: Compliant},
		{name: "NonCompliant", ci: pending, want: NonCompliant},
		{name: "NotApplicableAWSManaged", ci: kmsKeyItem("AWS", "PendingDeletion", "AWS_KMS", "SYMMETRIC_DEFAULT", ""), want: NotApplicable},
		{name: "ParamListedByID", ci: pending, params: `{"kmsKeyIds":"1234abcd-12ab-34cd-56ef-1234567890ab"}`, want: NonCompliant},
		{name: "ParamListedByARN", ci: pending, params: `{"kmsKeyIds":"x,arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}`, want: NonCompliant},
		{name: "ParamNotListed", ci: pending, params: `{"kmsKeyIds":"other"}`, want: NotApplicable},
	})
}

// tableItem builds an AWS::DynamoDB::Table item; sse is the ssedescription
// member (AWS Config's capitalization) and pitr the PITR status.
func tableItem(sse, pitr string) *configdItem {
	conf := `{"attributeDefinitions":[{"attributeName":"pk","attributeType":"S"}],"tableName":"orders","keySchema":[{"attributeName":"pk","keyType":"HASH"}],` +
		`"tableStatus":"ACTIVE","creationDateTime":1704164645000,"tableArn":"arn:aws:dynamodb:us-east-1:123456789012:table/orders",` +
		`"billingModeSummary":{"billingMode":"PAY_PER_REQUEST"}`
	if sse != "" {
		conf += `,"ssedescription":` + sse
	}
	supp := map[string]string{}
	if pitr != "" {
		supp["ContinuousBackupsDescription"] = `{"continuousBackupsStatus":"ENABLED","pointInTimeRecoveryDescription":{"pointInTimeRecoveryStatus":"` + pitr + `"}}`
	}
	return item(dynamoDBTable, "orders", conf+"}", supp)
}

const tableKey = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

func TestDynamoDBPITREnabled(t *testing.T) {
	runRuleCases(t, "DYNAMODB_PITR_ENABLED", []ruleCase{
		{name: "Compliant", ci: tableItem("", "ENABLED"), want: Compliant},
		{name: "NonCompliantDisabled", ci: tableItem("", "DISABLED"), want: NonCompliant},
		{name: "NonCompliantMissing", ci: tableItem("", ""), want: NonCompliant},
	})
}

func TestDynamoDBTableEncryptedKMS(t *testing.T) {
	kms := `{"status":"ENABLED","ssetype":"KMS","kmsmasterKeyArn":"` + tableKey + `"}`
	runRuleCases(t, "DYNAMODB_TABLE_ENCRYPTED_KMS", []ruleCase{
		{name: "Compliant", ci: tableItem(kms, ""), want: Compliant},
		{name: "CompliantSDKCapitalization", ci: item(dynamoDBTable, "orders",
			`{"tableName":"orders","sseDescription":{"status":"ENABLED","sseType":"KMS","kmsMasterKeyArn":"`+tableKey+`"}}`, nil), want: Compliant},
		{name: "CompliantFirstLetterLowered", ci: item(dynamoDBTable, "orders",
			`{"tableName":"orders","sSEDescription":{"status":"ENABLED","sSEType":"KMS","kMSMasterKeyArn":"`+tableKey+`"}}`, nil),
			params: `{"kmsKeyArns":"` + tableKey + `"}`, want: Compliant},
		{name: "NonCompliantOwnedKey", ci: tableItem("", ""), want: NonCompliant},
		{name: "NonCompliantDisabled", ci: tableItem(`{"status":"DISABLED"}`, ""), want: NonCompliant},
		{name: "ParamKeyListed", ci: tableItem(kms, ""), params: `{"kmsKeyArns":"` + tableKey + `"}`, want: Compliant},
		{name: "ParamKeyNotListed", ci: tableItem(kms, ""), params: `{"kmsKeyArns":"arn:aws:kms:us-east-1:123456789012:key/other"}`, want: NonCompliant},
	})
}

func TestSNSEncryptedKMS(t *testing.T) {
	topic := func(key string) *configdItem {
		conf := `{"Policy":"{}","Owner":"123456789012","SubscriptionsPending":"0","TopicArn":"arn:aws:sns:us-east-1:123456789012:alerts",` +
			`"EffectiveDeliveryPolicy":"{}","SubscriptionsConfirmed":"0","DisplayName":"","SubscriptionsDeleted":"0"`
		if key != "" {
			conf += `,"KmsMasterKeyId":"` + key + `"`
		}
		return item(snsTopic, "arn:aws:sns:us-east-1:123456789012:alerts", conf+"}", nil)
	}
	runRuleCases(t, "SNS_ENCRYPTED_KMS", []ruleCase{
		{name: "Compliant", ci: topic("alias/aws/sns"), want: Compliant},
		{name: "NonCompliant", ci: topic(""), want: NonCompliant},
		{name: "ParamKeyListed", ci: topic(tableKey), params: `{"kmsKeyIds":"1234abcd-12ab-34cd-56ef-1234567890ab"}`, want: Compliant},
		{name: "ParamKeyNotListed", ci: topic("alias/aws/sns"), params: `{"kmsKeyIds":"` + tableKey + `"}`, want: NonCompliant},
	})
}
