package managedrule

import (
	"context"
	"fmt"
	"strings"

	"github.com/configd/configd"
)

// AWS::CloudTrail::Trail configuration items hold the DescribeTrails element
// with lowerCamel keys (https://github.com/awslabs/aws-config-resource-schema,
// config/properties/resource-types/AWS::CloudTrail::Trail.properties.json):
//
//	{"name","trailARN","s3BucketName","snsTopicARN","cloudWatchLogsLogGroupArn","isMultiRegionTrail",
//	 "homeRegion","kmsKeyId","logFileValidationEnabled","hasCustomEventSelectors"}
//
// AWS's rules also call GetTrailStatus and GetEventSelectors, which the item
// lacks. configd reads them, when a recorder provides them, from two
// supplementary configuration keys of its own:
//
//	TrailStatus    {"isLogging":true}
//	EventSelectors [{"readWriteType":"All","includeManagementEvents":true}]
//
// A trail without TrailStatus counts as logging, and one without
// EventSelectors and without custom selectors has CloudTrail's default
// selector (all management events, read and write).

const cloudTrailTrail = "AWS::CloudTrail::Trail"

func init() {
	register(
		&trailAccountRule{id: "CLOUD_TRAIL_ENABLED", none: "No AWS CloudTrail trail is enabled.",
			fail: "No trail matches the rule: ", match: trailParamsMatch(false)},
		&trailAccountRule{id: "MULTI_REGION_CLOUD_TRAIL_ENABLED", none: "No multi-region AWS CloudTrail trail is enabled.",
			fail: "No trail matches the rule: ", match: trailParamsMatch(true)},
		&resourceRule{id: "CLOUD_TRAIL_ENCRYPTION_ENABLED", types: []string{cloudTrailTrail}, check: checkTrailEncryption},
		&resourceRule{id: "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", types: []string{cloudTrailTrail}, check: checkTrailLogValidation},
		newRequiredTags(),
	)
}

type trail struct {
	Name                      string   `json:"name"`
	S3BucketName              string   `json:"s3BucketName"`
	SNSTopicARN               string   `json:"snsTopicARN"`
	CloudWatchLogsLogGroupArn string   `json:"cloudWatchLogsLogGroupArn"`
	IsMultiRegionTrail        flexBool `json:"isMultiRegionTrail"`
	KmsKeyID                  string   `json:"kmsKeyId"`
	LogFileValidationEnabled  flexBool `json:"logFileValidationEnabled"`
	HasCustomEventSelectors   flexBool `json:"hasCustomEventSelectors"`
}

type eventSelector struct {
	ReadWriteType           string    `json:"readWriteType"`
	IncludeManagementEvents *flexBool `json:"includeManagementEvents"`
}

// https://docs.aws.amazon.com/config/latest/developerguide/cloud-trail-encryption-enabled.html
func checkTrailEncryption(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var t trail
	if err := decodeConfiguration(ci, &t); err != nil {
		return verdict{}, err
	}
	if t.KmsKeyID == "" {
		return nonCompliant("The trail's log files are not encrypted with SSE-KMS."), nil
	}
	return compliant(), nil
}

// https://docs.aws.amazon.com/config/latest/developerguide/cloud-trail-log-file-validation-enabled.html
func checkTrailLogValidation(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var t trail
	if err := decodeConfiguration(ci, &t); err != nil {
		return verdict{}, err
	}
	if !t.LogFileValidationEnabled {
		return nonCompliant("Log file validation is not enabled."), nil
	}
	return compliant(), nil
}

// trailAccountRule is an account-level rule that is compliant when at least
// one recorded trail is logging (when its TrailStatus is recorded) and
// matches. CLOUD_TRAIL_ENABLED and MULTI_REGION_CLOUD_TRAIL_ENABLED match
// on the trail's parameters (trailParamsMatch),
// CLOUDTRAIL_S3_DATAEVENTS_ENABLED on its S3 data event selectors.
// https://docs.aws.amazon.com/config/latest/developerguide/cloudtrail-enabled.html
// https://docs.aws.amazon.com/config/latest/developerguide/multi-region-cloudtrail-enabled.html
type trailAccountRule struct {
	id string
	// none is the annotation when no trail is logging; fail prefixes the
	// first mismatch when some are.
	none, fail string
	// match returns why the trail does not satisfy the rule, or "".
	match func(ci *configd.ConfigurationItem, t *trail, name string, params map[string]string) (string, error)
}

// Identifier implements Rule.
func (r *trailAccountRule) Identifier() string { return r.id }

// Evaluate implements Rule: one result for the account, whatever in.CI is.
func (r *trailAccountRule) Evaluate(ctx context.Context, in Input) ([]Result, error) {
	if in.Inventory == nil {
		return nil, fmt.Errorf("managedrule %s: account evaluation without an inventory", r.id)
	}
	account := in.AccountID
	if account == "" && in.CI != nil {
		account = in.CI.AccountID
	}
	items, err := in.Inventory.ListItems(ctx, cloudTrailTrail)
	if err != nil {
		return nil, fmt.Errorf("managedrule %s: list %s: %w", r.id, cloudTrailTrail, err)
	}
	res := Result{ResourceType: AccountResourceType, ResourceID: account, ComplianceType: NonCompliant, Annotation: r.none}
	var why string
	for _, ci := range items {
		if ci == nil || deleted(ci) {
			continue
		}
		reason, err := r.trailMismatch(ci, in.Params)
		if err != nil {
			return nil, fmt.Errorf("managedrule %s: %s: %w", r.id, ci.ResourceID, err)
		}
		if reason == "" {
			res.ComplianceType, res.Annotation = Compliant, ""
			return []Result{res}, nil
		}
		if why == "" {
			why = reason
		}
	}
	if why != "" {
		res.Annotation = truncate(r.fail + why)
	}
	return []Result{res}, nil
}

// trailMismatch decodes the trail, requires it to be logging (when its
// TrailStatus is recorded) and applies r.match.
func (r *trailAccountRule) trailMismatch(ci *configd.ConfigurationItem, p map[string]string) (string, error) {
	var t trail
	if err := decodeConfiguration(ci, &t); err != nil {
		return "", err
	}
	name := t.Name
	if name == "" {
		name = ci.ResourceName
	}
	var status struct {
		IsLogging *flexBool `json:"isLogging"`
	}
	if _, err := decodeSupplementary(ci, "TrailStatus", &status); err != nil {
		return "", err
	}
	if status.IsLogging != nil && !bool(*status.IsLogging) {
		return "trail " + name + " is not logging.", nil
	}
	return r.match(ci, &t, name, p)
}

// trailParamsMatch returns the match of CLOUD_TRAIL_ENABLED (multiRegion
// false) or MULTI_REGION_CLOUD_TRAIL_ENABLED: the trail's bucket, topic and
// log group as the parameters name them and, for the multi-region rule, a
// multi-region trail whose event selectors match includeManagementEvents
// and readWriteType.
func trailParamsMatch(multiRegion bool) func(*configd.ConfigurationItem, *trail, string, map[string]string) (string, error) {
	return func(ci *configd.ConfigurationItem, t *trail, name string, p map[string]string) (string, error) {
		if multiRegion && !bool(t.IsMultiRegionTrail) {
			return "trail " + name + " is not multi-region.", nil
		}
		for _, c := range []struct{ param, got string }{
			{"s3BucketName", t.S3BucketName},
			{"snsTopicArn", t.SNSTopicARN},
			{"cloudWatchLogsLogGroupArn", t.CloudWatchLogsLogGroupArn},
		} {
			if want := strings.TrimSpace(p[c.param]); want != "" && want != c.got {
				return fmt.Sprintf("trail %s has %s %q, not %q.", name, c.param, c.got, want), nil
			}
		}
		if !multiRegion {
			return "", nil
		}
		_, wantMgmt := p["includeManagementEvents"]
		wantRW := strings.TrimSpace(p["readWriteType"])
		if !wantMgmt && wantRW == "" {
			return "", nil
		}
		var selectors []eventSelector
		found, err := decodeSupplementary(ci, "EventSelectors", &selectors)
		if err != nil {
			return "", err
		}
		if !found {
			if t.HasCustomEventSelectors {
				return "the event selectors of trail " + name + " are not recorded.", nil
			}
			yes := flexBool(true)
			selectors = []eventSelector{{ReadWriteType: "All", IncludeManagementEvents: &yes}}
		}
		for _, s := range selectors {
			mgmt := s.IncludeManagementEvents == nil || bool(*s.IncludeManagementEvents)
			if wantMgmt && mgmt != boolParam(p, "includeManagementEvents", true) {
				continue
			}
			if wantRW != "" && !strings.EqualFold(s.ReadWriteType, wantRW) {
				continue
			}
			return "", nil
		}
		return "no event selector of trail " + name + " matches includeManagementEvents and readWriteType.", nil
	}
}

// newRequiredTags builds REQUIRED_TAGS over the resource types the
// catalogue lists for it.
func newRequiredTags() Rule {
	spec, _ := Lookup("REQUIRED_TAGS")
	var types []string
	if spec != nil {
		types = spec.ResourceTypes
	}
	return &resourceRule{id: "REQUIRED_TAGS", types: types, check: checkRequiredTags}
}

// checkRequiredTags: each tagNKey (N = 1..6) must be a tag of the resource,
// with one of the tagNValue values when given.
// https://docs.aws.amazon.com/config/latest/developerguide/required-tags.html
func checkRequiredTags(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var problems []string
	for i := 1; i <= 6; i++ {
		n := string(rune('0' + i))
		key := strings.TrimSpace(in.Params["tag"+n+"Key"])
		if key == "" {
			continue
		}
		got, ok := ci.Tags[key]
		if !ok {
			problems = append(problems, "tag "+key+" is missing")
			continue
		}
		if values := csv(in.Params["tag"+n+"Value"]); len(values) > 0 && !contains(values, got) {
			problems = append(problems, fmt.Sprintf("tag %s has value %q, not one of %s", key, got, strings.Join(values, ", ")))
		}
	}
	if len(problems) > 0 {
		return nonCompliant(strings.ToUpper(problems[0][:1]) + strings.Join(problems, "; ")[1:] + "."), nil
	}
	return compliant(), nil
}
