package awsjson

import (
	"context"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
	"github.com/configd/configd/service"
)

// registerOrganization routes the organization rule and conformance pack
// operations. Their input is validated as for any operation; then, since
// configd has no AWS Organizations, each answers as AWS answers an account
// outside any organization (service.(*Service).Organization).
func (s *Server) registerOrganization() {
	s.handlers["PutOrganizationConfigRule"] = op(s.putOrganizationConfigRule)
	s.handlers["DescribeOrganizationConfigRules"] = orgOp[api.DescribeOrganizationConfigRulesRequest](s)
	s.handlers["DescribeOrganizationConfigRuleStatuses"] = orgOp[api.DescribeOrganizationConfigRuleStatusesRequest](s)
	s.handlers["DeleteOrganizationConfigRule"] = orgOp[api.DeleteOrganizationConfigRuleRequest](s)
	s.handlers["GetOrganizationConfigRuleDetailedStatus"] = orgOp[api.GetOrganizationConfigRuleDetailedStatusRequest](s)
	s.handlers["GetOrganizationCustomRulePolicy"] = orgOp[api.GetOrganizationCustomRulePolicyRequest](s)
	s.handlers["PutOrganizationConformancePack"] = op(s.putOrganizationConformancePack)
	s.handlers["DescribeOrganizationConformancePacks"] = orgOp[api.DescribeOrganizationConformancePacksRequest](s)
	s.handlers["DescribeOrganizationConformancePackStatuses"] = orgOp[api.DescribeOrganizationConformancePackStatusesRequest](s)
	s.handlers["DeleteOrganizationConformancePack"] = orgOp[api.DeleteOrganizationConformancePackRequest](s)
	s.handlers["GetOrganizationConformancePackDetailedStatus"] = orgOp[api.GetOrganizationConformancePackDetailedStatusRequest](s)
}

// orgOp is an organization operation without checks beyond the model's.
func orgOp[T any, PT interface {
	*T
	api.Input
}](s *Server) handler {
	return op(func(ctx context.Context, req *Request, _ PT) (empty, error) {
		return empty{}, s.Service.Organization(ctx, req.Scope)
	})
}

func (s *Server) putOrganizationConfigRule(ctx context.Context, req *Request, in *api.PutOrganizationConfigRuleRequest) (empty, error) {
	if err := service.CheckOrganizationRuleMetadata(in.OrganizationManagedRuleMetadata != nil, in.OrganizationCustomRuleMetadata != nil, in.OrganizationCustomPolicyRuleMetadata != nil); err != nil {
		return empty{}, err
	}
	return empty{}, s.Service.Organization(ctx, req.Scope)
}

func (s *Server) putOrganizationConformancePack(ctx context.Context, req *Request, in *api.PutOrganizationConformancePackRequest) (empty, error) {
	if (in.TemplateBody == "") == (in.TemplateS3Uri == "") {
		return empty{}, configd.Errorf(configd.ErrInvalidParameterValue, "You must specify only one of the following parameters: TemplateS3Uri or TemplateBody.")
	}
	return empty{}, s.Service.Organization(ctx, req.Scope)
}
