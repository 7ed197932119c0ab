package managedrule

import (
	"context"
	"testing"

	"github.com/configd/configd"
)

// ecrRepoItem is a repository item in the recorder's format with the given
// mutability, scan-on-push setting and lifecycle policy text ("" for none).
func ecrRepoItem(name, mutability string, scanOnPush bool, lifecycle string) *configd.ConfigurationItem {
	scan := "false"
	if scanOnPush {
		scan = "true"
	}
	conf := `{"Arn":"arn:aws:ecr:us-east-1:123456789012:repository/` + name + `",` +
		`"EncryptionConfiguration":{"EncryptionType":"AES256"},` +
		`"ImageScanningConfiguration":{"ScanOnPush":` + scan + `},` +
		`"ImageTagMutability":"` + mutability + `",`
	if lifecycle != "" {
		conf += `"LifecyclePolicy":{"LifecyclePolicyText":` + jsonString(lifecycle) + `,"RegistryId":"123456789012"},`
	}
	conf += `"RepositoryName":"` + name + `","RepositoryUri":"123456789012.dkr.ecr.us-east-1.amazonaws.com/` + name + `","Tags":[]}`
	return item(ecrRepository, name, conf, nil)
}

const ecrTestLifecycle = `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}`

func TestECRPrivateImageScanningEnabled(t *testing.T) {
	runRuleCases(t, "ECR_PRIVATE_IMAGE_SCANNING_ENABLED", []ruleCase{
		{name: "OKScanOnPush", ci: ecrRepoItem("a", "MUTABLE", true, ""), want: Compliant},
		{name: "OKScanOnPushString", ci: item(ecrRepository, "s", `{"ImageScanningConfiguration":{"ScanOnPush":"true"}}`, nil), want: Compliant},
		{name: "OKNoScan", ci: ecrRepoItem("b", "IMMUTABLE", false, ecrTestLifecycle), want: NonCompliant, annotation: "Scan on push is not enabled"},
		{name: "OKNoScanningConfiguration", ci: item(ecrRepository, "c", `{"RepositoryName":"c"}`, nil), want: NonCompliant},
		{name: "OKNullScanningConfiguration", ci: item(ecrRepository, "n", `{"ImageScanningConfiguration":null}`, nil), want: NonCompliant},
		{name: "OKDeleted", ci: deletedItem(ecrRepoItem("d", "MUTABLE", true, "")), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::ECR::PublicRepository", "p", `{}`, nil), want: NotApplicable},
	})
}

// TestECRPrivateImageScanningEnabledPeriodic: the rule is periodic; without
// a changed item it evaluates every recorded repository.
func TestECRPrivateImageScanningEnabledPeriodic(t *testing.T) {
	inv := &memInventory{items: []*configd.ConfigurationItem{
		ecrRepoItem("scanned", "MUTABLE", true, ""),
		ecrRepoItem("unscanned", "MUTABLE", false, ""),
		deletedItem(ecrRepoItem("gone", "MUTABLE", false, "")),
		item("AWS::S3::Bucket", "bucket", `{}`, nil),
	}}
	wantVerdicts(t, "ECR_PRIVATE_IMAGE_SCANNING_ENABLED", Input{Inventory: inv, Now: testNow},
		map[string]string{"scanned": Compliant, "unscanned": NonCompliant, "gone": NotApplicable})
}

func TestECRPrivateTagImmutabilityEnabled(t *testing.T) {
	runRuleCases(t, "ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED", []ruleCase{
		{name: "OKImmutable", ci: ecrRepoItem("a", "IMMUTABLE", false, ""), want: Compliant},
		{name: "OKImmutableLowerCase", ci: item(ecrRepository, "l", `{"ImageTagMutability":"immutable"}`, nil), want: Compliant},
		{name: "OKMutable", ci: ecrRepoItem("b", "MUTABLE", true, ecrTestLifecycle), want: NonCompliant, annotation: "MUTABLE"},
		{name: "OKImmutableWithExclusion", ci: ecrRepoItem("x", "IMMUTABLE_WITH_EXCLUSION", true, ""), want: NonCompliant, annotation: "IMMUTABLE_WITH_EXCLUSION"},
		{name: "OKMissing", ci: item(ecrRepository, "m", `{"RepositoryName":"m"}`, nil), want: NonCompliant, annotation: "is MUTABLE"},
		{name: "OKDeleted", ci: deletedItem(ecrRepoItem("d", "IMMUTABLE", false, "")), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::ECR::PublicRepository", "p", `{"ImageTagMutability":"MUTABLE"}`, nil), want: NotApplicable},
	})
}

func TestECRPrivateLifecyclePolicyConfigured(t *testing.T) {
	runRuleCases(t, "ECR_PRIVATE_LIFECYCLE_POLICY_CONFIGURED", []ruleCase{
		{name: "OKPolicy", ci: ecrRepoItem("a", "MUTABLE", false, ecrTestLifecycle), want: Compliant},
		{name: "OKNoPolicy", ci: ecrRepoItem("b", "IMMUTABLE", true, ""), want: NonCompliant, annotation: "No lifecycle policy"},
		{name: "OKEmptyText", ci: item(ecrRepository, "e", `{"LifecyclePolicy":{"LifecyclePolicyText":"","RegistryId":"123456789012"}}`, nil), want: NonCompliant},
		{name: "OKNullPolicy", ci: item(ecrRepository, "n", `{"LifecyclePolicy":null}`, nil), want: NonCompliant},
		{name: "OKDeleted", ci: deletedItem(ecrRepoItem("d", "MUTABLE", false, ecrTestLifecycle)), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::S3::Bucket", "p", `{}`, nil), want: NotApplicable},
	})
}

// TestECRRulesHaveNoParameters: the catalogue lists no parameters for the
// three rules (nor do their AWS pages), so an unknown one is refused.
func TestECRRulesHaveNoParameters(t *testing.T) {
	for _, id := range []string{"ECR_PRIVATE_IMAGE_SCANNING_ENABLED", "ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED", "ECR_PRIVATE_LIFECYCLE_POLICY_CONFIGURED"} {
		spec, ok := Lookup(id)
		if !ok {
			t.Fatalf("%s not in the catalogue", id)
		}
		if len(spec.Parameters) != 0 {
			t.Errorf("%s: parameters %+v", id, spec.Parameters)
		}
		if p, err := Parameters(id, ""); err != nil || len(p) != 0 {
			t.Errorf("%s: Parameters(\"\") = %v, %v", id, p, err)
		}
		if _, err := Parameters(id, `{"countNumber":"5"}`); err == nil {
			t.Errorf("%s: an unknown parameter is accepted", id)
		}
	}
}

// TestECRMalformedConfiguration: a configuration that is not JSON is an
// error, not a verdict.
func TestECRMalformedConfiguration(t *testing.T) {
	for _, id := range []string{"ECR_PRIVATE_IMAGE_SCANNING_ENABLED", "ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED", "ECR_PRIVATE_LIFECYCLE_POLICY_CONFIGURED"} {
		if _, err := Evaluate(context.Background(), id, Input{CI: item(ecrRepository, "x", `{"ImageTagMutability":`, nil)}); err == nil {
			t.Errorf("%s: want an error", id)
		}
	}
}
