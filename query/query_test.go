package query

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/configd/configd"
)

func items() []Item {
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	mk := func(typ, id, name, conf string, tags map[string]string) Item {
		return ItemOf(&configd.ConfigurationItem{
			Version: "1.3", AccountID: "123456789012", Region: "us-east-1", CaptureTime: t0,
			Status: "OK", ResourceType: typ, ResourceID: id, ResourceName: name,
			Configuration: conf, Tags: tags,
			SupplementaryConfiguration: map[string]string{"BucketVersioningConfiguration": `{"status":"Off"}`},
		})
	}
	return []Item{
		mk("AWS::EC2::Instance", "i-1", "web", `{"instanceType":"t2.micro","cpu":2,"blockDeviceMappings":[{"deviceName":"/dev/sda1"},{"deviceName":"/dev/sdb"}]}`, map[string]string{"env": "prod"}),
		mk("AWS::EC2::Instance", "i-2", "db", `{"instanceType":"m5.large","cpu":8}`, map[string]string{"env": "dev"}),
		mk("AWS::EC2::Instance", "i-3", "", `{"instanceType":"t2.micro","cpu":1}`, nil),
		mk("AWS::S3::Bucket", "b-1", "logs", `{"name":"logs"}`, map[string]string{"env": "prod"}),
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name, expr string
		want       []string
	}{
		{"OK", "SELECT resourceId WHERE resourceType='AWS::EC2::Instance'",
			[]string{`{"resourceId":"i-1"}`, `{"resourceId":"i-2"}`, `{"resourceId":"i-3"}`}},
		{"OKNested", "SELECT resourceId, configuration.instanceType WHERE configuration.instanceType = 't2.micro' ORDER BY resourceId DESC",
			[]string{`{"configuration":{"instanceType":"t2.micro"},"resourceId":"i-3"}`, `{"configuration":{"instanceType":"t2.micro"},"resourceId":"i-1"}`}},
		{"OKCountGroupBy", "SELECT configuration.instanceType, COUNT(*) WHERE resourceType = 'AWS::EC2::Instance' GROUP BY configuration.instanceType ORDER BY COUNT(*) DESC",
			[]string{`{"COUNT(*)":2,"configuration":{"instanceType":"t2.micro"}}`, `{"COUNT(*)":1,"configuration":{"instanceType":"m5.large"}}`}},
		{"OKCountAlias", "SELECT COUNT(*) AS n WHERE tags.key = 'env'", []string{`{"n":3}`}},
		{"OKCountNone", "SELECT COUNT(*) WHERE resourceId = 'none'", []string{`{"COUNT(*)":0}`}},
		{"OKTagTag", "SELECT resourceId WHERE tags.tag = 'env=prod' ORDER BY resourceId", []string{`{"resourceId":"b-1"}`, `{"resourceId":"i-1"}`}},
		{"OKIn", "SELECT resourceId WHERE resourceId IN ('i-2', 'b-1')", []string{`{"resourceId":"i-2"}`, `{"resourceId":"b-1"}`}},
		{"OKNotIn", "SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance' AND resourceId NOT IN ('i-2', 'i-3')", []string{`{"resourceId":"i-1"}`}},
		{"OKBetween", "SELECT resourceId WHERE configuration.cpu BETWEEN 2 AND 8 ORDER BY configuration.cpu DESC", []string{`{"resourceId":"i-2"}`, `{"resourceId":"i-1"}`}},
		{"OKLike", "SELECT resourceId WHERE resourceType LIKE 'aws::ec2::%' AND resourceName LIKE 'w_b'", []string{`{"resourceId":"i-1"}`}},
		{"OKOrNotParens", "SELECT resourceId WHERE NOT (resourceType = 'AWS::EC2::Instance') OR (configuration.cpu > 4 AND configuration.cpu < 9)", []string{`{"resourceId":"i-2"}`, `{"resourceId":"b-1"}`}},
		{"OKNotEqual", "SELECT resourceId WHERE resourceType != 'AWS::EC2::Instance'", []string{`{"resourceId":"b-1"}`}},
		{"OKArray", "SELECT resourceId, configuration.blockDeviceMappings.deviceName WHERE configuration.blockDeviceMappings.deviceName = '/dev/sdb'",
			[]string{`{"configuration":{"blockDeviceMappings":{"deviceName":["/dev/sda1","/dev/sdb"]}},"resourceId":"i-1"}`}},
		{"OKSupplementary", "SELECT resourceId WHERE resourceType = 'AWS::S3::Bucket' AND supplementaryConfiguration.BucketVersioningConfiguration.status = 'Off'", []string{`{"resourceId":"b-1"}`}},
		{"OKMaxSum", "SELECT MAX(configuration.cpu), SUM(configuration.cpu), MIN(configuration.instanceType) WHERE resourceType = 'AWS::EC2::Instance'",
			[]string{`{"MAX(configuration.cpu)":8,"MIN(configuration.instanceType)":"m5.large","SUM(configuration.cpu)":11}`}},
		{"OKAbsentField", "SELECT resourceName WHERE resourceId = 'i-3'", []string{`{}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.expr)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := q.Run(items())
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Run(%q):\n got %q\nwant %q", tt.expr, got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	ok := []string{
		"select resourceId where resourceType = 'AWS::EC2::Instance'",
		"SELECT resourceId, resourceName, tags WHERE resourceType='AWS::S3::Bucket' AND tags.key='env'",
		"SELECT configuration.complianceType, COUNT(*) WHERE resourceType = 'AWS::Config::ResourceCompliance' GROUP BY configuration.complianceType",
		"SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance' AND configuration.state.name <> 'terminated'",
	}
	for _, e := range ok {
		t.Run("OK", func(t *testing.T) {
			if _, err := Parse(e); err != nil {
				t.Errorf("Parse(%q): %v", e, err)
			}
		})
	}
	bad := []struct{ name, expr string }{
		{"ErrEmpty", ""},
		{"ErrNoSelect", "resourceId WHERE x = 1"},
		{"ErrStar", "SELECT * WHERE resourceType = 'x'"},
		{"ErrFrom", "SELECT resourceId FROM x"},
		{"ErrUnterminated", "SELECT resourceId WHERE resourceId = 'abc"},
		{"ErrNoValue", "SELECT resourceId WHERE resourceId ="},
		{"ErrNoOperator", "SELECT resourceId WHERE resourceId 'x'"},
		{"ErrUngrouped", "SELECT resourceId, COUNT(*) WHERE resourceType = 'x'"},
		{"ErrParens", "SELECT resourceId WHERE (resourceId = 'x'"},
		{"ErrTrailing", "SELECT resourceId WHERE resourceId = 'x' LIMIT 5"},
		{"ErrBadChar", "SELECT resourceId; DROP"},
		{"ErrDuplicate", "SELECT resourceId, resourceId"},
		{"ErrLikeNumber", "SELECT resourceId WHERE resourceId LIKE 5"},
		{"ErrKeywordPath", "SELECT WHERE"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.expr)
			var qe *Error
			if !errors.As(err, &qe) {
				t.Errorf("Parse(%q): %v, want a *query.Error", tt.expr, err)
			}
		})
	}
}

func TestLike(t *testing.T) {
	cases := []struct {
		s, p string
		want bool
	}{
		{"abc", "a%", true}, {"abc", "%c", true}, {"abc", "%b%", true}, {"abc", "a_c", true},
		{"abc", "a_", false}, {"abc", "%d%", false}, {"", "%", true}, {"ABC", "abc", true}, {"aXbXc", "a%b%c", true},
	}
	for _, c := range cases {
		if got := like(c.s, c.p); got != c.want {
			t.Errorf("like(%q, %q) = %v, want %v", c.s, c.p, got, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("SELECT resourceId WHERE resourceType='AWS::EC2::Instance'")
	f.Add("SELECT a.b, COUNT(*) AS n WHERE NOT (x IN (1, 'a') OR y BETWEEN 1 AND 2) AND z LIKE 'a%' GROUP BY a.b ORDER BY n DESC")
	f.Add("SELECT x WHERE ((((((a = 1))))))")
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("Parse(%q): error %T not *query.Error", s, err)
			}
			return
		}
		if _, err := q.Run(items()); err != nil {
			t.Fatalf("Run(%q): %v", s, err)
		}
	})
}
