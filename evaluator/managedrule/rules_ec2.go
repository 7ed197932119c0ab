package managedrule

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/configd/configd"
)

// EC2 configuration items hold the Describe* API element of the resource
// with lowerCamel keys (https://github.com/awslabs/aws-config-resource-schema,
// config/properties/resource-types/AWS::EC2::*.properties.json):
//
//	AWS::EC2::SecurityGroup {"groupId","groupName","vpcId","ipPermissions":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,
//	                         "ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"],"ipv6Ranges":[{"cidrIpv6":"::/0"}]}],"ipPermissionsEgress":[...]}
//	AWS::EC2::Instance      {"instanceId","imageId","instanceType","publicIpAddress","monitoring":{"state":"disabled"},
//	                         "metadataOptions":{"httpTokens":"optional"|"required"},"state":{"code":16,"name":"running"},
//	                         "networkInterfaces":[{"association":{"publicIp":...}}]}
//	AWS::EC2::Volume        {"volumeId","encrypted","kmsKeyId","state":"in-use","attachments":[{"instanceId","deleteOnTermination","state"}]}
//	AWS::EC2::Subnet        {"subnetId","vpcId","mapPublicIpOnLaunch"}

const (
	ec2SecurityGroup = "AWS::EC2::SecurityGroup"
	ec2Instance      = "AWS::EC2::Instance"
	ec2Volume        = "AWS::EC2::Volume"
	ec2Subnet        = "AWS::EC2::Subnet"
)

func init() {
	sg := []string{ec2SecurityGroup}
	inst := []string{ec2Instance}
	register(
		&resourceRule{id: "INCOMING_SSH_DISABLED", types: sg, check: checkIncomingSSH},
		&resourceRule{id: "RESTRICTED_INCOMING_TRAFFIC", types: sg, check: checkRestrictedIncoming},
		&resourceRule{id: "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", types: sg, check: checkAuthorizedPorts},
		&resourceRule{id: "VPC_DEFAULT_SECURITY_GROUP_CLOSED", types: sg, check: checkDefaultSGClosed},
		&resourceRule{id: "EC2_INSTANCE_NO_PUBLIC_IP", types: inst, check: checkInstanceNoPublicIP},
		&resourceRule{id: "EC2_IMDSV2_CHECK", types: inst, check: checkIMDSv2},
		&resourceRule{id: "EC2_INSTANCE_DETAILED_MONITORING_ENABLED", types: inst, check: checkDetailedMonitoring},
		&resourceRule{id: "DESIRED_INSTANCE_TYPE", types: inst, check: checkDesiredInstanceType},
		&resourceRule{id: "APPROVED_AMIS_BY_ID", types: inst, check: checkApprovedAMIs},
		&resourceRule{id: "ENCRYPTED_VOLUMES", types: []string{ec2Volume}, check: checkEncryptedVolume},
		&resourceRule{id: "EC2_VOLUME_INUSE_CHECK", types: []string{ec2Volume}, check: checkVolumeInUse},
		&resourceRule{id: "SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED", types: []string{ec2Subnet}, check: checkSubnetAutoAssign},
	)
}

// cidrList decodes ipRanges: an array of CIDR strings (objects with cidrIp
// or cidrIpv6 are accepted too).
type cidrList []cidr

// cidr is one CIDR of a range list.
type cidr string

func (c *cidr) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s flexString
		if err := s.UnmarshalJSON(b); err != nil {
			return err
		}
		*c = cidr(s)
		return nil
	}
	var o struct {
		CidrIP   string `json:"cidrIp"`
		CidrIPv6 string `json:"cidrIpv6"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*c = cidr(o.CidrIP + o.CidrIPv6)
	return nil
}

// ipv4Range and ipv6Range are the elements of ipv4Ranges and ipv6Ranges.
type ipv4Range struct {
	CidrIP string `json:"cidrIp"`
}

type ipv6Range struct {
	CidrIPv6 string `json:"cidrIpv6"`
}

type ipPermission struct {
	IPProtocol string      `json:"ipProtocol"`
	FromPort   *int        `json:"fromPort"`
	ToPort     *int        `json:"toPort"`
	IPRanges   cidrList    `json:"ipRanges"`
	IPv4Ranges []ipv4Range `json:"ipv4Ranges"`
	IPv6Ranges []ipv6Range `json:"ipv6Ranges"`
}

type securityGroup struct {
	GroupID             string         `json:"groupId"`
	GroupName           string         `json:"groupName"`
	IPPermissions       []ipPermission `json:"ipPermissions"`
	IPPermissionsEgress []ipPermission `json:"ipPermissionsEgress"`
}

// protocol normalizes ipProtocol: "tcp", "udp", "all" or the value as given.
func (p *ipPermission) protocol() string {
	switch strings.ToLower(p.IPProtocol) {
	case "tcp", "6":
		return "tcp"
	case "udp", "17":
		return "udp"
	case "-1", "all", "":
		return "all"
	}
	return strings.ToLower(p.IPProtocol)
}

// ports returns the port range of the permission; all ports when the
// protocol is "all" or no (or a -1) range is given.
func (p *ipPermission) ports() (from, to int) {
	if p.protocol() == "all" || p.FromPort == nil || p.ToPort == nil || *p.FromPort < 0 || *p.ToPort < 0 {
		return 0, 65535
	}
	return *p.FromPort, *p.ToPort
}

// worldOpen returns the unrestricted source ("0.0.0.0/0" or "::/0") of the
// permission, or "".
func (p *ipPermission) worldOpen() string {
	for _, r := range p.IPv4Ranges {
		if r.CidrIP == "0.0.0.0/0" {
			return "0.0.0.0/0"
		}
	}
	for _, r := range p.IPRanges {
		if r == "0.0.0.0/0" {
			return "0.0.0.0/0"
		}
	}
	for _, r := range p.IPv6Ranges {
		if r.CidrIPv6 == "::/0" {
			return "::/0"
		}
	}
	return ""
}

func decodeSecurityGroup(ci *configd.ConfigurationItem) (*securityGroup, error) {
	var sg securityGroup
	return &sg, decodeConfiguration(ci, &sg)
}

// openTCPPort returns the unrestricted source through which the TCP port is
// open, or "".
func (sg *securityGroup) openTCPPort(port int) string {
	for i := range sg.IPPermissions {
		p := &sg.IPPermissions[i]
		if proto := p.protocol(); proto != "tcp" && proto != "all" {
			continue
		}
		if from, to := p.ports(); port < from || port > to {
			continue
		}
		if src := p.worldOpen(); src != "" {
			return src
		}
	}
	return ""
}

// https://docs.aws.amazon.com/config/latest/developerguide/restricted-ssh.html
func checkIncomingSSH(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	sg, err := decodeSecurityGroup(ci)
	if err != nil {
		return verdict{}, err
	}
	if src := sg.openTCPPort(22); src != "" {
		return nonCompliant("Port 22 (SSH) is open to " + src + "."), nil
	}
	return compliant(), nil
}

// checkRestrictedIncoming: no blocked TCP port (blockedPort1..5, whose
// defaults are 20, 21, 3389, 3306 and 4333, and blockedPorts) may be open
// to 0.0.0.0/0 or ::/0.
// https://docs.aws.amazon.com/config/latest/developerguide/restricted-common-ports.html
func checkRestrictedIncoming(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	sg, err := decodeSecurityGroup(ci)
	if err != nil {
		return verdict{}, err
	}
	var blocked []int
	add := func(s string) {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			blocked = append(blocked, n)
		}
	}
	for i := 1; i <= 5; i++ {
		if v, ok := in.Params["blockedPort"+strconv.Itoa(i)]; ok {
			add(v)
		}
	}
	for _, v := range csv(in.Params["blockedPorts"]) {
		add(v)
	}
	var open []string
	seen := map[int]bool{}
	for _, port := range blocked {
		if seen[port] {
			continue
		}
		seen[port] = true
		if src := sg.openTCPPort(port); src != "" {
			open = append(open, strconv.Itoa(port))
		}
	}
	if len(open) > 0 {
		return nonCompliant("Blocked TCP ports open to the internet: " + strings.Join(open, ", ") + "."), nil
	}
	return compliant(), nil
}

type portRange struct{ from, to int }

// parsePortRanges parses "443,1020-1025".
func parsePortRanges(s string) []portRange {
	var out []portRange
	for _, e := range csv(s) {
		lo, hi, isRange := strings.Cut(e, "-")
		from, err1 := strconv.Atoi(strings.TrimSpace(lo))
		to := from
		var err2 error
		if isRange {
			to, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || from > to {
			continue
		}
		out = append(out, portRange{from, to})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].from < out[j].from })
	// Merge overlapping and adjacent ranges so one range covers a span.
	merged := out[:0]
	for _, r := range out {
		if n := len(merged); n > 0 && r.from <= merged[n-1].to+1 {
			if r.to > merged[n-1].to {
				merged[n-1].to = r.to
			}
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

func covered(ranges []portRange, from, to int) bool {
	for _, r := range ranges {
		if r.from <= from && to <= r.to {
			return true
		}
	}
	return false
}

// checkAuthorizedPorts: every TCP or UDP port open to 0.0.0.0/0 or ::/0
// must be listed in authorizedTcpPorts or authorizedUdpPorts.
// https://docs.aws.amazon.com/config/latest/developerguide/vpc-sg-open-only-to-authorized-ports.html
func checkAuthorizedPorts(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	sg, err := decodeSecurityGroup(ci)
	if err != nil {
		return verdict{}, err
	}
	tcp := parsePortRanges(in.Params["authorizedTcpPorts"])
	udp := parsePortRanges(in.Params["authorizedUdpPorts"])
	for i := range sg.IPPermissions {
		p := &sg.IPPermissions[i]
		src := p.worldOpen()
		if src == "" {
			continue
		}
		from, to := p.ports()
		switch p.protocol() {
		case "all":
			return nonCompliant("All traffic is open to " + src + "."), nil
		case "tcp":
			if !covered(tcp, from, to) {
				return nonCompliant(fmt.Sprintf("TCP ports %s are open to %s and not authorized.", rangeText(from, to), src)), nil
			}
		case "udp":
			if !covered(udp, from, to) {
				return nonCompliant(fmt.Sprintf("UDP ports %s are open to %s and not authorized.", rangeText(from, to), src)), nil
			}
		}
	}
	return compliant(), nil
}

func rangeText(from, to int) string {
	if from == to {
		return strconv.Itoa(from)
	}
	return strconv.Itoa(from) + "-" + strconv.Itoa(to)
}

// https://docs.aws.amazon.com/config/latest/developerguide/vpc-default-security-group-closed.html
func checkDefaultSGClosed(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	sg, err := decodeSecurityGroup(ci)
	if err != nil {
		return verdict{}, err
	}
	if sg.GroupName != "default" {
		return notApplicable(""), nil
	}
	if len(sg.IPPermissions) > 0 || len(sg.IPPermissionsEgress) > 0 {
		return nonCompliant("The default security group has inbound or outbound rules."), nil
	}
	return compliant(), nil
}

type instance struct {
	InstanceID      string     `json:"instanceId"`
	ImageID         string     `json:"imageId"`
	InstanceType    string     `json:"instanceType"`
	PublicIPAddress string     `json:"publicIpAddress"`
	State           flexString `json:"state"`
	Monitoring      struct {
		State flexString `json:"state"`
	} `json:"monitoring"`
	MetadataOptions *struct {
		HTTPTokens flexString `json:"httpTokens"`
	} `json:"metadataOptions"`
	NetworkInterfaces []struct {
		Association *struct {
			PublicIP string `json:"publicIp"`
		} `json:"association"`
	} `json:"networkInterfaces"`
}

func decodeInstance(ci *configd.ConfigurationItem) (*instance, error) {
	var i instance
	return &i, decodeConfiguration(ci, &i)
}

// https://docs.aws.amazon.com/config/latest/developerguide/ec2-instance-no-public-ip.html
func checkInstanceNoPublicIP(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	inst, err := decodeInstance(ci)
	if err != nil {
		return verdict{}, err
	}
	if inst.PublicIPAddress != "" {
		return nonCompliant("The instance has the public IP address " + inst.PublicIPAddress + "."), nil
	}
	for _, ni := range inst.NetworkInterfaces {
		if ni.Association != nil && ni.Association.PublicIP != "" {
			return nonCompliant("A network interface has the public IP address " + ni.Association.PublicIP + "."), nil
		}
	}
	return compliant(), nil
}

// https://docs.aws.amazon.com/config/latest/developerguide/ec2-imdsv2-check.html
func checkIMDSv2(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	inst, err := decodeInstance(ci)
	if err != nil {
		return verdict{}, err
	}
	if inst.MetadataOptions != nil && strings.EqualFold(string(inst.MetadataOptions.HTTPTokens), "required") {
		return compliant(), nil
	}
	return nonCompliant("HttpTokens is optional: IMDSv2 is not required."), nil
}

// https://docs.aws.amazon.com/config/latest/developerguide/ec2-instance-detailed-monitoring-enabled.html
func checkDetailedMonitoring(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	inst, err := decodeInstance(ci)
	if err != nil {
		return verdict{}, err
	}
	if strings.EqualFold(string(inst.Monitoring.State), "enabled") {
		return compliant(), nil
	}
	return nonCompliant("Detailed monitoring is not enabled."), nil
}

// https://docs.aws.amazon.com/config/latest/developerguide/desired-instance-type.html
func checkDesiredInstanceType(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	inst, err := decodeInstance(ci)
	if err != nil {
		return verdict{}, err
	}
	if contains(csv(in.Params["instanceType"]), inst.InstanceType) {
		return compliant(), nil
	}
	return nonCompliant("The instance type " + inst.InstanceType + " is not a desired instance type."), nil
}

// https://docs.aws.amazon.com/config/latest/developerguide/approved-amis-by-id.html
func checkApprovedAMIs(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	inst, err := decodeInstance(ci)
	if err != nil {
		return verdict{}, err
	}
	if contains(csv(in.Params["amiIds"]), inst.ImageID) {
		return compliant(), nil
	}
	return nonCompliant("The AMI " + inst.ImageID + " is not approved."), nil
}

type volume struct {
	VolumeID    string     `json:"volumeId"`
	Encrypted   flexBool   `json:"encrypted"`
	KmsKeyID    string     `json:"kmsKeyId"`
	State       flexString `json:"state"`
	Attachments []struct {
		InstanceID          string     `json:"instanceId"`
		DeleteOnTermination flexBool   `json:"deleteOnTermination"`
		State               flexString `json:"state"`
	} `json:"attachments"`
}

func (v *volume) attached() bool {
	return len(v.Attachments) > 0 || strings.EqualFold(string(v.State), "in-use")
}

// sameKMSKey reports whether two key references (key id or key ARN) name
// the same key.
func sameKMSKey(a, b string) bool {
	if a == b {
		return true
	}
	id := func(s string) string {
		if i := strings.LastIndex(s, ":key/"); i >= 0 {
			return s[i+len(":key/"):]
		}
		return s
	}
	return id(a) == id(b)
}

// checkEncryptedVolume: attached volumes must be encrypted, with the kmsId
// key when it is given; unattached volumes are not applicable.
// https://docs.aws.amazon.com/config/latest/developerguide/encrypted-volumes.html
func checkEncryptedVolume(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var v volume
	if err := decodeConfiguration(ci, &v); err != nil {
		return verdict{}, err
	}
	if !v.attached() {
		return notApplicable("The volume is not attached."), nil
	}
	if !v.Encrypted {
		return nonCompliant("The volume is not encrypted."), nil
	}
	if want := strings.TrimSpace(in.Params["kmsId"]); want != "" && !sameKMSKey(v.KmsKeyID, want) {
		return nonCompliant("The volume is not encrypted with the KMS key " + want + "."), nil
	}
	return compliant(), nil
}

// checkVolumeInUse: the volume must be attached and, when
// deleteOnTermination is given, its attachments must match it.
// https://docs.aws.amazon.com/config/latest/developerguide/ec2-volume-inuse-check.html
func checkVolumeInUse(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var v volume
	if err := decodeConfiguration(ci, &v); err != nil {
		return verdict{}, err
	}
	if !v.attached() {
		return nonCompliant("The volume is not attached to an instance."), nil
	}
	if s, ok := in.Params["deleteOnTermination"]; ok {
		want := strings.EqualFold(strings.TrimSpace(s), "true")
		for _, a := range v.Attachments {
			if bool(a.DeleteOnTermination) != want {
				return nonCompliant(fmt.Sprintf("DeleteOnTermination is %t on the attachment to %s.", bool(a.DeleteOnTermination), a.InstanceID)), nil
			}
		}
	}
	return compliant(), nil
}

// https://docs.aws.amazon.com/config/latest/developerguide/subnet-auto-assign-public-ip-disabled.html
func checkSubnetAutoAssign(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var s struct {
		MapPublicIPOnLaunch flexBool `json:"mapPublicIpOnLaunch"`
	}
	if err := decodeConfiguration(ci, &s); err != nil {
		return verdict{}, err
	}
	if s.MapPublicIPOnLaunch {
		return nonCompliant("The subnet assigns public IP addresses on launch."), nil
	}
	return compliant(), nil
}
