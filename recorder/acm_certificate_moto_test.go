package recorder

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"

	"github.com/configd/configd"
)

const acmCertificateType = "AWS::ACM::Certificate"

// selfSignedPEM generates a self-signed server certificate for domain,
// valid from an hour ago until notAfter, with an RSA 2048 key (ec false) or
// an EC P-256 key; it returns the certificate and its PKCS#8 private key in
// PEM, for ImportCertificate.
func selfSignedPEM(t *testing.T, domain string, notAfter time.Time, ec bool) (certPEM, keyPEM []byte) {
	t.Helper()
	var key crypto.Signer
	var err error
	if ec {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: domain},
		DNSNames:     []string{domain, "www." + domain},
		NotBefore:    time.Now().Add(-time.Hour).Truncate(time.Second),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})
}

// TestACMCertificateMoto records an imported RSA certificate expiring in
// ten days, an imported EC one expiring in a year and a requested one,
// polls without changes, tags one and deletes another.
func TestACMCertificateMoto(t *testing.T) {
	_, cfg := motoConfig(t)
	c := acm.NewFromConfig(cfg)
	ctx := context.Background()
	sink := newMemSink()
	clock := &fixedClock{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}

	rsaNotAfter := time.Now().Add(10 * 24 * time.Hour).Truncate(time.Second).UTC()
	ecNotAfter := time.Now().Add(365 * 24 * time.Hour).Truncate(time.Second).UTC()
	rsaCert, rsaKey := selfSignedPEM(t, "rsa.example.com", rsaNotAfter, false)
	ecCert, ecKey := selfSignedPEM(t, "ec.example.com", ecNotAfter, true)
	rsaARN := *need[*acm.ImportCertificateOutput](t)(c.ImportCertificate(ctx, &acm.ImportCertificateInput{
		Certificate: rsaCert, PrivateKey: rsaKey,
		Tags: []acmtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}})).CertificateArn
	ecARN := *need[*acm.ImportCertificateOutput](t)(c.ImportCertificate(ctx, &acm.ImportCertificateInput{
		Certificate: ecCert, PrivateKey: ecKey})).CertificateArn
	reqARN := *need[*acm.RequestCertificateOutput](t)(c.RequestCertificate(ctx, &acm.RequestCertificateInput{
		DomainName: aws.String("app.example.com"), SubjectAlternativeNames: []string{"app.example.com", "api.example.com"},
		ValidationMethod: acmtypes.ValidationMethodDns})).CertificateArn

	t.Run("OK", func(t *testing.T) {
		if r := pollOne(t, cfg, sink, clock, acmCertificateType); r.Discovered != 3 || r.Changed != 3 || r.Deleted != 0 {
			t.Errorf("report %+v", r)
		}
		ci := latestOrFatal(t, sink, acmCertificateType, rsaARN)
		if ci.Status != configd.CIStatusResourceDiscovered || ci.AccountID != motoAccount || ci.Region != "us-east-1" ||
			ci.ARN != rsaARN || ci.AvailabilityZone != "Not Applicable" || ci.ResourceName != "rsa.example.com" ||
			ci.ResourceCreationTime.IsZero() || len(ci.Relationships) != 0 {
			t.Errorf("item header: status %s account %s region %s arn %s az %q name %q created %v rels %v",
				ci.Status, ci.AccountID, ci.Region, ci.ARN, ci.AvailabilityZone, ci.ResourceName, ci.ResourceCreationTime, ci.Relationships)
		}
		if len(ci.Tags) != 1 || ci.Tags["env"] != "prod" {
			t.Errorf("tags %v", ci.Tags)
		}
		t.Logf("configuration of the imported RSA certificate: %s", ci.Configuration)

		conf := decode(t, ci.Configuration)
		for k, want := range map[string]string{
			"certificateArn":          `"` + rsaARN + `"`,
			"domainName":              `"rsa.example.com"`,
			"subjectAlternativeNames": `["rsa.example.com","www.rsa.example.com"]`,
			"subject":                 `"CN=rsa.example.com"`,
			"issuer":                  `"rsa.example.com"`,
			"type":                    `"IMPORTED"`,
			"status":                  `"ISSUED"`,
			"keyAlgorithm":            `"RSA_2048"`, // moto's spelling; AWS writes "RSA-2048"
			"notAfter":                `"` + rsaNotAfter.Format(ciTimeLayout) + `"`,
			"createdAt":               `null`,
			"certificateAuthorityArn": `null`,
			"renewalSummary":          `null`,
			"domainValidationOptions": `[]`,
			"inUseBy":                 `[]`,
			"keyUsages":               `[]`,
			"renewalEligibility":      `"INELIGIBLE"`,
		} {
			if got, _ := json.Marshal(conf[k]); string(got) != want {
				t.Errorf("%s = %s, want %s", k, got, want)
			}
		}
		if s, _ := conf["importedAt"].(string); s == "" {
			t.Errorf("importedAt missing: %s", ci.Configuration)
		}
		// The private key, the certificate body and volatile or unlisted
		// members are never written; nor are the API's PascalCase names.
		for _, k := range []string{"privateKey", "certificate", "certificateChain", "CertificateArn", "NotAfter", "tags", "revokedAt", "managedBy", "updateSummary"} {
			if _, ok := conf[k]; ok {
				t.Errorf("configuration has %s: %s", k, ci.Configuration)
			}
		}

		ecConf := decode(t, latestOrFatal(t, sink, acmCertificateType, ecARN).Configuration)
		if ecConf["keyAlgorithm"] != "EC_prime256v1" || ecConf["notAfter"] != ecNotAfter.Format(ciTimeLayout) {
			t.Errorf("EC certificate: keyAlgorithm %v notAfter %v", ecConf["keyAlgorithm"], ecConf["notAfter"])
		}

		req := latestOrFatal(t, sink, acmCertificateType, reqARN)
		rc := decode(t, req.Configuration)
		if rc["type"] != "AMAZON_ISSUED" || req.ResourceName != "app.example.com" || req.ResourceCreationTime.IsZero() {
			t.Errorf("requested certificate: %+v", req)
		}
		dvo, _ := rc["domainValidationOptions"].([]any)
		if len(dvo) != 2 || dvo[0].(map[string]any)["domainName"] != "api.example.com" || dvo[1].(map[string]any)["domainName"] != "app.example.com" {
			t.Errorf("requested certificate's validation options, want sorted by domain: %v", rc["domainValidationOptions"])
		}
	})

	t.Run("OKUnchanged", func(t *testing.T) {
		before := latestOrFatal(t, sink, acmCertificateType, rsaARN).Configuration
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, acmCertificateType); r.Changed != 0 || r.Deleted != 0 || r.Discovered != 3 {
			t.Errorf("unchanged certificates: report %+v", r)
		}
		for _, id := range []string{rsaARN, ecARN, reqARN} {
			if h := sink.history(acmCertificateType, id); len(h) != 1 {
				t.Errorf("%s: history after an unchanged poll: %d versions", id, len(h))
			}
		}
		again, err := acmCertificates{}.item(ctx, c, motoScope, rsaARN)
		if err != nil || again == nil || again.Configuration != before {
			t.Errorf("re-read configuration differs (%v):\n%+v\n%s", err, again, before)
		}
	})

	t.Run("OKChanged", func(t *testing.T) {
		need[*acm.AddTagsToCertificateOutput](t)(c.AddTagsToCertificate(ctx, &acm.AddTagsToCertificateInput{
			CertificateArn: &ecARN, Tags: []acmtypes.Tag{{Key: aws.String("team"), Value: aws.String("edge")}}}))
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, acmCertificateType); r.Changed != 1 || r.Deleted != 0 {
			t.Errorf("one changed certificate: report %+v", r)
		}
		h := sink.history(acmCertificateType, ecARN)
		if len(h) != 2 || h[1].Status != configd.CIStatusOK || !h[1].CaptureTime.Equal(clock.t) {
			t.Fatalf("history: %d versions", len(h))
		}
		if h[1].Tags["team"] != "edge" || len(h[1].Tags) != 1 {
			t.Errorf("changed tags: %v", h[1].Tags)
		}
		if d := Diff(h[0], h[1]); d.ChangeType != ChangeUpdate {
			t.Errorf("diff = %s", canonical(d))
		}
		clock.t = clock.t.Add(time.Hour)
		if r := pollOne(t, cfg, sink, clock, acmCertificateType); r.Changed != 0 || r.Deleted != 0 {
			t.Errorf("repeated poll: report %+v", r)
		}
	})

	t.Run("OKDeleted", func(t *testing.T) {
		need[*acm.DeleteCertificateOutput](t)(c.DeleteCertificate(ctx, &acm.DeleteCertificateInput{CertificateArn: &rsaARN}))
		wantDeletedOnce(t, cfg, sink, clock, acmCertificateType, rsaARN, 2)
	})
}

// TestACMCertificateGone: a certificate deleted between the listing and the
// read is skipped, not an error.
func TestACMCertificateGone(t *testing.T) {
	_, cfg := motoConfig(t)
	arn := "arn:aws:acm:us-east-1:" + motoAccount + ":certificate/00000000-0000-0000-0000-000000000000"
	ci, err := acmCertificates{}.item(context.Background(), acm.NewFromConfig(cfg), motoScope, arn)
	if err != nil || ci != nil {
		t.Errorf("item of a missing certificate: %+v, %v; want nil, nil", ci, err)
	}
}

// TestACMCertificateConfigurationShape: members moto does not return
// (renewal summary, key usages, validation e-mails, in-use list, members
// AWS Config does not list) render as documented.
func TestACMCertificateConfigurationShape(t *testing.T) {
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	arn := "arn:aws:acm:us-east-1:" + motoAccount + ":certificate/1"
	c := &acmtypes.CertificateDetail{
		CertificateArn: aws.String(arn), DomainName: aws.String("b.example.com"),
		SubjectAlternativeNames: []string{"b.example.com", "a.example.com"},
		DomainValidationOptions: []acmtypes.DomainValidation{
			{DomainName: aws.String("b.example.com"), ValidationEmails: []string{"z@example.com", "admin@example.com"}, ValidationMethod: acmtypes.ValidationMethodEmail},
			{DomainName: aws.String("a.example.com"), ValidationMethod: acmtypes.ValidationMethodDns, ValidationStatus: acmtypes.DomainStatusSuccess,
				ResourceRecord: &acmtypes.ResourceRecord{Name: aws.String("_x.a.example.com."), Type: acmtypes.RecordTypeCname, Value: aws.String("_y.acm-validations.aws.")}},
		},
		CreatedAt: &at, IssuedAt: &at, NotBefore: &at, NotAfter: aws.Time(at.Add(395 * 24 * time.Hour)),
		Issuer: aws.String("Amazon"), KeyAlgorithm: acmtypes.KeyAlgorithm("RSA-2048"), SignatureAlgorithm: aws.String("SHA256WITHRSA"),
		InUseBy: []string{"arn:lb/2", "arn:lb/1"}, Status: acmtypes.CertificateStatusIssued, Type: acmtypes.CertificateTypeAmazonIssued,
		KeyUsages: []acmtypes.KeyUsage{{Name: acmtypes.KeyUsageNameKeyEncipherment}, {Name: acmtypes.KeyUsageNameDigitalSignature}},
		ExtendedKeyUsages: []acmtypes.ExtendedKeyUsage{
			{Name: acmtypes.ExtendedKeyUsageNameTlsWebServerAuthentication, OID: aws.String("1.3.6.1.5.5.7.3.1")},
		},
		RenewalEligibility: acmtypes.RenewalEligibilityEligible,
		RenewalSummary: &acmtypes.RenewalSummary{RenewalStatus: acmtypes.RenewalStatusSuccess, UpdatedAt: &at,
			DomainValidationOptions: []acmtypes.DomainValidation{{DomainName: aws.String("b.example.com")}}},
		Options:   &acmtypes.CertificateOptions{CertificateTransparencyLoggingPreference: acmtypes.CertificateTransparencyLoggingPreferenceEnabled, Export: acmtypes.CertificateExportDisabled},
		RevokedAt: &at, ManagedBy: acmtypes.CertificateManagedByCloudfront, Serial: aws.String("07:71"), Subject: aws.String("CN=b.example.com"),
	}
	got := encode(acmCertificateConfiguration(c, arn))
	ts := `"2025-01-02T03:04:05.000Z"`
	want := `{"certificateArn":"` + arn + `","certificateAuthorityArn":null,"createdAt":` + ts + `,"domainName":"b.example.com",` +
		`"domainValidationOptions":[{"domainName":"a.example.com","resourceRecord":{"name":"_x.a.example.com.","type":"CNAME","value":"_y.acm-validations.aws."},` +
		`"validationDomain":null,"validationEmails":[],"validationMethod":"DNS","validationStatus":"SUCCESS"},` +
		`{"domainName":"b.example.com","resourceRecord":null,"validationDomain":null,"validationEmails":["admin@example.com","z@example.com"],` +
		`"validationMethod":"EMAIL","validationStatus":null}],` +
		`"extendedKeyUsages":[{"name":"TLS_WEB_SERVER_AUTHENTICATION","oID":"1.3.6.1.5.5.7.3.1"}],"failureReason":null,"importedAt":null,` +
		`"inUseBy":["arn:lb/1","arn:lb/2"],"issuedAt":` + ts + `,"issuer":"Amazon","keyAlgorithm":"RSA-2048",` +
		`"keyUsages":[{"name":"DIGITAL_SIGNATURE"},{"name":"KEY_ENCIPHERMENT"}],"notAfter":"2026-02-01T03:04:05.000Z","notBefore":` + ts + `,` +
		`"options":{"certificateTransparencyLoggingPreference":"ENABLED"},"renewalEligibility":"ELIGIBLE",` +
		`"renewalSummary":{"domainValidationOptions":[{"domainName":"b.example.com","resourceRecord":null,"validationDomain":null,"validationEmails":[],` +
		`"validationMethod":null,"validationStatus":null}],"renewalStatus":"SUCCESS","renewalStatusReason":null},` +
		`"serial":"07:71","signatureAlgorithm":"SHA256WITHRSA","status":"ISSUED","subject":"CN=b.example.com",` +
		`"subjectAlternativeNames":["b.example.com","a.example.com"],"type":"AMAZON_ISSUED"}`
	if got != want {
		t.Errorf("configuration\n got %s\nwant %s", got, want)
	}
}
