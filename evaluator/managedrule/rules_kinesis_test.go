package managedrule

import (
	"fmt"
	"testing"

	"github.com/configd/configd"
)

const kinesisTestKey = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"

// kinesisStreamItem builds a stream item as the recorder writes it;
// retention < 0 leaves RetentionPeriodHours out, key "" leaves the stream
// unencrypted.
func kinesisStreamItem(name string, retention int, key string) *configd.ConfigurationItem {
	conf := `{"Arn":"arn:aws:kinesis:us-east-1:123456789012:stream/` + name + `","Name":"` + name + `"`
	if retention >= 0 {
		conf += fmt.Sprintf(`,"RetentionPeriodHours":%d`, retention)
	}
	conf += `,"ShardCount":1`
	if key != "" {
		conf += `,"StreamEncryption":{"EncryptionType":"KMS","KeyId":"` + key + `"}`
	}
	return item(kinesisStream, name, conf+`,"Tags":[]}`, nil)
}

func TestKinesisStreamEncrypted(t *testing.T) {
	runRuleCases(t, "KINESIS_STREAM_ENCRYPTED", []ruleCase{
		{name: "OKKMSKey", ci: kinesisStreamItem("a", 24, kinesisTestKey), want: Compliant},
		{name: "OKAWSManagedKey", ci: kinesisStreamItem("m", 24, "alias/aws/kinesis"), want: Compliant},
		{name: "OKUnencrypted", ci: kinesisStreamItem("u", 24, ""), want: NonCompliant, annotation: "no StreamEncryption"},
		// The AWS Config item of an unencrypted stream from Cloud
		// Custodian's tests, verbatim but for the account.
		{name: "OKAWSItemUnencrypted", ci: item(kinesisStream, "test",
			`{"Arn":"arn:aws:kinesis:us-west-1:123456789012:stream/test","Name":"test","RetentionPeriodHours":24,"ShardCount":1,"Tags":[{"Key":"test","Value":"test"}]}`, nil),
			want: NonCompliant},
		{name: "OKNullEncryption", ci: item(kinesisStream, "n", `{"Name":"n","StreamEncryption":null}`, nil), want: NonCompliant},
		{name: "OKTypeNone", ci: item(kinesisStream, "t", `{"StreamEncryption":{"EncryptionType":"NONE"}}`, nil), want: NonCompliant, annotation: "NONE"},
		{name: "OKTypeNoneWithKey", ci: item(kinesisStream, "k", `{"StreamEncryption":{"EncryptionType":"NONE","KeyId":"alias/aws/kinesis"}}`, nil), want: NonCompliant},
		{name: "OKEmptyObject", ci: item(kinesisStream, "e", `{"StreamEncryption":{}}`, nil), want: NonCompliant, annotation: "no encryption type"},
		{name: "OKKeyWithoutType", ci: item(kinesisStream, "w", `{"StreamEncryption":{"KeyId":"`+kinesisTestKey+`"}}`, nil), want: Compliant},
		{name: "OKTypeLowerCase", ci: item(kinesisStream, "l", `{"StreamEncryption":{"EncryptionType":"kms"}}`, nil), want: Compliant},
		{name: "OKEmptyConfiguration", ci: item(kinesisStream, "z", `{}`, nil), want: NonCompliant},
		{name: "OKDeleted", ci: deletedItem(kinesisStreamItem("d", 24, "")), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::KinesisVideo::Stream", "v", `{}`, nil), want: NotApplicable},
	})
}

func TestKinesisStreamBackupRetentionCheck(t *testing.T) {
	p := func(v string) string { return `{"minimumBackupRetentionPeriod":"` + v + `"}` }
	runRuleCases(t, "KINESIS_STREAM_BACKUP_RETENTION_CHECK", []ruleCase{
		// Default 168 hours.
		{name: "OKDefaultBelow", ci: kinesisStreamItem("a", 24, ""), want: NonCompliant, annotation: "24 hours, under the minimum of 168"},
		{name: "OKDefaultJustBelow", ci: kinesisStreamItem("b", 167, ""), want: NonCompliant},
		{name: "OKDefaultEqual", ci: kinesisStreamItem("c", 168, ""), want: Compliant},
		{name: "OKDefaultAbove", ci: kinesisStreamItem("d", 8760, kinesisTestKey), want: Compliant},
		// The parameter.
		{name: "OKParamBelow", ci: kinesisStreamItem("e", 47, ""), params: p("48"), want: NonCompliant, annotation: "minimum of 48"},
		{name: "OKParamEqual", ci: kinesisStreamItem("f", 48, ""), params: p("48"), want: Compliant},
		{name: "OKParamAbove", ci: kinesisStreamItem("g", 72, ""), params: p("48"), want: Compliant},
		{name: "OKParamLowest", ci: kinesisStreamItem("h", 24, ""), params: p("24"), want: Compliant},
		{name: "OKParamHighest", ci: kinesisStreamItem("i", 8759, ""), params: p("8760"), want: NonCompliant},
		{name: "OKParamHighestEqual", ci: kinesisStreamItem("j", 8760, ""), params: p("8760"), want: Compliant},
		{name: "OKParamSpaces", ci: kinesisStreamItem("k", 100, ""), params: p(" 100 "), want: Compliant},
		// Shapes of the recorded value.
		{name: "OKRetentionString", ci: item(kinesisStream, "s", `{"RetentionPeriodHours":"200"}`, nil), want: Compliant},
		{name: "OKMissingRetention", ci: kinesisStreamItem("m", -1, ""), want: NonCompliant, annotation: "not recorded"},
		{name: "OKNullRetention", ci: item(kinesisStream, "n", `{"RetentionPeriodHours":null}`, nil), params: p("24"), want: NonCompliant},
		{name: "OKDeleted", ci: deletedItem(kinesisStreamItem("x", 24, "")), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::KinesisVideo::Stream", "v", `{"RetentionPeriodHours":1}`, nil), want: NotApplicable},
	})
}

// TestKinesisRetentionParameter: values outside the page's 24 to 8760, or
// not whole numbers, are evaluation errors; the parameter is optional.
func TestKinesisRetentionParameter(t *testing.T) {
	const id = "KINESIS_STREAM_BACKUP_RETENTION_CHECK"
	if _, err := Parameters(id, ""); err != nil {
		t.Errorf("no parameters: %v", err)
	}
	for _, v := range []string{"23", "8761", "0", "-168", "48.5", "1e2", "a week"} {
		if _, err := evaluateCase(t, id, `{"minimumBackupRetentionPeriod":"`+v+`"}`, kinesisStreamItem("a", 168, ""), nil); err == nil {
			t.Errorf("minimumBackupRetentionPeriod %q: want an error", v)
		}
	}
	// A recorded retention that is not a whole number is an error too.
	if _, err := evaluateCase(t, id, "", item(kinesisStream, "f", `{"RetentionPeriodHours":24.5}`, nil), nil); err == nil {
		t.Error("RetentionPeriodHours 24.5: want an error")
	}
}

// TestKinesisPeriodic: without a changed item the rules evaluate every
// recorded stream, deleted ones NOT_APPLICABLE.
func TestKinesisPeriodic(t *testing.T) {
	inv := &memInventory{items: []*configd.ConfigurationItem{
		kinesisStreamItem("enc", 168, kinesisTestKey),
		kinesisStreamItem("plain", 24, ""),
		deletedItem(kinesisStreamItem("gone", 24, "")),
		item("AWS::S3::Bucket", "bucket", `{}`, nil),
	}}
	wantVerdicts(t, "KINESIS_STREAM_ENCRYPTED", Input{Inventory: inv, Now: testNow},
		map[string]string{"enc": Compliant, "plain": NonCompliant, "gone": NotApplicable})
	wantVerdicts(t, "KINESIS_STREAM_BACKUP_RETENTION_CHECK", Input{Inventory: inv, Now: testNow},
		map[string]string{"enc": Compliant, "plain": NonCompliant, "gone": NotApplicable})
}

// TestKinesisMalformedConfiguration: a configuration that is not JSON is an
// error, not a verdict.
func TestKinesisMalformedConfiguration(t *testing.T) {
	for _, id := range []string{"KINESIS_STREAM_ENCRYPTED", "KINESIS_STREAM_BACKUP_RETENTION_CHECK"} {
		if _, err := evaluateCase(t, id, "", item(kinesisStream, "x", `{"StreamEncryption":`, nil), nil); err == nil {
			t.Errorf("%s: want an error", id)
		}
	}
}
