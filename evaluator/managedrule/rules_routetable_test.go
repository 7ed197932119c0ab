package managedrule

import (
	"context"
	"strings"
	"testing"
)

// routeTableItem builds an AWS::EC2::RouteTable item with the VPC's local
// route and the given routes (JSON objects), in the shape configd's
// recorder writes.
func routeTableItem(id string, routes ...string) *configdItem {
	all := append([]string{`{"destinationCidrBlock":"10.0.0.0/16","destinationIpv6CidrBlock":null,"gatewayId":"local",` +
		`"natGatewayId":null,"origin":"CreateRouteTable","state":"active"}`}, routes...)
	return item(ec2RouteTable, id, `{"routeTableId":"`+id+`","vpcId":"vpc-1","ownerId":"123456789012",`+
		`"routes":[`+strings.Join(all, ",")+`],"associations":[],"propagatingVgws":[],"tags":[]}`, nil)
}

func TestNoUnrestrictedRouteToIGW(t *testing.T) {
	// The AWS Config route table item of an AWS Config rule test.
	awsSample := item(ec2RouteTable, "rtb-50b9b034", `{"routeTableId":"rtb-50b9b034","vpcId":"vpc-0990dc6d",`+
		`"routes":[{"destinationCidrBlock":"172.31.0.0/16","gatewayId":"local","state":"active","origin":"CreateRouteTable"},`+
		`{"destinationCidrBlock":"0.0.0.0/0","gatewayId":"igw-a5f227c1","state":"active","origin":"CreateRoute"}],`+
		`"associations":[{"routeTableAssociationId":"rtbassoc-82f661e5","routeTableId":"rtb-50b9b034","main":true}],"tags":[],"propagatingVgws":[]}`, nil)
	v4 := func(dest, target string) string {
		return `{"destinationCidrBlock":"` + dest + `","destinationIpv6CidrBlock":null,` + target + `,"state":"active","origin":"CreateRoute"}`
	}
	v6 := func(dest, target string) string {
		return `{"destinationCidrBlock":null,"destinationIpv6CidrBlock":"` + dest + `",` + target + `,"state":"active","origin":"CreateRoute"}`
	}
	igw := `"gatewayId":"igw-1"`
	runRuleCases(t, "NO_UNRESTRICTED_ROUTE_TO_IGW", []ruleCase{
		{name: "NonCompliantAWSSample", ci: awsSample, want: NonCompliant, annotation: "0.0.0.0/0 -> igw-a5f227c1"},
		{name: "NonCompliantIPv4", ci: routeTableItem("rtb-1", v4("0.0.0.0/0", igw)), want: NonCompliant, annotation: "0.0.0.0/0 -> igw-1"},
		{name: "NonCompliantIPv6", ci: routeTableItem("rtb-1", v6("::/0", igw)), want: NonCompliant, annotation: "::/0 -> igw-1"},
		{name: "NonCompliantIPv6OtherSpelling", ci: routeTableItem("rtb-1", v6("::0/0", igw)), want: NonCompliant},
		{name: "NonCompliantBoth", ci: routeTableItem("rtb-1", v4("0.0.0.0/0", igw), v6("::/0", igw)), want: NonCompliant,
			annotation: "0.0.0.0/0 -> igw-1, ::/0 -> igw-1"},
		{name: "NonCompliantBlackhole", ci: routeTableItem("rtb-1", strings.Replace(v4("0.0.0.0/0", igw), "active", "blackhole", 1)), want: NonCompliant},
		{name: "NonCompliantOtherTablesAllowed", ci: routeTableItem("rtb-1", v4("0.0.0.0/0", igw)), params: `{"routeTableIds":"rtb-2, rtb-3"}`, want: NonCompliant},
		{name: "CompliantAllowed", ci: routeTableItem("rtb-1", v4("0.0.0.0/0", igw), v6("::/0", igw)), params: `{"routeTableIds":"rtb-2, rtb-1"}`, want: Compliant},
		{name: "CompliantAllowedAWSSample", ci: awsSample, params: `{"routeTableIds":"rtb-50b9b034"}`, want: Compliant},
		{name: "CompliantLocalOnly", ci: routeTableItem("rtb-1"), want: Compliant},
		{name: "CompliantNoRoutes", ci: item(ec2RouteTable, "rtb-1", `{"routeTableId":"rtb-1","routes":[]}`, nil), want: Compliant},
		{name: "CompliantRestrictedIGWRoute", ci: routeTableItem("rtb-1", v4("203.0.113.0/24", igw), v4("0.0.0.0/1", igw)), want: Compliant},
		{name: "CompliantNATGateway", ci: routeTableItem("rtb-1", v4("0.0.0.0/0", `"gatewayId":null,"natGatewayId":"nat-1"`)), want: Compliant},
		{name: "CompliantEgressOnlyIGW", ci: routeTableItem("rtb-1", v6("::/0", `"gatewayId":null,"egressOnlyInternetGatewayId":"eigw-1"`)), want: Compliant},
		{name: "CompliantVirtualPrivateGateway", ci: routeTableItem("rtb-1", v4("0.0.0.0/0", `"gatewayId":"vgw-1"`)), want: Compliant},
		{name: "CompliantPrefixList", ci: routeTableItem("rtb-1",
			`{"destinationCidrBlock":null,"destinationPrefixListId":"pl-1","gatewayId":"igw-1","state":"active","origin":"CreateRoute"}`), want: Compliant},
		{name: "NotApplicableDeleted", ci: deletedItem(routeTableItem("rtb-1", v4("0.0.0.0/0", igw))), want: NotApplicable},
		{name: "NotApplicableSubnet", ci: item(ec2Subnet, "subnet-1", `{"subnetId":"subnet-1"}`, nil), want: NotApplicable},
	})
}

func TestNoUnrestrictedRouteToIGWPeriodic(t *testing.T) {
	open := `{"destinationCidrBlock":"0.0.0.0/0","gatewayId":"igw-1","state":"active"}`
	inv := &memInventory{items: []*configdItem{
		routeTableItem("rtb-open", open),
		routeTableItem("rtb-allowed", open),
		routeTableItem("rtb-private"),
		deletedItem(routeTableItem("rtb-gone", open)),
		item(ec2Subnet, "subnet-1", `{"subnetId":"subnet-1"}`, nil),
	}}
	params, err := Parameters("NO_UNRESTRICTED_ROUTE_TO_IGW", `{"routeTableIds":"rtb-allowed"}`)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Evaluate(context.Background(), "NO_UNRESTRICTED_ROUTE_TO_IGW", Input{Params: params, Inventory: inv, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"rtb-open": NonCompliant, "rtb-allowed": Compliant, "rtb-private": Compliant, "rtb-gone": NotApplicable}
	if len(res) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(res), len(want), res)
	}
	for _, r := range res {
		if r.ResourceType != ec2RouteTable || want[r.ResourceID] != r.ComplianceType {
			t.Errorf("%s %s: %s, want %s", r.ResourceType, r.ResourceID, r.ComplianceType, want[r.ResourceID])
		}
	}
}
