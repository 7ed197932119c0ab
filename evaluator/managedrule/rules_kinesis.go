package managedrule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/configd/configd"
)

// Native rules over AWS::Kinesis::Stream items as the recorder writes them
// (docs/ci-formats.md; recorder/kinesis_stream.go), in the shape of AWS
// Config's own items, PascalCase keys,
//
//	{"Arn","Name","RetentionPeriodHours":48,"ShardCount":2,
//	 "StreamEncryption":{"EncryptionType":"KMS","KeyId":"alias/aws/kinesis"},
//	 "Tags":[{"Key","Value"}]}
//
// StreamEncryption is absent on an unencrypted stream (as in the AWS Config
// item of an unencrypted stream recorded in Cloud Custodian's tests).

const kinesisStream = "AWS::Kinesis::Stream"

func init() {
	types := []string{kinesisStream}
	register(
		&resourceRule{id: "KINESIS_STREAM_ENCRYPTED", types: types, check: checkKinesisStreamEncrypted},
		&resourceRule{id: "KINESIS_STREAM_BACKUP_RETENTION_CHECK", types: types, check: checkKinesisStreamRetention},
	)
}

// kinesisStreamConfig is the part of a stream's configuration the rules
// read.
type kinesisStreamConfig struct {
	RetentionPeriodHours flexString `json:"RetentionPeriodHours"`
	StreamEncryption     *struct {
		EncryptionType flexString `json:"EncryptionType"`
		KeyID          flexString `json:"KeyId"`
	} `json:"StreamEncryption"`
}

func decodeKinesisStream(ci *configd.ConfigurationItem) (*kinesisStreamConfig, error) {
	var c kinesisStreamConfig
	if err := decodeConfiguration(ci, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// checkKinesisStreamEncrypted: a stream without server-side encryption is
// NON_COMPLIANT.
// https://docs.aws.amazon.com/config/latest/developerguide/kinesis-stream-encrypted.html
// ("NON_COMPLIANT for a Kinesis stream if 'StreamEncryption' is not
// present"; configuration changes; no parameters).
//
// What the page leaves open, and what configd decides:
//   - StreamEncryption null counts as not present.
//   - A StreamEncryption object that is present but records no encryption
//     (EncryptionType "NONE", or neither an EncryptionType nor a KeyId) is
//     NON_COMPLIANT: the rule checks encryption at rest, and such an object
//     (which AWS's own items, following CloudFormation, do not contain)
//     does not show any.
//   - EncryptionType is compared without regard to case; KMS is the only
//     type Kinesis has, so an object with a KeyId but no EncryptionType is
//     COMPLIANT, and any key (the AWS managed alias/aws/kinesis included)
//     is accepted: the rule has no key parameter.
func checkKinesisStreamEncrypted(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	c, err := decodeKinesisStream(ci)
	if err != nil {
		return verdict{}, err
	}
	e := c.StreamEncryption
	if e == nil {
		return nonCompliant("The stream is not encrypted at rest (no StreamEncryption)."), nil
	}
	typ := strings.TrimSpace(string(e.EncryptionType))
	key := strings.TrimSpace(string(e.KeyID))
	switch {
	case strings.EqualFold(typ, "KMS"), typ == "" && key != "":
		return compliant(), nil
	case typ == "":
		return nonCompliant("The stream's StreamEncryption records no encryption type."), nil
	default:
		return nonCompliant(fmt.Sprintf("The stream's encryption type is %s, not KMS.", typ)), nil
	}
}

// Retention bounds of KINESIS_STREAM_BACKUP_RETENTION_CHECK's parameter,
// from its page (also Kinesis's own limits on a stream's retention).
const (
	kinesisDefaultMinRetention = 168
	kinesisMinRetention        = 24
	kinesisMaxRetention        = 8760
)

// checkKinesisStreamRetention: a stream whose RetentionPeriodHours is less
// than minimumBackupRetentionPeriod (168 hours by default) is
// NON_COMPLIANT.
// https://docs.aws.amazon.com/config/latest/developerguide/kinesis-stream-backup-retention-check.html
// ("NON_COMPLIANT if the property RetentionPeriodHours is set to a value
// less than the value specified by the parameter"; configuration changes;
// minimumBackupRetentionPeriod optional String, "Valid values are 24 to
// 8760, default value is 168").
//
// What the page leaves open, and what configd decides:
//   - A retention equal to the parameter is COMPLIANT ("less than").
//   - The catalogue gives the parameter no default; the page's 168 applies
//     when it is left out.
//   - A parameter that is not a whole number, or lies outside 24 to 8760,
//     is an evaluation error rather than a threshold that no stream (or
//     every stream) could meet.
//   - An item without RetentionPeriodHours is NON_COMPLIANT: its retention
//     cannot be shown (AWS's items always carry it); one whose value is not
//     a whole number is an error.
func checkKinesisStreamRetention(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	min := kinesisDefaultMinRetention
	if raw, given := in.Params["minimumBackupRetentionPeriod"]; given {
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil || n < kinesisMinRetention || n > kinesisMaxRetention {
			return verdict{}, fmt.Errorf("minimumBackupRetentionPeriod %q is not a number of hours from %d to %d",
				raw, kinesisMinRetention, kinesisMaxRetention)
		}
		min = n
	}
	c, err := decodeKinesisStream(ci)
	if err != nil {
		return verdict{}, err
	}
	raw := strings.TrimSpace(string(c.RetentionPeriodHours))
	if raw == "" {
		return nonCompliant("The stream's retention period is not recorded."), nil
	}
	hours, err := strconv.Atoi(raw)
	if err != nil {
		return verdict{}, fmt.Errorf("RetentionPeriodHours %q is not a whole number", raw)
	}
	if hours < min {
		return nonCompliant(fmt.Sprintf("The retention period is %d hours, under the minimum of %d hours.", hours, min)), nil
	}
	return compliant(), nil
}
