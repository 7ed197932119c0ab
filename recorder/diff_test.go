package recorder

import (
	"encoding/json"
	"testing"

	"github.com/configd/configd"
)

func item(conf string, sup map[string]string, rels ...configd.Relationship) *configd.ConfigurationItem {
	return &configd.ConfigurationItem{Status: configd.CIStatusOK, Configuration: conf, SupplementaryConfiguration: sup, Relationships: rels}
}

func TestDiff(t *testing.T) {
	sg1 := configd.Relationship{ResourceType: "AWS::EC2::SecurityGroup", ResourceID: "sg-1", RelationshipName: "Is associated with SecurityGroup"}
	sg2 := configd.Relationship{ResourceType: "AWS::EC2::SecurityGroup", ResourceID: "sg-2", RelationshipName: "Is associated with SecurityGroup"}
	deleted := &configd.ConfigurationItem{Status: configd.CIStatusResourceDeleted}
	tests := []struct {
		name       string
		prev, cur  *configd.ConfigurationItem
		changeType string
		want       string // JSON of changedProperties
	}{
		{"OKCreate", nil, item(`{"a":1}`, nil), ChangeCreate, `{}`},
		{"OKRecreate", deleted, item(`{"a":1}`, nil), ChangeCreate, `{}`},
		{"OKDelete", item(`{"a":1}`, nil), deleted, ChangeDelete, `{}`},
		{"OKUnchanged", item(`{"a":[1,2]}`, map[string]string{"X": `{"b":true}`}), item(`{"a":[2,1]}`, map[string]string{"X": `{"b":true}`}), ChangeUpdate, `{}`},
		{"OKScalar", item(`{"state":"available"}`, nil), item(`{"state":"in-use"}`, nil), ChangeUpdate,
			`{"Configuration.State":{"previousValue":"available","updatedValue":"in-use","changeType":"UPDATE"}}`},
		{"OKNested", item(`{"placement":{"zone":"a","tenancy":"default"}}`, nil), item(`{"placement":{"zone":"b","tenancy":"default"}}`, nil), ChangeUpdate,
			`{"Configuration.Placement.Zone":{"previousValue":"a","updatedValue":"b","changeType":"UPDATE"}}`},
		{"OKKeyAddedRemoved", item(`{"old":1}`, nil), item(`{"new":2}`, nil), ChangeUpdate,
			`{"Configuration.New":{"previousValue":null,"updatedValue":2,"changeType":"CREATE"},"Configuration.Old":{"previousValue":1,"updatedValue":null,"changeType":"DELETE"}}`},
		{"OKListAdd", item(`{"ipPermissions":[{"p":22}]}`, nil), item(`{"ipPermissions":[{"p":22},{"p":443}]}`, nil), ChangeUpdate,
			`{"Configuration.IpPermissions.0":{"previousValue":null,"updatedValue":{"p":443},"changeType":"CREATE"}}`},
		// AWS's sample: replacing the only element gives .0 DELETE and .1 CREATE.
		{"OKListReplace", item(`{"securityGroups":[{"groupId":"sg-1"}]}`, nil), item(`{"securityGroups":[{"groupId":"sg-2"}]}`, nil), ChangeUpdate,
			`{"Configuration.SecurityGroups.0":{"previousValue":{"groupId":"sg-1"},"updatedValue":null,"changeType":"DELETE"},` +
				`"Configuration.SecurityGroups.1":{"previousValue":null,"updatedValue":{"groupId":"sg-2"},"changeType":"CREATE"}}`},
		{"OKSupplementary", item(`{}`, map[string]string{"PublicAccessBlockConfiguration": `{"blockPublicAcls":false}`}),
			item(`{}`, map[string]string{"PublicAccessBlockConfiguration": `{"blockPublicAcls":true}`, "ServerSideEncryptionConfiguration": `{"rules":[]}`}), ChangeUpdate,
			`{"SupplementaryConfiguration.PublicAccessBlockConfiguration.BlockPublicAcls":{"previousValue":false,"updatedValue":true,"changeType":"UPDATE"},` +
				`"SupplementaryConfiguration.ServerSideEncryptionConfiguration":{"previousValue":null,"updatedValue":{"rules":[]},"changeType":"CREATE"}}`},
		{"OKRelationships", item(`{}`, nil, sg1), item(`{}`, nil, sg2), ChangeUpdate,
			`{"Relationships.0":{"previousValue":{"name":"Is associated with SecurityGroup","resourceId":"sg-1","resourceName":null,"resourceType":"AWS::EC2::SecurityGroup"},"updatedValue":null,"changeType":"DELETE"},` +
				`"Relationships.1":{"previousValue":null,"updatedValue":{"name":"Is associated with SecurityGroup","resourceId":"sg-2","resourceName":null,"resourceType":"AWS::EC2::SecurityGroup"},"changeType":"CREATE"}}`},
		{"OKNotJSON", item(`plain`, nil), item(`other`, nil), ChangeUpdate,
			`{"Configuration":{"previousValue":"plain","updatedValue":"other","changeType":"UPDATE"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Diff(tt.prev, tt.cur)
			if d.ChangeType != tt.changeType {
				t.Errorf("changeType = %s, want %s", d.ChangeType, tt.changeType)
			}
			var got, want any
			b, _ := json.Marshal(d.ChangedProperties)
			_ = json.Unmarshal(b, &got)
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if canonical(got) != canonical(want) {
				t.Errorf("changedProperties =\n%s\nwant\n%s", b, tt.want)
			}
		})
	}
	t.Run("OKNil", func(t *testing.T) {
		if Diff(item(`{}`, nil), nil) != nil {
			t.Error("Diff with no current item is not nil")
		}
	})
	t.Run("OKMarshal", func(t *testing.T) {
		b, err := json.Marshal(Diff(nil, item(`{}`, nil)))
		if err != nil || string(b) != `{"changeType":"CREATE","changedProperties":{}}` {
			t.Errorf("marshal = %s, %v", b, err)
		}
	})
}

// FuzzDiff feeds arbitrary stored configuration text to Diff, which decodes it.
func FuzzDiff(f *testing.F) {
	f.Add(`{"a":[1,{"b":2}]}`, `{"a":[{"b":3}]}`, `{"x":null}`)
	f.Add(`[1,2`, `"s"`, ``)
	f.Fuzz(func(t *testing.T, a, b, sup string) {
		d := Diff(item(a, map[string]string{"S": sup}), item(b, map[string]string{"S": a}))
		if d == nil || d.ChangeType != ChangeUpdate {
			t.Fatalf("diff = %+v", d)
		}
		if _, err := json.Marshal(d); err != nil {
			t.Fatal(err)
		}
		if a == b && a == sup {
			if len(Diff(item(a, nil), item(b, nil)).ChangedProperties) != 0 {
				t.Fatal("equal items differ")
			}
		}
	})
}
