package service

import (
	"context"
	"crypto/rand"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/configd/configd"
)

// This file holds the conformance pack operations
// (https://docs.aws.amazon.com/config/latest/developerguide/conformance-packs.html).
// A pack is a document (configd.DocConformancePack) that names the rules and
// remediation configurations it created; they are ordinary rules of the
// scope, created with CreatedBy config-conforms.amazonaws.com and deleted
// with the pack.

// Error codes of the conformance pack operations (AWS exception names,
// https://docs.aws.amazon.com/config/latest/APIReference/CommonErrors.html
// and each operation's Errors section).
const (
	ErrNoSuchConformancePack               = "NoSuchConformancePackException"
	ErrNoSuchConfigRuleInConformancePack   = "NoSuchConfigRuleInConformancePackException"
	ErrMaxNumberOfConformancePacksExceeded = "MaxNumberOfConformancePacksExceededException"
)

// ConformsService is the CreatedBy of the rules a conformance pack creates.
const ConformsService = "config-conforms.amazonaws.com"

// MaxConformancePacks is AWS Config's quota of conformance packs per
// account and region (https://docs.aws.amazon.com/config/latest/developerguide/configlimits.html).
const MaxConformancePacks = 50

// Conformance pack states (ConformancePackStatusDetail.ConformancePackState).
const (
	PackCreateInProgress = "CREATE_IN_PROGRESS"
	PackCreateComplete   = "CREATE_COMPLETE"
	PackCreateFailed     = "CREATE_FAILED"
	PackDeleteInProgress = "DELETE_IN_PROGRESS"
	PackDeleteFailed     = "DELETE_FAILED"
)

// ConformancePack is a deployed conformance pack.
type ConformancePack struct {
	Name                string            `json:"name"`
	ARN                 string            `json:"arn"`
	ID                  string            `json:"id"`
	DeliveryS3Bucket    string            `json:"deliveryS3Bucket,omitempty"`
	DeliveryS3KeyPrefix string            `json:"deliveryS3KeyPrefix,omitempty"`
	InputParameters     []PackParameter   `json:"inputParameters,omitempty"`
	SSMDocumentName     string            `json:"ssmDocumentName,omitempty"`
	SSMDocumentVersion  string            `json:"ssmDocumentVersion,omitempty"`
	CreatedBy           string            `json:"createdBy,omitempty"`
	State               string            `json:"state"`
	StatusReason        string            `json:"statusReason,omitempty"`
	StackARN            string            `json:"stackArn"`
	UpdateRequested     time.Time         `json:"updateRequested"`
	UpdateCompleted     time.Time         `json:"updateCompleted"`
	Rules               map[string]string `json:"rules"` // template rule name -> rule name
	Remediations        []string          `json:"remediations,omitempty"`
}

// RuleNames returns the names of the pack's rules, sorted.
func (p *ConformancePack) RuleNames() []string {
	out := make([]string, 0, len(p.Rules))
	for _, n := range p.Rules {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// PackParameter is a ConformancePackInputParameter.
type PackParameter struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// PutConformancePackInput is a PutConformancePack request.
type PutConformancePackInput struct {
	Name                string
	TemplateBody        string
	TemplateS3URI       string
	SSMDocumentName     string
	SSMDocumentVersion  string
	DeliveryS3Bucket    string
	DeliveryS3KeyPrefix string
	InputParameters     []PackParameter
}

func packNotFound(name string) error {
	// The exception's documented description (API_DescribeConformancePacks.html).
	return configd.Errorf(ErrNoSuchConformancePack, "You specified one or more conformance packs that do not exist.")
}

// randomLower returns n random lowercase letters and digits.
func randomLower(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// packRuleName is the name AWS gives a pack's rule: the template's name,
// "-conformance-pack-" and a random suffix.
func packRuleName(name string) string {
	return name + "-conformance-pack-" + randomLower(9)
}

// loadPack reads a pack, answering NoSuchConformancePackException when absent.
func loadPack(ctx context.Context, tx configd.Tx, scope configd.Scope, name string) (*ConformancePack, error) {
	d, err := tx.GetDocument(ctx, scope, configd.DocConformancePack, name)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, packNotFound(name)
	}
	return decodeJSON[ConformancePack](d)
}

// PutConformancePack creates or updates a conformance pack: it parses the
// template, then, in one transaction, creates, updates and deletes the
// pack's rules and remediation configurations to match it. S3 and SSM are
// not reachable from configd, so TemplateS3Uri and
// TemplateSSMDocumentDetails answer InsufficientPermissionsException, AWS's
// error for a template it cannot read (API_PutConformancePack.html). Without
// a configuration recorder the pack is stored CREATE_FAILED with no rules,
// as AWS's deployment fails.
func (s *Service) PutConformancePack(ctx context.Context, scope configd.Scope, in *PutConformancePackInput, tags []configd.Tag) (*ConformancePack, error) {
	sources := 0
	for _, v := range []string{in.TemplateBody, in.TemplateS3URI, in.SSMDocumentName} {
		if v != "" {
			sources++
		}
	}
	if sources != 1 {
		return nil, configd.Errorf(configd.ErrInvalidParameterValue, "You must specify only one of the following parameters: TemplateS3Uri, TemplateBody or TemplateSSMDocumentDetails.")
	}
	if in.TemplateS3URI != "" {
		if !strings.HasPrefix(in.TemplateS3URI, "s3://") {
			return nil, configd.Errorf(configd.ErrValidation, "1 validation error detected: Value '%s' at 'templateS3Uri' failed to satisfy constraint: Member must satisfy regular expression pattern: s3://.*", in.TemplateS3URI)
		}
		return nil, configd.Errorf(configd.ErrInsufficientPermissions, "AWS Config could not read the template at %s: configd cannot reach Amazon S3. Pass the template in TemplateBody.", in.TemplateS3URI)
	}
	if in.SSMDocumentName != "" {
		return nil, configd.Errorf(configd.ErrInsufficientPermissions, "AWS Config could not read the SSM document %s: configd cannot reach AWS Systems Manager. Pass the template in TemplateBody.", in.SSMDocumentName)
	}
	if len(in.TemplateBody) > MaxTemplateBytes {
		return nil, templateError("The template body is longer than %d bytes.", MaxTemplateBytes)
	}
	inputs := map[string]string{}
	for _, p := range in.InputParameters {
		inputs[p.Name] = p.Value
	}
	var out *ConformancePack
	err := s.write(ctx, func(tx configd.Tx) error {
		if err := tx.Lock(ctx, scope, "config-rules"); err != nil {
			return err
		}
		now := s.clock.Now()
		d, err := tx.GetDocument(ctx, scope, configd.DocConformancePack, in.Name)
		if err != nil {
			return err
		}
		p := &ConformancePack{Name: in.Name, Rules: map[string]string{}}
		if d != nil {
			if p, err = decodeJSON[ConformancePack](d); err != nil {
				return err
			}
			if p.Rules == nil {
				p.Rules = map[string]string{}
			}
		} else {
			all, err := tx.ListDocuments(ctx, scope, configd.DocConformancePack, "", 0)
			if err != nil {
				return err
			}
			if len(all) >= MaxConformancePacks {
				// The exception's documented description.
				return configd.Errorf(ErrMaxNumberOfConformancePacksExceeded, "You have reached the limit of the number of conformance packs you can create in an account. For more information, see Service Limits in the AWS Config Developer Guide.")
			}
			p.ID = "conformance-pack-" + randomLower(14)
			p.ARN = scope.ARN("config", "conformance-pack/"+in.Name+"/"+p.ID)
			p.StackARN = "arn:" + scope.Partition() + ":cloudformation:" + scope.Region + ":" + scope.AccountID + ":stack/awsconfigconforms-" + in.Name + "-" + p.ID[len("conformance-pack-"):] + "/" + NewUUID()
		}
		tpl, err := ParsePackTemplate(in.TemplateBody, inputs, scope, "awsconfigconforms-"+in.Name)
		if err != nil {
			return err
		}
		p.DeliveryS3Bucket, p.DeliveryS3KeyPrefix, p.InputParameters = in.DeliveryS3Bucket, in.DeliveryS3KeyPrefix, slices.Clone(in.InputParameters)
		p.UpdateRequested, p.UpdateCompleted = now, now
		recs, err := tx.ListRecorders(ctx, scope)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(recs, func(r *configd.Recorder) bool { return !r.ServiceLinked() }) {
			if err := s.removePackRules(ctx, tx, scope, p, nil); err != nil {
				return err
			}
			p.State, p.StatusReason = PackCreateFailed, msgNoRecorderForRule
		} else {
			if err := s.applyPackTemplate(ctx, tx, scope, p, tpl, now); err != nil {
				return err
			}
			p.State, p.StatusReason = PackCreateComplete, ""
		}
		if err := putJSON(ctx, tx, scope, configd.DocConformancePack, p.Name, p.ARN, p, now); err != nil {
			return err
		}
		out = p
		if len(tags) > 0 {
			return s.addTags(ctx, tx, scope, p.ARN, tags)
		}
		return nil
	})
	return out, err
}

// applyPackTemplate makes the pack's rules and remediation configurations
// those of the template: rules keep their names across updates.
func (s *Service) applyPackTemplate(ctx context.Context, tx configd.Tx, scope configd.Scope, p *ConformancePack, tpl *PackTemplate, now time.Time) error {
	keep := map[string]bool{}
	for _, tr := range tpl.Rules {
		keep[tr.Rule.Name] = true
	}
	if err := s.removePackRules(ctx, tx, scope, p, keep); err != nil {
		return err
	}
	n, err := tx.CountRules(ctx, scope)
	if err != nil {
		return err
	}
	for _, tr := range tpl.Rules {
		r := cloneRule(&tr.Rule)
		name, existing := p.Rules[tr.Rule.Name]
		if !existing {
			name = packRuleName(tr.Rule.Name)
		}
		r.Name = name
		if err := checkRule(r); err != nil {
			return templateError("Resource %s: %s", tr.Logical, configd.ErrorMessage(err))
		}
		r.CreatedBy = ConformsService
		st := &configd.RuleStatus{FirstActivatedTime: now}
		if prev, err := tx.GetRule(ctx, scope, name); err == nil {
			r.ARN, r.ID = prev.ARN, prev.ID
			if st, err = tx.GetRuleStatus(ctx, scope, name); err != nil {
				return err
			}
		} else if !configd.IsCode(err, configd.ErrNoSuchConfigRule) {
			return err
		} else {
			if n >= MaxConfigRules {
				return configd.Errorf(configd.ErrMaxNumberOfConfigRules, msgMaxRules, name, MaxConfigRules)
			}
			n++
			r.ID = ruleID()
			r.ARN = scope.ARN("config", "config-rule/"+r.ID)
		}
		r.State = configd.RuleStateActive
		if err := tx.Lock(ctx, scope, RuleJobKey(name)); err != nil {
			return err
		}
		if err := tx.PutRule(ctx, scope, r); err != nil {
			return err
		}
		st.NextScheduledRun = time.Time{}
		if d, ok := Period(r); ok {
			st.NextScheduledRun = now.Add(d)
		}
		if _, err := enqueueRuleJob(ctx, tx, scope, name, configd.TriggerRuleUpdated, now, st); err != nil {
			return err
		}
		if err := tx.PutRuleStatus(ctx, scope, name, st); err != nil {
			return err
		}
		p.Rules[tr.Rule.Name] = name
	}
	// Remediations: replace those of the previous template.
	for _, rule := range p.Remediations {
		if err := tx.DeleteRemediationConfiguration(ctx, scope, rule); err != nil && !configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration) {
			return err
		}
	}
	p.Remediations = nil
	for _, tr := range tpl.Remediations {
		c := tr.Remediation
		c.RuleName = p.Rules[c.RuleName]
		if err := NormalizeRemediationConfiguration(&c); err != nil {
			return templateError("Resource %s: %s", tr.Logical, configd.ErrorMessage(err))
		}
		c.CreatedByService = ConformsService
		if prev, err := tx.GetRemediationConfiguration(ctx, scope, c.RuleName); err == nil {
			c.ARN = prev.ARN
		} else if !configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration) {
			return err
		} else {
			c.ARN = scope.ARN("config", "remediation-configuration/"+c.RuleName+"/"+NewUUID())
		}
		if err := tx.PutRemediationConfiguration(ctx, scope, &c); err != nil {
			return err
		}
		p.Remediations = append(p.Remediations, c.RuleName)
	}
	return nil
}

// removePackRules deletes the pack's rules whose template names are not in
// keep, with their remediation configurations, results and tags.
func (s *Service) removePackRules(ctx context.Context, tx configd.Tx, scope configd.Scope, p *ConformancePack, keep map[string]bool) error {
	for tname, name := range p.Rules {
		if keep[tname] {
			continue
		}
		if err := tx.DeleteRemediationConfiguration(ctx, scope, name); err != nil && !configd.IsCode(err, configd.ErrNoSuchRemediationConfiguration) {
			return err
		}
		p.Remediations = slices.DeleteFunc(p.Remediations, func(r string) bool { return r == name })
		r, err := tx.GetRule(ctx, scope, name)
		if configd.IsCode(err, configd.ErrNoSuchConfigRule) {
			delete(p.Rules, tname)
			continue
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteRule(ctx, scope, name); err != nil {
			return err
		}
		if err := tx.DeleteAllTags(ctx, scope, r.ARN); err != nil {
			return err
		}
		delete(p.Rules, tname)
	}
	return nil
}

// DescribeConformancePacks returns the named packs, each of which must
// exist (all of the scope, by name, when names is empty).
func (s *Service) DescribeConformancePacks(ctx context.Context, scope configd.Scope, names []string) ([]*ConformancePack, error) {
	return s.describePacks(ctx, scope, names, false)
}

// ConformancePackStatuses returns the named packs that exist (all of the
// scope, by name, when names is empty), for DescribeConformancePackStatus:
// unlike DescribeConformancePacks it does not answer
// NoSuchConformancePackException for a name it does not know. The API model
// lists no such error for it, and the Terraform AWS provider waits for a
// deleted pack by polling DescribeConformancePackStatus until it lists none
// (waitConformancePackDeleted); before 2025 the SDK it is built with could
// not even recognise that error on this operation.
func (s *Service) ConformancePackStatuses(ctx context.Context, scope configd.Scope, names []string) ([]*ConformancePack, error) {
	return s.describePacks(ctx, scope, names, true)
}

func (s *Service) describePacks(ctx context.Context, scope configd.Scope, names []string, skipMissing bool) ([]*ConformancePack, error) {
	var out []*ConformancePack
	err := s.read(ctx, func(tx configd.Tx) error {
		out = nil
		if len(names) > 0 {
			for _, n := range names {
				if slices.ContainsFunc(out, func(p *ConformancePack) bool { return p.Name == n }) {
					continue
				}
				p, err := loadPack(ctx, tx, scope, n)
				if skipMissing && configd.IsCode(err, ErrNoSuchConformancePack) {
					continue
				}
				if err != nil {
					return err
				}
				out = append(out, p)
			}
			sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
			return nil
		}
		ds, err := tx.ListDocuments(ctx, scope, configd.DocConformancePack, "", 0)
		if err != nil {
			return err
		}
		for _, d := range ds {
			p, err := decodeJSON[ConformancePack](d)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// DeleteConformancePack deletes a pack with its rules, their evaluation
// results and remediation configurations. A rule of the pack that is
// being deleted or evaluated refuses it with ResourceInUseException.
func (s *Service) DeleteConformancePack(ctx context.Context, scope configd.Scope, name string) error {
	return s.write(ctx, func(tx configd.Tx) error {
		if err := tx.Lock(ctx, scope, "config-rules"); err != nil {
			return err
		}
		p, err := loadPack(ctx, tx, scope, name)
		if err != nil {
			return err
		}
		for _, rn := range p.RuleNames() {
			r, err := tx.GetRule(ctx, scope, rn)
			if configd.IsCode(err, configd.ErrNoSuchConfigRule) {
				continue
			}
			if err != nil {
				return err
			}
			if err := ruleInUse(r); err != nil {
				return err
			}
		}
		if err := s.removePackRules(ctx, tx, scope, p, nil); err != nil {
			return err
		}
		if _, err := tx.DeleteDocument(ctx, scope, configd.DocConformancePack, name); err != nil {
			return err
		}
		return tx.DeleteAllTags(ctx, scope, p.ARN)
	})
}
