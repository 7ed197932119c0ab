package api

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/configd/configd"
)

// validRule is a ConfigRule that passes validation.
func validRule() *ConfigRule {
	return &ConfigRule{
		ConfigRuleName: "s3-versioning",
		Source:         &Source{Owner: "AWS", SourceIdentifier: "S3_BUCKET_VERSIONING_ENABLED"},
	}
}

func TestValidate(t *testing.T) {
	const null = "failed to satisfy constraint: Member must not be null"
	long := func(r string, n int) string { return strings.Repeat(r, n) }
	keys := func(n int) []ResourceKey {
		ks := make([]ResourceKey, n)
		for i := range ks {
			ks[i] = ResourceKey{ResourceType: "AWS::S3::Bucket", ResourceId: "b"}
		}
		return ks
	}
	params := func(n int) map[string]RemediationParameterValue {
		m := map[string]RemediationParameterValue{}
		for i := range n {
			m[fmt.Sprintf("p%02d", i)] = RemediationParameterValue{StaticValue: &StaticValue{Values: []string{"v"}}}
		}
		return m
	}
	renderParams := func(n int) string {
		parts := make([]string, n)
		for i := range n {
			parts[i] = fmt.Sprintf(`"p%02d":{"StaticValue":{"Values":["v"]}}`, i)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}

	tests := []struct {
		name string
		in   Input
		want string // "" means valid
	}{
		{"OK", &PutConfigRuleRequest{ConfigRule: validRule()}, ""},
		{"OKNoInputShape", &GetComplianceSummaryByConfigRuleRequest{}, ""},
		{"OKCustomResourceType", &ListDiscoveredResourcesRequest{ResourceType: "MyCorp::App::Thing"}, ""},
		{"OKLengthInCodePoints", &DeleteConfigRuleRequest{ConfigRuleName: long("é", 128)}, ""},
		{"OKEmptyListAboveMin", &PutEvaluationsRequest{ResultToken: "t", Evaluations: []Evaluation{}}, ""},
		{"OKRangeBounds", &GetComplianceDetailsByConfigRuleRequest{ConfigRuleName: "r", Limit: Int32(100)}, ""},
		{"OKPattern", &DeleteConformancePackRequest{ConformancePackName: "my-pack-1"}, ""},
		{
			"ErrRequired", &DeleteConfigRuleRequest{},
			"1 validation error detected: Value null at 'configRuleName' " + null,
		},
		{
			"ErrRequiredNilRequest", (*DeleteConfigRuleRequest)(nil),
			"1 validation error detected: Value null at 'configRuleName' " + null,
		},
		{
			"ErrRequiredList", &StartRemediationExecutionRequest{ConfigRuleName: "r"},
			"1 validation error detected: Value null at 'resourceKeys' " + null,
		},
		{
			"ErrRequiredNested", &PutConfigRuleRequest{ConfigRule: &ConfigRule{}},
			"1 validation error detected: Value null at 'configRule.source' " + null,
		},
		{
			"ErrRequiredTimestampInListElement",
			&PutEvaluationsRequest{ResultToken: "t", Evaluations: []Evaluation{{
				ComplianceResourceType: "AWS::S3::Bucket", ComplianceResourceId: "b", ComplianceType: "COMPLIANT",
			}}},
			"1 validation error detected: Value null at 'evaluations.1.member.orderingTimestamp' " + null,
		},
		{
			"ErrStringMax", &DeleteConfigRuleRequest{ConfigRuleName: long("a", 129)},
			"1 validation error detected: Value '" + long("a", 129) + "' at 'configRuleName' failed to satisfy constraint: " +
				"Member must have length less than or equal to 128",
		},
		{
			"ErrStringMaxInCodePoints", &DeleteConfigRuleRequest{ConfigRuleName: long("é", 129)},
			"1 validation error detected: Value '" + long("é", 129) + "' at 'configRuleName' failed to satisfy constraint: " +
				"Member must have length less than or equal to 128",
		},
		{
			"ErrStringMinListElement", &ListDiscoveredResourcesRequest{ResourceType: "AWS::S3::Bucket", ResourceIds: []string{"a", ""}},
			"1 validation error detected: Value '' at 'resourceIds.2.member' failed to satisfy constraint: " +
				"Member must have length greater than or equal to 1",
		},
		{
			"ErrListMin", &StartRemediationExecutionRequest{ConfigRuleName: "r", ResourceKeys: []ResourceKey{}},
			"1 validation error detected: Value '[]' at 'resourceKeys' failed to satisfy constraint: " +
				"Member must have length greater than or equal to 1",
		},
		{
			"ErrListMaxStrings", &GetComplianceDetailsByConfigRuleRequest{
				ConfigRuleName:  "r",
				ComplianceTypes: []string{"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA"},
			},
			"1 validation error detected: Value '[COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, INSUFFICIENT_DATA]' at 'complianceTypes' " +
				"failed to satisfy constraint: Member must have length less than or equal to 3",
		},
		{
			"ErrListMaxStructs", &BatchGetResourceConfigRequest{ResourceKeys: keys(101)},
			"1 validation error detected: Value '[" +
				strings.TrimSuffix(strings.Repeat(`{"resourceType":"AWS::S3::Bucket","resourceId":"b"}, `, 101), ", ") +
				"]' at 'resourceKeys' failed to satisfy constraint: Member must have length less than or equal to 100",
		},
		{
			"ErrMapMax", &PutRemediationConfigurationsRequest{RemediationConfigurations: []RemediationConfiguration{{
				ConfigRuleName: "r", TargetType: "SSM_DOCUMENT", TargetId: "AWS-EnableS3BucketEncryption", Parameters: params(26),
			}}},
			"1 validation error detected: Value '" + renderParams(26) + "' at 'remediationConfigurations.1.member.parameters' " +
				"failed to satisfy constraint: Member must have length less than or equal to 25",
		},
		{
			"ErrMapKeyAndValue", &PutRemediationConfigurationsRequest{RemediationConfigurations: []RemediationConfiguration{{
				ConfigRuleName: "r", TargetType: "SSM_DOCUMENT", TargetId: "doc",
				Parameters: map[string]RemediationParameterValue{
					"":  {ResourceValue: &ResourceValue{Value: "RESOURCE_ID"}},
					"b": {ResourceValue: &ResourceValue{Value: "ARN"}},
				},
			}}},
			"2 validation errors detected: " +
				"Value '' at 'remediationConfigurations.1.member.parameters' failed to satisfy constraint: " +
				"Member must have length greater than or equal to 1; " +
				"Value 'ARN' at 'remediationConfigurations.1.member.parameters.resourceValue.value' failed to satisfy constraint: " +
				"Member must satisfy enum value set: [RESOURCE_ID]",
		},
		{
			"ErrRangeMin", &GetComplianceDetailsByConfigRuleRequest{ConfigRuleName: "r", Limit: Int32(-1)},
			"1 validation error detected: Value '-1' at 'limit' failed to satisfy constraint: " +
				"Member must have value greater than or equal to 0",
		},
		{
			"ErrRangeMaxLong", &PutRemediationConfigurationsRequest{RemediationConfigurations: []RemediationConfiguration{{
				ConfigRuleName: "r", TargetType: "SSM_DOCUMENT", TargetId: "doc", RetryAttemptSeconds: Int64(2678001),
			}}},
			"1 validation error detected: Value '2678001' at 'remediationConfigurations.1.member.retryAttemptSeconds' " +
				"failed to satisfy constraint: Member must have value less than or equal to 2678000",
		},
		{
			"ErrRangeNested", &PutRemediationConfigurationsRequest{RemediationConfigurations: []RemediationConfiguration{{
				ConfigRuleName: "r", TargetType: "SSM_DOCUMENT", TargetId: "doc",
				ExecutionControls: &ExecutionControls{SsmControls: &SsmControls{ErrorPercentage: Int32(0)}},
			}}},
			"1 validation error detected: Value '0' at " +
				"'remediationConfigurations.1.member.executionControls.ssmControls.errorPercentage' " +
				"failed to satisfy constraint: Member must have value greater than or equal to 1",
		},
		{
			"ErrEnum", &PutConfigRuleRequest{ConfigRule: &ConfigRule{ConfigRuleName: "r", Source: &Source{Owner: "ME"}}},
			"1 validation error detected: Value 'ME' at 'configRule.source.owner' failed to satisfy constraint: " +
				"Member must satisfy enum value set: [CUSTOM_LAMBDA, AWS, CUSTOM_POLICY]",
		},
		{
			"ErrEnumListElement", &GetComplianceDetailsByConfigRuleRequest{ConfigRuleName: "r", ComplianceTypes: []string{"COMPLIANT", "BAD"}},
			"1 validation error detected: Value 'BAD' at 'complianceTypes.2.member' failed to satisfy constraint: " +
				"Member must satisfy enum value set: [COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, INSUFFICIENT_DATA]",
		},
		{
			// A search for the pattern would find "my"; AWS matches the whole value.
			"ErrPatternWholeValue", &DeleteConformancePackRequest{ConformancePackName: "my_pack"},
			"1 validation error detected: Value 'my_pack' at 'conformancePackName' failed to satisfy constraint: " +
				"Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*",
		},
		{
			"ErrPatternListElementNested", &BatchGetAggregateResourceConfigRequest{
				ConfigurationAggregatorName: "agg",
				ResourceIdentifiers: []AggregateResourceIdentifier{{
					SourceAccountId: "12345", SourceRegion: "us-east-1", ResourceId: "b", ResourceType: "AWS::S3::Bucket",
				}},
			},
			"1 validation error detected: Value '12345' at 'resourceIdentifiers.1.member.sourceAccountId' " +
				"failed to satisfy constraint: Member must satisfy regular expression pattern: \\d{12}",
		},
		{
			"ErrLengthAndPatternSameMember", &DeleteConformancePackRequest{ConformancePackName: long("_", 257)},
			"2 validation errors detected: " +
				"Value '" + long("_", 257) + "' at 'conformancePackName' failed to satisfy constraint: " +
				"Member must have length less than or equal to 256; " +
				"Value '" + long("_", 257) + "' at 'conformancePackName' failed to satisfy constraint: " +
				"Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*",
		},
		{
			"ErrSeveralInMemberOrder", &PutConfigRuleRequest{
				ConfigRule: &ConfigRule{ConfigRuleName: " ", ConfigRuleState: "ON", Source: &Source{Owner: "ME"}},
				Tags:       []Tag{{Key: "k"}, {Key: long("k", 129)}},
			},
			"4 validation errors detected: " +
				"Value ' ' at 'configRule.configRuleName' failed to satisfy constraint: " +
				"Member must satisfy regular expression pattern: .*\\S.*; " +
				"Value 'ME' at 'configRule.source.owner' failed to satisfy constraint: " +
				"Member must satisfy enum value set: [CUSTOM_LAMBDA, AWS, CUSTOM_POLICY]; " +
				"Value 'ON' at 'configRule.configRuleState' failed to satisfy constraint: " +
				"Member must satisfy enum value set: [ACTIVE, DELETING, DELETING_RESULTS, EVALUATING]; " +
				"Value '" + long("k", 129) + "' at 'tags.2.member.key' failed to satisfy constraint: " +
				"Member must have length less than or equal to 128",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var e *configd.Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate() = %v (%T), want *configd.Error", err, err)
			}
			if e.Code != configd.ErrValidation {
				t.Errorf("code = %q, want %q", e.Code, configd.ErrValidation)
			}
			if e.Message != tt.want {
				t.Errorf("message:\n got %s\nwant %s", e.Message, tt.want)
			}
		})
	}
}

func TestValidatorErr(t *testing.T) {
	tests := []struct {
		name string
		add  func(v *Validator)
		want string
	}{
		{"OK", func(*Validator) {}, ""},
		{"ErrOne", func(v *Validator) { v.AddNull("a.b") },
			"1 validation error detected: Value null at 'a.b' failed to satisfy constraint: Member must not be null"},
		{"ErrTwo", func(v *Validator) {
			v.Add("x", "1", "Member must be odd")
			v.Add("y", "it's", "Member must be quiet")
		}, "2 validation errors detected: Value '1' at 'x' failed to satisfy constraint: Member must be odd; " +
			"Value 'it's' at 'y' failed to satisfy constraint: Member must be quiet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Validator
			tt.add(&v)
			err := v.Err()
			if tt.want == "" {
				if err != nil || v.Len() != 0 {
					t.Fatalf("Err() = %v, Len() = %d; want nil, 0", err, v.Len())
				}
				return
			}
			if got := configd.ErrorMessage(err); got != tt.want {
				t.Errorf("message:\n got %s\nwant %s", got, tt.want)
			}
			if !configd.IsCode(err, configd.ErrValidation) {
				t.Errorf("code = %q, want %q", configd.ErrorCode(err), configd.ErrValidation)
			}
			if got := len(v.Messages()); got != v.Len() {
				t.Errorf("len(Messages()) = %d, Len() = %d", got, v.Len())
			}
		})
	}
}

func TestEnumValues(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		want := []string{"CUSTOM_LAMBDA", "AWS", "CUSTOM_POLICY"}
		got := EnumValues("Owner")
		if !slices.Equal(got, want) {
			t.Fatalf("EnumValues(Owner) = %v, want %v", got, want)
		}
		got[0] = "changed"
		if EnumValues("Owner")[0] != "CUSTOM_LAMBDA" {
			t.Error("EnumValues returned the package's own slice")
		}
	})
	t.Run("OKExceptedEnumStillListed", func(t *testing.T) {
		if !slices.Contains(EnumValues("ResourceType"), "AWS::S3::Bucket") {
			t.Error("EnumValues(ResourceType) lacks AWS::S3::Bucket")
		}
	})
	t.Run("ErrNotAnEnum", func(t *testing.T) {
		if got := EnumValues("ConfigRuleName"); got != nil {
			t.Errorf("EnumValues(ConfigRuleName) = %v, want nil", got)
		}
	})
}

func TestPointerHelpers(t *testing.T) {
	if got := ToInt32(Int32(7), 1); got != 7 {
		t.Errorf("ToInt32(7) = %d", got)
	}
	if got := ToInt32(nil, 1); got != 1 {
		t.Errorf("ToInt32(nil, 1) = %d", got)
	}
	if got := ToInt64(Int64(-3), 1); got != -3 {
		t.Errorf("ToInt64(-3) = %d", got)
	}
	if got := ToInt64(nil, 9); got != 9 {
		t.Errorf("ToInt64(nil, 9) = %d", got)
	}
	if got := ToBool(Bool(false), true); got {
		t.Error("ToBool(false, true) = true")
	}
	if got := ToBool(nil, true); !got {
		t.Error("ToBool(nil, true) = false")
	}
}

// BenchmarkValidate measures a valid PutEvaluations of 100 evaluations, the
// hot path of custom rules.
func BenchmarkValidate(b *testing.B) {
	req := &PutEvaluationsRequest{ResultToken: "token"}
	for i := range 100 {
		req.Evaluations = append(req.Evaluations, Evaluation{
			ComplianceResourceType: "AWS::S3::Bucket",
			ComplianceResourceId:   fmt.Sprintf("bucket-%d", i),
			ComplianceType:         "NON_COMPLIANT",
			Annotation:             "versioning is off",
			OrderingTimestamp:      &Timestamp{},
		})
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := req.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}
