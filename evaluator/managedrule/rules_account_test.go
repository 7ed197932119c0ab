package managedrule

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/configd/configd"
)

// trailItem builds an AWS::CloudTrail::Trail item (DescribeTrails element
// with lowerCamel keys); extra is spliced in.
func trailItem(name, extra string) *configdItem {
	return item(cloudTrailTrail, name, `{"name":"`+name+`","s3BucketName":"trail-logs","includeGlobalServiceEvents":true,`+
		`"isMultiRegionTrail":false,"homeRegion":"us-east-1","trailARN":"arn:aws:cloudtrail:us-east-1:123456789012:trail/`+name+`",`+
		`"logFileValidationEnabled":false,"hasCustomEventSelectors":false,"hasInsightSelectors":false,"isOrganizationTrail":false`+extra+`}`, map[string]string{})
}

func TestCloudTrailEncryptionEnabled(t *testing.T) {
	runRuleCases(t, "CLOUD_TRAIL_ENCRYPTION_ENABLED", []ruleCase{
		{name: "Compliant", ci: trailItem("main", `,"kmsKeyId":"`+tableKey+`"`), want: Compliant},
		{name: "NonCompliant", ci: trailItem("main", ""), want: NonCompliant},
	})
}

func TestCloudTrailLogFileValidationEnabled(t *testing.T) {
	runRuleCases(t, "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", []ruleCase{
		{name: "Compliant", ci: trailItem("main", `,"logFileValidationEnabled":true`), want: Compliant},
		{name: "NonCompliant", ci: trailItem("main", ""), want: NonCompliant},
	})
}

// evalAccount runs an account-level rule over the trails.
func evalAccount(t *testing.T, identifier, params string, trails ...*configdItem) Result {
	t.Helper()
	p, err := Parameters(identifier, params)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(context.Background(), identifier, Input{
		Params: p, Inventory: &memInventory{items: trails}, AccountID: "123456789012", Region: "us-east-1", Now: testNow,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].ResourceType != AccountResourceType || res[0].ResourceID != "123456789012" {
		t.Fatalf("results %+v, want one for the account", res)
	}
	return res[0]
}

func TestCloudTrailEnabled(t *testing.T) {
	logging := trailItem("main", `,"snsTopicARN":"arn:aws:sns:us-east-1:123456789012:t"`)
	stopped := withSupplementary(trailItem("stopped", ""), "TrailStatus", `{"isLogging":false}`)
	cases := []struct {
		name, params string
		trails       []*configdItem
		want         string
	}{
		{"CompliantOneTrail", "", []*configdItem{logging}, Compliant},
		{"NonCompliantNoTrail", "", nil, NonCompliant},
		{"NonCompliantNotLogging", "", []*configdItem{stopped}, NonCompliant},
		{"NonCompliantDeletedTrail", "", []*configdItem{deletedItem(trailItem("gone", ""))}, NonCompliant},
		{"CompliantOneOfTwo", "", []*configdItem{stopped, logging}, Compliant},
		{"ParamBucketMatches", `{"s3BucketName":"trail-logs"}`, []*configdItem{logging}, Compliant},
		{"ParamBucketDiffers", `{"s3BucketName":"other"}`, []*configdItem{logging}, NonCompliant},
		{"ParamTopicMatches", `{"snsTopicArn":"arn:aws:sns:us-east-1:123456789012:t"}`, []*configdItem{logging}, Compliant},
		{"ParamLogGroupDiffers", `{"cloudWatchLogsLogGroupArn":"arn:aws:logs:us-east-1:123456789012:log-group:x:*"}`, []*configdItem{logging}, NonCompliant},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := evalAccount(t, "CLOUD_TRAIL_ENABLED", tc.params, tc.trails...); got.ComplianceType != tc.want {
				t.Errorf("got %s (%q), want %s", got.ComplianceType, got.Annotation, tc.want)
			}
		})
	}
}

func TestMultiRegionCloudTrailEnabled(t *testing.T) {
	multi := trailItem("org", `,"isMultiRegionTrail":true`)
	custom := withSupplementary(trailItem("custom", `,"isMultiRegionTrail":true,"hasCustomEventSelectors":true`),
		"EventSelectors", `[{"readWriteType":"WriteOnly","includeManagementEvents":true,"dataResources":[]}]`)
	unknownSelectors := trailItem("unknown", `,"isMultiRegionTrail":true,"hasCustomEventSelectors":true`)
	cases := []struct {
		name, params string
		trails       []*configdItem
		want         string
	}{
		{"Compliant", "", []*configdItem{multi}, Compliant},
		{"NonCompliantSingleRegion", "", []*configdItem{trailItem("main", "")}, NonCompliant},
		{"ParamDefaultSelectorMatchesAll", `{"readWriteType":"ALL","includeManagementEvents":"true"}`, []*configdItem{multi}, Compliant},
		{"ParamReadWriteTypeDiffers", `{"readWriteType":"ReadOnly"}`, []*configdItem{custom}, NonCompliant},
		{"ParamReadWriteTypeMatches", `{"readWriteType":"WriteOnly"}`, []*configdItem{custom}, Compliant},
		{"ParamManagementEventsDiffer", `{"includeManagementEvents":"false"}`, []*configdItem{multi}, NonCompliant},
		{"ParamSelectorsUnknown", `{"readWriteType":"ALL"}`, []*configdItem{unknownSelectors}, NonCompliant},
		{"ParamBucket", `{"s3BucketName":"trail-logs"}`, []*configdItem{multi}, Compliant},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := evalAccount(t, "MULTI_REGION_CLOUD_TRAIL_ENABLED", tc.params, tc.trails...); got.ComplianceType != tc.want {
				t.Errorf("got %s (%q), want %s", got.ComplianceType, got.Annotation, tc.want)
			}
		})
	}
}

func TestAccountRuleErrors(t *testing.T) {
	t.Run("ErrNoInventory", func(t *testing.T) {
		if _, err := Evaluate(context.Background(), "CLOUD_TRAIL_ENABLED", Input{AccountID: "123456789012"}); err == nil {
			t.Fatal("want an error without an inventory")
		}
	})
	t.Run("ErrInventoryFails", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := Evaluate(context.Background(), "CLOUD_TRAIL_ENABLED", Input{Inventory: &memInventory{err: boom}})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want it to wrap boom", err)
		}
	})
}

func TestRequiredTags(t *testing.T) {
	tagged := func(tags map[string]string) *configdItem {
		return withTags(instanceItem(""), tags)
	}
	runRuleCases(t, "REQUIRED_TAGS", []ruleCase{
		{name: "Compliant", ci: tagged(map[string]string{"CostCenter": "42"}), params: `{"tag1Key":"CostCenter"}`, want: Compliant},
		{name: "NonCompliantMissing", ci: tagged(map[string]string{"Owner": "me"}), params: `{"tag1Key":"CostCenter"}`, want: NonCompliant, annotation: "Tag CostCenter is missing"},
		{name: "ParamValueAllowed", ci: tagged(map[string]string{"env": "prod"}), params: `{"tag1Key":"env","tag1Value":"dev, prod"}`, want: Compliant},
		{name: "ParamValueNotAllowed", ci: tagged(map[string]string{"env": "test"}), params: `{"tag1Key":"env","tag1Value":"dev,prod"}`, want: NonCompliant, annotation: `"test"`},
		{name: "ParamSixthTag", ci: tagged(map[string]string{"a": "1"}), params: `{"tag1Key":"a","tag6Key":"f"}`, want: NonCompliant, annotation: "f is missing"},
		{name: "NotApplicableUnsupportedType", ci: withTags(functionItem("", ""), map[string]string{}), params: `{"tag1Key":"CostCenter"}`, want: NotApplicable},
		{name: "CompliantBucket", ci: withTags(bucket("b", nil), map[string]string{"CostCenter": "1"}), params: `{"tag1Key":"CostCenter"}`, want: Compliant},
	})
}

func TestPeriodicEvaluationUsesInventory(t *testing.T) {
	keys := []*configdItem{
		kmsKeyItem("CUSTOMER", "Enabled", "AWS_KMS", "SYMMETRIC_DEFAULT", "true"),
		kmsKeyItem("CUSTOMER", "Enabled", "AWS_KMS", "SYMMETRIC_DEFAULT", "false"),
		deletedItem(kmsKeyItem("CUSTOMER", "Enabled", "AWS_KMS", "SYMMETRIC_DEFAULT", "false")),
		bucket("not-a-key", nil),
	}
	keys[1].ResourceID = "second"
	keys[2].ResourceID = "third"
	res, err := Evaluate(context.Background(), "CMK_BACKING_KEY_ROTATION_ENABLED", Input{Inventory: &memInventory{items: keys}, Params: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res {
		got = append(got, r.ResourceID+"="+r.ComplianceType)
	}
	want := "1234abcd-12ab-34cd-56ef-1234567890ab=COMPLIANT second=NON_COMPLIANT third=NOT_APPLICABLE"
	if strings.Join(got, " ") != want {
		t.Errorf("results %v, want %s", got, want)
	}
	t.Run("ErrNoInventory", func(t *testing.T) {
		if _, err := Evaluate(context.Background(), "CMK_BACKING_KEY_ROTATION_ENABLED", Input{}); err == nil {
			t.Fatal("want an error")
		}
	})
}

func TestEvaluateNotImplemented(t *testing.T) {
	_, err := Evaluate(context.Background(), "ACCESS_KEYS_ROTATED", Input{})
	if !configd.IsCode(err, configd.ErrNotImplemented) {
		t.Fatalf("err = %v, want %s", err, configd.ErrNotImplemented)
	}
}
