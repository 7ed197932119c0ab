package recorder

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/configd/configd"
)

const secretType = "AWS::SecretsManager::Secret"

// seedSecrets creates a KMS key, the secret "app/db" (that key, a
// description, two tags) and the plain secret "plain"; it returns the key
// ARN and the two secret ARNs.
func seedSecrets(t *testing.T, cfg aws.Config, c *secretsmanager.Client) (keyARN, appARN, plainARN string) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("seed: %v", r)
		}
	}()
	ctx := context.Background()
	keyARN = *must(kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("secrets key")})).KeyMetadata.Arn
	appARN = *must(c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("app/db"),
		Description: aws.String("database credentials"), KmsKeyId: aws.String(keyARN),
		SecretString: aws.String(`{"user":"app","password":"never-recorded"}`),
		Tags:         []smtypes.Tag{{Key: aws.String("team"), Value: aws.String("web")}, {Key: aws.String("env"), Value: aws.String("test")}}})).ARN
	plainARN = *must(c.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("plain"),
		SecretString: aws.String("plain-value-never-recorded")})).ARN
	return keyARN, appARN, plainARN
}

// TestSecretMoto records secrets from moto, polls without changes, changes
// a description and tags, schedules one secret for deletion and deletes the
// other.
func TestSecretMoto(t *testing.T) {
	_, cfg := motoConfig(t)
	c := secretsmanager.NewFromConfig(cfg)
	keyARN, appARN, plainARN := seedSecrets(t, cfg, c)
	sink := newMemSink()
	clock := &fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ctx := context.Background()

	if !strings.HasPrefix(appARN, "arn:aws:secretsmanager:us-east-1:"+motoAccount+":secret:app/db-") {
		t.Fatalf("moto secret ARN %s", appARN)
	}

	t.Run("OK", func(t *testing.T) {
		if r := pollOne(t, cfg, sink, clock, secretType); r.Discovered != 2 || r.Changed != 2 || r.Deleted != 0 {
			t.Errorf("report %+v", r)
		}
		ci := latestOrFatal(t, sink, secretType, appARN)
		if ci.Status != configd.CIStatusResourceDiscovered || ci.AccountID != motoAccount || ci.Region != "us-east-1" ||
			ci.ARN != appARN || ci.ResourceID != appARN || ci.ResourceName != "app/db" || ci.AvailabilityZone != "Not Applicable" ||
			ci.ResourceCreationTime.IsZero() || len(ci.Relationships) != 0 || len(ci.SupplementaryConfiguration) != 0 {
			t.Errorf("item header: status %s account %s region %s id %s arn %s az %q name %q created %v rels %v sup %v",
				ci.Status, ci.AccountID, ci.Region, ci.ResourceID, ci.ARN, ci.AvailabilityZone, ci.ResourceName,
				ci.ResourceCreationTime, ci.Relationships, ci.SupplementaryConfiguration)
		}
		if len(ci.Tags) != 2 || ci.Tags["team"] != "web" || ci.Tags["env"] != "test" {
			t.Errorf("tags %v", ci.Tags)
		}
		t.Logf("configuration of app/db: %s", ci.Configuration)
		want := `{"ARN":"` + appARN + `","Deleted":false,"Description":"database credentials",` +
			`"KMSKeyId":"` + keyARN + `","Name":"app/db","RotationEnabled":false}`
		if ci.Configuration != want {
			t.Errorf("configuration\n got %s\nwant %s", ci.Configuration, want)
		}

		plain := latestOrFatal(t, sink, secretType, plainARN)
		if want := `{"ARN":"` + plainARN + `","Deleted":false,"Name":"plain","RotationEnabled":false}`; plain.Configuration != want {
			t.Errorf("plain configuration\n got %s\nwant %s", plain.Configuration, want)
		}
		if plain.ResourceName != "plain" || plain.ARN != plainARN || len(plain.Tags) != 0 {
			t.Errorf("plain item %+v", plain)
		}
		for _, it := range []*configd.ConfigurationItem{ci, plain} {
			if strings.Contains(it.Configuration, "never-recorded") {
				t.Errorf("the secret value was recorded: %s", it.Configuration)
			}
		}
	})

	t.Run("OKUnchanged", func(t *testing.T) {
		before := latestOrFatal(t, sink, secretType, appARN).Configuration
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, secretType); r.Changed != 0 || r.Deleted != 0 || r.Discovered != 2 {
			t.Errorf("unchanged secrets: report %+v", r)
		}
		for _, id := range []string{appARN, plainARN} {
			if h := sink.history(secretType, id); len(h) != 1 {
				t.Errorf("%s: history after an unchanged poll: %d versions", id, len(h))
			}
		}
		// The same secret read again gives byte-identical configuration.
		again, err := secretsManagerSecrets{}.item(ctx, c, motoScope, &smtypes.SecretListEntry{ARN: aws.String(appARN)})
		if err != nil || again == nil || again.Configuration != before {
			t.Errorf("re-read configuration differs (%v):\n%v\n%s", err, again, before)
		}
	})

	t.Run("OKChanged", func(t *testing.T) {
		need[*secretsmanager.UpdateSecretOutput](t)(c.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{
			SecretId: aws.String(appARN), Description: aws.String("rotated credentials")}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, secretType); r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("one changed secret: report %+v", r)
		}
		h := sink.history(secretType, appARN)
		if len(h) != 2 || h[1].Status != configd.CIStatusOK || !h[1].CaptureTime.Equal(clock.t) {
			t.Fatalf("history: %d versions", len(h))
		}
		if conf := decode(t, h[1].Configuration); conf["Description"] != "rotated credentials" || conf["KMSKeyId"] != keyARN {
			t.Errorf("changed configuration: %s", h[1].Configuration)
		}
		if d := Diff(h[0], h[1]); d.ChangeType != ChangeUpdate {
			t.Errorf("diff = %s", canonical(d))
		}
		if h := sink.history(secretType, plainARN); len(h) != 1 {
			t.Errorf("plain: %d versions", len(h))
		}

		// A tag alone is a change of the item (its tags), not of its configuration.
		need[*secretsmanager.TagResourceOutput](t)(c.TagResource(ctx, &secretsmanager.TagResourceInput{
			SecretId: aws.String(plainARN), Tags: []smtypes.Tag{{Key: aws.String("owner"), Value: aws.String("ops")}}}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, secretType); r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("one tagged secret: report %+v", r)
		}
		ph := sink.history(secretType, plainARN)
		if len(ph) != 2 || ph[1].Tags["owner"] != "ops" || ph[1].Configuration != ph[0].Configuration {
			t.Fatalf("plain history: %d versions, last %+v", len(ph), ph[len(ph)-1])
		}
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, secretType); r.Changed != 0 || r.Deleted != 0 {
			t.Errorf("repeated poll: report %+v", r)
		}
	})

	t.Run("OKScheduledForDeletion", func(t *testing.T) {
		// A secret in its recovery window is still recorded, with Deleted true.
		need[*secretsmanager.DeleteSecretOutput](t)(c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{
			SecretId: aws.String(appARN), RecoveryWindowInDays: aws.Int64(7)}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, secretType); r.Changed != 1 || r.Deleted != 0 || r.Discovered != 2 {
			t.Errorf("secret scheduled for deletion: report %+v", r)
		}
		h := sink.history(secretType, appARN)
		if len(h) != 3 || h[2].Status != configd.CIStatusOK || decode(t, h[2].Configuration)["Deleted"] != true {
			t.Fatalf("history: %d versions, last %+v", len(h), h[len(h)-1])
		}
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, secretType); r.Changed != 0 || r.Deleted != 0 {
			t.Errorf("repeated poll: report %+v", r)
		}
	})

	t.Run("OKDeleted", func(t *testing.T) {
		need[*secretsmanager.DeleteSecretOutput](t)(c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{
			SecretId: aws.String(plainARN), ForceDeleteWithoutRecovery: aws.Bool(true)}))
		wantDeletedOnce(t, cfg, sink, clock, secretType, plainARN, 3)
	})
}

// TestSecretGone: a secret deleted between the listing and DescribeSecret
// is skipped, not an error.
func TestSecretGone(t *testing.T) {
	_, cfg := motoConfig(t)
	c := secretsmanager.NewFromConfig(cfg)
	gone := smtypes.SecretListEntry{Name: aws.String("never-created"),
		ARN: aws.String("arn:aws:secretsmanager:us-east-1:" + motoAccount + ":secret:never-created-AbCdEf")}
	ci, err := secretsManagerSecrets{}.item(context.Background(), c, motoScope, &gone)
	if err != nil || ci != nil {
		t.Errorf("item of a missing secret: %+v, %v; want nil, nil", ci, err)
	}
}

// TestSecretItemRotation: rotation settings and dates as AWS Config's
// member names (moto cannot rotate without a rotation function).
func TestSecretItemRotation(t *testing.T) {
	arn := "arn:aws:secretsmanager:us-east-1:" + motoAccount + ":secret:rot-AbCdEf"
	rotated := time.Date(2025, 1, 2, 3, 4, 5, 600_000_000, time.FixedZone("x", 3600))
	accessed := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		rules *smtypes.RotationRulesType
		want  string
	}{
		{"Days", &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}, `{"AutomaticallyAfterDays":30}`},
		{"Hours", &smtypes.RotationRulesType{AutomaticallyAfterDays: aws.Int64(0), ScheduleExpression: aws.String("rate(4 hours)"), Duration: aws.String("1h")},
			`{"AutomaticallyAfterDays":0,"AutomaticallyAfterHours":4,"RotationDuration":"1h","RotationScheduleExpression":"rate(4 hours)"}`},
		{"Cron", &smtypes.RotationRulesType{ScheduleExpression: aws.String("cron(0 8 1 * ? *)")}, `{"RotationScheduleExpression":"cron(0 8 1 * ? *)"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ci := secretItem(secretType, motoScope, &secretsmanager.DescribeSecretOutput{
				ARN: aws.String(arn), Name: aws.String("rot"), RotationEnabled: aws.Bool(true),
				RotationLambdaARN: aws.String("arn:aws:lambda:us-east-1:" + motoAccount + ":function:rotate"),
				RotationRules:     tc.rules, LastRotatedDate: &rotated, LastAccessedDate: &accessed,
				VersionIdsToStages: map[string][]string{"v1": {"AWSCURRENT"}},
			})
			want := `{"ARN":"` + arn + `","Deleted":false,"LastAccessedDate":"2025-02-01T00:00:00.000Z",` +
				`"LastRotatedDate":"2025-01-02T02:04:05.600Z","Name":"rot","RotationEnabled":true,` +
				`"RotationLambdaARN":"arn:aws:lambda:us-east-1:` + motoAccount + `:function:rotate","RotationRules":` + tc.want + `}`
			if ci.Configuration != want {
				t.Errorf("configuration\n got %s\nwant %s", ci.Configuration, want)
			}
		})
	}
	empty := secretItem(secretType, motoScope, &secretsmanager.DescribeSecretOutput{ARN: aws.String(arn), Name: aws.String("rot"),
		RotationRules: &smtypes.RotationRulesType{}})
	if strings.Contains(empty.Configuration, "RotationRules") {
		t.Errorf("empty rules recorded: %s", empty.Configuration)
	}
}
