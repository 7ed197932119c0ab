package evaluator

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/configd/configd"
	"github.com/configd/configd/evaluator/managedrule"
	"github.com/configd/configd/service"
)

// DefaultEvaluationTimeout is StartResourceEvaluation's default timeout in
// seconds ("The default is 900 seconds",
// https://docs.aws.amazon.com/config/latest/APIReference/API_StartResourceEvaluation.html).
const DefaultEvaluationTimeout = 900

// Messages of StartResourceEvaluation; configd's wording.
const (
	msgProactiveOnly    = "The EvaluationMode %s is not supported by StartResourceEvaluation: the only valid value is PROACTIVE."
	msgBadConfiguration = "The ResourceConfiguration must be a JSON object."
	msgTokenMismatch    = "The ClientToken %s was used with different parameters by an earlier StartResourceEvaluation request."
)

// StartResourceEvaluation evaluates a resource configuration that is not
// recorded against every rule of the scope that has the PROACTIVE
// evaluation mode and whose scope holds the resource type, stores the
// evaluation and its results, and returns its id. It runs at once: the
// evaluation is SUCCEEDED when the call returns.
//
// Guard rules evaluate a document shaped like a configuration item whose
// configuration is the given ResourceConfiguration (the resource's
// CloudFormation properties), with tags taken from its Tags list. Managed
// rules read AWS Config's item format, not CloudFormation's: those that AWS
// documents as proactive rules evaluate the item that
// managedrule.FromCloudFormation writes from the properties, for the
// resource types it translates; other managed rules contribute no result
// rather than a made-up one, nor do Lambda-style rules, which AWS runs
// detectively only.
//
// A ClientToken makes the call idempotent: the same token with the same
// parameters returns the first evaluation's id, with other parameters
// IdempotentParameterMismatch.
func (e *Engine) StartResourceEvaluation(ctx context.Context, scope configd.Scope, req *service.ResourceEvaluation) (string, error) {
	if req.Mode != configd.EvaluationModeProactive {
		return "", configd.Errorf(configd.ErrInvalidParameterValue, msgProactiveOnly, req.Mode)
	}
	conf, err := decodeObject(req.Configuration)
	if err != nil {
		return "", configd.Errorf(configd.ErrInvalidParameterValue, msgBadConfiguration)
	}
	if req.TimeoutSeconds == 0 {
		req.TimeoutSeconds = DefaultEvaluationTimeout
	}
	var id string
	err = e.o.Store.Write(ctx, func(tx configd.Tx) error {
		now := e.clock.Now()
		if req.ClientToken != "" {
			prev, err := service.ResourceEvaluationByToken(ctx, tx, scope, req.ClientToken)
			if err != nil {
				return err
			}
			if prev != nil {
				if !sameRequest(prev, req) {
					return configd.Errorf(configd.ErrIdempotentParameterMismatch, msgTokenMismatch, req.ClientToken)
				}
				id = prev.ID
				return nil
			}
		}
		re := *req
		re.ID = service.NewUUID()
		re.StartTime = now
		re.Results = nil
		rules, err := tx.ListRules(ctx, scope, "", 0)
		if err != nil {
			return err
		}
		ci := &configd.ConfigurationItem{
			Version: configd.CIVersion, AccountID: scope.AccountID, Region: scope.Region, CaptureTime: now,
			Status: configd.CIStatusResourceDiscovered, ResourceType: req.ResourceType, ResourceID: req.ResourceID,
			Configuration: req.Configuration, Tags: cfnTags(conf),
		}
		it := &item{ci: ci}
		var managed *item // ci in AWS Config's format, for managed rules
		for _, r := range rules {
			if !Proactive(r) || !InScope(r, ci) {
				continue
			}
			on := it
			switch r.Source.Owner {
			case configd.OwnerCustomPolicy:
			case configd.OwnerAWS:
				if !slices.Contains(managedrule.ProactiveTypes(r.Source.SourceIdentifier), ci.ResourceType) {
					continue
				}
				if managed == nil {
					mci := *ci
					managedrule.FromCloudFormation(&mci, conf)
					managed = &item{ci: &mci}
				}
				on = managed
			default:
				continue
			}
			c := e.compile(r)
			if !c.usable() {
				continue
			}
			v := e.evalNative(ctx, c, on, nil, scope, now)
			for _, res := range v.results {
				re.Results = append(re.Results, configd.EvaluationResult{RuleName: r.Name, ResourceType: res.ResourceType, ResourceID: res.ResourceID,
					EvaluationMode: configd.EvaluationModeProactive, ComplianceType: res.ComplianceType, Annotation: res.Annotation,
					ResultRecordedTime: now, ConfigRuleInvokedTime: now, OrderingTimestamp: now})
			}
		}
		slices.SortFunc(re.Results, func(a, b configd.EvaluationResult) int { return strings.Compare(a.RuleName, b.RuleName) })
		re.Status = service.ResourceEvaluationSucceeded
		re.Compliance = overall(re.Results)
		id = re.ID
		return service.SaveResourceEvaluation(ctx, tx, scope, &re)
	})
	return id, err
}

// ProactiveResults returns the results of a resource evaluation in rule
// name order (GetComplianceDetailsByResource with a ResourceEvaluationId).
func (e *Engine) ProactiveResults(ctx context.Context, scope configd.Scope, id string) ([]*configd.EvaluationResult, error) {
	var out []*configd.EvaluationResult
	err := e.o.Store.Read(ctx, func(tx configd.Tx) error {
		re, err := service.ResourceEvaluationByID(ctx, tx, scope, id)
		if err != nil {
			return err
		}
		for i := range re.Results {
			out = append(out, &re.Results[i])
		}
		return nil
	})
	return out, err
}

// overall is the compliance of a resource evaluation: NON_COMPLIANT if a
// rule found it so, else COMPLIANT if one did, else NOT_APPLICABLE if a rule
// judged it, else INSUFFICIENT_DATA.
func overall(rs []configd.EvaluationResult) string {
	has := map[string]bool{}
	for _, r := range rs {
		has[r.ComplianceType] = true
	}
	for _, c := range []string{configd.NonCompliant, configd.Compliant, configd.NotApplicable} {
		if has[c] {
			return c
		}
	}
	return configd.InsufficientData
}

func sameRequest(a, b *service.ResourceEvaluation) bool {
	return a.Mode == b.Mode && a.ContextID == b.ContextID && a.ResourceID == b.ResourceID && a.ResourceType == b.ResourceType &&
		a.Configuration == b.Configuration && a.ConfigurationSchema == b.ConfigurationSchema && a.TimeoutSeconds == b.TimeoutSeconds
}

func decodeObject(s string) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errNotObject
	}
	return m, nil
}

var errNotObject = configd.Errorf(configd.ErrInvalidParameterValue, msgBadConfiguration)

// cfnTags reads a CloudFormation Tags property ([{"Key","Value"}]).
func cfnTags(conf map[string]any) map[string]string {
	list, _ := conf["Tags"].([]any)
	if len(list) == 0 {
		return nil
	}
	tags := map[string]string{}
	for _, t := range list {
		m, _ := t.(map[string]any)
		k, _ := m["Key"].(string)
		v, _ := m["Value"].(string)
		if k != "" {
			tags[k] = v
		}
	}
	return tags
}
