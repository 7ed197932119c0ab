package evaluator

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/evaluator/guard"
	"github.com/configd/configd/evaluator/managedrule"
)

// Rule-status error codes of evaluations configd cannot run. AWS reports
// the failures of a rule's function in DescribeConfigRuleEvaluationStatus
// (LastErrorCode, LastErrorMessage); these codes name configd's reasons.
const (
	// ErrCodeNotImplemented: a catalogued managed rule configd does not
	// evaluate natively; it is never given a made-up result.
	ErrCodeNotImplemented = configd.ErrNotImplemented
	// ErrCodeInvalidParameters: the rule's InputParameters do not validate.
	ErrCodeInvalidParameters = configd.ErrInvalidParameterValue
	// ErrCodeInvalidPolicy: a Guard policy that does not parse.
	ErrCodeInvalidPolicy = "InvalidPolicyException"
	// ErrCodeEvaluation: the rule could not evaluate an item (for example
	// a configuration that is not valid JSON).
	ErrCodeEvaluation = "EvaluationError"
	// ErrCodeFunction: a Lambda-style rule's function could not be invoked
	// or failed.
	ErrCodeFunction = "FunctionInvocationFailed"
)

// rule kinds
const (
	kindManaged = iota
	kindGuard
	kindLambda
)

// compiled is a rule ready to evaluate: its parsed parameters or policy, or
// why it cannot be evaluated.
type compiled struct {
	rule     *configd.ConfigRule
	kind     int
	triggers Triggers
	managed  managedrule.Rule
	params   map[string]string
	policy   *guard.Policy
	// errCode/errMsg say why the rule cannot be evaluated at all.
	errCode, errMsg string
}

// compile prepares r. Errors are kept in the result, not returned: they are
// the rule's status, not the job's failure.
func (e *Engine) compile(r *configd.ConfigRule) *compiled {
	c := &compiled{rule: r, triggers: TriggersOf(r)}
	switch r.Source.Owner {
	case configd.OwnerAWS:
		c.kind = kindManaged
		params, err := managedrule.Parameters(r.Source.SourceIdentifier, r.InputParameters)
		if err != nil {
			c.errCode, c.errMsg = ErrCodeInvalidParameters, configd.ErrorMessage(err)
			return c
		}
		c.params = params
		m, ok := managedrule.Get(r.Source.SourceIdentifier)
		if !ok {
			c.errCode = ErrCodeNotImplemented
			c.errMsg = fmt.Sprintf("configd does not implement the managed rule %s: it is not evaluated.", r.Source.SourceIdentifier)
			return c
		}
		c.managed = m
	case configd.OwnerCustomPolicy:
		c.kind = kindGuard
		text := ""
		if r.Source.CustomPolicy != nil {
			text = r.Source.CustomPolicy.PolicyText
		}
		p, err := e.policies.get(text)
		if err != nil {
			c.errCode, c.errMsg = ErrCodeInvalidPolicy, err.Error()
			return c
		}
		c.policy = p
	default:
		c.kind = kindLambda
	}
	return c
}

// native reports whether configd evaluates c itself (managed or Guard).
func (c *compiled) native() bool { return c.kind != kindLambda }

// usable reports whether c can be evaluated.
func (c *compiled) usable() bool { return c.errCode == "" }

// item is a configuration item being evaluated, with its Guard document
// built once for all Guard rules.
type item struct {
	ci  *configd.ConfigurationItem
	doc any
	err error
	did bool
}

func (it *item) guardDoc() (any, error) {
	if !it.did {
		it.did = true
		it.doc, it.err = GuardDocument(it.ci)
	}
	return it.doc, it.err
}

// GuardDocument returns the document a Guard policy evaluates for a
// configuration item: the item as AWS Config delivers it in notifications
// and snapshots, with configuration and supplementary configuration as JSON
// values and AWS's field names (configurationItemCaptureTime,
// resourceType, resourceId, tags, relationships, ...), which is what AWS
// Config custom policy rules query
// (https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_develop-rules_cfn-guard.html).
// Numbers keep their exact text (json.Number). It is built directly rather
// than encoded and decoded again, because it is made for every item every
// Guard rule evaluates.
func GuardDocument(ci *configd.ConfigurationItem) (any, error) {
	// Text that is not JSON is delivered as a string.
	conf, err := decodeValue(ci.Configuration)
	if err != nil {
		conf = ci.Configuration
	}
	supp := make(map[string]any, len(ci.SupplementaryConfiguration))
	for k, v := range ci.SupplementaryConfiguration {
		if supp[k], err = decodeValue(v); err != nil {
			supp[k] = v
		}
	}
	tags := make(map[string]any, len(ci.Tags))
	for k, v := range ci.Tags {
		tags[k] = v
	}
	rels := make([]any, 0, len(ci.Relationships))
	for _, r := range ci.Relationships {
		rels = append(rels, map[string]any{"resourceId": r.ResourceID, "resourceName": optional(r.ResourceName), "resourceType": r.ResourceType, "name": r.RelationshipName})
	}
	events := make([]any, 0, len(ci.RelatedEvents))
	for _, e := range ci.RelatedEvents {
		events = append(events, e)
	}
	var stateID any = optional(ci.StateID)
	if _, err := strconv.ParseInt(ci.StateID, 10, 64); err == nil {
		stateID = json.Number(ci.StateID)
	}
	var created any
	if !ci.ResourceCreationTime.IsZero() {
		created = ci.ResourceCreationTime.UTC().Format(isoMillis)
	}
	return map[string]any{
		"relatedEvents":                events,
		"relationships":                rels,
		"configuration":                conf,
		"supplementaryConfiguration":   supp,
		"tags":                         tags,
		"configurationItemVersion":     ci.Version,
		"configurationItemCaptureTime": ci.CaptureTime.UTC().Format(isoMillis),
		"configurationStateId":         stateID,
		"awsAccountId":                 ci.AccountID,
		"configurationItemStatus":      ci.Status,
		"resourceType":                 ci.ResourceType,
		"resourceId":                   ci.ResourceID,
		"resourceName":                 optional(ci.ResourceName),
		"ARN":                          ci.ARN,
		"awsRegion":                    ci.Region,
		"availabilityZone":             ci.AvailabilityZone,
		"configurationStateMd5Hash":    ci.MD5Hash,
		"resourceCreationTime":         created,
	}, nil
}

// decodeValue decodes JSON text keeping numbers exact; "" is null.
func decodeValue(s string) (any, error) {
	if s == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

// optional is s, or nil (JSON null) when s is empty.
func optional(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// verdicts is the result of evaluating one rule on one item (or, for a
// managed rule reading the inventory, on the account).
type verdicts struct {
	results []managedrule.Result
	// errCode/errMsg: the evaluation failed.
	errCode, errMsg string
}

// evalNative evaluates a usable native rule on it (nil it: a periodic
// evaluation of the whole inventory, for managed rules).
func (e *Engine) evalNative(ctx context.Context, c *compiled, it *item, inv managedrule.Inventory, scope configd.Scope, now time.Time) verdicts {
	switch c.kind {
	case kindManaged:
		in := managedrule.Input{Params: c.params, Inventory: inv, AccountID: scope.AccountID, Region: scope.Region, Now: now}
		if it != nil {
			in.CI = it.ci
		}
		res, err := c.managed.Evaluate(ctx, in)
		if err != nil {
			return verdicts{errCode: ErrCodeEvaluation, errMsg: err.Error()}
		}
		return verdicts{results: res}
	case kindGuard:
		if it == nil {
			return verdicts{}
		}
		ci := it.ci
		res := managedrule.Result{ResourceType: ci.ResourceType, ResourceID: ci.ResourceID}
		if deletedItem(ci) {
			res.ComplianceType = configd.NotApplicable
			return verdicts{results: []managedrule.Result{res}}
		}
		doc, err := it.guardDoc()
		if err != nil {
			return verdicts{errCode: ErrCodeEvaluation, errMsg: err.Error()}
		}
		rep := c.policy.Evaluate(doc)
		res.ComplianceType = rep.Status.ComplianceType()
		if res.ComplianceType == configd.NonCompliant {
			res.Annotation = rep.Annotation()
		}
		return verdicts{results: []managedrule.Result{res}}
	}
	return verdicts{}
}

// policyCache keeps parsed Guard policies by text, so that a rule's policy is
// parsed once, not for every item.
type policyCache struct {
	mu    sync.Mutex
	max   int
	items map[string]policyEntry
}

type policyEntry struct {
	p   *guard.Policy
	err error
}

func newPolicyCache(max int) *policyCache {
	return &policyCache{max: max, items: map[string]policyEntry{}}
}

func (c *policyCache) get(text string) (*guard.Policy, error) {
	c.mu.Lock()
	e, ok := c.items[text]
	c.mu.Unlock()
	if ok {
		return e.p, e.err
	}
	p, err := guard.Parse(text)
	c.mu.Lock()
	if len(c.items) >= c.max {
		clear(c.items)
	}
	c.items[text] = policyEntry{p, err}
	c.mu.Unlock()
	return p, err
}

// inventory lists the latest items of a scope's resources inside one
// transaction, for managed rules that read the inventory (account-level and
// periodic rules).
type inventory struct {
	tx    configd.Tx
	scope configd.Scope
	cache map[string][]*configd.ConfigurationItem
}

func newInventory(tx configd.Tx, scope configd.Scope) *inventory {
	return &inventory{tx: tx, scope: scope, cache: map[string][]*configd.ConfigurationItem{}}
}

// storeInventory is an inventory that reads each type it is asked for in a
// read transaction of its own, for evaluations that hold no transaction (a
// sweep reads the resources a page per transaction).
type storeInventory struct {
	store configd.Store
	scope configd.Scope
	inv   *inventory
}

// ListItems implements managedrule.Inventory.
func (i *storeInventory) ListItems(ctx context.Context, resourceType string) ([]*configd.ConfigurationItem, error) {
	if i.inv == nil {
		i.inv = newInventory(nil, i.scope)
	}
	if items, ok := i.inv.cache[resourceType]; ok {
		return items, nil
	}
	var items []*configd.ConfigurationItem
	err := i.store.Read(ctx, func(tx configd.Tx) error {
		i.inv.tx = tx
		defer func() { i.inv.tx = nil }()
		var err error
		items, err = i.inv.ListItems(ctx, resourceType)
		return err
	})
	return items, err
}

// listPage is how many inventory rows one query returns.
const listPage = 1000

// ListItems implements managedrule.Inventory: the latest item of every
// recorded, non-deleted resource of resourceType.
func (i *inventory) ListItems(ctx context.Context, resourceType string) ([]*configd.ConfigurationItem, error) {
	if items, ok := i.cache[resourceType]; ok {
		return items, nil
	}
	var out []*configd.ConfigurationItem
	err := eachItem(ctx, i.tx, i.scope, resourceType, func(ci *configd.ConfigurationItem) error {
		out = append(out, ci)
		return nil
	})
	if err != nil {
		return nil, err
	}
	i.cache[resourceType] = out
	return out, nil
}

// eachItem calls fn with the latest item of every recorded, non-deleted
// resource of resourceType, in id order.
func eachItem(ctx context.Context, tx configd.Tx, scope configd.Scope, resourceType string, fn func(*configd.ConfigurationItem) error) error {
	after := ""
	for {
		page, err := tx.ListResources(ctx, scope, configd.ResourceFilter{ResourceType: resourceType}, after, listPage)
		if err != nil {
			return fmt.Errorf("list %s: %w", resourceType, err)
		}
		for _, r := range page {
			it, err := tx.LatestItem(ctx, scope, configd.ResourceKey{ResourceType: r.ResourceType, ResourceID: r.ResourceID})
			if configd.IsCode(err, configd.ErrResourceNotDiscovered) {
				continue
			}
			if err != nil {
				return fmt.Errorf("read %s %s: %w", r.ResourceType, r.ResourceID, err)
			}
			if deletedItem(&it.Item) {
				continue
			}
			ci := it.Item
			if err := fn(&ci); err != nil {
				return err
			}
		}
		if len(page) < listPage {
			return nil
		}
		after = page[len(page)-1].ResourceID
	}
}
