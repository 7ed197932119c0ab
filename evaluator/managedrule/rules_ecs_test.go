package managedrule

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/configd/configd"
)

// ecsTD is a task definition revision item in the recorder's format: status
// "ACTIVE" or "INACTIVE", extra top-level members (a JSON fragment ending in
// a comma, or ""), and the container definitions as JSON objects.
func ecsTD(family string, revision int, status, extra string, containers ...string) *configd.ConfigurationItem {
	arn := fmt.Sprintf("arn:aws:ecs:us-east-1:123456789012:task-definition/%s:%d", family, revision)
	conf := `{"ContainerDefinitions":[` + strings.Join(containers, ",") + `],"Family":"` + family + `",` + extra +
		`"Status":"` + status + `","Tags":[],"TaskDefinitionArn":"` + arn + `","Volumes":[]}`
	ci := item(ecsTaskDefinition, arn, conf, nil)
	ci.ARN = arn
	ci.ResourceName = fmt.Sprintf("%s:%d", family, revision)
	return ci
}

// Container definitions used by the tests.
const (
	ecsPrivileged = `{"Name":"priv","Image":"nginx","Privileged":true,"Memory":256,"ReadonlyRootFilesystem":true,"User":"root",` +
		`"LogConfiguration":{"LogDriver":"awslogs","Options":{"awslogs-group":"/ecs/x"}},"Environment":[{"Name":"MODE","Value":"prod"}]}`
	ecsHardened = `{"Name":"hard","Image":"app","Privileged":false,"Memory":128,"ReadonlyRootFilesystem":true,"User":"1000:1000",` +
		`"LogConfiguration":{"LogDriver":"awslogs"},"Environment":[],"Secrets":[{"Name":"DB_PASSWORD","ValueFrom":"arn:aws:secretsmanager:us-east-1:123456789012:secret:db"}]}`
	ecsBare = `{"Name":"bare","Image":"busybox","Cpu":0,"Essential":true,"MountPoints":[],"PortMappings":[],"VolumesFrom":[],"Environment":[]}`
)

// ecsContainer returns a container definition JSON object with the members
// given as a fragment.
func ecsCont(name, members string) string {
	if members != "" {
		members = "," + members
	}
	return `{"Name":"` + name + `","Image":"img"` + members + `}`
}

// ecsCommonCases are the cases every ECS rule shares: deleted, other type,
// INACTIVE.
func ecsCommonCases(inactiveWant string) []ruleCase {
	return []ruleCase{
		{name: "OKDeleted", ci: deletedItem(ecsTD("gone", 1, "ACTIVE", `"PidMode":"host",`, ecsBare)), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::ECS::Service", "svc", `{}`, nil), want: NotApplicable},
		{name: "OKInactive", ci: ecsTD("old", 1, "INACTIVE", `"NetworkMode":"host","PidMode":"host",`, ecsBare), want: inactiveWant},
	}
}

func TestECSContainersNonPrivileged(t *testing.T) {
	runRuleCases(t, "ECS_CONTAINERS_NONPRIVILEGED", append([]ruleCase{
		{name: "OKNotPrivileged", ci: ecsTD("web", 1, "ACTIVE", "", ecsHardened, ecsBare), want: Compliant},
		{name: "OKPrivileged", ci: ecsTD("web", 2, "ACTIVE", "", ecsHardened, ecsPrivileged), want: NonCompliant, annotation: "Privileged containers: priv."},
		{name: "OKPrivilegedString", ci: ecsTD("web", 3, "ACTIVE", "", ecsCont("s", `"Privileged":"true"`)), want: NonCompliant},
		{name: "OKPrivilegedNull", ci: ecsTD("web", 4, "ACTIVE", "", ecsCont("n", `"Privileged":null`)), want: Compliant},
		{name: "OKNoContainers", ci: ecsTD("web", 5, "ACTIVE", ""), want: Compliant},
	}, ecsCommonCases(NotApplicable)...))
}

func TestECSContainersReadonlyAccess(t *testing.T) {
	runRuleCases(t, "ECS_CONTAINERS_READONLY_ACCESS", append([]ruleCase{
		{name: "OKReadonly", ci: ecsTD("web", 1, "ACTIVE", "", ecsHardened, ecsPrivileged), want: Compliant},
		{name: "OKFalse", ci: ecsTD("web", 2, "ACTIVE", "", ecsHardened, ecsCont("rw", `"ReadonlyRootFilesystem":false`)), want: NonCompliant, annotation: ": rw."},
		{name: "OKAbsent", ci: ecsTD("web", 3, "ACTIVE", "", ecsBare), want: NonCompliant, annotation: "bare"},
	}, ecsCommonCases(NotApplicable)...))
}

func TestECSTaskDefinitionUserForHostModeCheck(t *testing.T) {
	host := `"NetworkMode":"host",`
	runRuleCases(t, "ECS_TASK_DEFINITION_USER_FOR_HOST_MODE_CHECK", []ruleCase{
		{name: "OKNotHost", ci: ecsTD("web", 1, "ACTIVE", `"NetworkMode":"awsvpc",`, ecsBare), want: Compliant},
		{name: "OKNoNetworkMode", ci: ecsTD("web", 1, "ACTIVE", "", ecsBare), want: Compliant},
		{name: "OKHostPrivileged", ci: ecsTD("web", 1, "ACTIVE", host, ecsPrivileged), want: Compliant},
		{name: "OKHostNonRoot", ci: ecsTD("web", 1, "ACTIVE", host, ecsHardened, ecsCont("u", `"User":"nginx"`)), want: Compliant},
		{name: "OKHostNoUser", ci: ecsTD("web", 1, "ACTIVE", host, ecsHardened, ecsBare), want: NonCompliant, annotation: ": bare."},
		{name: "OKHostRootUser", ci: ecsTD("web", 1, "ACTIVE", host, ecsCont("r", `"User":"root","Privileged":false`)), want: NonCompliant},
		{name: "OKHostUID0", ci: ecsTD("web", 1, "ACTIVE", `"NetworkMode":"HOST",`, ecsCont("z", `"User":"0:0"`)), want: NonCompliant},
		{name: "OKDeleted", ci: deletedItem(ecsTD("gone", 1, "ACTIVE", host, ecsBare)), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::ECS::Service", "svc", `{}`, nil), want: NotApplicable},
		// SkipInactiveTaskDefinitions: absent and false evaluate INACTIVE
		// revisions, true skips them.
		{name: "OKInactiveDefault", ci: ecsTD("old", 1, "INACTIVE", host, ecsBare), want: NonCompliant},
		{name: "OKInactiveNoSkip", ci: ecsTD("old", 1, "INACTIVE", host, ecsBare), params: `{"SkipInactiveTaskDefinitions":"false"}`, want: NonCompliant},
		{name: "OKInactiveSkip", ci: ecsTD("old", 1, "INACTIVE", host, ecsBare), params: `{"SkipInactiveTaskDefinitions":"true"}`, want: NotApplicable, annotation: "INACTIVE"},
		{name: "OKActiveSkip", ci: ecsTD("new", 1, "ACTIVE", host, ecsBare), params: `{"SkipInactiveTaskDefinitions":"true"}`, want: NonCompliant},
	})
	if _, err := Parameters("ECS_TASK_DEFINITION_USER_FOR_HOST_MODE_CHECK", `{"SkipInactiveTaskDefinitions":"maybe"}`); err == nil {
		t.Error("a non-boolean SkipInactiveTaskDefinitions is accepted")
	}
}

func TestECSTaskDefinitionMemoryHardLimit(t *testing.T) {
	runRuleCases(t, "ECS_TASK_DEFINITION_MEMORY_HARD_LIMIT", append([]ruleCase{
		{name: "OKAllLimited", ci: ecsTD("web", 1, "ACTIVE", "", ecsHardened, ecsPrivileged), want: Compliant},
		{name: "OKOneMissing", ci: ecsTD("web", 1, "ACTIVE", "", ecsHardened, ecsBare), want: NonCompliant, annotation: ": bare."},
		{name: "OKReservationOnly", ci: ecsTD("web", 1, "ACTIVE", "", ecsCont("soft", `"MemoryReservation":64`)), want: NonCompliant},
		{name: "OKTaskMemoryOnly", ci: ecsTD("web", 1, "ACTIVE", `"Memory":"512",`, ecsBare), want: NonCompliant},
		{name: "OKNull", ci: ecsTD("web", 1, "ACTIVE", "", ecsCont("n", `"Memory":null`)), want: NonCompliant},
	}, ecsCommonCases(NotApplicable)...))
}

func TestECSNoEnvironmentSecrets(t *testing.T) {
	keys := `{"secretKeys":"AWS_SECRET_ACCESS_KEY, DB_PASSWORD "}`
	leaky := ecsCont("leaky", `"Environment":[{"Name":"MODE","Value":"x"},{"Name":"DB_PASSWORD","Value":"hunter2"}]`)
	cases := []ruleCase{
		{name: "OKNoMatch", ci: ecsTD("web", 1, "ACTIVE", "", ecsPrivileged, ecsBare), params: keys, want: Compliant},
		// A secret passed through Secrets is not an environment variable.
		{name: "OKSecretsReference", ci: ecsTD("web", 1, "ACTIVE", "", ecsHardened), params: keys, want: Compliant},
		{name: "OKMatchTrimmedKey", ci: ecsTD("web", 1, "ACTIVE", "", ecsHardened, leaky), params: keys, want: NonCompliant, annotation: "leaky/DB_PASSWORD"},
		{name: "OKCaseSensitive", ci: ecsTD("web", 1, "ACTIVE", "", leaky), params: `{"secretKeys":"db_password"}`, want: Compliant},
		{name: "OKOtherKey", ci: ecsTD("web", 1, "ACTIVE", "", ecsPrivileged), params: `{"secretKeys":"MODE"}`, want: NonCompliant, annotation: "priv/MODE"},
	}
	for _, c := range ecsCommonCases(NotApplicable) {
		c.params = keys
		cases = append(cases, c)
	}
	runRuleCases(t, "ECS_NO_ENVIRONMENT_SECRETS", cases)
	if _, err := Parameters("ECS_NO_ENVIRONMENT_SECRETS", ""); err == nil {
		t.Error("secretKeys is required by the catalogue, but its absence is accepted")
	}
}

func TestECSTaskDefinitionNonRootUser(t *testing.T) {
	runRuleCases(t, "ECS_TASK_DEFINITION_NONROOT_USER", append([]ruleCase{
		{name: "OKNonRoot", ci: ecsTD("web", 1, "ACTIVE", `"RequiresCompatibilities":["EC2"],`, ecsHardened, ecsCont("n", `"User":"nginx"`)), want: Compliant},
		{name: "OKNoUser", ci: ecsTD("web", 1, "ACTIVE", "", ecsHardened, ecsBare), want: NonCompliant, annotation: ": bare."},
		{name: "OKRoot", ci: ecsTD("web", 1, "ACTIVE", `"RequiresCompatibilities":["EC2","FARGATE"],`, ecsPrivileged), want: NonCompliant, annotation: "priv"},
		{name: "OKRootGroup", ci: ecsTD("web", 1, "ACTIVE", "", ecsCont("g", `"User":"root:staff"`)), want: NonCompliant},
		{name: "OKFargateOnly", ci: ecsTD("web", 1, "ACTIVE", `"RequiresCompatibilities":["FARGATE"],`, ecsBare), want: NotApplicable, annotation: "EC2"},
	}, ecsCommonCases(NotApplicable)...))
}

func TestECSTaskDefinitionPidModeCheck(t *testing.T) {
	runRuleCases(t, "ECS_TASK_DEFINITION_PID_MODE_CHECK", append([]ruleCase{
		{name: "OKNoPidMode", ci: ecsTD("web", 1, "ACTIVE", "", ecsBare), want: Compliant},
		{name: "OKTask", ci: ecsTD("web", 1, "ACTIVE", `"PidMode":"task",`, ecsBare), want: Compliant},
		{name: "OKHost", ci: ecsTD("web", 1, "ACTIVE", `"PidMode":"host",`, ecsHardened), want: NonCompliant, annotation: "PidMode host"},
	}, ecsCommonCases(NotApplicable)...))
}

func TestECSTaskDefinitionLogConfiguration(t *testing.T) {
	runRuleCases(t, "ECS_TASK_DEFINITION_LOG_CONFIGURATION", append([]ruleCase{
		{name: "OKAllLogged", ci: ecsTD("web", 1, "ACTIVE", "", ecsHardened, ecsPrivileged), want: Compliant},
		{name: "OKOneMissing", ci: ecsTD("web", 1, "ACTIVE", "", ecsHardened, ecsBare), want: NonCompliant, annotation: ": bare."},
		{name: "OKNull", ci: ecsTD("web", 1, "ACTIVE", "", ecsCont("n", `"LogConfiguration":null`)), want: NonCompliant},
		{name: "OKNoDriver", ci: ecsTD("web", 1, "ACTIVE", "", ecsCont("d", `"LogConfiguration":{"Options":{}}`)), want: NonCompliant},
	}, ecsCommonCases(NotApplicable)...))
}

// TestECSLatestActiveRevision: with an inventory, only the highest recorded
// ACTIVE revision of a family is evaluated ("This rule only evaluates the
// latest active revision"); deleted revisions and other families do not
// count, and the changed item counts even when the inventory lags.
func TestECSLatestActiveRevision(t *testing.T) {
	inv := &memInventory{items: []*configd.ConfigurationItem{
		ecsTD("web", 1, "ACTIVE", `"PidMode":"host",`, ecsBare),
		ecsTD("web", 2, "ACTIVE", `"PidMode":"host",`, ecsBare),
		deletedItem(ecsTD("web", 9, "ACTIVE", "", ecsBare)),
		ecsTD("web", 5, "INACTIVE", "", ecsBare),
		ecsTD("api", 7, "ACTIVE", "", ecsBare),
	}}
	id := "ECS_TASK_DEFINITION_PID_MODE_CHECK"
	runInventoryCases(t, id, inv, []ruleCase{
		{name: "OKOlderRevision", ci: ecsTD("web", 1, "ACTIVE", `"PidMode":"host",`, ecsBare), want: NotApplicable, annotation: "not the latest active revision"},
		{name: "OKLatestRevision", ci: ecsTD("web", 2, "ACTIVE", `"PidMode":"host",`, ecsBare), want: NonCompliant},
		{name: "OKNewerThanInventory", ci: ecsTD("web", 3, "ACTIVE", `"PidMode":"host",`, ecsBare), want: NonCompliant},
		{name: "OKOtherFamily", ci: ecsTD("db", 1, "ACTIVE", `"PidMode":"host",`, ecsBare), want: NonCompliant},
	})

	// Periodic: one result per recorded revision, the older ones NOT_APPLICABLE.
	res, err := Evaluate(context.Background(), id, Input{Inventory: inv, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range res {
		got[r.ResourceID[strings.LastIndex(r.ResourceID, "/")+1:]] = r.ComplianceType
	}
	want := map[string]string{"web:1": NotApplicable, "web:2": NonCompliant, "web:9": NotApplicable, "web:5": NotApplicable, "api:7": Compliant}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("periodic results %v, want %v", got, want)
	}

	// USER_FOR_HOST_MODE evaluates only the latest INACTIVE revision too.
	host := `"NetworkMode":"host",`
	inactive := &memInventory{items: []*configd.ConfigurationItem{
		ecsTD("old", 1, "INACTIVE", host, ecsBare),
		ecsTD("old", 2, "INACTIVE", host, ecsBare),
		ecsTD("old", 3, "ACTIVE", host, ecsPrivileged),
	}}
	runInventoryCases(t, "ECS_TASK_DEFINITION_USER_FOR_HOST_MODE_CHECK", inactive, []ruleCase{
		{name: "OKOlderInactive", ci: inactive.items[0], want: NotApplicable, annotation: "latest INACTIVE"},
		{name: "OKLatestInactive", ci: inactive.items[1], want: NonCompliant},
		{name: "OKLatestActive", ci: inactive.items[2], want: Compliant},
		{name: "OKLatestInactiveSkipped", ci: inactive.items[1], params: `{"SkipInactiveTaskDefinitions":"true"}`, want: NotApplicable},
	})

	if _, err := Evaluate(context.Background(), id, Input{Inventory: &memInventory{err: fmt.Errorf("store down")}}); err == nil {
		t.Error("an inventory error is not reported")
	}
	if _, err := Evaluate(context.Background(), id, Input{}); err == nil {
		t.Error("a periodic evaluation without an inventory is not an error")
	}
}

// TestECSRevisionFromIDs: the family and revision come from the ARN, else
// from the resource id or name.
func TestECSRevisionFromIDs(t *testing.T) {
	for s, want := range map[string]string{
		"arn:aws:ecs:us-east-1:123456789012:task-definition/web:12": "web 12",
		"web:3":          "web 3",
		"web":            "web 0",
		"web:x":          "web:x 0",
		"ns:web:4":       "ns:web 4",
		"task-def:0":     "task-def:0 0",
		" spaced:5 ":     "spaced 5",
		"":               " 0",
		"arn:aws:ecs:x:": "arn:aws:ecs:x: 0",
	} {
		f, r := ecsRevision(s)
		if got := fmt.Sprintf("%s %d", f, r); got != want {
			t.Errorf("ecsRevision(%q) = %q, want %q", s, got, want)
		}
	}
	// An item whose configuration lacks the ARN and the family.
	ci := item(ecsTaskDefinition, "arn:aws:ecs:us-east-1:123456789012:task-definition/bare:2", `{"ContainerDefinitions":[]}`, nil)
	td, err := decodeECSTaskDef(ci)
	if err != nil || td.family != "bare" || td.revision != 2 || td.inactive {
		t.Errorf("decodeECSTaskDef: %+v, %v", td, err)
	}
	// Without any id, the family comes from Family (the revision is unknown).
	ci = item(ecsTaskDefinition, "", `{"Family":"fam","Status":"INACTIVE"}`, nil)
	ci.ResourceName = ""
	td, err = decodeECSTaskDef(ci)
	if err != nil || td.family != "fam" || td.revision != 0 || !td.inactive {
		t.Errorf("decodeECSTaskDef without ids: %+v, %v", td, err)
	}
}

// TestECSMalformedConfiguration: a configuration that is not JSON is an
// error, not a verdict.
func TestECSMalformedConfiguration(t *testing.T) {
	for _, id := range []string{"ECS_CONTAINERS_NONPRIVILEGED", "ECS_CONTAINERS_READONLY_ACCESS", "ECS_TASK_DEFINITION_USER_FOR_HOST_MODE_CHECK",
		"ECS_TASK_DEFINITION_MEMORY_HARD_LIMIT", "ECS_TASK_DEFINITION_NONROOT_USER", "ECS_TASK_DEFINITION_PID_MODE_CHECK", "ECS_TASK_DEFINITION_LOG_CONFIGURATION"} {
		if _, err := Evaluate(context.Background(), id, Input{CI: item(ecsTaskDefinition, "x", `{"ContainerDefinitions":`, nil)}); err == nil {
			t.Errorf("%s: want an error", id)
		}
	}
}
