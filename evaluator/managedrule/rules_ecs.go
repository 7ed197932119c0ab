package managedrule

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/configd/configd"
)

// Native rules over AWS::ECS::TaskDefinition items as the recorder writes
// them (docs/ci-formats.md; recorder/ecs_taskdefinition.go): one item per
// revision, resource id the revision's ARN
// (arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>),
// resource name "<family>:<revision>", configuration in the CloudFormation
// shape,
//
//	{"TaskDefinitionArn","Family","Status":"ACTIVE"|"INACTIVE","NetworkMode","PidMode",
//	 "RequiresCompatibilities":["EC2"],
//	 "ContainerDefinitions":[{"Name","Privileged":bool,"ReadonlyRootFilesystem":bool,
//	   "User","Memory":int,"MemoryReservation":int,"Environment":[{"Name","Value"}],
//	   "LogConfiguration":{"LogDriver","Options"},…}],…}
//
// "This rule only evaluates the latest active revision of an Amazon ECS task
// definition", every page says. A configuration item shows one revision,
// so the rules look at the other recorded revisions of its family when
// they have an inventory: an ACTIVE revision below the family's highest
// recorded ACTIVE revision is NOT_APPLICABLE, and so is an INACTIVE one
// (ECS_TASK_DEFINITION_USER_FOR_HOST_MODE_CHECK evaluates INACTIVE ones too
// unless SkipInactiveTaskDefinitions is true; see there). Without an
// inventory (a configuration change evaluated alone) every ACTIVE revision
// is evaluated. An item without Status counts as ACTIVE; the family and
// revision come from the ARN, else from the resource id, ARN or name
// ("family:revision"), the family else from Family.

const ecsTaskDefinition = "AWS::ECS::TaskDefinition"

func init() {
	types := []string{ecsTaskDefinition}
	register(
		&resourceRule{id: "ECS_CONTAINERS_NONPRIVILEGED", types: types, check: ecsRule(false, checkECSNonPrivileged)},
		&resourceRule{id: "ECS_CONTAINERS_READONLY_ACCESS", types: types, check: ecsRule(false, checkECSReadonlyAccess)},
		&resourceRule{id: "ECS_TASK_DEFINITION_USER_FOR_HOST_MODE_CHECK", types: types, check: ecsRule(true, checkECSUserForHostMode)},
		&resourceRule{id: "ECS_TASK_DEFINITION_MEMORY_HARD_LIMIT", types: types, check: ecsRule(false, checkECSMemoryHardLimit)},
		&resourceRule{id: "ECS_NO_ENVIRONMENT_SECRETS", types: types, check: ecsRule(false, checkECSNoEnvironmentSecrets)},
		&resourceRule{id: "ECS_TASK_DEFINITION_NONROOT_USER", types: types, check: ecsRule(false, checkECSNonRootUser)},
		&resourceRule{id: "ECS_TASK_DEFINITION_PID_MODE_CHECK", types: types, check: ecsRule(false, checkECSPidMode)},
		&resourceRule{id: "ECS_TASK_DEFINITION_LOG_CONFIGURATION", types: types, check: ecsRule(false, checkECSLogConfiguration)},
	)
}

// ecsContainer is the part of a container definition the rules read.
type ecsContainer struct {
	Name                   flexString `json:"Name"`
	Privileged             flexBool   `json:"Privileged"`
	ReadonlyRootFilesystem flexBool   `json:"ReadonlyRootFilesystem"`
	User                   flexString `json:"User"`
	Memory                 flexString `json:"Memory"`
	Environment            []struct {
		Name flexString `json:"Name"`
	} `json:"Environment"`
	// LogConfiguration is nil when absent or null.
	LogConfiguration *struct {
		LogDriver flexString `json:"LogDriver"`
	} `json:"LogConfiguration"`
}

// ecsTaskDef is the part of a task definition item the rules read.
type ecsTaskDef struct {
	TaskDefinitionArn       flexString     `json:"TaskDefinitionArn"`
	Family                  flexString     `json:"Family"`
	Status                  flexString     `json:"Status"`
	NetworkMode             flexString     `json:"NetworkMode"`
	PidMode                 flexString     `json:"PidMode"`
	RequiresCompatibilities stringList     `json:"RequiresCompatibilities"`
	ContainerDefinitions    []ecsContainer `json:"ContainerDefinitions"`

	family   string
	revision int // 0 when unknown
	inactive bool
}

func decodeECSTaskDef(ci *configd.ConfigurationItem) (*ecsTaskDef, error) {
	var c ecsTaskDef
	if err := decodeConfiguration(ci, &c); err != nil {
		return nil, err
	}
	// decodeConfiguration may hand out a cached value: work on a copy.
	td := c
	td.family, td.revision = ecsRevision(string(c.TaskDefinitionArn))
	for _, id := range []string{ci.ResourceID, ci.ARN, ci.ResourceName} {
		if td.family != "" && td.revision != 0 {
			break
		}
		f, r := ecsRevision(id)
		if td.family == "" {
			td.family = f
		}
		if td.revision == 0 {
			td.revision = r
		}
	}
	if td.family == "" {
		td.family = strings.TrimSpace(string(c.Family))
	}
	td.inactive = strings.EqualFold(strings.TrimSpace(string(c.Status)), "INACTIVE")
	return &td, nil
}

// ecsRevision splits ".../task-definition/<family>:<revision>" or
// "<family>:<revision>" into family and revision (0 when not a number).
func ecsRevision(s string) (string, int) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "task-definition/"); i >= 0 {
		s = s[i+len("task-definition/"):]
	}
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return s, 0
	}
	n, err := strconv.Atoi(s[i+1:])
	if err != nil || n < 1 {
		return s, 0
	}
	return s[:i], n
}

// ecsRule adapts a check of one revision to a resourceRule check: deleted
// items and other types never reach it (resourceRule answers
// NOT_APPLICABLE), INACTIVE revisions and revisions that are not their
// family's latest are NOT_APPLICABLE. inactive: the rule evaluates INACTIVE
// revisions unless its SkipInactiveTaskDefinitions parameter is true.
func ecsRule(inactive bool, check func(td *ecsTaskDef, in *Input) verdict) func(*configd.ConfigurationItem, *Input) (verdict, error) {
	return func(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
		td, err := decodeECSTaskDef(ci)
		if err != nil {
			return verdict{}, err
		}
		if td.inactive && !(inactive && !boolParam(in.Params, "SkipInactiveTaskDefinitions", false)) {
			return notApplicable("The task definition revision is INACTIVE."), nil
		}
		latest, err := ecsLatestRevisions(in)
		if err != nil {
			return verdict{}, err
		}
		switch {
		case latest == nil:
		case td.inactive && td.revision < latest.inactive[td.family]:
			return notApplicable(fmt.Sprintf("Revision %d is not the latest INACTIVE revision of %s.", td.revision, td.family)), nil
		case !td.inactive && td.revision < latest.active[td.family]:
			return notApplicable(fmt.Sprintf("Revision %d is not the latest active revision of %s.", td.revision, td.family)), nil
		}
		return check(td, in), nil
	}
}

// ecsLatest holds, per family, the highest recorded revision of each status.
type ecsLatest struct {
	active, inactive map[string]int
}

func (l *ecsLatest) add(td *ecsTaskDef) {
	m := l.active
	if td.inactive {
		m = l.inactive
	}
	if td.revision > m[td.family] {
		m[td.family] = td.revision
	}
}

// ecsLatestCache keeps the latest revisions of the last evaluation: a
// periodic evaluation checks every revision with the same *Input (one per
// Evaluate call, see resourceRule), so the inventory is read once, not once
// per revision. Holding the *Input keeps its address from being reused by
// another evaluation while it is cached.
var ecsLatestCache struct {
	sync.Mutex
	in     *Input
	latest *ecsLatest
}

// ecsLatestRevisions returns the latest revisions recorded in in.Inventory,
// deleted items left out; nil without an inventory. (A changed item newer
// than what the inventory holds is its family's latest anyway.) The
// inventory is listed with context.Background(), as resourceRule checks get
// no context.
func ecsLatestRevisions(in *Input) (*ecsLatest, error) {
	if in.Inventory == nil {
		return nil, nil
	}
	ecsLatestCache.Lock()
	defer ecsLatestCache.Unlock()
	if ecsLatestCache.in == in {
		return ecsLatestCache.latest, nil
	}
	items, err := in.Inventory.ListItems(context.Background(), ecsTaskDefinition)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", ecsTaskDefinition, err)
	}
	latest := &ecsLatest{active: map[string]int{}, inactive: map[string]int{}}
	for _, ci := range items {
		if ci == nil || ci.ResourceType != ecsTaskDefinition || deleted(ci) {
			continue
		}
		td, err := decodeECSTaskDef(ci)
		if err != nil {
			// Another revision's bad item does not decide this one.
			continue
		}
		latest.add(td)
	}
	ecsLatestCache.in, ecsLatestCache.latest = in, latest
	return latest, nil
}

// containerNames lists the names of the containers, for annotations.
func containerNames(cs []*ecsContainer) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = string(c.Name)
		if names[i] == "" {
			names[i] = "(unnamed)"
		}
	}
	return strings.Join(names, ", ")
}

// failing returns the containers for which bad holds.
func failing(td *ecsTaskDef, bad func(c *ecsContainer) bool) []*ecsContainer {
	var out []*ecsContainer
	for i := range td.ContainerDefinitions {
		if c := &td.ContainerDefinitions[i]; bad(c) {
			out = append(out, c)
		}
	}
	return out
}

// checkECSNonPrivileged: NON_COMPLIANT if a container definition has
// Privileged true.
// https://docs.aws.amazon.com/config/latest/developerguide/ecs-containers-nonprivileged.html
//
// The page leaves open a definition without container definitions (ECS
// refuses one): COMPLIANT, nothing runs privileged.
func checkECSNonPrivileged(td *ecsTaskDef, _ *Input) verdict {
	if bad := failing(td, func(c *ecsContainer) bool { return bool(c.Privileged) }); len(bad) > 0 {
		return nonCompliant("Privileged containers: " + containerNames(bad) + ".")
	}
	return compliant()
}

// checkECSReadonlyAccess: NON_COMPLIANT if a container definition's
// ReadonlyRootFilesystem is false.
// https://docs.aws.amazon.com/config/latest/developerguide/ecs-containers-readonly-access.html
//
// The page names only "set to 'false'"; an absent ReadonlyRootFilesystem
// is ECS's default, false (a writable root file system), so it is
// NON_COMPLIANT too.
func checkECSReadonlyAccess(td *ecsTaskDef, _ *Input) verdict {
	if bad := failing(td, func(c *ecsContainer) bool { return !bool(c.ReadonlyRootFilesystem) }); len(bad) > 0 {
		return nonCompliant("Containers without a read-only root file system: " + containerNames(bad) + ".")
	}
	return compliant()
}

// isRootUser reports whether a container's User runs it as root: absent,
// "root" or UID "0", alone or with a group ("root:staff", "0:0").
func isRootUser(u flexString) bool {
	user, _, _ := strings.Cut(strings.TrimSpace(string(u)), ":")
	return user == "" || user == "root" || user == "0"
}

// checkECSUserForHostMode: with NetworkMode "host", NON_COMPLIANT if a
// container definition is neither privileged nor run by a non-root user;
// COMPLIANT otherwise, and for any other network mode.
// https://docs.aws.amazon.com/config/latest/developerguide/ecs-task-definition-user-for-host-mode-check.html
//
// What the page leaves open, and what configd decides:
//   - The page judges "a task definition" by "privileged" and "user"; both
//     are per container, so each container must meet one of the two.
//   - A user given as UID 0 or with a group ("root:root", "0:0") is root.
//   - SkipInactiveTaskDefinitions: the catalogue gives no default; absent
//     means false, so INACTIVE revisions are evaluated ("the rule will
//     evaluate the latest revision of INACTIVE task definitions"): with an
//     inventory, only a family's highest INACTIVE revision.
func checkECSUserForHostMode(td *ecsTaskDef, _ *Input) verdict {
	if !strings.EqualFold(strings.TrimSpace(string(td.NetworkMode)), "host") {
		return compliant()
	}
	bad := failing(td, func(c *ecsContainer) bool { return !bool(c.Privileged) && isRootUser(c.User) })
	if len(bad) > 0 {
		return nonCompliant("Host network mode with containers that are neither privileged nor run by a non-root user: " + containerNames(bad) + ".")
	}
	return compliant()
}

// checkECSMemoryHardLimit: NON_COMPLIANT if a container definition has no
// Memory (hard limit).
// https://docs.aws.amazon.com/config/latest/developerguide/ecs-task-definition-memory-hard-limit.html
//
// The page leaves open a task-level Memory without container limits (what
// Fargate definitions usually have): the rule reads container definitions
// only, so that is NON_COMPLIANT. A Memory of 0 or null counts as absent;
// MemoryReservation (the soft limit) does not count. (The page announces
// that AWS Config discontinued the rule on 2026-04-03; configd keeps
// evaluating it.)
func checkECSMemoryHardLimit(td *ecsTaskDef, _ *Input) verdict {
	bad := failing(td, func(c *ecsContainer) bool {
		m := strings.TrimSpace(string(c.Memory))
		return m == "" || m == "0"
	})
	if len(bad) > 0 {
		return nonCompliant("Containers without a memory hard limit: " + containerNames(bad) + ".")
	}
	return compliant()
}

// checkECSNoEnvironmentSecrets: NON_COMPLIANT if an environment variable of
// a container definition is named by the secretKeys parameter (required,
// CSV; "extra spaces will be removed").
// https://docs.aws.amazon.com/config/latest/developerguide/ecs-no-environment-secrets.html
//
// What the page leaves open: names compare exactly (environment variable
// names are case-sensitive). Secrets (values from Secrets Manager or
// Parameter Store) and EnvironmentFiles (from Amazon S3, excluded by the
// page) are not environment variables of the definition. secretKeys
// without any name leaves nothing to find: COMPLIANT.
func checkECSNoEnvironmentSecrets(td *ecsTaskDef, in *Input) verdict {
	keys := csv(in.Params["secretKeys"])
	var found []string
	for _, c := range td.ContainerDefinitions {
		for _, e := range c.Environment {
			if name := string(e.Name); contains(keys, name) {
				found = append(found, string(c.Name)+"/"+name)
			}
		}
	}
	if len(found) > 0 {
		sort.Strings(found)
		return nonCompliant("Environment variables named in secretKeys (container/name): " + strings.Join(found, ", ") + ".")
	}
	return compliant()
}

// checkECSNonRootUser: NON_COMPLIANT if a container definition has no User
// or runs as root.
// https://docs.aws.amazon.com/config/latest/developerguide/ecs-task-definition-nonroot-user.html
//
// What the page leaves open, and what configd decides:
//   - "EC2 launch type containers": a definition whose
//     RequiresCompatibilities is set and does not include EC2 (Fargate or
//     EXTERNAL only) is NOT_APPLICABLE; one without RequiresCompatibilities
//     runs on EC2 and is evaluated.
//   - "set to 'root'": UID 0 and user:group forms of root ("root:staff",
//     "0:0") are root as well.
func checkECSNonRootUser(td *ecsTaskDef, _ *Input) verdict {
	if len(td.RequiresCompatibilities) > 0 {
		ec2 := false
		for _, c := range td.RequiresCompatibilities {
			ec2 = ec2 || strings.EqualFold(strings.TrimSpace(c), "EC2")
		}
		if !ec2 {
			return notApplicable("The task definition does not require the EC2 launch type.")
		}
	}
	if bad := failing(td, func(c *ecsContainer) bool { return isRootUser(c.User) }); len(bad) > 0 {
		return nonCompliant("Containers without a non-root user: " + containerNames(bad) + ".")
	}
	return compliant()
}

// checkECSPidMode: NON_COMPLIANT if PidMode is "host".
// https://docs.aws.amazon.com/config/latest/developerguide/ecs-task-definition-pid-mode-check.html
//
// The page leaves open only the spelling: compared without case; an absent
// PidMode (each container its own namespace) and "task" are COMPLIANT.
func checkECSPidMode(td *ecsTaskDef, _ *Input) verdict {
	if strings.EqualFold(strings.TrimSpace(string(td.PidMode)), "host") {
		return nonCompliant("The task definition shares the host's process namespace (PidMode host).")
	}
	return compliant()
}

// checkECSLogConfiguration: NON_COMPLIANT if a container definition has no
// LogConfiguration, or a null one.
// https://docs.aws.amazon.com/config/latest/developerguide/ecs-task-definition-log-configuration.html
//
// The page leaves open a LogConfiguration object without a LogDriver (ECS
// refuses one): configd counts it as not set, NON_COMPLIANT.
func checkECSLogConfiguration(td *ecsTaskDef, _ *Input) verdict {
	bad := failing(td, func(c *ecsContainer) bool {
		return c.LogConfiguration == nil || strings.TrimSpace(string(c.LogConfiguration.LogDriver)) == ""
	})
	if len(bad) > 0 {
		return nonCompliant("Containers without a log configuration: " + containerNames(bad) + ".")
	}
	return compliant()
}
