package service

import (
	"context"

	"github.com/configd/configd"
)

// KnownIDs returns the ids of the resources of a type whose latest item is
// not a deletion (for discovery's deletion detection).
func (s *Service) KnownIDs(ctx context.Context, scope configd.Scope, resourceType string) ([]string, error) {
	var ids []string
	err := s.read(ctx, func(tx configd.Tx) error {
		after := ""
		for {
			page, err := tx.ListResources(ctx, scope, configd.ResourceFilter{ResourceType: resourceType}, after, 1000)
			if err != nil {
				return err
			}
			for _, r := range page {
				ids = append(ids, r.ResourceID)
			}
			if len(page) < 1000 {
				return nil
			}
			after = page[len(page)-1].ResourceID
		}
	})
	return ids, err
}

// RecordDeleted records that a resource no longer exists.
func (s *Service) RecordDeleted(ctx context.Context, scope configd.Scope, key configd.ResourceKey) error {
	_, err := s.Record(ctx, scope, &configd.ConfigurationItem{ResourceType: key.ResourceType, ResourceID: key.ResourceID, Status: configd.CIStatusResourceDeleted})
	return err
}

// ActiveRecorder is a customer-managed recorder that is recording.
type ActiveRecorder struct {
	Scope    configd.Scope
	Recorder *configd.Recorder
}

// ActiveRecorders lists the recording customer-managed recorders of every
// scope, or of one scope when only is non-nil.
func (s *Service) ActiveRecorders(ctx context.Context, only *configd.Scope) ([]ActiveRecorder, error) {
	var out []ActiveRecorder
	err := s.read(ctx, func(tx configd.Tx) error {
		scopes := []configd.Scope{}
		if only != nil {
			scopes = append(scopes, *only)
		} else {
			var err error
			if scopes, err = tx.Scopes(ctx); err != nil {
				return err
			}
		}
		for _, sc := range scopes {
			rs, err := tx.ListRecorders(ctx, sc)
			if err != nil {
				return err
			}
			for _, r := range rs {
				if r.Recording && !r.ServiceLinked() {
					out = append(out, ActiveRecorder{Scope: sc, Recorder: r})
				}
			}
		}
		return nil
	})
	return out, err
}
