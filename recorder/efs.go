package recorder

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"

	"github.com/configd/configd"
)

func init() {
	register(efsFileSystems{})
	register(efsAccessPoints{})
}

// efsFileSystems discovers AWS::EFS::FileSystem. AWS Config records this
// type in the shape of its CloudFormation resource (PascalCase keys, typed
// values):
//
//	resourceId = resourceName = "fs-…",
//	arn "arn:aws:elasticfilesystem:<region>:<account>:file-system/fs-…",
//	availabilityZone "Regional",
//	configuration {"FileSystemId":"fs-…","Arn":"arn:aws:elasticfilesystem:…",
//	  "Encrypted":true,"KmsKeyId":"arn:aws:kms:…:key/…",
//	  "PerformanceMode":"generalPurpose","ThroughputMode":"bursting",
//	  "LifecyclePolicies":[{"TransitionToIA":"AFTER_30_DAYS"},
//	    {"TransitionToPrimaryStorageClass":"AFTER_1_ACCESS"}],
//	  "BackupPolicy":{"Status":"ENABLED"},"FileSystemPolicy":{},
//	  "FileSystemTags":[{"Key":"Name","Value":"myname"}]},
//	supplementaryConfiguration {}, relationships [].
//
// Verified against the AWS Config item of an EFS file system in AWS's
// documentation (the "Config Configuration Item Change" EventBridge example
// of https://docs.aws.amazon.com/config/latest/developerguide/example-config-rule-compliance-notification.html):
// resourceId and resourceName both the file system id (although the file
// system has a Name tag), the API's ARN, availabilityZone "Regional", no
// relationships, empty supplementaryConfiguration, and the configuration
// keys FileSystemId, Arn, Encrypted, KmsKeyId (a key ARN), PerformanceMode,
// ThroughputMode, LifecyclePolicies (a list of one-key objects),
// BackupPolicy{Status}, FileSystemPolicy ({} for a file system without a
// policy) and FileSystemTags [{Key,Value}] without the "aws:"-prefixed tags
// that the item's tags carry (aws:elasticfilesystem:default-backup). The
// property paths and types also match awslabs/aws-config-resource-schema,
// config/properties/resource-types/AWS::EFS::FileSystem.properties.json
// (ProvisionedThroughputInMibps a float,
// LifecyclePolicies.{TransitionToIA,TransitionToPrimaryStorageClass}).
//
// Derived, with no AWS Config item found to confirm them:
//   - which keys are written when empty: Encrypted, FileSystemPolicy,
//     LifecyclePolicies ([] without a lifecycle configuration) and
//     FileSystemTags ([] when untagged) always; KmsKeyId only when set;
//     BackupPolicy only when DescribeBackupPolicy returns one (absent after
//     PolicyNotFound, and after ValidationException, which EFS returns
//     where AWS Backup is not available); ProvisionedThroughputInMibps only
//     when positive (bursting and elastic file systems have none);
//   - FileSystemPolicy holds the policy document as a JSON object (the
//     CloudFormation property's type), the policy text as a string if it
//     is not JSON;
//   - LifecyclePolicies and FileSystemTags sorted by their JSON encoding
//     (the AWS item's order is also the sorted one), so that an unchanged
//     file system gives byte-identical configuration; TransitionToArchive
//     when set (a CloudFormation property newer than the schema file);
//   - AvailabilityZoneName (One Zone file systems; then also the item's
//     availabilityZone) and FileSystemProtection{ReplicationOverwriteProtection}
//     when the API returns them (CloudFormation properties);
//   - resourceCreationTime the API's CreationTime.
//
// Left out: the API's volatile or derived members SizeInBytes,
// NumberOfMountTargets and LifeCycleState, and Name (the Name tag, already
// in FileSystemTags), CreationToken, OwnerId and AvailabilityZoneId (not
// CloudFormation properties). File systems being deleted (LifeCycleState
// "deleting" or "deleted") are not recorded, and one that vanishes between
// the listing and its reads is skipped.
type efsFileSystems struct{}

func (efsFileSystems) ResourceType() string { return "AWS::EFS::FileSystem" }
func (efsFileSystems) Global() bool         { return false }

func (d efsFileSystems) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := efs.NewFromConfig(cfg)
	p := efs.NewDescribeFileSystemsPaginator(client, &efs.DescribeFileSystemsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe file systems: %w", err)
		}
		if err := emitEach(len(page.FileSystems), func(i int) (*configd.ConfigurationItem, error) {
			return d.item(ctx, client, scope, &page.FileSystems[i])
		}, emit); err != nil {
			return err
		}
	}
	return nil
}

// efsGone reports whether an EFS resource is being or has been deleted.
func efsGone(s efstypes.LifeCycleState) bool {
	return s == efstypes.LifeCycleStateDeleting || s == efstypes.LifeCycleStateDeleted
}

// item reads the file system's backup, lifecycle and resource policies and
// builds its item; nil when the file system is being deleted or vanished
// between the listing and the reads.
func (d efsFileSystems) item(ctx context.Context, client *efs.Client, scope configd.Scope, fs *efstypes.FileSystemDescription) (*configd.ConfigurationItem, error) {
	id := str(fs.FileSystemId)
	if id == "" || efsGone(fs.LifeCycleState) {
		return nil, nil
	}
	var backup *efstypes.BackupPolicy
	bp, err := client.DescribeBackupPolicy(ctx, &efs.DescribeBackupPolicyInput{FileSystemId: &id})
	switch {
	case isCode(err, "FileSystemNotFound"):
		return nil, nil
	case isCode(err, "PolicyNotFound"), isCode(err, "ValidationException"):
	case err != nil:
		return nil, fmt.Errorf("describe backup policy of %s: %w", id, err)
	default:
		backup = bp.BackupPolicy
	}
	lc, err := client.DescribeLifecycleConfiguration(ctx, &efs.DescribeLifecycleConfigurationInput{FileSystemId: &id})
	if isCode(err, "FileSystemNotFound") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe lifecycle configuration of %s: %w", id, err)
	}
	var policy string
	pol, err := client.DescribeFileSystemPolicy(ctx, &efs.DescribeFileSystemPolicyInput{FileSystemId: &id})
	switch {
	case isCode(err, "FileSystemNotFound"):
		return nil, nil
	case isCode(err, "PolicyNotFound"):
	case err != nil:
		return nil, fmt.Errorf("describe file system policy of %s: %w", id, err)
	default:
		policy = str(pol.Policy)
	}

	az := azRegional
	if z := str(fs.AvailabilityZoneName); z != "" {
		az = z
	}
	arn := str(fs.FileSystemArn)
	if arn == "" {
		arn = scope.ARN("elasticfilesystem", "file-system/"+id)
	}
	ci := newItem(d.ResourceType(), id, id, arn, scope.Region, az)
	ci.ResourceCreationTime = timeOf(fs.CreationTime)
	for _, t := range fs.Tags {
		ci.Tags[str(t.Key)] = str(t.Value)
	}
	ci.Configuration = encode(efsFileSystemConfiguration(fs, arn, backup, lc.LifecyclePolicies, policy))
	finish(ci)
	return ci, nil
}

// efsFileSystemConfiguration renders a file system and the policies read
// for it in the CloudFormation shape (see efsFileSystems). backup is nil
// when the file system has no backup policy, policy "" when it has no
// resource policy.
func efsFileSystemConfiguration(fs *efstypes.FileSystemDescription, arn string, backup *efstypes.BackupPolicy,
	lifecycle []efstypes.LifecyclePolicy, policy string) map[string]any {
	conf := map[string]any{
		"FileSystemId": str(fs.FileSystemId),
		"Arn":          arn,
		"Encrypted":    fs.Encrypted != nil && *fs.Encrypted,
	}
	if v := str(fs.KmsKeyId); v != "" {
		conf["KmsKeyId"] = v
	}
	if fs.PerformanceMode != "" {
		conf["PerformanceMode"] = string(fs.PerformanceMode)
	}
	if fs.ThroughputMode != "" {
		conf["ThroughputMode"] = string(fs.ThroughputMode)
	}
	if p := fs.ProvisionedThroughputInMibps; p != nil && *p > 0 {
		conf["ProvisionedThroughputInMibps"] = *p
	}
	if v := str(fs.AvailabilityZoneName); v != "" {
		conf["AvailabilityZoneName"] = v
	}
	if p := fs.FileSystemProtection; p != nil && p.ReplicationOverwriteProtection != "" {
		conf["FileSystemProtection"] = map[string]any{"ReplicationOverwriteProtection": string(p.ReplicationOverwriteProtection)}
	}
	if backup != nil && backup.Status != "" {
		conf["BackupPolicy"] = map[string]any{"Status": string(backup.Status)}
	}

	lps := make([]any, 0, len(lifecycle))
	for _, l := range lifecycle {
		m := map[string]any{}
		if l.TransitionToIA != "" {
			m["TransitionToIA"] = string(l.TransitionToIA)
		}
		if l.TransitionToPrimaryStorageClass != "" {
			m["TransitionToPrimaryStorageClass"] = string(l.TransitionToPrimaryStorageClass)
		}
		if l.TransitionToArchive != "" {
			m["TransitionToArchive"] = string(l.TransitionToArchive)
		}
		if len(m) > 0 {
			lps = append(lps, m)
		}
	}
	sortByJSON(lps)
	conf["LifecyclePolicies"] = lps

	conf["FileSystemPolicy"] = efsPolicy(policy)
	conf["FileSystemTags"] = efsTags(fs.Tags)
	return conf
}

// efsPolicy renders a resource policy as a JSON value: {} when there is
// none, the document as an object when it parses, else the text.
func efsPolicy(policy string) any {
	if strings.TrimSpace(policy) == "" {
		return map[string]any{}
	}
	var v any
	if err := json.Unmarshal([]byte(policy), &v); err == nil {
		return v
	}
	return policy
}

// efsTags renders EFS tags as CloudFormation's [{Key, Value}] list, sorted,
// without the "aws:" tags AWS creates (CloudFormation cannot set them, and
// AWS Config's file system item leaves them out).
func efsTags(tags []efstypes.Tag) []any {
	m := map[string]string{}
	for _, t := range tags {
		if k := str(t.Key); !strings.HasPrefix(k, "aws:") {
			m[k] = str(t.Value)
		}
	}
	return cfnTags(m)
}

// efsAccessPoints discovers AWS::EFS::AccessPoint in the shape of its
// CloudFormation resource:
//
//	resourceId = resourceName = "fsap-…",
//	arn "arn:aws:elasticfilesystem:<region>:<account>:access-point/fsap-…",
//	availabilityZone "Regional",
//	configuration {"AccessPointId":"fsap-…","Arn":"arn:aws:elasticfilesystem:…",
//	  "FileSystemId":"fs-…",
//	  "PosixUser":{"Uid":"1000","Gid":"1000","SecondaryGids":["2000"]},
//	  "RootDirectory":{"Path":"/app","CreationInfo":{"OwnerUid":"1000",
//	    "OwnerGid":"1000","Permissions":"0755"}},
//	  "AccessPointTags":[{"Key","Value"}]}
//
// Verified: the property paths and value types AWS Config lists for the type
// (awslabs/aws-config-resource-schema,
// config/properties/resource-types/AWS::EFS::AccessPoint.properties.json):
// AccessPointId, Arn, FileSystemId, PosixUser.{Uid,Gid,SecondaryGids} and
// RootDirectory.{Path,CreationInfo.{OwnerUid,OwnerGid,Permissions}}, all
// strings, so the API's numeric ids are written as decimal strings (as in
// CloudFormation's schema for the type).
//
// Derived, with no AWS Config access point item found to confirm them:
//   - resource id and name both the access point id, the ARN the API's and
//     availabilityZone "Regional", as in AWS Config's file system items;
//     no relationships (none found on AWS's file system item either);
//   - PosixUser only when the access point enforces a user identity
//     (SecondaryGids only when there are some, in the API's order);
//     RootDirectory always (EFS reports Path "/" when none was given),
//     CreationInfo only when set; AccessPointTags always, sorted by key,
//     without "aws:" tags, as FileSystemTags.
//
// Left out: ClientToken, Name (the Name tag), OwnerId and LifeCycleState.
// Access points being deleted are not recorded.
type efsAccessPoints struct{}

func (efsAccessPoints) ResourceType() string { return "AWS::EFS::AccessPoint" }
func (efsAccessPoints) Global() bool         { return false }

func (d efsAccessPoints) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := efs.NewFromConfig(cfg)
	p := efs.NewDescribeAccessPointsPaginator(client, &efs.DescribeAccessPointsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe access points: %w", err)
		}
		if err := emitEach(len(page.AccessPoints), func(i int) (*configd.ConfigurationItem, error) {
			return d.item(scope, &page.AccessPoints[i]), nil
		}, emit); err != nil {
			return err
		}
	}
	return nil
}

// item builds the access point's item; nil when it is being deleted.
func (d efsAccessPoints) item(scope configd.Scope, ap *efstypes.AccessPointDescription) *configd.ConfigurationItem {
	id := str(ap.AccessPointId)
	if id == "" || efsGone(ap.LifeCycleState) {
		return nil
	}
	arn := str(ap.AccessPointArn)
	if arn == "" {
		arn = scope.ARN("elasticfilesystem", "access-point/"+id)
	}
	ci := newItem(d.ResourceType(), id, id, arn, scope.Region, azRegional)
	for _, t := range ap.Tags {
		ci.Tags[str(t.Key)] = str(t.Value)
	}
	ci.Configuration = encode(efsAccessPointConfiguration(ap, arn))
	finish(ci)
	return ci
}

// efsAccessPointConfiguration renders an access point in the CloudFormation
// shape (see efsAccessPoints).
func efsAccessPointConfiguration(ap *efstypes.AccessPointDescription, arn string) map[string]any {
	conf := map[string]any{
		"AccessPointId":   str(ap.AccessPointId),
		"Arn":             arn,
		"FileSystemId":    str(ap.FileSystemId),
		"AccessPointTags": efsTags(ap.Tags),
	}
	num := func(p *int64) (string, bool) {
		if p == nil {
			return "", false
		}
		return strconv.FormatInt(*p, 10), true
	}
	if u := ap.PosixUser; u != nil {
		pu := map[string]any{}
		if v, ok := num(u.Uid); ok {
			pu["Uid"] = v
		}
		if v, ok := num(u.Gid); ok {
			pu["Gid"] = v
		}
		if len(u.SecondaryGids) > 0 {
			gids := make([]string, len(u.SecondaryGids))
			for i, g := range u.SecondaryGids {
				gids[i] = strconv.FormatInt(g, 10)
			}
			pu["SecondaryGids"] = gids
		}
		if len(pu) > 0 {
			conf["PosixUser"] = pu
		}
	}
	rd := map[string]any{"Path": "/"}
	if r := ap.RootDirectory; r != nil {
		if p := str(r.Path); p != "" {
			rd["Path"] = p
		}
		if c := r.CreationInfo; c != nil {
			info := map[string]any{}
			if v, ok := num(c.OwnerUid); ok {
				info["OwnerUid"] = v
			}
			if v, ok := num(c.OwnerGid); ok {
				info["OwnerGid"] = v
			}
			if v := str(c.Permissions); v != "" {
				info["Permissions"] = v
			}
			if len(info) > 0 {
				rd["CreationInfo"] = info
			}
		}
	}
	conf["RootDirectory"] = rd
	return conf
}
