package recorder

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/smithy-go"

	"github.com/configd/configd"
)

func init() { register(ecsTaskDefinitions{}) }

// ecsTaskDefinitions discovers AWS::ECS::TaskDefinition. Every revision of
// a family is a resource of its own, recorded in the shape of the
// CloudFormation resource (PascalCase keys, typed values):
//
//	{"TaskDefinitionArn":"arn:aws:ecs:<region>:<account>:task-definition/web:3",
//	 "Family":"web","Status":"ACTIVE","NetworkMode":"host","PidMode":"host",
//	 "Cpu":"256","Memory":"512","ExecutionRoleArn":…,"TaskRoleArn":…,
//	 "RequiresCompatibilities":["EC2"],"Volumes":[],"PlacementConstraints":[],
//	 "ContainerDefinitions":[{"Name":"app","Image":"nginx","Cpu":0,"Memory":256,
//	   "MemoryReservation":128,"Privileged":true,"ReadonlyRootFilesystem":false,
//	   "User":"1000","Essential":true,"Environment":[{"Name":"MODE","Value":"x"}],
//	   "Secrets":[{"Name":…,"ValueFrom":…}],
//	   "LogConfiguration":{"LogDriver":"awslogs","Options":{…}},
//	   "PortMappings":[],"MountPoints":[],"VolumesFrom":[],…}],
//	 "Tags":[{"Key":"team","Value":"web"}]}
//
// Verified:
//   - The configuration keys and their types: awslabs/aws-config-resource-schema,
//     config/properties/resource-types/AWS::ECS::TaskDefinition.properties.json
//     lists configuration.Family, .Status, .TaskDefinitionArn, .NetworkMode,
//     .PidMode, .IpcMode, .Cpu and .Memory (strings), .ExecutionRoleArn,
//     .TaskRoleArn, .RequiresCompatibilities, .Volumes…, .PlacementConstraints…,
//     .ProxyConfiguration…, .InferenceAccelerators…, and under
//     .ContainerDefinitions Name, Image, Privileged, ReadonlyRootFilesystem,
//     Essential (booleans), User, Memory, MemoryReservation, Cpu (integers),
//     Environment.Name/Value, Secrets.Name/ValueFrom, LogConfiguration.LogDriver,
//     LogConfiguration.SecretOptions, PortMappings, MountPoints, VolumesFrom,
//     LinuxParameters, HealthCheck, Ulimits, ….
//   - Code that reads AWS Config's items of the type
//     (aws-solutions/workload-discovery-on-aws, the AWS_ECS_TASK_DEFINITION
//     relationship handler of the discovery process) destructures
//     configuration.TaskRoleArn, ExecutionRoleArn, ContainerDefinitions[].
//     Environment[{Name, Value}] and Volumes[].EfsVolumeConfiguration, and
//     adds the IAM role relationships itself: AWS Config's item has none.
//   - Status is part of the configuration and INACTIVE revisions are
//     recorded as existing resources: the schema lists configuration.Status,
//     and ECS_TASK_DEFINITION_USER_FOR_HOST_MODE_CHECK's SkipInactiveTaskDefinitions
//     parameter ("if set to 'false', the rule will evaluate … INACTIVE …
//     task definitions") needs items of INACTIVE revisions that are not
//     deleted ones. So both ListTaskDefinitions listings (ACTIVE, then
//     INACTIVE) are recorded; DeregisterTaskDefinition gives a new version
//     with Status INACTIVE, and a revision goes ResourceDeleted only when it
//     leaves both listings (DeleteTaskDefinitions: DELETE_IN_PROGRESS, then
//     gone).
//
// Derived (no AWS Config item of the type was found to confirm them):
//   - The resource id is the task definition ARN, the CloudFormation primary
//     identifier (TaskDefinitionArn) and the id Cloud Custodian's AWS Config
//     source for the type (c7n/resources/ecs.py, ecs-task-definition:
//     id = taskDefinitionArn, config_type AWS::ECS::TaskDefinition) uses; one
//     workload-discovery test fixture gives "family:revision" as resourceId,
//     another the ARN. So a new revision is a new resource, and a tag change
//     is a new version of the same one (ECS definitions are otherwise
//     immutable). resourceName is "family:revision", ARN the ARN,
//     availabilityZone "Not Applicable", resourceCreationTime registeredAt.
//   - The exact key set: DescribeTaskDefinition's taskDefinition with member
//     names as the SDK (and CloudFormation) spell them, present members
//     only; lists ECS returns empty stay [] (Cloud Custodian's config source
//     keeps MountPoints, PortMappings and VolumesFrom empty lists from AWS
//     Config's items), absent ones are left out. Left out as not part of
//     the CloudFormation shape or not in the schema: Revision (it is the
//     ARN's suffix), Compatibilities, RequiresAttributes, RegisteredAt,
//     RegisteredBy, DeregisteredAt, DeleteRequestedAt. Tags as [{Key,Value}]
//     sorted by key, [] when untagged. List order is ECS's (container order
//     and environment order are part of the definition and never change for
//     a revision), so an unchanged revision gives byte-identical
//     configuration.
//
// Cost: one DescribeTaskDefinition per revision and poll, INACTIVE ones
// included (ECS keeps them until they are deleted).
type ecsTaskDefinitions struct{}

func (ecsTaskDefinitions) ResourceType() string { return "AWS::ECS::TaskDefinition" }
func (ecsTaskDefinitions) Global() bool         { return false }

// ecsTaskDefinitionStatuses are the listings recorded, in order.
var ecsTaskDefinitionStatuses = []ecstypes.TaskDefinitionStatus{
	ecstypes.TaskDefinitionStatusActive, ecstypes.TaskDefinitionStatusInactive,
}

func (d ecsTaskDefinitions) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := ecs.NewFromConfig(cfg)
	seen := map[string]bool{}
	for _, status := range ecsTaskDefinitionStatuses {
		p := ecs.NewListTaskDefinitionsPaginator(client, &ecs.ListTaskDefinitionsInput{Status: status})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("list %s task definitions: %w", status, err)
			}
			if err := emitEach(len(page.TaskDefinitionArns), func(i int) (*configd.ConfigurationItem, error) {
				arn := page.TaskDefinitionArns[i]
				// A revision deregistered between the two listings is in
				// both: record it once.
				if seen[arn] {
					return nil, nil
				}
				seen[arn] = true
				return d.item(ctx, client, scope, arn)
			}, emit); err != nil {
				return err
			}
		}
	}
	return nil
}

// ecsTaskDefinitionExcluded are DescribeTaskDefinition members that are not
// recorded (see ecsTaskDefinitions).
var ecsTaskDefinitionExcluded = []string{"Revision", "Compatibilities", "RequiresAttributes",
	"RegisteredAt", "RegisteredBy", "DeregisteredAt", "DeleteRequestedAt"}

// item describes the revision arn and builds its item; nil when the revision
// is gone (deleted meanwhile, or DELETE_IN_PROGRESS).
func (d ecsTaskDefinitions) item(ctx context.Context, client *ecs.Client, scope configd.Scope, arn string) (*configd.ConfigurationItem, error) {
	out, err := client.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{
		TaskDefinition: &arn, Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags},
	})
	if ecsTaskDefinitionGone(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe task definition %s: %w", arn, err)
	}
	td := out.TaskDefinition
	if td == nil || td.Status == ecstypes.TaskDefinitionStatusDeleteInProgress {
		return nil, nil
	}
	conf, _ := cfnTree(reflect.ValueOf(*td))
	m, _ := conf.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	for _, k := range ecsTaskDefinitionExcluded {
		delete(m, k)
	}
	if str(td.TaskDefinitionArn) != "" {
		arn = str(td.TaskDefinitionArn)
	}
	m["TaskDefinitionArn"] = arn
	name := fmt.Sprintf("%s:%d", str(td.Family), td.Revision)
	ci := newItem(d.ResourceType(), arn, name, arn, scope.Region, azNotApplicable)
	ci.ResourceCreationTime = timeOf(td.RegisteredAt)
	ci.Tags = tagMap(out.Tags, func(t ecstypes.Tag) (*string, *string) { return t.Key, t.Value })
	m["Tags"] = cfnTags(ci.Tags)
	ci.Configuration = encode(m)
	finish(ci)
	return ci, nil
}

// ecsTaskDefinitionGone reports whether err says the revision does not exist:
// ECS answers ClientException "Unable to describe task definition." (the
// code alone also covers invalid requests, so the message is checked too).
func ecsTaskDefinitionGone(err error) bool {
	var ae smithy.APIError
	if err == nil || !errors.As(err, &ae) || !strings.EqualFold(ae.ErrorCode(), "ClientException") {
		return false
	}
	return strings.Contains(strings.ToLower(ae.ErrorMessage()), "unable to describe task definition")
}

var cfnTimeType = reflect.TypeOf(time.Time{})

// cfnTree converts an SDK value into a JSON tree with the SDK's member names
// (which are CloudFormation's for ECS): absent pointers, nil slices and maps
// and empty enumerations are left out (ok false), empty non-nil slices stay
// [], numbers and booleans keep their type, timestamps use ciTimeLayout.
func cfnTree(v reflect.Value) (any, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, false
		}
		return cfnTree(v.Elem())
	case reflect.Struct:
		if v.Type() == cfnTimeType {
			return v.Interface().(time.Time).UTC().Format(ciTimeLayout), true
		}
		out := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if x, ok := cfnTree(v.Field(i)); ok {
				out[f.Name] = x
			}
		}
		return out, true
	case reflect.Slice:
		if v.IsNil() {
			return nil, false
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Bytes(), true
		}
		out := make([]any, 0, v.Len())
		for i := range v.Len() {
			if x, ok := cfnTree(v.Index(i)); ok {
				out = append(out, x)
			}
		}
		return out, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			if x, ok := cfnTree(it.Value()); ok {
				out[fmt.Sprint(it.Key().Interface())] = x
			}
		}
		return out, true
	case reflect.String:
		if v.String() == "" {
			return nil, false
		}
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Uint, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint(), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	}
	return nil, false
}
