package recorder

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// AccountSettings says how to reach and authenticate to the account a
// recorder reads. Empty fields fall back to the SDK's standard chain
// (environment, shared config and credentials files, container and
// instance roles), so AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_<SERVICE> work as usual.
type AccountSettings struct {
	Region string
	// EndpointURL sends every service to one endpoint (moto, LocalStack).
	EndpointURL string
	// AccessKeyID and SecretAccessKey (and SessionToken) are static
	// credentials; both must be set to be used.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Profile selects a shared config profile.
	Profile string
	// RoleARN, when set, is assumed through STS with the credentials above
	// (or the chain's) and its temporary credentials are used instead.
	RoleARN string
}

// RoleSessionName is the session name of roles assumed by AWSConfig.
const RoleSessionName = "configd-recorder"

// AWSConfig builds an aws.Config from the SDK's default chain with the
// overrides of s.
func AWSConfig(ctx context.Context, s AccountSettings) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if s.Region != "" {
		opts = append(opts, config.WithRegion(s.Region))
	}
	if s.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(s.Profile))
	}
	if s.AccessKeyID != "" && s.SecretAccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(s.AccessKeyID, s.SecretAccessKey, s.SessionToken)))
	}
	if s.EndpointURL != "" {
		opts = append(opts, config.WithBaseEndpoint(s.EndpointURL))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	if s.RoleARN != "" {
		provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), s.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = RoleSessionName
		})
		cfg.Credentials = aws.NewCredentialsCache(provider)
	}
	return cfg, nil
}
