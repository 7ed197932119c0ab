package managedrule

import (
	"fmt"
	"strings"
	"time"

	"github.com/configd/configd"
)

// Native rules over AWS::SecretsManager::Secret items as the recorder writes
// them (docs/ci-formats.md; recorder/secretsmanager_secret.go): resource id
// the secret ARN, configuration with AWS Config's PascalCase member names
//
//	{"ARN","Name","Description","KMSKeyId" (absent under aws/secretsmanager),
//	 "RotationEnabled":bool,"RotationLambdaARN",
//	 "RotationRules":{"AutomaticallyAfterDays","AutomaticallyAfterHours",
//	                  "RotationDuration","RotationScheduleExpression"},
//	 "Deleted":bool (scheduled for deletion),
//	 "LastRotatedDate","LastAccessedDate" (configd's additions, absent until
//	 the first rotation / retrieval)}
//
// encoding/json matches member names case-insensitively, so items written
// with the API's casing (KmsKeyId, lastRotatedDate) read the same.
//
// Shared decision, left open by every page: a secret scheduled for deletion
// (Deleted true) is NOT_APPLICABLE, as deleted resources are; it can no
// longer be rotated, retrieved or re-keyed.
//
// SECRETSMANAGER_SCHEDULED_ROTATION_SUCCESS_CHECK is not implemented: it
// reads RotationOccurringAsScheduled, which AWS Config computes and which
// DescribeSecret does not return, so configd's items do not carry it.

const secretsManagerSecret = "AWS::SecretsManager::Secret"

// defaultSecretDays is the default of maxDaysSinceRotation and unusedForDays
// ("The default value is 90 days" on both pages; the catalogue gives none).
const defaultSecretDays = 90

func init() {
	types := []string{secretsManagerSecret}
	register(
		&resourceRule{id: "SECRETSMANAGER_ROTATION_ENABLED_CHECK", types: types, check: checkSecretRotationEnabled},
		&resourceRule{id: "SECRETSMANAGER_USING_CMK", types: types, check: checkSecretUsingCMK},
		&resourceRule{id: "SECRETSMANAGER_SECRET_PERIODIC_ROTATION", types: types, check: checkSecretPeriodicRotation},
		&resourceRule{id: "SECRETSMANAGER_SECRET_UNUSED", types: types, check: checkSecretUnused},
	)
}

// smSecret is the part of a secret item the rules read.
type smSecret struct {
	ARN               flexString `json:"ARN"`
	KMSKeyID          flexString `json:"KMSKeyId"`
	RotationEnabled   flexBool   `json:"RotationEnabled"`
	RotationLambdaARN flexString `json:"RotationLambdaARN"`
	RotationRules     *struct {
		AutomaticallyAfterDays  flexString `json:"AutomaticallyAfterDays"`
		AutomaticallyAfterHours flexString `json:"AutomaticallyAfterHours"`
	} `json:"RotationRules"`
	Deleted          flexBool   `json:"Deleted"`
	LastRotatedDate  flexString `json:"LastRotatedDate"`
	LastAccessedDate flexString `json:"LastAccessedDate"`
}

// decodeSecret decodes ci; the verdict is set (NOT_APPLICABLE) for a secret
// scheduled for deletion.
func decodeSecret(ci *configd.ConfigurationItem) (*smSecret, *verdict, error) {
	var s smSecret
	if err := decodeConfiguration(ci, &s); err != nil {
		return nil, nil, err
	}
	if s.Deleted {
		v := notApplicable("The secret is scheduled for deletion.")
		return &s, &v, nil
	}
	return &s, nil, nil
}

// rotationHours is the secret's rotation interval in hours, from
// AutomaticallyAfterHours or else AutomaticallyAfterDays; false when the
// item gives neither as a positive whole number.
func (s *smSecret) rotationHours() (int, bool) {
	if s.RotationRules == nil {
		return 0, false
	}
	if h, ok := secretPositiveInt(string(s.RotationRules.AutomaticallyAfterHours)); ok {
		return h, true
	}
	if d, ok := secretPositiveInt(string(s.RotationRules.AutomaticallyAfterDays)); ok {
		return d * 24, true
	}
	return 0, false
}

func secretPositiveInt(s string) (int, bool) {
	var n int
	if _, err := fmt.Sscan(strings.TrimSpace(s), &n); err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// secretIntParam reads an optional int parameter that must not be
// negative; def when absent.
func secretIntParam(p map[string]string, name string, def int) (int, bool, error) {
	if _, given := p[name]; !given {
		return def, false, nil
	}
	n, ok := intParam(p, name)
	if !ok || n < 0 {
		return 0, false, fmt.Errorf("%s %q is not a whole number of 0 or more", name, p[name])
	}
	return n, true, nil
}

// checkSecretRotationEnabled: a secret without automatic rotation is
// NON_COMPLIANT; with maximumAllowedRotationFrequency (days) or
// maximumAllowedRotationFrequencyInHours, so is one that rotates less often
// than that. https://docs.aws.amazon.com/config/latest/developerguide/secretsmanager-rotation-enabled-check.html
//
// Left open by the page, and configd's reading:
//   - "Rotation frequency higher than the parameter" is read as the interval
//     between rotations exceeding it: an interval equal to the maximum is
//     COMPLIANT.
//   - The interval is RotationRules.AutomaticallyAfterHours when set, else
//     AutomaticallyAfterDays × 24 hours (DescribeSecret computes
//     AutomaticallyAfterDays from a cron schedule too). A day parameter is
//     compared with hours ÷ 24, so an hourly schedule meets any day limit.
//   - Both parameters given: both must hold. A rotation-enabled secret whose
//     interval the item does not give is NON_COMPLIANT when a parameter is
//     set (it cannot be shown to meet it), COMPLIANT otherwise.
//   - RotationEnabled true is enough; the rotation function
//     (RotationLambdaARN) is not required, as managed rotation has none.
func checkSecretRotationEnabled(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	maxDays, daysGiven, err := secretIntParam(in.Params, "maximumAllowedRotationFrequency", 0)
	if err != nil {
		return verdict{}, err
	}
	maxHours, hoursGiven, err := secretIntParam(in.Params, "maximumAllowedRotationFrequencyInHours", 0)
	if err != nil {
		return verdict{}, err
	}
	s, na, err := decodeSecret(ci)
	if err != nil || na != nil {
		return secretVerdict(na), err
	}
	if !s.RotationEnabled {
		return nonCompliant("Automatic rotation is not enabled for the secret."), nil
	}
	if !daysGiven && !hoursGiven {
		return compliant(), nil
	}
	hours, ok := s.rotationHours()
	if !ok {
		return nonCompliant("The secret's rotation interval is not recorded, so it cannot be compared with the maximum allowed."), nil
	}
	if hoursGiven && hours > maxHours {
		return nonCompliant(fmt.Sprintf("The secret rotates every %d hours, more than the maximum of %d hours.", hours, maxHours)), nil
	}
	if daysGiven && hours > maxDays*24 {
		return nonCompliant(fmt.Sprintf("The secret rotates every %s days, more than the maximum of %d days.", secretDaysText(hours), maxDays)), nil
	}
	return compliant(), nil
}

// secretDaysText renders hours as days, with a fraction when needed.
func secretDaysText(hours int) string {
	if hours%24 == 0 {
		return fmt.Sprint(hours / 24)
	}
	return fmt.Sprintf("%.2f", float64(hours)/24)
}

func secretVerdict(v *verdict) verdict {
	if v == nil {
		return verdict{}
	}
	return *v
}

// checkSecretUsingCMK: a secret encrypted with the AWS managed key
// aws/secretsmanager is NON_COMPLIANT, one under a customer managed key
// COMPLIANT; with kmsKeyArns, the key must be one of them.
// https://docs.aws.amazon.com/config/latest/developerguide/secretsmanager-using-cmk.html
//
// Left open by the page, and configd's reading:
//   - No KMSKeyId means aws/secretsmanager (DescribeSecret omits the key
//     then); so does a KMSKeyId naming the alias aws/secretsmanager.
//   - The page's note ("evaluates secrets as NON_COMPLIANT when a
//     cross-account key is used"): a key ARN whose account is not the
//     item's is NON_COMPLIANT, whatever kmsKeyArns says.
//   - Without kmsKeyArns, any other key is taken as customer managed:
//     configd does not look the key up, so a customer alias or key id counts.
//   - kmsKeyArns entries match a key ARN or bare key id of the same key
//     (sameKMSKey); aliases are compared as written.
func checkSecretUsingCMK(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	s, na, err := decodeSecret(ci)
	if err != nil || na != nil {
		return secretVerdict(na), err
	}
	key := strings.TrimSpace(string(s.KMSKeyID))
	if key == "" || key == "alias/aws/secretsmanager" || strings.HasSuffix(key, ":alias/aws/secretsmanager") {
		return nonCompliant("The secret is encrypted with the AWS managed key aws/secretsmanager."), nil
	}
	if acct := secretARNAccount(key); acct != "" && ci.AccountID != "" && acct != ci.AccountID {
		return nonCompliant("The secret is encrypted with a KMS key of another account (" + acct + ")."), nil
	}
	if allowed := csv(in.Params["kmsKeyArns"]); len(allowed) > 0 {
		for _, a := range allowed {
			if sameKMSKey(a, key) {
				return compliant(), nil
			}
		}
		return nonCompliant("The secret is encrypted with " + key + ", which is not in kmsKeyArns."), nil
	}
	return compliant(), nil
}

// secretARNAccount returns the account field of an ARN, "" for anything else.
func secretARNAccount(s string) string {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

// checkSecretPeriodicRotation: a secret not rotated for more than
// maxDaysSinceRotation days (90 by default) is NON_COMPLIANT.
// https://docs.aws.amazon.com/config/latest/developerguide/secretsmanager-secret-periodic-rotation.html
//
// Left open by the page, and configd's reading:
//   - A secret never rotated (no LastRotatedDate) is counted from its
//     creation (resourceCreationTime): the parameter is "the maximum number
//     of days in which a secret can remain unchanged", and a new secret has
//     not been unchanged for long. Without either time it is NON_COMPLIANT.
//   - Whether rotation is enabled does not matter: the rule judges when the
//     secret last rotated, not its schedule.
//   - "More than" is strict, in 24-hour days, from the evaluation time
//     (Input.Now; the current time when unset).
func checkSecretPeriodicRotation(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	days, _, err := secretIntParam(in.Params, "maxDaysSinceRotation", defaultSecretDays)
	if err != nil {
		return verdict{}, err
	}
	s, na, err := decodeSecret(ci)
	if err != nil || na != nil {
		return secretVerdict(na), err
	}
	since, what, err := secretSince(string(s.LastRotatedDate), ci, "last rotated", "never rotated; created")
	if err != nil {
		return verdict{}, fmt.Errorf("LastRotatedDate: %w", err)
	}
	if since.IsZero() {
		return nonCompliant("The secret has never been rotated and its creation time is not recorded."), nil
	}
	if secretElapsed(in, since) > secretDays(days) {
		return nonCompliant(fmt.Sprintf("The secret was %s %s, more than %d days ago.", what, since.UTC().Format("2006-01-02"), days)), nil
	}
	return compliant(), nil
}

// checkSecretUnused: a secret not accessed for more than unusedForDays days
// (90 by default) is NON_COMPLIANT.
// https://docs.aws.amazon.com/config/latest/developerguide/secretsmanager-secret-unused.html
//
// Left open by the page, and configd's reading:
//   - A secret never retrieved (no LastAccessedDate) is counted from its
//     creation (resourceCreationTime), so a new secret is not unused yet;
//     without either time it is NON_COMPLIANT.
//   - Secrets Manager keeps LastAccessedDate as a date (midnight UTC), so
//     the count starts at that midnight. "More than" is strict, in 24-hour
//     days, from the evaluation time (Input.Now; the current time when
//     unset).
func checkSecretUnused(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	days, _, err := secretIntParam(in.Params, "unusedForDays", defaultSecretDays)
	if err != nil {
		return verdict{}, err
	}
	s, na, err := decodeSecret(ci)
	if err != nil || na != nil {
		return secretVerdict(na), err
	}
	since, what, err := secretSince(string(s.LastAccessedDate), ci, "last accessed", "never accessed; created")
	if err != nil {
		return verdict{}, fmt.Errorf("LastAccessedDate: %w", err)
	}
	if since.IsZero() {
		return nonCompliant("The secret has never been accessed and its creation time is not recorded."), nil
	}
	if secretElapsed(in, since) > secretDays(days) {
		return nonCompliant(fmt.Sprintf("The secret was %s %s, more than %d days ago.", what, since.UTC().Format("2006-01-02"), days)), nil
	}
	return compliant(), nil
}

// secretSince returns the time in raw, or the item's creation time when raw
// is empty, with the word for each; zero when neither is known.
func secretSince(raw string, ci *configd.ConfigurationItem, recorded, created string) (time.Time, string, error) {
	if raw = strings.TrimSpace(raw); raw != "" {
		t, err := parseSecretTime(raw)
		return t, recorded, err
	}
	return ci.ResourceCreationTime, created, nil
}

// parseSecretTime reads an AWS Config timestamp ("2017-01-09T20:13:28.000Z",
// any RFC 3339 form) or epoch seconds as the API's JSON gives them.
func parseSecretTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	var secs float64
	if _, err := fmt.Sscan(s, &secs); err == nil && secs > 0 {
		return time.Unix(0, int64(secs*float64(time.Second))).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp", s)
}

func secretElapsed(in *Input, since time.Time) time.Duration {
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	return now.Sub(since)
}

func secretDays(days int) time.Duration { return time.Duration(days) * 24 * time.Hour }
