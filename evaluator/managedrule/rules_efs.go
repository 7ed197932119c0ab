package managedrule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/configd/configd"
)

// Native rules over AWS::EFS::FileSystem and AWS::EFS::AccessPoint items as
// the recorder writes them (docs/ci-formats.md; recorder/efs.go): the
// CloudFormation shape AWS Config uses for both types, PascalCase keys,
//
//	file system {"FileSystemId","Arn","Encrypted":true,"KmsKeyId":"arn:aws:kms:…",
//	  "PerformanceMode","ThroughputMode","LifecyclePolicies":[…],
//	  "BackupPolicy":{"Status":"ENABLED"},"FileSystemPolicy":{},"FileSystemTags":[…]}
//	access point {"AccessPointId","Arn","FileSystemId",
//	  "PosixUser":{"Uid":"1000","Gid":"1000","SecondaryGids":["2000"]},
//	  "RootDirectory":{"Path":"/app","CreationInfo":{…}},"AccessPointTags":[…]}
//
// (the file system shape as in the AWS Config item of AWS's EventBridge
// example; PosixUser ids are strings in AWS Config's property list; numbers
// are read too). BackupPolicy is absent on a file system without a backup
// policy, PosixUser on an access point that enforces no user identity.

const (
	efsFileSystem  = "AWS::EFS::FileSystem"
	efsAccessPoint = "AWS::EFS::AccessPoint"
)

func init() {
	fs := []string{efsFileSystem}
	ap := []string{efsAccessPoint}
	register(
		&resourceRule{id: "EFS_ENCRYPTED_CHECK", types: fs, check: checkEFSEncrypted},
		&resourceRule{id: "EFS_AUTOMATIC_BACKUPS_ENABLED", types: fs, check: checkEFSAutomaticBackups},
		&resourceRule{id: "EFS_ACCESS_POINT_ENFORCE_ROOT_DIRECTORY", types: ap, check: checkEFSAccessPointRootDirectory},
		&resourceRule{id: "EFS_ACCESS_POINT_ENFORCE_USER_IDENTITY", types: ap, check: checkEFSAccessPointUserIdentity},
	)
}

// efsFileSystemConfig is the part of a file system's configuration the
// rules read.
type efsFileSystemConfig struct {
	Encrypted    *flexBool  `json:"Encrypted"`
	KmsKeyID     flexString `json:"KmsKeyId"`
	BackupPolicy *struct {
		Status flexString `json:"Status"`
	} `json:"BackupPolicy"`
}

// efsAccessPointConfig is the part of an access point's configuration the
// rules read.
type efsAccessPointConfig struct {
	PosixUser *struct {
		Uid flexString `json:"Uid"`
		Gid flexString `json:"Gid"`
	} `json:"PosixUser"`
	RootDirectory *struct {
		Path flexString `json:"Path"`
	} `json:"RootDirectory"`
}

// checkEFSEncrypted: a file system that is not encrypted, or, with
// KmsKeyId, not encrypted with that key, is NON_COMPLIANT.
// https://docs.aws.amazon.com/config/latest/developerguide/efs-encrypted-check.html
// ("NON_COMPLIANT if the encrypted key is set to false on
// DescribeFileSystems or if the KmsKeyId key on DescribeFileSystems does not
// match the KmsKeyId parameter"; periodic; KmsKeyId optional String, "ARN
// of the KMS key").
//
// What the page leaves open, and what configd decides:
//   - An item without Encrypted is NON_COMPLIANT (encryption cannot be
//     shown); EFS always reports it.
//   - "Match": the file system's KmsKeyId (EFS records the key ARN) equals
//     the parameter exactly, or the parameter is a bare key id equal to the
//     ARN's "key/<id>" part. An alias (alias/…) never matches: resolving it
//     needs a KMS call an item evaluation cannot make. An encrypted file
//     system whose item records no key does not match a given KmsKeyId.
func checkEFSEncrypted(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var c efsFileSystemConfig
	if err := decodeConfiguration(ci, &c); err != nil {
		return verdict{}, err
	}
	if c.Encrypted == nil || !bool(*c.Encrypted) {
		return nonCompliant("The file system is not encrypted."), nil
	}
	want := strings.TrimSpace(in.Params["KmsKeyId"])
	if want == "" {
		return compliant(), nil
	}
	key := strings.TrimSpace(string(c.KmsKeyID))
	if key != "" && (key == want || (!strings.Contains(want, ":") && strings.HasSuffix(key, ":key/"+want))) {
		return compliant(), nil
	}
	if key == "" {
		return nonCompliant("The file system's KMS key is not recorded; KmsKeyId requires " + want + "."), nil
	}
	return nonCompliant("The file system is encrypted with " + key + ", not with the KmsKeyId " + want + "."), nil
}

// checkEFSAutomaticBackups: a file system whose automatic backups are off
// is NON_COMPLIANT.
// https://docs.aws.amazon.com/config/latest/developerguide/efs-automatic-backups-enabled.html
// ("NON_COMPLIANT if BackupPolicy.Status is set to DISABLED";
// configuration changes; no parameters).
//
// What the page leaves open, and what configd decides:
//   - The transitional statuses: ENABLING is COMPLIANT (backups are being
//     turned on), DISABLING NON_COMPLIANT, like DISABLED. Statuses are
//     compared without regard to case; any other status is NON_COMPLIANT.
//   - A file system whose item has no BackupPolicy (EFS reports no backup
//     policy: automatic backups were never turned on) is NON_COMPLIANT.
func checkEFSAutomaticBackups(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var c efsFileSystemConfig
	if err := decodeConfiguration(ci, &c); err != nil {
		return verdict{}, err
	}
	if c.BackupPolicy == nil || strings.TrimSpace(string(c.BackupPolicy.Status)) == "" {
		return nonCompliant("The file system has no backup policy: automatic backups are not enabled."), nil
	}
	switch s := strings.ToUpper(strings.TrimSpace(string(c.BackupPolicy.Status))); s {
	case "ENABLED", "ENABLING":
		return compliant(), nil
	default:
		return nonCompliant("Automatic backups of the file system are " + s + "."), nil
	}
}

// efsPath normalizes an access point root directory: surrounding spaces and
// trailing slashes removed, "" meaning "/".
func efsPath(p string) string {
	p = strings.TrimRight(strings.TrimSpace(p), "/")
	if p == "" {
		return "/"
	}
	return p
}

// checkEFSAccessPointRootDirectory: an access point whose root directory is
// the file system's root ("/"), or, with approvedDirectories, not one of
// them, is NON_COMPLIANT.
// https://docs.aws.amazon.com/config/latest/developerguide/efs-access-point-enforce-root-directory.html
// ("NON_COMPLIANT if the value of 'Path' is set to '/' (default root
// directory of the file system)"; configuration changes; approvedDirectories
// optional CSV, "subdirectory paths that are approved for Amazon EFS access
// point root directory enforcement").
//
// What the page leaves open, and what configd decides:
//   - The page words only the "/" case; with approvedDirectories an access
//     point is COMPLIANT only when its Path is one of them, compared
//     exactly after removing trailing slashes ("/data/" is "/data"); a
//     directory below an approved one is not approved.
//   - "/" is NON_COMPLIANT even when approvedDirectories lists it: the page
//     names it as the failing case without condition.
//   - An item without RootDirectory or Path is NON_COMPLIANT: EFS then
//     uses the file system's root.
func checkEFSAccessPointRootDirectory(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var c efsAccessPointConfig
	if err := decodeConfiguration(ci, &c); err != nil {
		return verdict{}, err
	}
	path := "/"
	if c.RootDirectory != nil {
		path = efsPath(string(c.RootDirectory.Path))
	}
	if path == "/" {
		return nonCompliant("The access point does not enforce a root directory (its path is the file system's root, \"/\")."), nil
	}
	approved := csv(in.Params["approvedDirectories"])
	if len(approved) == 0 {
		return compliant(), nil
	}
	for _, a := range approved {
		if efsPath(a) == path {
			return compliant(), nil
		}
	}
	return nonCompliant("The access point's root directory " + path + " is not in approvedDirectories."), nil
}

// efsIDs parses a CSV parameter of POSIX ids; an element that is not a
// non-negative integer is an error (it could never match).
func efsIDs(name, param string) ([]uint64, error) {
	var out []uint64
	for _, s := range csv(param) {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a POSIX id", name, s)
		}
		out = append(out, n)
	}
	return out, nil
}

// efsIDApproved reports whether the recorded id (a decimal string) is one
// of approved.
func efsIDApproved(id string, approved []uint64) bool {
	n, err := strconv.ParseUint(strings.TrimSpace(id), 10, 64)
	if err != nil {
		return false
	}
	for _, a := range approved {
		if a == n {
			return true
		}
	}
	return false
}

// checkEFSAccessPointUserIdentity: an access point that enforces no POSIX
// user, or, with approvedUids/approvedGids, whose user or group is not
// approved, is NON_COMPLIANT.
// https://docs.aws.amazon.com/config/latest/developerguide/efs-access-point-enforce-user-identity.html
// ("NON_COMPLIANT if 'PosixUser' is not defined or if parameters are
// provided and there is no match in the corresponding parameter";
// configuration changes; approvedUids and approvedGids optional CSV).
//
// What the page leaves open, and what configd decides:
//   - The parameters are independent: approvedUids is matched against Uid,
//     approvedGids against the primary Gid; both must match when both are
//     given. SecondaryGids are not checked (the page names one match per
//     parameter, and the primary group is the one the access point assigns
//     to new files).
//   - Ids are compared as numbers ("0100" matches "100"); a parameter
//     element that is not a non-negative integer is an evaluation error.
//   - A PosixUser without a Uid (or without a Gid when approvedGids is
//     given) does not match; PosixUser null or without Uid and Gid counts
//     as not defined.
func checkEFSAccessPointUserIdentity(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	uids, err := efsIDs("approvedUids", in.Params["approvedUids"])
	if err != nil {
		return verdict{}, err
	}
	gids, err := efsIDs("approvedGids", in.Params["approvedGids"])
	if err != nil {
		return verdict{}, err
	}
	var c efsAccessPointConfig
	if err := decodeConfiguration(ci, &c); err != nil {
		return verdict{}, err
	}
	u := c.PosixUser
	if u == nil || (strings.TrimSpace(string(u.Uid)) == "" && strings.TrimSpace(string(u.Gid)) == "") {
		return nonCompliant("The access point does not enforce a user identity (no PosixUser)."), nil
	}
	var bad []string
	if len(uids) > 0 && !efsIDApproved(string(u.Uid), uids) {
		bad = append(bad, fmt.Sprintf("its Uid %q is not in approvedUids", string(u.Uid)))
	}
	if len(gids) > 0 && !efsIDApproved(string(u.Gid), gids) {
		bad = append(bad, fmt.Sprintf("its Gid %q is not in approvedGids", string(u.Gid)))
	}
	if len(bad) > 0 {
		return nonCompliant("The access point's user identity is not approved: " + strings.Join(bad, "; ") + "."), nil
	}
	return compliant(), nil
}
