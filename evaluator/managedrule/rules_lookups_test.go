package managedrule

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// lookupTrail is a trail item as the recorder writes it (the DescribeTrails
// element), delivering to bucketName ("" for a trail item without one).
func lookupTrail(name, bucketName string) *configdItem {
	b := "null"
	if bucketName != "" {
		b = `"` + bucketName + `"`
	}
	return item(cloudTrailTrail, name, `{"name":"`+name+`","s3BucketName":`+b+`,"s3KeyPrefix":null,"includeGlobalServiceEvents":true,`+
		`"isMultiRegionTrail":true,"homeRegion":"us-east-1","trailARN":"arn:aws:cloudtrail:us-east-1:123456789012:trail/`+name+`",`+
		`"logFileValidationEnabled":true,"hasCustomEventSelectors":false,"hasInsightSelectors":false,"isOrganizationTrail":false}`, map[string]string{})
}

// Supplementary BucketLoggingConfiguration values, as the recorder writes
// them.
const (
	bucketLoggingOn  = `{"destinationBucketName":"access-logs","logFilePrefix":"trail/"}`
	bucketLoggingOff = `{"destinationBucketName":null,"logFilePrefix":null}`
)

// publicGetPolicy allows anyone to read the bucket's objects.
const publicGetPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`

// trailBucketInventory holds the buckets the trails of the CloudTrail
// tests deliver to.
func trailBucketInventory() *memInventory {
	return &memInventory{items: []*configdItem{
		bucket("logged", map[string]string{"BucketLoggingConfiguration": bucketLoggingOn, "AccessControlList": jsonString(privateACL)}),
		bucket("unlogged", map[string]string{"BucketLoggingConfiguration": bucketLoggingOff, "AccessControlList": jsonString(privateACL)}),
		bucket("no-logging-key", map[string]string{"AccessControlList": jsonString(privateACL)}),
		deletedItem(bucket("gone", nil)),
		bucket("public-read-acl", map[string]string{"BucketLoggingConfiguration": bucketLoggingOn, "AccessControlList": jsonString(publicReadACL)}),
		bucket("public-write-acl", map[string]string{"BucketLoggingConfiguration": bucketLoggingOn, "AccessControlList": jsonString(publicWriteACL)}),
		bucket("public-acl-blocked", map[string]string{"AccessControlList": jsonString(publicReadACL),
			"PublicAccessBlockConfiguration": `{"blockPublicAcls":false,"ignorePublicAcls":true,"blockPublicPolicy":false,"restrictPublicBuckets":false}`}),
		bucket("public-policy", map[string]string{"BucketPolicy": bucketPolicyText(publicGetPolicy), "AccessControlList": jsonString(privateACL),
			"PublicAccessBlockConfiguration": `{"blockPublicAcls":true,"ignorePublicAcls":true,"blockPublicPolicy":false,"restrictPublicBuckets":false}`}),
		bucket("public-policy-blocked", map[string]string{"BucketPolicy": bucketPolicyText(publicGetPolicy), "AccessControlList": jsonString(privateACL),
			"PublicAccessBlockConfiguration": `{"blockPublicAcls":false,"ignorePublicAcls":false,"blockPublicPolicy":true,"restrictPublicBuckets":false}`}),
		bucket("all-blocked", map[string]string{"BucketPolicy": bucketPolicyText(publicGetPolicy), "AccessControlList": jsonString(publicReadACL),
			"PublicAccessBlockConfiguration": allBlocked}),
		// A trail item among them: only AWS::S3::Bucket items are
		// looked up (it is also the "unrecorded" trail of the periodic test).
		lookupTrail("unrecorded", "logged"),
	}}
}

func TestLookupRulesHaveNoParameters(t *testing.T) {
	for _, id := range []string{"CLOUDTRAIL_S3_BUCKET_ACCESS_LOGGING", "CLOUDTRAIL_S3_BUCKET_PUBLIC_ACCESS_PROHIBITED", "RDS_INSTANCE_SUBNET_IGW_CHECK"} {
		spec, ok := Lookup(id)
		if !ok || len(spec.Parameters) != 0 {
			t.Errorf("%s: catalogue entry %+v, want one without parameters (the AWS page lists none)", id, spec)
		}
		if _, err := Parameters(id, `{"targetBucket":"x"}`); err == nil {
			t.Errorf("%s: an unknown parameter is accepted", id)
		}
	}
}

func TestCloudTrailS3BucketAccessLogging(t *testing.T) {
	runInventoryCases(t, "CLOUDTRAIL_S3_BUCKET_ACCESS_LOGGING", trailBucketInventory(), []ruleCase{
		{name: "Compliant", ci: lookupTrail("main", "logged"), want: Compliant},
		{name: "CompliantWhateverItsPublicAccess", ci: lookupTrail("main", "public-read-acl"), want: Compliant},
		{name: "NonCompliantLoggingOff", ci: lookupTrail("main", "unlogged"), want: NonCompliant,
			annotation: "The trail's S3 bucket unlogged: Server access logging is not enabled."},
		{name: "NonCompliantNoLoggingConfiguration", ci: lookupTrail("main", "no-logging-key"), want: NonCompliant, annotation: "no-logging-key"},
		{name: "NotApplicableBucketNotRecorded", ci: lookupTrail("main", "other-account-logs"), want: NotApplicable,
			annotation: "other-account-logs is not recorded in this account and region"},
		{name: "NotApplicableBucketDeleted", ci: lookupTrail("main", "gone"), want: NotApplicable, annotation: "gone is recorded as deleted"},
		{name: "NotApplicableNoBucket", ci: lookupTrail("main", ""), want: NotApplicable, annotation: "names no S3 bucket"},
		{name: "NotApplicableTrailDeleted", ci: deletedItem(lookupTrail("main", "unlogged")), want: NotApplicable},
	})
	// Without S3 buckets in the inventory every bucket is unrecorded.
	runInventoryCases(t, "CLOUDTRAIL_S3_BUCKET_ACCESS_LOGGING", &memInventory{}, []ruleCase{
		{name: "EmptyInventory", ci: lookupTrail("main", "logged"), want: NotApplicable},
	})
}

func TestCloudTrailS3BucketPublicAccessProhibited(t *testing.T) {
	runInventoryCases(t, "CLOUDTRAIL_S3_BUCKET_PUBLIC_ACCESS_PROHIBITED", trailBucketInventory(), []ruleCase{
		{name: "CompliantPrivate", ci: lookupTrail("main", "logged"), want: Compliant},
		{name: "CompliantWhateverItsLogging", ci: lookupTrail("main", "unlogged"), want: Compliant},
		{name: "CompliantBlockPublicAccessOffButPrivate", ci: lookupTrail("main", "no-logging-key"), want: Compliant},
		{name: "CompliantPublicACLIgnored", ci: lookupTrail("main", "public-acl-blocked"), want: Compliant},
		{name: "CompliantPublicPolicyBlocked", ci: lookupTrail("main", "public-policy-blocked"), want: Compliant},
		{name: "CompliantAllBlocked", ci: lookupTrail("main", "all-blocked"), want: Compliant},
		{name: "NonCompliantPublicReadACL", ci: lookupTrail("main", "public-read-acl"), want: NonCompliant,
			annotation: "public-read-acl is publicly accessible: The bucket ACL allows public read access."},
		{name: "NonCompliantPublicWriteACL", ci: lookupTrail("main", "public-write-acl"), want: NonCompliant,
			annotation: "The bucket ACL allows public write access."},
		{name: "NonCompliantPublicPolicy", ci: lookupTrail("main", "public-policy"), want: NonCompliant,
			annotation: "The bucket policy allows public read access."},
		{name: "NotApplicableBucketNotRecorded", ci: lookupTrail("main", "other-account-logs"), want: NotApplicable, annotation: "other-account-logs is not recorded"},
		{name: "NotApplicableBucketDeleted", ci: lookupTrail("main", "gone"), want: NotApplicable, annotation: "recorded as deleted"},
		{name: "NotApplicableNoBucket", ci: lookupTrail("main", ""), want: NotApplicable},
		{name: "NotApplicableTrailDeleted", ci: deletedItem(lookupTrail("main", "public-read-acl")), want: NotApplicable},
	})
}

// A public bucket recorded as deleted and a live one of the same name (the
// bucket was recreated): the live item is the one judged.
func TestTrailBucketPrefersLiveItem(t *testing.T) {
	inv := &memInventory{items: []*configdItem{
		deletedItem(bucket("reborn", nil)),
		bucket("reborn", map[string]string{"BucketLoggingConfiguration": bucketLoggingOn, "AccessControlList": jsonString(publicReadACL)}),
	}}
	runInventoryCases(t, "CLOUDTRAIL_S3_BUCKET_ACCESS_LOGGING", inv, []ruleCase{
		{name: "Logging", ci: lookupTrail("main", "reborn"), want: Compliant},
	})
	runInventoryCases(t, "CLOUDTRAIL_S3_BUCKET_PUBLIC_ACCESS_PROHIBITED", inv, []ruleCase{
		{name: "Public", ci: lookupTrail("main", "reborn"), want: NonCompliant},
	})
}

func TestCloudTrailBucketRulesErrors(t *testing.T) {
	boom := errors.New("boom")
	for _, id := range []string{"CLOUDTRAIL_S3_BUCKET_ACCESS_LOGGING", "CLOUDTRAIL_S3_BUCKET_PUBLIC_ACCESS_PROHIBITED"} {
		t.Run(id, func(t *testing.T) {
			eval := func(ci *configdItem, inv Inventory) error {
				_, err := Evaluate(context.Background(), id, Input{CI: ci, Params: map[string]string{}, Inventory: inv})
				return err
			}
			if err := eval(lookupTrail("main", "logged"), nil); err == nil {
				t.Error("no inventory: want an error")
			}
			if err := eval(lookupTrail("main", "logged"), &memInventory{err: boom}); !errors.Is(err, boom) {
				t.Errorf("inventory error: got %v", err)
			}
			bad := &memInventory{items: []*configdItem{bucket("bad", map[string]string{
				"BucketLoggingConfiguration": `{"destinationBucketName":`, "AccessControlList": `{"grantList":`,
			})}}
			if err := eval(lookupTrail("main", "bad"), bad); err == nil || !strings.Contains(err.Error(), "bad") {
				t.Errorf("malformed bucket item: got %v, want an error naming the bucket", err)
			}
			if err := eval(item(cloudTrailTrail, "main", `{"s3BucketName":`, nil), trailBucketInventory()); err == nil {
				t.Error("malformed trail: want an error")
			}
		})
	}
}

// dbInSubnets is a DB instance item whose DB subnet group, in vpc, lists
// the subnets.
func dbInSubnets(vpc string, subnets ...string) *configdItem {
	var els []string
	for i, s := range subnets {
		zone := string(rune('a' + i%3))
		els = append(els, `{"subnetIdentifier":"`+s+`","subnetAvailabilityZone":{"name":"us-east-1`+zone+`"},"subnetOutpost":{"arn":null},"subnetStatus":"Active"}`)
	}
	v := "null"
	if vpc != "" {
		v = `"` + vpc + `"`
	}
	return item(rdsDBInstance, "db-SUBNETS", `{"dBInstanceIdentifier":"orders","engine":"postgres","publiclyAccessible":false,`+
		`"dBSubnetGroup":{"dBSubnetGroupName":"orders-subnets","dBSubnetGroupDescription":"orders","subnetGroupStatus":"Complete",`+
		`"vpcId":`+v+`,"subnets":[`+strings.Join(els, ",")+`],"supportedNetworkTypes":["IPV4"]}}`, nil)
}

// Routes of the route table tests.
const (
	rtLocal           = `{"destinationCidrBlock":"10.0.0.0/16","destinationIpv6CidrBlock":null,"gatewayId":"local","natGatewayId":null,"origin":"CreateRouteTable","state":"active"}`
	rtIGW4            = `{"destinationCidrBlock":"0.0.0.0/0","destinationIpv6CidrBlock":null,"gatewayId":"igw-1","natGatewayId":null,"origin":"CreateRoute","state":"active"}`
	rtIGWNarrow       = `{"destinationCidrBlock":"203.0.113.0/24","destinationIpv6CidrBlock":null,"gatewayId":"igw-1","natGatewayId":null,"origin":"CreateRoute","state":"active"}`
	rtIGW6            = `{"destinationCidrBlock":null,"destinationIpv6CidrBlock":"::/0","gatewayId":"igw-1","natGatewayId":null,"origin":"CreateRoute","state":"active"}`
	rtIGWBlackhole    = `{"destinationCidrBlock":"0.0.0.0/0","destinationIpv6CidrBlock":null,"gatewayId":"igw-old","natGatewayId":null,"origin":"CreateRoute","state":"blackhole"}`
	rtNAT             = `{"destinationCidrBlock":"0.0.0.0/0","destinationIpv6CidrBlock":null,"gatewayId":null,"natGatewayId":"nat-1","origin":"CreateRoute","state":"active"}`
	rtEIGW6           = `{"destinationCidrBlock":null,"destinationIpv6CidrBlock":"::/0","gatewayId":null,"egressOnlyInternetGatewayId":"eigw-1","natGatewayId":null,"origin":"CreateRoute","state":"active"}`
	rtMainAssociation = `{"main":true,"routeTableAssociationId":"rtbassoc-main","subnetId":null,"gatewayId":null,"associationState":{"state":"associated","statusMessage":null}}`
)

// subnetAssociation is an explicit association of a subnet in the given state.
func subnetAssociation(subnet, state string) string {
	return `{"main":false,"routeTableAssociationId":"rtbassoc-` + subnet + `","subnetId":"` + subnet + `","gatewayId":null,` +
		`"associationState":{"state":"` + state + `","statusMessage":null}}`
}

// vpcRouteTable is a route table item of vpc with the associations and
// routes (the local route first).
func vpcRouteTable(id, vpc string, associations []string, routes ...string) *configdItem {
	return item(ec2RouteTable, id, `{"routeTableId":"`+id+`","vpcId":"`+vpc+`","ownerId":"123456789012",`+
		`"routes":[`+strings.Join(append([]string{rtLocal}, routes...), ",")+`],`+
		`"associations":[`+strings.Join(associations, ",")+`],"propagatingVgws":[],"tags":[]}`, nil)
}

func subnetIGWInventory() *memInventory {
	gone := vpcRouteTable("rtb-gone", "vpc-2", []string{subnetAssociation("subnet-2gone", "associated")}, rtIGW4)
	gone.Status = configdDeleted
	return &memInventory{items: []*configdItem{
		// vpc-1: its main table is public.
		vpcRouteTable("rtb-main1", "vpc-1", []string{rtMainAssociation}, rtIGW4),
		vpcRouteTable("rtb-priv", "vpc-1", []string{subnetAssociation("subnet-priv-a", "associated"), subnetAssociation("subnet-priv-b", "associated")}, rtNAT),
		vpcRouteTable("rtb-pub", "vpc-1", []string{subnetAssociation("subnet-pub", "associated")}, rtIGW4),
		vpcRouteTable("rtb-narrow", "vpc-1", []string{subnetAssociation("subnet-narrow", "associated")}, rtIGWNarrow),
		vpcRouteTable("rtb-v6", "vpc-1", []string{subnetAssociation("subnet-v6", "associated")}, rtIGW6),
		vpcRouteTable("rtb-eigw", "vpc-1", []string{subnetAssociation("subnet-eigw", "associated")}, rtNAT, rtEIGW6),
		vpcRouteTable("rtb-blackhole", "vpc-1", []string{subnetAssociation("subnet-bh", "associated")}, rtIGWBlackhole),
		// A private table the subnet has left: the subnet uses the main table.
		vpcRouteTable("rtb-left", "vpc-1", []string{subnetAssociation("subnet-dis", "disassociated")}, rtNAT),
		// vpc-2: its main table is private.
		vpcRouteTable("rtb-main2", "vpc-2", []string{rtMainAssociation}, rtNAT),
		// A deleted public table whose item keeps its last configuration.
		gone,
		// vpc-3: its main table is not recorded.
		vpcRouteTable("rtb-3pub", "vpc-3", []string{subnetAssociation("subnet-3pub", "associated")}, rtIGW4),
		vpcRouteTable("rtb-3priv", "vpc-3", []string{subnetAssociation("subnet-3priv", "associated")}, rtNAT),
		// Other types are not read.
		bucket("rtb-main2", nil),
	}}
}

func TestRDSInstanceSubnetIGWCheck(t *testing.T) {
	noGroup := item(rdsDBInstance, "db-CLASSIC", `{"dBInstanceIdentifier":"classic","dBSubnetGroup":null}`, nil)
	runInventoryCases(t, "RDS_INSTANCE_SUBNET_IGW_CHECK", subnetIGWInventory(), []ruleCase{
		{name: "CompliantPrivateSubnets", ci: dbInSubnets("vpc-1", "subnet-priv-a", "subnet-priv-b"), want: Compliant},
		{name: "CompliantExplicitOverridesPublicMain", ci: dbInSubnets("vpc-1", "subnet-priv-a"), want: Compliant},
		{name: "CompliantPrivateMain", ci: dbInSubnets("vpc-2", "subnet-2a", "subnet-2b"), want: Compliant},
		{name: "CompliantDeletedTableIgnored", ci: dbInSubnets("vpc-2", "subnet-2gone"), want: Compliant},
		{name: "CompliantEgressOnlyGateway", ci: dbInSubnets("vpc-1", "subnet-eigw"), want: Compliant},
		{name: "CompliantBlackholeRoute", ci: dbInSubnets("vpc-1", "subnet-bh"), want: Compliant},
		{name: "CompliantAllExplicitWithoutMain", ci: dbInSubnets("vpc-3", "subnet-3priv"), want: Compliant},
		{name: "NonCompliantExplicitPublic", ci: dbInSubnets("vpc-1", "subnet-priv-a", "subnet-pub"), want: NonCompliant,
			annotation: "subnet-pub (route table rtb-pub -> igw-1)"},
		{name: "NonCompliantPublicMain", ci: dbInSubnets("vpc-1", "subnet-priv-a", "subnet-implicit"), want: NonCompliant,
			annotation: "subnet-implicit (main route table rtb-main1 -> igw-1)"},
		{name: "NonCompliantNarrowDestination", ci: dbInSubnets("vpc-1", "subnet-narrow"), want: NonCompliant, annotation: "rtb-narrow"},
		{name: "NonCompliantIPv6Route", ci: dbInSubnets("vpc-1", "subnet-v6"), want: NonCompliant, annotation: "rtb-v6"},
		{name: "NonCompliantDisassociatedUsesMain", ci: dbInSubnets("vpc-1", "subnet-dis"), want: NonCompliant, annotation: "main route table rtb-main1"},
		{name: "NonCompliantDespiteUnresolved", ci: dbInSubnets("vpc-3", "subnet-3x", "subnet-3pub"), want: NonCompliant, annotation: "subnet-3pub"},
		{name: "NonCompliantListsEveryPublicSubnet", ci: dbInSubnets("vpc-1", "subnet-pub", "subnet-v6"), want: NonCompliant,
			annotation: "subnet-pub (route table rtb-pub -> igw-1), subnet-v6 (route table rtb-v6 -> igw-1)."},
		{name: "NotApplicableMainNotRecorded", ci: dbInSubnets("vpc-3", "subnet-3x", "subnet-3priv"), want: NotApplicable,
			annotation: "subnets subnet-3x are not recorded"},
		{name: "NotApplicableNoVPCID", ci: dbInSubnets("", "subnet-implicit"), want: NotApplicable, annotation: "subnet-implicit"},
		{name: "NotApplicableNoSubnetGroup", ci: noGroup, want: NotApplicable, annotation: "not in a VPC"},
		{name: "NotApplicableNoSubnets", ci: dbInSubnets("vpc-1"), want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(dbInSubnets("vpc-1", "subnet-pub")), want: NotApplicable},
	})
	// Without route tables recorded nothing resolves.
	runInventoryCases(t, "RDS_INSTANCE_SUBNET_IGW_CHECK", &memInventory{}, []ruleCase{
		{name: "EmptyInventory", ci: dbInSubnets("vpc-1", "subnet-pub"), want: NotApplicable},
		// An instance outside a VPC needs no look-up.
		{name: "EmptyInventoryNoSubnetGroup", ci: noGroup, want: NotApplicable},
	})
}

// The route table item of an AWS Config rule test (rules_routetable_test.go)
// is a main table with a route to an internet gateway.
func TestRDSInstanceSubnetIGWCheckAWSSample(t *testing.T) {
	inv := &memInventory{items: []*configdItem{item(ec2RouteTable, "rtb-50b9b034", `{"routeTableId":"rtb-50b9b034","vpcId":"vpc-0990dc6d",`+
		`"routes":[{"destinationCidrBlock":"172.31.0.0/16","gatewayId":"local","state":"active","origin":"CreateRouteTable"},`+
		`{"destinationCidrBlock":"0.0.0.0/0","gatewayId":"igw-a5f227c1","state":"active","origin":"CreateRoute"}],`+
		`"associations":[{"routeTableAssociationId":"rtbassoc-82f661e5","routeTableId":"rtb-50b9b034","main":true}],"tags":[],"propagatingVgws":[]}`, nil)}}
	runInventoryCases(t, "RDS_INSTANCE_SUBNET_IGW_CHECK", inv, []ruleCase{
		{name: "DefaultVPC", ci: dbInSubnets("vpc-0990dc6d", "subnet-1", "subnet-2"), want: NonCompliant, annotation: "igw-a5f227c1"},
	})
}

func TestRDSInstanceSubnetIGWCheckErrors(t *testing.T) {
	db := dbInSubnets("vpc-1", "subnet-pub")
	eval := func(ci *configdItem, inv Inventory) error {
		_, err := Evaluate(context.Background(), "RDS_INSTANCE_SUBNET_IGW_CHECK", Input{CI: ci, Params: map[string]string{}, Inventory: inv})
		return err
	}
	if err := eval(db, nil); err == nil {
		t.Error("no inventory: want an error")
	}
	boom := errors.New("boom")
	if err := eval(db, &memInventory{err: boom}); !errors.Is(err, boom) {
		t.Errorf("inventory error: got %v", err)
	}
	bad := item(ec2RouteTable, "rtb-bad", `{"routes":`, nil)
	if err := eval(db, &memInventory{items: []*configdItem{bad}}); err == nil || !strings.Contains(err.Error(), "rtb-bad") {
		t.Errorf("malformed route table: got %v, want an error naming it", err)
	}
	if err := eval(item(rdsDBInstance, "db-BAD", `{"dBSubnetGroup":`, nil), subnetIGWInventory()); err == nil {
		t.Error("malformed instance: want an error")
	}
}

// TestLookupRulesPeriodic evaluates every recorded trail and DB instance
// when no item changed.
func TestLookupRulesPeriodic(t *testing.T) {
	inv := trailBucketInventory()
	inv.items = append(inv.items, lookupTrail("a", "logged"), lookupTrail("b", "public-write-acl"))
	inv.items = append(inv.items, subnetIGWInventory().items...)
	private, public := dbInSubnets("vpc-1", "subnet-priv-a"), dbInSubnets("vpc-1", "subnet-pub")
	private.ResourceID, public.ResourceID = "db-PRIVATE", "db-PUBLIC"
	inv.items = append(inv.items, private, public)
	for _, tc := range []struct {
		id   string
		want map[string]string
	}{
		{"CLOUDTRAIL_S3_BUCKET_ACCESS_LOGGING", map[string]string{"unrecorded": Compliant, "a": Compliant, "b": Compliant}},
		{"CLOUDTRAIL_S3_BUCKET_PUBLIC_ACCESS_PROHIBITED", map[string]string{"unrecorded": Compliant, "a": Compliant, "b": NonCompliant}},
		{"RDS_INSTANCE_SUBNET_IGW_CHECK", map[string]string{"db-PRIVATE": Compliant, "db-PUBLIC": NonCompliant}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			wantVerdicts(t, tc.id, Input{Params: map[string]string{}, Inventory: inv, Now: testNow}, tc.want)
		})
	}
}
