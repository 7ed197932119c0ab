package managedrule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/configd/configd"
)

// Native rules over AWS::Logs::LogGroup items. The recorder writes them in
// the shape of the CloudFormation resource (docs/ci-formats.md,
// recorder/logs_loggroup.go): resource id the log group name, configuration
//
//	{"LogGroupName":"/app/api","Arn":"arn:aws:logs:…:log-group:/app/api:*",
//	 "RetentionInDays":30,"KmsKeyId":"arn:aws:kms:…:key/…","LogGroupClass":"STANDARD",
//	 "Tags":[{"Key":…,"Value":…}]}
//
// with RetentionInDays absent for a group whose events never expire and
// KmsKeyId absent for a group without a KMS key.

const logsLogGroup = "AWS::Logs::LogGroup"

// defaultMinRetentionTime is the MinRetentionTime the rule page documents
// ("The default retention period is 365 days"); the catalogue, generated
// from moto's copy of the rule list, gives the parameter no default.
const defaultMinRetentionTime = 365

func init() {
	lg := []string{logsLogGroup}
	register(
		&resourceRule{id: "CW_LOGGROUP_RETENTION_PERIOD_CHECK", types: lg, check: checkLogGroupRetention},
		&resourceRule{id: "CLOUDWATCH_LOG_GROUP_ENCRYPTED", types: lg, check: checkLogGroupEncrypted},
	)
}

// logGroup is the part of a log group item the rules read.
type logGroup struct {
	LogGroupName    flexString `json:"LogGroupName"`
	RetentionInDays flexString `json:"RetentionInDays"`
	KmsKeyID        flexString `json:"KmsKeyId"`
}

func decodeLogGroup(ci *configd.ConfigurationItem) (*logGroup, error) {
	var g logGroup
	if err := decodeConfiguration(ci, &g); err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(g.LogGroupName)) == "" {
		g.LogGroupName = flexString(ci.ResourceID)
	}
	return &g, nil
}

// checkLogGroupRetention: a log group whose retention is shorter than
// MinRetentionTime days (365 by default) is NON_COMPLIANT; one whose events
// never expire (no RetentionInDays) is COMPLIANT, as the page's note says.
// https://docs.aws.amazon.com/config/latest/developerguide/cw-loggroup-retention-period-check.html
//
// Decisions the page leaves open:
//   - "greater than 365 days" in the summary against "NON_COMPLIANT if the
//     retention period is less than MinRetentionTime": a retention equal to
//     MinRetentionTime is COMPLIANT.
//   - LogGroupNames: the current page calls its entries log group name
//     prefixes (earlier versions said names); a group is evaluated when its
//     name starts with one of them (an exact name matches itself), and the
//     others are NOT_APPLICABLE.
//   - MinRetentionTime values outside the page's list (1, 3, 5, …, 3653) are
//     used as given; a value below 1 is rejected as an evaluation error.
//   - A RetentionInDays that is not a whole number is an error (no AWS item
//     with one is known).
func checkLogGroupRetention(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	g, err := decodeLogGroup(ci)
	if err != nil {
		return verdict{}, err
	}
	name := string(g.LogGroupName)
	if prefixes := csv(in.Params["LogGroupNames"]); len(prefixes) > 0 {
		matched := false
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				matched = true
				break
			}
		}
		if !matched {
			return notApplicable("The log group name does not start with any of LogGroupNames."), nil
		}
	}
	min := defaultMinRetentionTime
	if _, given := in.Params["MinRetentionTime"]; given {
		n, ok := intParam(in.Params, "MinRetentionTime")
		if !ok || n < 1 {
			return verdict{}, fmt.Errorf("MinRetentionTime %q is not a number of days", in.Params["MinRetentionTime"])
		}
		min = n
	}
	raw := strings.TrimSpace(string(g.RetentionInDays))
	if raw == "" {
		v := compliant()
		v.annotation = "The log group's events never expire."
		return v, nil
	}
	days, err := strconv.Atoi(raw)
	if err != nil {
		return verdict{}, fmt.Errorf("RetentionInDays %q is not a whole number", raw)
	}
	if days < min {
		return nonCompliant(fmt.Sprintf("The retention period is %d days, under the minimum of %d days.", days, min)), nil
	}
	return compliant(), nil
}

// checkLogGroupEncrypted: a log group without a KMS key (KmsKeyId) is
// NON_COMPLIANT; with the KmsKeyId parameter, so is one encrypted with
// another key.
// https://docs.aws.amazon.com/config/latest/developerguide/cloudwatch-log-group-encrypted.html
//
// Decisions the page leaves open:
//   - The parameter is described as "ARN of the ID for the KMS key". A key
//     ARN and a bare key id of the same key match (sameKMSKey); aliases are
//     compared as written, since no recorded item maps an alias to its key.
//   - The parameter is a String holding one key; a comma-separated list is
//     not split.
func checkLogGroupEncrypted(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	g, err := decodeLogGroup(ci)
	if err != nil {
		return verdict{}, err
	}
	key := strings.TrimSpace(string(g.KmsKeyID))
	if key == "" {
		return nonCompliant("The log group is not encrypted with a KMS key."), nil
	}
	want := strings.TrimSpace(in.Params["KmsKeyId"])
	if want != "" && !sameKMSKey(want, key) {
		return nonCompliant("The log group is encrypted with " + key + ", not with the KmsKeyId key."), nil
	}
	return compliant(), nil
}
