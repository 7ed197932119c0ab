package managedrule

import (
	"context"
	"testing"
	"time"

	"github.com/configd/configd"
)

const (
	testSecretKey      = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	testSecretOtherKey = "arn:aws:kms:us-east-1:123456789012:key/9999abcd-12ab-34cd-56ef-1234567890ab"
)

// secretItemOf is a secret item in the recorder's format; extra is spliced
// into the configuration object (`"KMSKeyId":"…",` and so on, each member
// followed by a comma).
func secretItemOf(name, extra string) *configd.ConfigurationItem {
	arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + name + "-AbCdEf"
	ci := item(secretsManagerSecret, arn, `{`+extra+`"ARN":"`+arn+`","Deleted":false,"Name":"`+name+`"}`, nil)
	ci.ResourceName = name
	ci.ResourceCreationTime = testNow.Add(-400 * 24 * time.Hour)
	return ci
}

// rotating is the configuration members of a secret rotating every days
// days (0: rules without AutomaticallyAfterDays) and hours hours (0: none).
func rotating(days, hours string) string {
	rules := ""
	if days != "" {
		rules += `"AutomaticallyAfterDays":` + days
	}
	if hours != "" {
		if rules != "" {
			rules += ","
		}
		rules += `"AutomaticallyAfterHours":` + hours + `,"RotationScheduleExpression":"rate(` + hours + ` hours)"`
	}
	return `"RotationEnabled":true,"RotationLambdaARN":"arn:aws:lambda:us-east-1:123456789012:function:rotate","RotationRules":{` + rules + `},`
}

func scheduledForDeletion(ci *configd.ConfigurationItem) *configd.ConfigurationItem {
	ci.Configuration = `{"ARN":"` + ci.ResourceID + `","Deleted":true,"RotationEnabled":true,"RotationRules":{"AutomaticallyAfterDays":500}}`
	return ci
}

func TestSecretsManagerRotationEnabledCheck(t *testing.T) {
	runRuleCases(t, "SECRETSMANAGER_ROTATION_ENABLED_CHECK", []ruleCase{
		{name: "OKRotating", ci: secretItemOf("a", rotating("30", "")), want: Compliant},
		{name: "OKNotRotating", ci: secretItemOf("b", `"RotationEnabled":false,`), want: NonCompliant, annotation: "not enabled"},
		{name: "OKRotationMissing", ci: secretItemOf("c", ``), want: NonCompliant},
		{name: "OKRotationString", ci: secretItemOf("s", `"RotationEnabled":"true",`), want: Compliant},
		{name: "OKDaysWithin", ci: secretItemOf("d", rotating("30", "")), params: `{"maximumAllowedRotationFrequency":"30"}`, want: Compliant},
		{name: "OKDaysOver", ci: secretItemOf("e", rotating("31", "")), params: `{"maximumAllowedRotationFrequency":"30"}`, want: NonCompliant, annotation: "31 days"},
		{name: "OKHourlyMeetsDays", ci: secretItemOf("f", rotating("0", "4")), params: `{"maximumAllowedRotationFrequency":"1"}`, want: Compliant},
		{name: "OKHoursWithin", ci: secretItemOf("g", rotating("0", "12")), params: `{"maximumAllowedRotationFrequencyInHours":"12"}`, want: Compliant},
		{name: "OKHoursOver", ci: secretItemOf("h", rotating("0", "13")), params: `{"maximumAllowedRotationFrequencyInHours":"12"}`, want: NonCompliant, annotation: "13 hours"},
		{name: "OKDaysAsHours", ci: secretItemOf("i", rotating("1", "")), params: `{"maximumAllowedRotationFrequencyInHours":"23"}`, want: NonCompliant, annotation: "24 hours"},
		{name: "OKBothHold", ci: secretItemOf("j", rotating("2", "")), params: `{"maximumAllowedRotationFrequency":"2","maximumAllowedRotationFrequencyInHours":"48"}`, want: Compliant},
		{name: "OKBothOneFails", ci: secretItemOf("k", rotating("2", "")), params: `{"maximumAllowedRotationFrequency":"7","maximumAllowedRotationFrequencyInHours":"47"}`, want: NonCompliant},
		{name: "OKIntervalUnknown", ci: secretItemOf("l", `"RotationEnabled":true,`), params: `{"maximumAllowedRotationFrequency":"30"}`, want: NonCompliant, annotation: "not recorded"},
		{name: "OKIntervalUnknownNoParam", ci: secretItemOf("m", `"RotationEnabled":true,`), want: Compliant},
		{name: "OKNotRotatingWithParam", ci: secretItemOf("n", `"RotationEnabled":false,"RotationRules":{"AutomaticallyAfterDays":1},`), params: `{"maximumAllowedRotationFrequency":"30"}`, want: NonCompliant, annotation: "not enabled"},
		{name: "OKAPICasing", ci: secretItemOf("o", `"rotationEnabled":true,"rotationRules":{"automaticallyAfterDays":60},`), params: `{"maximumAllowedRotationFrequency":"30"}`, want: NonCompliant},
		{name: "OKScheduledForDeletion", ci: scheduledForDeletion(secretItemOf("p", "")), params: `{"maximumAllowedRotationFrequency":"30"}`, want: NotApplicable},
		{name: "OKDeleted", ci: deletedItem(secretItemOf("q", "")), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::KMS::Key", "k", `{}`, nil), want: NotApplicable},
	})
}

func TestSecretsManagerUsingCMK(t *testing.T) {
	runRuleCases(t, "SECRETSMANAGER_USING_CMK", []ruleCase{
		{name: "OKCustomerKey", ci: secretItemOf("a", `"KMSKeyId":"`+testSecretKey+`",`), want: Compliant},
		{name: "OKAWSManaged", ci: secretItemOf("b", ``), want: NonCompliant, annotation: "aws/secretsmanager"},
		{name: "OKAWSManagedAlias", ci: secretItemOf("c", `"KMSKeyId":"alias/aws/secretsmanager",`), want: NonCompliant},
		{name: "OKAWSManagedAliasARN", ci: secretItemOf("d", `"KMSKeyId":"arn:aws:kms:us-east-1:123456789012:alias/aws/secretsmanager",`), want: NonCompliant},
		{name: "OKCrossAccount", ci: secretItemOf("e", `"KMSKeyId":"arn:aws:kms:us-east-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab",`),
			params: `{"kmsKeyArns":"arn:aws:kms:us-east-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab"}`, want: NonCompliant, annotation: "another account"},
		{name: "OKListed", ci: secretItemOf("f", `"KMSKeyId":"`+testSecretKey+`",`), params: `{"kmsKeyArns":"` + testSecretOtherKey + `, ` + testSecretKey + `"}`, want: Compliant},
		{name: "OKListedByKeyId", ci: secretItemOf("g", `"KMSKeyId":"1234abcd-12ab-34cd-56ef-1234567890ab",`), params: `{"kmsKeyArns":"` + testSecretKey + `"}`, want: Compliant},
		{name: "OKNotListed", ci: secretItemOf("h", `"KMSKeyId":"`+testSecretKey+`",`), params: `{"kmsKeyArns":"` + testSecretOtherKey + `"}`, want: NonCompliant, annotation: "not in kmsKeyArns"},
		{name: "OKAWSManagedWithList", ci: secretItemOf("i", ``), params: `{"kmsKeyArns":"` + testSecretKey + `"}`, want: NonCompliant},
		{name: "OKAPICasing", ci: secretItemOf("j", `"kmsKeyId":"`+testSecretKey+`",`), want: Compliant},
		{name: "OKScheduledForDeletion", ci: scheduledForDeletion(secretItemOf("k", "")), want: NotApplicable},
		{name: "OKDeleted", ci: deletedItem(secretItemOf("l", `"KMSKeyId":"`+testSecretKey+`",`)), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::S3::Bucket", "b", `{}`, nil), want: NotApplicable},
	})
}

func TestSecretsManagerSecretPeriodicRotation(t *testing.T) {
	ago := func(d time.Duration) string { return testNow.Add(-d).UTC().Format("2006-01-02T15:04:05.000Z") }
	day := 24 * time.Hour
	young := secretItemOf("young", ``)
	young.ResourceCreationTime = testNow.Add(-10 * day)
	noTimes := secretItemOf("notimes", ``)
	noTimes.ResourceCreationTime = time.Time{}
	runRuleCases(t, "SECRETSMANAGER_SECRET_PERIODIC_ROTATION", []ruleCase{
		{name: "OKRecent", ci: secretItemOf("a", `"LastRotatedDate":"`+ago(10*day)+`",`), want: Compliant},
		{name: "OKOld", ci: secretItemOf("b", `"LastRotatedDate":"`+ago(91*day)+`",`), want: NonCompliant, annotation: "more than 90 days"},
		{name: "OKExactlyDefault", ci: secretItemOf("c", `"LastRotatedDate":"`+ago(90*day)+`",`), want: Compliant},
		{name: "OKParamWithin", ci: secretItemOf("d", `"LastRotatedDate":"`+ago(29*day)+`",`), params: `{"maxDaysSinceRotation":"30"}`, want: Compliant},
		{name: "OKParamOver", ci: secretItemOf("e", `"LastRotatedDate":"`+ago(30*day+time.Second)+`",`), params: `{"maxDaysSinceRotation":"30"}`, want: NonCompliant, annotation: "30 days"},
		{name: "OKNeverRotatedOld", ci: secretItemOf("f", ``), want: NonCompliant, annotation: "never rotated"},
		{name: "OKNeverRotatedYoung", ci: young, want: Compliant},
		{name: "OKNoTimes", ci: noTimes, want: NonCompliant, annotation: "creation time is not recorded"},
		{name: "OKEpochSeconds", ci: secretItemOf("g", `"lastRotatedDate":1.7e9,`), params: `{"maxDaysSinceRotation":"30"}`, want: NonCompliant},
		{name: "OKScheduledForDeletion", ci: scheduledForDeletion(secretItemOf("h", "")), want: NotApplicable},
		{name: "OKDeleted", ci: deletedItem(secretItemOf("i", "")), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::KMS::Key", "k", `{}`, nil), want: NotApplicable},
	})
}

func TestSecretsManagerSecretUnused(t *testing.T) {
	ago := func(d time.Duration) string { return testNow.Add(-d).UTC().Format("2006-01-02T15:04:05.000Z") }
	day := 24 * time.Hour
	young := secretItemOf("young", ``)
	young.ResourceCreationTime = testNow.Add(-10 * day)
	runRuleCases(t, "SECRETSMANAGER_SECRET_UNUSED", []ruleCase{
		{name: "OKUsed", ci: secretItemOf("a", `"LastAccessedDate":"`+ago(3*day)+`",`), want: Compliant},
		{name: "OKUnused", ci: secretItemOf("b", `"LastAccessedDate":"`+ago(100*day)+`",`), want: NonCompliant, annotation: "last accessed"},
		{name: "OKExactlyDefault", ci: secretItemOf("c", `"LastAccessedDate":"`+ago(90*day)+`",`), want: Compliant},
		{name: "OKParamWithin", ci: secretItemOf("d", `"LastAccessedDate":"`+ago(7*day)+`",`), params: `{"unusedForDays":"7"}`, want: Compliant},
		{name: "OKParamOver", ci: secretItemOf("e", `"LastAccessedDate":"`+ago(8*day)+`",`), params: `{"unusedForDays":"7"}`, want: NonCompliant, annotation: "7 days"},
		{name: "OKRotatedButUnused", ci: secretItemOf("f", `"LastRotatedDate":"`+ago(1*day)+`","LastAccessedDate":"`+ago(200*day)+`",`), want: NonCompliant},
		{name: "OKNeverAccessedOld", ci: secretItemOf("g", ``), want: NonCompliant, annotation: "never accessed"},
		{name: "OKNeverAccessedYoung", ci: young, want: Compliant},
		{name: "OKScheduledForDeletion", ci: scheduledForDeletion(secretItemOf("h", "")), want: NotApplicable},
		{name: "OKDeleted", ci: deletedItem(secretItemOf("i", "")), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::KMS::Key", "k", `{}`, nil), want: NotApplicable},
	})
}

// TestSecretsManagerPeriodic: the periodic rules evaluate every recorded
// secret when no item changed.
func TestSecretsManagerPeriodic(t *testing.T) {
	old := testNow.Add(-120 * 24 * time.Hour).Format("2006-01-02T15:04:05.000Z")
	fresh := secretItemOf("fresh", `"LastAccessedDate":"`+testNow.Add(-time.Hour).Format("2006-01-02T15:04:05.000Z")+`","LastRotatedDate":"`+testNow.Add(-time.Hour).Format("2006-01-02T15:04:05.000Z")+`",`)
	stale := secretItemOf("stale", `"LastAccessedDate":"`+old+`","LastRotatedDate":"`+old+`",`)
	gone := deletedItem(secretItemOf("gone", ""))
	inv := &memInventory{items: []*configd.ConfigurationItem{fresh, stale, gone, item("AWS::S3::Bucket", "bucket", `{}`, nil)}}
	for _, id := range []string{"SECRETSMANAGER_SECRET_PERIODIC_ROTATION", "SECRETSMANAGER_SECRET_UNUSED"} {
		p, err := Parameters(id, "")
		if err != nil {
			t.Fatal(err)
		}
		wantVerdicts(t, id, Input{Inventory: inv, Params: p, Now: testNow},
			map[string]string{fresh.ResourceID: Compliant, stale.ResourceID: NonCompliant, gone.ResourceID: NotApplicable})
	}
}

// TestSecretsManagerParameters: the catalogued parameters are accepted and
// typed; a negative number of days is an evaluation error.
func TestSecretsManagerParameters(t *testing.T) {
	for id, name := range map[string]string{
		"SECRETSMANAGER_ROTATION_ENABLED_CHECK":   "maximumAllowedRotationFrequency",
		"SECRETSMANAGER_SECRET_PERIODIC_ROTATION": "maxDaysSinceRotation",
		"SECRETSMANAGER_SECRET_UNUSED":            "unusedForDays",
	} {
		if _, err := Parameters(id, `{"`+name+`":"ten"}`); err == nil {
			t.Errorf("%s: a non-integer %s is accepted", id, name)
		}
		if _, err := Parameters(id, `{"unknown":"1"}`); err == nil {
			t.Errorf("%s: an unknown parameter is accepted", id)
		}
		if _, err := evaluateCase(t, id, `{"`+name+`":"-1"}`, secretItemOf("x", rotating("1", "")), nil); err == nil {
			t.Errorf("%s: a negative %s is not an error", id, name)
		}
	}
	if _, err := Parameters("SECRETSMANAGER_USING_CMK", `{"kmsKeyArns":"`+testSecretKey+`"}`); err != nil {
		t.Errorf("kmsKeyArns: %v", err)
	}
}

// TestSecretsManagerMalformedConfiguration: a configuration that is not
// JSON is an error, not a verdict.
func TestSecretsManagerMalformedConfiguration(t *testing.T) {
	for _, id := range []string{"SECRETSMANAGER_ROTATION_ENABLED_CHECK", "SECRETSMANAGER_USING_CMK",
		"SECRETSMANAGER_SECRET_PERIODIC_ROTATION", "SECRETSMANAGER_SECRET_UNUSED"} {
		if _, err := Evaluate(context.Background(), id, Input{CI: item(secretsManagerSecret, "x", `{"RotationEnabled":`, nil)}); err == nil {
			t.Errorf("%s: want an error", id)
		}
	}
	if _, err := Evaluate(context.Background(), "SECRETSMANAGER_SECRET_UNUSED",
		Input{CI: item(secretsManagerSecret, "x", `{"LastAccessedDate":"yesterday"}`, nil)}); err == nil {
		t.Error("an unreadable LastAccessedDate is not an error")
	}
}
