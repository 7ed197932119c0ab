package recorder

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/configd/configd"
)

const (
	igwType  = "AWS::EC2::InternetGateway"
	naclType = "AWS::EC2::NetworkAcl"
	eipType  = "AWS::EC2::EIP"
)

// networkTypes are the types TestNetworkMoto polls, and only these.
var networkTypes = []string{eipType, igwType, naclType}

// networkFixture holds the ids of the resources seedNetwork creates.
type networkFixture struct {
	vpc, subnet, igw, acl, aclAssoc, defaultACL string
	eni, instance                               string
	eniEIP, eniEIPAddr, eniAssoc                string
	instEIP, instAssoc                          string
}

// seedNetwork creates a VPC with a subnet; a tagged internet gateway
// attached to the VPC; a tagged network ACL with inbound and outbound
// entries, associated with the subnet in place of the VPC's default ACL;
// and two tagged Elastic IP addresses, one associated with a network
// interface of the subnet, one with an instance.
func seedNetwork(t *testing.T, e *ec2.Client) networkFixture {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("seed: %v", r)
		}
	}()
	ctx := context.Background()
	tag := func(rt ec2types.ResourceType, kv ...string) []ec2types.TagSpecification {
		var tags []ec2types.Tag
		for i := 0; i < len(kv); i += 2 {
			tags = append(tags, ec2types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		return []ec2types.TagSpecification{{ResourceType: rt, Tags: tags}}
	}
	var f networkFixture
	f.vpc = *must(e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.30.0.0/16")})).Vpc.VpcId
	f.subnet = *must(e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &f.vpc, CidrBlock: aws.String("10.30.1.0/24"),
		AvailabilityZone: aws.String("us-east-1a")})).Subnet.SubnetId

	f.igw = *must(e.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{
		TagSpecifications: tag(ec2types.ResourceTypeInternetGateway, "Name", "edge", "env", "test")})).InternetGateway.InternetGatewayId
	must(e.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: &f.igw, VpcId: &f.vpc}))

	f.acl = *must(e.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: &f.vpc,
		TagSpecifications: tag(ec2types.ResourceTypeNetworkAcl, "Name", "web", "env", "test")})).NetworkAcl.NetworkAclId
	entry := func(rule int32, egress bool, proto, cidr string, from, to int32, action ec2types.RuleAction) {
		in := &ec2.CreateNetworkAclEntryInput{NetworkAclId: &f.acl, RuleNumber: aws.Int32(rule), Egress: aws.Bool(egress),
			Protocol: aws.String(proto), CidrBlock: aws.String(cidr), RuleAction: action}
		if from >= 0 {
			in.PortRange = &ec2types.PortRange{From: aws.Int32(from), To: aws.Int32(to)}
		}
		must(e.CreateNetworkAclEntry(ctx, in))
	}
	// Created out of order: the item lists them by direction and number.
	entry(200, false, "6", "10.0.0.0/8", 22, 22, ec2types.RuleActionAllow)
	entry(100, false, "6", "0.0.0.0/0", 443, 443, ec2types.RuleActionAllow)
	entry(100, true, "-1", "0.0.0.0/0", -1, -1, ec2types.RuleActionAllow)
	// The subnet starts on the VPC's default ACL; move it to ours.
	cur := must(e.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{
		{Name: aws.String("association.subnet-id"), Values: []string{f.subnet}}}}))
	if len(cur.NetworkAcls) != 1 {
		t.Fatalf("subnet %s has %d network ACLs", f.subnet, len(cur.NetworkAcls))
	}
	f.defaultACL = *cur.NetworkAcls[0].NetworkAclId
	var oldAssoc string
	for _, a := range cur.NetworkAcls[0].Associations {
		if str(a.SubnetId) == f.subnet {
			oldAssoc = str(a.NetworkAclAssociationId)
		}
	}
	f.aclAssoc = *must(e.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{
		AssociationId: &oldAssoc, NetworkAclId: &f.acl})).NewAssociationId

	f.eni = *must(e.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &f.subnet})).NetworkInterface.NetworkInterfaceId
	alloc := must(e.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc,
		TagSpecifications: tag(ec2types.ResourceTypeElasticIp, "Name", "eni-ip", "env", "test")}))
	f.eniEIP, f.eniEIPAddr = *alloc.AllocationId, *alloc.PublicIp
	f.eniAssoc = *must(e.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: &f.eniEIP, NetworkInterfaceId: &f.eni})).AssociationId

	images := must(e.DescribeImages(ctx, &ec2.DescribeImagesInput{}))
	if len(images.Images) == 0 {
		t.Fatal("moto has no AMI")
	}
	f.instance = *must(e.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: images.Images[0].ImageId, MinCount: aws.Int32(1),
		MaxCount: aws.Int32(1), InstanceType: ec2types.InstanceTypeT3Micro, SubnetId: &f.subnet})).Instances[0].InstanceId
	f.instEIP = *must(e.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})).AllocationId
	f.instAssoc = *must(e.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: &f.instEIP, InstanceId: &f.instance})).AssociationId
	return f
}

// pollNetwork polls the three network types alone and returns their
// reports by type.
func pollNetwork(t *testing.T, cfg aws.Config, sink Sink, clock configd.Clock) map[string]TypeReport {
	t.Helper()
	reps, err := Poll(context.Background(), cfg, motoScope, networkTypes, sink, PollOptions{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]TypeReport{}
	for _, r := range reps {
		if !r.OK() {
			t.Fatalf("%s: %s: %s", r.ResourceType, r.ErrorCode, r.ErrorMessage)
		}
		out[r.ResourceType] = r
	}
	if len(out) != len(networkTypes) {
		t.Fatalf("reports %+v, want the three network types alone", reps)
	}
	return out
}

// wantReport checks a poll's counts of one type.
func wantReport(t *testing.T, reps map[string]TypeReport, typ string, changed, deleted int) {
	t.Helper()
	if r := reps[typ]; r.Changed != changed || r.Deleted != deleted {
		t.Errorf("%s: report %+v, want %d changed and %d deleted", typ, r, changed, deleted)
	}
}

// wantHeader checks the fields every network item sets.
func wantHeader(t *testing.T, ci *configd.ConfigurationItem, status, arn, az, name string) {
	t.Helper()
	if ci.Status != status || ci.AccountID != motoAccount || ci.Region != "us-east-1" || ci.ARN != arn ||
		ci.AvailabilityZone != az || ci.ResourceName != name || len(ci.Relationships) != 0 {
		t.Errorf("%s %s header: status %s account %s region %s arn %s az %q name %q relationships %v",
			ci.ResourceType, ci.ResourceID, ci.Status, ci.AccountID, ci.Region, ci.ARN, ci.AvailabilityZone, ci.ResourceName, ci.Relationships)
	}
}

// jsonOf returns the JSON encoding of v, for comparisons.
func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// aclEntryKeys returns "egress/ruleNumber" of each entry of a network ACL
// configuration, in order.
func aclEntryKeys(t *testing.T, conf map[string]any) []string {
	t.Helper()
	list, ok := conf["entries"].([]any)
	if !ok {
		t.Fatalf("entries = %v", conf["entries"])
	}
	var out []string
	for _, v := range list {
		m := v.(map[string]any)
		dir := "in"
		if m["egress"] == true {
			dir = "out"
		}
		out = append(out, dir+"/"+jsonOf(m["ruleNumber"]))
	}
	return out
}

// TestNetworkMoto records internet gateways, network ACLs and Elastic IP
// addresses from moto, then polls without changes, changes one of each and
// deletes one of each.
func TestNetworkMoto(t *testing.T) {
	_, cfg := motoConfig(t)
	e := ec2.NewFromConfig(cfg)
	f := seedNetwork(t, e)
	sink := newMemSink()
	clock := &fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ctx := context.Background()
	arn := func(resource string) string { return "arn:aws:ec2:us-east-1:" + motoAccount + ":" + resource }

	t.Run("OK", func(t *testing.T) {
		reps := pollNetwork(t, cfg, sink, clock)
		// One gateway; our ACL and the default ACLs of our VPC and of moto's
		// default VPC; two addresses.
		for typ, n := range map[string]int{igwType: 1, naclType: 3, eipType: 2} {
			if r := reps[typ]; r.Discovered != n || r.Changed != n || r.Deleted != 0 || r.APICalls == 0 {
				t.Errorf("%s: report %+v, want %d recorded", typ, r, n)
			}
		}

		g := latestOrFatal(t, sink, igwType, f.igw)
		wantHeader(t, g, configd.CIStatusResourceDiscovered, arn("internet-gateway/"+f.igw), "Multiple Availability Zones", "")
		if len(g.Tags) != 2 || g.Tags["Name"] != "edge" || g.Tags["env"] != "test" {
			t.Errorf("gateway tags %v", g.Tags)
		}
		gconf := decode(t, g.Configuration)
		if gconf["internetGatewayId"] != f.igw || gconf["ownerId"] != motoAccount {
			t.Errorf("gateway configuration: %s", g.Configuration)
		}
		atts, _ := gconf["attachments"].([]any)
		if len(atts) != 1 || atts[0].(map[string]any)["vpcId"] != f.vpc || atts[0].(map[string]any)["state"] != "available" {
			t.Errorf("gateway attachments %v", gconf["attachments"])
		}
		if got := jsonOf(gconf["tags"]); got != `[{"key":"Name","value":"edge"},{"key":"env","value":"test"}]` {
			t.Errorf("gateway configuration tags %s", got)
		}

		a := latestOrFatal(t, sink, naclType, f.acl)
		wantHeader(t, a, configd.CIStatusResourceDiscovered, arn("network-acl/"+f.acl), "Multiple Availability Zones", "")
		if len(a.Tags) != 2 || a.Tags["Name"] != "web" {
			t.Errorf("ACL tags %v", a.Tags)
		}
		aconf := decode(t, a.Configuration)
		if aconf["networkAclId"] != f.acl || aconf["vpcId"] != f.vpc || aconf["isDefault"] != false || aconf["ownerId"] != motoAccount {
			t.Errorf("ACL configuration: %s", a.Configuration)
		}
		// Every key of AWS Config's network ACL item.
		for _, k := range []string{"associations", "entries", "isDefault", "networkAclId", "tags", "vpcId", "ownerId"} {
			if _, ok := aconf[k]; !ok {
				t.Errorf("ACL configuration lacks %s", k)
			}
		}
		if got := jsonOf(aconf["associations"]); got != `[{"networkAclAssociationId":"`+f.aclAssoc+`","networkAclId":"`+f.acl+`","subnetId":"`+f.subnet+`"}]` {
			t.Errorf("ACL associations %s", got)
		}
		// Egress first, then ingress, each by rule number (moto adds no
		// default deny entries, EC2's "*" rule 32767, to a created ACL).
		keys := aclEntryKeys(t, aconf)
		if !slices.Equal(keys, []string{"out/100", "in/100", "in/200"}) {
			t.Fatalf("ACL entries in order %v: %s", keys, a.Configuration)
		}
		ssh := aconf["entries"].([]any)[2].(map[string]any)
		if ssh["cidrBlock"] != "10.0.0.0/8" || ssh["protocol"] != "6" || ssh["ruleAction"] != "allow" || ssh["egress"] != false ||
			jsonOf(ssh["portRange"]) != `{"from":22,"to":22}` || ssh["icmpTypeCode"] != nil || ssh["ipv6CidrBlock"] != nil {
			t.Errorf("ACL entry %v", ssh)
		}
		all := aconf["entries"].([]any)[0].(map[string]any)
		if all["portRange"] != nil || all["protocol"] != "-1" || all["egress"] != true {
			t.Errorf("ACL egress entry %v", all)
		}
		// The VPC's default ACL lost the subnet to ours.
		d := latestOrFatal(t, sink, naclType, f.defaultACL)
		dconf := decode(t, d.Configuration)
		if dconf["isDefault"] != true || dconf["vpcId"] != f.vpc || jsonOf(dconf["associations"]) != `[]` {
			t.Errorf("default ACL configuration: %s", d.Configuration)
		}

		p := latestOrFatal(t, sink, eipType, f.eniEIP)
		wantHeader(t, p, configd.CIStatusResourceDiscovered, arn("eip-allocation/"+f.eniEIP), "Not Applicable", f.eniEIPAddr)
		if len(p.Tags) != 2 || p.Tags["Name"] != "eni-ip" {
			t.Errorf("address tags %v", p.Tags)
		}
		pconf := decode(t, p.Configuration)
		if pconf["allocationId"] != f.eniEIP || pconf["associationId"] != f.eniAssoc || pconf["networkInterfaceId"] != f.eni ||
			pconf["publicIp"] != f.eniEIPAddr || pconf["domain"] != "vpc" || pconf["instanceId"] != nil {
			t.Errorf("address configuration: %s", p.Configuration)
		}
		// Every key of AWS Config's address item.
		for _, k := range []string{"instanceId", "publicIp", "allocationId", "associationId", "domain", "networkInterfaceId",
			"networkInterfaceOwnerId", "privateIpAddress", "tags", "publicIpv4Pool", "networkBorderGroup", "customerOwnedIp", "customerOwnedIpv4Pool"} {
			if _, ok := pconf[k]; !ok {
				t.Errorf("address configuration lacks %s", k)
			}
		}
		q := latestOrFatal(t, sink, eipType, f.instEIP)
		qconf := decode(t, q.Configuration)
		if qconf["instanceId"] != f.instance || qconf["associationId"] != f.instAssoc || len(q.Tags) != 0 || jsonOf(qconf["tags"]) != `[]` {
			t.Errorf("instance address configuration: %s, tags %v", q.Configuration, q.Tags)
		}
	})

	t.Run("OKUnchanged", func(t *testing.T) {
		clock.t = clock.t.Add(time.Hour)
		reps := pollNetwork(t, cfg, sink, clock)
		for _, typ := range networkTypes {
			wantReport(t, reps, typ, 0, 0)
		}
		for typ, id := range map[string]string{igwType: f.igw, naclType: f.acl, eipType: f.eniEIP} {
			if h := sink.history(typ, id); len(h) != 1 {
				t.Errorf("%s %s: %d versions after an unchanged poll", typ, id, len(h))
			}
		}
	})

	t.Run("OKChanged", func(t *testing.T) {
		need[*ec2.DetachInternetGatewayOutput](t)(e.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: &f.igw, VpcId: &f.vpc}))
		need[*ec2.CreateNetworkAclEntryOutput](t)(e.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: &f.acl,
			RuleNumber: aws.Int32(50), Egress: aws.Bool(false), Protocol: aws.String("6"), CidrBlock: aws.String("0.0.0.0/0"),
			PortRange: &ec2types.PortRange{From: aws.Int32(3389), To: aws.Int32(3389)}, RuleAction: ec2types.RuleActionDeny}))
		need[*ec2.DisassociateAddressOutput](t)(e.DisassociateAddress(ctx, &ec2.DisassociateAddressInput{AssociationId: &f.eniAssoc}))
		clock.t = clock.t.Add(time.Hour)
		reps := pollNetwork(t, cfg, sink, clock)
		for _, typ := range networkTypes {
			wantReport(t, reps, typ, 1, 0)
		}

		h := sink.history(igwType, f.igw)
		if len(h) != 2 || h[1].Status != configd.CIStatusOK || !h[1].CaptureTime.Equal(clock.t) {
			t.Fatalf("gateway history: %d versions", len(h))
		}
		if got := jsonOf(decode(t, h[1].Configuration)["attachments"]); got != `[]` {
			t.Errorf("detached gateway attachments %s", got)
		}
		if d := Diff(h[0], h[1]); d.ChangeType != ChangeUpdate || len(d.ChangedProperties) != 1 {
			t.Errorf("gateway diff = %s", canonical(d))
		}

		h = sink.history(naclType, f.acl)
		if len(h) != 2 {
			t.Fatalf("ACL history: %d versions", len(h))
		}
		if keys := aclEntryKeys(t, decode(t, h[1].Configuration)); !slices.Equal(keys, []string{"out/100", "in/50", "in/100", "in/200"}) {
			t.Errorf("ACL entries after the change %v", keys)
		}
		d := Diff(h[0], h[1])
		for k := range d.ChangedProperties {
			if !strings.HasPrefix(k, "Configuration.Entries.") {
				t.Errorf("unexpected changed ACL property %s", k)
			}
		}
		if d.ChangeType != ChangeUpdate || len(d.ChangedProperties) != 1 {
			t.Errorf("ACL diff = %s", canonical(d))
		}

		h = sink.history(eipType, f.eniEIP)
		if len(h) != 2 {
			t.Fatalf("address history: %d versions", len(h))
		}
		if c := decode(t, h[1].Configuration); c["associationId"] != nil || c["networkInterfaceId"] != nil {
			t.Errorf("disassociated address configuration: %s", h[1].Configuration)
		}
		if h := sink.history(eipType, f.instEIP); len(h) != 1 {
			t.Errorf("unchanged address: %d versions", len(h))
		}

		// The changes are recorded once.
		clock.t = clock.t.Add(time.Hour)
		reps = pollNetwork(t, cfg, sink, clock)
		for _, typ := range networkTypes {
			wantReport(t, reps, typ, 0, 0)
		}
	})

	t.Run("OKDeleted", func(t *testing.T) {
		need[*ec2.DeleteInternetGatewayOutput](t)(e.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: &f.igw}))
		// Give the subnet back to the default ACL before deleting ours.
		need[*ec2.ReplaceNetworkAclAssociationOutput](t)(e.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{
			AssociationId: &f.aclAssoc, NetworkAclId: &f.defaultACL}))
		need[*ec2.DeleteNetworkAclOutput](t)(e.DeleteNetworkAcl(ctx, &ec2.DeleteNetworkAclInput{NetworkAclId: &f.acl}))
		need[*ec2.ReleaseAddressOutput](t)(e.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: &f.eniEIP}))
		clock.t = clock.t.Add(time.Hour)
		reps := pollNetwork(t, cfg, sink, clock)
		wantReport(t, reps, igwType, 0, 1)
		wantReport(t, reps, eipType, 0, 1)
		// Ours is gone and the default ACL has the subnet again.
		wantReport(t, reps, naclType, 1, 1)
		if got := jsonOf(decode(t, latestOrFatal(t, sink, naclType, f.defaultACL).Configuration)["associations"]); !strings.Contains(got, f.subnet) {
			t.Errorf("default ACL associations %s", got)
		}

		for typ, id := range map[string]string{igwType: f.igw, naclType: f.acl, eipType: f.eniEIP} {
			h := sink.history(typ, id)
			last := h[len(h)-1]
			if len(h) != 3 || last.Status != configd.CIStatusResourceDeleted || last.ARN != h[1].ARN {
				t.Errorf("%s %s history: %d versions, last %+v", typ, id, len(h), last)
				continue
			}
			if d := Diff(h[1], last); d.ChangeType != ChangeDelete {
				t.Errorf("%s diff %s", typ, canonical(d))
			}
		}
		clock.t = clock.t.Add(time.Hour)
		reps = pollNetwork(t, cfg, sink, clock)
		for _, typ := range networkTypes {
			wantReport(t, reps, typ, 0, 0)
		}
	})
}

// TestNetworkItemOrder: the same gateway, ACL and address listed in another
// order record the same configuration, so an unchanged resource gives no new
// version.
func TestNetworkItemOrder(t *testing.T) {
	tag := func(k, v string) ec2types.Tag { return ec2types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	tags := []ec2types.Tag{tag("b", "2"), tag("a", "1")}
	rev := func(ts []ec2types.Tag) []ec2types.Tag { out := slices.Clone(ts); slices.Reverse(out); return out }

	g := ec2types.InternetGateway{InternetGatewayId: aws.String("igw-1"), OwnerId: aws.String(motoAccount), Tags: tags,
		Attachments: []ec2types.InternetGatewayAttachment{{State: "available", VpcId: aws.String("vpc-2")}, {State: "available", VpcId: aws.String("vpc-1")}}}
	g2 := g
	g2.Attachments = slices.Clone(g.Attachments)
	slices.Reverse(g2.Attachments)
	g2.Tags = rev(tags)
	x, y := internetGateways{}.item(motoScope, &g), internetGateways{}.item(motoScope, &g2)
	if x.Configuration != y.Configuration {
		t.Errorf("gateway configuration depends on the API's order:\n%s\n%s", x.Configuration, y.Configuration)
	}
	if x.ARN != "arn:aws:ec2:us-east-1:123456789012:internet-gateway/igw-1" || x.AvailabilityZone != azMultiple || x.ResourceID != "igw-1" {
		t.Errorf("gateway item %+v", x)
	}

	entry := func(rule int32, egress bool, cidr string) ec2types.NetworkAclEntry {
		return ec2types.NetworkAclEntry{RuleNumber: aws.Int32(rule), Egress: aws.Bool(egress), CidrBlock: aws.String(cidr),
			Protocol: aws.String("-1"), RuleAction: ec2types.RuleActionAllow}
	}
	assoc := func(id, subnet string) ec2types.NetworkAclAssociation {
		return ec2types.NetworkAclAssociation{NetworkAclAssociationId: aws.String(id), NetworkAclId: aws.String("acl-1"), SubnetId: aws.String(subnet)}
	}
	a := ec2types.NetworkAcl{NetworkAclId: aws.String("acl-1"), VpcId: aws.String("vpc-1"), IsDefault: aws.Bool(true), Tags: tags,
		// 32767 sorts after 100 by number, though "100" < "32767" < "99" as text.
		Entries: []ec2types.NetworkAclEntry{entry(32767, false, "0.0.0.0/0"), entry(99, true, "10.0.0.0/8"), entry(100, false, "0.0.0.0/0"),
			entry(32767, true, "0.0.0.0/0"), entry(99, false, "10.0.0.0/8")},
		Associations: []ec2types.NetworkAclAssociation{assoc("aclassoc-2", "subnet-2"), assoc("aclassoc-1", "subnet-1")}}
	b := a
	b.Entries = slices.Clone(a.Entries)
	slices.Reverse(b.Entries)
	b.Associations = slices.Clone(a.Associations)
	slices.Reverse(b.Associations)
	b.Tags = rev(tags)
	x, y = networkACLs{}.item(motoScope, &a), networkACLs{}.item(motoScope, &b)
	if x.Configuration != y.Configuration {
		t.Errorf("ACL configuration depends on the API's order:\n%s\n%s", x.Configuration, y.Configuration)
	}
	conf := decode(t, x.Configuration)
	if keys := aclEntryKeys(t, conf); !slices.Equal(keys, []string{"out/99", "out/32767", "in/99", "in/100", "in/32767"}) {
		t.Errorf("ACL entries in order %v", keys)
	}
	if got := jsonOf(conf["associations"]); !strings.HasPrefix(got, `[{"networkAclAssociationId":"aclassoc-1"`) {
		t.Errorf("ACL associations %s", got)
	}
	if x.ARN != "arn:aws:ec2:us-east-1:123456789012:network-acl/acl-1" || x.AvailabilityZone != azMultiple {
		t.Errorf("ACL item %+v", x)
	}

	p := ec2types.Address{AllocationId: aws.String("eipalloc-1"), PublicIp: aws.String("203.0.113.7"), Domain: ec2types.DomainTypeVpc, Tags: tags}
	p2 := p
	p2.Tags = rev(tags)
	x, y = elasticIPs{}.item(motoScope, &p), elasticIPs{}.item(motoScope, &p2)
	if x.Configuration != y.Configuration {
		t.Errorf("address configuration depends on the API's order:\n%s\n%s", x.Configuration, y.Configuration)
	}
	if x.ARN != "arn:aws:ec2:us-east-1:123456789012:eip-allocation/eipalloc-1" || x.AvailabilityZone != azNotApplicable ||
		x.ResourceID != "eipalloc-1" || x.ResourceName != "203.0.113.7" || x.Tags["a"] != "1" {
		t.Errorf("address item %+v", x)
	}
}
