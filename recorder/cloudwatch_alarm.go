package recorder

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/configd/configd"
)

func init() { register(cloudWatchAlarms{}) }

// cloudWatchAlarms discovers AWS::CloudWatch::Alarm: the metric alarms of
// the region, in the shape AWS Config records them, DescribeAlarms'
// MetricAlarm with lowerCamel keys, null members left out:
//
//	resourceId = resourceName = the alarm name, arn the AlarmArn,
//	availabilityZone "Not Applicable", no resourceCreationTime,
//	configuration {"alarmName","alarmArn","alarmDescription",
//	  "alarmConfigurationUpdatedTimestamp":1564056730892,"actionsEnabled":true,
//	  "alarmActions":[…],"insufficientDataActions":[…],"okactions":[…],
//	  "metricName","namespace","statistic","dimensions":[{"name","value"}],
//	  "period":300,"evaluationPeriods":2,"threshold":10000,
//	  "comparisonOperator","metrics":[]}
//
// Verified against a configuration item AWS Config recorded for an alarm
// (test data of aws-solutions/workload-discovery-on-aws, formerly AWS
// Perspective, which stores AWS Config items as they come): the resource
// id and name are the alarm name, the availability zone "Not Applicable",
// there is no resourceCreationTime and no supplementary configuration; the
// configuration has exactly the keys alarmName, alarmArn,
// alarmDescription, alarmConfigurationUpdatedTimestamp (epoch
// milliseconds, a number, not a date string), actionsEnabled,
// alarmActions, insufficientDataActions, metricName, namespace,
// statistic, dimensions [{"name","value"}], period, evaluationPeriods,
// threshold, comparisonOperator, metrics ([] for a single-metric alarm) and
// okactions: all lower case, the way AWS Config's serializer names the
// SDK's OKActions (not "oKActions", not "okActions"). The three action
// lists, dimensions and metrics are written even when empty; members the
// API leaves null are absent. No state member (stateValue, stateReason,
// stateReasonData, stateUpdatedTimestamp, stateTransitionedTimestamp) is
// recorded, so a state flip is not a configuration change. The property
// list AWS Config publishes for the type (awslabs/aws-config-resource-schema,
// config/properties/resource-types/AWS::CloudWatch::Alarm.properties.json)
// agrees, and adds datapointsToAlarm, evaluateLowSampleCountPercentile,
// extendedStatistic, thresholdMetricId, treatMissingData and unit, written
// here when set.
//
// Derived (no AWS Config item showing them was found):
//   - the shape of a metric math alarm's metrics elements: MetricDataQuery
//     in lowerCamel, null members left out, {"id","expression","label",
//     "returnData","period","accountId","metricStat":{"metric":{"namespace",
//     "metricName","dimensions"},"period","stat","unit"}};
//   - the item's tags, from ListTagsForResource (the configuration has no
//     tags key, as in AWS's item);
//   - no relationships (AWS's item shows none), and list order as the API
//     returns it (CloudWatch keeps the order the alarm was put with, so an
//     unchanged alarm gives byte-identical configuration).
//
// threshold is written as a JSON number (10000 where AWS writes 10000.0:
// the same value).
//
// Composite alarms are not recorded: AWS Config has no resource type for
// them (AWS::CloudWatch::Alarm's property list has no alarmRule, and there
// is no AWS::CloudWatch::CompositeAlarm among its resource types), so
// DescribeAlarms is asked for metric alarms only. Left out as well: the
// volatile evaluationState and the members newer than AWS Config's
// property list (actionConfiguration, evaluationCriteria,
// evaluationInterval, evaluationWindow, warmUpConfiguration).
type cloudWatchAlarms struct{}

func (cloudWatchAlarms) ResourceType() string { return "AWS::CloudWatch::Alarm" }
func (cloudWatchAlarms) Global() bool         { return false }

func (d cloudWatchAlarms) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := cloudWatchClient(cfg)
	p := cloudwatch.NewDescribeAlarmsPaginator(client, &cloudwatch.DescribeAlarmsInput{
		AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe alarms: %w", err)
		}
		if err := emitEach(len(page.MetricAlarms), func(i int) (*configd.ConfigurationItem, error) {
			return d.item(ctx, client, scope, &page.MetricAlarms[i])
		}, emit); err != nil {
			return err
		}
	}
	return nil
}

// cloudWatchAPIVersion is the CloudWatch API version the awsQuery protocol
// sends.
const cloudWatchAPIVersion = "2010-08-01"

// cloudWatchClient returns a CloudWatch client that speaks the awsQuery
// protocol (form-encoded requests, XML responses) rather than the SDK's
// default Smithy RPC v2 CBOR. CloudWatch serves both (its API model lists
// rpcv2Cbor, awsJson1_0 and awsQuery, and every older SDK uses awsQuery),
// and the emulators configd is tested against (moto 5.2) answer only
// awsQuery: with CBOR, moto returns 404 for every call. The operations and
// their results are the same.
func cloudWatchClient(cfg aws.Config) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) {
		o.Protocol = awsquery.New(smithy.NewServiceSchema(nil, cloudWatchAPIVersion))
	})
}

// item reads the alarm's tags and builds its item; nil when the alarm was
// deleted between the listing and the read.
func (d cloudWatchAlarms) item(ctx context.Context, client *cloudwatch.Client, scope configd.Scope, a *cwtypes.MetricAlarm) (*configd.ConfigurationItem, error) {
	name := str(a.AlarmName)
	if name == "" {
		return nil, nil
	}
	arn := str(a.AlarmArn)
	if arn == "" {
		arn = scope.ARN("cloudwatch", "alarm:"+name)
	}
	out, err := client.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: &arn})
	if isCode(err, "ResourceNotFoundException") || isCode(err, "ResourceNotFound") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list tags for alarm %s: %w", name, err)
	}
	ci := newItem(d.ResourceType(), name, name, arn, scope.Region, azNotApplicable)
	for k, v := range tagMap(out.Tags, func(t cwtypes.Tag) (*string, *string) { return t.Key, t.Value }) {
		ci.Tags[k] = v
	}
	ci.Configuration = encode(cloudWatchAlarmConfiguration(a, name, arn))
	finish(ci)
	return ci, nil
}

// cloudWatchAlarmConfiguration renders a DescribeAlarms MetricAlarm as
// AWS Config does (see cloudWatchAlarms).
func cloudWatchAlarmConfiguration(a *cwtypes.MetricAlarm, name, arn string) map[string]any {
	conf := map[string]any{
		"alarmName":               name,
		"alarmArn":                arn,
		"alarmActions":            cwList(a.AlarmActions),
		"insufficientDataActions": cwList(a.InsufficientDataActions),
		"okactions":               cwList(a.OKActions),
		"dimensions":              cwDimensions(a.Dimensions),
		"metrics":                 cwMetrics(a.Metrics),
	}
	setStr := func(key, v string) {
		if v != "" {
			conf[key] = v
		}
	}
	setInt := func(key string, v *int32) {
		if v != nil {
			conf[key] = int64(*v)
		}
	}
	setStr("alarmDescription", str(a.AlarmDescription))
	if t := a.AlarmConfigurationUpdatedTimestamp; t != nil && !t.IsZero() {
		conf["alarmConfigurationUpdatedTimestamp"] = t.UnixMilli()
	}
	if a.ActionsEnabled != nil {
		conf["actionsEnabled"] = *a.ActionsEnabled
	}
	setStr("metricName", str(a.MetricName))
	setStr("namespace", str(a.Namespace))
	setStr("statistic", string(a.Statistic))
	setStr("extendedStatistic", str(a.ExtendedStatistic))
	setStr("unit", string(a.Unit))
	setInt("period", a.Period)
	setInt("evaluationPeriods", a.EvaluationPeriods)
	setInt("datapointsToAlarm", a.DatapointsToAlarm)
	if a.Threshold != nil {
		conf["threshold"] = *a.Threshold
	}
	setStr("comparisonOperator", string(a.ComparisonOperator))
	setStr("treatMissingData", str(a.TreatMissingData))
	setStr("evaluateLowSampleCountPercentile", str(a.EvaluateLowSampleCountPercentile))
	setStr("thresholdMetricId", str(a.ThresholdMetricId))
	return conf
}

// cwList copies a list of strings, never nil (so that it encodes as []).
func cwList(list []string) []string {
	return append([]string{}, list...)
}

// cwDimensions renders dimensions as [{"name","value"}], in the API's order.
func cwDimensions(dims []cwtypes.Dimension) []any {
	out := make([]any, 0, len(dims))
	for _, d := range dims {
		out = append(out, map[string]any{"name": str(d.Name), "value": str(d.Value)})
	}
	return out
}

// cwMetrics renders the metric math queries of an alarm, null members left
// out; [] for a single-metric alarm.
func cwMetrics(queries []cwtypes.MetricDataQuery) []any {
	out := make([]any, 0, len(queries))
	for _, q := range queries {
		m := map[string]any{"id": str(q.Id)}
		if v := str(q.Expression); v != "" {
			m["expression"] = v
		}
		if v := str(q.Label); v != "" {
			m["label"] = v
		}
		if v := str(q.AccountId); v != "" {
			m["accountId"] = v
		}
		if q.ReturnData != nil {
			m["returnData"] = *q.ReturnData
		}
		if q.Period != nil {
			m["period"] = int64(*q.Period)
		}
		if s := q.MetricStat; s != nil {
			stat := map[string]any{}
			if s.Metric != nil {
				metric := map[string]any{"dimensions": cwDimensions(s.Metric.Dimensions)}
				if v := str(s.Metric.Namespace); v != "" {
					metric["namespace"] = v
				}
				if v := str(s.Metric.MetricName); v != "" {
					metric["metricName"] = v
				}
				stat["metric"] = metric
			}
			if s.Period != nil {
				stat["period"] = int64(*s.Period)
			}
			if v := str(s.Stat); v != "" {
				stat["stat"] = v
			}
			if s.Unit != "" {
				stat["unit"] = string(s.Unit)
			}
			m["metricStat"] = stat
		}
		out = append(out, m)
	}
	return out
}
