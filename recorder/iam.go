package recorder

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/configd/configd"
)

// IAM types are read with GetAccountAuthorizationDetails, whose elements
// (UserDetail, RoleDetail, GroupDetail, ManagedPolicyDetail) carry the
// fields AWS Config records for them (userPolicyList, groupList,
// attachedManagedPolicies, rolePolicyList, instanceProfileList,
// policyVersionList, ...). Policy documents stay URL-encoded, as IAM
// returns them. IAM items are global: awsRegion "global", availability zone
// "Not Applicable" (see the IAM user and role items of
// https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_develop-rules_example-events.html).

// iamAuthDetails pages through GetAccountAuthorizationDetails for one
// entity filter and calls fn with each page.
func iamAuthDetails(ctx context.Context, client *iam.Client, filter iamtypes.EntityType, fn func(*iam.GetAccountAuthorizationDetailsOutput) error) error {
	p := iam.NewGetAccountAuthorizationDetailsPaginator(client, &iam.GetAccountAuthorizationDetailsInput{
		Filter: []iamtypes.EntityType{filter},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("get account authorization details (%s): %w", filter, err)
		}
		if err := fn(page); err != nil {
			return err
		}
	}
	return nil
}

// iamRef is the id and name of an IAM entity, for relationships.
type iamRef struct{ id, name string }

// iamIndex maps customer managed policy ARNs (and, if groups, group names)
// to ids, which relationships name.
func iamIndex(ctx context.Context, client *iam.Client, groups bool) (map[string]iamRef, map[string]string, error) {
	policies := map[string]iamRef{}
	err := iamAuthDetails(ctx, client, iamtypes.EntityTypeLocalManagedPolicy, func(page *iam.GetAccountAuthorizationDetailsOutput) error {
		for i := range page.Policies {
			p := &page.Policies[i]
			if err := completePolicy(ctx, client, p); err != nil {
				return err
			}
			policies[str(p.Arn)] = iamRef{str(p.PolicyId), str(p.PolicyName)}
		}
		return nil
	})
	if err != nil || !groups {
		return policies, nil, err
	}
	groupIDs := map[string]string{}
	err = iamAuthDetails(ctx, client, iamtypes.EntityTypeGroup, func(page *iam.GetAccountAuthorizationDetailsOutput) error {
		for _, g := range page.GroupDetailList {
			groupIDs[str(g.GroupName)] = str(g.GroupId)
		}
		return nil
	})
	return policies, groupIDs, err
}

// relatePolicies adds "Is attached to CustomerManagedPolicy" for each
// attached customer managed policy (AWS managed policies are not recorded).
func relatePolicies(ci *configd.ConfigurationItem, attached []iamtypes.AttachedPolicy, policies map[string]iamRef) {
	for _, a := range attached {
		if ref, ok := policies[str(a.PolicyArn)]; ok {
			relate(ci, "Is attached to CustomerManagedPolicy", "AWS::IAM::Policy", ref.id, ref.name)
		}
	}
}

// completePolicy fills the id and name of a policy detail that lacks them
// (AWS always sends them; some emulators leave them out) from GetPolicy.
func completePolicy(ctx context.Context, client *iam.Client, p *iamtypes.ManagedPolicyDetail) error {
	if p.PolicyId != nil && p.PolicyName != nil {
		return nil
	}
	out, err := client.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: p.Arn})
	if err != nil {
		return fmt.Errorf("get policy %s: %w", str(p.Arn), err)
	}
	p.PolicyId, p.PolicyName = out.Policy.PolicyId, out.Policy.PolicyName
	return nil
}

func iamTag(t iamtypes.Tag) (*string, *string) { return t.Key, t.Value }

// iamConfiguration converts an IAM detail element and sorts its unordered lists.
func iamConfiguration(v any, drop ...string) string {
	conf := object(v, drop...)
	for _, k := range []string{"tags", "attachedManagedPolicies", "userPolicyList", "groupList", "rolePolicyList", "groupPolicyList", "instanceProfileList", "policyVersionList"} {
		sortField(conf, k)
	}
	return encode(conf)
}

func init() {
	register(iamUsers{})
	register(iamRoles{})
	register(iamGroups{})
	register(iamPolicies{})
}

// iamUsers discovers AWS::IAM::User.
type iamUsers struct{}

func (iamUsers) ResourceType() string { return "AWS::IAM::User" }
func (iamUsers) Global() bool         { return true }

func (d iamUsers) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := iam.NewFromConfig(cfg)
	policies, groups, err := iamIndex(ctx, client, true)
	if err != nil {
		return err
	}
	return iamAuthDetails(ctx, client, iamtypes.EntityTypeUser, func(page *iam.GetAccountAuthorizationDetailsOutput) error {
		for i := range page.UserDetailList {
			u := &page.UserDetailList[i]
			ci := newItem(d.ResourceType(), str(u.UserId), str(u.UserName), str(u.Arn), GlobalRegion, azNotApplicable)
			ci.ResourceCreationTime = timeOf(u.CreateDate)
			ci.Tags = tagMap(u.Tags, iamTag)
			relatePolicies(ci, u.AttachedManagedPolicies, policies)
			for _, g := range u.GroupList {
				relate(ci, "Is contained in Group", "AWS::IAM::Group", groups[g], g)
			}
			ci.Configuration = iamConfiguration(u)
			finish(ci)
			if err := emit(ci); err != nil {
				return err
			}
		}
		return nil
	})
}

// iamRoles discovers AWS::IAM::Role. roleLastUsed is left out: it changes
// whenever the role is used, not when it is configured.
type iamRoles struct{}

func (iamRoles) ResourceType() string { return "AWS::IAM::Role" }
func (iamRoles) Global() bool         { return true }

func (d iamRoles) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := iam.NewFromConfig(cfg)
	policies, _, err := iamIndex(ctx, client, false)
	if err != nil {
		return err
	}
	return iamAuthDetails(ctx, client, iamtypes.EntityTypeRole, func(page *iam.GetAccountAuthorizationDetailsOutput) error {
		for i := range page.RoleDetailList {
			r := &page.RoleDetailList[i]
			ci := newItem(d.ResourceType(), str(r.RoleId), str(r.RoleName), str(r.Arn), GlobalRegion, azNotApplicable)
			ci.ResourceCreationTime = timeOf(r.CreateDate)
			ci.Tags = tagMap(r.Tags, iamTag)
			relatePolicies(ci, r.AttachedManagedPolicies, policies)
			for j := range r.InstanceProfileList {
				// Roles nested in instance profiles carry their own last-used time.
				for k := range r.InstanceProfileList[j].Roles {
					r.InstanceProfileList[j].Roles[k].RoleLastUsed = nil
				}
			}
			ci.Configuration = iamConfiguration(r, "roleLastUsed")
			finish(ci)
			if err := emit(ci); err != nil {
				return err
			}
		}
		return nil
	})
}

// iamGroups discovers AWS::IAM::Group.
type iamGroups struct{}

func (iamGroups) ResourceType() string { return "AWS::IAM::Group" }
func (iamGroups) Global() bool         { return true }

func (d iamGroups) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := iam.NewFromConfig(cfg)
	policies, _, err := iamIndex(ctx, client, false)
	if err != nil {
		return err
	}
	return iamAuthDetails(ctx, client, iamtypes.EntityTypeGroup, func(page *iam.GetAccountAuthorizationDetailsOutput) error {
		for i := range page.GroupDetailList {
			g := &page.GroupDetailList[i]
			ci := newItem(d.ResourceType(), str(g.GroupId), str(g.GroupName), str(g.Arn), GlobalRegion, azNotApplicable)
			ci.ResourceCreationTime = timeOf(g.CreateDate)
			relatePolicies(ci, g.AttachedManagedPolicies, policies)
			ci.Configuration = iamConfiguration(g)
			finish(ci)
			if err := emit(ci); err != nil {
				return err
			}
		}
		return nil
	})
}

// iamPolicies discovers AWS::IAM::Policy: customer managed policies only,
// as AWS Config records them, with every version in policyVersionList.
type iamPolicies struct{}

func (iamPolicies) ResourceType() string { return "AWS::IAM::Policy" }
func (iamPolicies) Global() bool         { return true }

func (d iamPolicies) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := iam.NewFromConfig(cfg)
	return iamAuthDetails(ctx, client, iamtypes.EntityTypeLocalManagedPolicy, func(page *iam.GetAccountAuthorizationDetailsOutput) error {
		for i := range page.Policies {
			p := &page.Policies[i]
			if err := completePolicy(ctx, client, p); err != nil {
				return err
			}
			ci := newItem(d.ResourceType(), str(p.PolicyId), str(p.PolicyName), str(p.Arn), GlobalRegion, azNotApplicable)
			ci.ResourceCreationTime = timeOf(p.CreateDate)
			ci.Configuration = iamConfiguration(p)
			finish(ci)
			if err := emit(ci); err != nil {
				return err
			}
		}
		return nil
	})
}
