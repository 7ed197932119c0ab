package recorder

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/configd/configd"
)

const cloudWatchAlarmType = "AWS::CloudWatch::Alarm"

const (
	cwTopicARN = "arn:aws:sns:us-east-1:" + motoAccount + ":alerts"
	cwOpsARN   = "arn:aws:sns:us-east-1:" + motoAccount + ":ops"
)

// cwHighCPU is the PutMetricAlarm input of the alarm "high-cpu": actions
// for all three states, two dimensions, a description, tags.
func cwHighCPU(threshold float64) *cloudwatch.PutMetricAlarmInput {
	return &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("high-cpu"), AlarmDescription: aws.String("CPU above threshold"),
		ActionsEnabled: aws.Bool(true),
		AlarmActions:   []string{cwTopicARN, cwOpsARN}, OKActions: []string{cwTopicARN},
		InsufficientDataActions: []string{cwOpsARN},
		MetricName:              aws.String("CPUUtilization"), Namespace: aws.String("AWS/EC2"),
		Statistic: cwtypes.StatisticAverage, Period: aws.Int32(300), EvaluationPeriods: aws.Int32(2),
		DatapointsToAlarm: aws.Int32(2), Threshold: aws.Float64(threshold),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold,
		TreatMissingData:   aws.String("notBreaching"),
		Dimensions: []cwtypes.Dimension{
			{Name: aws.String("InstanceId"), Value: aws.String("i-0123456789abcdef0")},
			{Name: aws.String("AutoScalingGroupName"), Value: aws.String("web")},
		},
		Tags: []cwtypes.Tag{{Key: aws.String("team"), Value: aws.String("ops")}, {Key: aws.String("env"), Value: aws.String("prod")}},
	}
}

// seedCloudWatchAlarms creates "high-cpu" and the plain alarm "plain" (no
// actions, no dimensions, no description, no tags).
func seedCloudWatchAlarms(t *testing.T, c *cloudwatch.Client) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("seed: %v", r)
		}
	}()
	ctx := context.Background()
	must(c.PutMetricAlarm(ctx, cwHighCPU(80)))
	must(c.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("plain"),
		MetricName: aws.String("Errors"), Namespace: aws.String("AWS/Lambda"), Statistic: cwtypes.StatisticSum,
		Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold}))
}

// TestCloudWatchAlarmMoto records alarms from moto, polls without changes,
// flips an alarm's state, changes its threshold and deletes the other.
func TestCloudWatchAlarmMoto(t *testing.T) {
	_, cfg := motoConfig(t)
	c := cloudWatchClient(cfg)
	seedCloudWatchAlarms(t, c)
	sink := newMemSink()
	clock := &fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ctx := context.Background()
	arn := func(name string) string { return "arn:aws:cloudwatch:us-east-1:" + motoAccount + ":alarm:" + name }

	t.Run("OK", func(t *testing.T) {
		if r := pollOne(t, cfg, sink, clock, cloudWatchAlarmType); r.Discovered != 2 || r.Changed != 2 || r.Deleted != 0 {
			t.Errorf("report %+v", r)
		}
		ci := latestOrFatal(t, sink, cloudWatchAlarmType, "high-cpu")
		if ci.Status != configd.CIStatusResourceDiscovered || ci.AccountID != motoAccount || ci.Region != "us-east-1" ||
			ci.ARN != arn("high-cpu") || ci.AvailabilityZone != "Not Applicable" || ci.ResourceName != "high-cpu" ||
			!ci.ResourceCreationTime.IsZero() || len(ci.Relationships) != 0 || len(ci.SupplementaryConfiguration) != 0 {
			t.Errorf("item header: status %s account %s region %s arn %s az %q name %q created %v rels %v supp %v",
				ci.Status, ci.AccountID, ci.Region, ci.ARN, ci.AvailabilityZone, ci.ResourceName, ci.ResourceCreationTime,
				ci.Relationships, ci.SupplementaryConfiguration)
		}
		if len(ci.Tags) != 2 || ci.Tags["team"] != "ops" || ci.Tags["env"] != "prod" {
			t.Errorf("tags %v", ci.Tags)
		}
		t.Logf("configuration of high-cpu: %s", ci.Configuration)

		conf := decode(t, ci.Configuration)
		ts, ok := conf["alarmConfigurationUpdatedTimestamp"].(float64)
		if !ok || ts < 1e12 {
			t.Errorf("alarmConfigurationUpdatedTimestamp %v: want epoch milliseconds", conf["alarmConfigurationUpdatedTimestamp"])
		}
		delete(conf, "alarmConfigurationUpdatedTimestamp")
		want := `{"actionsEnabled":true,"alarmActions":["` + cwTopicARN + `","` + cwOpsARN + `"],"alarmArn":"` + arn("high-cpu") + `",` +
			`"alarmDescription":"CPU above threshold","alarmName":"high-cpu","comparisonOperator":"GreaterThanOrEqualToThreshold",` +
			`"datapointsToAlarm":2,"dimensions":[{"name":"InstanceId","value":"i-0123456789abcdef0"},{"name":"AutoScalingGroupName","value":"web"}],` +
			`"evaluationPeriods":2,"insufficientDataActions":["` + cwOpsARN + `"],"metricName":"CPUUtilization","metrics":[],` +
			`"namespace":"AWS/EC2","okactions":["` + cwTopicARN + `"],"period":300,"statistic":"Average","threshold":80,` +
			`"treatMissingData":"notBreaching"}`
		if got := string(must(json.Marshal(conf))); got != want {
			t.Errorf("configuration\n got %s\nwant %s", got, want)
		}

		plain := latestOrFatal(t, sink, cloudWatchAlarmType, "plain")
		if plain.ARN != arn("plain") || plain.ResourceName != "plain" || len(plain.Tags) != 0 {
			t.Errorf("plain item %+v", plain)
		}
		pc := decode(t, plain.Configuration)
		delete(pc, "alarmConfigurationUpdatedTimestamp")
		wantPlain := `{"actionsEnabled":true,"alarmActions":[],"alarmArn":"` + arn("plain") + `","alarmName":"plain",` +
			`"comparisonOperator":"GreaterThanThreshold","dimensions":[],"evaluationPeriods":1,"insufficientDataActions":[],` +
			`"metricName":"Errors","metrics":[],"namespace":"AWS/Lambda","okactions":[],"period":60,"statistic":"Sum","threshold":1}`
		if got := string(must(json.Marshal(pc))); got != wantPlain {
			t.Errorf("plain configuration\n got %s\nwant %s", got, wantPlain)
		}
	})

	t.Run("OKUnchanged", func(t *testing.T) {
		before := latestOrFatal(t, sink, cloudWatchAlarmType, "high-cpu").Configuration
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, cloudWatchAlarmType); r.Changed != 0 || r.Deleted != 0 || r.Discovered != 2 {
			t.Errorf("unchanged alarms: report %+v", r)
		}
		for _, id := range []string{"high-cpu", "plain"} {
			if h := sink.history(cloudWatchAlarmType, id); len(h) != 1 {
				t.Errorf("%s: history after an unchanged poll: %d versions", id, len(h))
			}
		}
		out := must(c.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"high-cpu"}}))
		if len(out.MetricAlarms) != 1 {
			t.Fatalf("describe high-cpu: %+v", out)
		}
		again, err := cloudWatchAlarms{}.item(ctx, c, motoScope, &out.MetricAlarms[0])
		if err != nil || again == nil || again.Configuration != before {
			t.Errorf("re-read configuration differs (%v):\n%+v\n%s", err, again, before)
		}
	})

	t.Run("OKStateChangeNotRecorded", func(t *testing.T) {
		need[*cloudwatch.SetAlarmStateOutput](t)(c.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("high-cpu"),
			StateValue: cwtypes.StateValueAlarm, StateReason: aws.String("testing")}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, cloudWatchAlarmType); r.Changed != 0 || r.Deleted != 0 {
			t.Errorf("state flip: report %+v", r)
		}
		if h := sink.history(cloudWatchAlarmType, "high-cpu"); len(h) != 1 {
			t.Errorf("history after a state flip: %d versions", len(h))
		}
	})

	t.Run("OKChanged", func(t *testing.T) {
		need[*cloudwatch.PutMetricAlarmOutput](t)(c.PutMetricAlarm(ctx, cwHighCPU(90)))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, cloudWatchAlarmType); r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("one changed alarm: report %+v", r)
		}
		h := sink.history(cloudWatchAlarmType, "high-cpu")
		if len(h) != 2 || h[1].Status != configd.CIStatusOK || !h[1].CaptureTime.Equal(clock.t) {
			t.Fatalf("history: %d versions", len(h))
		}
		if conf := decode(t, h[1].Configuration); conf["threshold"] != float64(90) {
			t.Errorf("changed threshold: %v", conf["threshold"])
		}
		d := Diff(h[0], h[1])
		if d.ChangeType != ChangeUpdate {
			t.Errorf("diff = %s", canonical(d))
		}
		if _, ok := d.ChangedProperties["Configuration.Threshold"]; !ok {
			t.Errorf("diff does not name the threshold: %s", canonical(d))
		}
		if h := sink.history(cloudWatchAlarmType, "plain"); len(h) != 1 {
			t.Errorf("plain: %d versions", len(h))
		}
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, cloudWatchAlarmType); r.Changed != 0 || r.Deleted != 0 {
			t.Errorf("repeated poll: report %+v", r)
		}
	})

	t.Run("OKDeleted", func(t *testing.T) {
		need[*cloudwatch.DeleteAlarmsOutput](t)(c.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"plain"}}))
		wantDeletedOnce(t, cfg, sink, clock, cloudWatchAlarmType, "plain", 2)
	})
}

// TestCloudWatchAlarmConfigurationShape: members moto does not return (a
// metric math alarm, extended statistics, units, null actionsEnabled) render
// as documented; state members are never written.
func TestCloudWatchAlarmConfigurationShape(t *testing.T) {
	updated := time.Date(2019, 7, 25, 12, 12, 10, 892e6, time.UTC)
	a := &cwtypes.MetricAlarm{
		AlarmName: aws.String("math"), AlarmConfigurationUpdatedTimestamp: &updated,
		ExtendedStatistic: aws.String("p99"), Unit: cwtypes.StandardUnitPercent,
		EvaluationPeriods: aws.Int32(3), ThresholdMetricId: aws.String("ad1"),
		EvaluateLowSampleCountPercentile: aws.String("ignore"),
		ComparisonOperator:               cwtypes.ComparisonOperatorLessThanLowerOrGreaterThanUpperThreshold,
		Metrics: []cwtypes.MetricDataQuery{
			{Id: aws.String("m1"), ReturnData: aws.Bool(true), MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String("AWS/EC2"), MetricName: aws.String("CPUUtilization"),
					Dimensions: []cwtypes.Dimension{{Name: aws.String("InstanceId"), Value: aws.String("i-1")}}},
				Period: aws.Int32(60), Stat: aws.String("Average"), Unit: cwtypes.StandardUnitPercent}},
			{Id: aws.String("ad1"), Expression: aws.String("ANOMALY_DETECTION_BAND(m1, 2)"), Label: aws.String("band"), AccountId: aws.String(motoAccount)},
		},
		StateValue: cwtypes.StateValueAlarm, StateReason: aws.String("r"), StateReasonData: aws.String("{}"),
		StateUpdatedTimestamp: &updated, StateTransitionedTimestamp: &updated,
		EvaluationState: cwtypes.EvaluationStatePartialData,
	}
	got := encode(cloudWatchAlarmConfiguration(a, "math", "arn:aws:cloudwatch:us-east-1:"+motoAccount+":alarm:math"))
	want := `{"alarmActions":[],"alarmArn":"arn:aws:cloudwatch:us-east-1:` + motoAccount + `:alarm:math",` +
		`"alarmConfigurationUpdatedTimestamp":1564056730892,"alarmName":"math",` +
		`"comparisonOperator":"LessThanLowerOrGreaterThanUpperThreshold","dimensions":[],"evaluateLowSampleCountPercentile":"ignore",` +
		`"evaluationPeriods":3,"extendedStatistic":"p99","insufficientDataActions":[],` +
		`"metrics":[{"id":"m1","metricStat":{"metric":{"dimensions":[{"name":"InstanceId","value":"i-1"}],"metricName":"CPUUtilization","namespace":"AWS/EC2"},` +
		`"period":60,"stat":"Average","unit":"Percent"},"returnData":true},` +
		`{"accountId":"` + motoAccount + `","expression":"ANOMALY_DETECTION_BAND(m1, 2)","id":"ad1","label":"band"}],` +
		`"okactions":[],"thresholdMetricId":"ad1","unit":"Percent"}`
	if got != want {
		t.Errorf("configuration\n got %s\nwant %s", got, want)
	}
}
