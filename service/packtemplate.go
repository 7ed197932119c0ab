package service

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/configd/configd"
)

// This file reads conformance pack templates: CloudFormation templates
// (YAML or JSON) whose Resources are AWS::Config::ConfigRule and
// AWS::Config::RemediationConfiguration
// (https://docs.aws.amazon.com/config/latest/developerguide/custom-conformance-pack.html).
// It resolves the intrinsic functions conformance pack templates use: Ref
// (parameters, pseudo parameters, rules' logical IDs), Fn::If over
// Conditions built of Fn::Equals, Fn::Not, Fn::And and Fn::Or, Fn::Sub with
// ${Name} references, and AWS::NoValue.

// ErrConformancePackTemplateValidation is AWS's exception for a template
// that is not valid or supported (API_PutConformancePack.html).
const ErrConformancePackTemplateValidation = "ConformancePackTemplateValidationException"

// MaxTemplateBytes is TemplateBody's documented maximum length.
const MaxTemplateBytes = 51200

// Resource types a conformance pack template may hold.
const (
	cfnConfigRule  = "AWS::Config::ConfigRule"
	cfnRemediation = "AWS::Config::RemediationConfiguration"
)

// noValue marks AWS::NoValue: the property it is the value of is removed.
type noValue struct{}

func templateError(format string, args ...any) error {
	return configd.Errorf(ErrConformancePackTemplateValidation, "You have specified a template that is not valid or supported. "+format, args...)
}

// PackTemplateRule is a rule of a template, before it is named: Logical
// is its logical ID, Rule its properties (Rule.Name is the name the
// template gives, the logical ID when it gives none).
type PackTemplateRule struct {
	Logical string
	Rule    configd.ConfigRule
}

// PackTemplateRemediation is a remediation configuration of a template;
// Remediation.RuleName is the rule's template name or logical ID, resolved
// to the rule created.
type PackTemplateRemediation struct {
	Logical     string
	Remediation configd.RemediationConfiguration
}

// PackTemplate is a parsed conformance pack template.
type PackTemplate struct {
	Rules        []PackTemplateRule
	Remediations []PackTemplateRemediation
}

// templateContext resolves intrinsic functions.
type templateContext struct {
	params     map[string]string
	conditions map[string]any
	condCache  map[string]bool
	refs       map[string]string // logical ID -> value of Ref (a rule's name)
	pseudo     map[string]string
}

// ParsePackTemplate parses body with the input parameters, in the scope
// (for pseudo parameters); names maps a rule's logical ID to the name it
// is created with (Ref of a rule), and may be nil when not yet known, in
// which case a Ref to a rule is its template name.
func ParsePackTemplate(body string, inputs map[string]string, scope configd.Scope, stackName string) (*PackTemplate, error) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(body), &root); err != nil {
		return nil, templateError("The template is neither YAML nor JSON: %s", firstLine(err.Error()))
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil, templateError("The template must be a YAML or JSON object.")
	}
	budget := maxTemplateNodes
	doc, err := nodeValue(root.Content[0], 0, &budget)
	if err != nil {
		return nil, err
	}
	top := doc.(map[string]any)
	tc := &templateContext{params: map[string]string{}, conditions: map[string]any{}, condCache: map[string]bool{}, refs: map[string]string{},
		pseudo: map[string]string{
			"AWS::AccountId": scope.AccountID, "AWS::Region": scope.Region, "AWS::Partition": scope.Partition(),
			"AWS::StackName": stackName, "AWS::URLSuffix": "amazonaws.com",
		}}
	if p, ok := top["Parameters"]; ok {
		pm, ok := p.(map[string]any)
		if !ok {
			return nil, templateError("Parameters must be an object.")
		}
		for name, def := range pm {
			v, has := inputs[name]
			if !has {
				if d, ok := def.(map[string]any); ok {
					if dv, ok := d["Default"]; ok {
						v, has = scalarString(dv), true
					}
				}
			}
			if has {
				tc.params[name] = v
			}
		}
		for name := range pm {
			if _, ok := tc.params[name]; !ok {
				return nil, templateError("Parameters: [%s] must have values", name)
			}
		}
	}
	if c, ok := top["Conditions"]; ok {
		cm, ok := c.(map[string]any)
		if !ok {
			return nil, templateError("Conditions must be an object.")
		}
		tc.conditions = cm
	}
	res, ok := top["Resources"].(map[string]any)
	if !ok || len(res) == 0 {
		return nil, templateError("The template has no Resources.")
	}
	logicals := make([]string, 0, len(res))
	for l := range res {
		logicals = append(logicals, l)
	}
	sort.Strings(logicals)
	// Rules first, so that a remediation's Ref to a rule resolves.
	out := &PackTemplate{}
	seen := map[string]string{}
	for _, l := range logicals {
		r, ok := res[l].(map[string]any)
		if !ok {
			return nil, templateError("Resource %s must be an object.", l)
		}
		typ, _ := r["Type"].(string)
		switch typ {
		case cfnConfigRule:
		case cfnRemediation:
			continue
		default:
			return nil, templateError("Resource %s has type %q; a conformance pack holds only %s and %s resources.", l, typ, cfnConfigRule, cfnRemediation)
		}
		props, err := tc.properties(l, r)
		if err != nil {
			return nil, err
		}
		rule, err := ruleFromProperties(l, props)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[rule.Name]; dup {
			return nil, templateError("Resources %s and %s have the same ConfigRuleName %s.", prev, l, rule.Name)
		}
		seen[rule.Name] = l
		tc.refs[l] = rule.Name
		out.Rules = append(out.Rules, PackTemplateRule{Logical: l, Rule: *rule})
	}
	for _, l := range logicals {
		r := res[l].(map[string]any)
		if t, _ := r["Type"].(string); t != cfnRemediation {
			continue
		}
		props, err := tc.properties(l, r)
		if err != nil {
			return nil, err
		}
		rc, err := remediationFromProperties(l, props)
		if err != nil {
			return nil, err
		}
		if _, ok := seen[rc.RuleName]; !ok {
			return nil, templateError("Resource %s remediates the rule %s, which the template does not define.", l, rc.RuleName)
		}
		out.Remediations = append(out.Remediations, PackTemplateRemediation{Logical: l, Remediation: *rc})
	}
	return out, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// Bounds of a template's tree, against alias cycles and alias bombs.
const (
	maxTemplateDepth = 64
	maxTemplateNodes = 20000
)

// nodeValue converts a YAML node to maps, slices and strings, turning the
// short forms of intrinsic functions (!Ref X) into their long forms.
func nodeValue(n *yaml.Node, depth int, budget *int) (any, error) {
	*budget--
	if depth > maxTemplateDepth || *budget < 0 {
		return nil, templateError("The template is nested too deeply or is too large.")
	}
	var v any
	switch n.Kind {
	case yaml.AliasNode:
		return nodeValue(n.Alias, depth+1, budget)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, err := nodeValue(n.Content[i+1], depth+1, budget)
			if err != nil {
				return nil, err
			}
			m[n.Content[i].Value] = k
		}
		v = m
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			x, err := nodeValue(c, depth+1, budget)
			if err != nil {
				return nil, err
			}
			l = append(l, x)
		}
		v = l
	case yaml.ScalarNode:
		v = n.Value
		if n.Tag == "!!null" {
			v = nil
		}
	default:
		return nil, templateError("Unsupported YAML at line %d.", n.Line)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		fn := n.Tag[1:]
		switch fn {
		case "Ref", "Condition":
		default:
			fn = "Fn::" + fn
		}
		if fn == "Fn::GetAtt" {
			if s, ok := v.(string); ok {
				a, b, _ := strings.Cut(s, ".")
				v = []any{a, b}
			}
		}
		return map[string]any{fn: v}, nil
	}
	return v, nil
}

func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// properties resolves a resource's Properties, honouring its Condition.
func (tc *templateContext) properties(logical string, r map[string]any) (map[string]any, error) {
	if c, ok := r["Condition"].(string); ok {
		on, err := tc.condition(c)
		if err != nil {
			return nil, err
		}
		if !on {
			return nil, templateError("Resource %s is conditional; configd does not support conditional resources.", logical)
		}
	}
	p, err := tc.resolve(r["Properties"])
	if err != nil {
		return nil, fmt.Errorf("resource %s: %w", logical, err)
	}
	m, _ := p.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

func (tc *templateContext) condition(name string) (bool, error) {
	if v, ok := tc.condCache[name]; ok {
		return v, nil
	}
	c, ok := tc.conditions[name]
	if !ok {
		return false, templateError("Unresolved condition %s.", name)
	}
	tc.condCache[name] = false // a cycle resolves to false
	v, err := tc.boolean(c)
	if err == nil {
		tc.condCache[name] = v
	}
	return v, err
}

func (tc *templateContext) boolean(c any) (bool, error) {
	m, ok := c.(map[string]any)
	if !ok || len(m) != 1 {
		return false, templateError("A condition must be one condition function.")
	}
	for fn, arg := range m {
		args, _ := arg.([]any)
		switch fn {
		case "Condition":
			s, _ := arg.(string)
			return tc.condition(s)
		case "Fn::Equals":
			if len(args) != 2 {
				return false, templateError("Fn::Equals takes two values.")
			}
			a, err := tc.resolve(args[0])
			if err != nil {
				return false, err
			}
			b, err := tc.resolve(args[1])
			if err != nil {
				return false, err
			}
			return scalarString(a) == scalarString(b), nil
		case "Fn::Not":
			if len(args) != 1 {
				return false, templateError("Fn::Not takes one condition.")
			}
			v, err := tc.boolean(args[0])
			return !v, err
		case "Fn::And", "Fn::Or":
			if len(args) < 2 {
				return false, templateError("%s takes at least two conditions.", fn)
			}
			and := fn == "Fn::And"
			for _, a := range args {
				v, err := tc.boolean(a)
				if err != nil {
					return false, err
				}
				if v != and {
					return v, nil
				}
			}
			return and, nil
		}
		return false, templateError("Unsupported condition function %s.", fn)
	}
	return false, nil
}

// resolve evaluates the intrinsic functions of v; AWS::NoValue removes the
// member or element it is the value of.
func (tc *templateContext) resolve(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		out := []any{}
		for _, e := range x {
			r, err := tc.resolve(e)
			if err != nil {
				return nil, err
			}
			if _, skip := r.(noValue); !skip {
				out = append(out, r)
			}
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for fn, arg := range x {
				if fn == "Ref" || strings.HasPrefix(fn, "Fn::") {
					return tc.function(fn, arg)
				}
			}
		}
		out := map[string]any{}
		for k, e := range x {
			r, err := tc.resolve(e)
			if err != nil {
				return nil, err
			}
			if _, skip := r.(noValue); !skip {
				out[k] = r
			}
		}
		return out, nil
	}
	return v, nil
}

func (tc *templateContext) ref(name string) (any, error) {
	if name == "AWS::NoValue" {
		return noValue{}, nil
	}
	if v, ok := tc.params[name]; ok {
		return v, nil
	}
	if v, ok := tc.pseudo[name]; ok {
		return v, nil
	}
	if v, ok := tc.refs[name]; ok {
		return v, nil
	}
	return nil, templateError("Unresolved resource dependencies [%s] in the Resources block of the template", name)
}

func (tc *templateContext) function(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		s, ok := arg.(string)
		if !ok {
			return nil, templateError("Ref takes a name.")
		}
		return tc.ref(s)
	case "Fn::If":
		args, _ := arg.([]any)
		if len(args) != 3 {
			return nil, templateError("Fn::If takes a condition name and two values.")
		}
		name, _ := args[0].(string)
		on, err := tc.condition(name)
		if err != nil {
			return nil, err
		}
		if on {
			return tc.resolve(args[1])
		}
		return tc.resolve(args[2])
	case "Fn::Sub":
		s, ok := arg.(string)
		if !ok {
			return nil, templateError("configd supports Fn::Sub with a string only.")
		}
		var b strings.Builder
		for {
			i := strings.Index(s, "${")
			if i < 0 {
				b.WriteString(s)
				return b.String(), nil
			}
			j := strings.Index(s[i:], "}")
			if j < 0 {
				return nil, templateError("Fn::Sub: unterminated ${ in %q.", s)
			}
			b.WriteString(s[:i])
			name := s[i+2 : i+j]
			if strings.HasPrefix(name, "!") {
				b.WriteString("${" + name[1:] + "}")
			} else {
				v, err := tc.ref(name)
				if err != nil {
					return nil, err
				}
				b.WriteString(scalarString(v))
			}
			s = s[i+j+1:]
		}
	case "Fn::Join":
		args, _ := arg.([]any)
		if len(args) != 2 {
			return nil, templateError("Fn::Join takes a delimiter and a list.")
		}
		sep, _ := args[0].(string)
		l, err := tc.resolve(args[1])
		if err != nil {
			return nil, err
		}
		list, _ := l.([]any)
		parts := make([]string, 0, len(list))
		for _, e := range list {
			parts = append(parts, scalarString(e))
		}
		return strings.Join(parts, sep), nil
	}
	return nil, templateError("Unsupported intrinsic function %s.", fn)
}

// cfnRule is AWS::Config::ConfigRule's properties
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-config-configrule.html).
type cfnRuleProps struct {
	ConfigRuleName            string
	Description               string
	InputParameters           any
	MaximumExecutionFrequency string
	Scope                     *struct {
		ComplianceResourceId    string
		ComplianceResourceTypes []string
		TagKey                  string
		TagValue                string
	}
	Source struct {
		Owner               string
		SourceIdentifier    string
		SourceDetails       []configd.SourceDetail
		CustomPolicyDetails *struct {
			PolicyRuntime          string
			PolicyText             string
			EnableDebugLogDelivery any
		}
	}
	EvaluationModes []struct{ Mode string }
}

// decodeProps decodes resolved properties into v, with CloudFormation's
// leniency for scalars (numbers and booleans written as strings).
func decodeProps(logical string, props map[string]any, v any) error {
	b, _ := json.Marshal(props)
	if err := json.Unmarshal(b, v); err != nil {
		return templateError("Resource %s has properties of the wrong type: %s", logical, firstLine(err.Error()))
	}
	return nil
}

func ruleFromProperties(logical string, props map[string]any) (*configd.ConfigRule, error) {
	var p cfnRuleProps
	if err := decodeProps(logical, props, &p); err != nil {
		return nil, err
	}
	if p.Source.Owner == "" {
		return nil, templateError("Resource %s: Source.Owner is required.", logical)
	}
	r := &configd.ConfigRule{
		Name: p.ConfigRuleName, Description: p.Description, MaximumExecutionFrequency: p.MaximumExecutionFrequency,
		Source: configd.RuleSource{Owner: p.Source.Owner, SourceIdentifier: p.Source.SourceIdentifier, SourceDetails: p.Source.SourceDetails},
	}
	if r.Name == "" {
		r.Name = logical
	}
	if cp := p.Source.CustomPolicyDetails; cp != nil {
		r.Source.CustomPolicy = &configd.CustomPolicy{PolicyRuntime: cp.PolicyRuntime, PolicyText: cp.PolicyText, EnableDebugLogDelivery: scalarString(cp.EnableDebugLogDelivery) == "true"}
	}
	if p.Scope != nil {
		r.Scope = configd.RuleScope{ComplianceResourceTypes: p.Scope.ComplianceResourceTypes, TagKey: p.Scope.TagKey, TagValue: p.Scope.TagValue, ComplianceResourceID: p.Scope.ComplianceResourceId}
	}
	for _, m := range p.EvaluationModes {
		r.EvaluationModes = append(r.EvaluationModes, m.Mode)
	}
	switch ip := p.InputParameters.(type) {
	case nil:
	case string:
		r.InputParameters = ip
	case map[string]any:
		// Config's InputParameters are a JSON object of strings.
		m := map[string]string{}
		for k, v := range ip {
			m[k] = scalarString(v)
		}
		if len(m) > 0 {
			b, _ := json.Marshal(m)
			r.InputParameters = string(b)
		}
	default:
		return nil, templateError("Resource %s: InputParameters must be an object.", logical)
	}
	return r, nil
}

// cfnRemediationProps is AWS::Config::RemediationConfiguration's properties
// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-config-remediationconfiguration.html).
type cfnRemediationProps struct {
	ConfigRuleName           string
	TargetId                 string
	TargetType               string
	TargetVersion            string
	ResourceType             string
	Automatic                any
	MaximumAutomaticAttempts any
	RetryAttemptSeconds      any
	Parameters               map[string]struct {
		ResourceValue *struct{ Value string }
		StaticValue   *struct{ Values []string }
	}
	ExecutionControls *struct {
		SsmControls *struct {
			ConcurrentExecutionRatePercentage any
			ErrorPercentage                   any
		}
	}
}

func intProp(logical, name string, v any) (int, error) {
	if v == nil {
		return 0, nil
	}
	var n int
	if _, err := fmt.Sscan(scalarString(v), &n); err != nil {
		return 0, templateError("Resource %s: %s must be a number.", logical, name)
	}
	return n, nil
}

func remediationFromProperties(logical string, props map[string]any) (*configd.RemediationConfiguration, error) {
	var p cfnRemediationProps
	if err := decodeProps(logical, props, &p); err != nil {
		return nil, err
	}
	if p.ConfigRuleName == "" || p.TargetId == "" || p.TargetType == "" {
		return nil, templateError("Resource %s: ConfigRuleName, TargetId and TargetType are required.", logical)
	}
	c := &configd.RemediationConfiguration{
		RuleName: p.ConfigRuleName, TargetType: p.TargetType, TargetID: p.TargetId, TargetVersion: p.TargetVersion,
		ResourceType: p.ResourceType, Automatic: scalarString(p.Automatic) == "true",
	}
	var err error
	if c.MaximumAutomaticAttempts, err = intProp(logical, "MaximumAutomaticAttempts", p.MaximumAutomaticAttempts); err != nil {
		return nil, err
	}
	secs, err := intProp(logical, "RetryAttemptSeconds", p.RetryAttemptSeconds)
	if err != nil {
		return nil, err
	}
	c.RetryAttemptSeconds = int64(secs)
	if len(p.Parameters) > 0 {
		c.Parameters = map[string]configd.RemediationParameter{}
		for name, v := range p.Parameters {
			var rp configd.RemediationParameter
			if v.ResourceValue != nil {
				rp.ResourceValue = v.ResourceValue.Value
			}
			if v.StaticValue != nil {
				rp.StaticValues = v.StaticValue.Values
				if rp.StaticValues == nil {
					rp.StaticValues = []string{}
				}
			}
			c.Parameters[name] = rp
		}
	}
	if ec := p.ExecutionControls; ec != nil && ec.SsmControls != nil {
		c.ExecutionControls = &configd.ExecutionControls{}
		if c.ExecutionControls.ConcurrentExecutionRatePercentage, err = intProp(logical, "ConcurrentExecutionRatePercentage", ec.SsmControls.ConcurrentExecutionRatePercentage); err != nil {
			return nil, err
		}
		if c.ExecutionControls.ErrorPercentage, err = intProp(logical, "ErrorPercentage", ec.SsmControls.ErrorPercentage); err != nil {
			return nil, err
		}
	}
	return c, nil
}
