package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cs "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/configd/configd"
	"github.com/configd/configd/snapshot"
)

const thingType = "MyCorp::App::Thing"

func putThing(t testing.TB, c *cs.Client, id, config string) {
	t.Helper()
	_, err := c.PutResourceConfig(ctx, &cs.PutResourceConfigInput{ResourceType: aws.String(thingType), SchemaVersionId: aws.String("1"), ResourceId: aws.String(id), ResourceName: aws.String("name-" + id), Configuration: aws.String(config)})
	if err != nil {
		t.Fatal(err)
	}
}

func readSnapshot(t *testing.T, s *testServer, id string) []*configd.ConfigurationItem {
	t.Helper()
	var found string
	filepath.WalkDir(filepath.Join(s.Config.DataDir, "s3", "bucket"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, "_"+id+".json.gz") {
			found = p
		}
		return nil
	})
	if !strings.Contains(found, filepath.Join("pre", "AWSLogs", acctA, "Config", "us-east-1")) || !strings.Contains(found, "ConfigSnapshot/"+acctA+"_Config_us-east-1_ConfigSnapshot_") {
		t.Fatalf("snapshot %s not at AWS's key: %q", id, found)
	}
	f, err := os.Open(found)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var items []*configd.ConfigurationItem
	if err := snapshot.Read(f, func(ci *configd.ConfigurationItem) error { items = append(items, ci); return nil }); err != nil {
		t.Fatal(err)
	}
	return items
}

func history(t *testing.T, c *cs.Client, in *cs.GetResourceConfigHistoryInput) []types.ConfigurationItem {
	t.Helper()
	return must[*cs.GetResourceConfigHistoryOutput](t)(c.GetResourceConfigHistory(ctx, in)).ConfigurationItems
}

func TestResources(t *testing.T) {
	s := startServer(t)
	c := s.clientA()
	t.Run("ErrNotRecording", func(t *testing.T) {
		_, err := c.PutResourceConfig(ctx, &cs.PutResourceConfigInput{ResourceType: aws.String(thingType), SchemaVersionId: aws.String("1"), ResourceId: aws.String("x"), Configuration: aws.String("{}")})
		wantCode(t, err, "NoRunningConfigurationRecorderException")
	})
	startRecording(t, c)
	t.Run("ErrReservedType", func(t *testing.T) {
		_, err := c.PutResourceConfig(ctx, &cs.PutResourceConfigInput{ResourceType: aws.String("AWS::S3::Bucket"), SchemaVersionId: aws.String("1"), ResourceId: aws.String("x"), Configuration: aws.String("{}")})
		wantCode(t, err, "ValidationException")
	})
	t.Run("ErrBadJSON", func(t *testing.T) {
		_, err := c.PutResourceConfig(ctx, &cs.PutResourceConfigInput{ResourceType: aws.String(thingType), SchemaVersionId: aws.String("1"), ResourceId: aws.String("x"), Configuration: aws.String("{not json")})
		wantCode(t, err, "ValidationException")
	})
	t.Run("ErrNotDiscovered", func(t *testing.T) {
		_, err := c.GetResourceConfigHistory(ctx, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String("nope")})
		wantCode(t, err, "ResourceNotDiscoveredException", "Resource nope of resourceType:MyCorp::App::Thing is unknown or has not been discovered")
	})

	putThing(t, c, "r1", `{"v":1}`)
	putThing(t, c, "r1", `{"v": 1}`) // same state, other spacing: no new version
	putThing(t, c, "r1", `{"v":2}`)
	putThing(t, c, "r1", `{"v":3}`)
	t.Run("OKHistory", func(t *testing.T) {
		items := history(t, c, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String("r1")})
		if len(items) != 3 {
			t.Fatalf("got %d versions, want 3", len(items))
		}
		want := []string{`{"v":3}`, `{"v":2}`, `{"v":1}`}
		for i, it := range items {
			if aws.ToString(it.Configuration) != want[i] || aws.ToString(it.AccountId) != acctA || aws.ToString(it.AwsRegion) != "us-east-1" || aws.ToString(it.Version) != "1.3" || aws.ToString(it.ResourceName) != "name-r1" {
				t.Fatalf("item %d = %+v", i, it)
			}
		}
		if items[2].ConfigurationItemStatus != types.ConfigurationItemStatusResourceDiscovered || items[0].ConfigurationItemStatus != types.ConfigurationItemStatusOk {
			t.Fatalf("statuses = %s, %s", items[2].ConfigurationItemStatus, items[0].ConfigurationItemStatus)
		}
		if !items[0].ConfigurationItemCaptureTime.After(*items[1].ConfigurationItemCaptureTime) {
			t.Fatal("history not newest first")
		}
		fwd := history(t, c, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String("r1"), ChronologicalOrder: types.ChronologicalOrderForward})
		if aws.ToString(fwd[0].Configuration) != `{"v":1}` {
			t.Fatalf("forward order starts with %s", aws.ToString(fwd[0].Configuration))
		}
		// Time range: only the middle version.
		mid := history(t, c, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String("r1"), EarlierTime: items[1].ConfigurationItemCaptureTime, LaterTime: items[1].ConfigurationItemCaptureTime})
		if len(mid) != 1 || aws.ToString(mid[0].Configuration) != `{"v":2}` {
			t.Fatalf("time range returned %d items", len(mid))
		}
		_, err := c.GetResourceConfigHistory(ctx, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String("r1"), EarlierTime: items[0].ConfigurationItemCaptureTime, LaterTime: items[2].ConfigurationItemCaptureTime})
		wantCode(t, err, "InvalidTimeRangeException")
	})
	t.Run("OKHistoryPaging", func(t *testing.T) {
		var got []string
		p := cs.NewGetResourceConfigHistoryPaginator(c, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String("r1"), Limit: 1})
		pages := 0
		for p.HasMorePages() {
			out := must[*cs.GetResourceConfigHistoryOutput](t)(p.NextPage(ctx))
			pages++
			for _, it := range out.ConfigurationItems {
				got = append(got, aws.ToString(it.Configuration))
			}
		}
		if pages != 3 || strings.Join(got, ",") != `{"v":3},{"v":2},{"v":1}` {
			t.Fatalf("pages=%d items=%v", pages, got)
		}
	})
	t.Run("ErrLimit", func(t *testing.T) {
		_, err := c.GetResourceConfigHistory(ctx, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String("r1"), Limit: 101})
		wantCode(t, err, "ValidationException", "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100")
	})
	t.Run("ErrTokenReplay", func(t *testing.T) {
		out := must[*cs.GetResourceConfigHistoryOutput](t)(c.GetResourceConfigHistory(ctx, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String("r1"), Limit: 1}))
		// Another operation, another resource, another account: all refused.
		_, err := c.ListDiscoveredResources(ctx, &cs.ListDiscoveredResourcesInput{ResourceType: thingType, NextToken: out.NextToken})
		wantCode(t, err, "InvalidNextTokenException", "The nextToken provided is invalid")
		putThing(t, c, "r2", `{}`)
		_, err = c.GetResourceConfigHistory(ctx, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String("r2"), NextToken: out.NextToken})
		wantCode(t, err, "InvalidNextTokenException")
		_, err = s.client(keyB, secretB, "us-east-1").GetResourceConfigHistory(ctx, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String("r1"), NextToken: out.NextToken})
		wantCode(t, err, "InvalidNextTokenException")
		_, err = c.GetResourceConfigHistory(ctx, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String("r1"), NextToken: aws.String("forged")})
		wantCode(t, err, "InvalidNextTokenException")
	})

	for i := 3; i <= 12; i++ {
		putThing(t, c, fmt.Sprintf("r%02d", i), `{}`)
	}
	t.Run("OKListDiscovered", func(t *testing.T) {
		var ids []string
		p := cs.NewListDiscoveredResourcesPaginator(c, &cs.ListDiscoveredResourcesInput{ResourceType: thingType, Limit: 5})
		for p.HasMorePages() {
			for _, r := range must[*cs.ListDiscoveredResourcesOutput](t)(p.NextPage(ctx)).ResourceIdentifiers {
				ids = append(ids, aws.ToString(r.ResourceId))
			}
		}
		if len(ids) != 12 || ids[0] != "r03" || ids[11] != "r2" {
			t.Fatalf("ids = %v", ids)
		}
		out := must[*cs.ListDiscoveredResourcesOutput](t)(c.ListDiscoveredResources(ctx, &cs.ListDiscoveredResourcesInput{ResourceType: thingType, ResourceIds: []string{"r1", "r05", "missing"}}))
		if len(out.ResourceIdentifiers) != 2 {
			t.Fatalf("by ids: %+v", out.ResourceIdentifiers)
		}
		out = must[*cs.ListDiscoveredResourcesOutput](t)(c.ListDiscoveredResources(ctx, &cs.ListDiscoveredResourcesInput{ResourceType: thingType, ResourceName: aws.String("name-r07")}))
		if len(out.ResourceIdentifiers) != 1 || aws.ToString(out.ResourceIdentifiers[0].ResourceId) != "r07" {
			t.Fatalf("by name: %+v", out.ResourceIdentifiers)
		}
		_, err := c.ListDiscoveredResources(ctx, &cs.ListDiscoveredResourcesInput{ResourceType: thingType, ResourceName: aws.String("x"), ResourceIds: []string{"r1"}})
		wantCode(t, err, "ValidationException", "Both Resource ID and Resource Name cannot be specified in the request")
	})
	t.Run("OKDelete", func(t *testing.T) {
		must[*cs.DeleteResourceConfigOutput](t)(c.DeleteResourceConfig(ctx, &cs.DeleteResourceConfigInput{ResourceType: aws.String(thingType), ResourceId: aws.String("r05")}))
		items := history(t, c, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String("r05")})
		if items[0].ConfigurationItemStatus != types.ConfigurationItemStatusResourceDeleted {
			t.Fatalf("latest status = %s", items[0].ConfigurationItemStatus)
		}
		out := must[*cs.ListDiscoveredResourcesOutput](t)(c.ListDiscoveredResources(ctx, &cs.ListDiscoveredResourcesInput{ResourceType: thingType, ResourceIds: []string{"r05"}}))
		if len(out.ResourceIdentifiers) != 0 {
			t.Fatalf("deleted resource listed: %+v", out.ResourceIdentifiers)
		}
		out = must[*cs.ListDiscoveredResourcesOutput](t)(c.ListDiscoveredResources(ctx, &cs.ListDiscoveredResourcesInput{ResourceType: thingType, ResourceIds: []string{"r05"}, IncludeDeletedResources: true}))
		if len(out.ResourceIdentifiers) != 1 || out.ResourceIdentifiers[0].ResourceDeletionTime == nil {
			t.Fatalf("include deleted: %+v", out.ResourceIdentifiers)
		}
		b := must[*cs.BatchGetResourceConfigOutput](t)(c.BatchGetResourceConfig(ctx, &cs.BatchGetResourceConfigInput{ResourceKeys: []types.ResourceKey{{ResourceType: thingType, ResourceId: aws.String("r05")}, {ResourceType: thingType, ResourceId: aws.String("r06")}}}))
		if len(b.BaseConfigurationItems) != 1 || aws.ToString(b.BaseConfigurationItems[0].ResourceId) != "r06" {
			t.Fatalf("batch get = %+v", b.BaseConfigurationItems)
		}
		// Re-created after deletion: ResourceDiscovered again.
		putThing(t, c, "r05", `{"back":true}`)
		items = history(t, c, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String("r05")})
		if items[0].ConfigurationItemStatus != types.ConfigurationItemStatusResourceDiscovered || len(items) != 3 {
			t.Fatalf("re-created: %d items, latest %s", len(items), items[0].ConfigurationItemStatus)
		}
	})
	t.Run("OKCounts", func(t *testing.T) {
		out := must[*cs.GetDiscoveredResourceCountsOutput](t)(c.GetDiscoveredResourceCounts(ctx, &cs.GetDiscoveredResourceCountsInput{}))
		if out.TotalDiscoveredResources != 12 || len(out.ResourceCounts) != 1 || out.ResourceCounts[0].Count != 12 {
			t.Fatalf("counts = %d %+v", out.TotalDiscoveredResources, out.ResourceCounts)
		}
	})
	t.Run("ErrBatchTooMany", func(t *testing.T) {
		keys := make([]types.ResourceKey, 101)
		for i := range keys {
			keys[i] = types.ResourceKey{ResourceType: thingType, ResourceId: aws.String("x")}
		}
		_, err := c.BatchGetResourceConfig(ctx, &cs.BatchGetResourceConfigInput{ResourceKeys: keys})
		wantCode(t, err, "ValidationException")
		if !strings.Contains(err.Error(), "at 'resourceKeys' failed to satisfy constraint: Member must have length less than or equal to 100") {
			t.Fatalf("message: %v", err)
		}
	})
}

// TestIsolation checks that no operation of one account or region sees or
// changes another's data.
func TestIsolation(t *testing.T) {
	s := startServer(t)
	a := s.clientA()
	b := s.client(keyB, secretB, "us-east-1")
	aWest := s.client(keyA, secretA, "eu-west-1")
	startRecording(t, a)
	putThing(t, a, "secret-thing", `{"owner":"A"}`)

	for name, c := range map[string]*cs.Client{"OtherAccount": b, "OtherRegion": aWest} {
		t.Run(name, func(t *testing.T) {
			if out := must[*cs.DescribeConfigurationRecordersOutput](t)(c.DescribeConfigurationRecorders(ctx, &cs.DescribeConfigurationRecordersInput{})); len(out.ConfigurationRecorders) != 0 {
				t.Fatal("recorders visible")
			}
			_, err := c.DescribeConfigurationRecorders(ctx, &cs.DescribeConfigurationRecordersInput{ConfigurationRecorderNames: []string{"default"}})
			wantCode(t, err, "NoSuchConfigurationRecorderException")
			if out := must[*cs.DescribeDeliveryChannelsOutput](t)(c.DescribeDeliveryChannels(ctx, &cs.DescribeDeliveryChannelsInput{})); len(out.DeliveryChannels) != 0 {
				t.Fatal("channels visible")
			}
			_, err = c.StopConfigurationRecorder(ctx, &cs.StopConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})
			wantCode(t, err, "NoSuchConfigurationRecorderException")
			_, err = c.GetResourceConfigHistory(ctx, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String("secret-thing")})
			wantCode(t, err, "ResourceNotDiscoveredException")
			if out := must[*cs.ListDiscoveredResourcesOutput](t)(c.ListDiscoveredResources(ctx, &cs.ListDiscoveredResourcesInput{ResourceType: thingType})); len(out.ResourceIdentifiers) != 0 {
				t.Fatal("resources visible")
			}
			if out := must[*cs.BatchGetResourceConfigOutput](t)(c.BatchGetResourceConfig(ctx, &cs.BatchGetResourceConfigInput{ResourceKeys: []types.ResourceKey{{ResourceType: thingType, ResourceId: aws.String("secret-thing")}}})); len(out.BaseConfigurationItems) != 0 {
				t.Fatal("item visible")
			}
			if out := must[*cs.GetDiscoveredResourceCountsOutput](t)(c.GetDiscoveredResourceCounts(ctx, &cs.GetDiscoveredResourceCountsInput{})); out.TotalDiscoveredResources != 0 {
				t.Fatal("counts visible")
			}
			recArn := aws.ToString(must[*cs.DescribeConfigurationRecordersOutput](t)(a.DescribeConfigurationRecorders(ctx, &cs.DescribeConfigurationRecordersInput{})).ConfigurationRecorders[0].Arn)
			_, err = c.TagResource(ctx, &cs.TagResourceInput{ResourceArn: aws.String(recArn), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			wantCode(t, err, "ResourceNotFoundException")
			_, err = c.DeleteResourceConfig(ctx, &cs.DeleteResourceConfigInput{ResourceType: aws.String(thingType), ResourceId: aws.String("secret-thing")})
			wantCode(t, err, "NoRunningConfigurationRecorderException")
			// Its own writes do not reach A.
			putRecorder(t, c, "default")
			_, err = c.DeleteConfigurationRecorder(ctx, &cs.DeleteConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	items := history(t, a, &cs.GetResourceConfigHistoryInput{ResourceType: thingType, ResourceId: aws.String("secret-thing")})
	if len(items) != 1 || aws.ToString(items[0].Configuration) != `{"owner":"A"}` {
		t.Fatalf("A's item changed: %+v", items)
	}
	if out := must[*cs.DescribeConfigurationRecorderStatusOutput](t)(a.DescribeConfigurationRecorderStatus(ctx, &cs.DescribeConfigurationRecorderStatusInput{})); !out.ConfigurationRecordersStatus[0].Recording {
		t.Fatal("A's recorder changed")
	}
}

func TestTags(t *testing.T) {
	s := startServer(t)
	c := s.clientA()
	_, err := c.PutConfigurationRecorder(ctx, &cs.PutConfigurationRecorderInput{
		ConfigurationRecorder: &types.ConfigurationRecorder{Name: aws.String("default"), RoleARN: aws.String("arn:aws:iam::1:role/r")},
		Tags:                  []types.Tag{{Key: aws.String("team"), Value: aws.String("sec")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := must[*cs.DescribeConfigurationRecordersOutput](t)(c.DescribeConfigurationRecorders(ctx, &cs.DescribeConfigurationRecordersInput{})).ConfigurationRecorders[0].Arn
	list := func() []string {
		var out []string
		p := cs.NewListTagsForResourcePaginator(c, &cs.ListTagsForResourceInput{ResourceArn: arn, Limit: 2})
		for p.HasMorePages() {
			for _, tg := range must[*cs.ListTagsForResourceOutput](t)(p.NextPage(ctx)).Tags {
				out = append(out, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
			}
		}
		return out
	}
	if got := list(); len(got) != 1 || got[0] != "team=sec" {
		t.Fatalf("tags at creation = %v", got)
	}
	must[*cs.TagResourceOutput](t)(c.TagResource(ctx, &cs.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}, {Key: aws.String("team"), Value: aws.String("ops")}}}))
	if got := strings.Join(list(), ","); got != "a=1,b=2,team=ops" {
		t.Fatalf("tags = %s", got)
	}
	must[*cs.UntagResourceOutput](t)(c.UntagResource(ctx, &cs.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"a", "absent"}}))
	if got := strings.Join(list(), ","); got != "b=2,team=ops" {
		t.Fatalf("tags after untag = %s", got)
	}
	many := make([]types.Tag, 49)
	for i := range many {
		many[i] = types.Tag{Key: aws.String(fmt.Sprintf("k%02d", i)), Value: aws.String("v")}
	}
	_, err = c.TagResource(ctx, &cs.TagResourceInput{ResourceArn: arn, Tags: many})
	wantCode(t, err, "TooManyTagsException")
	_, err = c.ListTagsForResource(ctx, &cs.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:config:us-east-1:111111111111:config-rule/nope")})
	wantCode(t, err, "ResourceNotFoundException", "ResourceArn 'arn:aws:config:us-east-1:111111111111:config-rule/nope' does not exist")
	_ = time.Now
}
