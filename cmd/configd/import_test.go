package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// A snapshot in AWS's delivered format and JSON lines in the API's format.
const importSnapshot = `{"fileVersion":"1.0","configSnapshotId":"x","configurationItems":[
 {"configurationItemVersion":"1.3","configurationItemCaptureTime":"2024-01-02T03:04:05.678Z","configurationStateId":1704164645678,
  "awsAccountId":"111111111111","configurationItemStatus":"ResourceDiscovered","resourceType":"AWS::S3::Bucket","resourceId":"my-bucket",
  "resourceName":"my-bucket","ARN":"arn:aws:s3:::my-bucket","awsRegion":"us-east-1","availabilityZone":"Regional",
  "configurationStateMd5Hash":"","resourceCreationTime":"2023-12-01T00:00:00.000Z","tags":{"env":"dev"},"relatedEvents":[],
  "relationships":[],"configuration":{"name":"my-bucket","owner":{"id":"abc"}},
  "supplementaryConfiguration":{"BucketVersioningConfiguration":{"status":"Off"},"AccessControlList":"{\"grantList\":[]}"}}]}`

const importLines = `{"resourceType":"AWS::EC2::SecurityGroup","resourceId":"sg-1","configuration":"{\"groupId\":\"sg-1\"}","configurationItemCaptureTime":1704164645.5}
{"resourceType":"AWS::EC2::SecurityGroup","resourceId":"sg-1","configuration":"{\"groupId\":\"sg-1\"}","configurationItemCaptureTime":1704164646}
{"resourceType":"AWS::EC2::SecurityGroup","resourceId":"sg-1","configuration":"{\"groupId\":\"sg-1\",\"x\":1}"}
`

func TestImport(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	snap := filepath.Join(dir, "snap.json")
	lines := filepath.Join(dir, "items.jsonl")
	os.WriteFile(snap, []byte(importSnapshot), 0o600)
	os.WriteFile(lines, []byte(importLines), 0o600)
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"import", "--data-dir", data, "--account", acctA, snap, lines}, &out, &errb); code != 0 {
		t.Fatalf("import exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "read 4 configuration items, recorded 3 new versions") {
		t.Fatalf("import said %q", out.String())
	}
	t.Run("ErrBadFile", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.json")
		os.WriteFile(bad, []byte(`{"resourceType":"A::B::C"}`), 0o600)
		var out, errb bytes.Buffer
		if code := run(ctx, []string{"import", "--data-dir", data, bad}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "resourceId") {
			t.Fatalf("exit %d, stderr %q", code, errb.String())
		}
	})

	s := startServer(t, func(c *ServeConfig) { c.DataDir = data })
	c := s.clientA()
	b := must[*cs.BatchGetResourceConfigOutput](t)(c.BatchGetResourceConfig(ctx, &cs.BatchGetResourceConfigInput{ResourceKeys: []types.ResourceKey{{ResourceType: types.ResourceTypeBucket, ResourceId: aws.String("my-bucket")}}}))
	if len(b.BaseConfigurationItems) != 1 {
		t.Fatalf("bucket not imported: %+v", b)
	}
	it := b.BaseConfigurationItems[0]
	if aws.ToString(it.Configuration) != `{"name":"my-bucket","owner":{"id":"abc"}}` || it.SupplementaryConfiguration["AccessControlList"] != `"{\"grantList\":[]}"` ||
		it.SupplementaryConfiguration["BucketVersioningConfiguration"] != `{"status":"Off"}` || it.ConfigurationItemCaptureTime.UnixMilli() != 1704164645678 ||
		aws.ToString(it.Arn) != "arn:aws:s3:::my-bucket" || aws.ToString(it.AvailabilityZone) != "Regional" {
		t.Fatalf("imported bucket = %+v", it)
	}
	h := history(t, c, &cs.GetResourceConfigHistoryInput{ResourceType: types.ResourceTypeSecurityGroup, ResourceId: aws.String("sg-1")})
	if len(h) != 2 || h[1].ConfigurationItemCaptureTime.UnixMilli() != 1704164645500 {
		t.Fatalf("security group history = %d items", len(h))
	}
}
