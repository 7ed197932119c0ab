package recorder

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/configd/configd"
)

func init() { register(secretsManagerSecrets{}) }

// secretsManagerSecrets discovers AWS::SecretsManager::Secret. AWS Config
// records this type in a shape of its own, PascalCase keys that are neither
// DescribeSecret's member names nor CloudFormation's:
//
//	{"ARN":"arn:aws:secretsmanager:<region>:<account>:secret:app/db-AbCdEf","Name":"app/db",
//	 "Description":"…","KMSKeyId":"arn:aws:kms:…:key/…",
//	 "RotationEnabled":true,"RotationLambdaARN":"arn:aws:lambda:…:function:rotate",
//	 "RotationRules":{"AutomaticallyAfterDays":30,"AutomaticallyAfterHours":4,
//	                  "RotationDuration":"2h","RotationScheduleExpression":"rate(4 hours)"},
//	 "Deleted":false,
//	 "LastRotatedDate":"2025-01-02T03:04:05.000Z","LastAccessedDate":"2025-02-01T00:00:00.000Z"}
//
// Verified: the keys ARN, Name, Description, KMSKeyId (capital "KMS", unlike
// the API's KmsKeyId), RotationEnabled and Deleted (booleans),
// RotationLambdaARN, RotationRules.AutomaticallyAfterDays (an integer),
// RotationRules.AutomaticallyAfterHours (an integer),
// RotationRules.RotationDuration and RotationRules.RotationScheduleExpression
// (strings) are the configuration properties AWS Config lists for the type
// (awslabs/aws-config-resource-schema,
// config/properties/resource-types/AWS::SecretsManager::Secret.properties.json).
// That list has no configuration.Tags: tags are only the item's own tags.
// No full AWS Config item of the type was found.
//
// Derived, with no AWS sample to confirm them:
//   - The values: RotationRules members from DescribeSecret's RotationRules
//     (AutomaticallyAfterDays, Duration → RotationDuration,
//     ScheduleExpression → RotationScheduleExpression);
//     AutomaticallyAfterHours only when the schedule is "rate(N hours)"
//     (Secrets Manager's only hourly form), N. KMSKeyId is DescribeSecret's
//     KmsKeyId as returned, absent for a secret under the AWS managed key
//     aws/secretsmanager (the API omits it then). Deleted is true when the
//     secret is scheduled for deletion (DeletedDate set): the schema's
//     Deleted key only makes sense if AWS Config keeps recording such
//     secrets, so they are listed (ListSecrets IncludePlannedDeletion) and
//     recorded with Deleted true until Secrets Manager removes them, which
//     the poll then records as ResourceDeleted.
//   - Present keys only, except RotationEnabled and Deleted, always
//     written (false when unset).
//   - LastRotatedDate and LastAccessedDate are not in AWS's property list;
//     configd records them (ciTimeLayout) because the periodic managed rules
//     SECRETSMANAGER_SECRET_PERIODIC_ROTATION and SECRETSMANAGER_SECRET_UNUSED
//     judge them. LastRotatedDate changes only with a rotation;
//     LastAccessedDate is a date (Secrets Manager rounds it to the day), so a
//     secret in use gets at most one new version a day. Both are absent until
//     the secret is first rotated / retrieved.
//   - Not recorded: the secret value (GetSecretValue is never called),
//     VersionIdsToStages (changes with every PutSecretValue), LastChangedDate,
//     NextRotationDate, CreatedDate (resourceCreationTime), OwningService,
//     PrimaryRegion, ReplicationStatus, RotationOccurringAsScheduled (AWS
//     computes it; DescribeSecret has no such member) and the resource policy.
//
// Resource id is the secret ARN (derived: CloudFormation's primary
// identifier "Id" is the ARN, and the name alone is not unique over time, a
// re-created secret gets a new ARN suffix), resourceName the secret name,
// ARN the ARN, availabilityZone "Not Applicable", resourceCreationTime
// CreatedDate. No relationships (AWS Config relates the secret to its KMS
// key and rotation function only through the configuration).
type secretsManagerSecrets struct{}

func (secretsManagerSecrets) ResourceType() string { return "AWS::SecretsManager::Secret" }
func (secretsManagerSecrets) Global() bool         { return false }

func (d secretsManagerSecrets) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := secretsmanager.NewFromConfig(cfg)
	p := secretsmanager.NewListSecretsPaginator(client, &secretsmanager.ListSecretsInput{IncludePlannedDeletion: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list secrets: %w", err)
		}
		if err := emitEach(len(page.SecretList), func(i int) (*configd.ConfigurationItem, error) {
			return d.item(ctx, client, scope, &page.SecretList[i])
		}, emit); err != nil {
			return err
		}
	}
	return nil
}

// item describes the secret (metadata only, never its value) and builds its
// item; nil when the secret vanished after the listing.
func (d secretsManagerSecrets) item(ctx context.Context, client *secretsmanager.Client, scope configd.Scope, e *smtypes.SecretListEntry) (*configd.ConfigurationItem, error) {
	id := str(e.ARN)
	if id == "" {
		id = str(e.Name)
	}
	out, err := client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(id)})
	if isCode(err, "ResourceNotFoundException") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe secret %s: %w", id, err)
	}
	return secretItem(d.ResourceType(), scope, out), nil
}

// secretItem builds the item of a DescribeSecret answer.
func secretItem(resourceType string, scope configd.Scope, s *secretsmanager.DescribeSecretOutput) *configd.ConfigurationItem {
	arn := str(s.ARN)
	conf := map[string]any{
		"ARN":             arn,
		"Name":            str(s.Name),
		"RotationEnabled": aws.ToBool(s.RotationEnabled),
		"Deleted":         s.DeletedDate != nil,
	}
	setString := func(key string, p *string) {
		if v := str(p); v != "" {
			conf[key] = v
		}
	}
	setString("Description", s.Description)
	setString("KMSKeyId", s.KmsKeyId)
	setString("RotationLambdaARN", s.RotationLambdaARN)
	if r := secretRotationRules(s.RotationRules); r != nil {
		conf["RotationRules"] = r
	}
	if s.LastRotatedDate != nil {
		conf["LastRotatedDate"] = s.LastRotatedDate.UTC().Format(ciTimeLayout)
	}
	if s.LastAccessedDate != nil {
		conf["LastAccessedDate"] = s.LastAccessedDate.UTC().Format(ciTimeLayout)
	}

	ci := newItem(resourceType, arn, str(s.Name), arn, scope.Region, azNotApplicable)
	ci.ResourceCreationTime = timeOf(s.CreatedDate)
	ci.Tags = tagMap(s.Tags, func(t smtypes.Tag) (*string, *string) { return t.Key, t.Value })
	ci.Configuration = encode(conf)
	finish(ci)
	return ci
}

// rateHours matches Secrets Manager's hourly schedule, "rate(4 hours)".
var rateHours = regexp.MustCompile(`^rate\(\s*(\d+)\s+hours?\s*\)$`)

// secretRotationRules renders RotationRules with AWS Config's member names;
// nil when the secret has no rules.
func secretRotationRules(r *smtypes.RotationRulesType) map[string]any {
	if r == nil {
		return nil
	}
	out := map[string]any{}
	if r.AutomaticallyAfterDays != nil {
		out["AutomaticallyAfterDays"] = *r.AutomaticallyAfterDays
	}
	if expr := str(r.ScheduleExpression); expr != "" {
		out["RotationScheduleExpression"] = expr
		if m := rateHours.FindStringSubmatch(expr); m != nil {
			if h, err := strconv.ParseInt(m[1], 10, 64); err == nil {
				out["AutomaticallyAfterHours"] = h
			}
		}
	}
	if dur := str(r.Duration); dur != "" {
		out["RotationDuration"] = dur
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
