package recorder

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/configd/configd"
)

func init() { register(lambdaFunctions{}) }

// lambdaFunctions discovers AWS::Lambda::Function: the ListFunctions
// FunctionConfiguration with lowerCamel keys, the function's resource policy
// as supplementary Policy (a JSON string, absent when the function has none;
// the managed rule lambda-function-public-access-prohibited reads it), and
// the relationship "Is associated with Role" to its execution role.
type lambdaFunctions struct{}

func (lambdaFunctions) ResourceType() string { return "AWS::Lambda::Function" }
func (lambdaFunctions) Global() bool         { return false }

func (d lambdaFunctions) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := lambda.NewFromConfig(cfg)
	roles := &roleIDs{client: iam.NewFromConfig(cfg)}
	p := lambda.NewListFunctionsPaginator(client, &lambda.ListFunctionsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list functions: %w", err)
		}
		if err := emitEach(len(page.Functions), func(i int) (*configd.ConfigurationItem, error) {
			return d.item(ctx, client, roles, scope, &page.Functions[i])
		}, emit); err != nil {
			return err
		}
	}
	return nil
}

func (d lambdaFunctions) item(ctx context.Context, client *lambda.Client, roles *roleIDs, scope configd.Scope, f *lambdatypes.FunctionConfiguration) (*configd.ConfigurationItem, error) {
	name := str(f.FunctionName)
	ci := newItem(d.ResourceType(), name, name, str(f.FunctionArn), scope.Region, azNotApplicable)
	ci.SupplementaryConfiguration = map[string]string{}
	tags, err := client.ListTags(ctx, &lambda.ListTagsInput{Resource: f.FunctionArn})
	if isCode(err, "ResourceNotFoundException") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list tags of function %q: %w", name, err)
	}
	for k, v := range tags.Tags {
		ci.Tags[k] = v
	}
	pol, err := client.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: f.FunctionName})
	switch {
	case isCode(err, "ResourceNotFoundException"):
	case err != nil:
		return nil, fmt.Errorf("get policy of function %q: %w", name, err)
	case pol.Policy != nil:
		ci.SupplementaryConfiguration["Policy"] = encode(*pol.Policy)
	}
	if role := str(f.Role); role != "" {
		roleName := resourceNameFromARN(role)
		id, err := roles.lookup(ctx, role)
		if err != nil {
			return nil, err
		}
		relate(ci, "Is associated with Role", "AWS::IAM::Role", id, roleName)
	}
	conf := object(f)
	sortField(conf, "architectures")
	ci.Configuration = encode(conf)
	finish(ci)
	return ci, nil
}

// roleIDs resolves role ARNs to role ids with one ListRoles sweep, made
// only when a function needs it.
type roleIDs struct {
	client *iam.Client
	once   sync.Once
	ids    map[string]string
	err    error
}

func (r *roleIDs) lookup(ctx context.Context, arn string) (string, error) {
	r.once.Do(func() {
		r.ids = map[string]string{}
		p := iam.NewListRolesPaginator(r.client, &iam.ListRolesInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				r.err = fmt.Errorf("list roles: %w", err)
				return
			}
			for _, role := range page.Roles {
				r.ids[strings.ToLower(str(role.Arn))] = str(role.RoleId)
			}
		}
	})
	return r.ids[strings.ToLower(arn)], r.err
}
