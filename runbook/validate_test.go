package runbook

import (
	"strings"
	"testing"

	"github.com/configd/configd"
)

func static(v ...string) configd.RemediationParameter {
	return configd.RemediationParameter{StaticValues: v}
}

var resourceID = configd.RemediationParameter{ResourceValue: "RESOURCE_ID"}

func TestValidate(t *testing.T) {
	r := newRegistry(t)
	tests := []struct {
		name   string
		doc    string
		params map[string]configd.RemediationParameter
		// want is "" for success, else a substring of the message.
		want string
	}{
		{"OK", "AWS-EnableS3BucketEncryption", map[string]configd.RemediationParameter{"BucketName": resourceID}, ""},
		{"OKStaticAndOptional", "AWS-EnableS3BucketEncryption", map[string]configd.RemediationParameter{
			"BucketName": resourceID, "SSEAlgorithm": static("aws:kms"), "AutomationAssumeRole": static(testRole)}, ""},
		{"OKEmptyRole", "AWS-ConfigureS3BucketVersioning", map[string]configd.RemediationParameter{
			"BucketName": resourceID, "AutomationAssumeRole": static("")}, ""},
		{"OKBooleanCase", "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock", map[string]configd.RemediationParameter{
			"BucketName": resourceID, "AutomationAssumeRole": static(testRole), "BlockPublicAcls": static("True")}, ""},
		{"OKStringList", "AWS-StopEC2Instance", map[string]configd.RemediationParameter{"InstanceId": static("i-0abc", "i-0def")}, ""},
		{"OKTestRunbook", TestRunbookName, map[string]configd.RemediationParameter{
			"ResourceId": resourceID, "DurationSeconds": static("10"), "FailTimes": static("3")}, ""},
		{"ErrUnknownDocument", "AWS-NoSuchRunbook", nil, "The document AWS-NoSuchRunbook does not exist"},
		{"ErrMissingRequired", "AWSConfigRemediation-EnableKeyRotation", map[string]configd.RemediationParameter{"KeyId": resourceID},
			"required parameters AutomationAssumeRole of the document AWSConfigRemediation-EnableKeyRotation are missing"},
		{"ErrMissingSeveral", "AWS-ConfigureS3BucketLogging", map[string]configd.RemediationParameter{"BucketName": resourceID},
			"GrantedPermission, GranteeType, TargetBucket"},
		{"ErrUnknownParameter", "AWS-EnableS3BucketEncryption", map[string]configd.RemediationParameter{"BucketName": resourceID, "Bucket": static("x")},
			"The parameters Bucket are not defined"},
		{"ErrNotAllowed", "AWS-EnableS3BucketEncryption", map[string]configd.RemediationParameter{"BucketName": resourceID, "SSEAlgorithm": static("DES")},
			"not one of the allowed values"},
		{"ErrBoolean", "AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock", map[string]configd.RemediationParameter{
			"BucketName": resourceID, "AutomationAssumeRole": static(testRole), "BlockPublicAcls": static("yes")}, "not a Boolean"},
		{"ErrInteger", TestRunbookName, map[string]configd.RemediationParameter{"ResourceId": resourceID, "FailTimes": static("two")}, "not an Integer"},
		{"ErrPattern", "AWS-DisablePublicAccessForSecurityGroup", map[string]configd.RemediationParameter{"GroupId": static("group")}, "does not match the pattern"},
		{"ErrRolePattern", "AWS-EnableS3BucketEncryption", map[string]configd.RemediationParameter{"BucketName": resourceID, "AutomationAssumeRole": static("admin")},
			"does not match the pattern"},
		{"ErrTwoValues", "AWS-EnableS3BucketEncryption", map[string]configd.RemediationParameter{"BucketName": static("a-bucket", "b-bucket")}, "exactly one value"},
		{"ErrBothSources", "AWS-EnableS3BucketEncryption", map[string]configd.RemediationParameter{
			"BucketName": {ResourceValue: "RESOURCE_ID", StaticValues: []string{"a-bucket"}}}, "both a ResourceValue and StaticValues"},
		{"ErrNoSource", "AWS-EnableS3BucketEncryption", map[string]configd.RemediationParameter{"BucketName": {}}, "neither"},
		{"ErrResourceValue", "AWS-EnableS3BucketEncryption", map[string]configd.RemediationParameter{"BucketName": {ResourceValue: "RESOURCE_ARN"}}, "must be RESOURCE_ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Validate(tt.doc, tt.params)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				return
			}
			if !configd.IsCode(err, configd.ErrInvalidParameterValue) {
				t.Fatalf("error %v, want %s", err, configd.ErrInvalidParameterValue)
			}
			if msg := configd.ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Fatalf("message %q, want it to contain %q", msg, tt.want)
			}
		})
	}
}

// TestNativeRunbooks checks that every runbook the issue lists is
// registered, and that every native runbook's parameters are sound.
func TestNativeRunbooks(t *testing.T) {
	r := newRegistry(t)
	listed := []string{
		"AWS-EnableS3BucketEncryption", "AWS-DisableS3BucketPublicReadWrite",
		"AWSConfigRemediation-ConfigureS3BucketPublicAccessBlock", "AWS-ConfigureS3BucketVersioning",
		"AWSConfigRemediation-ConfigureS3BucketLogging", "AWS-DisablePublicAccessForSecurityGroup",
		"AWSConfigRemediation-RemoveUnrestrictedSourceIngressRules", "AWS-StopEC2Instance",
		"AWS-EnableEbsEncryptionByDefault", "AWSConfigRemediation-EnableKeyRotation",
		"AWSConfigRemediation-EnablePITRForDynamoDbTable", "AWSConfigRemediation-EncryptSNSTopic",
		"AWSConfigRemediation-DisableSubnetAutoAssignPublicIP", "AWS-PublishSNSNotification",
		TestRunbookName, NoopRunbookName,
	}
	for _, name := range listed {
		t.Run("OK"+name, func(t *testing.T) {
			rb, ok := r.Lookup(name)
			if !ok {
				t.Fatalf("%s is not registered", name)
			}
			if rb.Name() != name {
				t.Fatalf("Name() = %s", rb.Name())
			}
			seen := map[string]bool{}
			for _, p := range rb.Parameters() {
				if seen[p.Name] {
					t.Fatalf("parameter %s twice", p.Name)
				}
				seen[p.Name] = true
				if p.Required && p.Default != nil {
					t.Fatalf("parameter %s is required and has a default", p.Name)
				}
				if p.AllowedPattern != "" && compilePattern(p.AllowedPattern) == nil {
					t.Fatalf("parameter %s: pattern %s does not compile", p.Name, p.AllowedPattern)
				}
				if p.Default != nil {
					if err := checkValues(p, p.Default); err != nil {
						t.Fatalf("default of %s: %v", p.Name, err)
					}
				}
			}
			if !seen["AutomationAssumeRole"] {
				t.Fatal("AutomationAssumeRole is not accepted")
			}
		})
	}
	t.Run("OKNames", func(t *testing.T) {
		names := strings.Join(r.Names(), " ")
		for _, n := range listed {
			if !strings.Contains(names, n) {
				t.Fatalf("Names() lacks %s", n)
			}
		}
	})
}
