package managedrule

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/configd/configd"
)

// Configuration item members read by this file (AWS Config's key casing:
// the SDK member name with its first letter lower-cased, as the recorder
// writes it, see docs/ci-formats.md; encoding/json matches keys
// case-insensitively, so the SDK's casing is read as well):
//
//	AWS::EC2::Instance      DescribeInstances element: {"keyName","state":{"code":16,"name":"running"},
//	                         "metadataOptions":{"httpPutResponseHopLimit":1,"httpTokens","httpEndpoint"}}
//	AWS::EC2::SecurityGroup DescribeSecurityGroups element: {"ownerId","ipPermissions":[...]} (the
//	                         ipPermission shape of rules_ec2.go)
//	AWS::Lambda::Function   ListFunctions FunctionConfiguration: {"tracingConfig":{"mode":"Active"|"PassThrough"}}
//	AWS::DynamoDB::Table    DescribeTable TableDescription: {"ssedescription":{"status","ssetype","kmsmasterKeyArn"}}
//	                         ("sSEDescription" as the recorder writes it, "sseDescription" as the SDK does)
//	AWS::RDS::DBInstance    DescribeDBInstances element: {"masterUsername","engine"}
//
// A parameter value the AWS page rules out (a hop limit outside 1-64, an
// unknown protocolType or ipType, a port outside 0-65535, a default admin
// name among validAdminUserNames) makes the evaluation fail with an error,
// configd's counterpart of the ERROR result AWS Config gives a rule whose
// parameter "is not valid, not of the correct type, or is formatted
// incorrectly" (https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_components.html).

func init() {
	inst := []string{ec2Instance}
	register(
		&resourceRule{id: "EC2_TOKEN_HOP_LIMIT_CHECK", types: inst, check: checkTokenHopLimit},
		&resourceRule{id: "EC2_NO_AMAZON_KEY_PAIR", types: inst, check: checkNoAmazonKeyPair},
		&resourceRule{id: "VPC_SG_PORT_RESTRICTION_CHECK", types: []string{ec2SecurityGroup}, check: checkSGPortRestriction},
		&resourceRule{id: "LAMBDA_FUNCTION_XRAY_ENABLED", types: []string{lambdaFunction}, check: checkLambdaXRay},
		&resourceRule{id: "DYNAMODB_TABLE_ENCRYPTION_ENABLED", types: []string{dynamoDBTable}, check: checkDynamoDBEncryptionEnabled},
		&resourceRule{id: "RDS_INSTANCE_DEFAULT_ADMIN_CHECK", types: []string{rdsDBInstance}, check: checkRDSDefaultAdmin},
	)
}

// instanceLaunch holds the DescribeInstances members the EC2 rules of this
// file read.
type instanceLaunch struct {
	KeyName         flexString `json:"keyName"`
	State           flexString `json:"state"`
	MetadataOptions *struct {
		HTTPPutResponseHopLimit flexString `json:"httpPutResponseHopLimit"`
	} `json:"metadataOptions"`
}

func decodeInstanceLaunch(ci *configd.ConfigurationItem) (*instanceLaunch, error) {
	var i instanceLaunch
	return &i, decodeConfiguration(ci, &i)
}

// checkTokenHopLimit: NON_COMPLIANT when the instance's
// metadataOptions.httpPutResponseHopLimit is above tokenHopLimit (1 to 64,
// default 1); at or below it, COMPLIANT. The page does not say what an item
// without a hop limit is (DescribeInstances always returns metadataOptions):
// with nothing to compare it is NOT_APPLICABLE. It does not make the result
// depend on httpEndpoint or the instance state either: every recorded
// instance is evaluated.
// https://docs.aws.amazon.com/config/latest/developerguide/ec2-token-hop-limit-check.html
func checkTokenHopLimit(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	limit := 1
	if s, ok := in.Params["tokenHopLimit"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 64 {
			return verdict{}, fmt.Errorf("tokenHopLimit %q is not an integer from 1 to 64", s)
		}
		limit = n
	}
	inst, err := decodeInstanceLaunch(ci)
	if err != nil {
		return verdict{}, err
	}
	var hops string
	if inst.MetadataOptions != nil {
		hops = strings.TrimSpace(string(inst.MetadataOptions.HTTPPutResponseHopLimit))
	}
	if hops == "" {
		return notApplicable("The item records no metadataOptions.httpPutResponseHopLimit."), nil
	}
	n, err := strconv.Atoi(hops)
	if err != nil {
		return verdict{}, fmt.Errorf("httpPutResponseHopLimit %q is not an integer", hops)
	}
	if n > limit {
		return nonCompliant(fmt.Sprintf("The metadata token hop limit is %d, above the limit of %d.", n, limit)), nil
	}
	return compliant(), nil
}

// checkNoAmazonKeyPair: NON_COMPLIANT when the instance was launched with a
// key pair (keyName, the launch-time key pair DescribeInstances reports, is
// set), COMPLIANT otherwise. The page evaluates "running" instances without
// saying what the others are: an instance recorded in another state
// (pending, stopping, stopped, shutting-down) is NOT_APPLICABLE; an item
// without a state is evaluated.
// https://docs.aws.amazon.com/config/latest/developerguide/ec2-no-amazon-key-pair.html
func checkNoAmazonKeyPair(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	inst, err := decodeInstanceLaunch(ci)
	if err != nil {
		return verdict{}, err
	}
	if state := strings.ToLower(strings.TrimSpace(string(inst.State))); state != "" && state != "running" {
		return notApplicable("Only running instances are evaluated; the instance is " + state + "."), nil
	}
	if key := strings.TrimSpace(string(inst.KeyName)); key != "" {
		return nonCompliant("The instance was launched with the key pair " + key + "."), nil
	}
	return compliant(), nil
}

// sgPortRestriction holds the DescribeSecurityGroups members
// VPC_SG_PORT_RESTRICTION_CHECK reads; the permissions are rules_ec2.go's
// ipPermission.
type sgPortRestriction struct {
	OwnerID       string         `json:"ownerId"`
	IPPermissions []ipPermission `json:"ipPermissions"`
}

// openToInternet returns the full-range source of p among the IP versions
// asked for ("0.0.0.0/0" for IPv4, "::/0" for IPv6), or "".
func openToInternet(p *ipPermission, v4, v6 bool) string {
	if v4 {
		for _, r := range p.IPv4Ranges {
			if strings.TrimSpace(r.CidrIP) == "0.0.0.0/0" {
				return "0.0.0.0/0"
			}
		}
		for _, r := range p.IPRanges {
			if strings.TrimSpace(string(r)) == "0.0.0.0/0" {
				return "0.0.0.0/0"
			}
		}
	}
	if v6 {
		for _, r := range p.IPv6Ranges {
			if strings.TrimSpace(r.CidrIPv6) == "::/0" {
				return "::/0"
			}
		}
		// cidrList also takes {"cidrIpv6"} objects.
		for _, r := range p.IPRanges {
			if strings.TrimSpace(string(r)) == "::/0" {
				return "::/0"
			}
		}
	}
	return ""
}

// checkSGPortRestriction: NON_COMPLIANT when an ingress permission opens one
// of restrictPorts (default 22 and 3389) to 0.0.0.0/0 or ::/0 over the
// protocols of protocolType ("TCP", "UDP" or "ALL", default "ALL": TCP,
// UDP and all traffic, -1) and the IP versions of ipType ("IPv4", "IPv6" or
// "ALL", default "ALL"); COMPLIANT otherwise. With
// excludeExternalSecurityGroups (default true) external security groups are
// NOT_APPLICABLE.
//
// Left open by the page, and configd's reading:
//   - An "external" security group is taken to be one owned by another
//     account (ownerId differs from the evaluated account: a group shared
//     with this account); a group without ownerId is the account's own.
//   - A permission for all traffic (-1) opens every TCP and UDP port, so it
//     counts for protocolType TCP and UDP too, not only ALL.
//   - Other protocols (ICMP, ...) and sources other than the full range
//     (narrower CIDRs, security groups, prefix lists) never count.
//   - restrictPorts takes single ports (no ranges); an empty list is the
//     default.
//
// https://docs.aws.amazon.com/config/latest/developerguide/vpc-sg-port-restriction-check.html
func checkSGPortRestriction(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	ports, err := restrictedPorts(in.Params["restrictPorts"])
	if err != nil {
		return verdict{}, err
	}
	var tcp, udp bool
	switch p := strings.ToUpper(strings.TrimSpace(in.Params["protocolType"])); p {
	case "", "ALL":
		tcp, udp = true, true
	case "TCP":
		tcp = true
	case "UDP":
		udp = true
	default:
		return verdict{}, fmt.Errorf("protocolType %q is not TCP, UDP or ALL", in.Params["protocolType"])
	}
	var v4, v6 bool
	switch t := strings.ToUpper(strings.TrimSpace(in.Params["ipType"])); t {
	case "", "ALL":
		v4, v6 = true, true
	case "IPV4":
		v4 = true
	case "IPV6":
		v6 = true
	default:
		return verdict{}, fmt.Errorf("ipType %q is not IPv4, IPv6 or ALL", in.Params["ipType"])
	}

	var sg sgPortRestriction
	if err := decodeConfiguration(ci, &sg); err != nil {
		return verdict{}, err
	}
	if boolParam(in.Params, "excludeExternalSecurityGroups", true) {
		account := in.AccountID
		if account == "" {
			account = ci.AccountID
		}
		if owner := strings.TrimSpace(sg.OwnerID); owner != "" && account != "" && owner != account {
			return notApplicable("External security groups (owned by account " + owner + ") are not evaluated."), nil
		}
	}

	var open []string
	for _, port := range ports {
		for i := range sg.IPPermissions {
			p := &sg.IPPermissions[i]
			proto := p.protocol()
			if !(proto == "all" || (proto == "tcp" && tcp) || (proto == "udp" && udp)) {
				continue
			}
			if from, to := p.ports(); port < from || port > to {
				continue
			}
			if src := openToInternet(p, v4, v6); src != "" {
				name := strings.ToUpper(proto)
				if proto == "all" {
					name = "all traffic"
				}
				open = append(open, fmt.Sprintf("%d (%s from %s)", port, name, src))
				break
			}
		}
	}
	if len(open) > 0 {
		return nonCompliant("Restricted ports open to the internet: " + strings.Join(open, ", ") + "."), nil
	}
	return compliant(), nil
}

// restrictedPorts parses restrictPorts: distinct ports 0 to 65535 in the
// given order, 22 and 3389 when the parameter is absent or empty.
func restrictedPorts(s string) ([]int, error) {
	elems := csv(s)
	if len(elems) == 0 {
		return []int{22, 3389}, nil
	}
	var out []int
	seen := map[int]bool{}
	for _, e := range elems {
		n, err := strconv.Atoi(e)
		if err != nil || n < 0 || n > 65535 {
			return nil, fmt.Errorf("restrictPorts element %q is not a port from 0 to 65535", e)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

// checkLambdaXRay: COMPLIANT when tracingConfig.mode is Active, otherwise
// (PassThrough, or no tracingConfig, which Lambda treats as PassThrough)
// NON_COMPLIANT.
// https://docs.aws.amazon.com/config/latest/developerguide/lambda-function-xray-enabled.html
func checkLambdaXRay(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var f struct {
		TracingConfig *struct {
			Mode flexString `json:"mode"`
		} `json:"tracingConfig"`
	}
	if err := decodeConfiguration(ci, &f); err != nil {
		return verdict{}, err
	}
	mode := ""
	if f.TracingConfig != nil {
		mode = strings.TrimSpace(string(f.TracingConfig.Mode))
	}
	if strings.EqualFold(mode, "Active") {
		return compliant(), nil
	}
	if mode == "" {
		mode = "not set"
	}
	return nonCompliant("X-Ray active tracing is not enabled (tracing mode " + mode + ")."), nil
}

// checkDynamoDBEncryptionEnabled: COMPLIANT when the table's SSE description
// has the status ENABLED or ENABLING, NON_COMPLIANT otherwise. The page
// names only those two statuses: DISABLING, DISABLED and UPDATING are
// NON_COMPLIANT. It does not mention tables encrypted with the default AWS
// owned key, whose DescribeTable has no SSEDescription (and so no status):
// such tables are NON_COMPLIANT, as nothing reports encryption enabled.
// DYNAMODB_TABLE_ENCRYPTED_KMS (rules_data.go) decodes its SSE description
// inside its check function, so this rule has its own (one member suffices:
// "ssedescription", "sSEDescription" and "sseDescription" fold to the same
// key).
// https://docs.aws.amazon.com/config/latest/developerguide/dynamodb-table-encryption-enabled.html
func checkDynamoDBEncryptionEnabled(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var t struct {
		SSE *struct {
			Status flexString `json:"status"`
		} `json:"ssedescription"`
	}
	if err := decodeConfiguration(ci, &t); err != nil {
		return verdict{}, err
	}
	if t.SSE == nil {
		return nonCompliant("The table has no server-side encryption status (SSEDescription)."), nil
	}
	switch status := strings.ToUpper(strings.TrimSpace(string(t.SSE.Status))); status {
	case "ENABLED", "ENABLING":
		return compliant(), nil
	case "":
		return nonCompliant("The table's server-side encryption has no status."), nil
	default:
		return nonCompliant("The table's server-side encryption status is " + status + "."), nil
	}
}

// rdsDefaultAdminNames are the default admin user names the page names.
var rdsDefaultAdminNames = []string{"admin", "postgres"}

func isRDSDefaultAdmin(name string) bool {
	for _, d := range rdsDefaultAdminNames {
		if strings.EqualFold(name, d) {
			return true
		}
	}
	return false
}

// checkRDSDefaultAdmin: NON_COMPLIANT when masterUsername is a default admin
// name ("admin" or "postgres"), or, when validAdminUserNames is given, is
// not one of its names; COMPLIANT otherwise.
//
// Left open by the page, and configd's reading:
//   - The default names are compared case-insensitively ("ADMIN" is the same
//     Oracle or SQL Server login as "admin"); validAdminUserNames exactly.
//   - validAdminUserNames listing a default name, which the page forbids, is
//     an invalid parameter (an error).
//   - An instance without masterUsername is NOT_APPLICABLE (nothing to
//     check).
//   - Every DB instance is evaluated, cluster members included ("will only
//     run on RDS database instances" sets it apart from
//     rds-cluster-default-admin-check, which evaluates clusters).
//
// https://docs.aws.amazon.com/config/latest/developerguide/rds-instance-default-admin-check.html
func checkRDSDefaultAdmin(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	valid := csv(in.Params["validAdminUserNames"])
	for _, v := range valid {
		if isRDSDefaultAdmin(v) {
			return verdict{}, fmt.Errorf("validAdminUserNames cannot include the default admin user name %q", v)
		}
	}
	var d struct {
		MasterUsername flexString `json:"masterUsername"`
	}
	if err := decodeConfiguration(ci, &d); err != nil {
		return verdict{}, err
	}
	user := strings.TrimSpace(string(d.MasterUsername))
	if user == "" {
		return notApplicable("The DB instance records no master user name."), nil
	}
	if isRDSDefaultAdmin(user) {
		return nonCompliant("The master user name " + user + " is a default admin user name."), nil
	}
	if len(valid) > 0 && !contains(valid, user) {
		return nonCompliant("The master user name " + user + " is not listed in validAdminUserNames."), nil
	}
	return compliant(), nil
}
