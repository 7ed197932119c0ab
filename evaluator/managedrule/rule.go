package managedrule

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/configd/configd"
)

// Compliance types of a Result, as AWS Config's ComplianceType.
const (
	Compliant     = "COMPLIANT"
	NonCompliant  = "NON_COMPLIANT"
	NotApplicable = "NOT_APPLICABLE"
)

// AccountResourceType is the resource type of the results of rules that
// evaluate the account as a whole, such as CLOUD_TRAIL_ENABLED.
const AccountResourceType = "AWS::::Account"

// MaxAnnotationLength is the longest annotation AWS Config accepts
// (https://docs.aws.amazon.com/config/latest/APIReference/API_Evaluation.html).
const MaxAnnotationLength = 256

// Inventory lists the recorded resources of the rule's scope (one account
// and region). Periodic and account-level rules read it.
type Inventory interface {
	// ListItems returns the latest configuration item of every resource of
	// resourceType, deleted resources included or not as the store keeps
	// them. An unknown type yields no items and no error.
	ListItems(ctx context.Context, resourceType string) ([]*configd.ConfigurationItem, error)
}

// Input is what a rule evaluates.
type Input struct {
	// CI is the configuration item that changed, for a configuration change
	// trigger; nil for a periodic evaluation, in which case the rule
	// evaluates every resource of its types listed by Inventory.
	CI *configd.ConfigurationItem
	// Params are the rule's parameters, validated and with defaults applied
	// (see Parameters).
	Params map[string]string
	// Inventory lists resources for periodic and account-level rules; it may
	// be nil when CI is set and the rule is not account-level.
	Inventory Inventory
	AccountID string
	Region    string
	Now       time.Time
}

// Result is the evaluation of one resource.
type Result struct {
	ResourceType string
	ResourceID   string
	// ComplianceType is Compliant, NonCompliant or NotApplicable.
	ComplianceType string
	// Annotation explains a result, at most MaxAnnotationLength characters.
	Annotation string
}

// Rule is a natively implemented AWS managed rule.
type Rule interface {
	// Identifier returns the managed rule identifier (SourceIdentifier).
	Identifier() string
	// Evaluate evaluates in.CI, or every resource of the rule's types when
	// in.CI is nil. Resource types the rule does not apply to and deleted
	// resources yield NotApplicable. It returns an error when the input
	// cannot be evaluated (no inventory for a periodic run, a configuration
	// that is not valid JSON).
	Evaluate(ctx context.Context, in Input) ([]Result, error)
}

var registry = map[string]Rule{}

// register adds rules to the registry; it runs from init functions.
func register(rules ...Rule) {
	for _, r := range rules {
		if _, dup := registry[r.Identifier()]; dup {
			panic("managedrule: duplicate rule " + r.Identifier())
		}
		if _, ok := Lookup(r.Identifier()); !ok {
			panic("managedrule: rule not in catalogue: " + r.Identifier())
		}
		registry[r.Identifier()] = r
	}
}

// Get returns the native implementation of the managed rule identifier.
func Get(identifier string) (Rule, bool) {
	r, ok := registry[identifier]
	return r, ok
}

// Implemented reports whether the managed rule identifier is evaluated
// natively.
func Implemented(identifier string) bool {
	_, ok := registry[identifier]
	return ok
}

// ImplementedIdentifiers returns the identifiers of the native rules, sorted.
func ImplementedIdentifiers() []string {
	ids := make([]string, 0, len(registry))
	for id := range registry {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Evaluate runs the native rule identifier on in; it is Get and
// Rule.Evaluate in one call. It returns a *configd.Error with code
// configd.ErrNotImplemented for a rule without a native implementation.
func Evaluate(ctx context.Context, identifier string, in Input) ([]Result, error) {
	r, ok := Get(identifier)
	if !ok {
		return nil, configd.Errorf(configd.ErrNotImplemented, "The managed rule %s is not evaluated by configd.", identifier)
	}
	return r.Evaluate(ctx, in)
}

// verdict is the outcome of evaluating one resource.
type verdict struct {
	compliance string
	annotation string
}

func compliant() verdict                     { return verdict{compliance: Compliant} }
func nonCompliant(annotation string) verdict { return verdict{NonCompliant, annotation} }
func notApplicable(annotation string) verdict {
	return verdict{NotApplicable, annotation}
}

// resourceRule is a rule that judges each resource of some types on its own
// configuration item.
type resourceRule struct {
	id    string
	types []string
	check func(ci *configd.ConfigurationItem, in *Input) (verdict, error)
}

// Identifier implements Rule.
func (r *resourceRule) Identifier() string { return r.id }

// Evaluate implements Rule: one result for in.CI, or one per listed item.
func (r *resourceRule) Evaluate(ctx context.Context, in Input) ([]Result, error) {
	if in.CI != nil {
		res, err := r.one(in.CI, &in)
		if err != nil {
			return nil, err
		}
		return []Result{res}, nil
	}
	if in.Inventory == nil {
		return nil, fmt.Errorf("managedrule %s: periodic evaluation without an inventory", r.id)
	}
	var out []Result
	for _, t := range r.types {
		items, err := in.Inventory.ListItems(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("managedrule %s: list %s: %w", r.id, t, err)
		}
		for _, ci := range items {
			if ci == nil {
				continue
			}
			res, err := r.one(ci, &in)
			if err != nil {
				return nil, err
			}
			out = append(out, res)
		}
	}
	return out, nil
}

func (r *resourceRule) one(ci *configd.ConfigurationItem, in *Input) (Result, error) {
	res := Result{ResourceType: ci.ResourceType, ResourceID: ci.ResourceID}
	var v verdict
	switch {
	case !r.applies(ci.ResourceType):
		v = notApplicable("")
	case deleted(ci):
		v = notApplicable("")
	default:
		var err error
		if v, err = r.check(ci, in); err != nil {
			return Result{}, fmt.Errorf("managedrule %s: %s %s: %w", r.id, ci.ResourceType, ci.ResourceID, err)
		}
	}
	res.ComplianceType = v.compliance
	res.Annotation = truncate(v.annotation)
	return res, nil
}

func (r *resourceRule) applies(resourceType string) bool {
	for _, t := range r.types {
		if t == resourceType {
			return true
		}
	}
	return false
}

// deleted reports whether ci records a deleted resource.
func deleted(ci *configd.ConfigurationItem) bool {
	return ci.Status == configd.CIStatusResourceDeleted || ci.Status == configd.CIStatusResourceDeletedNotRecored
}

// truncate cuts an annotation to MaxAnnotationLength characters, marking the
// cut with "...".
func truncate(s string) string {
	if len(s) <= MaxAnnotationLength {
		return s
	}
	cut := MaxAnnotationLength - 3
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// csv splits a CSV parameter into its trimmed, non-empty elements.
func csv(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// contains reports whether list holds s.
func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// boolParam reads a boolean parameter; absent means def.
func boolParam(p map[string]string, name string, def bool) bool {
	v, ok := p[name]
	if !ok {
		return def
	}
	return strings.EqualFold(strings.TrimSpace(v), "true")
}
