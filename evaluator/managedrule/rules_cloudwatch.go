package managedrule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/configd/configd"
)

// Native rules over AWS::CloudWatch::Alarm items as the recorder writes
// them (docs/ci-formats.md; recorder/cloudwatch_alarm.go) and as AWS Config
// records them: DescribeAlarms' MetricAlarm with lowerCamel keys, the OK
// actions under "okactions" (all lower case),
//
//	{"alarmName","alarmArn","actionsEnabled":true,"alarmActions":[…],
//	 "insufficientDataActions":[…],"okactions":[…],"metricName","namespace",
//	 "statistic":"Average","extendedStatistic":"p99","period":300,
//	 "evaluationPeriods":2,"threshold":80.0,"comparisonOperator":…,
//	 "dimensions":[{"name","value"}],"metrics":[]}
//
// encoding/json matches keys without regard to case, so items written
// with "oKActions" or "okActions" read the same.

const cloudWatchAlarm = "AWS::CloudWatch::Alarm"

func init() {
	types := []string{cloudWatchAlarm}
	register(
		&resourceRule{id: "CLOUDWATCH_ALARM_ACTION_CHECK", types: types, check: checkCloudWatchAlarmAction},
		&resourceRule{id: "CLOUDWATCH_ALARM_ACTION_ENABLED_CHECK", types: types, check: checkCloudWatchAlarmActionEnabled},
		&resourceRule{id: "CLOUDWATCH_ALARM_SETTINGS_CHECK", types: types, check: checkCloudWatchAlarmSettings},
	)
}

// cloudWatchAlarmConfig is the part of an alarm's configuration the rules
// read. Numbers are read as text (flexString keeps them verbatim) and
// parsed where compared.
type cloudWatchAlarmConfig struct {
	ActionsEnabled          *flexBool  `json:"actionsEnabled"`
	AlarmActions            stringList `json:"alarmActions"`
	InsufficientDataActions stringList `json:"insufficientDataActions"`
	OKActions               stringList `json:"okactions"`
	MetricName              flexString `json:"metricName"`
	Statistic               flexString `json:"statistic"`
	ExtendedStatistic       flexString `json:"extendedStatistic"`
	ComparisonOperator      flexString `json:"comparisonOperator"`
	Period                  flexString `json:"period"`
	EvaluationPeriods       flexString `json:"evaluationPeriods"`
	Threshold               flexString `json:"threshold"`
}

func decodeCloudWatchAlarm(ci *configd.ConfigurationItem) (*cloudWatchAlarmConfig, error) {
	var c cloudWatchAlarmConfig
	if err := decodeConfiguration(ci, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// cloudWatchActionParams are the optional ARN parameters of
// CLOUDWATCH_ALARM_ACTION_CHECK.
var cloudWatchActionParams = []string{"action1", "action2", "action3", "action4", "action5"}

// checkCloudWatchAlarmAction: an alarm is NON_COMPLIANT when a state whose
// actions the parameters require has none, or, when action1…action5 name
// ARNs, when none of its actions is one of them.
// https://docs.aws.amazon.com/config/latest/developerguide/cloudwatch-alarm-action-check.html
// ("Checks if CloudWatch alarms have an action configured for the ALARM,
// INSUFFICIENT_DATA, or OK state. Optionally checks if any actions match a
// named ARN. The rule is NON_COMPLIANT if there is no action specified for
// the alarm or optional parameter."; configuration changes;
// alarmActionRequired default true, insufficientDataActionRequired default
// true, okActionRequired default false, action1…action5 optional ARNs).
//
// What the page leaves open, and what configd decides:
//   - The three *Required parameters are strings; "true" in any case means
//     required, anything else not (boolParam); left out, the page's
//     defaults apply.
//   - Every required state is checked: with the defaults an alarm needs
//     both an ALARM and an INSUFFICIENT_DATA action; the annotation names
//     each state that lacks one.
//   - The named ARNs are matched against all of the alarm's actions (ALARM,
//     INSUFFICIENT_DATA and OK together: "any actions match a named ARN"),
//     as exact strings; one match is enough. With no state required and no
//     ARN named, every alarm is COMPLIANT.
//   - Whether the actions are enabled is not looked at
//     (CLOUDWATCH_ALARM_ACTION_ENABLED_CHECK does).
func checkCloudWatchAlarmAction(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	c, err := decodeCloudWatchAlarm(ci)
	if err != nil {
		return verdict{}, err
	}
	var missing []string
	for _, s := range []struct {
		param, state string
		def          bool
		actions      []string
	}{
		{"alarmActionRequired", "ALARM", true, c.AlarmActions},
		{"insufficientDataActionRequired", "INSUFFICIENT_DATA", true, c.InsufficientDataActions},
		{"okActionRequired", "OK", false, c.OKActions},
	} {
		if boolParam(in.Params, s.param, s.def) && len(nonBlank(s.actions)) == 0 {
			missing = append(missing, s.state)
		}
	}
	if len(missing) > 0 {
		return nonCompliant("The alarm has no action for the " + strings.Join(missing, ", ") + " state."), nil
	}
	var named []string
	for _, p := range cloudWatchActionParams {
		if v := strings.TrimSpace(in.Params[p]); v != "" {
			named = append(named, v)
		}
	}
	if len(named) == 0 {
		return compliant(), nil
	}
	for _, list := range [][]string{c.AlarmActions, c.InsufficientDataActions, c.OKActions} {
		for _, a := range list {
			if contains(named, strings.TrimSpace(a)) {
				return compliant(), nil
			}
		}
	}
	return nonCompliant("None of the alarm's actions is one of " + strings.Join(named, ", ") + "."), nil
}

// nonBlank returns the elements of list that are not blank.
func nonBlank(list []string) []string {
	var out []string
	for _, s := range list {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// checkCloudWatchAlarmActionEnabled: an alarm whose actions are disabled
// is NON_COMPLIANT.
// https://docs.aws.amazon.com/config/latest/developerguide/cloudwatch-alarm-action-enabled-check.html
// ("Checks if Amazon CloudWatch alarms actions are in enabled state. The
// rule is NON_COMPLIANT if the CloudWatch alarms actions are not in enabled
// state."; configuration changes; no parameters).
//
// What the page leaves open, and what configd decides:
//   - An alarm with actions enabled but no action at all is COMPLIANT: the
//     rule judges the enabled state only (CLOUDWATCH_ALARM_ACTION_CHECK
//     judges the actions).
//   - An item without actionsEnabled is NON_COMPLIANT: the enabled state
//     cannot be shown (DescribeAlarms always returns it, so only an
//     incomplete item lacks it).
func checkCloudWatchAlarmActionEnabled(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	c, err := decodeCloudWatchAlarm(ci)
	if err != nil {
		return verdict{}, err
	}
	if c.ActionsEnabled == nil {
		return nonCompliant("Whether the alarm's actions are enabled is not recorded."), nil
	}
	if !bool(*c.ActionsEnabled) {
		return nonCompliant("The alarm's actions are disabled."), nil
	}
	return compliant(), nil
}

// checkCloudWatchAlarmSettings: an alarm on the metric metricName is
// NON_COMPLIANT when one of the given settings differs from the alarm's.
// https://docs.aws.amazon.com/config/latest/developerguide/cloudwatch-alarm-settings-check.html
// ("Checks whether CloudWatch alarms with the given metric name have the
// specified settings."; configuration changes; metricName required;
// threshold, evaluationPeriods (int), period (int, default 300),
// comparisonOperator and statistic (String) optional).
//
// What the page leaves open, and what configd decides:
//   - Alarms on another metric, and metric math alarms (no metricName of
//     their own), are NOT_APPLICABLE; the metric name is compared exactly
//     (CloudWatch metric names are case-sensitive), the namespace is not
//     looked at (the rule has no namespace parameter).
//   - Only the parameters given are compared, period always (its default
//     300 applies when it is left out), each for equality: threshold
//     numerically (80 equals 80.0), comparisonOperator without regard to
//     case, statistic against the alarm's statistic or, for a percentile
//     alarm, its extendedStatistic ("p99"), without regard to case.
//   - A compared setting the alarm does not record is a mismatch. The
//     annotation lists every mismatch.
func checkCloudWatchAlarmSettings(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	c, err := decodeCloudWatchAlarm(ci)
	if err != nil {
		return verdict{}, err
	}
	metric := strings.TrimSpace(in.Params["metricName"])
	if strings.TrimSpace(string(c.MetricName)) != metric {
		return notApplicable("The alarm is not on the metric " + metric + "."), nil
	}
	var diffs []string
	for _, n := range []struct {
		param string
		value flexString
	}{
		{"threshold", c.Threshold},
		{"evaluationPeriods", c.EvaluationPeriods},
		{"period", c.Period},
	} {
		want, ok := in.Params[n.param]
		if !ok {
			continue
		}
		w, err := strconv.ParseFloat(strings.TrimSpace(want), 64)
		if err != nil {
			return verdict{}, fmt.Errorf("%s %q is not a number", n.param, want)
		}
		got := strings.TrimSpace(string(n.value))
		if g, err := strconv.ParseFloat(got, 64); err != nil || g != w {
			diffs = append(diffs, cloudWatchMismatch(n.param, got, strings.TrimSpace(want)))
		}
	}
	if want, ok := in.Params["comparisonOperator"]; ok {
		want = strings.TrimSpace(want)
		if got := strings.TrimSpace(string(c.ComparisonOperator)); !strings.EqualFold(got, want) {
			diffs = append(diffs, cloudWatchMismatch("comparisonOperator", got, want))
		}
	}
	if want, ok := in.Params["statistic"]; ok {
		want = strings.TrimSpace(want)
		got := strings.TrimSpace(string(c.Statistic))
		if got == "" {
			got = strings.TrimSpace(string(c.ExtendedStatistic))
		}
		if !strings.EqualFold(got, want) {
			diffs = append(diffs, cloudWatchMismatch("statistic", got, want))
		}
	}
	if len(diffs) > 0 {
		return nonCompliant("The alarm's settings differ: " + strings.Join(diffs, "; ") + "."), nil
	}
	return compliant(), nil
}

func cloudWatchMismatch(param, got, want string) string {
	if got == "" {
		got = "not set"
	}
	return fmt.Sprintf("%s is %s, not %s", param, got, want)
}
