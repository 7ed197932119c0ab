package managedrule

import (
	"context"
	"fmt"
	"strings"

	"github.com/configd/configd"
)

// Rules that judge a resource by other recorded resources, looked up
// through Input.Inventory (the latest items of the rule's account and
// region). The item formats they read are the recorder's
// (docs/ci-formats.md):
//
//	AWS::CloudTrail::Trail  DescribeTrails element: {"name","s3BucketName",...}
//	AWS::S3::Bucket         resource id and name the bucket name; supplementary
//	                        BucketLoggingConfiguration, PublicAccessBlockConfiguration,
//	                        BucketPolicy, AccessControlList (see rules_s3.go)
//	AWS::RDS::DBInstance    DescribeDBInstances element: {"dBSubnetGroup":{"dBSubnetGroupName","vpcId",
//	                        "subnets":[{"subnetIdentifier","subnetAvailabilityZone":{"name"},"subnetStatus"}]}}
//	AWS::EC2::RouteTable    DescribeRouteTables element: {"routeTableId","vpcId",
//	                        "routes":[{"destinationCidrBlock","destinationIpv6CidrBlock","gatewayId","state"}],
//	                        "associations":[{"routeTableId","subnetId","main","associationState":{"state"}}]}
//
// None of the three rules has parameters (catalog.json lists none; their
// AWS pages say "Parameters: None"). The check functions receive no
// context, so the look-ups use context.Background(), as
// checkLambdaMultiAZ does; the evaluator's inventory reads inside its own
// transaction.
//
// What configd cannot see is NOT_APPLICABLE, never guessed: a rule is
// NON_COMPLIANT only on a recorded item that shows the fault, and
// COMPLIANT only when every item it needs is recorded and clean. The
// annotation then names what was not recorded.

func init() {
	register(
		&resourceRule{id: "CLOUDTRAIL_S3_BUCKET_ACCESS_LOGGING", types: []string{cloudTrailTrail}, check: checkTrailBucketAccessLogging},
		&resourceRule{id: "CLOUDTRAIL_S3_BUCKET_PUBLIC_ACCESS_PROHIBITED", types: []string{cloudTrailTrail}, check: checkTrailBucketPublicAccess},
		&resourceRule{id: "RDS_INSTANCE_SUBNET_IGW_CHECK", types: []string{rdsDBInstance}, check: checkRDSInstanceSubnetIGW},
	)
}

// trailBucketItem decodes the trail ci and looks up the recorded item of
// the S3 bucket it delivers its logs to. When the bucket cannot be
// evaluated it returns a nil item and the NOT_APPLICABLE verdict that says
// why: the trail names no bucket, or the bucket is not recorded (or
// recorded as deleted) in the rule's account and region.
func trailBucketItem(ci *configd.ConfigurationItem, in *Input) (*configd.ConfigurationItem, string, verdict, error) {
	var t trail
	if err := decodeConfiguration(ci, &t); err != nil {
		return nil, "", verdict{}, err
	}
	name := strings.TrimSpace(t.S3BucketName)
	if name == "" {
		return nil, "", notApplicable("The trail names no S3 bucket."), nil
	}
	if in.Inventory == nil {
		return nil, name, verdict{}, fmt.Errorf("no inventory to look up the trail's S3 bucket %s", name)
	}
	items, err := in.Inventory.ListItems(context.Background(), s3Bucket)
	if err != nil {
		return nil, name, verdict{}, fmt.Errorf("list %s: %w", s3Bucket, err)
	}
	var gone bool
	for _, b := range items {
		if b == nil || (b.ResourceID != name && b.ResourceName != name) {
			continue
		}
		if deleted(b) {
			gone = true
			continue
		}
		return b, name, verdict{}, nil
	}
	if gone {
		return nil, name, notApplicable("The trail's S3 bucket " + name + " is recorded as deleted in this account and region; its configuration cannot be evaluated."), nil
	}
	return nil, name, notApplicable("The trail's S3 bucket " + name + " is not recorded in this account and region; its configuration cannot be evaluated."), nil
}

// checkTrailBucketAccessLogging: a trail is NON_COMPLIANT when the S3
// bucket it delivers its logs to does not have server access logging
// enabled (its BucketLoggingConfiguration names no destination bucket).
// https://docs.aws.amazon.com/config/latest/developerguide/cloudtrail-s3-bucket-access-logging.html
//
// The bucket's logging is judged by checkS3Logging, the check of
// S3_BUCKET_LOGGING_ENABLED, without its targetBucket and targetPrefix
// parameters: any destination bucket and prefix will do.
//
// Decisions the page leaves open:
//   - The page speaks of "at least one S3 bucket for a CloudTrail trail"
//     but evaluates AWS::CloudTrail::Trail resources: each trail gets its
//     own result, judged on its own bucket (s3BucketName).
//   - A bucket that is not recorded in the rule's account and region (a
//     central logging bucket of another account, a bucket of another
//     region, S3 buckets outside the recording group) or that is recorded
//     as deleted is NOT_APPLICABLE with an annotation naming the bucket:
//     configd cannot read its logging configuration, and neither flags nor
//     passes it. The bucket's own account and region judge it with
//     S3_BUCKET_LOGGING_ENABLED.
//   - A trail without s3BucketName (CloudTrail requires one) is
//     NOT_APPLICABLE.
//   - The bucket is matched by name against the bucket items' resource id
//     and resource name (both the bucket name), exactly.
//   - Without an Inventory (only possible outside the evaluator) the
//     look-up is an error.
func checkTrailBucketAccessLogging(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	b, name, v, err := trailBucketItem(ci, in)
	if err != nil || b == nil {
		return v, err
	}
	v, err = checkS3Logging(b, &Input{Params: map[string]string{}})
	if err != nil {
		return verdict{}, fmt.Errorf("bucket %s: %w", name, err)
	}
	if v.compliance == NonCompliant {
		return nonCompliant("The trail's S3 bucket " + name + ": " + v.annotation), nil
	}
	return compliant(), nil
}

// Public read and public write checks of the trail's bucket: the checks of
// S3_BUCKET_PUBLIC_READ_PROHIBITED and S3_BUCKET_PUBLIC_WRITE_PROHIBITED.
var (
	trailBucketPublicRead  = checkS3Public(false)
	trailBucketPublicWrite = checkS3Public(true)
)

// checkTrailBucketPublicAccess: a trail is NON_COMPLIANT when the S3
// bucket it delivers its logs to is publicly accessible.
// https://docs.aws.amazon.com/config/latest/developerguide/cloudtrail-s3-bucket-public-access-prohibited.html
//
// "Publicly accessible" is what S3_BUCKET_PUBLIC_READ_PROHIBITED and
// S3_BUCKET_PUBLIC_WRITE_PROHIBITED find (checkS3Public, run on the
// bucket's item): a bucket policy or ACL that grants public read or write
// access, unless the bucket's Block Public Access settings neutralize it
// (blockPublicPolicy/restrictPublicBuckets for the policy,
// blockPublicAcls/ignorePublicAcls for the ACL).
//
// Decisions the page leaves open:
//   - Block Public Access settings that are off do not make a bucket
//     public by themselves: a bucket whose policy and ACL grant nothing
//     public is COMPLIANT. (S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED is the
//     rule that requires the settings.) The account-level Block Public
//     Access settings are not recorded and not read, as in the S3 rules.
//   - A bucket that is not recorded in the rule's account and region, or
//     recorded as deleted, is NOT_APPLICABLE with an annotation naming the
//     bucket; a trail without s3BucketName is NOT_APPLICABLE; matching and
//     a missing Inventory are as in checkTrailBucketAccessLogging.
func checkTrailBucketPublicAccess(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	b, name, v, err := trailBucketItem(ci, in)
	if err != nil || b == nil {
		return v, err
	}
	for _, check := range []func(*configd.ConfigurationItem, *Input) (verdict, error){trailBucketPublicRead, trailBucketPublicWrite} {
		v, err := check(b, &Input{Params: map[string]string{}})
		if err != nil {
			return verdict{}, fmt.Errorf("bucket %s: %w", name, err)
		}
		if v.compliance == NonCompliant {
			return nonCompliant("The trail's S3 bucket " + name + " is publicly accessible: " + v.annotation), nil
		}
	}
	return compliant(), nil
}

// rdsSubnetGroup is the DB subnet group of a DescribeDBInstances element.
type rdsSubnetGroup struct {
	DBSubnetGroup *struct {
		VpcID   flexString `json:"vpcId"`
		Subnets []struct {
			SubnetIdentifier flexString `json:"subnetIdentifier"`
		} `json:"subnets"`
	} `json:"dBSubnetGroup"`
}

// igwRoute is a route of a route table with its state.
type igwRoute struct {
	route
	State flexString `json:"state"`
}

// subnetRouteTable is the part of a route table item that tells which
// subnets it serves and whether it routes to an internet gateway.
type subnetRouteTable struct {
	RouteTableID flexString `json:"routeTableId"`
	VpcID        flexString `json:"vpcId"`
	Routes       []igwRoute `json:"routes"`
	Associations []struct {
		SubnetID         flexString `json:"subnetId"`
		Main             flexBool   `json:"main"`
		AssociationState *struct {
			State flexString `json:"state"`
		} `json:"associationState"`
	} `json:"associations"`
}

// internetGateway returns the internet gateway the table routes traffic
// to, or "". Blackhole routes do not count.
func (t *subnetRouteTable) internetGateway() string {
	for i := range t.Routes {
		r := &t.Routes[i]
		if r.toInternetGateway() && !strings.EqualFold(strings.TrimSpace(string(r.State)), "blackhole") {
			return strings.TrimSpace(r.GatewayID)
		}
	}
	return ""
}

// rdsSubnetTables maps the subnets of a DB instance to their route tables.
type rdsSubnetTables struct {
	explicit map[string][]*subnetRouteTable // by subnet id
	main     []*subnetRouteTable            // main tables of the instance's VPC
}

// readRouteTables reads the recorded route tables that serve the subnets
// or are main tables of vpc.
func readRouteTables(in *Input, subnets []string, vpc string) (*rdsSubnetTables, error) {
	if in.Inventory == nil {
		return nil, fmt.Errorf("no inventory to look up the route tables of the instance's subnets")
	}
	items, err := in.Inventory.ListItems(context.Background(), ec2RouteTable)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", ec2RouteTable, err)
	}
	out := &rdsSubnetTables{explicit: map[string][]*subnetRouteTable{}}
	for _, rt := range items {
		if rt == nil || deleted(rt) {
			continue
		}
		var t subnetRouteTable
		if err := decodeConfiguration(rt, &t); err != nil {
			return nil, fmt.Errorf("route table %s: %w", rt.ResourceID, err)
		}
		if strings.TrimSpace(string(t.RouteTableID)) == "" {
			t.RouteTableID = flexString(rt.ResourceID)
		}
		isMain := false
		for _, a := range t.Associations {
			if a.AssociationState != nil {
				switch strings.ToLower(strings.TrimSpace(string(a.AssociationState.State))) {
				case "disassociating", "disassociated", "failed":
					continue
				}
			}
			if bool(a.Main) {
				isMain = true
			}
			if s := strings.TrimSpace(string(a.SubnetID)); s != "" && contains(subnets, s) {
				out.explicit[s] = append(out.explicit[s], &t)
			}
		}
		if isMain && vpc != "" && strings.TrimSpace(string(t.VpcID)) == vpc {
			out.main = append(out.main, &t)
		}
	}
	return out, nil
}

// checkRDSInstanceSubnetIGW: a DB instance is NON_COMPLIANT when one of the
// subnets of its DB subnet group is public, that is its route table has a
// route to an internet gateway. A subnet's route table is the recorded
// AWS::EC2::RouteTable explicitly associated with it, else the main route
// table of the VPC (the subnet group's vpcId).
// https://docs.aws.amazon.com/config/latest/developerguide/rds-instance-subnet-igw-check.html
//
// Decisions the page leaves open:
//   - Every subnet of the DB subnet group counts, not only the one the
//     instance runs in now: RDS may place the instance (a Multi-AZ
//     standby, a failover, a restore) in any of them, and the item does not
//     say which subnet the instance uses.
//   - A route to an internet gateway is a route whose gatewayId is
//     "igw-…", whatever its destination (not only 0.0.0.0/0 or ::/0: any
//     such route makes the subnet public). Egress-only internet gateways,
//     NAT gateways and other targets do not count, nor do blackhole routes
//     (their gateway was detached or deleted; traffic is dropped).
//   - Associations whose associationState is disassociating, disassociated
//     or failed are ignored.
//   - An instance without a DB subnet group or whose group lists no
//     subnets (not in a VPC) is NOT_APPLICABLE.
//   - A subnet whose route table is not recorded (no recorded table is
//     explicitly associated with it and the VPC's main table is not
//     recorded, or the group has no vpcId) is unresolved: the instance is
//     NON_COMPLIANT if a resolved subnet is public, else NOT_APPLICABLE
//     with an annotation naming the unresolved subnets; it is COMPLIANT
//     only when every subnet's table is recorded and none routes to an
//     internet gateway.
//   - Without an Inventory (only possible outside the evaluator) the
//     look-up is an error.
func checkRDSInstanceSubnetIGW(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	var db rdsSubnetGroup
	if err := decodeConfiguration(ci, &db); err != nil {
		return verdict{}, err
	}
	var subnets []string
	vpc := ""
	if g := db.DBSubnetGroup; g != nil {
		vpc = strings.TrimSpace(string(g.VpcID))
		for _, s := range g.Subnets {
			if id := strings.TrimSpace(string(s.SubnetIdentifier)); id != "" && !contains(subnets, id) {
				subnets = append(subnets, id)
			}
		}
	}
	if len(subnets) == 0 {
		return notApplicable("The DB instance has no DB subnet group subnets (it is not in a VPC)."), nil
	}
	tables, err := readRouteTables(in, subnets, vpc)
	if err != nil {
		return verdict{}, err
	}
	var public, unresolved []string
	for _, s := range subnets {
		cands, how := tables.explicit[s], "route table"
		if len(cands) == 0 {
			cands, how = tables.main, "main route table"
		}
		if len(cands) == 0 {
			unresolved = append(unresolved, s)
			continue
		}
		for _, t := range cands {
			if igw := t.internetGateway(); igw != "" {
				public = append(public, fmt.Sprintf("%s (%s %s -> %s)", s, how, string(t.RouteTableID), igw))
				break
			}
		}
	}
	if len(public) > 0 {
		return nonCompliant("The DB instance's subnets route to an internet gateway: " + strings.Join(public, ", ") + "."), nil
	}
	if len(unresolved) > 0 {
		return notApplicable("The route tables of the DB instance's subnets " + strings.Join(unresolved, ", ") + " are not recorded."), nil
	}
	return compliant(), nil
}
