package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/configd/configd/internal/mototest"
)

// startWithMoto starts configd whose accounts are all discovered through a
// fresh moto server, and returns the moto endpoint.
func startWithMoto(t *testing.T) (*testServer, string) {
	t.Helper()
	moto := mototest.Start(t)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("default:\n  endpointUrl: "+moto+"\n  accessKeyId: test\n  secretAccessKey: test\n"), 0o600)
	s := startServer(t, func(c *ServeConfig) { c.ConfigFile = cfg })
	return s, moto
}

func motoConfig(endpoint string) aws.Config {
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
}

// poll runs Configd.PollRecorders for account A and returns its report.
func (s *testServer) poll(t *testing.T) pollRecordersReport {
	t.Helper()
	r := s.call(t, "Configd.PollRecorders", "{}")
	if r.Status != 200 {
		t.Fatalf("PollRecorders: %d %v", r.Status, r.Body)
	}
	b, _ := json.Marshal(r.Body)
	var rep pollRecordersReport
	json.Unmarshal(b, &rep)
	return rep
}

func TestDiscoveryFromMoto(t *testing.T) {
	s, moto := startWithMoto(t)
	mc := motoConfig(moto)
	s3c := s3.NewFromConfig(mc, func(o *s3.Options) { o.UsePathStyle = true })
	ec2c := ec2.NewFromConfig(mc)
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("logs-bucket")}); err != nil {
		t.Fatal(err)
	}
	vpc := must[*ec2.CreateVpcOutput](t)(ec2c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")}))
	sg := must[*ec2.CreateSecurityGroupOutput](t)(ec2c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: vpc.Vpc.VpcId}))

	c := s.clientA()
	_, err := c.PutConfigurationRecorder(ctx, &cs.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{
		Name: aws.String("default"), RoleARN: aws.String("arn:aws:iam::111111111111:role/config"),
		RecordingGroup: &types.RecordingGroup{ResourceTypes: []types.ResourceType{types.ResourceTypeBucket, types.ResourceTypeSecurityGroup}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	putChannel(t, c)
	must[*cs.StartConfigurationRecorderOutput](t)(c.StartConfigurationRecorder(ctx, &cs.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")}))
	rep := s.poll(t)
	if len(rep.Recorders) != 1 || len(rep.Recorders[0].Types) != 2 {
		t.Fatalf("poll report = %+v", rep)
	}
	for _, tr := range rep.Recorders[0].Types {
		if tr.ErrorCode != "" {
			t.Fatalf("%s failed: %s %s", tr.ResourceType, tr.ErrorCode, tr.ErrorMessage)
		}
	}
	st := must[*cs.DescribeConfigurationRecorderStatusOutput](t)(c.DescribeConfigurationRecorderStatus(ctx, &cs.DescribeConfigurationRecorderStatusInput{}))
	if st.ConfigurationRecordersStatus[0].LastStatus != types.RecorderStatusSuccess {
		t.Fatalf("recorder status = %+v", st.ConfigurationRecordersStatus[0])
	}

	t.Run("OKListed", func(t *testing.T) {
		l := must[*cs.ListDiscoveredResourcesOutput](t)(c.ListDiscoveredResources(ctx, &cs.ListDiscoveredResourcesInput{ResourceType: types.ResourceTypeBucket}))
		if len(l.ResourceIdentifiers) != 1 || aws.ToString(l.ResourceIdentifiers[0].ResourceId) != "logs-bucket" {
			t.Fatalf("buckets = %+v", l.ResourceIdentifiers)
		}
		l = must[*cs.ListDiscoveredResourcesOutput](t)(c.ListDiscoveredResources(ctx, &cs.ListDiscoveredResourcesInput{ResourceType: types.ResourceTypeSecurityGroup, ResourceIds: []string{aws.ToString(sg.GroupId)}}))
		if len(l.ResourceIdentifiers) != 1 {
			t.Fatalf("security group not listed")
		}
		// Not in the recording group: not recorded.
		l = must[*cs.ListDiscoveredResourcesOutput](t)(c.ListDiscoveredResources(ctx, &cs.ListDiscoveredResourcesInput{ResourceType: types.ResourceTypeVpc}))
		if len(l.ResourceIdentifiers) != 0 {
			t.Fatalf("VPCs recorded though not in the recording group")
		}
	})
	t.Run("OKUnchangedNoVersion", func(t *testing.T) {
		s.poll(t)
		h := history(t, c, &cs.GetResourceConfigHistoryInput{ResourceType: types.ResourceTypeBucket, ResourceId: aws.String("logs-bucket")})
		if len(h) != 1 || h[0].ConfigurationItemStatus != types.ConfigurationItemStatusResourceDiscovered {
			t.Fatalf("history after an unchanged poll: %d items", len(h))
		}
	})
	t.Run("OKChangeAndDelete", func(t *testing.T) {
		_, err := s3c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("logs-bucket"), ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
			Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = ec2c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
		if err != nil {
			t.Fatal(err)
		}
		s.poll(t)
		h := history(t, c, &cs.GetResourceConfigHistoryInput{ResourceType: types.ResourceTypeBucket, ResourceId: aws.String("logs-bucket")})
		if len(h) != 2 || !strings.Contains(h[0].SupplementaryConfiguration["ServerSideEncryptionConfiguration"], "AES256") {
			t.Fatalf("bucket history after encryption: %d items, latest supplementary %v", len(h), h[0].SupplementaryConfiguration)
		}
		g := history(t, c, &cs.GetResourceConfigHistoryInput{ResourceType: types.ResourceTypeSecurityGroup, ResourceId: sg.GroupId})
		if len(g) != 2 || !strings.Contains(aws.ToString(g[0].Configuration), "0.0.0.0/0") {
			t.Fatalf("security group history: %d items", len(g))
		}
		if _, err := s3c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("logs-bucket")}); err != nil {
			t.Fatal(err)
		}
		s.poll(t)
		h = history(t, c, &cs.GetResourceConfigHistoryInput{ResourceType: types.ResourceTypeBucket, ResourceId: aws.String("logs-bucket")})
		if h[0].ConfigurationItemStatus != types.ConfigurationItemStatusResourceDeleted {
			t.Fatalf("latest bucket status after deletion = %s", h[0].ConfigurationItemStatus)
		}
		counts := must[*cs.GetDiscoveredResourceCountsOutput](t)(c.GetDiscoveredResourceCounts(ctx, &cs.GetDiscoveredResourceCountsInput{ResourceTypes: []string{"AWS::S3::Bucket"}}))
		if counts.TotalDiscoveredResources != 0 {
			t.Fatalf("deleted bucket still counted: %d", counts.TotalDiscoveredResources)
		}
	})
	t.Run("OKStopStopsPolling", func(t *testing.T) {
		must[*cs.StopConfigurationRecorderOutput](t)(c.StopConfigurationRecorder(ctx, &cs.StopConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")}))
		if rep := s.poll(t); len(rep.Recorders) != 0 {
			t.Fatalf("a stopped recorder was polled: %+v", rep)
		}
	})
}

// TestDiscoveryUnreachable: an unreachable upstream is reported in the
// recorder status, not as a failed API call.
func TestDiscoveryUnreachable(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(cfg, []byte("default:\n  endpointUrl: http://"+freeAddr(t)+"\n  accessKeyId: test\n  secretAccessKey: test\n"), 0o600)
	s := startServer(t, func(c *ServeConfig) { c.ConfigFile = cfg; c.UpstreamMaxAttempts = 1 })
	c := s.clientA()
	_, err := c.PutConfigurationRecorder(ctx, &cs.PutConfigurationRecorderInput{ConfigurationRecorder: &types.ConfigurationRecorder{
		Name: aws.String("default"), RecordingGroup: &types.RecordingGroup{ResourceTypes: []types.ResourceType{types.ResourceTypeBucket}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	putChannel(t, c)
	must[*cs.StartConfigurationRecorderOutput](t)(c.StartConfigurationRecorder(ctx, &cs.StartConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")}))
	s.poll(t)
	st := must[*cs.DescribeConfigurationRecorderStatusOutput](t)(c.DescribeConfigurationRecorderStatus(ctx, &cs.DescribeConfigurationRecorderStatusInput{}))
	r := st.ConfigurationRecordersStatus[0]
	if r.LastStatus != types.RecorderStatusFailure || aws.ToString(r.LastErrorCode) == "" || aws.ToString(r.LastErrorMessage) == "" {
		t.Fatalf("status = %+v", r)
	}
}
