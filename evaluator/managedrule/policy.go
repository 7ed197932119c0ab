package managedrule

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/configd/configd/internal/wildcard"
)

// policyDocument is an IAM policy (identity or resource based).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
type policyDocument struct {
	Statement []statement
}

type statement struct {
	Effect       string                           `json:"Effect"`
	Principal    *principal                       `json:"Principal"`
	NotPrincipal *principal                       `json:"NotPrincipal"`
	Action       stringList                       `json:"Action"`
	NotAction    stringList                       `json:"NotAction"`
	Resource     stringList                       `json:"Resource"`
	NotResource  stringList                       `json:"NotResource"`
	Condition    map[string]map[string]stringList `json:"Condition"`
}

// unmarshalPolicy decodes a policy whose Statement is an array or, less
// often, a single object.
func unmarshalPolicy(b []byte) (*policyDocument, error) {
	var many struct {
		Statement []statement `json:"Statement"`
	}
	err := json.Unmarshal(b, &many)
	if err == nil {
		return &policyDocument{Statement: many.Statement}, nil
	}
	var one struct {
		Statement *statement `json:"Statement"`
	}
	if json.Unmarshal(b, &one) != nil || one.Statement == nil {
		return nil, err
	}
	return &policyDocument{Statement: []statement{*one.Statement}}, nil
}

// principal is the Principal element: "*" or a map of principal kinds
// (AWS, Service, Federated, CanonicalUser) to one or more values.
type principal struct {
	wildcard bool
	byKind   map[string]stringList
}

func (p *principal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		p.wildcard = s == "*"
		return nil
	}
	return json.Unmarshal(b, &p.byKind)
}

// anyone reports whether the principal includes every AWS principal: "*",
// {"AWS": "*"}, or an AWS principal with a wildcard in it. S3 counts a
// policy as public unless it grants access only to fixed values
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status).
func (p *principal) anyone() bool {
	if p == nil {
		return false
	}
	if p.wildcard {
		return true
	}
	for kind, vs := range p.byKind {
		if strings.EqualFold(kind, "AWS") || strings.EqualFold(kind, "CanonicalUser") {
			for _, v := range vs {
				if strings.ContainsAny(v, "*?") {
					return true
				}
			}
		}
	}
	return false
}

// parsePolicy decodes a policy document that may be URL-encoded, as AWS
// Config writes IAM policy documents (policyVersionList[].document,
// userPolicyList[].policyDocument).
func parsePolicy(text string) (*policyDocument, error) {
	var cached *policyDocument
	if decoded.get(text, &cached) {
		return cached, nil
	}
	d, err := decodePolicy(text)
	if err == nil {
		decoded.put(text, &d)
	}
	return d, err
}

func decodePolicy(text string) (*policyDocument, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return &policyDocument{}, nil
	}
	if text[0] != '{' {
		if u, err := url.PathUnescape(text); err == nil {
			text = u
		}
	}
	return unmarshalPolicy([]byte(text))
}

func (s *statement) allow() bool { return strings.EqualFold(s.Effect, "Allow") }
func (s *statement) deny() bool  { return strings.EqualFold(s.Effect, "Deny") }

// coversAction reports whether the statement applies to the action.
func (s *statement) coversAction(action string) bool {
	if len(s.Action) > 0 {
		return matchAny(s.Action, action)
	}
	if len(s.NotAction) > 0 {
		return !matchAny(s.NotAction, action)
	}
	return false
}

// publicPrincipal reports whether the statement applies to anyone: a
// wildcard principal without a condition that restricts who the caller is
// or where the call comes from.
func (s *statement) publicPrincipal() bool {
	if s.NotPrincipal != nil {
		// "everyone except" is public.
		return true
	}
	return s.Principal.anyone() && !s.restrictedByCondition()
}

// restrictingConditionKeys are global condition keys that limit a statement
// to known accounts, organizations, networks or sources
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
var restrictingConditionKeys = map[string]bool{
	"aws:sourcearn": true, "aws:sourceaccount": true, "aws:sourceowner": true,
	"aws:principalorgid": true, "aws:principalorgpaths": true, "aws:principalaccount": true,
	"aws:principalarn": true, "aws:sourceorgid": true, "aws:sourceorgpaths": true,
	"aws:sourcevpc": true, "aws:sourcevpce": true, "aws:sourceip": true, "aws:userid": true,
	"aws:principalservicename": true,
}

// A condition restricts the statement when a restricting key is compared
// only to fixed values: no value holds a wildcard, and no source IP range
// covers every address.
func (s *statement) restrictedByCondition() bool {
	for _, kv := range s.Condition {
		for key, values := range kv {
			if !restrictingConditionKeys[strings.ToLower(key)] || len(values) == 0 {
				continue
			}
			fixed := true
			for _, v := range values {
				if v == "" || strings.ContainsAny(v, "*?") || v == "0.0.0.0/0" || v == "::/0" {
					fixed = false
				}
			}
			if fixed {
				return true
			}
		}
	}
	return false
}

// conditionValues returns the values of a condition key under an operator,
// both matched case-insensitively.
func (s *statement) conditionValues(operator, key string) (stringList, bool) {
	for op, kv := range s.Condition {
		if !strings.EqualFold(op, operator) {
			continue
		}
		for k, v := range kv {
			if strings.EqualFold(k, key) {
				return v, true
			}
		}
	}
	return nil, false
}

// matchAny reports whether any IAM pattern (with * and ? wildcards, case
// insensitive) matches s.
func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildcardMatch(strings.ToLower(p), strings.ToLower(s)) {
			return true
		}
	}
	return false
}

// wildcardMatch matches s against a pattern where * is any run of
// characters and ? one character.
func wildcardMatch(p, s string) bool { return wildcard.Match(p, s, '*', '?') }
