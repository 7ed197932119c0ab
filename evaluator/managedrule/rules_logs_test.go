package managedrule

import (
	"testing"
)

// logGroupItem builds an AWS::Logs::LogGroup item in the recorder's shape;
// extra (e.g. `,"RetentionInDays":30`) is spliced into the configuration.
func logGroupItem(name, extra string) *configdItem {
	return item(logsLogGroup, name, `{"LogGroupName":"`+name+`","Arn":"arn:aws:logs:us-east-1:123456789012:log-group:`+name+`:*"`+
		extra+`,"Tags":[]}`, map[string]string{})
}

func TestCWLogGroupRetentionPeriodCheck(t *testing.T) {
	const id = "CW_LOGGROUP_RETENTION_PERIOD_CHECK"
	runRuleCases(t, id, []ruleCase{
		// MinRetentionTime defaults to 365.
		{name: "CompliantDefaultAbove", ci: logGroupItem("/app/api", `,"RetentionInDays":400`), want: Compliant},
		{name: "CompliantDefaultEqual", ci: logGroupItem("/app/api", `,"RetentionInDays":365`), want: Compliant},
		{name: "NonCompliantDefault", ci: logGroupItem("/app/api", `,"RetentionInDays":180`), want: NonCompliant, annotation: "180 days, under the minimum of 365"},
		{name: "CompliantNeverExpires", ci: logGroupItem("/app/api", ""), want: Compliant, annotation: "never expire"},
		{name: "CompliantNeverExpiresNull", ci: logGroupItem("/app/api", `,"RetentionInDays":null`), want: Compliant},
		{name: "CompliantRetentionAsString", ci: logGroupItem("/app/api", `,"RetentionInDays":"3653"`), want: Compliant},
		{name: "NonCompliantRetentionAsString", ci: logGroupItem("/app/api", `,"RetentionInDays":"1"`), want: NonCompliant},
		// MinRetentionTime.
		{name: "ParamMinCompliant", ci: logGroupItem("/app/api", `,"RetentionInDays":30`), params: `{"MinRetentionTime":"30"}`, want: Compliant},
		{name: "ParamMinNonCompliant", ci: logGroupItem("/app/api", `,"RetentionInDays":14`), params: `{"MinRetentionTime":"30"}`, want: NonCompliant, annotation: "minimum of 30 days"},
		{name: "ParamMinAboveDefault", ci: logGroupItem("/app/api", `,"RetentionInDays":400`), params: `{"MinRetentionTime":"731"}`, want: NonCompliant},
		{name: "ParamMinNeverExpires", ci: logGroupItem("/app/api", ""), params: `{"MinRetentionTime":"3653"}`, want: Compliant},
		// LogGroupNames: prefixes; other groups are not applicable.
		{name: "ParamNamesExact", ci: logGroupItem("/app/api", `,"RetentionInDays":7`), params: `{"LogGroupNames":"/app/api"}`, want: NonCompliant},
		{name: "ParamNamesPrefix", ci: logGroupItem("/app/api", `,"RetentionInDays":7`), params: `{"LogGroupNames":"/other, /app/"}`, want: NonCompliant},
		{name: "ParamNamesPrefixCompliant", ci: logGroupItem("/app/api", `,"RetentionInDays":400`), params: `{"LogGroupNames":"/app/"}`, want: Compliant},
		{name: "ParamNamesNotListed", ci: logGroupItem("/aws/lambda/f", `,"RetentionInDays":7`), params: `{"LogGroupNames":"/app/,/web"}`, want: NotApplicable},
		{name: "ParamNamesAndMin", ci: logGroupItem("/app/api", `,"RetentionInDays":60`), params: `{"LogGroupNames":"/app","MinRetentionTime":"90"}`, want: NonCompliant},
		{name: "NameFromResourceID", ci: item(logsLogGroup, "/app/api", `{"RetentionInDays":7}`, nil), params: `{"LogGroupNames":"/app"}`, want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(logGroupItem("/app/api", `,"RetentionInDays":7`)), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item(s3Bucket, "b", `{}`, nil), want: NotApplicable},
	})
	t.Run("BadRetention", func(t *testing.T) {
		if _, err := evaluateCase(t, id, "", logGroupItem("/app/api", `,"RetentionInDays":"forever"`), nil); err == nil {
			t.Error("want an error")
		}
	})
	t.Run("BadMinRetentionTime", func(t *testing.T) {
		if _, err := evaluateCase(t, id, `{"MinRetentionTime":"0"}`, logGroupItem("/app/api", `,"RetentionInDays":7`), nil); err == nil {
			t.Error("want an error")
		}
	})
	t.Run("Periodic", func(t *testing.T) {
		inv := &memInventory{items: []*configdItem{
			logGroupItem("/app/a", `,"RetentionInDays":365`),
			logGroupItem("/app/b", `,"RetentionInDays":1`),
			deletedItem(logGroupItem("/app/c", "")),
			item(s3Bucket, "b", `{}`, nil),
		}}
		wantVerdicts(t, id, Input{Params: map[string]string{}, Inventory: inv},
			map[string]string{"/app/a": Compliant, "/app/b": NonCompliant, "/app/c": NotApplicable})
	})
}

func TestCloudWatchLogGroupEncrypted(t *testing.T) {
	const (
		keyUUID  = "1234abcd-12ab-34cd-56ef-1234567890ab"
		keyARN   = "arn:aws:kms:us-east-1:123456789012:key/" + keyUUID
		otherARN = "arn:aws:kms:us-east-1:123456789012:key/0000aaaa-00aa-00aa-00aa-000000000000"
	)
	withKey := func(k string) string { return `,"KmsKeyId":"` + k + `"` }
	runRuleCases(t, "CLOUDWATCH_LOG_GROUP_ENCRYPTED", []ruleCase{
		{name: "Compliant", ci: logGroupItem("/app/api", withKey(keyARN)), want: Compliant},
		{name: "NonCompliantNoKey", ci: logGroupItem("/app/api", `,"RetentionInDays":30`), want: NonCompliant, annotation: "not encrypted"},
		{name: "NonCompliantNullKey", ci: logGroupItem("/app/api", `,"KmsKeyId":null`), want: NonCompliant},
		{name: "NonCompliantEmptyKey", ci: logGroupItem("/app/api", withKey("")), want: NonCompliant},
		{name: "ParamKeyMatches", ci: logGroupItem("/app/api", withKey(keyARN)), params: `{"KmsKeyId":"` + keyARN + `"}`, want: Compliant},
		{name: "ParamKeyIDMatchesARN", ci: logGroupItem("/app/api", withKey(keyARN)), params: `{"KmsKeyId":"` + keyUUID + `"}`, want: Compliant},
		{name: "ParamOtherKey", ci: logGroupItem("/app/api", withKey(keyARN)), params: `{"KmsKeyId":"` + otherARN + `"}`, want: NonCompliant, annotation: keyARN},
		{name: "ParamNoKey", ci: logGroupItem("/app/api", ""), params: `{"KmsKeyId":"` + keyARN + `"}`, want: NonCompliant, annotation: "not encrypted"},
		{name: "NotApplicableDeleted", ci: deletedItem(logGroupItem("/app/api", "")), want: NotApplicable},
		{name: "NotApplicableOtherType", ci: item(kmsKey, keyUUID, `{}`, nil), want: NotApplicable},
	})
}
