package recorder

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/configd/configd"
	"github.com/configd/configd/internal/mototest"
)

const ecsTaskDefinitionType = "AWS::ECS::TaskDefinition"

// seedECSTaskDefinitions registers "web" (two containers: "app" privileged
// with environment variables and an awslogs log configuration, "sidecar"
// with a read-only root file system and a non-root user; host network and
// PID modes; tagged) and "worker" (one container, awsvpc), both revision 1.
func seedECSTaskDefinitions(t *testing.T, c *ecs.Client) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("seed: %v", r)
		}
	}()
	ctx := context.Background()
	must(c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family:                  aws.String("web"),
		NetworkMode:             ecstypes.NetworkModeHost,
		PidMode:                 ecstypes.PidModeHost,
		Cpu:                     aws.String("256"),
		Memory:                  aws.String("512"),
		ExecutionRoleArn:        aws.String("arn:aws:iam::" + motoAccount + ":role/ecsTaskExecutionRole"),
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityEc2},
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String("app"), Image: aws.String("nginx:1.27"), Essential: aws.Bool(true),
			Privileged: aws.Bool(true), Memory: aws.Int32(256),
			Environment: []ecstypes.KeyValuePair{
				{Name: aws.String("MODE"), Value: aws.String("prod")},
				{Name: aws.String("AWS_SECRET_ACCESS_KEY"), Value: aws.String("not-a-secret")},
			},
			LogConfiguration: &ecstypes.LogConfiguration{LogDriver: ecstypes.LogDriverAwslogs, Options: map[string]string{
				"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app"}},
		}, {
			Name: aws.String("sidecar"), Image: aws.String("busybox"), Essential: aws.Bool(false),
			ReadonlyRootFilesystem: aws.Bool(true), User: aws.String("1000"), MemoryReservation: aws.Int32(64),
		}},
		Tags: []ecstypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}},
	}))
	must(c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String("worker"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("worker"), Image: aws.String("worker:1"), Memory: aws.Int32(128)}},
	}))
}

// TestECSTaskDefinitionMoto records task definitions from moto, polls
// without changes, tags a revision, registers a new revision, deregisters a
// revision and finally makes them all disappear.
func TestECSTaskDefinitionMoto(t *testing.T) {
	endpoint, cfg := motoConfig(t)
	c := ecs.NewFromConfig(cfg)
	seedECSTaskDefinitions(t, c)
	sink := newMemSink()
	clock := &fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ctx := context.Background()
	arn := func(rev string) string { return "arn:aws:ecs:us-east-1:" + motoAccount + ":task-definition/" + rev }
	web1, worker1, worker2 := arn("web:1"), arn("worker:1"), arn("worker:2")

	t.Run("OK", func(t *testing.T) {
		if r := pollOne(t, cfg, sink, clock, ecsTaskDefinitionType); r.Discovered != 2 || r.Changed != 2 || r.Deleted != 0 {
			t.Errorf("report %+v", r)
		}
		ci := latestOrFatal(t, sink, ecsTaskDefinitionType, web1)
		if ci.Status != configd.CIStatusResourceDiscovered || ci.AccountID != motoAccount || ci.Region != "us-east-1" ||
			ci.ARN != web1 || ci.ResourceName != "web:1" || ci.AvailabilityZone != "Not Applicable" ||
			len(ci.Relationships) != 0 {
			t.Errorf("item header: status %s account %s region %s arn %s name %q az %q created %v rels %v",
				ci.Status, ci.AccountID, ci.Region, ci.ARN, ci.ResourceName, ci.AvailabilityZone, ci.ResourceCreationTime, ci.Relationships)
		}
		if len(ci.Tags) != 1 || ci.Tags["team"] != "web" {
			t.Errorf("tags %v", ci.Tags)
		}
		// moto returns no registeredAt, so resourceCreationTime stays unset here.
		t.Logf("configuration of web:1: %s", ci.Configuration)

		conf := decode(t, ci.Configuration)
		for k, want := range map[string]string{
			"TaskDefinitionArn": web1, "Family": "web", "Status": "ACTIVE", "NetworkMode": "host",
			"PidMode": "host", "Cpu": "256", "Memory": "512",
			"ExecutionRoleArn": "arn:aws:iam::" + motoAccount + ":role/ecsTaskExecutionRole",
		} {
			if conf[k] != want {
				t.Errorf("%s = %v, want %s", k, conf[k], want)
			}
		}
		for k, want := range map[string]string{
			"RequiresCompatibilities": `["EC2"]`,
			"Tags":                    `[{"Key":"team","Value":"web"}]`,
		} {
			if got, _ := json.Marshal(conf[k]); string(got) != want {
				t.Errorf("%s = %s, want %s", k, got, want)
			}
		}
		for _, k := range ecsTaskDefinitionExcluded {
			if _, ok := conf[k]; ok {
				t.Errorf("configuration has %s", k)
			}
		}
		containers, _ := conf["ContainerDefinitions"].([]any)
		if len(containers) != 2 {
			t.Fatalf("ContainerDefinitions: %s", must(json.Marshal(conf["ContainerDefinitions"])))
		}
		app, _ := containers[0].(map[string]any)
		sidecar, _ := containers[1].(map[string]any)
		if app["Name"] != "app" || app["Image"] != "nginx:1.27" || app["Privileged"] != true || app["Memory"] != 256.0 || app["Essential"] != true {
			t.Errorf("app container: %v", app)
		}
		for k, want := range map[string]string{
			"Environment":      `[{"Name":"MODE","Value":"prod"},{"Name":"AWS_SECRET_ACCESS_KEY","Value":"not-a-secret"}]`,
			"LogConfiguration": `{"LogDriver":"awslogs","Options":{"awslogs-group":"/ecs/web","awslogs-region":"us-east-1","awslogs-stream-prefix":"app"}}`,
		} {
			if got, _ := json.Marshal(app[k]); string(got) != want {
				t.Errorf("app %s = %s, want %s", k, got, want)
			}
		}
		if sidecar["Name"] != "sidecar" || sidecar["ReadonlyRootFilesystem"] != true || sidecar["User"] != "1000" ||
			sidecar["MemoryReservation"] != 64.0 || sidecar["Essential"] != false {
			t.Errorf("sidecar container: %v", sidecar)
		}
		for _, k := range []string{"Memory", "Privileged", "LogConfiguration"} {
			if _, ok := sidecar[k]; ok {
				t.Errorf("sidecar has %s: %v", k, sidecar)
			}
		}
		// Lists the API returns empty stay empty lists.
		for _, k := range []string{"Environment", "MountPoints", "PortMappings", "VolumesFrom"} {
			if got, _ := json.Marshal(sidecar[k]); string(got) != `[]` {
				t.Errorf("sidecar %s = %s, want []", k, got)
			}
		}

		w := latestOrFatal(t, sink, ecsTaskDefinitionType, worker1)
		wc := decode(t, w.Configuration)
		if wc["NetworkMode"] != "awsvpc" || wc["Family"] != "worker" || w.ResourceName != "worker:1" || len(w.Tags) != 0 {
			t.Errorf("worker item: %+v", w)
		}
		if got, _ := json.Marshal(wc["Tags"]); string(got) != `[]` {
			t.Errorf("worker Tags = %s", got)
		}
	})

	t.Run("OKUnchanged", func(t *testing.T) {
		before := latestOrFatal(t, sink, ecsTaskDefinitionType, web1).Configuration
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, ecsTaskDefinitionType); r.Changed != 0 || r.Deleted != 0 || r.Discovered != 2 {
			t.Errorf("unchanged task definitions: report %+v", r)
		}
		for _, id := range []string{web1, worker1} {
			if h := sink.history(ecsTaskDefinitionType, id); len(h) != 1 {
				t.Errorf("%s: history after an unchanged poll: %d versions", id, len(h))
			}
		}
		// The same revision read again gives byte-identical configuration.
		for range 3 {
			again, err := ecsTaskDefinitions{}.item(ctx, c, motoScope, web1)
			if err != nil || again == nil || again.Configuration != before {
				t.Fatalf("re-read configuration differs (%v):\n%v\n%s", err, again, before)
			}
		}
	})

	t.Run("OKTagged", func(t *testing.T) {
		// Tags are the one thing of a revision that changes in place: a new
		// version of the same resource.
		need[*ecs.TagResourceOutput](t)(c.TagResource(ctx, &ecs.TagResourceInput{ResourceArn: aws.String(web1),
			Tags: []ecstypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, ecsTaskDefinitionType); r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("one tagged revision: report %+v", r)
		}
		h := sink.history(ecsTaskDefinitionType, web1)
		if len(h) != 2 || h[1].Status != configd.CIStatusOK || h[1].Tags["env"] != "prod" {
			t.Fatalf("history: %d versions", len(h))
		}
		if got, _ := json.Marshal(decode(t, h[1].Configuration)["Tags"]); string(got) != `[{"Key":"env","Value":"prod"},{"Key":"team","Value":"web"}]` {
			t.Errorf("Tags = %s", got)
		}
		if d := Diff(h[0], h[1]); d.ChangeType != ChangeUpdate {
			t.Errorf("diff = %s", canonical(d))
		}
		if h := sink.history(ecsTaskDefinitionType, worker1); len(h) != 1 {
			t.Errorf("worker:1: %d versions", len(h))
		}
	})

	t.Run("OKNewRevision", func(t *testing.T) {
		// A new revision is a new resource (its own ARN); the previous one,
		// still ACTIVE, is unchanged.
		need[*ecs.RegisterTaskDefinitionOutput](t)(c.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
			Family: aws.String("worker"), NetworkMode: ecstypes.NetworkModeAwsvpc,
			ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("worker"), Image: aws.String("worker:2"), Memory: aws.Int32(128)}},
		}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, ecsTaskDefinitionType); r.Discovered != 3 || r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("new revision: report %+v", r)
		}
		h := sink.history(ecsTaskDefinitionType, worker2)
		if len(h) != 1 || h[0].Status != configd.CIStatusResourceDiscovered || h[0].ResourceName != "worker:2" {
			t.Fatalf("worker:2 history: %+v", h)
		}
		if h := sink.history(ecsTaskDefinitionType, worker1); len(h) != 1 {
			t.Errorf("worker:1: %d versions", len(h))
		}
	})

	t.Run("OKDeregistered", func(t *testing.T) {
		// A deregistered revision stays in ECS as INACTIVE and AWS Config
		// keeps recording it (Status is part of its configuration): one new
		// version, not a deletion.
		need[*ecs.DeregisterTaskDefinitionOutput](t)(c.DeregisterTaskDefinition(ctx, &ecs.DeregisterTaskDefinitionInput{TaskDefinition: aws.String(worker1)}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, ecsTaskDefinitionType); r.Discovered != 3 || r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("deregistered revision: report %+v", r)
		}
		h := sink.history(ecsTaskDefinitionType, worker1)
		if len(h) != 2 || h[1].Status != configd.CIStatusOK || decode(t, h[1].Configuration)["Status"] != "INACTIVE" {
			t.Fatalf("worker:1 history: %d versions, last %+v", len(h), h[len(h)-1])
		}
		d := Diff(h[0], h[1])
		if d.ChangeType != ChangeUpdate || d.ChangedProperties["Configuration.Status"].UpdatedValue != "INACTIVE" {
			t.Errorf("diff = %s", canonical(d))
		}
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, ecsTaskDefinitionType); r.Changed != 0 || r.Deleted != 0 {
			t.Errorf("repeated poll: report %+v", r)
		}
	})

	t.Run("OKDeleted", func(t *testing.T) {
		// moto has no DeleteTaskDefinitions; resetting it makes every
		// revision leave both listings, as deletion does.
		mototest.Reset(t, endpoint)
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, ecsTaskDefinitionType); r.Deleted != 3 || r.Changed != 0 || r.Discovered != 0 {
			t.Errorf("deleted revisions: report %+v", r)
		}
		for _, id := range []string{web1, worker1, worker2} {
			h := sink.history(ecsTaskDefinitionType, id)
			last := h[len(h)-1]
			if last.Status != configd.CIStatusResourceDeleted || last.ARN != id {
				t.Errorf("%s: last version %+v", id, last)
			}
			if d := Diff(h[len(h)-2], last); d.ChangeType != ChangeDelete {
				t.Errorf("%s: diff %s", id, canonical(d))
			}
		}
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, ecsTaskDefinitionType); r.Deleted != 0 || r.Changed != 0 {
			t.Errorf("repeated poll after deletion: report %+v", r)
		}
	})
}

// TestECSTaskDefinitionGone: a revision that no longer exists when it is
// described is skipped, not an error.
func TestECSTaskDefinitionGone(t *testing.T) {
	_, cfg := motoConfig(t)
	c := ecs.NewFromConfig(cfg)
	ci, err := ecsTaskDefinitions{}.item(context.Background(), c, motoScope,
		"arn:aws:ecs:us-east-1:"+motoAccount+":task-definition/never-registered:1")
	if err != nil || ci != nil {
		t.Errorf("item of a missing revision: %+v, %v; want nil, nil", ci, err)
	}
}
