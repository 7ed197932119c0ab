package evaluator

import (
	"slices"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/evaluator/managedrule"
	"github.com/configd/configd/service"
)

// Execution frequencies of periodic rules (MaximumExecutionFrequency), from
// https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigRule.html.
// A periodic rule without one runs every 24 hours
// (https://docs.aws.amazon.com/config/latest/APIReference/API_SourceDetail.html).
var frequencies = map[string]time.Duration{
	"One_Hour":         time.Hour,
	"Three_Hours":      3 * time.Hour,
	"Six_Hours":        6 * time.Hour,
	"Twelve_Hours":     12 * time.Hour,
	"TwentyFour_Hours": 24 * time.Hour,
}

// DefaultFrequency is how often a periodic rule without a
// MaximumExecutionFrequency runs.
const DefaultFrequency = 24 * time.Hour

// Frequency returns how often the periodic rule r runs: its
// MaximumExecutionFrequency, else that of a ScheduledNotification source
// detail, else DefaultFrequency.
func Frequency(r *configd.ConfigRule) time.Duration {
	if d, ok := frequencies[r.MaximumExecutionFrequency]; ok {
		return d
	}
	for _, sd := range r.Source.SourceDetails {
		if d, ok := frequencies[sd.MaximumExecutionFrequency]; ok {
			return d
		}
	}
	return DefaultFrequency
}

// Triggers says what runs a rule.
type Triggers struct {
	// Change: a configuration item of a resource in scope was recorded.
	Change bool
	// Oversized: a custom Lambda rule also takes
	// OversizedConfigurationItemChangeNotification (items whose
	// notification exceeds the SNS size limit).
	Oversized bool
	// Periodic: the rule runs on a schedule (ScheduledNotification).
	Periodic bool
}

// TriggersOf returns the triggers of r:
//   - AWS managed rules: the catalogue's trigger types; a periodic-capable
//     rule is periodic when it has no change trigger or the rule sets
//     MaximumExecutionFrequency
//     (https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_use-managed-rules.html);
//   - custom Lambda rules: the message types of their source details
//     (https://docs.aws.amazon.com/config/latest/APIReference/API_SourceDetail.html);
//   - custom policy (Guard) rules: configuration changes, unless their source
//     details ask only for ScheduledNotification ("Custom Policy rules are
//     initiated by configuration changes",
//     https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_develop-rules.html).
func TriggersOf(r *configd.ConfigRule) Triggers {
	var t Triggers
	switch r.Source.Owner {
	case configd.OwnerAWS:
		spec, ok := managedrule.Lookup(r.Source.SourceIdentifier)
		if !ok {
			return t
		}
		t.Change = spec.HasTrigger(managedrule.TriggerConfigurationChange)
		t.Periodic = spec.HasTrigger(managedrule.TriggerPeriodic) && (!t.Change || r.MaximumExecutionFrequency != "")
	default:
		for _, sd := range r.Source.SourceDetails {
			switch sd.MessageType {
			case configd.MessageConfigurationItemChange:
				t.Change = true
			case configd.MessageOversizedConfigurationItemChange:
				t.Oversized = true
			case configd.MessageScheduled:
				t.Periodic = true
			}
		}
		if r.Source.Owner == configd.OwnerCustomPolicy {
			if !t.Periodic {
				t.Change = true
			}
			// configd gives Guard the whole item, however large.
			t.Oversized = false
		}
	}
	return t
}

// ChangeTriggered reports whether r is evaluated when a configuration item
// of a resource in its scope is recorded.
func ChangeTriggered(r *configd.ConfigRule) bool {
	t := TriggersOf(r)
	return t.Change || t.Oversized
}

// Detective reports whether r evaluates recorded resources: its evaluation
// modes are unset (the default is DETECTIVE) or include DETECTIVE.
func Detective(r *configd.ConfigRule) bool {
	return len(r.EvaluationModes) == 0 || slices.Contains(r.EvaluationModes, configd.EvaluationModeDetective)
}

// Proactive reports whether r's evaluation modes include PROACTIVE.
func Proactive(r *configd.ConfigRule) bool {
	return slices.Contains(r.EvaluationModes, configd.EvaluationModeProactive)
}

// ScopeTypes returns the resource types r evaluates: the scope's
// ComplianceResourceTypes, or for a managed rule without them the types the
// rule applies to. Nil means every type (a custom rule without resource
// types in its scope) or, for a managed rule, none: the rule evaluates the
// account (see AccountLevel).
func ScopeTypes(r *configd.ConfigRule) []string {
	if len(r.Scope.ComplianceResourceTypes) > 0 {
		return r.Scope.ComplianceResourceTypes
	}
	if r.Source.Owner == configd.OwnerAWS {
		if spec, ok := managedrule.Lookup(r.Source.SourceIdentifier); ok {
			return spec.ResourceTypes
		}
	}
	return nil
}

// AccountLevel reports whether r is a managed rule that evaluates the account
// as a whole (AWS::::Account), such as CLOUD_TRAIL_ENABLED: the catalogue
// lists no resource types for it and its scope names none.
func AccountLevel(r *configd.ConfigRule) bool {
	return r.Source.Owner == configd.OwnerAWS && len(ScopeTypes(r)) == 0
}

// InScope reports whether the configuration item ci is in the scope of r
// (https://docs.aws.amazon.com/config/latest/APIReference/API_Scope.html):
// its type is one of the rule's types (any type when the rule names none),
// its id is ComplianceResourceID when that is set, and it carries the tag
// TagKey (with the value TagValue, when set). A deleted resource is in no
// rule's scope.
func InScope(r *configd.ConfigRule, ci *configd.ConfigurationItem) bool {
	if ci == nil || deletedItem(ci) {
		return false
	}
	return TypeInScope(r, ci.ResourceType) && idAndTagsMatch(r, ci.ResourceID, ci.Tags)
}

// TypeInScope reports whether resources of resourceType can be in r's scope.
func TypeInScope(r *configd.ConfigRule, resourceType string) bool {
	types := ScopeTypes(r)
	if len(types) == 0 {
		return !AccountLevel(r) && resourceType != configd.AccountResourceType
	}
	return slices.Contains(types, resourceType)
}

func idAndTagsMatch(r *configd.ConfigRule, id string, tags map[string]string) bool {
	if r.Scope.ComplianceResourceID != "" && r.Scope.ComplianceResourceID != id {
		return false
	}
	if r.Scope.TagKey != "" {
		v, ok := tags[r.Scope.TagKey]
		if !ok || (r.Scope.TagValue != "" && v != r.Scope.TagValue) {
			return false
		}
	}
	return true
}

func deletedItem(ci *configd.ConfigurationItem) bool {
	return ci.Status == configd.CIStatusResourceDeleted || ci.Status == configd.CIStatusResourceDeletedNotRecored
}

// active reports whether r is evaluated at all: it is ACTIVE (or its state
// is unset) and detective, and not a process check (a manual rule whose
// results come only from PutExternalEvaluation,
// https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_process-check.html).
func active(r *configd.ConfigRule) bool {
	if r.Source.Owner == configd.OwnerAWS && r.Source.SourceIdentifier == service.ProcessCheckIdentifier {
		return false
	}
	switch r.State {
	case "", configd.RuleStateActive, configd.RuleStateEvaluating:
	default:
		return false
	}
	return Detective(r)
}
