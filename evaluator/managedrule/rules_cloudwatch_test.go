package managedrule

import (
	"encoding/json"
	"testing"

	"github.com/configd/configd"
)

const (
	cwTestTopic = "arn:aws:sns:us-east-1:123456789012:alerts"
	cwTestOps   = "arn:aws:sns:us-east-1:123456789012:ops"
)

// cwAlarmItem is an alarm item in the recorder's (and AWS Config's) format
// with the given action lists (JSON lists) and actionsEnabled.
func cwAlarmItem(name, alarmActions, insufficientDataActions, okActions string, enabled bool) *configd.ConfigurationItem {
	en := "false"
	if enabled {
		en = "true"
	}
	conf := `{"actionsEnabled":` + en + `,"alarmActions":` + alarmActions + `,"alarmArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:` + name + `",` +
		`"alarmConfigurationUpdatedTimestamp":1564056730892,"alarmName":"` + name + `","comparisonOperator":"GreaterThanOrEqualToThreshold",` +
		`"dimensions":[{"name":"InstanceId","value":"i-1"}],"evaluationPeriods":2,"insufficientDataActions":` + insufficientDataActions + `,` +
		`"metricName":"CPUUtilization","metrics":[],"namespace":"AWS/EC2","okactions":` + okActions + `,"period":300,"statistic":"Average","threshold":80.0}`
	return item(cloudWatchAlarm, name, conf, nil)
}

var (
	cwTopic     = `["` + cwTestTopic + `"]`
	cwOps       = `["` + cwTestOps + `"]`
	cwNoActions = `[]`
)

func TestCloudWatchAlarmActionCheck(t *testing.T) {
	all := cwAlarmItem("all", cwTopic, cwOps, cwTopic, true)
	// ap gives the rule's three *Required parameters, which AWS requires in
	// InputParameters, their documented defaults, overridden by the later
	// members of extra (JSON object members without braces).
	ap := func(extra string) string {
		def := `"alarmActionRequired":"true","insufficientDataActionRequired":"true","okActionRequired":"false"`
		if extra == "" {
			return "{" + def + "}"
		}
		m := map[string]string{}
		if err := json.Unmarshal([]byte("{"+def+"}"), &m); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte("{"+extra+"}"), &m); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	runRuleCases(t, "CLOUDWATCH_ALARM_ACTION_CHECK", []ruleCase{
		// Defaults: ALARM and INSUFFICIENT_DATA actions required, OK not.
		{name: "OKDefaults", ci: cwAlarmItem("a", cwTopic, cwOps, cwNoActions, true), params: ap(""), want: Compliant},
		{name: "OKDefaultsNoInsufficient", ci: cwAlarmItem("b", cwTopic, cwNoActions, cwTopic, true),
			params: ap(""), want: NonCompliant, annotation: "INSUFFICIENT_DATA"},
		{name: "OKDefaultsNoAlarmAction", ci: cwAlarmItem("c", cwNoActions, cwOps, cwNoActions, true),
			params: ap(""), want: NonCompliant, annotation: "ALARM"},
		{name: "OKNoActions", ci: cwAlarmItem("n", cwNoActions, cwNoActions, cwNoActions, true),
			params: ap(""), want: NonCompliant, annotation: "ALARM, INSUFFICIENT_DATA"},
		{name: "OKBlankAction", ci: cwAlarmItem("k", `[" "]`, cwOps, cwNoActions, true), params: ap(""), want: NonCompliant, annotation: "ALARM"},
		{name: "OKMissingLists", ci: item(cloudWatchAlarm, "m", `{"alarmName":"m"}`, nil), params: ap(""), want: NonCompliant},
		// Each *Required parameter.
		{name: "OKAlarmNotRequired", ci: cwAlarmItem("d", cwNoActions, cwOps, cwNoActions, true),
			params: ap(`"alarmActionRequired":"false"`), want: Compliant},
		{name: "OKInsufficientNotRequired", ci: cwAlarmItem("e", cwTopic, cwNoActions, cwNoActions, true),
			params: ap(`"insufficientDataActionRequired":"FALSE"`), want: Compliant},
		{name: "OKOkRequired", ci: cwAlarmItem("f", cwTopic, cwOps, cwNoActions, true),
			params: ap(`"okActionRequired":"true"`), want: NonCompliant, annotation: "the OK state"},
		{name: "OKOkRequiredPresent", ci: all, params: ap(`"okActionRequired":"True"`), want: Compliant},
		// OK actions written with other casings read the same.
		{name: "OKOkActionsCasing", ci: item(cloudWatchAlarm, "g",
			`{"alarmActions":["x"],"insufficientDataActions":["y"],"oKActions":["z"]}`, nil),
			params: ap(`"okActionRequired":"true"`), want: Compliant},
		{name: "OKNothingRequired", ci: cwAlarmItem("h", cwNoActions, cwNoActions, cwNoActions, true),
			params: ap(`"alarmActionRequired":"false","insufficientDataActionRequired":"false"`), want: Compliant},
		// Named ARNs, action1 … action5.
		{name: "OKAction1Matches", ci: cwAlarmItem("i", cwTopic, cwOps, cwNoActions, true),
			params: ap(`"action1":"` + cwTestTopic + `"`), want: Compliant},
		{name: "OKAction5MatchesInsufficient", ci: cwAlarmItem("j", cwTopic, cwOps, cwNoActions, true),
			params: ap(`"action5":"` + cwTestOps + `"`), want: Compliant},
		{name: "OKActionMatchesOK", ci: cwAlarmItem("o", `["arn:other"]`, `["arn:other"]`, cwTopic, true),
			params: ap(`"action3":"` + cwTestTopic + `"`), want: Compliant},
		{name: "OKActionNoMatch", ci: cwAlarmItem("l", cwTopic, cwTopic, cwNoActions, true),
			params: ap(`"action1":"` + cwTestOps + `","action2":"arn:aws:sns:us-east-1:123456789012:other"`),
			want:   NonCompliant, annotation: cwTestOps},
		{name: "OKActionCaseSensitive", ci: cwAlarmItem("p", cwTopic, cwOps, cwNoActions, true),
			params: ap(`"action4":"arn:aws:sns:us-east-1:123456789012:ALERTS"`), want: NonCompliant},
		{name: "OKActionButStateMissing", ci: cwAlarmItem("q", cwNoActions, cwOps, cwNoActions, true),
			params: ap(`"action1":"` + cwTestOps + `"`), want: NonCompliant, annotation: "ALARM"},
		{name: "OKDeleted", ci: deletedItem(cwAlarmItem("z", cwNoActions, cwNoActions, cwNoActions, true)), params: ap(""), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::SNS::Topic", "t", `{}`, nil), params: ap(""), want: NotApplicable},
	})
}

// TestCloudWatchAlarmActionCheckPeriodic: without a changed item the rule
// evaluates every recorded alarm.
func TestCloudWatchAlarmActionCheckPeriodic(t *testing.T) {
	inv := &memInventory{items: []*configd.ConfigurationItem{
		cwAlarmItem("good", cwTopic, cwOps, cwNoActions, true),
		cwAlarmItem("bad", cwNoActions, cwNoActions, cwNoActions, true),
		deletedItem(cwAlarmItem("gone", cwNoActions, cwNoActions, cwNoActions, true)),
		item("AWS::S3::Bucket", "bucket", `{}`, nil),
	}}
	p, err := Parameters("CLOUDWATCH_ALARM_ACTION_CHECK",
		`{"alarmActionRequired":"true","insufficientDataActionRequired":"true","okActionRequired":"false"}`)
	if err != nil {
		t.Fatal(err)
	}
	wantVerdicts(t, "CLOUDWATCH_ALARM_ACTION_CHECK", Input{Inventory: inv, Params: p, Now: testNow},
		map[string]string{"good": Compliant, "bad": NonCompliant, "gone": NotApplicable})
}

func TestCloudWatchAlarmActionEnabledCheck(t *testing.T) {
	runRuleCases(t, "CLOUDWATCH_ALARM_ACTION_ENABLED_CHECK", []ruleCase{
		{name: "OKEnabled", ci: cwAlarmItem("a", cwTopic, cwOps, cwNoActions, true), want: Compliant},
		{name: "OKEnabledNoActions", ci: cwAlarmItem("n", cwNoActions, cwNoActions, cwNoActions, true), want: Compliant},
		{name: "OKDisabled", ci: cwAlarmItem("b", cwTopic, cwOps, cwTopic, false), want: NonCompliant, annotation: "disabled"},
		{name: "OKDisabledString", ci: item(cloudWatchAlarm, "s", `{"actionsEnabled":"false"}`, nil), want: NonCompliant},
		{name: "OKEnabledString", ci: item(cloudWatchAlarm, "t", `{"actionsEnabled":"true"}`, nil), want: Compliant},
		{name: "OKNotRecorded", ci: item(cloudWatchAlarm, "m", `{"alarmName":"m"}`, nil), want: NonCompliant, annotation: "not recorded"},
		{name: "OKDeleted", ci: deletedItem(cwAlarmItem("d", cwTopic, cwOps, cwNoActions, false)), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::SNS::Topic", "x", `{}`, nil), want: NotApplicable},
	})
}

func TestCloudWatchAlarmSettingsCheck(t *testing.T) {
	cpu := cwAlarmItem("cpu", cwTopic, cwOps, cwNoActions, true) // period 300, 2 periods, >= 80.0, Average
	p := func(extra string) string {
		if extra == "" {
			return `{"metricName":"CPUUtilization"}`
		}
		return `{"metricName":"CPUUtilization",` + extra + `}`
	}
	runRuleCases(t, "CLOUDWATCH_ALARM_SETTINGS_CHECK", []ruleCase{
		// metricName alone: period's default 300 is compared.
		{name: "OKMetricOnly", ci: cpu, params: p(""), want: Compliant},
		{name: "OKDefaultPeriodDiffers", ci: item(cloudWatchAlarm, "p60", `{"metricName":"CPUUtilization","period":60}`, nil),
			params: p(""), want: NonCompliant, annotation: "period is 60, not 300"},
		{name: "OKOtherMetric", ci: cpu, params: `{"metricName":"NetworkIn"}`, want: NotApplicable},
		{name: "OKMetricCaseSensitive", ci: cpu, params: `{"metricName":"cpuutilization"}`, want: NotApplicable},
		{name: "OKMetricMath", ci: item(cloudWatchAlarm, "math", `{"metrics":[{"id":"m1"}],"period":300}`, nil),
			params: p(""), want: NotApplicable},
		// threshold.
		{name: "OKThresholdEqual", ci: cpu, params: p(`"threshold":"80"`), want: Compliant},
		{name: "OKThresholdDiffers", ci: cpu, params: p(`"threshold":"90"`), want: NonCompliant, annotation: "threshold is 80.0, not 90"},
		{name: "OKThresholdMissing", ci: item(cloudWatchAlarm, "nt", `{"metricName":"CPUUtilization","period":300}`, nil),
			params: p(`"threshold":"80"`), want: NonCompliant, annotation: "threshold is not set"},
		// evaluationPeriods.
		{name: "OKEvaluationPeriodsEqual", ci: cpu, params: p(`"evaluationPeriods":"2"`), want: Compliant},
		{name: "OKEvaluationPeriodsDiffer", ci: cpu, params: p(`"evaluationPeriods":"3"`), want: NonCompliant, annotation: "evaluationPeriods is 2, not 3"},
		// period.
		{name: "OKPeriodEqual", ci: cpu, params: p(`"period":"300"`), want: Compliant},
		{name: "OKPeriodDiffers", ci: cpu, params: p(`"period":"60"`), want: NonCompliant, annotation: "period is 300, not 60"},
		// comparisonOperator.
		{name: "OKOperatorEqual", ci: cpu, params: p(`"comparisonOperator":"greaterThanOrEqualToThreshold"`), want: Compliant},
		{name: "OKOperatorDiffers", ci: cpu, params: p(`"comparisonOperator":"GreaterThanThreshold"`), want: NonCompliant,
			annotation: "comparisonOperator is GreaterThanOrEqualToThreshold, not GreaterThanThreshold"},
		// statistic.
		{name: "OKStatisticEqual", ci: cpu, params: p(`"statistic":"average"`), want: Compliant},
		{name: "OKStatisticDiffers", ci: cpu, params: p(`"statistic":"Sum"`), want: NonCompliant, annotation: "statistic is Average, not Sum"},
		{name: "OKExtendedStatistic", ci: item(cloudWatchAlarm, "p99", `{"metricName":"CPUUtilization","period":300,"extendedStatistic":"p99"}`, nil),
			params: p(`"statistic":"p99"`), want: Compliant},
		// Several mismatches are all named.
		{name: "OKAllDiffer", ci: cpu,
			params: p(`"threshold":"1","evaluationPeriods":"1","period":"60","comparisonOperator":"LessThanThreshold","statistic":"Maximum"`),
			want:   NonCompliant, annotation: "threshold is 80.0, not 1; evaluationPeriods is 2, not 1; period is 300, not 60"},
		{name: "OKAllMatch", ci: cpu,
			params: p(`"threshold":"80","evaluationPeriods":"2","period":"300","comparisonOperator":"GreaterThanOrEqualToThreshold","statistic":"Average"`),
			want:   Compliant},
		{name: "OKDeleted", ci: deletedItem(cwAlarmItem("d", cwTopic, cwOps, cwNoActions, true)), params: p(""), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::SNS::Topic", "x", `{}`, nil), params: p(""), want: NotApplicable},
	})
}
