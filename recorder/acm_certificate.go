package recorder

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"

	"github.com/configd/configd"
)

func init() { register(acmCertificates{}) }

// acmCertificates discovers AWS::ACM::Certificate. AWS Config records this
// type as DescribeCertificate's CertificateDetail with lowerCamel keys:
//
//	{"certificateArn":"arn:aws:acm:<region>:<account>:certificate/<uuid>",
//	 "certificateAuthorityArn":null,"domainName":"example.com",
//	 "subjectAlternativeNames":["example.com","www.example.com"],
//	 "domainValidationOptions":[{"domainName":"example.com","validationDomain":"example.com",
//	   "validationEmails":[],"validationMethod":"DNS","validationStatus":"SUCCESS",
//	   "resourceRecord":{"name":"_x.example.com.","type":"CNAME","value":"_y.acm-validations.aws."}}],
//	 "serial":"07:71:…","subject":"CN=example.com","issuer":"Amazon",
//	 "createdAt":"2017-01-09T20:13:28.000Z","issuedAt":"…","importedAt":null,
//	 "status":"ISSUED","notBefore":"…","notAfter":"…","keyAlgorithm":"RSA-2048",
//	 "signatureAlgorithm":"SHA256WITHRSA","inUseBy":["arn:aws:elasticloadbalancing:…"],
//	 "failureReason":null,"type":"AMAZON_ISSUED",
//	 "renewalSummary":{"renewalStatus":"SUCCESS","renewalStatusReason":null,"domainValidationOptions":[…]},
//	 "keyUsages":[{"name":"DIGITAL_SIGNATURE"}],
//	 "extendedKeyUsages":[{"name":"TLS_WEB_SERVER_AUTHENTICATION","oID":"1.3.6.1.5.5.7.3.1"}],
//	 "renewalEligibility":"ELIGIBLE",
//	 "options":{"certificateTransparencyLoggingPreference":"ENABLED"}}
//
// Verified: the property paths AWS Config lists for the type
// (awslabs/aws-config-resource-schema,
// config/properties/resource-types/AWS::ACM::Certificate.properties.json):
// certificateArn, certificateAuthorityArn, createdAt/importedAt/issuedAt/
// notAfter/notBefore (dates), domainName, domainValidationOptions.
// {domainName, validationDomain, validationEmails, validationMethod,
// validationStatus, resourceRecord.{name,type,value}}, extendedKeyUsages.
// {name, oID}, failureReason, inUseBy, issuer, keyAlgorithm, keyUsages.name,
// options.certificateTransparencyLoggingPreference, renewalEligibility,
// renewalSummary.{renewalStatus, domainValidationOptions.*}, serial,
// signatureAlgorithm, status, subject, subjectAlternativeNames, type; so the
// keys are the API member names with the first letter lower-cased
// ("OID" → "oID" confirms the mechanical rule), and tags are the item's, not
// a configuration key.
//
// Derived, with no AWS Config item found to confirm them:
//   - timestamps in the common AWS Config layout (2017-01-09T20:13:28.000Z);
//     members that do not apply are null (createdAt/issuedAt of imported
//     certificates, importedAt of requested ones, failureReason, …) and
//     absent lists [];
//   - renewalSummary.renewalStatusReason (an API member AWS's list omits);
//   - inUseBy, validationEmails, keyUsages and extendedKeyUsages are sorted,
//     and domainValidationOptions are sorted by domain name (ACM documents
//     no order, and some endpoints return them in set order), so that an
//     unchanged certificate gives byte-identical configuration;
//     subjectAlternativeNames keep the API's order (the certificate's own).
//
// Resource id and ARN are the certificate ARN (the only identifier ACM has;
// CloudFormation's primary identifier too), resourceName the domain name,
// availabilityZone "Not Applicable", resourceCreationTime createdAt, or
// importedAt for an imported certificate (all derived). No relationships:
// AWS Config relates certificates to the load balancers using them, but no
// item showing the relationship's name was found; inUseBy carries them.
//
// Left out: renewalSummary.updatedAt (a bookkeeping timestamp ACM moves while
// it retries a managed renewal; not in AWS's list) and the members AWS's list
// does not name and that later API versions added (revokedAt and
// revocationReason — status REVOKED records the revocation —, options.export
// and options.validationMethod, managedBy, certificateKeyPairOrigin, the
// ACME members, updateSummary), built from an explicit list so that an SDK
// upgrade does not rewrite every certificate's configuration. The
// certificate body, its chain and private key are never read (no
// GetCertificate or ExportCertificate call).
//
// ListCertificates returns only RSA_1024 and RSA_2048 certificates, of key
// pair origin AWS_MANAGED or CUSTOMER_PROVIDED, unless asked otherwise: the
// listing asks for every key type and origin, and every status (no status
// filter), so that EC, larger RSA, ACME, expired and failed certificates are
// recorded too.
type acmCertificates struct{}

func (acmCertificates) ResourceType() string { return "AWS::ACM::Certificate" }
func (acmCertificates) Global() bool         { return false }

// acmListInput asks for certificates of every key type and key pair origin
// (see acmCertificates); no status filter means every status.
func acmListInput() *acm.ListCertificatesInput {
	return &acm.ListCertificatesInput{
		Includes:                  &acmtypes.Filters{KeyTypes: acmtypes.KeyAlgorithm("").Values()},
		CertificateKeyPairOrigins: acmtypes.CertificateKeyPairOrigin("").Values(),
	}
}

func (d acmCertificates) Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error {
	client := acm.NewFromConfig(cfg)
	p := acm.NewListCertificatesPaginator(client, acmListInput())
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list certificates: %w", err)
		}
		if err := emitEach(len(page.CertificateSummaryList), func(i int) (*configd.ConfigurationItem, error) {
			return d.item(ctx, client, scope, str(page.CertificateSummaryList[i].CertificateArn))
		}, emit); err != nil {
			return err
		}
	}
	return nil
}

// item describes the certificate and reads its tags; nil when the
// certificate was deleted between the listing and the reads.
func (d acmCertificates) item(ctx context.Context, client *acm.Client, scope configd.Scope, arn string) (*configd.ConfigurationItem, error) {
	out, err := client.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: &arn})
	if isCode(err, "ResourceNotFoundException") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe certificate %s: %w", arn, err)
	}
	c := out.Certificate
	if c == nil {
		return nil, nil
	}
	if a := str(c.CertificateArn); a != "" {
		arn = a
	}
	tags, err := client.ListTagsForCertificate(ctx, &acm.ListTagsForCertificateInput{CertificateArn: &arn})
	if isCode(err, "ResourceNotFoundException") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list tags for certificate %s: %w", arn, err)
	}
	ci := newItem(d.ResourceType(), arn, str(c.DomainName), arn, scope.Region, azNotApplicable)
	ci.ResourceCreationTime = timeOf(c.CreatedAt)
	if ci.ResourceCreationTime.IsZero() {
		ci.ResourceCreationTime = timeOf(c.ImportedAt)
	}
	for _, t := range tags.Tags {
		ci.Tags[str(t.Key)] = str(t.Value)
	}
	ci.Configuration = encode(acmCertificateConfiguration(c, arn))
	finish(ci)
	return ci, nil
}

// acmCertificateConfiguration renders a CertificateDetail as AWS Config
// records it (see acmCertificates).
func acmCertificateConfiguration(c *acmtypes.CertificateDetail, arn string) map[string]any {
	keyUsages := make([]any, 0, len(c.KeyUsages))
	for _, u := range c.KeyUsages {
		keyUsages = append(keyUsages, map[string]any{"name": acmEnum(string(u.Name))})
	}
	sortByJSON(keyUsages)
	extended := make([]any, 0, len(c.ExtendedKeyUsages))
	for _, u := range c.ExtendedKeyUsages {
		extended = append(extended, map[string]any{"name": acmEnum(string(u.Name)), "oID": ciValue(u.OID)})
	}
	sortByJSON(extended)

	var options any
	if o := c.Options; o != nil {
		options = map[string]any{"certificateTransparencyLoggingPreference": acmEnum(string(o.CertificateTransparencyLoggingPreference))}
	}
	var renewal any
	if r := c.RenewalSummary; r != nil {
		renewal = map[string]any{
			"renewalStatus":           acmEnum(string(r.RenewalStatus)),
			"renewalStatusReason":     acmEnum(string(r.RenewalStatusReason)),
			"domainValidationOptions": acmValidations(r.DomainValidationOptions),
		}
	}
	return map[string]any{
		"certificateArn":          arn,
		"certificateAuthorityArn": ciValue(c.CertificateAuthorityArn),
		"createdAt":               ciValue(c.CreatedAt),
		"domainName":              ciValue(c.DomainName),
		"domainValidationOptions": acmValidations(c.DomainValidationOptions),
		"extendedKeyUsages":       extended,
		"failureReason":           acmEnum(string(c.FailureReason)),
		"importedAt":              ciValue(c.ImportedAt),
		"inUseBy":                 acmSorted(c.InUseBy),
		"issuedAt":                ciValue(c.IssuedAt),
		"issuer":                  ciValue(c.Issuer),
		"keyAlgorithm":            acmEnum(string(c.KeyAlgorithm)),
		"keyUsages":               keyUsages,
		"notAfter":                ciValue(c.NotAfter),
		"notBefore":               ciValue(c.NotBefore),
		"options":                 options,
		"renewalEligibility":      acmEnum(string(c.RenewalEligibility)),
		"renewalSummary":          renewal,
		"serial":                  ciValue(c.Serial),
		"signatureAlgorithm":      ciValue(c.SignatureAlgorithm),
		"status":                  acmEnum(string(c.Status)),
		"subject":                 ciValue(c.Subject),
		"subjectAlternativeNames": append([]string{}, c.SubjectAlternativeNames...),
		"type":                    acmEnum(string(c.Type)),
	}
}

// acmValidations renders domain validation options, sorted by domain name.
func acmValidations(list []acmtypes.DomainValidation) []any {
	sorted := append([]acmtypes.DomainValidation{}, list...)
	sort.SliceStable(sorted, func(i, j int) bool { return str(sorted[i].DomainName) < str(sorted[j].DomainName) })
	out := make([]any, 0, len(sorted))
	for _, v := range sorted {
		var rr any
		if r := v.ResourceRecord; r != nil {
			rr = map[string]any{"name": ciValue(r.Name), "type": acmEnum(string(r.Type)), "value": ciValue(r.Value)}
		}
		out = append(out, map[string]any{
			"domainName":       ciValue(v.DomainName),
			"validationDomain": ciValue(v.ValidationDomain),
			"validationEmails": acmSorted(v.ValidationEmails),
			"validationMethod": acmEnum(string(v.ValidationMethod)),
			"validationStatus": acmEnum(string(v.ValidationStatus)),
			"resourceRecord":   rr,
		})
	}
	return out
}

// acmEnum is an enum member's value, null when the API left it out.
func acmEnum(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// acmSorted returns a sorted copy of list, never nil (it encodes as []).
func acmSorted(list []string) []string {
	out := append([]string{}, list...)
	sort.Strings(out)
	return out
}
