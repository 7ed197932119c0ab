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

const routeTableType = "AWS::EC2::RouteTable"

// routeTableFixture holds the ids of the resources around the route table
// the test records.
type routeTableFixture struct {
	vpc, subnet, igw, table, assoc string
}

// seedRouteTable creates a VPC with a subnet and an attached internet
// gateway, and a tagged route table that sends 0.0.0.0/0 to the gateway and
// is associated with the subnet.
func seedRouteTable(t *testing.T, e *ec2.Client) routeTableFixture {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("seed: %v", r)
		}
	}()
	ctx := context.Background()
	var f routeTableFixture
	f.vpc = *must(e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.20.0.0/16")})).Vpc.VpcId
	f.subnet = *must(e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &f.vpc, CidrBlock: aws.String("10.20.1.0/24"),
		AvailabilityZone: aws.String("us-east-1a")})).Subnet.SubnetId
	f.igw = *must(e.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway.InternetGatewayId
	must(e.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: &f.igw, VpcId: &f.vpc}))
	f.table = *must(e.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &f.vpc,
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeRouteTable,
			Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("public")}, {Key: aws.String("env"), Value: aws.String("test")}}}}})).RouteTable.RouteTableId
	must(e.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &f.table, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &f.igw}))
	f.assoc = *must(e.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &f.table, SubnetId: &f.subnet})).AssociationId
	return f
}

// need returns a function that returns v, or fails the test with err.
func need[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// routesByDestination returns the routes of a route table configuration by
// their IPv4 destination.
func routesByDestination(t *testing.T, conf map[string]any) (map[string]map[string]any, []string) {
	t.Helper()
	list, ok := conf["routes"].([]any)
	if !ok {
		t.Fatalf("routes = %v", conf["routes"])
	}
	out := map[string]map[string]any{}
	var order []string
	for _, r := range list {
		m := r.(map[string]any)
		dest, _ := m["destinationCidrBlock"].(string)
		out[dest] = m
		order = append(order, dest)
	}
	return out, order
}

// TestRouteTableMoto records route tables from moto, then changes a route,
// polls without changes, and deletes the table.
func TestRouteTableMoto(t *testing.T) {
	_, cfg := motoConfig(t)
	e := ec2.NewFromConfig(cfg)
	f := seedRouteTable(t, e)
	sink := newMemSink()
	clock := &fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		// The table, the main tables of the VPC and of moto's default VPC.
		if r := pollOne(t, cfg, sink, clock, routeTableType); r.Discovered < 3 || r.Changed != r.Discovered || r.Deleted != 0 {
			t.Errorf("report %+v", r)
		}
		ci := latestOrFatal(t, sink, routeTableType, f.table)
		if ci.Status != configd.CIStatusResourceDiscovered || ci.AccountID != motoAccount || ci.Region != "us-east-1" ||
			ci.ARN != "arn:aws:ec2:us-east-1:"+motoAccount+":route-table/"+f.table ||
			ci.AvailabilityZone != "Not Applicable" || ci.ResourceName != "" {
			t.Errorf("item header: status %s account %s region %s arn %s az %q name %q",
				ci.Status, ci.AccountID, ci.Region, ci.ARN, ci.AvailabilityZone, ci.ResourceName)
		}
		wantRels := []configd.Relationship{{RelationshipName: "Is contained in Vpc", ResourceType: "AWS::EC2::VPC", ResourceID: f.vpc}}
		if !slices.Equal(ci.Relationships, wantRels) {
			t.Errorf("relationships %v, want %v", ci.Relationships, wantRels)
		}
		if len(ci.Tags) != 2 || ci.Tags["Name"] != "public" || ci.Tags["env"] != "test" {
			t.Errorf("tags %v", ci.Tags)
		}

		conf := decode(t, ci.Configuration)
		if conf["routeTableId"] != f.table || conf["vpcId"] != f.vpc || conf["ownerId"] != motoAccount {
			t.Errorf("configuration ids: %s", ci.Configuration)
		}
		if got, _ := json.Marshal(conf["tags"]); string(got) != `[{"key":"Name","value":"public"},{"key":"env","value":"test"}]` {
			t.Errorf("configuration tags = %s", got)
		}
		if got, _ := json.Marshal(conf["propagatingVgws"]); string(got) != `[]` {
			t.Errorf("propagatingVgws = %s", got)
		}
		routes, order := routesByDestination(t, conf)
		// Sorted by encoding: "0.0.0.0/0" before "10.20.0.0/16".
		if !slices.Equal(order, []string{"0.0.0.0/0", "10.20.0.0/16"}) {
			t.Fatalf("route destinations %v: %s", order, ci.Configuration)
		}
		for dest, want := range map[string]map[string]any{
			"10.20.0.0/16": {"gatewayId": "local", "state": "active", "origin": "CreateRouteTable"},
			"0.0.0.0/0":    {"gatewayId": f.igw, "state": "active", "origin": "CreateRoute", "natGatewayId": nil},
		} {
			for k, v := range want {
				if routes[dest][k] != v {
					t.Errorf("route %s: %s = %v, want %v", dest, k, routes[dest][k], v)
				}
			}
		}
		assocs, _ := conf["associations"].([]any)
		if len(assocs) != 1 {
			t.Fatalf("associations %v", conf["associations"])
		}
		a := assocs[0].(map[string]any)
		if a["routeTableAssociationId"] != f.assoc || a["routeTableId"] != f.table || a["subnetId"] != f.subnet || a["main"] != false {
			t.Errorf("association %v", a)
		}
		// Every key of AWS Config's route table item (lowerCamel).
		for _, k := range []string{"routeTableId", "vpcId", "routes", "associations", "tags", "propagatingVgws"} {
			if _, ok := conf[k]; !ok {
				t.Errorf("configuration lacks %s", k)
			}
		}

		// The VPC's main route table: associated as main, in the VPC.
		var main *configd.ConfigurationItem
		for _, id := range need[[]string](t)(sink.KnownIDs(ctx, motoScope, routeTableType)) {
			c := sink.latest(routeTableType, id)
			if id != f.table && hasRel(c, "Is contained in Vpc", "AWS::EC2::VPC", f.vpc) {
				main = c
			}
		}
		if main == nil {
			t.Fatalf("no main route table recorded for %s", f.vpc)
		}
		mconf := decode(t, main.Configuration)
		massocs, _ := mconf["associations"].([]any)
		if len(massocs) != 1 || massocs[0].(map[string]any)["main"] != true {
			t.Errorf("main route table associations %v", mconf["associations"])
		}
		if _, order := routesByDestination(t, mconf); !slices.Equal(order, []string{"10.20.0.0/16"}) {
			t.Errorf("main route table routes %v", order)
		}
	})

	t.Run("OKUnchanged", func(t *testing.T) {
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, routeTableType); r.Changed != 0 || r.Deleted != 0 {
			t.Errorf("unchanged tables: report %+v", r)
		}
		if h := sink.history(routeTableType, f.table); len(h) != 1 {
			t.Errorf("history after an unchanged poll: %d versions", len(h))
		}
	})

	t.Run("OKChanged", func(t *testing.T) {
		// Send 0.0.0.0/0 to a network interface instead of the gateway.
		eni := *need[*ec2.CreateNetworkInterfaceOutput](t)(e.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &f.subnet})).NetworkInterface.NetworkInterfaceId
		need[*ec2.ReplaceRouteOutput](t)(e.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: &f.table, DestinationCidrBlock: aws.String("0.0.0.0/0"),
			NetworkInterfaceId: &eni}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, routeTableType); r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("one changed table: report %+v", r)
		}
		h := sink.history(routeTableType, f.table)
		if len(h) != 2 || h[1].Status != configd.CIStatusOK || !h[1].CaptureTime.Equal(clock.t) {
			t.Fatalf("history: %d versions", len(h))
		}
		routes, _ := routesByDestination(t, decode(t, h[1].Configuration))
		if r := routes["0.0.0.0/0"]; r["networkInterfaceId"] != eni || r["gatewayId"] == f.igw {
			t.Errorf("replaced route %v", r)
		}
		d := Diff(h[0], h[1])
		changedRoutes := false
		for k := range d.ChangedProperties {
			if strings.HasPrefix(k, "Configuration.Routes.") {
				changedRoutes = true
			} else {
				t.Errorf("unexpected changed property %s", k)
			}
		}
		if d.ChangeType != ChangeUpdate || !changedRoutes {
			t.Errorf("diff = %s", canonical(d))
		}
		// The change is recorded once.
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, routeTableType); r.Changed != 0 || r.Deleted != 0 {
			t.Errorf("repeated poll: report %+v", r)
		}
	})

	t.Run("OKDeleted", func(t *testing.T) {
		need[*ec2.DisassociateRouteTableOutput](t)(e.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: &f.assoc}))
		need[*ec2.DeleteRouteTableOutput](t)(e.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: &f.table}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, routeTableType); r.Deleted != 1 || r.Changed != 0 {
			t.Errorf("deleted table: report %+v", r)
		}
		h := sink.history(routeTableType, f.table)
		if len(h) != 3 || h[2].Status != configd.CIStatusResourceDeleted || h[2].ARN != h[1].ARN {
			t.Fatalf("history: %d versions, last %+v", len(h), h[len(h)-1])
		}
		if d := Diff(h[1], h[2]); d.ChangeType != ChangeDelete {
			t.Errorf("diff %s", canonical(d))
		}
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, routeTableType); r.Deleted != 0 || r.Changed != 0 {
			t.Errorf("repeated poll after deletion: report %+v", r)
		}
	})
}

// TestRouteTableItemOrder: the same table listed in another order records
// the same configuration, so an unchanged table gives no new version.
func TestRouteTableItemOrder(t *testing.T) {
	route := func(dest, gw string, origin ec2types.RouteOrigin) ec2types.Route {
		return ec2types.Route{DestinationCidrBlock: aws.String(dest), GatewayId: aws.String(gw), Origin: origin, State: ec2types.RouteStateActive}
	}
	assoc := func(id, subnet string) ec2types.RouteTableAssociation {
		return ec2types.RouteTableAssociation{RouteTableAssociationId: aws.String(id), RouteTableId: aws.String("rtb-1"), SubnetId: aws.String(subnet)}
	}
	tag := func(k, v string) ec2types.Tag { return ec2types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	a := ec2types.RouteTable{RouteTableId: aws.String("rtb-1"), VpcId: aws.String("vpc-1"),
		Routes:       []ec2types.Route{route("172.31.0.0/16", "local", ec2types.RouteOriginCreateRouteTable), route("0.0.0.0/0", "igw-1", ec2types.RouteOriginCreateRoute)},
		Associations: []ec2types.RouteTableAssociation{assoc("rtbassoc-1", "subnet-1"), assoc("rtbassoc-2", "subnet-2")},
		Tags:         []ec2types.Tag{tag("b", "2"), tag("a", "1")}}
	b := a
	b.Routes = []ec2types.Route{a.Routes[1], a.Routes[0]}
	b.Associations = []ec2types.RouteTableAssociation{a.Associations[1], a.Associations[0]}
	b.Tags = []ec2types.Tag{a.Tags[1], a.Tags[0]}
	x, y := routeTables{}.item(motoScope, &a), routeTables{}.item(motoScope, &b)
	if x.Configuration != y.Configuration {
		t.Errorf("configuration depends on the API's order:\n%s\n%s", x.Configuration, y.Configuration)
	}
	if x.ARN != "arn:aws:ec2:us-east-1:123456789012:route-table/rtb-1" || x.AvailabilityZone != azNotApplicable || x.ResourceID != "rtb-1" {
		t.Errorf("item %+v", x)
	}
	if _, order := routesByDestination(t, decode(t, x.Configuration)); !slices.Equal(order, []string{"0.0.0.0/0", "172.31.0.0/16"}) {
		t.Errorf("routes in order %v", order)
	}
}
