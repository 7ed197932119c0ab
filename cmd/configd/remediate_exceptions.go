package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// maxExceptionKeys is the most resource keys PutRemediationExceptions,
// DeleteRemediationExceptions and DescribeRemediationExceptions accept in
// one request
// (https://docs.aws.amazon.com/config/latest/APIReference/API_PutRemediationExceptions.html).
const maxExceptionKeys = 100

// remediateExceptions runs `configd remediate exceptions <command>`.
func (c *cli) remediateExceptions(ctx context.Context, args []string) error {
	return dispatch(ctx, c, "remediate exceptions", []subcommand{
		{"list", "list a rule's remediation exceptions", (*cli).exceptionsList},
		{"put", "exempt resources from a rule's remediation", (*cli).exceptionsPut},
		{"delete", "remove remediation exceptions", (*cli).exceptionsDelete},
	}, args)
}

// exceptionKeys builds the exception keys of one type.
func exceptionKeys(typ string, ids []string) []types.RemediationExceptionResourceKey {
	keys := make([]types.RemediationExceptionResourceKey, len(ids))
	for i, id := range ids {
		keys[i] = types.RemediationExceptionResourceKey{ResourceType: aws.String(typ), ResourceId: aws.String(id)}
	}
	return keys
}

// exceptionReport is the JSON form of a remediation exception.
type exceptionReport struct {
	ConfigRuleName string  `json:"ConfigRuleName"`
	ResourceType   string  `json:"ResourceType"`
	ResourceId     string  `json:"ResourceId"`
	Message        string  `json:"Message,omitempty"`
	ExpirationTime *string `json:"ExpirationTime,omitempty"`
}

func exceptionOf(e types.RemediationException) exceptionReport {
	return exceptionReport{
		ConfigRuleName: aws.ToString(e.ConfigRuleName), ResourceType: aws.ToString(e.ResourceType),
		ResourceId: aws.ToString(e.ResourceId), Message: aws.ToString(e.Message), ExpirationTime: jsonTime(e.ExpirationTime),
	}
}

// exceptionsList runs `configd remediate exceptions list`.
func (c *cli) exceptionsList(ctx context.Context, args []string) error {
	fs := newFlagSet("remediate exceptions list", c.stderr,
		"configd remediate exceptions list --rule s3-encryption")
	af := addAWSFlags(fs)
	k := addKeyFlags(fs, false, "resource type of the --resource-id keys", "show only the resource with this `id` (needs --resource-type); repeat the flag or list several ids")
	_, err := parseArgs(fs, args, &k.ids)
	if err != nil {
		return err
	}
	if err := k.check(); err != nil {
		return usage(fs, "%v", err)
	}
	rule, typ, ids := &k.rule, &k.typ, k.ids
	svc, err := c.service(ctx, fs, af)
	if err != nil {
		return err
	}
	var all []types.RemediationException
	keys := exceptionKeys(*typ, ids)
	for first := true; first || len(keys) > 0; first = false {
		in := &configservice.DescribeRemediationExceptionsInput{ConfigRuleName: rule}
		if len(keys) > 0 {
			n := min(len(keys), maxExceptionKeys)
			in.ResourceKeys, keys = keys[:n], keys[n:]
		}
		p := configservice.NewDescribeRemediationExceptionsPaginator(svc, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, e := range page.RemediationExceptions {
				if *typ == "" || aws.ToString(e.ResourceType) == *typ {
					all = append(all, e)
				}
			}
		}
	}
	if af.json() {
		out := struct {
			RemediationExceptions []exceptionReport `json:"RemediationExceptions"`
		}{[]exceptionReport{}}
		for _, e := range all {
			out.RemediationExceptions = append(out.RemediationExceptions, exceptionOf(e))
		}
		writeJSON(c.stdout, out)
		return nil
	}
	if len(all) == 0 {
		fmt.Fprintf(c.stdout, "no remediation exceptions for rule %s\n", *rule)
		return nil
	}
	t := newTable(c.stdout, "RESOURCE TYPE", "RESOURCE ID", "EXPIRES", "MESSAGE")
	for _, e := range all {
		t.row(aws.ToString(e.ResourceType), aws.ToString(e.ResourceId), stamp(e.ExpirationTime), aws.ToString(e.Message))
	}
	t.flush()
	return nil
}

// parseExpiry reads --expires: an RFC 3339 time, or a duration from now.
func parseExpiry(s string, now time.Time) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return nil, fmt.Errorf("--expires %q: want an RFC 3339 time (2026-01-02T15:04:05Z) or a positive duration (72h)", s)
	}
	t := now.Add(d).Truncate(time.Second)
	return &t, nil
}

// exceptionsPut runs `configd remediate exceptions put`.
func (c *cli) exceptionsPut(ctx context.Context, args []string) error {
	fs := newFlagSet("remediate exceptions put", c.stderr,
		"configd remediate exceptions put --rule s3-encryption --resource-type AWS::S3::Bucket --resource-id legacy-bucket --message 'migrating' --expires 72h")
	af := addAWSFlags(fs)
	k := addKeyFlags(fs, true, "resource type (required)", "resource `id`; repeat the flag or list several ids (at least one)")
	msg := fs.String("message", "", "why the resources are exempt")
	expires := fs.String("expires", "", "when the exceptions expire: an RFC 3339 time or a duration from now (default: never)")
	_, err := parseArgs(fs, args, &k.ids)
	if err != nil {
		return err
	}
	if err := k.check(); err != nil {
		return usage(fs, "%v", err)
	}
	rule, typ, ids := &k.rule, &k.typ, k.ids
	exp, err := parseExpiry(*expires, c.now())
	if err != nil {
		return usage(fs, "%v", err)
	}
	svc, err := c.service(ctx, fs, af)
	if err != nil {
		return err
	}
	var failed []types.FailedRemediationExceptionBatch
	keys := exceptionKeys(*typ, ids)
	for len(keys) > 0 {
		n := min(len(keys), maxExceptionKeys)
		in := &configservice.PutRemediationExceptionsInput{ConfigRuleName: rule, ResourceKeys: keys[:n], ExpirationTime: exp}
		if *msg != "" {
			in.Message = msg
		}
		keys = keys[n:]
		out, err := svc.PutRemediationExceptions(ctx, in)
		if err != nil {
			return err
		}
		failed = append(failed, out.FailedBatches...)
	}
	return c.batchOutcome(af, "put", *rule, len(ids), failed)
}

// exceptionsDelete runs `configd remediate exceptions delete`.
func (c *cli) exceptionsDelete(ctx context.Context, args []string) error {
	fs := newFlagSet("remediate exceptions delete", c.stderr,
		"configd remediate exceptions delete --rule s3-encryption --resource-type AWS::S3::Bucket --resource-id legacy-bucket")
	af := addAWSFlags(fs)
	k := addKeyFlags(fs, true, "resource type (required)", "resource `id`; repeat the flag or list several ids (at least one)")
	_, err := parseArgs(fs, args, &k.ids)
	if err != nil {
		return err
	}
	if err := k.check(); err != nil {
		return usage(fs, "%v", err)
	}
	rule, typ, ids := &k.rule, &k.typ, k.ids
	svc, err := c.service(ctx, fs, af)
	if err != nil {
		return err
	}
	var failed []types.FailedDeleteRemediationExceptionsBatch
	keys := exceptionKeys(*typ, ids)
	for len(keys) > 0 {
		n := min(len(keys), maxExceptionKeys)
		in := &configservice.DeleteRemediationExceptionsInput{ConfigRuleName: rule, ResourceKeys: keys[:n]}
		keys = keys[n:]
		out, err := svc.DeleteRemediationExceptions(ctx, in)
		if err != nil {
			return err
		}
		failed = append(failed, out.FailedBatches...)
	}
	// Both batch types carry the same fields; convert to one for output.
	var batches []types.FailedRemediationExceptionBatch
	for _, b := range failed {
		fb := types.FailedRemediationExceptionBatch{FailureMessage: b.FailureMessage}
		for _, k := range b.FailedItems {
			fb.FailedItems = append(fb.FailedItems, types.RemediationException{ConfigRuleName: rule, ResourceType: k.ResourceType, ResourceId: k.ResourceId})
		}
		batches = append(batches, fb)
	}
	return c.batchOutcome(af, "delete", *rule, len(ids), batches)
}

// batchOutcome prints the outcome of put or delete and returns an error
// (exit status 1) naming the failed keys, if any.
func (c *cli) batchOutcome(af *awsFlags, verb, rule string, total int, failed []types.FailedRemediationExceptionBatch) error {
	type failure struct {
		FailureMessage string            `json:"FailureMessage"`
		FailedItems    []exceptionReport `json:"FailedItems"`
	}
	var reps []failure
	var parts []string
	nFailed := 0
	for _, b := range failed {
		f := failure{FailureMessage: aws.ToString(b.FailureMessage), FailedItems: []exceptionReport{}}
		var names []string
		for _, e := range b.FailedItems {
			e.ConfigRuleName = aws.String(rule)
			f.FailedItems = append(f.FailedItems, exceptionOf(e))
			names = append(names, aws.ToString(e.ResourceType)+"/"+aws.ToString(e.ResourceId))
		}
		nFailed += len(b.FailedItems)
		reps = append(reps, f)
		parts = append(parts, fmt.Sprintf("%s: %s", f.FailureMessage, strings.Join(names, ", ")))
	}
	if af.json() {
		writeJSON(c.stdout, struct {
			ConfigRuleName string    `json:"ConfigRuleName"`
			Succeeded      int       `json:"Succeeded"`
			FailedBatches  []failure `json:"FailedBatches"`
		}{rule, total - nFailed, append([]failure{}, reps...)})
	} else {
		fmt.Fprintf(c.stdout, "%s %s of rule %s\n", pastTense(verb), plural(total-nFailed, "remediation exception"), rule)
	}
	if nFailed > 0 {
		return &exitError{code: exitFailed, err: errors.New(fmt.Sprintf("%d of %d failed: ", nFailed, total) + strings.Join(parts, "; "))}
	}
	return nil
}

func pastTense(verb string) string {
	if verb == "put" {
		return "put"
	}
	return verb + "d"
}
