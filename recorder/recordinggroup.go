package recorder

import "github.com/configd/configd"

// SelectTypes returns the supported resource types that a recording group
// selects, in order, following
// https://docs.aws.amazon.com/config/latest/APIReference/API_RecordingGroup.html:
//
//   - ALL_SUPPORTED_RESOURCE_TYPES (or allSupported): every supported type;
//     the global IAM types only when includeGlobalResourceTypes is set.
//   - INCLUSION_BY_RESOURCE_TYPES: the listed types that are supported,
//     global ones included when listed.
//   - EXCLUSION_BY_RESOURCE_TYPES: every supported type not listed.
//
// A group without a strategy is read as AWS reads it: allSupported means
// ALL_SUPPORTED_RESOURCE_TYPES, a non-empty exclusion list EXCLUSION, and
// anything else INCLUSION.
func SelectTypes(g configd.RecordingGroup) []string {
	strategy := g.RecordingStrategy
	if strategy == "" {
		switch {
		case g.AllSupported:
			strategy = configd.StrategyAllSupported
		case len(g.ExclusionByResourceTypes) > 0:
			strategy = configd.StrategyExclusion
		default:
			strategy = configd.StrategyInclusion
		}
	}
	listed := func(list []string) map[string]bool {
		m := make(map[string]bool, len(list))
		for _, t := range list {
			m[t] = true
		}
		return m
	}
	var out []string
	switch strategy {
	case configd.StrategyAllSupported:
		for _, d := range All() {
			if d.Global() && !g.IncludeGlobalResourceTypes {
				continue
			}
			out = append(out, d.ResourceType())
		}
	case configd.StrategyInclusion:
		in := listed(g.ResourceTypes)
		for _, d := range All() {
			if in[d.ResourceType()] {
				out = append(out, d.ResourceType())
			}
		}
	case configd.StrategyExclusion:
		ex := listed(g.ExclusionByResourceTypes)
		for _, d := range All() {
			if !ex[d.ResourceType()] {
				out = append(out, d.ResourceType())
			}
		}
	}
	return out
}
