package managedrule

import (
	"testing"

	"github.com/configd/configd"
)

func TestWildcardMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "s3:getobject", true},
		{"s3:*", "s3:getobject", true},
		{"s3:get*", "s3:getobject", true},
		{"s3:get*", "s3:putobject", false},
		{"s3:?etobject", "s3:getobject", true},
		{"s3:*object", "s3:getobject", true},
		{"s3:*object", "s3:getobjectacl", false},
		{"*:*", "kms:decrypt", true},
		{"", "", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
	}
	for _, tc := range cases {
		if got := wildcardMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("wildcardMatch(%q, %q) = %t, want %t", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func TestParsePolicy(t *testing.T) {
	cases := []struct {
		name, text string
		statements int
		wantErr    bool
	}{
		{"OKPlain", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, 1, false},
		{"OKSingleStatement", `{"Statement":{"Effect":"Allow","Action":["s3:*"],"Resource":"*"}}`, 1, false},
		{"OKURLEncoded", urlEncode(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","NotAction":"iam:*","Resource":"*"}]}`), 2, false},
		{"OKEmpty", "", 0, false},
		{"ErrNotJSON", "%7Bnope", 0, true},
		{"ErrBadStatement", `{"Statement":"x"}`, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := parsePolicy(tc.text)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %t", err, tc.wantErr)
			}
			if err == nil && len(d.Statement) != tc.statements {
				t.Errorf("%d statements, want %d", len(d.Statement), tc.statements)
			}
		})
	}
}

func TestStatementSemantics(t *testing.T) {
	d, err := parsePolicy(`{"Statement":[
		{"Effect":"Allow","NotAction":"iam:*","Resource":"*","Principal":{"AWS":["arn:aws:iam::1:root","*"]}},
		{"Effect":"Allow","Action":"s3:GetObject","NotPrincipal":{"AWS":"arn:aws:iam::1:root"}},
		{"Effect":"Allow","Action":"s3:GetObject","Principal":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"*"}}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	st := d.Statement
	if !st[0].coversAction("s3:GetObject") || st[0].coversAction("iam:CreateUser") {
		t.Error("NotAction is not honoured")
	}
	if !st[0].publicPrincipal() {
		t.Error(`{"AWS":[..., "*"]} is public`)
	}
	if !st[1].publicPrincipal() {
		t.Error("NotPrincipal is public")
	}
	if !st[2].publicPrincipal() {
		t.Error("a wildcard condition value does not restrict")
	}
}

func TestPublicPrincipal(t *testing.T) {
	cases := []struct {
		name, statement string
		public          bool
	}{
		{"OKStar", `{"Effect":"Allow","Principal":"*"}`, true},
		{"OKAWSStar", `{"Effect":"Allow","Principal":{"AWS":"*"}}`, true},
		{"OKWildcardAccount", `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"}}`, true},
		{"OKAccount", `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"}}`, false},
		{"OKService", `{"Effect":"Allow","Principal":{"Service":"logging.s3.amazonaws.com"}}`, false},
		{"OKFixedSourceArn", `{"Effect":"Allow","Principal":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::logs"}}}`, false},
		{"OKWildcardSourceArn", `{"Effect":"Allow","Principal":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::*"}}}`, true},
		{"OKFixedSourceIP", `{"Effect":"Allow","Principal":"*","Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24"]}}}`, false},
		{"OKAnySourceIP", `{"Effect":"Allow","Principal":"*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}}`, true},
		{"OKOtherConditionKey", `{"Effect":"Allow","Principal":"*","Condition":{"StringEquals":{"s3:prefix":"home/"}}}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := parsePolicy(`{"Statement":[` + tc.statement + `]}`)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Statement[0].publicPrincipal(); got != tc.public {
				t.Errorf("publicPrincipal = %t, want %t", got, tc.public)
			}
		})
	}
}

// FuzzParsePolicy feeds policy documents, which come from recorded
// configuration items, to the decoder and the statement checks.
func FuzzParsePolicy(f *testing.F) {
	f.Add(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	f.Add(urlEncode(`{"Statement":{"Effect":"Deny","NotAction":["iam:*"],"NotPrincipal":{"AWS":"*"}}}`))
	f.Add(`{"Statement":[{"Principal":{"Service":["a","b"]},"Action":[1,true]}]}`)
	f.Fuzz(func(t *testing.T, text string) {
		d, err := parsePolicy(text)
		if err != nil {
			return
		}
		for i := range d.Statement {
			st := &d.Statement[i]
			st.publicPrincipal()
			st.coversAction("s3:GetObject")
			adminStatement(st)
			fullAccessStatement(st)
		}
	})
}

// FuzzSupplementary runs the S3 rules, which decode the most supplementary
// configuration, on arbitrary supplementary values.
func FuzzSupplementary(f *testing.F) {
	f.Add(jsonString(publicReadACL), allBlocked, bucketPolicyText(`{"Statement":[]}`))
	f.Add(`"\"{\\\"grantList\\\":[]}\""`, `"x"`, `{"policyText":"%7B"}`)
	f.Fuzz(func(t *testing.T, acl, pab, policy string) {
		ci := &configd.ConfigurationItem{ResourceType: s3Bucket, ResourceID: "b", SupplementaryConfiguration: map[string]string{
			"AccessControlList": acl, "PublicAccessBlockConfiguration": pab, "BucketPolicy": policy,
		}}
		for _, id := range []string{"S3_BUCKET_PUBLIC_READ_PROHIBITED", "S3_BUCKET_PUBLIC_WRITE_PROHIBITED", "S3_BUCKET_SSL_REQUESTS_ONLY", "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED"} {
			r, _ := Get(id)
			res, err := r.(*resourceRule).one(ci, &Input{Params: map[string]string{}})
			if err == nil && res.ComplianceType == "" {
				t.Fatalf("%s: empty compliance type", id)
			}
		}
	})
}
