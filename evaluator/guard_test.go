package evaluator_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/evaluator"
)

// A policy in the style of AWS's custom policy rule examples: it reads the
// item's resourceType, configuration, supplementaryConfiguration and tags
// (https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_develop-rules_cfn-guard.html).
const versioningPolicy = `
rule versioned when resourceType == "AWS::S3::Bucket" {
    supplementaryConfiguration.BucketVersioningConfiguration.status == "Enabled"
        << the bucket must keep versions >>
}
rule named when resourceType == "AWS::S3::Bucket" {
    configuration.name == /^b/
}
`

func guardRule(name, policy string) *configd.ConfigRule {
	return &configd.ConfigRule{Name: name, Source: configd.RuleSource{Owner: configd.OwnerCustomPolicy,
		CustomPolicy:  &configd.CustomPolicy{PolicyRuntime: "guard-2.x.x", PolicyText: policy},
		SourceDetails: []configd.SourceDetail{{EventSource: "aws.config", MessageType: configd.MessageConfigurationItemChange}}},
		Scope: configd.RuleScope{ComplianceResourceTypes: []string{"AWS::S3::Bucket", "AWS::SQS::Queue"}}}
}

func TestGuardRule(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		e := newEnv(t)
		e.record(bucket("b1", "Enabled", nil))
		e.putRule(guardRule("g", versioningPolicy))
		e.run()
		equal(t, e.results("g"), []string{"AWS::S3::Bucket/b1=COMPLIANT"})

		e.record(bucket("b1", "Suspended", nil))
		e.run()
		equal(t, e.results("g"), []string{"AWS::S3::Bucket/b1=NON_COMPLIANT"})
		if a := e.result("g", "AWS::S3::Bucket", "b1").Annotation; a != "the bucket must keep versions" {
			t.Fatalf("annotation = %q", a)
		}
		// SKIP (no rule applies) is NOT_APPLICABLE.
		e.record(&configd.ConfigurationItem{ResourceType: "AWS::SQS::Queue", ResourceID: "q", Configuration: `{}`})
		e.run()
		equal(t, e.results("g"), []string{"AWS::S3::Bucket/b1=NON_COMPLIANT", "AWS::SQS::Queue/q=NOT_APPLICABLE"})
	})
	t.Run("OKTagsAndGeneratedMessage", func(t *testing.T) {
		e := newEnv(t)
		e.putRule(guardRule("g", `rule tagged { tags.owner exists }`))
		e.record(bucket("b1", "Enabled", map[string]string{"owner": "me"}))
		e.record(bucket("b2", "Enabled", nil))
		e.run()
		equal(t, e.results("g"), []string{"AWS::S3::Bucket/b1=COMPLIANT", "AWS::S3::Bucket/b2=NON_COMPLIANT"})
		if a := e.result("g", "AWS::S3::Bucket", "b2").Annotation; !strings.Contains(a, "owner") {
			t.Fatalf("annotation %q does not say what failed", a)
		}
	})
	t.Run("ErrPolicyDoesNotParse", func(t *testing.T) {
		e := newEnv(t)
		e.putRule(guardRule("g", "rule r {\n  configuration.x ==\n}"))
		e.record(bucket("b1", "Enabled", nil))
		e.run()
		equal(t, e.results("g"), nil)
		if st := e.status("g"); st.LastErrorCode != evaluator.ErrCodeInvalidPolicy || !strings.Contains(st.LastErrorMessage, "line 3") {
			t.Fatalf("status = %+v", st)
		}
	})
}

func TestGuardDocument(t *testing.T) {
	ci := bucket("b1", "Enabled", map[string]string{"k": "v"})
	ci.Configuration = `{"name":"b1","size":12345678901234567890}`
	doc, err := evaluator.GuardDocument(ci)
	if err != nil {
		t.Fatal(err)
	}
	m := doc.(map[string]any)
	conf, _ := m["configuration"].(map[string]any)
	if m["resourceType"] != "AWS::S3::Bucket" || m["resourceId"] != "b1" || conf == nil || conf["size"].(interface{ String() string }).String() != "12345678901234567890" {
		t.Fatalf("document = %v", m)
	}
	supp, _ := m["supplementaryConfiguration"].(map[string]any)
	if v, _ := supp["BucketVersioningConfiguration"].(map[string]any); v == nil || v["status"] != "Enabled" {
		t.Fatalf("supplementaryConfiguration = %v", m["supplementaryConfiguration"])
	}
	if tags, _ := m["tags"].(map[string]any); tags["k"] != "v" {
		t.Fatalf("tags = %v", m["tags"])
	}
}

// The Guard document is the item in the notification format the Lambda
// event carries, decoded.
func TestGuardDocumentMatchesNotification(t *testing.T) {
	ci := bucket("b1", "Enabled", map[string]string{"k": "v"})
	ci.Version, ci.AccountID, ci.Region, ci.Status, ci.StateID, ci.CaptureTime = "1.3", "111111111111", "us-east-1", configd.CIStatusOK, "1714564800000", t0
	ci.SupplementaryConfiguration["AccessControlList"] = `"{\"grantList\":[]}"`
	ci.Relationships = []configd.Relationship{{ResourceType: "AWS::EC2::VPC", ResourceID: "vpc-1", RelationshipName: "Is contained in Vpc"}}
	ci.ResourceCreationTime = t0.Add(-time.Hour)
	doc, err := evaluator.GuardDocument(ci)
	if err != nil {
		t.Fatal(err)
	}
	invoking, _ := evaluator.ChangeInvokingEvent(ci, nil, true, t0, 0)
	var n struct {
		Item json.RawMessage `json:"configurationItem"`
	}
	if err := json.Unmarshal([]byte(invoking), &n); err != nil {
		t.Fatal(err)
	}
	want := decode(t, n.Item)
	if !reflect.DeepEqual(doc, want) {
		t.Fatalf("Guard document\n%v\nnotification item\n%v", doc, want)
	}
	acl := doc.(map[string]any)["supplementaryConfiguration"].(map[string]any)["AccessControlList"]
	if acl != `{"grantList":[]}` {
		t.Fatalf("AccessControlList = %#v, want the JSON text as a string", acl)
	}
}
