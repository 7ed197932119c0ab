package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// runCompliance runs `configd compliance`: a summary of rules and resources
// by compliance.
//
//   - without a filter: every rule's compliance (DescribeComplianceByConfigRule)
//     and the counts of compliant and non-compliant rules
//     (GetComplianceSummaryByConfigRule) and resources
//     (GetComplianceSummaryByResourceType);
//   - --rule R: the rule's compliance and each resource it evaluated
//     (GetComplianceDetailsByConfigRule);
//   - --resource-type T: each resource of the type
//     (DescribeComplianceByResource) and the type's counts.
func runCompliance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCLI(ctx, stdout, stderr)
	fs := newFlagSet("compliance", stderr,
		"configd compliance --endpoint-url http://127.0.0.1:4599\n  configd compliance --rule s3-encryption\n  configd compliance --resource-type AWS::S3::Bucket")
	af := addAWSFlags(fs)
	rule := fs.String("rule", "", "show the resources this rule evaluated")
	typ := fs.String("resource-type", "", "show the resources of this type")
	pos, err := parseArgs(fs, args, nil)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usage(fs, "unexpected argument %q", pos[0])
	case *rule != "" && *typ != "":
		return usage(fs, "give --rule or --resource-type, not both")
	}
	svc, err := c.service(ctx, fs, af)
	if err != nil {
		return cliError(err)
	}
	switch {
	case *rule != "":
		err = c.complianceOfRule(ctx, svc, af, *rule)
	case *typ != "":
		err = c.complianceOfType(ctx, svc, af, *typ)
	default:
		err = c.complianceSummary(ctx, svc, af)
	}
	return cliError(err)
}

// countText formats a capped count: "25+" when the cap was exceeded, "" when
// absent.
func countText(n *types.ComplianceContributorCount) string {
	if n == nil {
		return ""
	}
	s := strconv.Itoa(int(n.CappedCount))
	if n.CapExceeded {
		s += "+"
	}
	return s
}

// countReport is the JSON form of a capped count.
type countReport struct {
	CappedCount int  `json:"CappedCount"`
	CapExceeded bool `json:"CapExceeded"`
}

func countOf(n *types.ComplianceContributorCount) *countReport {
	if n == nil {
		return nil
	}
	return &countReport{CappedCount: int(n.CappedCount), CapExceeded: n.CapExceeded}
}

// complianceReport is the JSON form of a Compliance.
type complianceReport struct {
	ComplianceType             string       `json:"ComplianceType"`
	ComplianceContributorCount *countReport `json:"ComplianceContributorCount,omitempty"`
}

func complianceOf(c *types.Compliance) complianceReport {
	if c == nil {
		return complianceReport{}
	}
	return complianceReport{ComplianceType: string(c.ComplianceType), ComplianceContributorCount: countOf(c.ComplianceContributorCount)}
}

// summaryReport is the JSON form of a ComplianceSummary.
type summaryReport struct {
	ResourceType               string       `json:"ResourceType,omitempty"`
	CompliantResourceCount     *countReport `json:"CompliantResourceCount,omitempty"`
	NonCompliantResourceCount  *countReport `json:"NonCompliantResourceCount,omitempty"`
	ComplianceSummaryTimestamp *string      `json:"ComplianceSummaryTimestamp,omitempty"`
}

func summaryOf(typ *string, s *types.ComplianceSummary) summaryReport {
	r := summaryReport{ResourceType: aws.ToString(typ)}
	if s != nil {
		r.CompliantResourceCount = countOf(s.CompliantResourceCount)
		r.NonCompliantResourceCount = countOf(s.NonCompliantResourceCount)
		r.ComplianceSummaryTimestamp = jsonTime(s.ComplianceSummaryTimestamp)
	}
	return r
}

// summaryLine words a summary: "3 compliant, 2 non-compliant".
func summaryLine(s *types.ComplianceSummary) string {
	if s == nil {
		return "no data"
	}
	c, n := countText(s.CompliantResourceCount), countText(s.NonCompliantResourceCount)
	if c == "" {
		c = "0"
	}
	if n == "" {
		n = "0"
	}
	line := c + " compliant, " + n + " non-compliant"
	if t := stamp(s.ComplianceSummaryTimestamp); t != "" {
		line += " (as of " + t + ")"
	}
	return line
}

// complianceByRule lists every page of DescribeComplianceByConfigRule.
func complianceByRule(ctx context.Context, svc *configservice.Client, names []string) ([]types.ComplianceByConfigRule, error) {
	var out []types.ComplianceByConfigRule
	p := configservice.NewDescribeComplianceByConfigRulePaginator(svc, &configservice.DescribeComplianceByConfigRuleInput{ConfigRuleNames: names})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.ComplianceByConfigRules...)
	}
	return out, nil
}

// complianceSummary shows every rule and the summaries.
func (c *cli) complianceSummary(ctx context.Context, svc *configservice.Client, af *awsFlags) error {
	rules, err := complianceByRule(ctx, svc, nil)
	if err != nil {
		return err
	}
	bySum, err := svc.GetComplianceSummaryByConfigRule(ctx, &configservice.GetComplianceSummaryByConfigRuleInput{})
	if err != nil {
		return err
	}
	byType, err := svc.GetComplianceSummaryByResourceType(ctx, &configservice.GetComplianceSummaryByResourceTypeInput{})
	if err != nil {
		return err
	}
	// Without resource types, AWS answers one summary over all of them.
	var resources *types.ComplianceSummary
	for _, s := range byType.ComplianceSummariesByResourceType {
		if s.ResourceType == nil {
			resources = s.ComplianceSummary
		}
	}
	if af.json() {
		type ruleReport struct {
			ConfigRuleName string           `json:"ConfigRuleName"`
			Compliance     complianceReport `json:"Compliance"`
		}
		out := struct {
			ComplianceByConfigRules []ruleReport  `json:"ComplianceByConfigRules"`
			Rules                   summaryReport `json:"Rules"`
			Resources               summaryReport `json:"Resources"`
		}{ComplianceByConfigRules: []ruleReport{}, Rules: summaryOf(nil, bySum.ComplianceSummary), Resources: summaryOf(nil, resources)}
		for _, r := range rules {
			out.ComplianceByConfigRules = append(out.ComplianceByConfigRules, ruleReport{aws.ToString(r.ConfigRuleName), complianceOf(r.Compliance)})
		}
		writeJSON(c.stdout, out)
		return nil
	}
	if len(rules) == 0 {
		fmt.Fprintln(c.stdout, "no Config rules")
	} else {
		t := newTable(c.stdout, "RULE", "COMPLIANCE", "NON-COMPLIANT RESOURCES")
		for _, r := range rules {
			cr := complianceOf(r.Compliance)
			n := ""
			if r.Compliance != nil {
				n = countText(r.Compliance.ComplianceContributorCount)
			}
			t.row(aws.ToString(r.ConfigRuleName), cr.ComplianceType, n)
		}
		t.flush()
	}
	fmt.Fprintf(c.stdout, "\nRules:     %s\nResources: %s\n", summaryLine(bySum.ComplianceSummary), summaryLine(resources))
	return nil
}

// complianceOfRule shows one rule's compliance and its evaluation results.
func (c *cli) complianceOfRule(ctx context.Context, svc *configservice.Client, af *awsFlags, rule string) error {
	rules, err := complianceByRule(ctx, svc, []string{rule})
	if err != nil {
		return err
	}
	var results []types.EvaluationResult
	p := configservice.NewGetComplianceDetailsByConfigRulePaginator(svc, &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: &rule})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		results = append(results, page.EvaluationResults...)
	}
	var comp complianceReport
	for _, r := range rules {
		if aws.ToString(r.ConfigRuleName) == rule {
			comp = complianceOf(r.Compliance)
		}
	}
	type resultReport struct {
		ResourceType          string  `json:"ResourceType"`
		ResourceId            string  `json:"ResourceId"`
		ComplianceType        string  `json:"ComplianceType"`
		Annotation            string  `json:"Annotation,omitempty"`
		ResultRecordedTime    *string `json:"ResultRecordedTime,omitempty"`
		ConfigRuleInvokedTime *string `json:"ConfigRuleInvokedTime,omitempty"`
	}
	reps := []resultReport{}
	for _, r := range results {
		rr := resultReport{ComplianceType: string(r.ComplianceType), Annotation: aws.ToString(r.Annotation),
			ResultRecordedTime: jsonTime(r.ResultRecordedTime), ConfigRuleInvokedTime: jsonTime(r.ConfigRuleInvokedTime)}
		if id := r.EvaluationResultIdentifier; id != nil && id.EvaluationResultQualifier != nil {
			rr.ResourceType = aws.ToString(id.EvaluationResultQualifier.ResourceType)
			rr.ResourceId = aws.ToString(id.EvaluationResultQualifier.ResourceId)
		}
		reps = append(reps, rr)
	}
	if af.json() {
		writeJSON(c.stdout, struct {
			ConfigRuleName    string           `json:"ConfigRuleName"`
			Compliance        complianceReport `json:"Compliance"`
			EvaluationResults []resultReport   `json:"EvaluationResults"`
		}{rule, comp, reps})
		return nil
	}
	state := comp.ComplianceType
	if state == "" {
		state = "no compliance data"
	}
	fmt.Fprintf(c.stdout, "Rule %s: %s\n\n", rule, state)
	if len(reps) == 0 {
		fmt.Fprintln(c.stdout, "no evaluation results")
		return nil
	}
	t := newTable(c.stdout, "RESOURCE TYPE", "RESOURCE ID", "COMPLIANCE", "RECORDED", "ANNOTATION")
	for _, r := range reps {
		rec := ""
		if r.ResultRecordedTime != nil {
			rec = *r.ResultRecordedTime
		}
		t.row(r.ResourceType, r.ResourceId, r.ComplianceType, rec, r.Annotation)
	}
	t.flush()
	return nil
}

// complianceOfType shows the resources of one type and the type's counts.
func (c *cli) complianceOfType(ctx context.Context, svc *configservice.Client, af *awsFlags, typ string) error {
	var res []types.ComplianceByResource
	p := configservice.NewDescribeComplianceByResourcePaginator(svc, &configservice.DescribeComplianceByResourceInput{ResourceType: &typ})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		res = append(res, page.ComplianceByResources...)
	}
	sum, err := svc.GetComplianceSummaryByResourceType(ctx, &configservice.GetComplianceSummaryByResourceTypeInput{ResourceTypes: []string{typ}})
	if err != nil {
		return err
	}
	var s *types.ComplianceSummary
	for _, x := range sum.ComplianceSummariesByResourceType {
		if aws.ToString(x.ResourceType) == typ {
			s = x.ComplianceSummary
		}
	}
	if af.json() {
		type resourceCompliance struct {
			ResourceType string           `json:"ResourceType"`
			ResourceId   string           `json:"ResourceId"`
			Compliance   complianceReport `json:"Compliance"`
		}
		out := struct {
			ComplianceByResources []resourceCompliance `json:"ComplianceByResources"`
			Summary               summaryReport        `json:"Summary"`
		}{ComplianceByResources: []resourceCompliance{}, Summary: summaryOf(&typ, s)}
		for _, r := range res {
			out.ComplianceByResources = append(out.ComplianceByResources, resourceCompliance{aws.ToString(r.ResourceType), aws.ToString(r.ResourceId), complianceOf(r.Compliance)})
		}
		writeJSON(c.stdout, out)
		return nil
	}
	if len(res) == 0 {
		fmt.Fprintf(c.stdout, "no evaluated resources of type %s\n", typ)
	} else {
		t := newTable(c.stdout, "RESOURCE ID", "COMPLIANCE", "NON-COMPLIANT RULES")
		for _, r := range res {
			n := ""
			if r.Compliance != nil {
				n = countText(r.Compliance.ComplianceContributorCount)
			}
			t.row(aws.ToString(r.ResourceId), complianceOf(r.Compliance).ComplianceType, n)
		}
		t.flush()
	}
	fmt.Fprintf(c.stdout, "\n%s: %s\n", typ, summaryLine(s))
	return nil
}
