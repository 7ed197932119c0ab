package managedrule

import (
	"net/netip"
	"strings"

	"github.com/configd/configd"
)

// AWS::EC2::RouteTable items hold the DescribeRouteTables element with
// lowerCamel keys, as in this AWS Config item (from an AWS Config rule
// test; docs/ci-formats.md):
//
//	{"routeTableId":"rtb-50b9b034","vpcId":"vpc-0990dc6d",
//	 "routes":[{"destinationCidrBlock":"172.31.0.0/16","gatewayId":"local","state":"active","origin":"CreateRouteTable"},
//	           {"destinationCidrBlock":"0.0.0.0/0","gatewayId":"igw-a5f227c1","state":"active","origin":"CreateRoute"}],
//	 "associations":[{"routeTableAssociationId":"rtbassoc-82f661e5","routeTableId":"rtb-50b9b034","main":true}],
//	 "tags":[],"propagatingVgws":[]}
//
// configd's recorder writes every member of the element, absent targets as
// null ("natGatewayId":null, "destinationIpv6CidrBlock":null, ...).

const ec2RouteTable = "AWS::EC2::RouteTable"

func init() {
	register(&resourceRule{id: "NO_UNRESTRICTED_ROUTE_TO_IGW", types: []string{ec2RouteTable}, check: checkNoUnrestrictedRouteToIGW})
}

// route is one element of a route table's routes: its destination and, of
// its targets, the one this rule reads.
type route struct {
	DestinationCidrBlock     string `json:"destinationCidrBlock"`
	DestinationIPv6CidrBlock string `json:"destinationIpv6CidrBlock"`
	GatewayID                string `json:"gatewayId"`
}

type routeTable struct {
	RouteTableID string  `json:"routeTableId"`
	Routes       []route `json:"routes"`
}

// toInternetGateway reports whether the route's target is an internet
// gateway. An internet gateway is the gatewayId "igw-…"; "local", virtual
// private gateways ("vgw-…") and the targets recorded in members of their
// own (egressOnlyInternetGatewayId "eigw-…", natGatewayId, ...) are not.
func (r *route) toInternetGateway() bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(r.GatewayID)), "igw-")
}

// unrestricted returns the route's destination CIDR block when it is
// 0.0.0.0/0 or ::/0, else "". Any spelling of a zero-length prefix counts
// ("::0/0" is the same block as "::/0").
func (r *route) unrestricted() string {
	for _, c := range []string{r.DestinationCidrBlock, r.DestinationIPv6CidrBlock} {
		c = strings.TrimSpace(c)
		if c == "0.0.0.0/0" || c == "::/0" {
			return c
		}
		if p, err := netip.ParsePrefix(c); err == nil && p.Bits() == 0 {
			return c
		}
	}
	return ""
}

// checkNoUnrestrictedRouteToIGW: a route table is NON_COMPLIANT when one of
// its routes sends the destination CIDR block 0.0.0.0/0 or ::/0 to an
// internet gateway, unless the table is one of routeTableIds (the tables
// that may have such routes); COMPLIANT otherwise.
// https://docs.aws.amazon.com/config/latest/developerguide/no-unrestricted-route-to-igw.html
//
// Decisions the page leaves open:
//   - Its "or if a destination CIDR block does not match the rule
//     parameter" is read through the only parameter there is: an
//     unrestricted route to an internet gateway is allowed in the tables
//     routeTableIds lists (exact, case-sensitive ids), and such a table is
//     COMPLIANT rather than NOT_APPLICABLE.
//   - Only the two unrestricted blocks count (any spelling of a /0
//     prefix); broad but narrower routes such as 0.0.0.0/1 do not, nor do
//     routes to a managed prefix list (destinationPrefixListId), whose
//     entries the item does not hold.
//   - Only internet gateways (gatewayId "igw-…") count: not egress-only
//     internet gateways, NAT gateways, virtual private gateways or other
//     targets.
//   - A route's state is not read: a blackhole route to a detached or
//     deleted internet gateway still counts, the rule judging the
//     configured routes, not the gateway's reachability.
//   - A table without routes, or whose routes are all restricted, is
//     COMPLIANT.
func checkNoUnrestrictedRouteToIGW(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var t routeTable
	if err := decodeConfiguration(ci, &t); err != nil {
		return verdict{}, err
	}
	id := ci.ResourceID
	if id == "" {
		id = t.RouteTableID
	}
	if contains(csv(in.Params["routeTableIds"]), id) {
		return compliant(), nil
	}
	var open []string
	for i := range t.Routes {
		r := &t.Routes[i]
		if !r.toInternetGateway() {
			continue
		}
		if dest := r.unrestricted(); dest != "" {
			open = append(open, dest+" -> "+strings.TrimSpace(r.GatewayID))
		}
	}
	if len(open) > 0 {
		return nonCompliant("The route table routes unrestricted destinations to an internet gateway: " + strings.Join(open, ", ") + "."), nil
	}
	return compliant(), nil
}
