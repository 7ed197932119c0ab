package managedrule

import (
	"context"
	"testing"

	"github.com/configd/configd"
)

const (
	efsTestKey  = "arn:aws:kms:us-east-1:123456789012:key/0e6c91d5-e23b-4ed3-bd36-1561fbbc0a2d"
	efsOtherKey = "arn:aws:kms:us-east-1:123456789012:key/99999999-0000-0000-0000-000000000000"
)

// efsFileSystemItem is a file system item in the recorder's format; key ""
// for none, backup "" for no BackupPolicy, else its Status.
func efsFileSystemItem(id string, encrypted bool, key, backup string) *configd.ConfigurationItem {
	conf := `{"Arn":"arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/` + id + `",`
	if backup != "" {
		conf += `"BackupPolicy":{"Status":"` + backup + `"},`
	}
	if encrypted {
		conf += `"Encrypted":true,`
	} else {
		conf += `"Encrypted":false,`
	}
	conf += `"FileSystemId":"` + id + `","FileSystemPolicy":{},"FileSystemTags":[],`
	if key != "" {
		conf += `"KmsKeyId":"` + key + `",`
	}
	conf += `"LifecyclePolicies":[],"PerformanceMode":"generalPurpose","ThroughputMode":"bursting"}`
	return item(efsFileSystem, id, conf, nil)
}

// efsAccessPointItem is an access point item in the recorder's format;
// posixUser is the PosixUser object ("" for none), path the root directory.
func efsAccessPointItem(id, posixUser, path string) *configd.ConfigurationItem {
	conf := `{"AccessPointId":"` + id + `","AccessPointTags":[],"Arn":"arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/` + id + `",` +
		`"FileSystemId":"fs-1",`
	if posixUser != "" {
		conf += `"PosixUser":` + posixUser + `,`
	}
	conf += `"RootDirectory":{"Path":"` + path + `"}}`
	return item(efsAccessPoint, id, conf, nil)
}

func TestEFSEncryptedCheck(t *testing.T) {
	runRuleCases(t, "EFS_ENCRYPTED_CHECK", []ruleCase{
		{name: "OKEncrypted", ci: efsFileSystemItem("fs-a", true, efsTestKey, ""), want: Compliant},
		{name: "OKEncryptedNoKeyRecorded", ci: efsFileSystemItem("fs-k", true, "", ""), want: Compliant},
		{name: "OKNotEncrypted", ci: efsFileSystemItem("fs-b", false, "", "ENABLED"), want: NonCompliant, annotation: "not encrypted"},
		{name: "OKEncryptedString", ci: item(efsFileSystem, "fs-s", `{"Encrypted":"true"}`, nil), want: Compliant},
		{name: "OKNoEncrypted", ci: item(efsFileSystem, "fs-n", `{"FileSystemId":"fs-n"}`, nil), want: NonCompliant},
		{name: "OKKeyMatches", ci: efsFileSystemItem("fs-c", true, efsTestKey, ""),
			params: `{"KmsKeyId":"` + efsTestKey + `"}`, want: Compliant},
		{name: "OKKeyIdMatches", ci: efsFileSystemItem("fs-i", true, efsTestKey, ""),
			params: `{"KmsKeyId":"0e6c91d5-e23b-4ed3-bd36-1561fbbc0a2d"}`, want: Compliant},
		{name: "OKKeyDiffers", ci: efsFileSystemItem("fs-d", true, efsTestKey, ""),
			params: `{"KmsKeyId":"` + efsOtherKey + `"}`, want: NonCompliant, annotation: "not with the KmsKeyId"},
		{name: "OKPartialKeyIdDiffers", ci: efsFileSystemItem("fs-p", true, efsTestKey, ""),
			params: `{"KmsKeyId":"1561fbbc0a2d"}`, want: NonCompliant},
		{name: "OKAliasDoesNotMatch", ci: efsFileSystemItem("fs-l", true, efsTestKey, ""),
			params: `{"KmsKeyId":"alias/aws/elasticfilesystem"}`, want: NonCompliant},
		{name: "OKKeyNotRecorded", ci: efsFileSystemItem("fs-r", true, "", ""),
			params: `{"KmsKeyId":"` + efsTestKey + `"}`, want: NonCompliant, annotation: "not recorded"},
		{name: "OKKeyParamUnencrypted", ci: efsFileSystemItem("fs-u", false, "", ""),
			params: `{"KmsKeyId":"` + efsTestKey + `"}`, want: NonCompliant, annotation: "not encrypted"},
		{name: "OKDeleted", ci: deletedItem(efsFileSystemItem("fs-x", false, "", "")), want: NotApplicable},
		{name: "OKOtherType", ci: item(efsAccessPoint, "fsap-1", `{}`, nil), want: NotApplicable},
	})
}

// TestEFSEncryptedCheckPeriodic: the rule is periodic; without a changed
// item it evaluates every recorded file system.
func TestEFSEncryptedCheckPeriodic(t *testing.T) {
	inv := &memInventory{items: []*configd.ConfigurationItem{
		efsFileSystemItem("fs-enc", true, efsTestKey, ""),
		efsFileSystemItem("fs-plain", false, "", ""),
		deletedItem(efsFileSystemItem("fs-gone", false, "", "")),
		efsAccessPointItem("fsap-1", "", "/"),
	}}
	wantVerdicts(t, "EFS_ENCRYPTED_CHECK", Input{Inventory: inv, Now: testNow},
		map[string]string{"fs-enc": Compliant, "fs-plain": NonCompliant, "fs-gone": NotApplicable})
}

func TestEFSAutomaticBackupsEnabled(t *testing.T) {
	runRuleCases(t, "EFS_AUTOMATIC_BACKUPS_ENABLED", []ruleCase{
		{name: "OKEnabled", ci: efsFileSystemItem("fs-a", true, efsTestKey, "ENABLED"), want: Compliant},
		{name: "OKEnabling", ci: efsFileSystemItem("fs-e", false, "", "ENABLING"), want: Compliant},
		{name: "OKLowerCase", ci: efsFileSystemItem("fs-l", false, "", "enabled"), want: Compliant},
		{name: "OKDisabled", ci: efsFileSystemItem("fs-d", true, efsTestKey, "DISABLED"), want: NonCompliant, annotation: "DISABLED"},
		{name: "OKDisabling", ci: efsFileSystemItem("fs-g", true, "", "DISABLING"), want: NonCompliant, annotation: "DISABLING"},
		{name: "OKNoBackupPolicy", ci: efsFileSystemItem("fs-n", true, "", ""), want: NonCompliant, annotation: "no backup policy"},
		{name: "OKNullBackupPolicy", ci: item(efsFileSystem, "fs-0", `{"BackupPolicy":null}`, nil), want: NonCompliant},
		{name: "OKDeleted", ci: deletedItem(efsFileSystemItem("fs-x", false, "", "DISABLED")), want: NotApplicable},
		{name: "OKOtherType", ci: item(efsAccessPoint, "fsap-1", `{}`, nil), want: NotApplicable},
	})
}

func TestEFSAccessPointEnforceRootDirectory(t *testing.T) {
	user := `{"Gid":"1000","Uid":"1000"}`
	runRuleCases(t, "EFS_ACCESS_POINT_ENFORCE_ROOT_DIRECTORY", []ruleCase{
		{name: "OKSubdirectory", ci: efsAccessPointItem("fsap-a", user, "/app"), want: Compliant},
		{name: "OKRoot", ci: efsAccessPointItem("fsap-r", user, "/"), want: NonCompliant, annotation: `"/"`},
		{name: "OKRootTrailing", ci: efsAccessPointItem("fsap-t", "", "//"), want: NonCompliant},
		{name: "OKNoRootDirectory", ci: item(efsAccessPoint, "fsap-n", `{"AccessPointId":"fsap-n"}`, nil), want: NonCompliant},
		{name: "OKEmptyPath", ci: item(efsAccessPoint, "fsap-e", `{"RootDirectory":{}}`, nil), want: NonCompliant},
		{name: "OKApproved", ci: efsAccessPointItem("fsap-p", user, "/data/app"),
			params: `{"approvedDirectories":"/logs, /data/app"}`, want: Compliant},
		{name: "OKApprovedTrailingSlash", ci: efsAccessPointItem("fsap-s", user, "/data/app/"),
			params: `{"approvedDirectories":"/data/app"}`, want: Compliant},
		{name: "OKNotApproved", ci: efsAccessPointItem("fsap-q", user, "/data/other"),
			params: `{"approvedDirectories":"/logs,/data/app"}`, want: NonCompliant, annotation: "/data/other is not in approvedDirectories"},
		{name: "OKBelowApprovedNotApproved", ci: efsAccessPointItem("fsap-b", user, "/data/app/sub"),
			params: `{"approvedDirectories":"/data/app"}`, want: NonCompliant},
		{name: "OKRootApprovedStillRoot", ci: efsAccessPointItem("fsap-x", user, "/"),
			params: `{"approvedDirectories":"/"}`, want: NonCompliant},
		{name: "OKDeleted", ci: deletedItem(efsAccessPointItem("fsap-d", "", "/")), want: NotApplicable},
		{name: "OKOtherType", ci: efsFileSystemItem("fs-1", true, "", ""), want: NotApplicable},
	})
}

func TestEFSAccessPointEnforceUserIdentity(t *testing.T) {
	user := `{"Gid":"1001","SecondaryGids":["2000"],"Uid":"1000"}`
	runRuleCases(t, "EFS_ACCESS_POINT_ENFORCE_USER_IDENTITY", []ruleCase{
		{name: "OKUser", ci: efsAccessPointItem("fsap-a", user, "/app"), want: Compliant},
		{name: "OKNumericIds", ci: efsAccessPointItem("fsap-n", `{"Gid":1001,"Uid":1000}`, "/"),
			params: `{"approvedUids":"1000","approvedGids":"1001"}`, want: Compliant},
		{name: "OKNoUser", ci: efsAccessPointItem("fsap-b", "", "/app"), want: NonCompliant, annotation: "no PosixUser"},
		{name: "OKNullUser", ci: efsAccessPointItem("fsap-c", "null", "/app"), want: NonCompliant},
		{name: "OKEmptyUser", ci: efsAccessPointItem("fsap-e", "{}", "/app"), want: NonCompliant},
		{name: "OKUidApproved", ci: efsAccessPointItem("fsap-u", user, "/app"),
			params: `{"approvedUids":"0, 1000"}`, want: Compliant},
		{name: "OKUidApprovedLeadingZero", ci: efsAccessPointItem("fsap-z", user, "/app"),
			params: `{"approvedUids":"01000"}`, want: Compliant},
		{name: "OKUidNotApproved", ci: efsAccessPointItem("fsap-v", user, "/app"),
			params: `{"approvedUids":"0,2000"}`, want: NonCompliant, annotation: "Uid \"1000\" is not in approvedUids"},
		{name: "OKGidApproved", ci: efsAccessPointItem("fsap-g", user, "/app"),
			params: `{"approvedGids":"1001"}`, want: Compliant},
		{name: "OKGidNotApproved", ci: efsAccessPointItem("fsap-h", user, "/app"),
			params: `{"approvedGids":"1000,2000"}`, want: NonCompliant, annotation: "Gid \"1001\" is not in approvedGids"},
		{name: "OKSecondaryGidNotEnough", ci: efsAccessPointItem("fsap-s", user, "/app"),
			params: `{"approvedGids":"2000"}`, want: NonCompliant},
		{name: "OKBothApproved", ci: efsAccessPointItem("fsap-i", user, "/app"),
			params: `{"approvedUids":"1000","approvedGids":"1001"}`, want: Compliant},
		{name: "OKUidApprovedGidNot", ci: efsAccessPointItem("fsap-j", user, "/app"),
			params: `{"approvedUids":"1000","approvedGids":"0"}`, want: NonCompliant, annotation: "Gid"},
		{name: "OKNoUidWithApprovedUids", ci: efsAccessPointItem("fsap-k", `{"Gid":"1001"}`, "/app"),
			params: `{"approvedUids":"1000"}`, want: NonCompliant},
		{name: "OKNoUserWithParams", ci: efsAccessPointItem("fsap-l", "", "/app"),
			params: `{"approvedUids":"1000"}`, want: NonCompliant, annotation: "no PosixUser"},
		{name: "OKDeleted", ci: deletedItem(efsAccessPointItem("fsap-d", "", "/")), want: NotApplicable},
		{name: "OKOtherType", ci: efsFileSystemItem("fs-1", true, "", ""), want: NotApplicable},
	})
}

// TestEFSAccessPointEnforceUserIdentityBadParam: a parameter element that
// is not a POSIX id is an evaluation error.
func TestEFSAccessPointEnforceUserIdentityBadParam(t *testing.T) {
	for _, params := range []string{`{"approvedUids":"1000,root"}`, `{"approvedGids":"-1"}`} {
		p, err := Parameters("EFS_ACCESS_POINT_ENFORCE_USER_IDENTITY", params)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Evaluate(context.Background(), "EFS_ACCESS_POINT_ENFORCE_USER_IDENTITY",
			Input{CI: efsAccessPointItem("fsap-a", `{"Gid":"1","Uid":"1"}`, "/app"), Params: p, Now: testNow})
		if err == nil {
			t.Errorf("%s: no error", params)
		}
	}
}
