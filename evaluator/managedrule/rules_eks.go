package managedrule

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/configd/configd"
)

// Native rules over AWS::EKS::Cluster items as the recorder writes them
// (docs/ci-formats.md; recorder/eks_cluster.go): the CloudFormation shape
// AWS Config uses for the type, PascalCase keys,
//
//	{"Name","Arn","Version":"1.29","RoleArn","ClusterStatus","Endpoint",
//	 "ResourcesVpcConfig":{"SubnetIds":[…],"SecurityGroupIds":[…],
//	   "EndpointPublicAccess":bool,"EndpointPrivateAccess":bool,"PublicAccessCidrs":[…]},
//	 "EncryptionConfig":[{"Resources":["secrets"],"Provider":{"KeyArn":"arn:aws:kms:…"}}],
//	 "EncryptionConfigKeyArn":"arn:aws:kms:…",
//	 "Logging":{"ClusterLogging":{"EnabledTypes":[{"Type":"api"},…]}},
//	 "Tags":[{"Key","Value"}]}
//
// EncryptionConfig is absent on a cluster without envelope encryption.

const eksCluster = "AWS::EKS::Cluster"

func init() {
	types := []string{eksCluster}
	register(
		&resourceRule{id: "EKS_ENDPOINT_NO_PUBLIC_ACCESS", types: types, check: checkEKSEndpointNoPublicAccess},
		&resourceRule{id: "EKS_SECRETS_ENCRYPTED", types: types, check: checkEKSSecretsEncrypted},
		&resourceRule{id: "EKS_CLUSTER_SECRETS_ENCRYPTED", types: types, check: checkEKSSecretsEncrypted},
		&resourceRule{id: "EKS_CLUSTER_LOG_ENABLED", types: types, check: checkEKSClusterLogEnabled},
		&resourceRule{id: "EKS_CLUSTER_SUPPORTED_VERSION", types: types, check: checkEKSSupportedVersion},
		&resourceRule{id: "EKS_CLUSTER_OLDEST_SUPPORTED_VERSION", types: types, check: checkEKSOldestSupportedVersion},
	)
}

// eksClusterConfig is the part of a cluster's configuration the rules read.
type eksClusterConfig struct {
	Version            flexString `json:"Version"`
	ResourcesVpcConfig *struct {
		EndpointPublicAccess *flexBool  `json:"EndpointPublicAccess"`
		PublicAccessCidrs    stringList `json:"PublicAccessCidrs"`
	} `json:"ResourcesVpcConfig"`
	EncryptionConfig []struct {
		Resources stringList `json:"Resources"`
		Provider  *struct {
			KeyArn flexString `json:"KeyArn"`
		} `json:"Provider"`
	} `json:"EncryptionConfig"`
	EncryptionConfigKeyArn flexString `json:"EncryptionConfigKeyArn"`
	Logging                *struct {
		ClusterLogging *struct {
			EnabledTypes []struct {
				Type flexString `json:"Type"`
			} `json:"EnabledTypes"`
		} `json:"ClusterLogging"`
	} `json:"Logging"`
}

func decodeEKSCluster(ci *configd.ConfigurationItem) (*eksClusterConfig, error) {
	var c eksClusterConfig
	if err := decodeConfiguration(ci, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// checkEKSEndpointNoPublicAccess: a cluster whose Kubernetes API server
// endpoint is publicly accessible is NON_COMPLIANT.
// https://docs.aws.amazon.com/config/latest/developerguide/eks-endpoint-no-public-access.html
// ("NON_COMPLIANT if the endpoint is publicly accessible"; periodic; no
// parameters).
//
// What the page leaves open, and what configd decides:
//   - A public endpoint restricted by PublicAccessCidrs is still public:
//     NON_COMPLIANT (the annotation names the CIDRs). Only
//     EndpointPublicAccess false is COMPLIANT.
//   - An item without ResourcesVpcConfig.EndpointPublicAccess is
//     NON_COMPLIANT: EKS makes the endpoint public unless told otherwise,
//     and AWS's Guard rule for the same identifier requires the property to
//     exist and be false.
func checkEKSEndpointNoPublicAccess(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	c, err := decodeEKSCluster(ci)
	if err != nil {
		return verdict{}, err
	}
	v := c.ResourcesVpcConfig
	if v == nil || v.EndpointPublicAccess == nil {
		return nonCompliant("The cluster's endpoint access is not recorded; EKS endpoints are public by default."), nil
	}
	if !bool(*v.EndpointPublicAccess) {
		return compliant(), nil
	}
	msg := "The cluster's API server endpoint is publicly accessible"
	if len(v.PublicAccessCidrs) > 0 {
		msg += " from " + strings.Join(v.PublicAccessCidrs, ", ")
	}
	return nonCompliant(msg + "."), nil
}

// checkEKSSecretsEncrypted serves EKS_SECRETS_ENCRYPTED and
// EKS_CLUSTER_SECRETS_ENCRYPTED: a cluster is COMPLIANT when an
// EncryptionConfig entry lists "secrets" among its Resources and, if
// kmsKeyArns is given, that entry's KMS key is one of them.
// https://docs.aws.amazon.com/config/latest/developerguide/eks-secrets-encrypted.html
// https://docs.aws.amazon.com/config/latest/developerguide/eks-cluster-secrets-encrypted.html
// (both periodic, kmsKeyArns optional CSV; the second page words only the
// NON_COMPLIANT cases, the same ones, and calls the keys "approved for EKS
// usage").
//
// What the pages leave open, and what configd decides:
//   - The key is compared with each kmsKeyArns element as an exact string:
//     EKS records the key ARN it was given, and an alias or key id in the
//     parameter would need a KMS lookup that an item evaluation cannot make,
//     so a key named differently does not match.
//   - "secrets" is compared without regard to case (EKS accepts only
//     "secrets").
//   - An entry without Provider.KeyArn falls back to EncryptionConfigKeyArn.
func checkEKSSecretsEncrypted(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	c, err := decodeEKSCluster(ci)
	if err != nil {
		return verdict{}, err
	}
	allowed := csv(in.Params["kmsKeyArns"])
	found := false
	var keys []string
	for _, e := range c.EncryptionConfig {
		secrets := false
		for _, r := range e.Resources {
			if strings.EqualFold(strings.TrimSpace(r), "secrets") {
				secrets = true
			}
		}
		if !secrets {
			continue
		}
		found = true
		key := string(c.EncryptionConfigKeyArn)
		if e.Provider != nil && strings.TrimSpace(string(e.Provider.KeyArn)) != "" {
			key = string(e.Provider.KeyArn)
		}
		key = strings.TrimSpace(key)
		if len(allowed) == 0 || contains(allowed, key) {
			return compliant(), nil
		}
		keys = append(keys, key)
	}
	if !found {
		return nonCompliant("Kubernetes secrets are not encrypted with a KMS key (no encryption configuration for secrets)."), nil
	}
	return nonCompliant("Kubernetes secrets are encrypted with " + strings.Join(keys, ", ") + ", which is not in kmsKeyArns."), nil
}

// eksLogTypes are the control plane log types EKS has, in the order the
// EKS API documents them.
var eksLogTypes = []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}

// checkEKSClusterLogEnabled: a cluster is NON_COMPLIANT when no control
// plane log type is enabled or, with logTypes, when one of the listed types
// is not enabled.
// https://docs.aws.amazon.com/config/latest/developerguide/eks-cluster-log-enabled.html
// (configuration changes; logTypes optional CSV of "api", "audit",
// "authenticator", "controllerManager", "scheduler").
//
// What the page leaves open, and what configd decides:
//   - Without logTypes any one enabled type is enough ("logging is not
//     enabled" is the failing case); with logTypes every listed type must
//     be enabled, other enabled types being irrelevant.
//   - Types are compared without regard to case; a logTypes element that
//     is not one of the five documented types is an evaluation error (a
//     misspelt type could never be enabled).
func checkEKSClusterLogEnabled(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	want := csv(in.Params["logTypes"])
	for i, w := range want {
		known := false
		for _, t := range eksLogTypes {
			if strings.EqualFold(w, t) {
				want[i], known = t, true
			}
		}
		if !known {
			return verdict{}, fmt.Errorf("logTypes: unknown EKS log type %q (valid: %s)", w, strings.Join(eksLogTypes, ", "))
		}
	}
	c, err := decodeEKSCluster(ci)
	if err != nil {
		return verdict{}, err
	}
	enabled := map[string]bool{}
	if c.Logging != nil && c.Logging.ClusterLogging != nil {
		for _, e := range c.Logging.ClusterLogging.EnabledTypes {
			enabled[strings.ToLower(strings.TrimSpace(string(e.Type)))] = true
		}
	}
	delete(enabled, "")
	if len(want) == 0 {
		if len(enabled) == 0 {
			return nonCompliant("Control plane logging is not enabled for the cluster."), nil
		}
		return compliant(), nil
	}
	var missing []string
	for _, w := range want {
		if !enabled[strings.ToLower(w)] && !contains(missing, w) {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nonCompliant("Control plane logging is not enabled for: " + strings.Join(missing, ", ") + "."), nil
	}
	return compliant(), nil
}

// parseK8sVersion parses a Kubernetes minor version such as "1.29" (or
// "1.29.3", "v1.29") into its numeric components.
func parseK8sVersion(s string) ([]int, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	if s == "" {
		return nil, false
	}
	parts := strings.Split(s, ".")
	out := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

// compareK8sVersions compares two parsed versions numerically ("1.9" is
// older than "1.10"); missing trailing components count as 0.
func compareK8sVersions(a, b []int) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// eksVersions reads the rule's oldestVersionSupported parameter and the
// cluster's version; ok is false (with the verdict to return) when the
// cluster's version is missing or not a version.
func eksVersions(ci *configd.ConfigurationItem, in *Input) (cluster, oldest []int, v verdict, ok bool, err error) {
	param := in.Params["oldestVersionSupported"]
	oldest, valid := parseK8sVersion(param)
	if !valid {
		return nil, nil, verdict{}, false, fmt.Errorf("oldestVersionSupported %q is not a Kubernetes version such as 1.29", param)
	}
	c, err := decodeEKSCluster(ci)
	if err != nil {
		return nil, nil, verdict{}, false, err
	}
	cluster, valid = parseK8sVersion(string(c.Version))
	if !valid {
		return nil, nil, nonCompliant(fmt.Sprintf("The cluster's Kubernetes version %q cannot be compared with %s.", string(c.Version), param)), false, nil
	}
	return cluster, oldest, verdict{}, true, nil
}

// checkEKSSupportedVersion: a cluster running a Kubernetes version older
// than oldestVersionSupported is NON_COMPLIANT.
// https://docs.aws.amazon.com/config/latest/developerguide/eks-cluster-supported-version.html
// ("NON_COMPLIANT if an EKS cluster is running an unsupported version (less
// than the parameter 'oldestVersionSupported')"; configuration changes;
// oldestVersionSupported required String).
//
// What the page leaves open, and what configd decides:
//   - "Less than" is a numeric comparison of the dotted components (1.9 is
//     older than 1.10), not a string comparison; a version equal to the
//     parameter is supported.
//   - A parameter that is not a version is an evaluation error; a cluster
//     whose recorded version is missing or not a version is NON_COMPLIANT
//     (its support cannot be shown).
func checkEKSSupportedVersion(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	cluster, oldest, v, ok, err := eksVersions(ci, in)
	if err != nil || !ok {
		return v, err
	}
	if compareK8sVersions(cluster, oldest) < 0 {
		return nonCompliant(fmt.Sprintf("The cluster runs Kubernetes %s, older than the oldest supported version %s.",
			eksJoinVersion(cluster), in.Params["oldestVersionSupported"])), nil
	}
	return compliant(), nil
}

// checkEKSOldestSupportedVersion: a cluster running exactly the oldest
// supported Kubernetes version is NON_COMPLIANT.
// https://docs.aws.amazon.com/config/latest/developerguide/eks-cluster-oldest-supported-version.html
// ("NON_COMPLIANT if an EKS cluster is running oldest supported version
// (equal to the parameter 'oldestVersionSupported')"; configuration
// changes; oldestVersionSupported required String).
//
// What the page leaves open, and what configd decides:
//   - A cluster older than the parameter: the page names only equality as
//     NON_COMPLIANT, so configd follows it and reports such a cluster
//     COMPLIANT here (EKS_CLUSTER_SUPPORTED_VERSION is the rule that flags
//     it). Equality is numeric ("1.29" equals "1.29.0").
//   - Invalid parameter and missing cluster version as for
//     EKS_CLUSTER_SUPPORTED_VERSION.
func checkEKSOldestSupportedVersion(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	cluster, oldest, v, ok, err := eksVersions(ci, in)
	if err != nil || !ok {
		return v, err
	}
	if compareK8sVersions(cluster, oldest) == 0 {
		return nonCompliant(fmt.Sprintf("The cluster runs Kubernetes %s, the oldest supported version.", eksJoinVersion(cluster))), nil
	}
	return compliant(), nil
}

func eksJoinVersion(v []int) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ".")
}
