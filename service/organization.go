package service

import (
	"context"

	"github.com/configd/configd"
)

// msgNotInOrganization is what AWS Config answers an organization
// operation called by an account that is not in an AWS Organization
// (quoted from DescribeOrganizationConformancePacks in
// aws-samples/aws2tf issue 86; OrganizationAccessDeniedException is
// documented for every OrganizationConfigRule and
// OrganizationConformancePack operation:
// https://docs.aws.amazon.com/config/latest/APIReference/API_PutOrganizationConfigRule.html).
const msgNotInOrganization = "This action can only be made by accounts in an AWS Organization"

// ErrNoSuchOrganizationConfigRule and ErrNoSuchOrganizationConformancePack
// are AWS's exceptions for absent organization objects.
const (
	ErrNoSuchOrganizationConfigRule      = "NoSuchOrganizationConfigRuleException"
	ErrNoSuchOrganizationConformancePack = "NoSuchOrganizationConformancePackException"
)

// Organization returns the organization of the scope's account for the
// organization operations. configd has no AWS Organizations, so every
// account is outside any organization and the answer is always AWS's
// OrganizationAccessDeniedException for such an account.
func (s *Service) Organization(ctx context.Context, scope configd.Scope) error {
	return configd.Errorf(ErrOrganizationAccessDenied, msgNotInOrganization)
}

// CheckOrganizationRuleMetadata checks what PutOrganizationConfigRule's
// model does not: exactly one kind of rule metadata.
func CheckOrganizationRuleMetadata(managed, custom, policy bool) error {
	n := 0
	for _, b := range []bool{managed, custom, policy} {
		if b {
			n++
		}
	}
	if n != 1 {
		return configd.Errorf(configd.ErrValidation, "Specify exactly one of OrganizationManagedRuleMetadata, OrganizationCustomRuleMetadata and OrganizationCustomPolicyRuleMetadata.")
	}
	return nil
}
