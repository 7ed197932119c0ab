package managedrule

import (
	"maps"
	"strings"
	"testing"

	"github.com/configd/configd"
)

func TestParameters(t *testing.T) {
	cases := []struct {
		name, id, input string
		want            map[string]string
		// wantErr is a fragment of the expected InvalidParameterValue message.
		wantErr string
	}{
		{name: "OKNoParameters", id: "S3_BUCKET_VERSIONING_ENABLED", input: "", want: map[string]string{}},
		{name: "OKEmptyObject", id: "S3_BUCKET_VERSIONING_ENABLED", input: "{}", want: map[string]string{}},
		{name: "OKDefaultsApplied", id: "RESTRICTED_INCOMING_TRAFFIC", input: `{"blockedPort1":"8080"}`,
			want: map[string]string{"blockedPort1": "8080", "blockedPort2": "21", "blockedPort3": "3389", "blockedPort4": "3306", "blockedPort5": "4333"}},
		{name: "OKRequired", id: "DESIRED_INSTANCE_TYPE", input: `{"instanceType":"t3.micro,t3.small"}`, want: map[string]string{"instanceType": "t3.micro,t3.small"}},
		{name: "OKBoolean", id: "EC2_VOLUME_INUSE_CHECK", input: `{"deleteOnTermination":"True"}`, want: map[string]string{"deleteOnTermination": "True"}},
		{name: "OKDouble", id: "AURORA_MYSQL_BACKTRACKING_ENABLED", input: `{"BacktrackWindowInHours":"1.5"}`, want: map[string]string{"BacktrackWindowInHours": "1.5"}},
		{name: "OKStringMap", id: "APPROVED_AMIS_BY_TAG", input: `{"amisByTagKeyAndValue":"team:web,approved"}`, want: map[string]string{"amisByTagKeyAndValue": "team:web,approved"}},
		{name: "OKLambdaDefaults", id: "LAMBDA_FUNCTION_SETTINGS_CHECK", input: `{"runtime":"python3.12"}`,
			want: map[string]string{"runtime": "python3.12", "memorySize": "128", "timeout": "3"}},
		{name: "ErrUnknownIdentifier", id: "NOT_A_RULE", input: "", wantErr: "The sourceIdentifier NOT_A_RULE is invalid. Please refer to the documentation"},
		{name: "ErrInvalidJSON", id: "S3_BUCKET_VERSIONING_ENABLED", input: `{"isMfaDeleteEnabled":`, wantErr: "not a valid JSON object"},
		{name: "ErrNotAnObject", id: "S3_BUCKET_VERSIONING_ENABLED", input: `["a"]`, wantErr: "not a valid JSON object"},
		{name: "ErrNull", id: "S3_BUCKET_VERSIONING_ENABLED", input: `null`, wantErr: "not a valid JSON object"},
		{name: "ErrUnknownParameter", id: "S3_BUCKET_VERSIONING_ENABLED", input: `{"mfa":"true"}`, wantErr: `Unknown parameters provided in the inputParameters: {"mfa":"true"}`},
		{name: "ErrMissingRequired", id: "DESIRED_INSTANCE_TYPE", input: "{}", wantErr: "The required parameter instanceType is not present in the inputParameters, please refer to Config rules documentation for the required parameters."},
		{name: "ErrMissingRequiredWithDefault", id: "REQUIRED_TAGS", input: `{"tag1Value":"a"}`, wantErr: "The required parameter tag1Key is not present"},
		{name: "ErrMissingSeveral", id: "REDSHIFT_CLUSTER_CONFIGURATION_CHECK", input: "{}", wantErr: "The required parameter clusterDbEncrypted, loggingEnabled is not present"},
		{name: "ErrNumberValue", id: "RESTRICTED_INCOMING_TRAFFIC", input: `{"blockedPort1":22}`, wantErr: "Blank spaces are not acceptable for input parameter: blockedPort1."},
		{name: "ErrBlankValue", id: "DESIRED_INSTANCE_TYPE", input: `{"instanceType":"  "}`, wantErr: "Blank spaces are not acceptable for input parameter: instanceType."},
		{name: "ErrNotInt", id: "RESTRICTED_INCOMING_TRAFFIC", input: `{"blockedPort1":"ssh"}`, wantErr: `The value "ssh" of input parameter blockedPort1 is not a valid int.`},
		{name: "ErrNotBoolean", id: "EC2_VOLUME_INUSE_CHECK", input: `{"deleteOnTermination":"yes"}`, wantErr: "is not a valid boolean"},
		{name: "ErrNotDouble", id: "AURORA_MYSQL_BACKTRACKING_ENABLED", input: `{"BacktrackWindowInHours":"1h"}`, wantErr: "is not a valid double"},
		{name: "ErrStringMapEmptyKey", id: "APPROVED_AMIS_BY_TAG", input: `{"amisByTagKeyAndValue":"team:web,:x"}`, wantErr: "is not a valid StringMap"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parameters(tc.id, tc.input)
			verr := ValidateParameters(tc.id, tc.input)
			if tc.wantErr != "" {
				if !configd.IsCode(err, configd.ErrInvalidParameterValue) || !configd.IsCode(verr, configd.ErrInvalidParameterValue) {
					t.Fatalf("err = %v / %v, want %s", err, verr, configd.ErrInvalidParameterValue)
				}
				if msg := configd.ErrorMessage(err); !strings.Contains(msg, tc.wantErr) {
					t.Errorf("message %q does not contain %q", msg, tc.wantErr)
				}
				return
			}
			if err != nil || verr != nil {
				t.Fatalf("err = %v / %v", err, verr)
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// FuzzParameters checks that any InputParameters text is either accepted,
// with only catalogue names in the result, or refused with
// InvalidParameterValueException.
func FuzzParameters(f *testing.F) {
	f.Add("RESTRICTED_INCOMING_TRAFFIC", `{"blockedPort1":"22","blockedPorts":"1,2"}`)
	f.Add("REQUIRED_TAGS", `{"tag1Key":"a","tag1Value":"b,c"}`)
	f.Add("APPROVED_AMIS_BY_TAG", `{"amisByTagKeyAndValue":"a:b"}`)
	f.Add("S3_BUCKET_VERSIONING_ENABLED", `{"isMfaDeleteEnabled":null}`)
	f.Fuzz(func(t *testing.T, id, input string) {
		got, err := Parameters(id, input)
		if err != nil {
			if !configd.IsCode(err, configd.ErrInvalidParameterValue) {
				t.Fatalf("error %v has code %s", err, configd.ErrorCode(err))
			}
			return
		}
		spec, _ := Lookup(id)
		for name := range got {
			if _, ok := spec.Param(name); !ok {
				t.Fatalf("result has unknown parameter %q", name)
			}
		}
	})
}
