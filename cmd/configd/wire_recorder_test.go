package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

func putRecorder(t *testing.T, c *cs.Client, name string) {
	t.Helper()
	_, err := c.PutConfigurationRecorder(ctx, &cs.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{
		Name: aws.String(name), RoleARN: aws.String("arn:aws:iam::111111111111:role/config"),
		RecordingGroup: &types.RecordingGroup{AllSupported: true, IncludeGlobalResourceTypes: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

func putChannel(t *testing.T, c *cs.Client) {
	t.Helper()
	if _, err := c.PutDeliveryChannel(ctx, &cs.PutDeliveryChannelInput{DeliveryChannel: &types.DeliveryChannel{Name: aws.String("default"), S3BucketName: aws.String("bucket"), S3KeyPrefix: aws.String("pre")}}); err != nil {
		t.Fatal(err)
	}
}

// startRecording sets up a recorder and channel and starts recording.
func startRecording(t *testing.T, c *cs.Client) {
	t.Helper()
	putRecorder(t, c, "default")
	putChannel(t, c)
	if _, err := c.StartConfigurationRecorder(ctx, &cs.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")}); err != nil {
		t.Fatal(err)
	}
}

func TestRecorderLifecycle(t *testing.T) {
	s := startServer(t)
	c := s.clientA()

	t.Run("ErrDescribeUnknown", func(t *testing.T) {
		_, err := c.DescribeConfigurationRecorders(ctx, &cs.DescribeConfigurationRecordersInput{ConfigurationRecorderNames: []string{"nope"}})
		wantCode(t, err, "NoSuchConfigurationRecorderException", "Cannot find configuration recorder with the specified name 'nope'.")
	})
	t.Run("OKEmpty", func(t *testing.T) {
		out := must[*cs.DescribeConfigurationRecordersOutput](t)(c.DescribeConfigurationRecorders(ctx, &cs.DescribeConfigurationRecordersInput{}))
		if out.ConfigurationRecorders == nil || len(out.ConfigurationRecorders) != 0 {
			t.Fatalf("recorders = %#v, want empty list", out.ConfigurationRecorders)
		}
	})
	putRecorder(t, c, "default")
	var arn string
	t.Run("OKDescribe", func(t *testing.T) {
		out := must[*cs.DescribeConfigurationRecordersOutput](t)(c.DescribeConfigurationRecorders(ctx, &cs.DescribeConfigurationRecordersInput{}))
		if len(out.ConfigurationRecorders) != 1 {
			t.Fatalf("got %d recorders", len(out.ConfigurationRecorders))
		}
		r := out.ConfigurationRecorders[0]
		arn = aws.ToString(r.Arn)
		if aws.ToString(r.Name) != "default" || !strings.HasPrefix(arn, "arn:aws:config:us-east-1:111111111111:configuration-recorder/default/") ||
			!r.RecordingGroup.AllSupported || r.RecordingGroup.RecordingStrategy.UseOnly != types.RecordingStrategyTypeAllSupportedResourceTypes ||
			r.RecordingMode.RecordingFrequency != types.RecordingFrequencyContinuous || r.RecordingScope != types.RecordingScopePaid {
			t.Fatalf("recorder = %+v", r)
		}
	})
	t.Run("OKUpdateKeepsARN", func(t *testing.T) {
		_, err := c.PutConfigurationRecorder(ctx, &cs.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{
			Name: aws.String("default"), RoleARN: aws.String("arn:aws:iam::111111111111:role/other"),
			RecordingGroup: &types.RecordingGroup{ResourceTypes: []types.ResourceType{types.ResourceTypeBucket}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		out := must[*cs.DescribeConfigurationRecordersOutput](t)(c.DescribeConfigurationRecorders(ctx, &cs.DescribeConfigurationRecordersInput{}))
		r := out.ConfigurationRecorders[0]
		if aws.ToString(r.Arn) != arn || r.RecordingGroup.RecordingStrategy.UseOnly != types.RecordingStrategyTypeInclusionByResourceTypes || r.RecordingGroup.ResourceTypes[0] != types.ResourceTypeBucket {
			t.Fatalf("recorder = %+v", r)
		}
	})
	t.Run("ErrSecondRecorder", func(t *testing.T) {
		_, err := c.PutConfigurationRecorder(ctx, &cs.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{Name: aws.String("second"), RoleARN: aws.String("arn:aws:iam::1:role/r")}})
		wantCode(t, err, "MaxNumberOfConfigurationRecordersExceededException", "Failed to put configuration recorder 'second' because the maximum number of configuration recorders: 1 is reached.")
	})
	t.Run("ErrInvalidRecordingGroup", func(t *testing.T) {
		for _, g := range []*types.RecordingGroup{
			{AllSupported: true, ResourceTypes: []types.ResourceType{types.ResourceTypeBucket}},
			{AllSupported: false, IncludeGlobalResourceTypes: true, ResourceTypes: []types.ResourceType{types.ResourceTypeBucket}},
			{RecordingStrategy: &types.RecordingStrategy{UseOnly: types.RecordingStrategyTypeExclusionByResourceTypes}},
			{RecordingStrategy: &types.RecordingStrategy{UseOnly: types.RecordingStrategyTypeInclusionByResourceTypes}},
		} {
			_, err := c.PutConfigurationRecorder(ctx, &cs.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{Name: aws.String("default"), RecordingGroup: g}})
			wantCode(t, err, "InvalidRecordingGroupException", "The recording group provided is not valid")
		}
	})
	t.Run("ErrValidation", func(t *testing.T) {
		_, err := c.PutConfigurationRecorder(ctx, &cs.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{Name: aws.String(strings.Repeat("n", 257))}})
		wantCode(t, err, "ValidationException", "1 validation error detected: Value '"+strings.Repeat("n", 257)+"' at 'configurationRecorder.name' failed to satisfy constraint: Member must have length less than or equal to 256")
	})
	t.Run("ErrStartWithoutChannel", func(t *testing.T) {
		_, err := c.StartConfigurationRecorder(ctx, &cs.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})
		wantCode(t, err, "NoAvailableDeliveryChannelException", "Delivery channel is not available to start configuration recorder.")
	})
	t.Run("ErrStartUnknown", func(t *testing.T) {
		_, err := c.StartConfigurationRecorder(ctx, &cs.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("nope")})
		wantCode(t, err, "NoSuchConfigurationRecorderException")
	})
	putChannel(t, c)
	t.Run("OKStartStop", func(t *testing.T) {
		must[*cs.StartConfigurationRecorderOutput](t)(c.StartConfigurationRecorder(ctx, &cs.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")}))
		st := must[*cs.DescribeConfigurationRecorderStatusOutput](t)(c.DescribeConfigurationRecorderStatus(ctx, &cs.DescribeConfigurationRecorderStatusInput{}))
		r := st.ConfigurationRecordersStatus[0]
		if !r.Recording || r.LastStartTime == nil || r.LastStopTime != nil || r.LastStatus != types.RecorderStatusPending || aws.ToString(r.Arn) != arn {
			t.Fatalf("status after start = %+v", r)
		}
		_, err := c.DeleteDeliveryChannel(ctx, &cs.DeleteDeliveryChannelInput{DeliveryChannelName: aws.String("default")})
		wantCode(t, err, "LastDeliveryChannelDeleteFailedException")
		must[*cs.StopConfigurationRecorderOutput](t)(c.StopConfigurationRecorder(ctx, &cs.StopConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")}))
		st = must[*cs.DescribeConfigurationRecorderStatusOutput](t)(c.DescribeConfigurationRecorderStatus(ctx, &cs.DescribeConfigurationRecorderStatusInput{ConfigurationRecorderNames: []string{"default"}}))
		r = st.ConfigurationRecordersStatus[0]
		if r.Recording || r.LastStopTime == nil || r.LastStopTime.Before(*r.LastStartTime) {
			t.Fatalf("status after stop = %+v", r)
		}
	})
	t.Run("OKList", func(t *testing.T) {
		out := must[*cs.ListConfigurationRecordersOutput](t)(c.ListConfigurationRecorders(ctx, &cs.ListConfigurationRecordersInput{}))
		if len(out.ConfigurationRecorderSummaries) != 1 || aws.ToString(out.ConfigurationRecorderSummaries[0].Arn) != arn || out.ConfigurationRecorderSummaries[0].RecordingScope != types.RecordingScopePaid {
			t.Fatalf("summaries = %+v", out.ConfigurationRecorderSummaries)
		}
		out = must[*cs.ListConfigurationRecordersOutput](t)(c.ListConfigurationRecorders(ctx, &cs.ListConfigurationRecordersInput{Filters: []types.ConfigurationRecorderFilter{{FilterName: types.ConfigurationRecorderFilterNameRecordingScope, FilterValue: []string{"INTERNAL"}}}}))
		if len(out.ConfigurationRecorderSummaries) != 0 {
			t.Fatalf("INTERNAL filter returned %+v", out.ConfigurationRecorderSummaries)
		}
	})
	t.Run("OKAssociateDisassociate", func(t *testing.T) {
		out := must[*cs.AssociateResourceTypesOutput](t)(c.AssociateResourceTypes(ctx, &cs.AssociateResourceTypesInput{ConfigurationRecorderArn: aws.String(arn), ResourceTypes: []types.ResourceType{types.ResourceTypeSecurityGroup}}))
		if got := out.ConfigurationRecorder.RecordingGroup.ResourceTypes; len(got) != 2 || got[1] != types.ResourceTypeSecurityGroup {
			t.Fatalf("after associate: %v", got)
		}
		dout := must[*cs.DisassociateResourceTypesOutput](t)(c.DisassociateResourceTypes(ctx, &cs.DisassociateResourceTypesInput{ConfigurationRecorderArn: aws.String(arn), ResourceTypes: []types.ResourceType{types.ResourceTypeBucket}}))
		if got := dout.ConfigurationRecorder.RecordingGroup.ResourceTypes; len(got) != 1 || got[0] != types.ResourceTypeSecurityGroup {
			t.Fatalf("after disassociate: %v", got)
		}
		_, err := c.AssociateResourceTypes(ctx, &cs.AssociateResourceTypesInput{ConfigurationRecorderArn: aws.String(arn + "x"), ResourceTypes: []types.ResourceType{types.ResourceTypeBucket}})
		wantCode(t, err, "NoSuchConfigurationRecorderException")
	})
	t.Run("OKServiceLinked", func(t *testing.T) {
		out := must[*cs.PutServiceLinkedConfigurationRecorderOutput](t)(c.PutServiceLinkedConfigurationRecorder(ctx, &cs.PutServiceLinkedConfigurationRecorderInput{ServicePrincipal: aws.String("securityhub.amazonaws.com")}))
		name := aws.ToString(out.Name)
		_, err := c.StopConfigurationRecorder(ctx, &cs.StopConfigurationRecorderInput{ConfigurationRecorderName: aws.String(name)})
		wantCode(t, err, "UnmodifiableEntityException")
		_, err = c.DeleteConfigurationRecorder(ctx, &cs.DeleteConfigurationRecorderInput{ConfigurationRecorderName: aws.String(name)})
		wantCode(t, err, "UnmodifiableEntityException")
		l := must[*cs.ListConfigurationRecordersOutput](t)(c.ListConfigurationRecorders(ctx, &cs.ListConfigurationRecordersInput{Filters: []types.ConfigurationRecorderFilter{{FilterName: types.ConfigurationRecorderFilterNameRecordingScope, FilterValue: []string{"INTERNAL"}}}}))
		if len(l.ConfigurationRecorderSummaries) != 1 || aws.ToString(l.ConfigurationRecorderSummaries[0].ServicePrincipal) != "securityhub.amazonaws.com" {
			t.Fatalf("INTERNAL recorders = %+v", l.ConfigurationRecorderSummaries)
		}
		d := must[*cs.DeleteServiceLinkedConfigurationRecorderOutput](t)(c.DeleteServiceLinkedConfigurationRecorder(ctx, &cs.DeleteServiceLinkedConfigurationRecorderInput{ServicePrincipal: aws.String("securityhub.amazonaws.com")}))
		if aws.ToString(d.Arn) != aws.ToString(out.Arn) {
			t.Fatalf("deleted %v, created %v", d.Arn, out.Arn)
		}
		_, err = c.DeleteServiceLinkedConfigurationRecorder(ctx, &cs.DeleteServiceLinkedConfigurationRecorderInput{ServicePrincipal: aws.String("securityhub.amazonaws.com")})
		wantCode(t, err, "NoSuchConfigurationRecorderException")
	})
	t.Run("OKDelete", func(t *testing.T) {
		must[*cs.DeleteConfigurationRecorderOutput](t)(c.DeleteConfigurationRecorder(ctx, &cs.DeleteConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")}))
		_, err := c.DeleteConfigurationRecorder(ctx, &cs.DeleteConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})
		wantCode(t, err, "NoSuchConfigurationRecorderException")
	})
}

func TestDeliveryChannels(t *testing.T) {
	s := startServer(t)
	c := s.clientA()
	t.Run("ErrNoRecorder", func(t *testing.T) {
		_, err := c.PutDeliveryChannel(ctx, &cs.PutDeliveryChannelInput{DeliveryChannel: &types.DeliveryChannel{Name: aws.String("default"), S3BucketName: aws.String("b")}})
		wantCode(t, err, "NoAvailableConfigurationRecorderException", "Configuration recorder is not available to put delivery channel.")
	})
	putRecorder(t, c, "default")
	t.Run("ErrNoBucket", func(t *testing.T) {
		_, err := c.PutDeliveryChannel(ctx, &cs.PutDeliveryChannelInput{DeliveryChannel: &types.DeliveryChannel{Name: aws.String("default")}})
		wantCode(t, err, "NoSuchBucketException", "Cannot find a S3 bucket with an empty bucket name.")
	})
	putChannel(t, c)
	t.Run("ErrSecondChannel", func(t *testing.T) {
		_, err := c.PutDeliveryChannel(ctx, &cs.PutDeliveryChannelInput{DeliveryChannel: &types.DeliveryChannel{Name: aws.String("other"), S3BucketName: aws.String("b")}})
		wantCode(t, err, "MaxNumberOfDeliveryChannelsExceededException")
	})
	t.Run("OKDescribe", func(t *testing.T) {
		out := must[*cs.DescribeDeliveryChannelsOutput](t)(c.DescribeDeliveryChannels(ctx, &cs.DescribeDeliveryChannelsInput{}))
		if len(out.DeliveryChannels) != 1 || aws.ToString(out.DeliveryChannels[0].S3BucketName) != "bucket" || aws.ToString(out.DeliveryChannels[0].S3KeyPrefix) != "pre" {
			t.Fatalf("channels = %+v", out.DeliveryChannels)
		}
		_, err := c.DescribeDeliveryChannels(ctx, &cs.DescribeDeliveryChannelsInput{DeliveryChannelNames: []string{"nope"}})
		wantCode(t, err, "NoSuchDeliveryChannelException", "Cannot find delivery channel with specified name 'nope'.")
	})
	t.Run("ErrSnapshotNotRecording", func(t *testing.T) {
		_, err := c.DeliverConfigSnapshot(ctx, &cs.DeliverConfigSnapshotInput{DeliveryChannelName: aws.String("default")})
		wantCode(t, err, "NoRunningConfigurationRecorderException")
	})
	t.Run("OKSnapshot", func(t *testing.T) {
		must[*cs.StartConfigurationRecorderOutput](t)(c.StartConfigurationRecorder(ctx, &cs.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")}))
		putThing(t, c, "thing-1", `{"size":1}`)
		out := must[*cs.DeliverConfigSnapshotOutput](t)(c.DeliverConfigSnapshot(ctx, &cs.DeliverConfigSnapshotInput{DeliveryChannelName: aws.String("default")}))
		items := readSnapshot(t, s, aws.ToString(out.ConfigSnapshotId))
		if len(items) != 1 || items[0].ResourceID != "thing-1" || items[0].Configuration != `{"size":1}` {
			t.Fatalf("snapshot items = %+v", items)
		}
		st := must[*cs.DescribeDeliveryChannelStatusOutput](t)(c.DescribeDeliveryChannelStatus(ctx, &cs.DescribeDeliveryChannelStatusInput{}))
		info := st.DeliveryChannelsStatus[0].ConfigSnapshotDeliveryInfo
		if info.LastStatus != types.DeliveryStatusSuccess || info.LastSuccessfulTime == nil {
			t.Fatalf("snapshot delivery info = %+v", info)
		}
	})
	t.Run("OKDelete", func(t *testing.T) {
		must[*cs.StopConfigurationRecorderOutput](t)(c.StopConfigurationRecorder(ctx, &cs.StopConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")}))
		must[*cs.DeleteDeliveryChannelOutput](t)(c.DeleteDeliveryChannel(ctx, &cs.DeleteDeliveryChannelInput{DeliveryChannelName: aws.String("default")}))
		_, err := c.DeleteDeliveryChannel(ctx, &cs.DeleteDeliveryChannelInput{DeliveryChannelName: aws.String("default")})
		wantCode(t, err, "NoSuchDeliveryChannelException")
	})
}

func TestRetention(t *testing.T) {
	s := startServer(t)
	c := s.clientA()
	t.Run("ErrRange", func(t *testing.T) {
		_, err := c.PutRetentionConfiguration(ctx, &cs.PutRetentionConfigurationInput{RetentionPeriodInDays: aws.Int32(29)})
		wantCode(t, err, "ValidationException", "1 validation error detected: Value '29' at 'retentionPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 30")
		_, err = c.PutRetentionConfiguration(ctx, &cs.PutRetentionConfigurationInput{RetentionPeriodInDays: aws.Int32(2558)})
		wantCode(t, err, "ValidationException")
	})
	t.Run("OK", func(t *testing.T) {
		out := must[*cs.PutRetentionConfigurationOutput](t)(c.PutRetentionConfiguration(ctx, &cs.PutRetentionConfigurationInput{RetentionPeriodInDays: aws.Int32(90)}))
		if aws.ToString(out.RetentionConfiguration.Name) != "default" || aws.ToInt32(out.RetentionConfiguration.RetentionPeriodInDays) != 90 {
			t.Fatalf("put = %+v", out.RetentionConfiguration)
		}
		d := must[*cs.DescribeRetentionConfigurationsOutput](t)(c.DescribeRetentionConfigurations(ctx, &cs.DescribeRetentionConfigurationsInput{}))
		if len(d.RetentionConfigurations) != 1 || aws.ToInt32(d.RetentionConfigurations[0].RetentionPeriodInDays) != 90 {
			t.Fatalf("describe = %+v", d.RetentionConfigurations)
		}
		must[*cs.DeleteRetentionConfigurationOutput](t)(c.DeleteRetentionConfiguration(ctx, &cs.DeleteRetentionConfigurationInput{RetentionConfigurationName: aws.String("default")}))
		_, err := c.DescribeRetentionConfigurations(ctx, &cs.DescribeRetentionConfigurationsInput{RetentionConfigurationNames: []string{"default"}})
		wantCode(t, err, "NoSuchRetentionConfigurationException", "Cannot find retention configuration with the specified name 'default'.")
		_, err = c.DeleteRetentionConfiguration(ctx, &cs.DeleteRetentionConfigurationInput{RetentionConfigurationName: aws.String("default")})
		wantCode(t, err, "NoSuchRetentionConfigurationException")
	})
}
