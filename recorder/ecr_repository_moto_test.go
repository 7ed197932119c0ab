package recorder

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"

	"github.com/configd/configd"
)

const ecrRepositoryType = "AWS::ECR::Repository"

const (
	ecrLifecycleText = `{"rules":[{"rulePriority":1,"description":"expire untagged","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}`
	ecrPolicyText    = `{"Version":"2012-10-17","Statement":[{"Sid":"pull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}`
)

// seedECR creates the repository "app" (tagged, scan on push, immutable
// tags, a lifecycle policy and a repository policy) and the plain
// repository "plain".
func seedECR(t *testing.T, c *ecr.Client) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("seed: %v", r)
		}
	}()
	ctx := context.Background()
	must(c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("app"),
		ImageTagMutability:         ecrtypes.ImageTagMutabilityImmutable,
		ImageScanningConfiguration: &ecrtypes.ImageScanningConfiguration{ScanOnPush: true},
		Tags:                       []ecrtypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}, {Key: aws.String("env"), Value: aws.String("test")}}}))
	must(c.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("app"), LifecyclePolicyText: aws.String(ecrLifecycleText)}))
	must(c.SetRepositoryPolicy(ctx, &ecr.SetRepositoryPolicyInput{RepositoryName: aws.String("app"), PolicyText: aws.String(ecrPolicyText)}))
	must(c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("plain")}))
}

// TestECRRepositoryMoto records repositories from moto, polls without
// changes, changes one repository and deletes the other.
func TestECRRepositoryMoto(t *testing.T) {
	_, cfg := motoConfig(t)
	c := ecr.NewFromConfig(cfg)
	seedECR(t, c)
	sink := newMemSink()
	clock := &fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ctx := context.Background()
	arn := func(name string) string { return "arn:aws:ecr:us-east-1:" + motoAccount + ":repository/" + name }

	t.Run("OK", func(t *testing.T) {
		if r := pollOne(t, cfg, sink, clock, ecrRepositoryType); r.Discovered != 2 || r.Changed != 2 || r.Deleted != 0 {
			t.Errorf("report %+v", r)
		}
		ci := latestOrFatal(t, sink, ecrRepositoryType, "app")
		if ci.Status != configd.CIStatusResourceDiscovered || ci.AccountID != motoAccount || ci.Region != "us-east-1" ||
			ci.ARN != arn("app") || ci.AvailabilityZone != "Not Applicable" || ci.ResourceName != "app" ||
			ci.ResourceCreationTime.IsZero() || len(ci.Relationships) != 0 {
			t.Errorf("item header: status %s account %s region %s arn %s az %q name %q created %v rels %v",
				ci.Status, ci.AccountID, ci.Region, ci.ARN, ci.AvailabilityZone, ci.ResourceName, ci.ResourceCreationTime, ci.Relationships)
		}
		if len(ci.Tags) != 2 || ci.Tags["team"] != "web" || ci.Tags["env"] != "test" {
			t.Errorf("tags %v", ci.Tags)
		}
		t.Logf("configuration of app: %s", ci.Configuration)

		conf := decode(t, ci.Configuration)
		if conf["RepositoryName"] != "app" || conf["Arn"] != arn("app") || conf["ImageTagMutability"] != "IMMUTABLE" ||
			conf["RepositoryUri"] != motoAccount+".dkr.ecr.us-east-1.amazonaws.com/app" {
			t.Errorf("configuration: %s", ci.Configuration)
		}
		for k, want := range map[string]string{
			"ImageScanningConfiguration": `{"ScanOnPush":true}`,
			"EncryptionConfiguration":    `{"EncryptionType":"AES256"}`,
			"Tags":                       `[{"Key":"env","Value":"test"},{"Key":"team","Value":"web"}]`,
			"LifecyclePolicy":            `{"LifecyclePolicyText":` + string(must(json.Marshal(ecrLifecycleText))) + `,"RegistryId":"` + motoAccount + `"}`,
		} {
			if got, _ := json.Marshal(conf[k]); string(got) != want {
				t.Errorf("%s = %s, want %s", k, got, want)
			}
		}
		// The repository policy is an object, re-encoded with sorted keys.
		var wantPolicy any
		if err := json.Unmarshal([]byte(ecrPolicyText), &wantPolicy); err != nil {
			t.Fatal(err)
		}
		if got, want := must(json.Marshal(conf["RepositoryPolicyText"])), must(json.Marshal(wantPolicy)); string(got) != string(want) {
			t.Errorf("RepositoryPolicyText = %s, want %s", got, want)
		}
		for _, k := range []string{"EmptyOnDelete", "ImageTagMutabilityExclusionFilters", "RegistryId", "CreatedAt"} {
			if _, ok := conf[k]; ok {
				t.Errorf("configuration has %s: %s", k, ci.Configuration)
			}
		}

		plain := latestOrFatal(t, sink, ecrRepositoryType, "plain")
		want := `{"Arn":"` + arn("plain") + `","EncryptionConfiguration":{"EncryptionType":"AES256"},` +
			`"ImageScanningConfiguration":{"ScanOnPush":false},"ImageTagMutability":"MUTABLE",` +
			`"RepositoryName":"plain","RepositoryUri":"` + motoAccount + `.dkr.ecr.us-east-1.amazonaws.com/plain","Tags":[]}`
		if plain.Configuration != want {
			t.Errorf("plain configuration\n got %s\nwant %s", plain.Configuration, want)
		}
		if plain.ARN != arn("plain") || plain.ResourceName != "plain" || len(plain.Tags) != 0 {
			t.Errorf("plain item %+v", plain)
		}
	})

	t.Run("OKUnchanged", func(t *testing.T) {
		before := latestOrFatal(t, sink, ecrRepositoryType, "app").Configuration
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, ecrRepositoryType); r.Changed != 0 || r.Deleted != 0 || r.Discovered != 2 {
			t.Errorf("unchanged repositories: report %+v", r)
		}
		for _, id := range []string{"app", "plain"} {
			if h := sink.history(ecrRepositoryType, id); len(h) != 1 {
				t.Errorf("%s: history after an unchanged poll: %d versions", id, len(h))
			}
		}
		// The same repository read again gives byte-identical configuration.
		out := must(c.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"app"}}))
		again, err := ecrRepositories{}.item(ctx, c, motoScope, &out.Repositories[0])
		if err != nil || again == nil || again.Configuration != before {
			t.Errorf("re-read configuration differs (%v):\n%s\n%s", err, again.Configuration, before)
		}
	})

	t.Run("OKChanged", func(t *testing.T) {
		need[*ecr.PutImageTagMutabilityOutput](t)(c.PutImageTagMutability(ctx, &ecr.PutImageTagMutabilityInput{
			RepositoryName: aws.String("app"), ImageTagMutability: ecrtypes.ImageTagMutabilityMutable}))
		need[*ecr.DeleteLifecyclePolicyOutput](t)(c.DeleteLifecyclePolicy(ctx, &ecr.DeleteLifecyclePolicyInput{RepositoryName: aws.String("app")}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, ecrRepositoryType); r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("one changed repository: report %+v", r)
		}
		h := sink.history(ecrRepositoryType, "app")
		if len(h) != 2 || h[1].Status != configd.CIStatusOK || !h[1].CaptureTime.Equal(clock.t) {
			t.Fatalf("history: %d versions", len(h))
		}
		conf := decode(t, h[1].Configuration)
		if _, ok := conf["LifecyclePolicy"]; ok || conf["ImageTagMutability"] != "MUTABLE" {
			t.Errorf("changed configuration: %s", h[1].Configuration)
		}
		if _, ok := conf["RepositoryPolicyText"]; !ok {
			t.Errorf("repository policy lost: %s", h[1].Configuration)
		}
		d := Diff(h[0], h[1])
		if d.ChangeType != ChangeUpdate {
			t.Errorf("diff = %s", canonical(d))
		}
		if h := sink.history(ecrRepositoryType, "plain"); len(h) != 1 {
			t.Errorf("plain: %d versions", len(h))
		}
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, ecrRepositoryType); r.Changed != 0 || r.Deleted != 0 {
			t.Errorf("repeated poll: report %+v", r)
		}
	})

	t.Run("OKDeleted", func(t *testing.T) {
		need[*ecr.DeleteRepositoryOutput](t)(c.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("plain")}))
		wantDeletedOnce(t, cfg, sink, clock, ecrRepositoryType, "plain", 2)
	})
}

// TestECRRepositoryGone: a repository deleted between the listing and the
// reads is skipped, not an error.
func TestECRRepositoryGone(t *testing.T) {
	_, cfg := motoConfig(t)
	c := ecr.NewFromConfig(cfg)
	ctx := context.Background()
	gone := ecrtypes.Repository{RepositoryName: aws.String("never-created"), RegistryId: aws.String(motoAccount),
		RepositoryArn: aws.String("arn:aws:ecr:us-east-1:" + motoAccount + ":repository/never-created")}
	ci, err := ecrRepositories{}.item(ctx, c, motoScope, &gone)
	if err != nil || ci != nil {
		t.Errorf("item of a missing repository: %+v, %v; want nil, nil", ci, err)
	}
}
