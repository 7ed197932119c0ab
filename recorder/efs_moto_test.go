package recorder

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"

	"github.com/configd/configd"
)

const (
	efsFileSystemType  = "AWS::EFS::FileSystem"
	efsAccessPointType = "AWS::EFS::AccessPoint"
	efsKeyARN          = "arn:aws:kms:us-east-1:" + motoAccount + ":key/0e6c91d5-e23b-4ed3-bd36-1561fbbc0a2d"
	efsTestPolicy      = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},` +
		`"Action":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	// efsTestPolicySorted is efsTestPolicy as the configuration holds it: an
	// object, its keys sorted.
	efsTestPolicySorted = `{"Statement":[{"Action":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}},"Effect":"Deny",` +
		`"Principal":{"AWS":"*"}}],"Version":"2012-10-17"}`
)

// efsSeed holds the ids seedEFS creates.
type efsSeed struct{ secure, plain, ap string }

// seedEFS creates the file system "secure" (encrypted with a KMS key,
// tagged, automatic backups on, a lifecycle configuration and a resource
// policy), the plain file system "plain" (moto's defaults), and on "secure"
// an access point enforcing a POSIX user and a root directory.
func seedEFS(t *testing.T, c *efs.Client) (s efsSeed) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("seed: %v", r)
		}
	}()
	ctx := context.Background()
	s.secure = *must(c.CreateFileSystem(ctx, &efs.CreateFileSystemInput{CreationToken: aws.String("secure"),
		Encrypted: aws.Bool(true), KmsKeyId: aws.String(efsKeyARN), Backup: aws.Bool(true),
		PerformanceMode: efstypes.PerformanceModeGeneralPurpose, ThroughputMode: efstypes.ThroughputModeProvisioned,
		ProvisionedThroughputInMibps: aws.Float64(128),
		Tags: []efstypes.Tag{{Key: aws.String("team"), Value: aws.String("data")}, {Key: aws.String("Name"), Value: aws.String("secure")},
			{Key: aws.String("aws:elasticfilesystem:default-backup"), Value: aws.String("enabled")}}})).FileSystemId
	// The policies are given out of order: the configuration sorts them.
	must(c.PutLifecycleConfiguration(ctx, &efs.PutLifecycleConfigurationInput{FileSystemId: &s.secure,
		LifecyclePolicies: []efstypes.LifecyclePolicy{
			{TransitionToPrimaryStorageClass: efstypes.TransitionToPrimaryStorageClassRulesAfter1Access},
			{TransitionToIA: efstypes.TransitionToIARulesAfter30Days},
		}}))
	must(c.PutFileSystemPolicy(ctx, &efs.PutFileSystemPolicyInput{FileSystemId: &s.secure, Policy: aws.String(efsTestPolicy)}))
	s.plain = *must(c.CreateFileSystem(ctx, &efs.CreateFileSystemInput{CreationToken: aws.String("plain")})).FileSystemId
	s.ap = *must(c.CreateAccessPoint(ctx, &efs.CreateAccessPointInput{ClientToken: aws.String("ap1"), FileSystemId: &s.secure,
		PosixUser: &efstypes.PosixUser{Uid: aws.Int64(1000), Gid: aws.Int64(1001), SecondaryGids: []int64{2000, 2001}},
		RootDirectory: &efstypes.RootDirectory{Path: aws.String("/app"),
			CreationInfo: &efstypes.CreationInfo{OwnerUid: aws.Int64(1000), OwnerGid: aws.Int64(1001), Permissions: aws.String("0750")}},
		Tags: []efstypes.Tag{{Key: aws.String("app"), Value: aws.String("web")}}})).AccessPointId
	return s
}

// TestEFSMoto records file systems and an access point from moto, polls
// without changes, changes them (tags, lifecycle) and deletes them.
func TestEFSMoto(t *testing.T) {
	_, cfg := motoConfig(t)
	c := efs.NewFromConfig(cfg)
	s := seedEFS(t, c)
	sink := newMemSink()
	clock := &fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ctx := context.Background()
	fsARN := func(id string) string {
		return "arn:aws:elasticfilesystem:us-east-1:" + motoAccount + ":file-system/" + id
	}
	apARN := "arn:aws:elasticfilesystem:us-east-1:" + motoAccount + ":access-point/" + s.ap

	t.Run("OKFileSystems", func(t *testing.T) {
		if r := pollOne(t, cfg, sink, clock, efsFileSystemType); r.Discovered != 2 || r.Changed != 2 || r.Deleted != 0 {
			t.Errorf("report %+v", r)
		}
		ci := latestOrFatal(t, sink, efsFileSystemType, s.secure)
		if ci.Status != configd.CIStatusResourceDiscovered || ci.AccountID != motoAccount || ci.Region != "us-east-1" ||
			ci.ARN != fsARN(s.secure) || ci.AvailabilityZone != "Regional" || ci.ResourceName != s.secure ||
			ci.ResourceCreationTime.IsZero() || len(ci.Relationships) != 0 || len(ci.SupplementaryConfiguration) != 0 {
			t.Errorf("item header: status %s account %s region %s arn %s az %q name %q created %v rels %v sup %v",
				ci.Status, ci.AccountID, ci.Region, ci.ARN, ci.AvailabilityZone, ci.ResourceName, ci.ResourceCreationTime,
				ci.Relationships, ci.SupplementaryConfiguration)
		}
		// The item's tags keep the aws: tag; FileSystemTags leaves it out.
		if len(ci.Tags) != 3 || ci.Tags["team"] != "data" || ci.Tags["Name"] != "secure" || ci.Tags["aws:elasticfilesystem:default-backup"] != "enabled" {
			t.Errorf("tags %v", ci.Tags)
		}
		t.Logf("configuration of %s: %s", s.secure, ci.Configuration)
		want := `{"Arn":"` + fsARN(s.secure) + `","BackupPolicy":{"Status":"ENABLED"},"Encrypted":true,` +
			`"FileSystemId":"` + s.secure + `","FileSystemPolicy":` + efsTestPolicySorted + `,` +
			`"FileSystemTags":[{"Key":"Name","Value":"secure"},{"Key":"team","Value":"data"}],` +
			`"KmsKeyId":"` + efsKeyARN + `",` +
			`"LifecyclePolicies":[{"TransitionToIA":"AFTER_30_DAYS"},{"TransitionToPrimaryStorageClass":"AFTER_1_ACCESS"}],` +
			`"PerformanceMode":"generalPurpose","ProvisionedThroughputInMibps":128,"ThroughputMode":"provisioned"}`
		if got := ci.Configuration; got != want {
			t.Errorf("configuration\n got %s\nwant %s", got, want)
		}

		plain := latestOrFatal(t, sink, efsFileSystemType, s.plain)
		want = `{"Arn":"` + fsARN(s.plain) + `","Encrypted":false,"FileSystemId":"` + s.plain + `","FileSystemPolicy":{},` +
			`"FileSystemTags":[],"LifecyclePolicies":[],"PerformanceMode":"generalPurpose","ThroughputMode":"bursting"}`
		if plain.Configuration != want {
			t.Errorf("plain configuration\n got %s\nwant %s", plain.Configuration, want)
		}
		if plain.ARN != fsARN(s.plain) || plain.ResourceName != s.plain || len(plain.Tags) != 0 {
			t.Errorf("plain item %+v", plain)
		}
	})

	t.Run("OKAccessPoints", func(t *testing.T) {
		if r := pollOne(t, cfg, sink, clock, efsAccessPointType); r.Discovered != 1 || r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("report %+v", r)
		}
		ci := latestOrFatal(t, sink, efsAccessPointType, s.ap)
		if ci.Status != configd.CIStatusResourceDiscovered || ci.ARN != apARN || ci.ResourceName != s.ap ||
			ci.AvailabilityZone != "Regional" || ci.Region != "us-east-1" || len(ci.Relationships) != 0 || ci.Tags["app"] != "web" || len(ci.Tags) != 1 {
			t.Errorf("item %+v", ci)
		}
		t.Logf("configuration of %s: %s", s.ap, ci.Configuration)
		want := `{"AccessPointId":"` + s.ap + `","AccessPointTags":[{"Key":"app","Value":"web"}],"Arn":"` + apARN + `",` +
			`"FileSystemId":"` + s.secure + `","PosixUser":{"Gid":"1001","SecondaryGids":["2000","2001"],"Uid":"1000"},` +
			`"RootDirectory":{"CreationInfo":{"OwnerGid":"1001","OwnerUid":"1000","Permissions":"0750"},"Path":"/app"}}`
		if ci.Configuration != want {
			t.Errorf("configuration\n got %s\nwant %s", ci.Configuration, want)
		}
	})

	t.Run("OKUnchanged", func(t *testing.T) {
		clock.t = clock.t.Add(time.Hour)
		for _, typ := range []string{efsFileSystemType, efsAccessPointType} {
			if r := pollOne(t, cfg, sink, clock, typ); r.Changed != 0 || r.Deleted != 0 {
				t.Errorf("%s unchanged: report %+v", typ, r)
			}
		}
		for typ, ids := range map[string][]string{efsFileSystemType: {s.secure, s.plain}, efsAccessPointType: {s.ap}} {
			for _, id := range ids {
				if h := sink.history(typ, id); len(h) != 1 {
					t.Errorf("%s %s: history after an unchanged poll: %d versions", typ, id, len(h))
				}
			}
		}
	})

	t.Run("OKChanged", func(t *testing.T) {
		need[*efs.TagResourceOutput](t)(c.TagResource(ctx, &efs.TagResourceInput{ResourceId: &s.plain,
			Tags: []efstypes.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}))
		need[*efs.PutLifecycleConfigurationOutput](t)(c.PutLifecycleConfiguration(ctx, &efs.PutLifecycleConfigurationInput{
			FileSystemId: &s.plain, LifecyclePolicies: []efstypes.LifecyclePolicy{{TransitionToIA: efstypes.TransitionToIARulesAfter7Days}}}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, efsFileSystemType); r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("one changed file system: report %+v", r)
		}
		h := sink.history(efsFileSystemType, s.plain)
		if len(h) != 2 || h[1].Status != configd.CIStatusOK || !h[1].CaptureTime.Equal(clock.t) {
			t.Fatalf("history: %d versions", len(h))
		}
		conf := decode(t, h[1].Configuration)
		for k, want := range map[string]string{
			"FileSystemTags":    `[{"Key":"env","Value":"dev"}]`,
			"LifecyclePolicies": `[{"TransitionToIA":"AFTER_7_DAYS"}]`,
		} {
			if got, _ := json.Marshal(conf[k]); string(got) != want {
				t.Errorf("changed %s = %s, want %s", k, got, want)
			}
		}
		if h[1].Tags["env"] != "dev" {
			t.Errorf("changed tags %v", h[1].Tags)
		}
		if d := Diff(h[0], h[1]); d.ChangeType != ChangeUpdate {
			t.Errorf("diff = %s", canonical(d))
		}
		if h := sink.history(efsFileSystemType, s.secure); len(h) != 1 {
			t.Errorf("secure: %d versions", len(h))
		}

		need[*efs.TagResourceOutput](t)(c.TagResource(ctx, &efs.TagResourceInput{ResourceId: &s.ap,
			Tags: []efstypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}))
		if r := pollOne(t, cfg, sink, clock, efsAccessPointType); r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("changed access point: report %+v", r)
		}
		if h := sink.history(efsAccessPointType, s.ap); len(h) != 2 {
			t.Errorf("access point history: %d versions", len(h))
		} else if got, _ := json.Marshal(decode(t, h[1].Configuration)["AccessPointTags"]); string(got) !=
			`[{"Key":"app","Value":"web"},{"Key":"env","Value":"prod"}]` {
			t.Errorf("changed AccessPointTags = %s", got)
		}
		clock.t = clock.t.Add(time.Hour)
		for _, typ := range []string{efsFileSystemType, efsAccessPointType} {
			if r := pollOne(t, cfg, sink, clock, typ); r.Changed != 0 || r.Deleted != 0 {
				t.Errorf("%s repeated poll: report %+v", typ, r)
			}
		}
	})

	t.Run("OKDeleted", func(t *testing.T) {
		need[*efs.DeleteAccessPointOutput](t)(c.DeleteAccessPoint(ctx, &efs.DeleteAccessPointInput{AccessPointId: &s.ap}))
		wantDeletedOnce(t, cfg, sink, clock, efsAccessPointType, s.ap, 3)
		need[*efs.DeleteFileSystemOutput](t)(c.DeleteFileSystem(ctx, &efs.DeleteFileSystemInput{FileSystemId: &s.plain}))
		wantDeletedOnce(t, cfg, sink, clock, efsFileSystemType, s.plain, 3)
	})
}

// TestEFSFileSystemPages: DescribeFileSystems pages (moto returns ten file
// systems a page) are all read.
func TestEFSFileSystemPages(t *testing.T) {
	_, cfg := motoConfig(t)
	c := efs.NewFromConfig(cfg)
	for i := range 12 {
		need[*efs.CreateFileSystemOutput](t)(c.CreateFileSystem(context.Background(),
			&efs.CreateFileSystemInput{CreationToken: aws.String(fmt.Sprintf("fs-%d", i))}))
	}
	sink := newMemSink()
	clock := &fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if r := pollOne(t, cfg, sink, clock, efsFileSystemType); r.Discovered != 12 || r.Changed != 12 {
		t.Errorf("report %+v", r)
	}
}

// TestEFSFileSystemGone: a file system deleted between the listing and the
// reads (EFS answers FileSystemNotFound; moto fails with a server error
// instead, so a stub answers here), or being deleted, is skipped, not an
// error; other errors are returned.
func TestEFSFileSystemGone(t *testing.T) {
	code := "FileSystemNotFound"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", code)
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"ErrorCode":%q,"Message":"gone"}`, code)
	}))
	defer srv.Close()
	cfg, err := AWSConfig(context.Background(), AccountSettings{Region: "us-east-1", EndpointURL: srv.URL,
		AccessKeyID: "testing", SecretAccessKey: "testing"})
	if err != nil {
		t.Fatal(err)
	}
	c := efs.NewFromConfig(cfg)
	fs := &efstypes.FileSystemDescription{FileSystemId: aws.String("fs-0123456789abcdef0"), LifeCycleState: efstypes.LifeCycleStateAvailable}
	ci, err := efsFileSystems{}.item(context.Background(), c, motoScope, fs)
	if err != nil || ci != nil {
		t.Errorf("item of a missing file system: %+v, %v; want nil, nil", ci, err)
	}
	code = "AccessDeniedException"
	if ci, err := (efsFileSystems{}).item(context.Background(), c, motoScope, fs); err == nil || !isCode(err, code) || ci != nil {
		t.Errorf("item when access is denied: %+v, %v; want the error", ci, err)
	}
	ci, err = efsFileSystems{}.item(context.Background(), c, motoScope,
		&efstypes.FileSystemDescription{FileSystemId: aws.String("fs-0123456789abcdef0"), LifeCycleState: efstypes.LifeCycleStateDeleting})
	if err != nil || ci != nil {
		t.Errorf("item of a file system being deleted: %+v, %v; want nil, nil", ci, err)
	}
	if ap := (efsAccessPoints{}).item(motoScope, &efstypes.AccessPointDescription{AccessPointId: aws.String("fsap-1"),
		LifeCycleState: efstypes.LifeCycleStateDeleting}); ap != nil {
		t.Errorf("item of an access point being deleted: %+v", ap)
	}
}

// TestEFSConfigurationShape: members moto does not return (One Zone, file
// system protection, archive transition, a policy that is not JSON, an
// access point without user or root directory) render as documented.
func TestEFSConfigurationShape(t *testing.T) {
	fs := &efstypes.FileSystemDescription{FileSystemId: aws.String("fs-1"), Encrypted: aws.Bool(false),
		AvailabilityZoneName: aws.String("us-east-1a"), ThroughputMode: efstypes.ThroughputModeElastic,
		ProvisionedThroughputInMibps: aws.Float64(0),
		FileSystemProtection:         &efstypes.FileSystemProtectionDescription{ReplicationOverwriteProtection: efstypes.ReplicationOverwriteProtectionEnabled},
		Tags:                         []efstypes.Tag{{Key: aws.String("aws:backup:source-resource"), Value: aws.String("x")}}}
	got := encode(efsFileSystemConfiguration(fs, "arn:fs-1", &efstypes.BackupPolicy{Status: efstypes.StatusDisabled},
		[]efstypes.LifecyclePolicy{{TransitionToArchive: efstypes.TransitionToArchiveRulesAfter90Days}, {}}, "not json"))
	want := `{"Arn":"arn:fs-1","AvailabilityZoneName":"us-east-1a","BackupPolicy":{"Status":"DISABLED"},"Encrypted":false,` +
		`"FileSystemId":"fs-1","FileSystemPolicy":"not json","FileSystemProtection":{"ReplicationOverwriteProtection":"ENABLED"},` +
		`"FileSystemTags":[],"LifecyclePolicies":[{"TransitionToArchive":"AFTER_90_DAYS"}],"ThroughputMode":"elastic"}`
	if got != want {
		t.Errorf("file system configuration\n got %s\nwant %s", got, want)
	}
	got = encode(efsAccessPointConfiguration(&efstypes.AccessPointDescription{AccessPointId: aws.String("fsap-1"),
		FileSystemId: aws.String("fs-1")}, "arn:fsap-1"))
	want = `{"AccessPointId":"fsap-1","AccessPointTags":[],"Arn":"arn:fsap-1","FileSystemId":"fs-1","RootDirectory":{"Path":"/"}}`
	if got != want {
		t.Errorf("access point configuration\n got %s\nwant %s", got, want)
	}
}
