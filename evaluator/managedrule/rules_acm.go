package managedrule

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/configd/configd"
)

// Native rules over AWS::ACM::Certificate items as the recorder writes them
// (docs/ci-formats.md; recorder/acm_certificate.go): resource id the
// certificate ARN, configuration DescribeCertificate's CertificateDetail with
// AWS Config's lowerCamel keys
//
//	{"certificateArn","domainName","status","type","keyAlgorithm":"RSA-2048",
//	 "notBefore","notAfter":"2026-02-01T03:04:05.000Z", …}
//
// encoding/json matches member names case-insensitively, so items written
// with the API's casing (NotAfter, KeyAlgorithm) read the same, and notAfter
// may be an AWS Config timestamp or the API's epoch seconds.
//
// ACM_CERTIFICATE_TRANSPARENT_LOGGING_ENABLED is not implemented here.

const acmCertificate = "AWS::ACM::Certificate"

// defaultACMDaysToExpiration is the default of daysToExpiration ("Default:
// 14" on the rule's page; the catalogue agrees).
const defaultACMDaysToExpiration = 14

// acmMinRSABits is the smallest compliant RSA key ("at least '2048' bits").
const acmMinRSABits = 2048

func init() {
	types := []string{acmCertificate}
	register(
		&resourceRule{id: "ACM_CERTIFICATE_EXPIRATION_CHECK", types: types, check: checkACMCertificateExpiration},
		&resourceRule{id: "ACM_CERTIFICATE_RSA_CHECK", types: types, check: checkACMCertificateRSA},
	)
}

// acmCert is the part of a certificate item the rules read.
type acmCert struct {
	DomainName   flexString `json:"domainName"`
	Status       flexString `json:"status"`
	KeyAlgorithm flexString `json:"keyAlgorithm"`
	NotAfter     flexString `json:"notAfter"`
}

// checkACMCertificateExpiration: a certificate that expires within
// daysToExpiration days (14 by default) of the evaluation time is
// NON_COMPLIANT. https://docs.aws.amazon.com/config/latest/developerguide/acm-certificate-expiration-check.html
//
// Left open by the page, and configd's reading:
//   - "Within the specified number of days" is inclusive: a certificate
//     with exactly daysToExpiration × 24 hours left (or less, or already
//     expired) is NON_COMPLIANT; one with a second more is COMPLIANT.
//     Days are 24-hour periods counted from the evaluation time (Input.Now;
//     the current time when unset), which the periodic trigger moves
//     forward with no configuration change.
//   - Every certificate type is judged: ACM renews the certificates it
//     issues, but the rule flags any certificate "about to expire", and
//     the page makes no exception for them.
//   - A certificate without notAfter (pending validation, validation timed
//     out, failed) has no expiry to judge: NOT_APPLICABLE.
//   - daysToExpiration 0 flags only expired certificates; a negative value
//     is an error (the page gives no meaning to it).
func checkACMCertificateExpiration(ci *configd.ConfigurationItem, in *Input) (verdict, error) {
	days := defaultACMDaysToExpiration
	if raw, given := in.Params["daysToExpiration"]; given {
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil || n < 0 {
			return verdict{}, fmt.Errorf("daysToExpiration %q is not a whole number of 0 or more", raw)
		}
		days = n
	}
	var c acmCert
	if err := decodeConfiguration(ci, &c); err != nil {
		return verdict{}, err
	}
	if strings.TrimSpace(string(c.NotAfter)) == "" {
		return notApplicable("The certificate has no expiration date (status " + acmStatus(c) + ")."), nil
	}
	notAfter, err := parseACMTime(string(c.NotAfter))
	if err != nil {
		return verdict{}, fmt.Errorf("notAfter: %w", err)
	}
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	left := notAfter.Sub(now)
	when := notAfter.UTC().Format("2006-01-02T15:04:05Z")
	switch {
	case left <= 0:
		return nonCompliant("The certificate expired on " + when + "."), nil
	case left <= time.Duration(days)*24*time.Hour:
		return nonCompliant(fmt.Sprintf("The certificate expires on %s, within %d days.", when, days)), nil
	}
	return compliant(), nil
}

// checkACMCertificateRSA: an RSA certificate whose key is shorter than 2048
// bits is NON_COMPLIANT. https://docs.aws.amazon.com/config/latest/developerguide/acm-certificate-rsa-check.html
//
// Left open by the page, and configd's reading:
//   - Certificates whose key is not RSA (EC_prime256v1, EC_secp384r1,
//     EC_secp521r1) are NOT_APPLICABLE: the page checks "RSA certificates".
//   - The key length is read from keyAlgorithm, which DescribeCertificate
//     spells "RSA-2048" and the API's enum "RSA_2048"; both are accepted,
//     in any case. An RSA algorithm whose length cannot be read is
//     NON_COMPLIANT (it cannot be shown to be at least 2048 bits); an item
//     without keyAlgorithm is NOT_APPLICABLE.
//   - Every status and type is judged (imported and expired certificates
//     too): the page makes no exception.
func checkACMCertificateRSA(ci *configd.ConfigurationItem, _ *Input) (verdict, error) {
	var c acmCert
	if err := decodeConfiguration(ci, &c); err != nil {
		return verdict{}, err
	}
	algo := strings.TrimSpace(string(c.KeyAlgorithm))
	if algo == "" {
		return notApplicable("The certificate's key algorithm is not recorded."), nil
	}
	upper := strings.ToUpper(algo)
	if !strings.HasPrefix(upper, "RSA") {
		return notApplicable("The certificate's key is not RSA (" + algo + ")."), nil
	}
	bits, err := strconv.Atoi(strings.TrimLeft(upper[len("RSA"):], "-_ "))
	if err != nil {
		return nonCompliant("The certificate's RSA key length cannot be read from " + algo + "."), nil
	}
	if bits < acmMinRSABits {
		return nonCompliant(fmt.Sprintf("The certificate's RSA key is %d bits, less than %d.", bits, acmMinRSABits)), nil
	}
	return compliant(), nil
}

func acmStatus(c acmCert) string {
	if s := strings.TrimSpace(string(c.Status)); s != "" {
		return s
	}
	return "unknown"
}

// parseACMTime reads an AWS Config timestamp ("2017-01-09T20:13:28.000Z",
// any RFC 3339 form) or epoch seconds as the API's JSON gives them.
func parseACMTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil && secs > 0 {
		return time.Unix(0, int64(secs*float64(time.Second))).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp", s)
}
