package managedrule

import (
	"context"
	"strings"
	"testing"
)

// errorCase is an evaluation that must fail: a parameter value the AWS page
// rules out (Parameters accepts it: the catalogue only knows the type) or an
// item that cannot be read.
type errorCase struct {
	name   string
	ci     *configdItem
	params string
	// err must appear in the error.
	err string
}

func runErrorCases(t *testing.T, identifier string, cases []errorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := evaluateCase(t, identifier, tc.params, tc.ci, nil)
			if err == nil {
				t.Fatalf("got %+v, want an error", res)
			}
			if !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %q does not contain %q", err, tc.err)
			}
		})
	}
}

// hopLimitItem is an instance item whose metadataOptions has the hop limit
// hops (JSON).
func hopLimitItem(hops string) *configdItem {
	return instanceItem(`,"metadataOptions":{"state":"applied","httpTokens":"required","httpPutResponseHopLimit":` + hops +
		`,"httpEndpoint":"enabled","httpProtocolIpv6":"disabled","instanceMetadataTags":"disabled"}`)
}

func TestEC2TokenHopLimitCheck(t *testing.T) {
	runRuleCases(t, "EC2_TOKEN_HOP_LIMIT_CHECK", []ruleCase{
		{name: "CompliantDefaultLimit", ci: hopLimitItem("1"), want: Compliant},
		{name: "NonCompliantAboveDefault", ci: hopLimitItem("2"), want: NonCompliant, annotation: "hop limit is 2, above the limit of 1"},
		{name: "ParamAtLimit", ci: hopLimitItem("2"), params: `{"tokenHopLimit":"2"}`, want: Compliant},
		{name: "ParamBelowLimit", ci: hopLimitItem("1"), params: `{"tokenHopLimit":"3"}`, want: Compliant},
		{name: "ParamAboveLimit", ci: hopLimitItem("4"), params: `{"tokenHopLimit":"3"}`, want: NonCompliant, annotation: "above the limit of 3"},
		{name: "ParamMaximum", ci: hopLimitItem("64"), params: `{"tokenHopLimit":"64"}`, want: Compliant},
		{name: "CompliantStringHopLimit", ci: hopLimitItem(`"1"`), want: Compliant},
		{name: "NotApplicableNoMetadataOptions", ci: instanceItem(""), want: NotApplicable},
		{name: "NotApplicableNoHopLimit", ci: instanceItem(`,"metadataOptions":{"httpTokens":"required"}`), want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(hopLimitItem("3")), want: NotApplicable},
	})
	runErrorCases(t, "EC2_TOKEN_HOP_LIMIT_CHECK", []errorCase{
		{name: "ParamZero", ci: hopLimitItem("1"), params: `{"tokenHopLimit":"0"}`, err: "from 1 to 64"},
		{name: "ParamAbove64", ci: hopLimitItem("1"), params: `{"tokenHopLimit":"65"}`, err: "from 1 to 64"},
		{name: "HopLimitNotANumber", ci: hopLimitItem(`"two"`), err: "not an integer"},
	})
}

func TestEC2NoAmazonKeyPair(t *testing.T) {
	withState := func(state, extra string) *configdItem {
		// The later "state" member overrides instanceItem's running state.
		return instanceItem(`,"state":{"code":80,"name":"` + state + `"}` + extra)
	}
	runRuleCases(t, "EC2_NO_AMAZON_KEY_PAIR", []ruleCase{
		{name: "CompliantNoKeyPair", ci: instanceItem(""), want: Compliant},
		{name: "CompliantNullKeyName", ci: instanceItem(`,"keyName":null`), want: Compliant},
		{name: "NonCompliantKeyPair", ci: instanceItem(`,"keyName":"ops-key"`), want: NonCompliant, annotation: "ops-key"},
		{name: "NonCompliantNoState", ci: item(ec2Instance, "i-1", `{"instanceId":"i-1","keyName":"ops-key"}`, nil), want: NonCompliant},
		{name: "NotApplicableStopped", ci: withState("stopped", `,"keyName":"ops-key"`), want: NotApplicable, annotation: "stopped"},
		{name: "NotApplicablePending", ci: withState("pending", ""), want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(instanceItem(`,"keyName":"ops-key"`)), want: NotApplicable},
	})
}

// World-open ingress permissions besides rules_ec2_test.go's (sshWorld,
// sshWorldV6, sshPrivate, allWorld, httpsWorld, rangeWorld, udpWorld,
// icmpWorld, fromGroup).
const (
	rdpWorldV6    = `[{"fromPort":3389,"ipProtocol":"tcp","ipv6Ranges":[{"cidrIpv6":"::/0"}],"prefixListIds":[],"toPort":3389,"userIdGroupPairs":[],"ipv4Ranges":[],"ipRanges":[]}]`
	sshUDPWorld   = `[{"fromPort":22,"ipProtocol":"udp","ipv6Ranges":[],"prefixListIds":[],"toPort":22,"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]}]`
	sshLegacyOnly = `[{"fromPort":22,"ipProtocol":"6","toPort":22,"ipRanges":["0.0.0.0/0"]}]`
	icmpAllWorld  = `[{"fromPort":-1,"ipProtocol":"icmp","toPort":-1,"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]}]`
)

// ownedSecurityGroupItem is securityGroupItem with the owner account set.
func ownedSecurityGroupItem(owner, ingress string) *configdItem {
	ci := securityGroupItem("web", ingress, egressAll)
	ci.Configuration = strings.Replace(ci.Configuration, `"ownerId":"123456789012"`, `"ownerId":"`+owner+`"`, 1)
	return ci
}

func TestVPCSGPortRestrictionCheck(t *testing.T) {
	const id = "VPC_SG_PORT_RESTRICTION_CHECK"
	runRuleCases(t, id, []ruleCase{
		{name: "CompliantPrivateCIDR", ci: securityGroupItem("web", sshPrivate, egressAll), want: Compliant},
		{name: "CompliantOtherPort", ci: securityGroupItem("web", httpsWorld, egressAll), want: Compliant},
		{name: "CompliantNoRules", ci: securityGroupItem("web", noPermission, noPermission), want: Compliant},
		{name: "CompliantICMP", ci: securityGroupItem("web", icmpAllWorld, egressAll), want: Compliant},
		{name: "CompliantFromGroup", ci: securityGroupItem("web", fromGroup, egressAll), want: Compliant},
		{name: "CompliantEgressIgnored", ci: securityGroupItem("web", noPermission, sshWorld), want: Compliant},
		{name: "NonCompliantSSH", ci: securityGroupItem("web", sshWorld, egressAll), want: NonCompliant, annotation: "22 (TCP from 0.0.0.0/0)"},
		{name: "NonCompliantRDPIPv6", ci: securityGroupItem("web", rdpWorldV6, egressAll), want: NonCompliant, annotation: "3389 (TCP from ::/0)"},
		{name: "NonCompliantRangeCoversDefaults", ci: securityGroupItem("web", rangeWorld, egressAll), want: NonCompliant, annotation: "3389"},
		{name: "NonCompliantAllTraffic", ci: securityGroupItem("web", allWorld, egressAll), want: NonCompliant, annotation: "22 (all traffic from 0.0.0.0/0), 3389"},
		{name: "NonCompliantUDP", ci: securityGroupItem("web", sshUDPWorld, egressAll), want: NonCompliant, annotation: "22 (UDP"},
		{name: "NonCompliantLegacyRanges", ci: securityGroupItem("web", sshLegacyOnly, egressAll), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(securityGroupItem("web", sshWorld, egressAll)), want: NotApplicable},

		// restrictPorts replaces the defaults.
		{name: "ParamRestrictPortsHTTPS", ci: securityGroupItem("web", httpsWorld, egressAll), params: `{"restrictPorts":"80, 443"}`, want: NonCompliant, annotation: "443"},
		{name: "ParamRestrictPortsReplaceDefaults", ci: securityGroupItem("web", sshWorld, egressAll), params: `{"restrictPorts":"443"}`, want: Compliant},
		{name: "ParamRestrictPortsInRange", ci: securityGroupItem("web", rangeWorld, egressAll), params: `{"restrictPorts":"3400"}`, want: NonCompliant, annotation: "3400"},
		{name: "ParamRestrictPortsOutsideRange", ci: securityGroupItem("web", rangeWorld, egressAll), params: `{"restrictPorts":"3401"}`, want: Compliant},

		// protocolType.
		{name: "ParamProtocolTCPIgnoresUDP", ci: securityGroupItem("web", sshUDPWorld, egressAll), params: `{"protocolType":"TCP"}`, want: Compliant},
		{name: "ParamProtocolUDPIgnoresTCP", ci: securityGroupItem("web", sshWorld, egressAll), params: `{"protocolType":"udp"}`, want: Compliant},
		{name: "ParamProtocolUDP", ci: securityGroupItem("web", sshUDPWorld, egressAll), params: `{"protocolType":"UDP"}`, want: NonCompliant},
		{name: "ParamProtocolTCP", ci: securityGroupItem("web", sshWorld, egressAll), params: `{"protocolType":"tcp"}`, want: NonCompliant},
		{name: "ParamProtocolAll", ci: securityGroupItem("web", sshUDPWorld, egressAll), params: `{"protocolType":"All"}`, want: NonCompliant},
		{name: "ParamProtocolTCPAllTraffic", ci: securityGroupItem("web", allWorld, egressAll), params: `{"protocolType":"TCP"}`, want: NonCompliant},
		{name: "ParamProtocolUDPAllTraffic", ci: securityGroupItem("web", allWorld, egressAll), params: `{"protocolType":"UDP"}`, want: NonCompliant},

		// ipType.
		{name: "ParamIPv4IgnoresIPv6", ci: securityGroupItem("web", rdpWorldV6, egressAll), params: `{"ipType":"IPv4"}`, want: Compliant},
		{name: "ParamIPv4", ci: securityGroupItem("web", sshWorld, egressAll), params: `{"ipType":"ipv4"}`, want: NonCompliant},
		{name: "ParamIPv6IgnoresIPv4", ci: securityGroupItem("web", sshWorld, egressAll), params: `{"ipType":"IPv6"}`, want: Compliant},
		{name: "ParamIPv6", ci: securityGroupItem("web", rdpWorldV6, egressAll), params: `{"ipType":"IPV6"}`, want: NonCompliant, annotation: "::/0"},
		{name: "ParamIPAll", ci: securityGroupItem("web", rdpWorldV6, egressAll), params: `{"ipType":"ALL"}`, want: NonCompliant},

		// excludeExternalSecurityGroups (default true).
		{name: "NotApplicableExternalByDefault", ci: ownedSecurityGroupItem("210987654321", sshWorld), want: NotApplicable, annotation: "210987654321"},
		{name: "ParamExcludeExternalTrue", ci: ownedSecurityGroupItem("210987654321", sshWorld), params: `{"excludeExternalSecurityGroups":"true"}`, want: NotApplicable},
		{name: "ParamExcludeExternalFalse", ci: ownedSecurityGroupItem("210987654321", sshWorld), params: `{"excludeExternalSecurityGroups":"false"}`, want: NonCompliant},
		{name: "ParamExcludeExternalOwnGroup", ci: ownedSecurityGroupItem("123456789012", sshWorld), params: `{"excludeExternalSecurityGroups":"true"}`, want: NonCompliant},
	})
	runErrorCases(t, id, []errorCase{
		{name: "ParamProtocolInvalid", ci: securityGroupItem("web", sshWorld, egressAll), params: `{"protocolType":"ICMP"}`, err: "protocolType"},
		{name: "ParamIPTypeInvalid", ci: securityGroupItem("web", sshWorld, egressAll), params: `{"ipType":"IPv5"}`, err: "ipType"},
		{name: "ParamPortTooLarge", ci: securityGroupItem("web", sshWorld, egressAll), params: `{"restrictPorts":"22,65536"}`, err: "65536"},
		{name: "ParamPortNotANumber", ci: securityGroupItem("web", sshWorld, egressAll), params: `{"restrictPorts":"ssh"}`, err: "ssh"},
	})
}

func TestVPCSGPortRestrictionCheckPeriodic(t *testing.T) {
	inv := &memInventory{items: []*configdItem{
		securityGroupItem("web", sshWorld, egressAll),
		ownedSecurityGroupItem("210987654321", sshWorld),
	}}
	inv.items[1].ResourceID = "sg-shared"
	res, err := Evaluate(context.Background(), "VPC_SG_PORT_RESTRICTION_CHECK", Input{Inventory: inv, AccountID: "123456789012", Region: "us-east-1", Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].ComplianceType != NonCompliant || res[1].ComplianceType != NotApplicable || res[1].ResourceID != "sg-shared" {
		t.Errorf("periodic results: %+v", res)
	}
}

func TestLambdaFunctionXRayEnabled(t *testing.T) {
	runRuleCases(t, "LAMBDA_FUNCTION_XRAY_ENABLED", []ruleCase{
		{name: "Compliant", ci: functionItem(`,"tracingConfig":{"mode":"Active"}`, ""), want: Compliant},
		{name: "NonCompliantPassThrough", ci: functionItem("", ""), want: NonCompliant, annotation: "PassThrough"},
		{name: "NonCompliantNoTracingConfig", ci: item(lambdaFunction, "f", `{"functionName":"f","runtime":"nodejs20.x"}`, nil), want: NonCompliant, annotation: "not set"},
		{name: "NonCompliantNullTracingConfig", ci: functionItem(`,"tracingConfig":null`, ""), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(functionItem(`,"tracingConfig":{"mode":"Active"}`, "")), want: NotApplicable},
	})
}

func TestDynamoDBTableEncryptionEnabled(t *testing.T) {
	sse := func(status string) string {
		return `{"status":"` + status + `","ssetype":"KMS","kmsmasterKeyArn":"` + tableKey + `"}`
	}
	runRuleCases(t, "DYNAMODB_TABLE_ENCRYPTION_ENABLED", []ruleCase{
		{name: "CompliantEnabled", ci: tableItem(sse("ENABLED"), ""), want: Compliant},
		{name: "CompliantEnabling", ci: tableItem(sse("ENABLING"), ""), want: Compliant},
		{name: "CompliantRecorderCapitalization", ci: item(dynamoDBTable, "orders",
			`{"tableName":"orders","sSEDescription":{"status":"ENABLED","sSEType":"KMS","kMSMasterKeyArn":"`+tableKey+`"}}`, nil), want: Compliant},
		{name: "CompliantSDKCapitalization", ci: item(dynamoDBTable, "orders",
			`{"tableName":"orders","sseDescription":{"status":"ENABLING","sseType":"KMS"}}`, nil), want: Compliant},
		{name: "NonCompliantDisabled", ci: tableItem(`{"status":"DISABLED"}`, ""), want: NonCompliant, annotation: "DISABLED"},
		{name: "NonCompliantDisabling", ci: tableItem(sse("DISABLING"), ""), want: NonCompliant, annotation: "DISABLING"},
		{name: "NonCompliantUpdating", ci: tableItem(sse("UPDATING"), ""), want: NonCompliant, annotation: "UPDATING"},
		{name: "NonCompliantNoStatus", ci: tableItem(`{"ssetype":"KMS"}`, ""), want: NonCompliant},
		{name: "NonCompliantOwnedKey", ci: tableItem("", ""), want: NonCompliant, annotation: "SSEDescription"},
		{name: "NonCompliantNullDescription", ci: tableItem("null", ""), want: NonCompliant},
		{name: "NotApplicableDeleted", ci: deletedItem(tableItem(sse("ENABLED"), "")), want: NotApplicable},
	})
}

// adminDBItem is dbItem with the master user name and engine replaced.
func adminDBItem(user, engine string) *configdItem {
	ci := dbItem("")
	ci.Configuration = strings.Replace(ci.Configuration, `"masterUsername":"admin"`, `"masterUsername":"`+user+`"`, 1)
	ci.Configuration = strings.Replace(ci.Configuration, `"engine":"mysql"`, `"engine":"`+engine+`"`, 1)
	return ci
}

func TestRDSInstanceDefaultAdminCheck(t *testing.T) {
	const id = "RDS_INSTANCE_DEFAULT_ADMIN_CHECK"
	runRuleCases(t, id, []ruleCase{
		{name: "CompliantCustomName", ci: adminDBItem("orders_owner", "mysql"), want: Compliant},
		{name: "NonCompliantAdmin", ci: adminDBItem("admin", "mysql"), want: NonCompliant, annotation: "admin"},
		{name: "NonCompliantPostgres", ci: adminDBItem("postgres", "postgres"), want: NonCompliant, annotation: "postgres"},
		{name: "NonCompliantUpperCaseAdmin", ci: adminDBItem("ADMIN", "oracle-ee"), want: NonCompliant},
		{name: "NonCompliantAuroraMember", ci: dbItem(`,"engine":"aurora-postgresql","masterUsername":"postgres","dBClusterIdentifier":"orders-cluster"`), want: NonCompliant},
		{name: "NotApplicableNoMasterUsername", ci: item(rdsDBInstance, "db-1", `{"dBInstanceIdentifier":"x","engine":"mysql"}`, nil), want: NotApplicable},
		{name: "NotApplicableDeleted", ci: deletedItem(adminDBItem("admin", "mysql")), want: NotApplicable},
		{name: "ParamListed", ci: adminDBItem("orders_owner", "mysql"), params: `{"validAdminUserNames":"dbmaster, orders_owner"}`, want: Compliant},
		{name: "ParamNotListed", ci: adminDBItem("root", "mysql"), params: `{"validAdminUserNames":"dbmaster,orders_owner"}`, want: NonCompliant, annotation: "not listed"},
		{name: "ParamDefaultStillNonCompliant", ci: adminDBItem("postgres", "postgres"), params: `{"validAdminUserNames":"dbmaster"}`, want: NonCompliant, annotation: "default"},
		{name: "ParamListedCaseSensitive", ci: adminDBItem("DBMaster", "mysql"), params: `{"validAdminUserNames":"dbmaster"}`, want: NonCompliant},
	})
	runErrorCases(t, id, []errorCase{
		{name: "ParamIncludesAdmin", ci: adminDBItem("dbmaster", "mysql"), params: `{"validAdminUserNames":"dbmaster,admin"}`, err: "admin"},
		{name: "ParamIncludesPostgres", ci: adminDBItem("dbmaster", "mysql"), params: `{"validAdminUserNames":"Postgres"}`, err: "Postgres"},
	})
}
