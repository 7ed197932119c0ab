package managedrule

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
)

// Parameter types of the managed rule catalogue.
const (
	TypeString    = "String"
	TypeInt       = "int"
	TypeBoolean   = "boolean"
	TypeDouble    = "double"
	TypeCSV       = "CSV"
	TypeStringMap = "StringMap"
)

// Trigger types (message types) a managed rule is run on.
const (
	TriggerConfigurationChange = "ConfigurationItemChangeNotification"
	TriggerPeriodic            = "ScheduledNotification"
)

// Param is one input parameter of a managed rule.
type Param struct {
	Name string
	// Type is one of TypeString, TypeInt, TypeBoolean, TypeDouble, TypeCSV
	// and TypeStringMap.
	Type     string
	Optional bool
	// Default is the value AWS documents as the default, or "" for none.
	// Optional parameters with a default get it when left out.
	Default string
}

// Spec describes one AWS managed rule as the catalogue lists it.
type Spec struct {
	Identifier string
	Parameters []Param
	// TriggerTypes lists TriggerConfigurationChange and/or TriggerPeriodic.
	TriggerTypes []string
	// ResourceTypes lists the resource types the rule evaluates; it is empty
	// for rules that evaluate the account (AWS::::Account).
	ResourceTypes []string
}

// Param returns the parameter called name.
func (s *Spec) Param(name string) (Param, bool) {
	for _, p := range s.Parameters {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// HasTrigger reports whether the rule runs on the trigger type t.
func (s *Spec) HasTrigger(t string) bool {
	for _, x := range s.TriggerTypes {
		if x == t {
			return true
		}
	}
	return false
}

// catalogJSON is generated from moto's copy of the AWS managed rule list
// (moto/config/resources/aws_managed_rules.json.gz, Apache-2.0); see
// internal/gen.
//
//go:embed catalog.json
var catalogJSON []byte

var catalog = sync.OnceValue(func() map[string]*Spec {
	var doc struct {
		Rules []struct {
			ID       string   `json:"id"`
			Triggers []string `json:"tr"`
			Types    []string `json:"rt"`
			Params   []struct {
				Name     string `json:"n"`
				Type     string `json:"t"`
				Optional bool   `json:"o"`
				Default  string `json:"d"`
			} `json:"p"`
		} `json:"rules"`
	}
	if err := json.Unmarshal(catalogJSON, &doc); err != nil {
		panic(fmt.Sprintf("managedrule: embedded catalog.json: %v", err))
	}
	m := make(map[string]*Spec, len(doc.Rules))
	for _, r := range doc.Rules {
		s := &Spec{Identifier: r.ID, TriggerTypes: r.Triggers, ResourceTypes: r.Types}
		if len(r.Types) == 1 && r.Types[0] == AccountResourceType {
			// Some entries name the account as their one resource type
			// (IAM_POLICY_IN_USE); like those that name none
			// (CLOUD_TRAIL_ENABLED) they evaluate the account as a whole.
			s.ResourceTypes = nil
		}
		for _, p := range r.Params {
			s.Parameters = append(s.Parameters, Param{Name: p.Name, Type: p.Type, Optional: p.Optional, Default: p.Default})
		}
		m[r.ID] = s
	}
	return m
})

// Lookup returns the catalogue entry of the managed rule identifier (a
// SourceIdentifier such as "S3_BUCKET_VERSIONING_ENABLED"). The Spec is
// shared: callers must not modify it.
func Lookup(identifier string) (*Spec, bool) {
	s, ok := catalog()[identifier]
	return s, ok
}

// Identifiers returns every identifier of the catalogue, sorted.
func Identifiers() []string {
	c := catalog()
	ids := make([]string, 0, len(c))
	for id := range c {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
