package recorder

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/configd/configd"
)

func init() { register(buckets{}) }

// buckets discovers AWS::S3::Bucket. Only buckets located in the scope's
// region are recorded, with awsRegion set to that region and availability
// zone "Regional". The configuration is {name, owner, creationDate}; the
// bucket's sub-resources are supplementary configuration in the shapes AWS
// Config records them (see docs/ci-formats.md for each one and its source).
type buckets struct{}

func (buckets) ResourceType() string { return "AWS::S3::Bucket" }
func (buckets) Global() bool         { return false }

// s3Client builds an S3 client; custom endpoints (moto, LocalStack) need
// path-style addressing.
func s3Client(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
	})
}

func (d buckets) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := s3Client(cfg)
	var token *string
	for {
		page, err := client.ListBuckets(ctx, &s3.ListBucketsInput{ContinuationToken: token})
		if err != nil {
			return fmt.Errorf("list buckets: %w", err)
		}
		var owner *s3types.Owner = page.Owner
		if err := emitEach(len(page.Buckets), func(i int) (*configd.ConfigurationItem, error) {
			return d.item(ctx, client, scope, page.Buckets[i], owner)
		}, emit); err != nil {
			return err
		}
		if page.ContinuationToken == nil || *page.ContinuationToken == "" {
			return nil
		}
		token = page.ContinuationToken
	}
}

// item reads the bucket's sub-resources; it returns nil for a bucket of
// another region or one deleted while it was read.
func (d buckets) item(ctx context.Context, client *s3.Client, scope configd.Scope, b s3types.Bucket, owner *s3types.Owner) (*configd.ConfigurationItem, error) {
	name := str(b.Name)
	region := str(b.BucketRegion)
	if region == "" {
		loc, err := client.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: b.Name})
		if isCode(err, "NoSuchBucket") {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("get bucket location %q: %w", name, err)
		}
		region = bucketRegion(string(loc.LocationConstraint))
	}
	if region != scope.Region {
		return nil, nil
	}
	ci := newItem(d.ResourceType(), name, name, scope.ARN("s3", name), region, azRegional)
	ci.ResourceCreationTime = timeOf(b.CreationDate)
	ownerJSON := map[string]any{"displayName": nil, "id": nil}
	if owner != nil {
		ownerJSON["id"] = owner.ID
		ownerJSON["displayName"] = owner.DisplayName
	}
	ci.Configuration = encode(map[string]any{
		"name":         name,
		"owner":        ownerJSON,
		"creationDate": ciValue(b.CreationDate),
	})
	sup := map[string]string{}
	ci.SupplementaryConfiguration = sup
	readers := []func(context.Context, *s3.Client, *string, map[string]string, *configd.ConfigurationItem) error{
		s3ACL, s3Encryption, s3PublicAccessBlock, s3Versioning, s3Policy, s3Logging, s3Lifecycle, s3Tagging,
		// s3_supplementary.go; s3Replication reads s3Versioning's result.
		s3Notification, s3Replication, s3Accelerate, s3Website, s3RequesterPays,
	}
	for _, read := range readers {
		err := read(ctx, client, b.Name, sup, ci)
		if isCode(err, "NoSuchBucket") {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("bucket %q: %w", name, err)
		}
	}
	return ci, nil
}

// bucketRegion maps a LocationConstraint to a region: empty is us-east-1 and
// "EU" is eu-west-1 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html).
func bucketRegion(constraint string) string {
	switch constraint {
	case "":
		return "us-east-1"
	case "EU":
		return "eu-west-1"
	}
	return constraint
}

// s3Permissions maps S3 ACL permissions to the names AWS Config records.
var s3Permissions = map[s3types.Permission]string{
	s3types.PermissionFullControl: "FullControl",
	s3types.PermissionRead:        "Read",
	s3types.PermissionWrite:       "Write",
	s3types.PermissionReadAcp:     "ReadAcp",
	s3types.PermissionWriteAcp:    "WriteAcp",
}

// s3ACL records AccessControlList. AWS Config stores it as a JSON string
// holding the JSON of the ACL (serialized twice); group grantees are the
// group's short name ("AllUsers"), canonical users {id, displayName}.
func s3ACL(ctx context.Context, c *s3.Client, bucket *string, sup map[string]string, _ *configd.ConfigurationItem) error {
	out, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: bucket})
	if err != nil {
		return fmt.Errorf("get bucket acl: %w", err)
	}
	grants := make([]any, 0, len(out.Grants))
	for _, g := range out.Grants {
		var grantee any
		if g.Grantee != nil {
			switch {
			case g.Grantee.URI != nil:
				grantee = resourceNameFromARN(*g.Grantee.URI)
			case g.Grantee.EmailAddress != nil:
				grantee = map[string]any{"identifier": *g.Grantee.EmailAddress}
			default:
				grantee = map[string]any{"id": g.Grantee.ID, "displayName": g.Grantee.DisplayName}
			}
		}
		perm := s3Permissions[g.Permission]
		if perm == "" {
			perm = string(g.Permission)
		}
		grants = append(grants, map[string]any{"grantee": grantee, "permission": perm})
	}
	sortByJSON(grants)
	owner := map[string]any{"displayName": nil, "id": nil}
	if out.Owner != nil {
		owner["displayName"] = out.Owner.DisplayName
		owner["id"] = out.Owner.ID
	}
	acl := encode(map[string]any{"grantSet": nil, "grantList": grants, "owner": owner, "isRequesterCharged": false})
	sup["AccessControlList"] = encode(acl)
	return nil
}

// s3Encryption records ServerSideEncryptionConfiguration when the bucket has one.
func s3Encryption(ctx context.Context, c *s3.Client, bucket *string, sup map[string]string, _ *configd.ConfigurationItem) error {
	out, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: bucket})
	if isCode(err, "ServerSideEncryptionConfigurationNotFoundError") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get bucket encryption: %w", err)
	}
	if out.ServerSideEncryptionConfiguration == nil {
		return nil
	}
	rules := []any{}
	for _, r := range out.ServerSideEncryptionConfiguration.Rules {
		var def any
		if r.ApplyServerSideEncryptionByDefault != nil {
			def = map[string]any{
				"sseAlgorithm":   string(r.ApplyServerSideEncryptionByDefault.SSEAlgorithm),
				"kmsMasterKeyID": r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID,
			}
		}
		rules = append(rules, map[string]any{
			"applyServerSideEncryptionByDefault": def,
			"bucketKeyEnabled":                   aws.ToBool(r.BucketKeyEnabled),
		})
	}
	sup["ServerSideEncryptionConfiguration"] = encode(map[string]any{"rules": rules})
	return nil
}

// s3PublicAccessBlock records PublicAccessBlockConfiguration when the bucket has one.
func s3PublicAccessBlock(ctx context.Context, c *s3.Client, bucket *string, sup map[string]string, _ *configd.ConfigurationItem) error {
	out, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: bucket})
	if isCode(err, "NoSuchPublicAccessBlockConfiguration") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get public access block: %w", err)
	}
	p := out.PublicAccessBlockConfiguration
	if p == nil {
		return nil
	}
	sup["PublicAccessBlockConfiguration"] = encode(map[string]any{
		"blockPublicAcls":       aws.ToBool(p.BlockPublicAcls),
		"ignorePublicAcls":      aws.ToBool(p.IgnorePublicAcls),
		"blockPublicPolicy":     aws.ToBool(p.BlockPublicPolicy),
		"restrictPublicBuckets": aws.ToBool(p.RestrictPublicBuckets),
	})
	return nil
}

// s3Versioning records BucketVersioningConfiguration; a bucket that never
// had versioning is "Off" with isMfaDeleteEnabled null.
func s3Versioning(ctx context.Context, c *s3.Client, bucket *string, sup map[string]string, _ *configd.ConfigurationItem) error {
	out, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: bucket})
	if err != nil {
		return fmt.Errorf("get bucket versioning: %w", err)
	}
	status := string(out.Status)
	if status == "" {
		status = "Off"
	}
	var mfa any
	switch out.MFADelete {
	case s3types.MFADeleteStatusEnabled:
		mfa = true
	case s3types.MFADeleteStatusDisabled:
		mfa = false
	}
	sup["BucketVersioningConfiguration"] = encode(map[string]any{"status": status, "isMfaDeleteEnabled": mfa})
	return nil
}

// s3Policy records BucketPolicy: {"policyText": the policy or null}.
func s3Policy(ctx context.Context, c *s3.Client, bucket *string, sup map[string]string, _ *configd.ConfigurationItem) error {
	out, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: bucket})
	var text *string
	switch {
	case isCode(err, "NoSuchBucketPolicy"):
	case err != nil:
		return fmt.Errorf("get bucket policy: %w", err)
	default:
		text = out.Policy
	}
	sup["BucketPolicy"] = encode(map[string]any{"policyText": text})
	return nil
}

// s3Logging records BucketLoggingConfiguration; nulls when logging is off.
func s3Logging(ctx context.Context, c *s3.Client, bucket *string, sup map[string]string, _ *configd.ConfigurationItem) error {
	out, err := c.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: bucket})
	if err != nil {
		return fmt.Errorf("get bucket logging: %w", err)
	}
	conf := map[string]any{"destinationBucketName": nil, "logFilePrefix": nil}
	if l := out.LoggingEnabled; l != nil {
		conf["destinationBucketName"] = l.TargetBucket
		conf["logFilePrefix"] = l.TargetPrefix
	}
	sup["BucketLoggingConfiguration"] = encode(conf)
	return nil
}

// s3Lifecycle records BucketLifecycleConfiguration when the bucket has rules,
// in AWS Config's shape: absent day counts are -1, filters are predicates.
func s3Lifecycle(ctx context.Context, c *s3.Client, bucket *string, sup map[string]string, _ *configd.ConfigurationItem) error {
	out, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: bucket})
	if isCode(err, "NoSuchLifecycleConfiguration") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get bucket lifecycle: %w", err)
	}
	if len(out.Rules) == 0 {
		return nil
	}
	rules := make([]any, 0, len(out.Rules))
	for _, r := range out.Rules {
		rule := map[string]any{
			"id": r.ID, "status": string(r.Status), "prefix": r.Prefix,
			"expirationInDays": -1, "expirationDate": nil, "expiredObjectDeleteMarker": false,
			"noncurrentVersionExpirationInDays": -1,
			"transitions":                       nil, "noncurrentVersionTransitions": nil,
			"abortIncompleteMultipartUpload": nil, "filter": nil,
		}
		if e := r.Expiration; e != nil {
			if e.Days != nil {
				rule["expirationInDays"] = *e.Days
			}
			rule["expirationDate"] = ciValue(e.Date)
			rule["expiredObjectDeleteMarker"] = aws.ToBool(e.ExpiredObjectDeleteMarker)
		}
		if n := r.NoncurrentVersionExpiration; n != nil && n.NoncurrentDays != nil {
			rule["noncurrentVersionExpirationInDays"] = *n.NoncurrentDays
		}
		if len(r.Transitions) > 0 {
			ts := []any{}
			for _, t := range r.Transitions {
				ts = append(ts, map[string]any{"days": intOr(t.Days, -1), "date": ciValue(t.Date), "storageClass": string(t.StorageClass)})
			}
			rule["transitions"] = ts
		}
		if len(r.NoncurrentVersionTransitions) > 0 {
			ts := []any{}
			for _, t := range r.NoncurrentVersionTransitions {
				ts = append(ts, map[string]any{"days": intOr(t.NoncurrentDays, -1), "storageClass": string(t.StorageClass)})
			}
			rule["noncurrentVersionTransitions"] = ts
		}
		if a := r.AbortIncompleteMultipartUpload; a != nil {
			rule["abortIncompleteMultipartUpload"] = map[string]any{"daysAfterInitiation": intOr(a.DaysAfterInitiation, 0)}
		}
		if f := r.Filter; f != nil {
			rule["filter"] = map[string]any{"predicate": lifecyclePredicate(f)}
		}
		rules = append(rules, rule)
	}
	sortByJSON(rules)
	sup["BucketLifecycleConfiguration"] = encode(map[string]any{"rules": rules})
	return nil
}

func lifecyclePredicate(f *s3types.LifecycleRuleFilter) any {
	switch {
	case f.And != nil:
		ops := []any{}
		if f.And.Prefix != nil {
			ops = append(ops, map[string]any{"type": "LifecyclePrefixPredicate", "prefix": *f.And.Prefix})
		}
		for _, t := range f.And.Tags {
			ops = append(ops, map[string]any{"type": "LifecycleTagPredicate", "tag": map[string]any{"key": t.Key, "value": t.Value}})
		}
		return map[string]any{"type": "LifecycleAndOperator", "operands": ops}
	case f.Tag != nil:
		return map[string]any{"type": "LifecycleTagPredicate", "tag": map[string]any{"key": f.Tag.Key, "value": f.Tag.Value}}
	default:
		return map[string]any{"type": "LifecyclePrefixPredicate", "prefix": str(f.Prefix)}
	}
}

// s3Tagging sets the item's tags and records BucketTaggingConfiguration
// ({"tagSets":[{"tags":{...}}]}) when the bucket has tags.
func s3Tagging(ctx context.Context, c *s3.Client, bucket *string, sup map[string]string, ci *configd.ConfigurationItem) error {
	out, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: bucket})
	if isCode(err, "NoSuchTagSet") || isCode(err, "NoSuchTagSetError") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get bucket tagging: %w", err)
	}
	ci.Tags = tagMap(out.TagSet, func(t s3types.Tag) (*string, *string) { return t.Key, t.Value })
	if len(ci.Tags) > 0 {
		sup["BucketTaggingConfiguration"] = encode(map[string]any{"tagSets": []any{map[string]any{"tags": ci.Tags}}})
	}
	return nil
}

func intOr(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}

// isCode reports whether err is an AWS API error with the given code.
func isCode(err error, code string) bool {
	var ae smithy.APIError
	return err != nil && errors.As(err, &ae) && strings.EqualFold(ae.ErrorCode(), code)
}
