package managedrule

import (
	"strconv"
	"testing"
	"time"

	"github.com/configd/configd"
)

// acmItemOf is a certificate item in the recorder's format; extra is
// spliced into the configuration object (each member followed by a comma).
func acmItemOf(id, extra string) *configd.ConfigurationItem {
	arn := "arn:aws:acm:us-east-1:123456789012:certificate/" + id
	ci := item(acmCertificate, arn, `{`+extra+`"certificateArn":"`+arn+`","domainName":"example.com","type":"IMPORTED"}`, nil)
	ci.ResourceName = "example.com"
	return ci
}

// expiring is the configuration members of an issued certificate whose
// notAfter is d after testNow.
func expiring(d time.Duration) string {
	return `"status":"ISSUED","notAfter":"` + testNow.Add(d).UTC().Format("2006-01-02T15:04:05.000Z") + `",`
}

func TestACMCertificateExpirationCheck(t *testing.T) {
	day := 24 * time.Hour
	runRuleCases(t, "ACM_CERTIFICATE_EXPIRATION_CHECK", []ruleCase{
		{name: "OKFarOff", ci: acmItemOf("a", expiring(365*day)), want: Compliant},
		{name: "OKSoon", ci: acmItemOf("b", expiring(10*day)), want: NonCompliant, annotation: "within 14 days"},
		{name: "OKExactlyDefault", ci: acmItemOf("c", expiring(14*day)), want: NonCompliant, annotation: "within 14 days"},
		{name: "OKJustOverDefault", ci: acmItemOf("d", expiring(14*day+time.Second)), want: Compliant},
		{name: "OKExpired", ci: acmItemOf("e", `"status":"EXPIRED","notAfter":"`+testNow.Add(-day).Format("2006-01-02T15:04:05.000Z")+`",`), want: NonCompliant, annotation: "expired on"},
		{name: "OKExpiresNow", ci: acmItemOf("f", expiring(0)), want: NonCompliant, annotation: "expired"},
		{name: "OKParamWithin", ci: acmItemOf("g", expiring(29*day)), params: `{"daysToExpiration":"30"}`, want: NonCompliant, annotation: "within 30 days"},
		{name: "OKParamExactly", ci: acmItemOf("h", expiring(30*day)), params: `{"daysToExpiration":"30"}`, want: NonCompliant},
		{name: "OKParamOver", ci: acmItemOf("i", expiring(30*day+time.Second)), params: `{"daysToExpiration":"30"}`, want: Compliant},
		{name: "OKParamSmaller", ci: acmItemOf("j", expiring(10*day)), params: `{"daysToExpiration":"7"}`, want: Compliant},
		{name: "OKParamZero", ci: acmItemOf("k", expiring(time.Hour)), params: `{"daysToExpiration":"0"}`, want: Compliant},
		{name: "OKParamZeroExpired", ci: acmItemOf("l", expiring(-time.Hour)), params: `{"daysToExpiration":"0"}`, want: NonCompliant},
		{name: "OKAmazonIssued", ci: item(acmCertificate, "m", `{"type":"AMAZON_ISSUED",`+expiring(3*day)+`"domainName":"x"}`, nil), want: NonCompliant},
		{name: "OKEpochSeconds", ci: acmItemOf("n", `"NotAfter":`+acmEpoch(testNow.Add(5*day))+`,`), want: NonCompliant},
		{name: "OKEpochSecondsFar", ci: acmItemOf("o", `"NotAfter":`+acmEpoch(testNow.Add(50*day))+`.0,`), want: Compliant},
		{name: "OKPendingValidation", ci: acmItemOf("p", `"status":"PENDING_VALIDATION","notAfter":null,`), want: NotApplicable, annotation: "PENDING_VALIDATION"},
		{name: "OKDeleted", ci: deletedItem(acmItemOf("q", expiring(day))), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::S3::Bucket", "b", `{}`, nil), want: NotApplicable},
	})
}

func TestACMCertificateExpirationPeriodic(t *testing.T) {
	day := 24 * time.Hour
	soon, later, pending := acmItemOf("soon", expiring(3*day)), acmItemOf("later", expiring(90*day)), acmItemOf("pending", `"status":"PENDING_VALIDATION",`)
	gone := deletedItem(acmItemOf("gone", ""))
	p, err := Parameters("ACM_CERTIFICATE_EXPIRATION_CHECK", "")
	if err != nil {
		t.Fatal(err)
	}
	inv := &memInventory{items: []*configd.ConfigurationItem{soon, later, pending, gone, item("AWS::S3::Bucket", "b", `{}`, nil)}}
	wantVerdicts(t, "ACM_CERTIFICATE_EXPIRATION_CHECK", Input{Params: p, Inventory: inv, Now: testNow}, map[string]string{
		soon.ResourceID: NonCompliant, later.ResourceID: Compliant, pending.ResourceID: NotApplicable, gone.ResourceID: NotApplicable,
	})
	// The periodic trigger moves the clock: 77 days on, "later" has 13 days left.
	wantVerdicts(t, "ACM_CERTIFICATE_EXPIRATION_CHECK", Input{Params: p, Inventory: inv, Now: testNow.Add(77 * day)}, map[string]string{
		soon.ResourceID: NonCompliant, later.ResourceID: NonCompliant, pending.ResourceID: NotApplicable, gone.ResourceID: NotApplicable,
	})
}

func TestACMCertificateExpirationErrors(t *testing.T) {
	rule, _ := Get("ACM_CERTIFICATE_EXPIRATION_CHECK")
	for name, in := range map[string]Input{
		"negative": {CI: acmItemOf("a", expiring(time.Hour)), Params: map[string]string{"daysToExpiration": "-1"}, Now: testNow},
		"badTime":  {CI: acmItemOf("b", `"notAfter":"next week",`), Params: map[string]string{}, Now: testNow},
		"badJSON":  {CI: item(acmCertificate, "c", `{"notAfter":`, nil), Params: map[string]string{}, Now: testNow},
	} {
		if _, err := rule.Evaluate(t.Context(), in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestACMCertificateRSACheck(t *testing.T) {
	algo := func(id, a string) *configd.ConfigurationItem { return acmItemOf(id, `"keyAlgorithm":"`+a+`",`) }
	runRuleCases(t, "ACM_CERTIFICATE_RSA_CHECK", []ruleCase{
		{name: "OKRSA2048", ci: algo("a", "RSA-2048"), want: Compliant},
		{name: "OKRSA2048Enum", ci: algo("b", "RSA_2048"), want: Compliant},
		{name: "OKRSA3072", ci: algo("c", "RSA-3072"), want: Compliant},
		{name: "OKRSA4096", ci: algo("d", "RSA_4096"), want: Compliant},
		{name: "OKRSA1024", ci: algo("e", "RSA-1024"), want: NonCompliant, annotation: "1024 bits"},
		{name: "OKRSA1024Enum", ci: algo("f", "RSA_1024"), want: NonCompliant},
		{name: "OKRSA2047", ci: algo("g", "rsa-2047"), want: NonCompliant, annotation: "2047 bits"},
		{name: "OKRSAUnreadable", ci: algo("h", "RSA"), want: NonCompliant, annotation: "cannot be read"},
		{name: "OKEC", ci: algo("i", "EC_prime256v1"), want: NotApplicable, annotation: "not RSA"},
		{name: "OKECHyphen", ci: algo("j", "EC-secp384r1"), want: NotApplicable},
		{name: "OKNoAlgorithm", ci: acmItemOf("k", ""), want: NotApplicable, annotation: "not recorded"},
		{name: "OKAPICasing", ci: acmItemOf("l", `"KeyAlgorithm":"RSA-1024",`), want: NonCompliant},
		{name: "OKExpiredStillJudged", ci: acmItemOf("m", `"status":"EXPIRED","keyAlgorithm":"RSA-1024",`), want: NonCompliant},
		{name: "OKDeleted", ci: deletedItem(algo("n", "RSA-1024")), want: NotApplicable},
		{name: "OKOtherType", ci: item("AWS::IAM::ServerCertificate", "s", `{"keyAlgorithm":"RSA-1024"}`, nil), want: NotApplicable},
	})
}

// acmEpoch is t in epoch seconds, as the API's JSON gives timestamps.
func acmEpoch(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
