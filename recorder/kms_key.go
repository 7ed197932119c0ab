package recorder

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/configd/configd"
)

func init() { register(kmsKeys{}) }

// kmsKeys discovers AWS::KMS::Key: the DescribeKey KeyMetadata with
// lowerCamel keys, and supplementary KeyRotationStatus (true/false) for keys
// whose rotation can be read (symmetric customer managed keys); the managed
// rule cmk-backing-key-rotation-enabled reads it.
type kmsKeys struct{}

func (kmsKeys) ResourceType() string { return "AWS::KMS::Key" }
func (kmsKeys) Global() bool         { return false }

func (d kmsKeys) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := kms.NewFromConfig(cfg)
	p := kms.NewListKeysPaginator(client, &kms.ListKeysInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list keys: %w", err)
		}
		if err := emitEach(len(page.Keys), func(i int) (*configd.ConfigurationItem, error) {
			return d.item(ctx, client, scope, page.Keys[i].KeyId)
		}, emit); err != nil {
			return err
		}
	}
	return nil
}

func (d kmsKeys) item(ctx context.Context, client *kms.Client, scope configd.Scope, keyID *string) (*configd.ConfigurationItem, error) {
	out, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: keyID})
	if isCode(err, "NotFoundException") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe key %s: %w", str(keyID), err)
	}
	m := out.KeyMetadata
	id := str(m.KeyId)
	ci := newItem(d.ResourceType(), id, "", str(m.Arn), scope.Region, azNotApplicable)
	ci.ResourceCreationTime = timeOf(m.CreationDate)
	ci.SupplementaryConfiguration = map[string]string{}
	if m.KeyManager == kmstypes.KeyManagerTypeCustomer && m.KeyState != kmstypes.KeyStatePendingDeletion {
		rot, err := client.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: keyID})
		switch {
		case isCode(err, "UnsupportedOperationException"), isCode(err, "NotFoundException"):
		case err != nil:
			return nil, fmt.Errorf("get key rotation status %s: %w", id, err)
		default:
			ci.SupplementaryConfiguration["KeyRotationStatus"] = encode(rot.KeyRotationEnabled)
		}
		tp := kms.NewListResourceTagsPaginator(client, &kms.ListResourceTagsInput{KeyId: keyID})
		for tp.HasMorePages() {
			page, err := tp.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list resource tags %s: %w", id, err)
			}
			for _, t := range page.Tags {
				ci.Tags[str(t.TagKey)] = str(t.TagValue)
			}
		}
	}
	conf := object(m)
	for _, k := range []string{"encryptionAlgorithms", "signingAlgorithms", "macAlgorithms", "keyAgreementAlgorithms"} {
		sortField(conf, k)
	}
	ci.Configuration = encode(conf)
	return ci, nil
}
