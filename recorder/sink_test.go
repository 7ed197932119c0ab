package recorder

import (
	"context"
	"maps"
	"reflect"
	"sync"

	"github.com/configd/configd"
)

// memSink is an in-memory Sink that keeps every version of every resource.
type memSink struct {
	mu       sync.Mutex
	versions map[configd.ResourceKey][]*configd.ConfigurationItem
	// failKnown, when set, is returned by KnownIDs.
	failKnown error
}

func newMemSink() *memSink {
	return &memSink{versions: map[configd.ResourceKey][]*configd.ConfigurationItem{}}
}

func (s *memSink) Record(_ context.Context, _ configd.Scope, ci *configd.ConfigurationItem) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := configd.ResourceKey{ResourceType: ci.ResourceType, ResourceID: ci.ResourceID}
	if l := s.latestLocked(key); l != nil && l.Status != configd.CIStatusResourceDeleted && sameState(l, ci) {
		return false, nil
	}
	c := *ci
	s.versions[key] = append(s.versions[key], &c)
	return true, nil
}

func sameState(a, b *configd.ConfigurationItem) bool {
	return a.Configuration == b.Configuration &&
		maps.Equal(a.SupplementaryConfiguration, b.SupplementaryConfiguration) &&
		maps.Equal(a.Tags, b.Tags) &&
		reflect.DeepEqual(a.Relationships, b.Relationships)
}

func (s *memSink) KnownIDs(_ context.Context, _ configd.Scope, resourceType string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failKnown != nil {
		return nil, s.failKnown
	}
	var ids []string
	for k, vs := range s.versions {
		if k.ResourceType == resourceType && vs[len(vs)-1].Status != configd.CIStatusResourceDeleted {
			ids = append(ids, k.ResourceID)
		}
	}
	return ids, nil
}

func (s *memSink) RecordDeleted(_ context.Context, scope configd.Scope, key configd.ResourceKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.latestLocked(key)
	ci := &configd.ConfigurationItem{ResourceType: key.ResourceType, ResourceID: key.ResourceID,
		Status: configd.CIStatusResourceDeleted, AccountID: scope.AccountID, Region: scope.Region}
	if prev != nil {
		ci.ARN, ci.ResourceName = prev.ARN, prev.ResourceName
	}
	s.versions[key] = append(s.versions[key], ci)
	return nil
}

func (s *memSink) latestLocked(key configd.ResourceKey) *configd.ConfigurationItem {
	vs := s.versions[key]
	if len(vs) == 0 {
		return nil
	}
	return vs[len(vs)-1]
}

// history returns the versions of one resource.
func (s *memSink) history(resourceType, id string) []*configd.ConfigurationItem {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*configd.ConfigurationItem(nil), s.versions[configd.ResourceKey{ResourceType: resourceType, ResourceID: id}]...)
}

// latest returns the newest version of one resource, or nil.
func (s *memSink) latest(resourceType, id string) *configd.ConfigurationItem {
	h := s.history(resourceType, id)
	if len(h) == 0 {
		return nil
	}
	return h[len(h)-1]
}

// byName returns the latest item of the type whose resource name is name.
func (s *memSink) byName(resourceType, name string) *configd.ConfigurationItem {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, vs := range s.versions {
		if k.ResourceType == resourceType && vs[len(vs)-1].ResourceName == name {
			return vs[len(vs)-1]
		}
	}
	return nil
}
