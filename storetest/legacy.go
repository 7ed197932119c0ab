package storetest

import (
	"time"

	"github.com/configd/configd"
)

// LegacyItems are configuration items of scope covering every field and
// the nil/empty distinctions, for the tests of the stores' migrations of
// items written in an earlier format.
func LegacyItems(scope configd.Scope) []*configd.ConfigurationItem {
	t0 := time.Date(2024, 3, 4, 5, 6, 7, 890_000_000, time.UTC)
	return []*configd.ConfigurationItem{
		{
			Version: configd.CIVersion, AccountID: scope.AccountID, CaptureTime: t0, Status: configd.CIStatusResourceDiscovered,
			StateID: "1709528767890", MD5Hash: "m", ARN: "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
			ResourceType: "AWS::EC2::Instance", ResourceID: "i-1", ResourceName: "web", Region: scope.Region,
			AvailabilityZone: "us-east-1a", ResourceCreationTime: t0.Add(-time.Hour),
			Tags: map[string]string{"env": "prod"}, RelatedEvents: []string{"e"},
			Relationships:              []configd.Relationship{{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-1", RelationshipName: "Is contained in Vpc"}},
			Configuration:              "{\"a\": [1, 2],\n \"s\": \"\\\"quoted\\\" \u00e9\"}",
			SupplementaryConfiguration: map[string]string{"BucketPolicy": `{"policyText":null}`},
			RecordingFrequency:         configd.FrequencyContinuous, DeliveryTime: t0.Add(time.Minute), SchemaVersionID: "1",
		},
		{
			ResourceType: "AWS::EC2::Instance", ResourceID: "i-1", CaptureTime: t0.Add(time.Minute), Status: configd.CIStatusOK,
			Tags: map[string]string{}, RelatedEvents: []string{}, Relationships: []configd.Relationship{},
			SupplementaryConfiguration: map[string]string{},
		},
		{ResourceType: "AWS::S3::Bucket", ResourceID: "b", CaptureTime: t0, Status: configd.CIStatusResourceDeleted},
	}
}
