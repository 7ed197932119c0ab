package managedrule

import (
	"testing"

	"github.com/configd/configd"
)

const eksTestKey = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"

// eksClusterItem is a cluster item in the recorder's format. vpc is the
// ResourcesVpcConfig object, encryption the EncryptionConfig list ("" for
// none), logTypes the enabled log types as a JSON list.
func eksClusterItem(name, version, vpc, encryption, logTypes string) *configd.ConfigurationItem {
	conf := `{"Arn":"arn:aws:eks:us-east-1:123456789012:cluster/` + name + `","ClusterStatus":"ACTIVE",`
	if encryption != "" {
		conf += `"EncryptionConfig":` + encryption + `,`
	}
	conf += `"Logging":{"ClusterLogging":{"EnabledTypes":` + logTypes + `}},"Name":"` + name + `",` +
		`"ResourcesVpcConfig":` + vpc + `,"RoleArn":"arn:aws:iam::123456789012:role/eks","Tags":[],"Version":"` + version + `"}`
	return item(eksCluster, name, conf, nil)
}

const (
	eksPublicVPC     = `{"EndpointPrivateAccess":false,"EndpointPublicAccess":true,"PublicAccessCidrs":["0.0.0.0/0"],"SecurityGroupIds":[],"SubnetIds":["subnet-a"]}`
	eksRestrictedVPC = `{"EndpointPrivateAccess":true,"EndpointPublicAccess":true,"PublicAccessCidrs":["203.0.113.0/24"],"SecurityGroupIds":[],"SubnetIds":["subnet-a"]}`
	eksPrivateVPC    = `{"EndpointPrivateAccess":true,"EndpointPublicAccess":false,"PublicAccessCidrs":[],"SecurityGroupIds":[],"SubnetIds":["subnet-a"]}`
	eksSecretsKey    = `[{"Provider":{"KeyArn":"` + eksTestKey + `"},"Resources":["secrets"]}]`
	eksNoLogs        = `[]`
	eksAPIAudit      = `[{"Type":"api"},{"Type":"audit"}]`
)

func TestEKSEndpointNoPublicAccess(t *testing.T) {
	runRuleCases(t, "EKS_ENDPOINT_NO_PUBLIC_ACCESS", []ruleCase{
		{name: "OKPrivate", ci: eksClusterItem("a", "1.29", eksPrivateVPC, "", eksNoLogs), want: Compliant},
		{name: "OKPublic", ci: eksClusterItem("b", "1.29", eksPublicVPC, eksSecretsKey, eksAPIAudit), want: NonCompliant, annotation: "0.0.0.0/0"},
		{name: "OKPublicRestricted", ci: eksClusterItem("r", "1.29", eksRestrictedVPC, "", eksNoLogs), want: NonCompliant, annotation: "203.0.113.0/24"},
		{name: "OKPublicString", ci: item(eksCluster, "s", `{"ResourcesVpcConfig":{"EndpointPublicAccess":"true"}}`, nil), want: NonCompliant},
		{name: "OKPrivateString", ci: item(eksCluster, "p", `{"ResourcesVpcConfig":{"EndpointPublicAccess":"false"}}`, nil), want: Compliant},
		{name: "OKNoVpcConfig", ci: item(eksCluster, "n", `{"Name":"n"}`, nil), want: NonCompliant, annotation: "not recorded"},
		{name: "OKNoEndpointAccess", ci: item(eksCluster, "m", `{"ResourcesVpcConfig":{"SubnetIds":[]}}`, nil), want: NonCompliant},
		{name: "OKDeleted", ci: deletedItem(eksClusterItem("d", "1.29", eksPublicVPC, "", eksNoLogs)), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::EKS::Nodegroup", "x", `{}`, nil), want: NotApplicable},
	})
}

// TestEKSEndpointNoPublicAccessPeriodic: the rule is periodic; without a
// changed item it evaluates every recorded cluster.
func TestEKSEndpointNoPublicAccessPeriodic(t *testing.T) {
	inv := &memInventory{items: []*configd.ConfigurationItem{
		eksClusterItem("private", "1.29", eksPrivateVPC, "", eksNoLogs),
		eksClusterItem("public", "1.29", eksPublicVPC, "", eksNoLogs),
		deletedItem(eksClusterItem("gone", "1.29", eksPublicVPC, "", eksNoLogs)),
		item("AWS::S3::Bucket", "bucket", `{}`, nil),
	}}
	wantVerdicts(t, "EKS_ENDPOINT_NO_PUBLIC_ACCESS", Input{Inventory: inv, Now: testNow},
		map[string]string{"private": Compliant, "public": NonCompliant, "gone": NotApplicable})
}

func TestEKSSecretsEncrypted(t *testing.T) {
	other := "arn:aws:kms:us-east-1:123456789012:key/99999999-0000-0000-0000-000000000000"
	for _, id := range []string{"EKS_SECRETS_ENCRYPTED", "EKS_CLUSTER_SECRETS_ENCRYPTED"} {
		t.Run(id, func(t *testing.T) {
			runRuleCases(t, id, []ruleCase{
				{name: "OKEncrypted", ci: eksClusterItem("a", "1.29", eksPublicVPC, eksSecretsKey, eksNoLogs), want: Compliant},
				{name: "OKNoEncryptionConfig", ci: eksClusterItem("b", "1.29", eksPrivateVPC, "", eksAPIAudit), want: NonCompliant, annotation: "not encrypted"},
				{name: "OKEmptyEncryptionConfig", ci: eksClusterItem("e", "1.29", eksPrivateVPC, `[]`, eksNoLogs), want: NonCompliant},
				{name: "OKOtherResources", ci: eksClusterItem("o", "1.29", eksPrivateVPC,
					`[{"Provider":{"KeyArn":"`+eksTestKey+`"},"Resources":["configmaps"]}]`, eksNoLogs), want: NonCompliant},
				{name: "OKSecretsAmongOthers", ci: eksClusterItem("m", "1.29", eksPrivateVPC,
					`[{"Provider":{"KeyArn":"`+eksTestKey+`"},"Resources":["configmaps","Secrets"]}]`, eksNoLogs), want: Compliant},
				{name: "OKKeyAllowed", ci: eksClusterItem("k", "1.29", eksPublicVPC, eksSecretsKey, eksNoLogs),
					params: `{"kmsKeyArns":"` + other + `, ` + eksTestKey + `"}`, want: Compliant},
				{name: "OKKeyNotAllowed", ci: eksClusterItem("n", "1.29", eksPublicVPC, eksSecretsKey, eksNoLogs),
					params: `{"kmsKeyArns":"` + other + `"}`, want: NonCompliant, annotation: "not in kmsKeyArns"},
				{name: "OKParamWithoutEncryption", ci: eksClusterItem("p", "1.29", eksPublicVPC, "", eksNoLogs),
					params: `{"kmsKeyArns":"` + eksTestKey + `"}`, want: NonCompliant, annotation: "not encrypted"},
				{name: "OKKeyFromAttribute", ci: item(eksCluster, "f",
					`{"EncryptionConfig":[{"Resources":["secrets"]}],"EncryptionConfigKeyArn":"`+eksTestKey+`"}`, nil),
					params: `{"kmsKeyArns":"` + eksTestKey + `"}`, want: Compliant},
				{name: "OKSingleResourceString", ci: item(eksCluster, "s",
					`{"EncryptionConfig":[{"Resources":"secrets","Provider":{"KeyArn":"`+eksTestKey+`"}}]}`, nil), want: Compliant},
				{name: "OKDeleted", ci: deletedItem(eksClusterItem("d", "1.29", eksPublicVPC, "", eksNoLogs)), want: NotApplicable},
				{name: "OKOtherType", ci: item("AWS::EKS::Nodegroup", "x", `{}`, nil), want: NotApplicable},
			})
		})
	}
}

func TestEKSClusterLogEnabled(t *testing.T) {
	all := `[{"Type":"api"},{"Type":"audit"},{"Type":"authenticator"},{"Type":"controllerManager"},{"Type":"scheduler"}]`
	runRuleCases(t, "EKS_CLUSTER_LOG_ENABLED", []ruleCase{
		{name: "OKAnyType", ci: eksClusterItem("a", "1.29", eksPublicVPC, "", `[{"Type":"scheduler"}]`), want: Compliant},
		{name: "OKNoLogs", ci: eksClusterItem("b", "1.29", eksPrivateVPC, eksSecretsKey, eksNoLogs), want: NonCompliant, annotation: "not enabled"},
		{name: "OKNoLogging", ci: item(eksCluster, "n", `{"Name":"n"}`, nil), want: NonCompliant},
		{name: "OKNullLogging", ci: item(eksCluster, "z", `{"Logging":null}`, nil), want: NonCompliant},
		{name: "OKTypesEnabled", ci: eksClusterItem("c", "1.29", eksPublicVPC, "", eksAPIAudit),
			params: `{"logTypes":"audit, api"}`, want: Compliant},
		{name: "OKTypesCaseInsensitive", ci: eksClusterItem("i", "1.29", eksPublicVPC, "", all),
			params: `{"logTypes":"ControllerManager,API"}`, want: Compliant},
		{name: "OKTypeMissing", ci: eksClusterItem("m", "1.29", eksPublicVPC, "", eksAPIAudit),
			params: `{"logTypes":"api,authenticator,scheduler"}`, want: NonCompliant, annotation: "authenticator, scheduler"},
		{name: "OKTypesNoLogs", ci: eksClusterItem("t", "1.29", eksPublicVPC, "", eksNoLogs),
			params: `{"logTypes":"api"}`, want: NonCompliant, annotation: "api"},
		{name: "OKDeleted", ci: deletedItem(eksClusterItem("d", "1.29", eksPublicVPC, "", eksNoLogs)), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::EKS::Nodegroup", "x", `{}`, nil), want: NotApplicable},
	})
	// A log type EKS does not have is an evaluation error.
	if _, err := evaluateCase(t, "EKS_CLUSTER_LOG_ENABLED", `{"logTypes":"api,kubelet"}`,
		eksClusterItem("a", "1.29", eksPublicVPC, "", all), nil); err == nil {
		t.Error("unknown log type: want an error")
	}
}

func TestEKSClusterSupportedVersion(t *testing.T) {
	p := func(v string) string { return `{"oldestVersionSupported":"` + v + `"}` }
	runRuleCases(t, "EKS_CLUSTER_SUPPORTED_VERSION", []ruleCase{
		{name: "OKNewer", ci: eksClusterItem("a", "1.30", eksPublicVPC, "", eksNoLogs), params: p("1.29"), want: Compliant},
		{name: "OKEqual", ci: eksClusterItem("e", "1.29", eksPublicVPC, "", eksNoLogs), params: p("1.29"), want: Compliant},
		{name: "OKOlder", ci: eksClusterItem("o", "1.28", eksPublicVPC, "", eksNoLogs), params: p("1.29"), want: NonCompliant, annotation: "1.28"},
		// Numeric, not string, comparison: "1.9" < "1.10" < "1.29".
		{name: "OKNumericOlder", ci: eksClusterItem("n", "1.9", eksPublicVPC, "", eksNoLogs), params: p("1.10"), want: NonCompliant},
		{name: "OKNumericNewer", ci: eksClusterItem("m", "1.100", eksPublicVPC, "", eksNoLogs), params: p("1.29"), want: Compliant},
		{name: "OKPatchEqual", ci: eksClusterItem("q", "1.29.0", eksPublicVPC, "", eksNoLogs), params: p("1.29"), want: Compliant},
		{name: "OKMissingVersion", ci: item(eksCluster, "x", `{"Name":"x"}`, nil), params: p("1.29"), want: NonCompliant, annotation: "cannot be compared"},
		{name: "OKDeleted", ci: deletedItem(eksClusterItem("d", "1.20", eksPublicVPC, "", eksNoLogs)), params: p("1.29"), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::EKS::Nodegroup", "x", `{"Version":"1.0"}`, nil), params: p("1.29"), want: NotApplicable},
	})
}

func TestEKSClusterOldestSupportedVersion(t *testing.T) {
	p := func(v string) string { return `{"oldestVersionSupported":"` + v + `"}` }
	runRuleCases(t, "EKS_CLUSTER_OLDEST_SUPPORTED_VERSION", []ruleCase{
		{name: "OKNewer", ci: eksClusterItem("a", "1.30", eksPublicVPC, "", eksNoLogs), params: p("1.29"), want: Compliant},
		{name: "OKEqual", ci: eksClusterItem("e", "1.29", eksPublicVPC, "", eksNoLogs), params: p("1.29"), want: NonCompliant, annotation: "oldest supported"},
		{name: "OKEqualNumeric", ci: eksClusterItem("z", "1.29.0", eksPublicVPC, "", eksNoLogs), params: p("v1.29"), want: NonCompliant},
		// The page names only equality; older clusters are
		// EKS_CLUSTER_SUPPORTED_VERSION's concern.
		{name: "OKOlder", ci: eksClusterItem("o", "1.28", eksPublicVPC, "", eksNoLogs), params: p("1.29"), want: Compliant},
		{name: "OKNotPrefix", ci: eksClusterItem("x", "1.2", eksPublicVPC, "", eksNoLogs), params: p("1.29"), want: Compliant},
		{name: "OKMissingVersion", ci: item(eksCluster, "m", `{"Version":null}`, nil), params: p("1.29"), want: NonCompliant},
		{name: "OKDeleted", ci: deletedItem(eksClusterItem("d", "1.29", eksPublicVPC, "", eksNoLogs)), params: p("1.29"), want: NotApplicable},
	})
}

// TestEKSVersionParameter: oldestVersionSupported is required by the
// catalogue, and a value that is not a version is an evaluation error.
func TestEKSVersionParameter(t *testing.T) {
	for _, id := range []string{"EKS_CLUSTER_SUPPORTED_VERSION", "EKS_CLUSTER_OLDEST_SUPPORTED_VERSION"} {
		if _, err := Parameters(id, ""); err == nil {
			t.Errorf("%s: a missing oldestVersionSupported is accepted", id)
		}
		if _, err := evaluateCase(t, id, `{"oldestVersionSupported":"latest"}`,
			eksClusterItem("a", "1.29", eksPublicVPC, "", eksNoLogs), nil); err == nil {
			t.Errorf("%s: a parameter that is not a version: want an error", id)
		}
	}
}

// TestEKSMalformedConfiguration: a configuration that is not JSON is an
// error, not a verdict.
func TestEKSMalformedConfiguration(t *testing.T) {
	for id, params := range map[string]string{
		"EKS_ENDPOINT_NO_PUBLIC_ACCESS":        "",
		"EKS_SECRETS_ENCRYPTED":                "",
		"EKS_CLUSTER_SECRETS_ENCRYPTED":        "",
		"EKS_CLUSTER_LOG_ENABLED":              "",
		"EKS_CLUSTER_SUPPORTED_VERSION":        `{"oldestVersionSupported":"1.29"}`,
		"EKS_CLUSTER_OLDEST_SUPPORTED_VERSION": `{"oldestVersionSupported":"1.29"}`,
	} {
		if _, err := evaluateCase(t, id, params, item(eksCluster, "x", `{"Version":`, nil), nil); err == nil {
			t.Errorf("%s: want an error", id)
		}
	}
}
