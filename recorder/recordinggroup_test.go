package recorder

import (
	"slices"
	"testing"

	"github.com/configd/configd"
)

func TestSelectTypes(t *testing.T) {
	iam := []string{"AWS::IAM::Group", "AWS::IAM::Policy", "AWS::IAM::Role", "AWS::IAM::User"}
	tests := []struct {
		name     string
		group    configd.RecordingGroup
		contains []string
		excludes []string
		count    int
	}{
		{"OKAllSupported", configd.RecordingGroup{AllSupported: true}, []string{"AWS::S3::Bucket"}, iam, len(SupportedTypes()) - 4},
		{"OKAllWithGlobal", configd.RecordingGroup{AllSupported: true, IncludeGlobalResourceTypes: true}, iam, nil, len(SupportedTypes())},
		{"OKAllStrategy", configd.RecordingGroup{RecordingStrategy: configd.StrategyAllSupported}, []string{"AWS::EC2::VPC"}, iam, len(SupportedTypes()) - 4},
		{"OKInclusion", configd.RecordingGroup{ResourceTypes: []string{"AWS::IAM::User", "AWS::S3::Bucket", "AWS::Unknown::Type"}},
			[]string{"AWS::IAM::User", "AWS::S3::Bucket"}, []string{"AWS::Unknown::Type"}, 2},
		{"OKExclusion", configd.RecordingGroup{RecordingStrategy: configd.StrategyExclusion, ExclusionByResourceTypes: []string{"AWS::S3::Bucket"}},
			iam, []string{"AWS::S3::Bucket"}, len(SupportedTypes()) - 1},
		{"OKEmpty", configd.RecordingGroup{}, nil, []string{"AWS::S3::Bucket"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SelectTypes(tt.group)
			if len(got) != tt.count {
				t.Errorf("got %d types %v, want %d", len(got), got, tt.count)
			}
			for _, c := range tt.contains {
				if !slices.Contains(got, c) {
					t.Errorf("missing %s", c)
				}
			}
			for _, c := range tt.excludes {
				if slices.Contains(got, c) {
					t.Errorf("unexpected %s", c)
				}
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	want := []string{"AWS::ACM::Certificate", "AWS::CloudTrail::Trail", "AWS::CloudWatch::Alarm",
		"AWS::DynamoDB::Table", "AWS::EC2::EIP", "AWS::EC2::Instance", "AWS::EC2::InternetGateway",
		"AWS::EC2::NetworkAcl", "AWS::EC2::RouteTable", "AWS::EC2::SecurityGroup", "AWS::EC2::Subnet",
		"AWS::EC2::VPC", "AWS::EC2::Volume", "AWS::ECR::Repository", "AWS::ECS::TaskDefinition",
		"AWS::EFS::AccessPoint", "AWS::EFS::FileSystem", "AWS::EKS::Cluster", "AWS::IAM::Group",
		"AWS::IAM::Policy", "AWS::IAM::Role", "AWS::IAM::User", "AWS::KMS::Key", "AWS::Kinesis::Stream",
		"AWS::Lambda::Function", "AWS::Logs::LogGroup", "AWS::RDS::DBInstance", "AWS::S3::Bucket",
		"AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::SecretsManager::Secret"}
	t.Run("OK", func(t *testing.T) {
		if got := SupportedTypes(); !slices.Equal(got, want) {
			t.Errorf("SupportedTypes = %v", got)
		}
		for _, typ := range want {
			d, ok := Lookup(typ)
			if !ok || d.ResourceType() != typ {
				t.Errorf("Lookup(%s) = %v, %v", typ, d, ok)
			}
			if d.Global() != (typ[:9] == "AWS::IAM:") {
				t.Errorf("%s: Global() = %v", typ, d.Global())
			}
		}
	})
	t.Run("ErrUnknown", func(t *testing.T) {
		if _, ok := Lookup("AWS::Nope::Nope"); ok {
			t.Error("Lookup of an unknown type succeeded")
		}
	})
}
