package recorder

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/configd/configd"
)

func init() { register(ecrRepositories{}) }

// ecrRepositories discovers AWS::ECR::Repository (private repositories;
// public ones are AWS::ECR::PublicRepository). AWS Config records this type
// in the shape of its CloudFormation resource (PascalCase keys, typed
// values):
//
//	{"RepositoryName":"app","Arn":"arn:aws:ecr:<region>:<account>:repository/app",
//	 "RepositoryUri":"<account>.dkr.ecr.<region>.amazonaws.com/app",
//	 "ImageTagMutability":"IMMUTABLE","ImageScanningConfiguration":{"ScanOnPush":true},
//	 "EncryptionConfiguration":{"EncryptionType":"AES256"},
//	 "LifecyclePolicy":{"LifecyclePolicyText":"…","RegistryId":"<account>"},
//	 "RepositoryPolicyText":{"Version":"2012-10-17","Statement":[…]},
//	 "Tags":[{"Key":"env","Value":"test"}]}
//
// Verified: the keys Arn, RepositoryName, ImageTagMutability,
// ImageScanningConfiguration.ScanOnPush (a boolean) and
// LifecyclePolicy.RegistryId are the configuration properties AWS Config
// lists for the type (awslabs/aws-config-resource-schema,
// config/properties/resource-types/AWS::ECR::Repository.properties.json);
// a client that reads AWS Config's ECR items through advanced queries
// (AwsConfigEcrClient, "Config-based ECR client implementation") selects
// configuration.RepositoryName and configuration.RepositoryPolicyText,
// re-serialises the latter with JSON.stringify (so it is a JSON object in
// the item, not a string) and looks items up by resourceId = repository
// name.
//
// Derived from the AWS::ECR::Repository CloudFormation schema, with no AWS
// Config sample found to confirm them: RepositoryUri,
// EncryptionConfiguration{EncryptionType,KmsKey} (KmsKey only when set),
// LifecyclePolicy.LifecyclePolicyText (the policy text as GetLifecyclePolicy
// returns it), ImageTagMutabilityExclusionFilters (only when the
// repository has some), Tags (always, [] when untagged, sorted by key).
// LifecyclePolicy and RepositoryPolicyText are present only when the
// repository has such a policy. EmptyOnDelete is a CloudFormation deletion
// setting that ECR does not store, so it is never written.
//
// Resource id and name are the repository name, the ARN the API's
// repositoryArn, availabilityZone "Not Applicable", resourceCreationTime
// createdAt. No relationships (AWS Config relates a repository to a KMS key
// only through its configuration).
type ecrRepositories struct{}

func (ecrRepositories) ResourceType() string { return "AWS::ECR::Repository" }
func (ecrRepositories) Global() bool         { return false }

func (d ecrRepositories) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := ecr.NewFromConfig(cfg)
	p := ecr.NewDescribeRepositoriesPaginator(client, &ecr.DescribeRepositoriesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describe repositories: %w", err)
		}
		if err := emitEach(len(page.Repositories), func(i int) (*configd.ConfigurationItem, error) {
			return d.item(ctx, client, scope, &page.Repositories[i])
		}, emit); err != nil {
			return err
		}
	}
	return nil
}

// ecrGone reports whether err says the repository no longer exists (deleted
// between the listing and a read).
func ecrGone(err error) bool { return isCode(err, "RepositoryNotFoundException") }

// item reads the repository's policies and tags and builds its item; nil
// when the repository was deleted meanwhile.
func (d ecrRepositories) item(ctx context.Context, client *ecr.Client, scope configd.Scope, r *ecrtypes.Repository) (*configd.ConfigurationItem, error) {
	name := str(r.RepositoryName)
	conf := map[string]any{
		"RepositoryName":     name,
		"Arn":                str(r.RepositoryArn),
		"RepositoryUri":      str(r.RepositoryUri),
		"ImageTagMutability": string(r.ImageTagMutability),
	}
	scan := false
	if r.ImageScanningConfiguration != nil {
		scan = r.ImageScanningConfiguration.ScanOnPush
	}
	conf["ImageScanningConfiguration"] = map[string]any{"ScanOnPush": scan}
	if e := r.EncryptionConfiguration; e != nil {
		enc := map[string]any{"EncryptionType": string(e.EncryptionType)}
		if k := str(e.KmsKey); k != "" {
			enc["KmsKey"] = k
		}
		conf["EncryptionConfiguration"] = enc
	}
	if len(r.ImageTagMutabilityExclusionFilters) > 0 {
		filters := make([]any, 0, len(r.ImageTagMutabilityExclusionFilters))
		for _, f := range r.ImageTagMutabilityExclusionFilters {
			filters = append(filters, map[string]any{
				"ImageTagMutabilityExclusionFilterType":  string(f.FilterType),
				"ImageTagMutabilityExclusionFilterValue": str(f.Filter),
			})
		}
		sortByJSON(filters)
		conf["ImageTagMutabilityExclusionFilters"] = filters
	}

	lp, err := client.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: &name, RegistryId: r.RegistryId})
	switch {
	case ecrGone(err):
		return nil, nil
	case isCode(err, "LifecyclePolicyNotFoundException"):
	case err != nil:
		return nil, fmt.Errorf("get lifecycle policy %s: %w", name, err)
	default:
		registry := str(lp.RegistryId)
		if registry == "" {
			registry = str(r.RegistryId)
		}
		conf["LifecyclePolicy"] = map[string]any{"LifecyclePolicyText": str(lp.LifecyclePolicyText), "RegistryId": registry}
	}

	rp, err := client.GetRepositoryPolicy(ctx, &ecr.GetRepositoryPolicyInput{RepositoryName: &name, RegistryId: r.RegistryId})
	switch {
	case ecrGone(err):
		return nil, nil
	case isCode(err, "RepositoryPolicyNotFoundException"):
	case err != nil:
		return nil, fmt.Errorf("get repository policy %s: %w", name, err)
	default:
		var policy any
		if text := str(rp.PolicyText); text != "" {
			if json.Unmarshal([]byte(text), &policy) != nil {
				// Not JSON (never seen from ECR): keep the text as is.
				policy = text
			}
			conf["RepositoryPolicyText"] = policy
		}
	}

	ci := newItem(d.ResourceType(), name, name, str(r.RepositoryArn), scope.Region, azNotApplicable)
	ci.ResourceCreationTime = timeOf(r.CreatedAt)
	tags, err := client.ListTagsForResource(ctx, &ecr.ListTagsForResourceInput{ResourceArn: r.RepositoryArn})
	if ecrGone(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list tags for repository %s: %w", name, err)
	}
	ci.Tags = tagMap(tags.Tags, func(t ecrtypes.Tag) (*string, *string) { return t.Key, t.Value })
	conf["Tags"] = cfnTags(ci.Tags)
	ci.Configuration = encode(conf)
	finish(ci)
	return ci, nil
}
