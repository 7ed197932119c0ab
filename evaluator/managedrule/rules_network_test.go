package managedrule

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

// The AWS Config items of aws-solutions/workload-discovery-on-aws
// (source/backend/functions/api/tests/testHierarchyVPCResource.js and
// testHierarchyENI.js), account and tags shortened.
const (
	awsIGWSample = `{"attachments":[{"state":"available","vpcId":"vpc-88f114f1"}],"internetGatewayId":"igw-772c3a10","ownerId":"123456789012","tags":[]}`
	awsACLSample = `{"associations":[{"networkAclAssociationId":"aclassoc-3553314b","networkAclId":"acl-6a24bb13","subnetId":"subnet-ea59c9b0"},` +
		`{"networkAclAssociationId":"aclassoc-3453314a","networkAclId":"acl-6a24bb13","subnetId":"subnet-40fbdd08"}],` +
		`"entries":[{"cidrBlock":"0.0.0.0/0","egress":true,"icmpTypeCode":null,"ipv6CidrBlock":null,"portRange":null,"protocol":"-1","ruleAction":"allow","ruleNumber":100},` +
		`{"cidrBlock":"0.0.0.0/0","egress":true,"icmpTypeCode":null,"ipv6CidrBlock":null,"portRange":null,"protocol":"-1","ruleAction":"deny","ruleNumber":32767},` +
		`{"cidrBlock":"0.0.0.0/0","egress":false,"icmpTypeCode":null,"ipv6CidrBlock":null,"portRange":null,"protocol":"-1","ruleAction":"allow","ruleNumber":100},` +
		`{"cidrBlock":"0.0.0.0/0","egress":false,"icmpTypeCode":null,"ipv6CidrBlock":null,"portRange":null,"protocol":"-1","ruleAction":"deny","ruleNumber":32767}],` +
		`"isDefault":true,"networkAclId":"acl-6a24bb13","tags":[],"vpcId":"vpc-88f114f1","ownerId":"123456789012"}`
	awsEIPSample = `{"instanceId":null,"publicIp":"34.251.252.207","allocationId":"eipalloc-00bc44f79cddefb85",` +
		`"associationId":"eipassoc-03fb2f16ebde1ff58","domain":"vpc","networkInterfaceId":"eni-0e34557f68aaf3800",` +
		`"networkInterfaceOwnerId":"123456789012","privateIpAddress":"10.0.1.55","tags":[],"publicIpv4Pool":"amazon",` +
		`"networkBorderGroup":null,"customerOwnedIp":null,"customerOwnedIpv4Pool":null}`
)

// eipItem builds an AWS::EC2::EIP item in the shape configd's recorder
// writes, with the given association.
func eipItem(id, association, instance, eni string) *configdItem {
	q := func(s string) string {
		if s == "" {
			return "null"
		}
		return `"` + s + `"`
	}
	return item(ec2EIP, id, `{"allocationId":"`+id+`","associationId":`+q(association)+`,"carrierIp":null,"customerOwnedIp":null,`+
		`"customerOwnedIpv4Pool":null,"domain":"vpc","instanceId":`+q(instance)+`,"networkBorderGroup":null,"networkInterfaceId":`+q(eni)+
		`,"networkInterfaceOwnerId":null,"privateIpAddress":null,"publicIp":"203.0.113.7","publicIpv4Pool":null,"serviceManaged":null,`+
		`"subnetId":null,"tags":[]}`, nil)
}

func TestEIPAttached(t *testing.T) {
	runRuleCases(t, "EIP_ATTACHED", []ruleCase{
		{name: "CompliantAWSSample", ci: item(ec2EIP, "eipalloc-00bc44f79cddefb85", awsEIPSample, nil), want: Compliant},
		{name: "CompliantInstance", ci: eipItem("eipalloc-1", "eipassoc-1", "i-1", "eni-1"), want: Compliant},
		{name: "CompliantNetworkInterface", ci: eipItem("eipalloc-1", "eipassoc-1", "", "eni-1"), want: Compliant},
		{name: "NonCompliantUnassociated", ci: eipItem("eipalloc-1", "", "", ""), want: NonCompliant,
			annotation: "The Elastic IP address 203.0.113.7 is not associated"},
		{name: "NonCompliantEmptyAssociation", ci: item(ec2EIP, "eipalloc-1", `{"allocationId":"eipalloc-1","associationId":""}`, nil),
			want: NonCompliant, annotation: "eipalloc-1"},
		{name: "NonCompliantInstanceWithoutAssociation", ci: eipItem("eipalloc-1", "", "i-1", ""), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(eipItem("eipalloc-1", "", "", "")), want: NotApplicable},
		{name: "NotApplicableGateway", ci: item(ec2InternetGateway, "igw-1", awsIGWSample, nil), want: NotApplicable},
	})
}

// igwItem builds an AWS::EC2::InternetGateway item attached to the VPCs
// ("vpc" or "vpc=state").
func igwItem(id string, vpcs ...string) *configdItem {
	var atts []string
	for _, v := range vpcs {
		state := "available"
		if i := strings.IndexByte(v, '='); i >= 0 {
			v, state = v[:i], v[i+1:]
		}
		atts = append(atts, `{"state":"`+state+`","vpcId":"`+v+`"}`)
	}
	return item(ec2InternetGateway, id, `{"attachments":[`+strings.Join(atts, ",")+`],"internetGatewayId":"`+id+
		`","ownerId":"123456789012","tags":[]}`, nil)
}

func TestInternetGatewayAuthorizedVPCOnly(t *testing.T) {
	const id = "INTERNET_GATEWAY_AUTHORIZED_VPC_ONLY"
	runRuleCases(t, id, []ruleCase{
		{name: "NonCompliantAWSSampleNoParameter", ci: item(ec2InternetGateway, "igw-772c3a10", awsIGWSample, nil), want: NonCompliant,
			annotation: "unauthorized VPCs: vpc-88f114f1"},
		{name: "CompliantAWSSampleAuthorized", ci: item(ec2InternetGateway, "igw-772c3a10", awsIGWSample, nil),
			params: `{"AuthorizedVpcIds":"vpc-1, vpc-88f114f1"}`, want: Compliant},
		{name: "NonCompliantOtherVPC", ci: igwItem("igw-1", "vpc-2"), params: `{"AuthorizedVpcIds":"vpc-1"}`, want: NonCompliant,
			annotation: "vpc-2"},
		{name: "NonCompliantOneOfTwo", ci: igwItem("igw-1", "vpc-3", "vpc-1"), params: `{"AuthorizedVpcIds":"vpc-1"}`, want: NonCompliant,
			annotation: "VPCs: vpc-3."},
		{name: "NonCompliantAttaching", ci: igwItem("igw-1", "vpc-2=attaching"), params: `{"AuthorizedVpcIds":"vpc-1"}`, want: NonCompliant},
		{name: "NonCompliantCaseSensitive", ci: igwItem("igw-1", "vpc-ABC"), params: `{"AuthorizedVpcIds":"vpc-abc"}`, want: NonCompliant},
		{name: "CompliantBothAuthorized", ci: igwItem("igw-1", "vpc-2", "vpc-1"), params: `{"AuthorizedVpcIds":"vpc-1,vpc-2"}`, want: Compliant},
		{name: "CompliantDetached", ci: igwItem("igw-1", "vpc-2=detached"), want: Compliant},
		{name: "CompliantUnattached", ci: igwItem("igw-1"), want: Compliant},
		{name: "NotApplicableDeleted", ci: deletedItem(igwItem("igw-1", "vpc-2")), want: NotApplicable},
		{name: "NotApplicableACL", ci: item(ec2NetworkACL, "acl-1", awsACLSample, nil), want: NotApplicable},
	})
}

// aclItem builds an AWS::EC2::NetworkAcl item with the subnets and entries
// (JSON objects) given.
func aclItem(id string, subnets []string, entries ...string) *configdItem {
	var assocs []string
	for i, s := range subnets {
		assocs = append(assocs, `{"networkAclAssociationId":"aclassoc-`+string(rune('a'+i))+`","networkAclId":"`+id+`","subnetId":"`+s+`"}`)
	}
	return item(ec2NetworkACL, id, `{"associations":[`+strings.Join(assocs, ",")+`],"entries":[`+strings.Join(entries, ",")+
		`],"isDefault":false,"networkAclId":"`+id+`","ownerId":"123456789012","tags":[],"vpcId":"vpc-1"}`, nil)
}

func TestVPCNetworkACLUnusedCheck(t *testing.T) {
	defaultUnused := strings.Replace(awsACLSample, `"associations":[{"networkAclAssociationId":"aclassoc-3553314b","networkAclId":"acl-6a24bb13","subnetId":"subnet-ea59c9b0"},`+
		`{"networkAclAssociationId":"aclassoc-3453314a","networkAclId":"acl-6a24bb13","subnetId":"subnet-40fbdd08"}]`, `"associations":[]`, 1)
	runRuleCases(t, "VPC_NETWORK_ACL_UNUSED_CHECK", []ruleCase{
		{name: "CompliantAWSSample", ci: item(ec2NetworkACL, "acl-6a24bb13", awsACLSample, nil), want: Compliant},
		{name: "CompliantOneSubnet", ci: aclItem("acl-1", []string{"subnet-1"}), want: Compliant},
		{name: "NonCompliantNoAssociations", ci: aclItem("acl-1", nil), want: NonCompliant, annotation: "not associated with any subnet"},
		{name: "NonCompliantDefaultWithoutSubnets", ci: item(ec2NetworkACL, "acl-6a24bb13", defaultUnused, nil), want: NonCompliant},
		{name: "NonCompliantAssociationWithoutSubnet", ci: item(ec2NetworkACL, "acl-1", `{"associations":[{"networkAclAssociationId":"aclassoc-1","subnetId":null}]}`, nil),
			want: NonCompliant},
		{name: "NonCompliantNoMembers", ci: item(ec2NetworkACL, "acl-1", `{"networkAclId":"acl-1"}`, nil), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(aclItem("acl-1", nil)), want: NotApplicable},
		{name: "NotApplicableEIP", ci: eipItem("eipalloc-1", "", "", ""), want: NotApplicable},
	})
}

// aclEntryJSON writes a network ACL entry as the recorder does; from < 0
// means no port range.
func aclEntryJSON(rule int, egress bool, action, proto, cidr, cidr6 string, from, to int) string {
	q := func(s string) string {
		if s == "" {
			return "null"
		}
		return `"` + s + `"`
	}
	pr := "null"
	if from >= 0 {
		pr = `{"from":` + strconv.Itoa(from) + `,"to":` + strconv.Itoa(to) + `}`
	}
	eg := "false"
	if egress {
		eg = "true"
	}
	return `{"cidrBlock":` + q(cidr) + `,"egress":` + eg + `,"icmpTypeCode":null,"ipv6CidrBlock":` + q(cidr6) + `,"portRange":` + pr +
		`,"protocol":"` + proto + `","ruleAction":"` + action + `","ruleNumber":` + strconv.Itoa(rule) + `}`
}

func TestNACLNoUnrestrictedSSHRDP(t *testing.T) {
	in := func(rule int, action, proto, cidr string, from, to int) string {
		return aclEntryJSON(rule, false, action, proto, cidr, "", from, to)
	}
	in6 := func(rule int, action, proto, cidr6 string, from, to int) string {
		return aclEntryJSON(rule, false, action, proto, "", cidr6, from, to)
	}
	deny := in(32767, "deny", "-1", "0.0.0.0/0", -1, 0)
	egressAll := aclEntryJSON(100, true, "allow", "-1", "0.0.0.0/0", "", -1, 0)
	acl := func(entries ...string) *configdItem {
		return aclItem("acl-1", []string{"subnet-1"}, append(entries, egressAll, deny)...)
	}
	runRuleCases(t, "NACL_NO_UNRESTRICTED_SSH_RDP", []ruleCase{
		{name: "NonCompliantAWSSampleDefaultACL", ci: item(ec2NetworkACL, "acl-6a24bb13", awsACLSample, nil), want: NonCompliant,
			annotation: "rule 100 (0.0.0.0/0): TCP 22, TCP 3389, UDP 22, UDP 3389"},
		{name: "NonCompliantTCP22", ci: acl(in(100, "allow", "6", "0.0.0.0/0", 22, 22)), want: NonCompliant,
			annotation: "rule 100 (0.0.0.0/0): TCP 22."},
		{name: "NonCompliantUDP3389", ci: acl(in(100, "allow", "17", "0.0.0.0/0", 3389, 3389)), want: NonCompliant, annotation: "UDP 3389"},
		{name: "NonCompliantRangeCovers", ci: acl(in(100, "allow", "6", "0.0.0.0/0", 0, 1024)), want: NonCompliant, annotation: "TCP 22."},
		{name: "NonCompliantTCPNoPortRange", ci: acl(in(100, "allow", "6", "0.0.0.0/0", -1, 0)), want: NonCompliant, annotation: "TCP 22, TCP 3389"},
		{name: "NonCompliantIPv6", ci: acl(in6(100, "allow", "6", "::/0", 3389, 3389)), want: NonCompliant, annotation: "rule 100 (::/0): TCP 3389"},
		{name: "NonCompliantIPv6OtherSpelling", ci: acl(in6(100, "allow", "-1", "::0/0", -1, 0)), want: NonCompliant},
		{name: "NonCompliantProtocolName", ci: acl(in(100, "allow", "tcp", "0.0.0.0/0", 22, 22)), want: NonCompliant},
		{name: "NonCompliantNarrowDenyFirst", ci: acl(in(50, "deny", "6", "203.0.113.0/24", 22, 22), in(100, "allow", "6", "0.0.0.0/0", 22, 22)),
			want: NonCompliant},
		{name: "NonCompliantDenyOtherProtocol", ci: acl(in(50, "deny", "6", "0.0.0.0/0", 22, 22), in(100, "allow", "-1", "0.0.0.0/0", -1, 0)),
			want: NonCompliant, annotation: "rule 100 (0.0.0.0/0): TCP 3389, UDP 22, UDP 3389."},
		{name: "NonCompliantEntriesOutOfOrder", ci: acl(in(100, "allow", "6", "0.0.0.0/0", 22, 22), in(200, "deny", "6", "0.0.0.0/0", 22, 22)),
			want: NonCompliant},
		{name: "CompliantDenyFirst", ci: acl(in(200, "allow", "-1", "0.0.0.0/0", -1, 0), in(50, "deny", "6", "0.0.0.0/0", 22, 22),
			in(60, "deny", "6", "0.0.0.0/0", 3389, 3389), in(70, "deny", "17", "0.0.0.0/0", 0, 65535), in6(80, "deny", "-1", "::/0", -1, 0)),
			want: Compliant},
		{name: "CompliantRestrictedSource", ci: acl(in(100, "allow", "6", "10.0.0.0/8", 22, 22), in(110, "allow", "-1", "0.0.0.0/1", -1, 0)),
			want: Compliant},
		{name: "CompliantOtherPorts", ci: acl(in(100, "allow", "6", "0.0.0.0/0", 443, 443), in(110, "allow", "6", "0.0.0.0/0", 23, 3388),
			in(120, "allow", "17", "0.0.0.0/0", 3390, 65535)), want: Compliant},
		{name: "CompliantICMP", ci: acl(in(100, "allow", "1", "0.0.0.0/0", -1, 0)), want: Compliant},
		{name: "CompliantEgressOnly", ci: aclItem("acl-1", nil, aclEntryJSON(100, true, "allow", "6", "0.0.0.0/0", "", 22, 22)), want: Compliant},
		{name: "CompliantNoEntries", ci: aclItem("acl-1", nil), want: Compliant},
		{name: "CompliantOnlyDefaultDeny", ci: acl(), want: Compliant},
		{name: "NotApplicableDeleted", ci: deletedItem(acl(in(100, "allow", "6", "0.0.0.0/0", 22, 22))), want: NotApplicable},
		{name: "NotApplicableGateway", ci: igwItem("igw-1"), want: NotApplicable},
	})
}

// TestNetworkRulesPeriodic evaluates the ACL and gateway rules over an
// inventory, as a periodic run does.
func TestNetworkRulesPeriodic(t *testing.T) {
	inv := &memInventory{items: []*configdItem{
		item(ec2NetworkACL, "acl-6a24bb13", awsACLSample, nil),
		aclItem("acl-unused", nil),
		deletedItem(aclItem("acl-gone", nil)),
		igwItem("igw-ok", "vpc-1"),
		igwItem("igw-bad", "vpc-2"),
		eipItem("eipalloc-1", "", "", ""),
	}}
	for _, tc := range []struct {
		id, params string
		want       map[string]string
	}{
		{"VPC_NETWORK_ACL_UNUSED_CHECK", "", map[string]string{"acl-6a24bb13": Compliant, "acl-unused": NonCompliant, "acl-gone": NotApplicable}},
		{"NACL_NO_UNRESTRICTED_SSH_RDP", "", map[string]string{"acl-6a24bb13": NonCompliant, "acl-unused": Compliant, "acl-gone": NotApplicable}},
		{"INTERNET_GATEWAY_AUTHORIZED_VPC_ONLY", `{"AuthorizedVpcIds":"vpc-1"}`, map[string]string{"igw-ok": Compliant, "igw-bad": NonCompliant}},
		{"EIP_ATTACHED", "", map[string]string{"eipalloc-1": NonCompliant}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			params, err := Parameters(tc.id, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Evaluate(context.Background(), tc.id, Input{Params: params, Inventory: inv, Now: testNow})
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != len(tc.want) {
				t.Fatalf("got %d results, want %d: %+v", len(res), len(tc.want), res)
			}
			for _, r := range res {
				if tc.want[r.ResourceID] != r.ComplianceType {
					t.Errorf("%s %s: %s (%q), want %s", r.ResourceType, r.ResourceID, r.ComplianceType, r.Annotation, tc.want[r.ResourceID])
				}
			}
		})
	}
}

func TestInternetGatewayAuthorizedVPCOnlyParameters(t *testing.T) {
	if _, err := Parameters("INTERNET_GATEWAY_AUTHORIZED_VPC_ONLY", `{"authorizedVpcIds":"vpc-1"}`); err == nil {
		t.Error("a parameter spelled otherwise than AuthorizedVpcIds was accepted")
	}
}
