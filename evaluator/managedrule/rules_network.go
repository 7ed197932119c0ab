package managedrule

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/configd/configd"
)

// The items these rules read hold the Describe* element of the resource
// with lowerCamel keys, as AWS Config records them (docs/ci-formats.md;
// the AWS Config items quoted there come from
// aws-solutions/workload-discovery-on-aws, source/backend/functions/api/tests):
//
//	AWS::EC2::EIP             {"allocationId":"eipalloc-…","associationId":"eipassoc-…"|null,"publicIp":"34.251.252.207",
//	                           "instanceId":null,"networkInterfaceId":"eni-…","domain":"vpc",…}
//	AWS::EC2::InternetGateway {"internetGatewayId":"igw-…","attachments":[{"state":"available","vpcId":"vpc-…"}],"ownerId":…,"tags":[]}
//	AWS::EC2::NetworkAcl      {"networkAclId":"acl-…","vpcId":"vpc-…","isDefault":true,
//	                           "associations":[{"networkAclAssociationId":"aclassoc-…","networkAclId":"acl-…","subnetId":"subnet-…"}],
//	                           "entries":[{"ruleNumber":100,"egress":false,"ruleAction":"allow","protocol":"-1",
//	                                       "cidrBlock":"0.0.0.0/0","ipv6CidrBlock":null,"portRange":null,"icmpTypeCode":null},…]}

const (
	ec2EIP             = "AWS::EC2::EIP"
	ec2InternetGateway = "AWS::EC2::InternetGateway"
	ec2NetworkACL      = "AWS::EC2::NetworkAcl"
)

func init() {
	register(
		&resourceRule{id: "EIP_ATTACHED", types: []string{ec2EIP}, check: checkEIPAttached},
		&resourceRule{id: "INTERNET_GATEWAY_AUTHORIZED_VPC_ONLY", types: []string{ec2InternetGateway}, check: checkIGWAuthorizedVPC},
		&resourceRule{id: "VPC_NETWORK_ACL_UNUSED_CHECK", types: []string{ec2NetworkACL}, check: checkNACLUnused},
		&resourceRule{id: "NACL_NO_UNRESTRICTED_SSH_RDP", types: []string{ec2NetworkACL}, check: checkNACLNoUnrestrictedSSHRDP},
	)
}

type elasticIP struct {
	AllocationID       flexString `json:"allocationId"`
	AssociationID      flexString `json:"associationId"`
	PublicIP           flexString `json:"publicIp"`
	InstanceID         flexString `json:"instanceId"`
	NetworkInterfaceID flexString `json:"networkInterfaceId"`
}

// checkEIPAttached: an Elastic IP address is NON_COMPLIANT when its
// associationId is null, that is when it is associated with neither an EC2
// instance nor a network interface; COMPLIANT otherwise.
// https://docs.aws.amazon.com/config/latest/developerguide/eip-attached.html
//
// Decisions the page leaves open:
//   - The page words the rule two ways: "NON_COMPLIANT if the
//     'AssociationId' is null" and "NON_COMPLIANT if an EIP is not attached
//     to an EC2 instance or an in-use network interface". The association
//     id decides: an address associated with a network interface is
//     COMPLIANT whatever the interface's status, which the address item
//     does not hold (and configd does not record network interfaces).
//   - An empty associationId counts as null; an instanceId or
//     networkInterfaceId without an association id (not something EC2
//     returns for VPC addresses) does not make the address attached.
func checkEIPAttached(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var a elasticIP
	if err := decodeConfiguration(ci, &a); err != nil {
		return verdict{}, err
	}
	if strings.TrimSpace(string(a.AssociationID)) != "" {
		return compliant(), nil
	}
	name := strings.TrimSpace(string(a.PublicIP))
	if name == "" {
		name = ci.ResourceID
	}
	return nonCompliant("The Elastic IP address " + name + " is not associated with an EC2 instance or a network interface."), nil
}

type internetGateway struct {
	Attachments []struct {
		State flexString `json:"state"`
		VpcID flexString `json:"vpcId"`
	} `json:"attachments"`
}

// checkIGWAuthorizedVPC: an internet gateway is NON_COMPLIANT when it is
// attached to a VPC that AuthorizedVpcIds does not list, so every attached
// gateway when the parameter is not given; COMPLIANT otherwise.
// https://docs.aws.amazon.com/config/latest/developerguide/internet-gateway-authorized-vpc-only.html
//
// Decisions the page leaves open:
//   - A gateway attached to no VPC is COMPLIANT (it is attached to no
//     unauthorized VPC), not NOT_APPLICABLE.
//   - An attachment counts in any state but "detached": "attaching",
//     "attached", "detaching" and "available" (the state EC2 reports for an
//     attached internet gateway) all mean the gateway is, or is about to
//     be, attached.
//   - VPC ids are compared exactly (case-sensitive), after trimming the
//     parameter's comma-separated elements.
func checkIGWAuthorizedVPC(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var g internetGateway
	if err := decodeConfiguration(ci, &g); err != nil {
		return verdict{}, err
	}
	authorized := csv(in.Params["AuthorizedVpcIds"])
	var bad []string
	for _, a := range g.Attachments {
		vpc := strings.TrimSpace(string(a.VpcID))
		if vpc == "" || strings.EqualFold(strings.TrimSpace(string(a.State)), "detached") {
			continue
		}
		if !contains(authorized, vpc) && !contains(bad, vpc) {
			bad = append(bad, vpc)
		}
	}
	if len(bad) == 0 {
		return compliant(), nil
	}
	sort.Strings(bad)
	return nonCompliant("The internet gateway is attached to unauthorized VPCs: " + strings.Join(bad, ", ") + "."), nil
}

type networkACL struct {
	Associations []struct {
		SubnetID flexString `json:"subnetId"`
	} `json:"associations"`
	Entries []aclEntry `json:"entries"`
}

type aclEntry struct {
	RuleNumber    int64      `json:"ruleNumber"`
	Egress        flexBool   `json:"egress"`
	RuleAction    flexString `json:"ruleAction"`
	Protocol      flexString `json:"protocol"`
	CidrBlock     flexString `json:"cidrBlock"`
	IPv6CidrBlock flexString `json:"ipv6CidrBlock"`
	PortRange     *struct {
		From *int64 `json:"from"`
		To   *int64 `json:"to"`
	} `json:"portRange"`
}

// checkNACLUnused: a network ACL is COMPLIANT when it is associated with a
// subnet, NON_COMPLIANT when it is associated with none.
// https://docs.aws.amazon.com/config/latest/developerguide/vpc-network-acl-unused-check.html
//
// Decisions the page leaves open:
//   - A VPC's default ACL is judged like any other: the page exempts none,
//     so a default ACL with no subnet left (every subnet of its VPC
//     associated with other ACLs, or no subnets) is NON_COMPLIANT.
//   - Only associations naming a subnet count.
func checkNACLUnused(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var a networkACL
	if err := decodeConfiguration(ci, &a); err != nil {
		return verdict{}, err
	}
	for _, as := range a.Associations {
		if strings.TrimSpace(string(as.SubnetID)) != "" {
			return compliant(), nil
		}
	}
	return nonCompliant("The network ACL is not associated with any subnet."), nil
}

// remoteAdminPorts are the default ports of SSH and RDP.
var remoteAdminPorts = []int64{22, 3389}

// checkNACLNoUnrestrictedSSHRDP: a network ACL is NON_COMPLIANT when an
// inbound entry allows TCP or UDP traffic from an unrestricted source CIDR
// block (0.0.0.0/0 or ::/0) to port 22 or 3389; COMPLIANT otherwise.
// https://docs.aws.amazon.com/config/latest/developerguide/nacl-no-unrestricted-ssh-rdp.html
//
// Decisions the page leaves open:
//   - "Allows a source TCP or UDP CIDR block for ports 22 or 3389" is read
//     with the rule's name and first sentence ("is unrestricted"): only
//     sources covering a whole address family count, any spelling of a /0
//     prefix; narrower blocks, however broad (0.0.0.0/1), do not.
//   - The ACL's inbound entries are evaluated as EC2 evaluates them, in
//     rule-number order, the first entry that matches deciding: for each
//     address family, protocol (TCP, UDP) and port (22, 3389), the first
//     entry from a /0 source that covers the protocol and port decides, so
//     a lower-numbered deny (for example "50 deny 0.0.0.0/0 TCP 22" before
//     "100 allow 0.0.0.0/0 all") restricts the port, and the final "*"
//     deny, or no matching entry at all, means restricted. Entries with a
//     narrower source never decide: they do not apply to every source.
//   - Protocol "-1" (all traffic) covers TCP and UDP on every port; TCP
//     ("6") and UDP ("17") entries without a port range cover every port.
//     Other protocols (ICMP, …) never match.
//   - A VPC's default ACL is judged like any other: its "100 allow
//     0.0.0.0/0 all traffic" inbound entry makes it NON_COMPLIANT.
func checkNACLNoUnrestrictedSSHRDP(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var a networkACL
	if err := decodeConfiguration(ci, &a); err != nil {
		return verdict{}, err
	}
	var inbound []*aclEntry
	for i := range a.Entries {
		if !a.Entries[i].Egress {
			inbound = append(inbound, &a.Entries[i])
		}
	}
	sort.SliceStable(inbound, func(i, j int) bool { return inbound[i].RuleNumber < inbound[j].RuleNumber })

	// What each allowing entry opens, by "rule N (source)", in order.
	var rules []string
	opened := map[string][]string{}
	for _, v6 := range []bool{false, true} {
		for _, proto := range []string{"6", "17"} {
			for _, port := range remoteAdminPorts {
				e := firstMatch(inbound, v6, proto, port)
				if e == nil || !strings.EqualFold(strings.TrimSpace(string(e.RuleAction)), "allow") {
					continue
				}
				src := strings.TrimSpace(string(e.CidrBlock))
				if v6 {
					src = strings.TrimSpace(string(e.IPv6CidrBlock))
				}
				r := "rule " + strconv.FormatInt(e.RuleNumber, 10) + " (" + src + ")"
				if _, seen := opened[r]; !seen {
					rules = append(rules, r)
				}
				opened[r] = append(opened[r], protocolName(proto)+" "+strconv.FormatInt(port, 10))
			}
		}
	}
	if len(rules) > 0 {
		parts := make([]string, len(rules))
		for i, r := range rules {
			parts[i] = r + ": " + strings.Join(opened[r], ", ")
		}
		return nonCompliant("Inbound entries allow SSH/RDP from anywhere: " + strings.Join(parts, "; ") + "."), nil
	}
	return compliant(), nil
}

// firstMatch returns the first of the entries, in order, whose source is
// the whole IPv4 (or, with v6, IPv6) address space and that covers the
// protocol ("6" or "17") and port; nil if none does.
func firstMatch(entries []*aclEntry, v6 bool, proto string, port int64) *aclEntry {
	for _, e := range entries {
		src := e.CidrBlock
		if v6 {
			src = e.IPv6CidrBlock
		}
		if !wholeFamily(string(src), v6) {
			continue
		}
		all, ok := entryProtocol(string(e.Protocol), proto)
		if !ok {
			continue
		}
		if all || e.PortRange == nil {
			return e
		}
		from, to := int64(0), int64(65535)
		if e.PortRange.From != nil {
			from = *e.PortRange.From
		}
		if e.PortRange.To != nil {
			to = *e.PortRange.To
		}
		if from <= port && port <= to {
			return e
		}
	}
	return nil
}

// wholeFamily reports whether cidr is a /0 block of IPv4 (or, with v6,
// IPv6): "0.0.0.0/0", "::/0" or another spelling of them.
func wholeFamily(cidr string, v6 bool) bool {
	p, err := netip.ParsePrefix(strings.TrimSpace(cidr))
	if err != nil || p.Bits() != 0 {
		return false
	}
	return p.Addr().Is6() == v6 && !p.Addr().Is4In6()
}

// entryProtocol reports whether an entry's protocol covers want ("6" or
// "17"), and whether it is "-1", every protocol on every port. EC2 writes
// protocol numbers; the names are accepted too.
func entryProtocol(p, want string) (all, ok bool) {
	switch strings.ToLower(strings.TrimSpace(p)) {
	case "-1", "all":
		return true, true
	case "6", "tcp":
		return false, want == "6"
	case "17", "udp":
		return false, want == "17"
	}
	return false, false
}

func protocolName(p string) string {
	if p == "17" {
		return "UDP"
	}
	return "TCP"
}
