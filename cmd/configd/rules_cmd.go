package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// maxRuleNames is the most rule names DescribeConfigRules and
// DescribeConfigRuleEvaluationStatus accept in one request
// (https://docs.aws.amazon.com/config/latest/APIReference/API_DescribeConfigRuleEvaluationStatus.html).
const maxRuleNames = 25

// runRules runs `configd rules`: the Config rules with their evaluation
// status (DescribeConfigRules and DescribeConfigRuleEvaluationStatus).
func runRules(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := newCLI(ctx, stdout, stderr)
	fs := newFlagSet("rules", stderr, "configd rules --endpoint-url http://127.0.0.1:4599\n  configd rules --rule s3-encryption --rule required-tags --output json")
	af := addAWSFlags(fs)
	var names stringList
	fs.Var(&names, "rule", "show only the rule with this `name`; repeat the flag or list several names")
	_, err := parseArgs(fs, args, &names)
	if err != nil {
		return err
	}
	svc, err := c.service(ctx, fs, af)
	if err != nil {
		return cliError(err)
	}
	return cliError(c.rules(ctx, svc, af, names))
}

// ruleReport is the JSON form of a rule and its evaluation status.
type ruleReport struct {
	ConfigRuleName   string   `json:"ConfigRuleName"`
	ConfigRuleArn    string   `json:"ConfigRuleArn,omitempty"`
	ConfigRuleState  string   `json:"ConfigRuleState"`
	Owner            string   `json:"Owner"`
	SourceIdentifier string   `json:"SourceIdentifier,omitempty"`
	ResourceTypes    []string `json:"ComplianceResourceTypes"`
	// Evaluation is OK, FAILED or NOT_EVALUATED (see evaluation).
	Evaluation                   string  `json:"Evaluation"`
	FirstEvaluationStarted       bool    `json:"FirstEvaluationStarted"`
	LastSuccessfulEvaluationTime *string `json:"LastSuccessfulEvaluationTime,omitempty"`
	LastFailedEvaluationTime     *string `json:"LastFailedEvaluationTime,omitempty"`
	LastSuccessfulInvocationTime *string `json:"LastSuccessfulInvocationTime,omitempty"`
	LastFailedInvocationTime     *string `json:"LastFailedInvocationTime,omitempty"`
	LastErrorCode                string  `json:"LastErrorCode,omitempty"`
	LastErrorMessage             string  `json:"LastErrorMessage,omitempty"`
}

// evaluation sums up a status: FAILED if the latest evaluation failed, OK if
// it succeeded, NOT_EVALUATED if none has run yet.
func evaluation(st *types.ConfigRuleEvaluationStatus) (state string, last *time.Time) {
	if st == nil {
		return "NOT_EVALUATED", nil
	}
	ok, bad := st.LastSuccessfulEvaluationTime, st.LastFailedEvaluationTime
	switch {
	case bad != nil && (ok == nil || bad.After(*ok)):
		return "FAILED", bad
	case ok != nil:
		return "OK", ok
	}
	return "NOT_EVALUATED", nil
}

func (c *cli) rules(ctx context.Context, svc *configservice.Client, af *awsFlags, names []string) error {
	var rules []types.ConfigRule
	// No names: every rule. Names: 25 per request.
	for first := true; first || len(names) > 0; first = false {
		in := &configservice.DescribeConfigRulesInput{}
		if len(names) > 0 {
			n := min(len(names), maxRuleNames)
			in.ConfigRuleNames, names = names[:n], names[n:]
		}
		p := configservice.NewDescribeConfigRulesPaginator(svc, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			rules = append(rules, page.ConfigRules...)
		}
	}
	status := map[string]*types.ConfigRuleEvaluationStatus{}
	for i := 0; i < len(rules); i += maxRuleNames {
		var batch []string
		for _, r := range rules[i:min(i+maxRuleNames, len(rules))] {
			batch = append(batch, aws.ToString(r.ConfigRuleName))
		}
		p := configservice.NewDescribeConfigRuleEvaluationStatusPaginator(svc, &configservice.DescribeConfigRuleEvaluationStatusInput{ConfigRuleNames: batch})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			for j := range page.ConfigRulesEvaluationStatus {
				st := &page.ConfigRulesEvaluationStatus[j]
				status[aws.ToString(st.ConfigRuleName)] = st
			}
		}
	}
	reps := make([]ruleReport, 0, len(rules))
	for _, r := range rules {
		name := aws.ToString(r.ConfigRuleName)
		rr := ruleReport{ConfigRuleName: name, ConfigRuleArn: aws.ToString(r.ConfigRuleArn), ConfigRuleState: string(r.ConfigRuleState), ResourceTypes: []string{}}
		if r.Source != nil {
			rr.Owner, rr.SourceIdentifier = string(r.Source.Owner), aws.ToString(r.Source.SourceIdentifier)
		}
		if r.Scope != nil {
			rr.ResourceTypes = append(rr.ResourceTypes, r.Scope.ComplianceResourceTypes...)
		}
		st := status[name]
		rr.Evaluation, _ = evaluation(st)
		if st != nil {
			rr.FirstEvaluationStarted = st.FirstEvaluationStarted
			rr.LastSuccessfulEvaluationTime = jsonTime(st.LastSuccessfulEvaluationTime)
			rr.LastFailedEvaluationTime = jsonTime(st.LastFailedEvaluationTime)
			rr.LastSuccessfulInvocationTime = jsonTime(st.LastSuccessfulInvocationTime)
			rr.LastFailedInvocationTime = jsonTime(st.LastFailedInvocationTime)
			rr.LastErrorCode, rr.LastErrorMessage = aws.ToString(st.LastErrorCode), aws.ToString(st.LastErrorMessage)
		}
		reps = append(reps, rr)
	}
	if af.json() {
		writeJSON(c.stdout, struct {
			ConfigRules []ruleReport `json:"ConfigRules"`
		}{reps})
		return nil
	}
	if len(reps) == 0 {
		fmt.Fprintln(c.stdout, "no Config rules")
		return nil
	}
	t := newTable(c.stdout, "RULE", "STATE", "SOURCE", "EVALUATION", "LAST EVALUATED", "LAST ERROR")
	for i, rr := range reps {
		src := rr.Owner
		if rr.SourceIdentifier != "" {
			src += " " + rr.SourceIdentifier
		}
		state, last := evaluation(status[aws.ToString(rules[i].ConfigRuleName)])
		lastErr := ""
		if state == "FAILED" {
			lastErr = rr.LastErrorCode
			if rr.LastErrorMessage != "" {
				lastErr += ": " + rr.LastErrorMessage
			}
		}
		t.row(rr.ConfigRuleName, rr.ConfigRuleState, src, state, stamp(last), lastErr)
	}
	t.flush()
	return nil
}
