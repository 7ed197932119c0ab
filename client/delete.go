package client

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/configservice"
)

// DeleteRemediationConfiguration deletes the remediation configuration of a
// Config rule (resourceType may be "" to leave it out of the request). While
// an execution runs, AWS Config and configd refuse with
// RemediationInProgressException
// (https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteRemediationConfiguration.html);
// that, ResourceInUseException and throttling are retried with backoff.
// NoSuchRemediationConfigurationException counts as success, so the call is
// idempotent. On failure it returns a *RetryError.
func (c *Client) DeleteRemediationConfiguration(ctx context.Context, rule, resourceType string, opts ...Option) error {
	s := c.set.apply(opts)
	in := &configservice.DeleteRemediationConfigurationInput{ConfigRuleName: &rule}
	if resourceType != "" {
		in.ResourceType = &resourceType
	}
	return c.retryCall(ctx, s, "DeleteRemediationConfiguration", "NoSuchRemediationConfigurationException",
		func(ctx context.Context) error {
			_, err := c.api.DeleteRemediationConfiguration(ctx, in)
			return err
		})
}

// DeleteConfigRule deletes a Config rule. AWS Config refuses with
// ResourceInUseException while the rule is being deleted or while a
// remediation configuration is associated with it
// (https://docs.aws.amazon.com/config/latest/APIReference/API_DeleteConfigRule.html);
// that, RemediationInProgressException and throttling are retried with
// backoff. Delete the remediation configuration first
// (DeleteRemediationConfiguration), or the retries only wait for someone else
// to. NoSuchConfigRuleException counts as success, so the call is
// idempotent. On failure it returns a *RetryError.
func (c *Client) DeleteConfigRule(ctx context.Context, rule string, opts ...Option) error {
	s := c.set.apply(opts)
	in := &configservice.DeleteConfigRuleInput{ConfigRuleName: &rule}
	return c.retryCall(ctx, s, "DeleteConfigRule", "NoSuchConfigRuleException",
		func(ctx context.Context) error {
			_, err := c.api.DeleteConfigRule(ctx, in)
			return err
		})
}
