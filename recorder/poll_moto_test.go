package recorder

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/configd/configd"
)

// fixedClock is a settable test clock.
type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

func pollAll(t *testing.T, cfg aws.Config, sink Sink, clock configd.Clock) map[string]TypeReport {
	t.Helper()
	reps, err := Poll(context.Background(), cfg, motoScope, SupportedTypes(), sink, PollOptions{Clock: clock, Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]TypeReport{}
	for _, r := range reps {
		if !r.OK() {
			t.Errorf("%s: %s: %s", r.ResourceType, r.ErrorCode, r.ErrorMessage)
		}
		out[r.ResourceType] = r
	}
	return out
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("configuration %q: %v", s, err)
	}
	return m
}

func hasRel(ci *configd.ConfigurationItem, name, resourceType, id string) bool {
	return slices.ContainsFunc(ci.Relationships, func(r configd.Relationship) bool {
		return r.RelationshipName == name && r.ResourceType == resourceType && r.ResourceID == id
	})
}

// relIDs returns the ids ci relates to by name with resources of the type,
// in ci's order.
func relIDs(ci *configd.ConfigurationItem, name, resourceType string) []string {
	var ids []string
	for _, r := range ci.Relationships {
		if r.RelationshipName == name && r.ResourceType == resourceType {
			ids = append(ids, r.ResourceID)
		}
	}
	return ids
}

func latestOrFatal(t *testing.T, sink *memSink, resourceType, id string) *configd.ConfigurationItem {
	t.Helper()
	ci := sink.latest(resourceType, id)
	if ci == nil {
		t.Fatalf("no item for %s %s", resourceType, id)
	}
	return ci
}

// TestPollMoto creates every supported type in moto, polls, changes and
// deletes resources, and checks the items, versions and diffs recorded.
func TestPollMoto(t *testing.T) {
	_, cfg := motoConfig(t)
	f := seed(t, cfg)
	sink := newMemSink()
	clock := &fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		reps := pollAll(t, cfg, sink, clock)
		for _, typ := range SupportedTypes() {
			r := reps[typ]
			if r.Discovered == 0 || r.Changed != r.Discovered || r.APICalls == 0 {
				t.Errorf("%s: report %+v, want resources all recorded and API calls counted", typ, r)
			}
		}

		b := latestOrFatal(t, sink, "AWS::S3::Bucket", "configd-bucket")
		if b.Status != configd.CIStatusResourceDiscovered || b.Version != configd.CIVersion || b.AccountID != motoAccount ||
			!b.CaptureTime.Equal(clock.t) || b.StateID != "1767323045000" {
			t.Errorf("bucket item header: %+v", b)
		}
		if b.ARN != "arn:aws:s3:::configd-bucket" || b.Region != "us-east-1" || b.AvailabilityZone != "Regional" || b.Tags["env"] != "test" {
			t.Errorf("bucket fields: arn %q region %q az %q tags %v", b.ARN, b.Region, b.AvailabilityZone, b.Tags)
		}
		if got := decode(t, b.Configuration)["name"]; got != "configd-bucket" {
			t.Errorf("bucket configuration name = %v", got)
		}
		wantSup := map[string]string{
			"PublicAccessBlockConfiguration": `{"blockPublicAcls":true,"blockPublicPolicy":true,"ignorePublicAcls":true,"restrictPublicBuckets":true}`,
			"BucketVersioningConfiguration":  `{"isMfaDeleteEnabled":null,"status":"Enabled"}`,
			"BucketLoggingConfiguration":     `{"destinationBucketName":null,"logFilePrefix":null}`,
		}
		for k, want := range wantSup {
			if got := b.SupplementaryConfiguration[k]; got != want {
				t.Errorf("bucket %s = %s, want %s", k, got, want)
			}
		}
		if _, ok := b.SupplementaryConfiguration["ServerSideEncryptionConfiguration"]; ok {
			t.Errorf("bucket without encryption has ServerSideEncryptionConfiguration")
		}
		for _, k := range []string{"AccessControlList", "BucketPolicy", "BucketLifecycleConfiguration"} {
			if b.SupplementaryConfiguration[k] == "" {
				t.Errorf("bucket lacks %s", k)
			}
		}
		var acl string // AccessControlList is JSON text inside a JSON string
		if err := json.Unmarshal([]byte(b.SupplementaryConfiguration["AccessControlList"]), &acl); err != nil || decode(t, acl)["grantList"] == nil {
			t.Errorf("AccessControlList %s: %v", b.SupplementaryConfiguration["AccessControlList"], err)
		}

		sg := latestOrFatal(t, sink, "AWS::EC2::SecurityGroup", f.sg)
		if sg.ResourceName != "web" || !hasRel(sg, "Is contained in Vpc", "AWS::EC2::VPC", f.vpc) {
			t.Errorf("security group: name %q relationships %v", sg.ResourceName, sg.Relationships)
		}
		perm := decode(t, sg.Configuration)["ipPermissions"].([]any)[0].(map[string]any)
		if got, _ := json.Marshal(perm["ipRanges"]); string(got) != `["10.0.0.0/8"]` {
			t.Errorf("ipRanges = %s", got)
		}
		if got, _ := json.Marshal(perm["ipv4Ranges"]); string(got) != `[{"cidrIp":"10.0.0.0/8","description":null}]` {
			t.Errorf("ipv4Ranges = %s", got)
		}

		in := latestOrFatal(t, sink, "AWS::EC2::Instance", f.instance)
		for _, r := range []struct{ name, typ, id string }{
			{"Is associated with SecurityGroup", "AWS::EC2::SecurityGroup", f.sg},
			{"Is contained in Subnet", "AWS::EC2::Subnet", f.subnet},
			{"Is contained in Vpc", "AWS::EC2::VPC", f.vpc},
			{"Is attached to Volume", "AWS::EC2::Volume", f.volume},
		} {
			if !hasRel(in, r.name, r.typ, r.id) {
				t.Errorf("instance lacks %q %s", r.name, r.id)
			}
		}
		if in.AvailabilityZone != "us-east-1a" || in.Tags["Name"] != "web-1" || in.ResourceCreationTime.IsZero() {
			t.Errorf("instance: az %q tags %v created %v", in.AvailabilityZone, in.Tags, in.ResourceCreationTime)
		}
		if v := latestOrFatal(t, sink, "AWS::EC2::Volume", f.volume); !hasRel(v, "Is attached to Instance", "AWS::EC2::Instance", f.instance) {
			t.Errorf("volume relationships %v", v.Relationships)
		}
		sub := latestOrFatal(t, sink, "AWS::EC2::Subnet", f.subnet)
		if !hasRel(sub, "Is contained in Vpc", "AWS::EC2::VPC", f.vpc) || !hasRel(sub, "Contains Instance", "AWS::EC2::Instance", f.instance) ||
			sub.AvailabilityZone != "us-east-1a" {
			t.Errorf("subnet relationships %v az %q", sub.Relationships, sub.AvailabilityZone)
		}
		// The subnet's network ACL (the VPC's default one, which moto
		// chose) and the instance's network interface.
		acls := relIDs(sub, "Is attached to NetworkAcl", "AWS::EC2::NetworkAcl")
		if len(acls) != 1 || !strings.HasPrefix(acls[0], "acl-") {
			t.Errorf("subnet network ACLs %v: %v", acls, sub.Relationships)
		}
		if enis := relIDs(in, "Contains NetworkInterface", "AWS::EC2::NetworkInterface"); len(enis) == 0 ||
			!slices.Equal(enis, relIDs(sub, "Contains NetworkInterface", "AWS::EC2::NetworkInterface")) {
			t.Errorf("instance network interfaces %v, subnet's %v", enis, sub.Relationships)
		}
		v := latestOrFatal(t, sink, "AWS::EC2::VPC", f.vpc)
		if !hasRel(v, "Contains Subnet", "AWS::EC2::Subnet", f.subnet) ||
			!hasRel(v, "Contains SecurityGroup", "AWS::EC2::SecurityGroup", f.sg) ||
			!hasRel(v, "Contains Instance", "AWS::EC2::Instance", f.instance) {
			t.Errorf("vpc relationships %v", v.Relationships)
		}
		// The instance's network interface and the VPC's main route table,
		// whose ids the instance item and moto chose.
		for _, typ := range []string{"AWS::EC2::NetworkInterface", "AWS::EC2::RouteTable"} {
			ids := relIDs(v, "Contains "+strings.TrimPrefix(typ, "AWS::EC2::"), typ)
			if len(ids) == 0 {
				t.Errorf("vpc contains no %s: %v", typ, v.Relationships)
			}
			if typ == "AWS::EC2::NetworkInterface" {
				for _, r := range in.Relationships {
					if r.ResourceType == typ && !slices.Contains(ids, r.ResourceID) {
						t.Errorf("the instance's %s %s is not in the vpc's %v", typ, r.ResourceID, ids)
					}
				}
			}
		}

		u := latestOrFatal(t, sink, "AWS::IAM::User", f.userID)
		if u.Region != GlobalRegion || u.ResourceName != "alice" || u.AvailabilityZone != "Not Applicable" ||
			!hasRel(u, "Is attached to CustomerManagedPolicy", "AWS::IAM::Policy", f.policyID) ||
			!hasRel(u, "Is contained in Group", "AWS::IAM::Group", f.groupID) {
			t.Errorf("user: region %q name %q relationships %v", u.Region, u.ResourceName, u.Relationships)
		}
		if c := decode(t, u.Configuration); c["userName"] != "alice" || c["groupList"] == nil || c["attachedManagedPolicies"] == nil {
			t.Errorf("user configuration %s", u.Configuration)
		}
		role := latestOrFatal(t, sink, "AWS::IAM::Role", f.roleID)
		if role.Region != GlobalRegion || decode(t, role.Configuration)["assumeRolePolicyDocument"] == nil {
			t.Errorf("role: %+v", role)
		}
		if p := latestOrFatal(t, sink, "AWS::IAM::Policy", f.policyID); p.ResourceName != "configd-policy" || p.Region != GlobalRegion {
			t.Errorf("policy: %+v", p)
		}
		latestOrFatal(t, sink, "AWS::IAM::Group", f.groupID)

		k := latestOrFatal(t, sink, "AWS::KMS::Key", f.keyID)
		if k.SupplementaryConfiguration["KeyRotationStatus"] != "true" || k.Tags["team"] != "sec" || decode(t, k.Configuration)["keyId"] != f.keyID {
			t.Errorf("kms key: sup %v tags %v", k.SupplementaryConfiguration, k.Tags)
		}
		tb := latestOrFatal(t, sink, "AWS::DynamoDB::Table", "orders")
		if decode(t, tb.Configuration)["tableName"] != "orders" || tb.SupplementaryConfiguration["ContinuousBackupsDescription"] == "" {
			t.Errorf("table: %+v", tb)
		}
		q := latestOrFatal(t, sink, "AWS::SQS::Queue", f.queueURL)
		if c := decode(t, q.Configuration); c["VisibilityTimeout"] != 45.0 || c["QueueName"] != "jobs" || q.Tags["app"] != "jobs" {
			t.Errorf("queue: %s tags %v", q.Configuration, q.Tags)
		}
		tp := latestOrFatal(t, sink, "AWS::SNS::Topic", f.topicARN)
		if c := decode(t, tp.Configuration); len(c["Subscription"].([]any)) != 1 || tp.ResourceName != "alerts" || tp.Tags["app"] != "alerts" {
			t.Errorf("topic: %s", tp.Configuration)
		}
		fn := latestOrFatal(t, sink, "AWS::Lambda::Function", "handler")
		if !hasRel(fn, "Is associated with Role", "AWS::IAM::Role", f.roleID) || decode(t, fn.Configuration)["runtime"] != "python3.12" {
			t.Errorf("function: rels %v", fn.Relationships)
		}
		db := sink.byName("AWS::RDS::DBInstance", f.dbName)
		if db == nil || !hasRel(db, "Is associated with SecurityGroup", "AWS::EC2::SecurityGroup", f.sg) ||
			decode(t, db.Configuration)["dBInstanceIdentifier"] != f.dbName {
			t.Errorf("db instance: %+v", db)
		}
		if tr := latestOrFatal(t, sink, "AWS::CloudTrail::Trail", "trail1"); decode(t, tr.Configuration)["s3BucketName"] != "configd-bucket" {
			t.Errorf("trail: %s", tr.Configuration)
		}
	})

	t.Run("OKUnchanged", func(t *testing.T) {
		clock.t = clock.t.Add(time.Hour)
		for typ, r := range pollAll(t, cfg, sink, clock) {
			if r.Changed != 0 || r.Deleted != 0 {
				t.Errorf("%s: unchanged resources gave %d new versions, %d deletions", typ, r.Changed, r.Deleted)
			}
		}
	})

	t.Run("OKChanged", func(t *testing.T) {
		must := func(_ any, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s3Client(cfg).PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("configd-bucket"),
			ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}}}}}))
		must(ec2.NewFromConfig(cfg).AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &f.sg,
			IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443),
				IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}))
		clock.t = clock.t.Add(time.Hour)
		reps := pollAll(t, cfg, sink, clock)
		if reps["AWS::S3::Bucket"].Changed != 1 || reps["AWS::EC2::SecurityGroup"].Changed != 1 || reps["AWS::SQS::Queue"].Changed != 0 {
			t.Errorf("changed counts: bucket %d, security group %d, queue %d", reps["AWS::S3::Bucket"].Changed,
				reps["AWS::EC2::SecurityGroup"].Changed, reps["AWS::SQS::Queue"].Changed)
		}

		h := sink.history("AWS::S3::Bucket", "configd-bucket")
		if len(h) != 2 || h[1].Status != configd.CIStatusOK {
			t.Fatalf("bucket history: %d versions", len(h))
		}
		d := Diff(h[0], h[1])
		want := PropertyChange{nil, map[string]any{"rules": []any{map[string]any{"applyServerSideEncryptionByDefault": map[string]any{
			"sseAlgorithm": "AES256", "kmsMasterKeyID": nil}, "bucketKeyEnabled": false}}}, ChangeCreate}
		if got := d.ChangedProperties["SupplementaryConfiguration.ServerSideEncryptionConfiguration"]; d.ChangeType != ChangeUpdate || canonical(got) != canonical(want) {
			t.Errorf("bucket diff = %s", canonical(d))
		}

		h = sink.history("AWS::EC2::SecurityGroup", f.sg)
		if len(h) != 2 {
			t.Fatalf("security group history: %d versions", len(h))
		}
		d = Diff(h[0], h[1])
		got, ok := d.ChangedProperties["Configuration.IpPermissions.0"]
		if !ok || got.ChangeType != ChangeCreate || got.PreviousValue != nil || got.UpdatedValue.(map[string]any)["fromPort"] != 443.0 || len(d.ChangedProperties) != 1 {
			t.Errorf("security group diff = %s", canonical(d))
		}
	})

	t.Run("OKDeleted", func(t *testing.T) {
		if _, err := sqs.NewFromConfig(cfg).DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &f.queueURL}); err != nil {
			t.Fatal(err)
		}
		if _, err := ec2.NewFromConfig(cfg).DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &f.tempSG}); err != nil {
			t.Fatal(err)
		}
		clock.t = clock.t.Add(time.Hour)
		reps := pollAll(t, cfg, sink, clock)
		if reps["AWS::SQS::Queue"].Deleted != 1 || reps["AWS::EC2::SecurityGroup"].Deleted != 1 || reps["AWS::S3::Bucket"].Deleted != 0 {
			t.Errorf("deleted counts: queue %d, security group %d, bucket %d", reps["AWS::SQS::Queue"].Deleted,
				reps["AWS::EC2::SecurityGroup"].Deleted, reps["AWS::S3::Bucket"].Deleted)
		}
		for _, key := range []configd.ResourceKey{{ResourceType: "AWS::SQS::Queue", ResourceID: f.queueURL}, {ResourceType: "AWS::EC2::SecurityGroup", ResourceID: f.tempSG}} {
			h := sink.history(key.ResourceType, key.ResourceID)
			if len(h) != 2 || h[1].Status != configd.CIStatusResourceDeleted {
				t.Fatalf("%v: history %d versions, last %+v", key, len(h), h[len(h)-1])
			}
			if d := Diff(h[0], h[1]); d.ChangeType != ChangeDelete {
				t.Errorf("%v: diff %s", key, canonical(d))
			}
		}
		// A second poll does not delete again.
		for typ, r := range pollAll(t, cfg, sink, clock) {
			if r.Deleted != 0 || r.Changed != 0 {
				t.Errorf("%s: repeated poll changed %d, deleted %d", typ, r.Changed, r.Deleted)
			}
		}
	})
}
