package managedrule

import (
	"strings"

	"github.com/configd/configd"
)

// Native rules over AWS::ECR::Repository items as the recorder writes them
// (docs/ci-formats.md; recorder/ecr_repository.go): the CloudFormation
// shape, PascalCase keys,
//
//	{"RepositoryName","Arn","RepositoryUri","ImageTagMutability":"MUTABLE"|"IMMUTABLE"|…,
//	 "ImageScanningConfiguration":{"ScanOnPush":bool},
//	 "EncryptionConfiguration":{"EncryptionType","KmsKey"},
//	 "LifecyclePolicy":{"LifecyclePolicyText","RegistryId"}   (only when one exists)
//	 "RepositoryPolicyText":{…}, "Tags":[{"Key","Value"}]}
//
// Every AWS::ECR::Repository item is a private repository (public ones are
// AWS::ECR::PublicRepository), so "private" in the rule names restricts
// nothing further. None of the three rules has parameters (catalog.json and
// the AWS pages agree).

const ecrRepository = "AWS::ECR::Repository"

func init() {
	types := []string{ecrRepository}
	register(
		&resourceRule{id: "ECR_PRIVATE_IMAGE_SCANNING_ENABLED", types: types, check: checkECRImageScanning},
		&resourceRule{id: "ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED", types: types, check: checkECRTagImmutability},
		&resourceRule{id: "ECR_PRIVATE_LIFECYCLE_POLICY_CONFIGURED", types: types, check: checkECRLifecyclePolicy},
	)
}

// ecrRepositoryConfig is the part of a repository's configuration the rules
// read.
type ecrRepositoryConfig struct {
	ImageTagMutability         flexString `json:"ImageTagMutability"`
	ImageScanningConfiguration *struct {
		ScanOnPush flexBool `json:"ScanOnPush"`
	} `json:"ImageScanningConfiguration"`
	LifecyclePolicy *struct {
		LifecyclePolicyText flexString `json:"LifecyclePolicyText"`
	} `json:"LifecyclePolicy"`
}

func decodeECRRepository(ci *configd.ConfigurationItem) (*ecrRepositoryConfig, error) {
	var c ecrRepositoryConfig
	if err := decodeConfiguration(ci, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// checkECRImageScanning: a repository is compliant when it scans images on
// push. https://docs.aws.amazon.com/config/latest/developerguide/ecr-private-image-scanning-enabled.html
// ("NON_COMPLIANT if the private Amazon ECR repository's scan frequency is
// not on scan on push or continuous scan"; periodic; no parameters).
//
// What the page leaves open, and what configd decides:
//   - Continuous scanning (and scan-on-push set by a registry-level
//     enhanced scanning rule) is a registry setting (ECR
//     GetRegistryScanningConfiguration), not part of the repository's
//     configuration item, and configd does not record the registry. Only
//     the repository's ImageScanningConfiguration.ScanOnPush is read, so a
//     repository scanned only through registry rules is NON_COMPLIANT here
//     (the annotation says so).
//   - An item without ImageScanningConfiguration is NON_COMPLIANT (ECR's
//     default is no scan on push).
func checkECRImageScanning(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	c, err := decodeECRRepository(ci)
	if err != nil {
		return verdict{}, err
	}
	if c.ImageScanningConfiguration != nil && bool(c.ImageScanningConfiguration.ScanOnPush) {
		return compliant(), nil
	}
	return nonCompliant("Scan on push is not enabled for the repository (registry-level continuous scanning is not recorded)."), nil
}

// checkECRTagImmutability: a repository is compliant when its image tags
// are immutable. https://docs.aws.amazon.com/config/latest/developerguide/ecr-private-tag-immutability-enabled.html
// ("NON_COMPLIANT if tag immutability is not enabled"; configuration
// changes; no parameters).
//
// What the page leaves open: ECR later added IMMUTABLE_WITH_EXCLUSION
// (immutable except for tags matching exclusion filters) and
// MUTABLE_WITH_EXCLUSION. configd treats only "IMMUTABLE" as enabled: with
// exclusions some tags can be overwritten, which is what the rule guards
// against. The comparison ignores case; a missing value (ECR's default)
// is MUTABLE.
func checkECRTagImmutability(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	c, err := decodeECRRepository(ci)
	if err != nil {
		return verdict{}, err
	}
	m := strings.ToUpper(strings.TrimSpace(string(c.ImageTagMutability)))
	switch m {
	case "IMMUTABLE":
		return compliant(), nil
	case "":
		m = "MUTABLE"
	}
	return nonCompliant("Image tag mutability is " + m + "; tag immutability is not enabled."), nil
}

// checkECRLifecyclePolicy: a repository is compliant when it has a
// lifecycle policy. https://docs.aws.amazon.com/config/latest/developerguide/ecr-private-lifecycle-policy-configured.html
// ("has at least one lifecycle policy configured"; configuration changes;
// no parameters).
//
// What the page leaves open: whether the policy's rules are inspected. ECR
// keeps at most one lifecycle policy per repository and refuses a policy
// without rules, so a LifecyclePolicy with non-empty LifecyclePolicyText
// is compliant and its content is not judged. A LifecyclePolicy member
// with an empty text counts as none.
func checkECRLifecyclePolicy(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	c, err := decodeECRRepository(ci)
	if err != nil {
		return verdict{}, err
	}
	if c.LifecyclePolicy != nil && strings.TrimSpace(string(c.LifecyclePolicy.LifecyclePolicyText)) != "" {
		return compliant(), nil
	}
	return nonCompliant("No lifecycle policy is configured for the repository."), nil
}
