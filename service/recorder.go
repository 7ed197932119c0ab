package service

import (
	"context"
	"slices"
	"strings"

	"github.com/configd/configd"
)

// DefaultRecorderName is the name AWS gives a recorder put without one.
const DefaultRecorderName = "default"

// Recording scopes (ConfigurationRecorderSummary.recordingScope).
const (
	RecordingScopeInternal = "INTERNAL"
	RecordingScopePaid     = "PAID"
)

// maxCustomerRecorders: AWS allows one customer-managed recorder per region.
// https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html
const maxCustomerRecorders = 1

// RecordingScope returns the recordingScope AWS reports for r.
func RecordingScope(r *configd.Recorder) string {
	if r.ServiceLinked() {
		return RecordingScopeInternal
	}
	return RecordingScopePaid
}

func noSuchRecorder(name string) error {
	return configd.Errorf(configd.ErrNoSuchConfigurationRecorder, "Cannot find configuration recorder with the specified name '%s'.", name)
}

func unmodifiable(name string) error {
	return configd.Errorf(configd.ErrUnmodifiableEntity, "The configuration recorder '%s' is a service-linked configuration recorder and cannot be modified with this operation.", name)
}

// PutRecorder creates or updates the customer-managed configuration recorder.
// It applies AWS's rules: at most one customer-managed recorder per region,
// a valid recording group and recording mode. An update keeps the recorder's
// ARN and status.
func (s *Service) PutRecorder(ctx context.Context, scope configd.Scope, r *configd.Recorder, tags []configd.Tag) (*configd.Recorder, error) {
	if r.Name == "" {
		r.Name = DefaultRecorderName
	}
	if strings.TrimSpace(r.Name) == "" {
		return nil, configd.Errorf(configd.ErrInvalidConfigurationRecorderName, "The configuration recorder name '%s' is not valid, blank string.", r.Name)
	}
	if err := NormalizeRecordingGroup(&r.RecordingGroup); err != nil {
		return nil, err
	}
	if r.RecordingMode.RecordingFrequency == "" {
		r.RecordingMode.RecordingFrequency = configd.FrequencyContinuous
	}
	var out *configd.Recorder
	err := s.write(ctx, func(tx configd.Tx) error {
		if err := tx.Lock(ctx, scope, "recorders"); err != nil {
			return err
		}
		all, err := tx.ListRecorders(ctx, scope)
		if err != nil {
			return err
		}
		var existing *configd.Recorder
		customer := 0
		for _, o := range all {
			if o.Name == r.Name {
				existing = o
			}
			if !o.ServiceLinked() {
				customer++
			}
		}
		if existing != nil && existing.ServiceLinked() {
			return unmodifiable(r.Name)
		}
		if existing == nil && customer >= maxCustomerRecorders {
			return configd.Errorf(configd.ErrMaxNumberOfConfigurationRecorders, "Failed to put configuration recorder '%s' because the maximum number of configuration recorders: %d is reached.", r.Name, maxCustomerRecorders)
		}
		n := *r
		n.ServicePrincipal = ""
		if existing != nil {
			n.ARN = existing.ARN
			n.Recording, n.LastStartTime, n.LastStopTime = existing.Recording, existing.LastStartTime, existing.LastStopTime
			n.LastStatus, n.LastStatusChangeTime = existing.LastStatus, existing.LastStatusChangeTime
			n.LastErrorCode, n.LastErrorMessage = existing.LastErrorCode, existing.LastErrorMessage
		} else {
			n.ARN = scope.ARN("config", "configuration-recorder/"+r.Name+"/"+randomID(8))
		}
		if err := tx.PutRecorder(ctx, scope, &n); err != nil {
			return err
		}
		if existing == nil && len(tags) > 0 {
			if err := tx.PutTags(ctx, scope, n.ARN, tags); err != nil {
				return err
			}
		}
		out = &n
		return nil
	})
	return out, err
}

// NormalizeRecordingGroup checks g against AWS's rules and fills in the
// recording strategy when it was not given. See
// https://docs.aws.amazon.com/config/latest/APIReference/API_RecordingGroup.html
func NormalizeRecordingGroup(g *configd.RecordingGroup) error {
	invalid := configd.Errorf(configd.ErrInvalidRecordingGroup, "The recording group provided is not valid")
	if g.RecordingStrategy == "" {
		switch {
		case len(g.ExclusionByResourceTypes) > 0:
			g.RecordingStrategy = configd.StrategyExclusion
		case g.AllSupported:
			g.RecordingStrategy = configd.StrategyAllSupported
		case len(g.ResourceTypes) > 0:
			g.RecordingStrategy = configd.StrategyInclusion
		default:
			// AWS's default recording group records all supported types.
			g.AllSupported = true
			g.RecordingStrategy = configd.StrategyAllSupported
		}
	}
	switch g.RecordingStrategy {
	case configd.StrategyAllSupported:
		if !g.AllSupported || len(g.ResourceTypes) > 0 || len(g.ExclusionByResourceTypes) > 0 {
			return invalid
		}
	case configd.StrategyInclusion:
		if g.AllSupported || g.IncludeGlobalResourceTypes || len(g.ResourceTypes) == 0 || len(g.ExclusionByResourceTypes) > 0 {
			return invalid
		}
	case configd.StrategyExclusion:
		if g.AllSupported || g.IncludeGlobalResourceTypes || len(g.ResourceTypes) > 0 || len(g.ExclusionByResourceTypes) == 0 {
			return invalid
		}
	default:
		return invalid
	}
	return nil
}

// DescribeRecorders returns the named recorders (all when names is empty),
// optionally selected by ARN or service principal.
func (s *Service) DescribeRecorders(ctx context.Context, scope configd.Scope, names []string, arn, principal string) ([]*configd.Recorder, error) {
	var out []*configd.Recorder
	err := s.read(ctx, func(tx configd.Tx) error {
		all, err := tx.ListRecorders(ctx, scope)
		if err != nil {
			return err
		}
		for _, n := range names {
			if !slices.ContainsFunc(all, func(r *configd.Recorder) bool { return r.Name == n }) {
				return noSuchRecorder(n)
			}
		}
		found := false
		for _, r := range all {
			if len(names) > 0 && !slices.Contains(names, r.Name) {
				continue
			}
			if arn != "" && r.ARN != arn {
				continue
			}
			if principal != "" && r.ServicePrincipal != principal {
				continue
			}
			found = true
			out = append(out, r)
		}
		if !found && arn != "" {
			return configd.Errorf(configd.ErrNoSuchConfigurationRecorder, "Cannot find configuration recorder with the specified ARN '%s'.", arn)
		}
		if !found && principal != "" {
			return configd.Errorf(configd.ErrNoSuchConfigurationRecorder, "Cannot find configuration recorder for the specified service principal '%s'.", principal)
		}
		return nil
	})
	return out, err
}

// ListRecorders returns the summaries of the scope's recorders, filtered by
// recording scope and service principal (empty filter lists match all).
func (s *Service) ListRecorders(ctx context.Context, scope configd.Scope, scopes, principals []string) ([]*configd.Recorder, error) {
	var out []*configd.Recorder
	err := s.read(ctx, func(tx configd.Tx) error {
		all, err := tx.ListRecorders(ctx, scope)
		for _, r := range all {
			if len(scopes) > 0 && !slices.Contains(scopes, RecordingScope(r)) {
				continue
			}
			if len(principals) > 0 && !slices.Contains(principals, r.ServicePrincipal) {
				continue
			}
			out = append(out, r)
		}
		return err
	})
	return out, err
}

// DeleteRecorder deletes a customer-managed recorder. Recorded history stays.
func (s *Service) DeleteRecorder(ctx context.Context, scope configd.Scope, name string) error {
	return s.write(ctx, func(tx configd.Tx) error {
		r, err := tx.GetRecorder(ctx, scope, name)
		if err != nil {
			return err
		}
		if r.ServiceLinked() {
			return unmodifiable(name)
		}
		if err := tx.DeleteAllTags(ctx, scope, r.ARN); err != nil {
			return err
		}
		return tx.DeleteRecorder(ctx, scope, name)
	})
}

// StartRecorder starts recording; a delivery channel must exist.
func (s *Service) StartRecorder(ctx context.Context, scope configd.Scope, name string) error {
	started := false
	err := s.write(ctx, func(tx configd.Tx) error {
		r, err := tx.GetRecorder(ctx, scope, name)
		if err != nil {
			return err
		}
		if r.ServiceLinked() {
			return unmodifiable(name)
		}
		chans, err := tx.ListDeliveryChannels(ctx, scope)
		if err != nil {
			return err
		}
		if len(chans) == 0 {
			return configd.Errorf(configd.ErrNoAvailableDeliveryChannel, "Delivery channel is not available to start configuration recorder.")
		}
		if r.Recording {
			return nil
		}
		now := s.clock.Now()
		r.Recording = true
		r.LastStartTime = now
		r.LastStatus = configd.RecorderStatusPending
		r.LastStatusChangeTime = now
		r.LastErrorCode, r.LastErrorMessage = "", ""
		started = true
		return tx.PutRecorder(ctx, scope, r)
	})
	if err == nil && started && s.hooks.RecorderStarted != nil {
		s.hooks.RecorderStarted(scope, name)
	}
	return err
}

// StopRecorder stops recording.
func (s *Service) StopRecorder(ctx context.Context, scope configd.Scope, name string) error {
	return s.write(ctx, func(tx configd.Tx) error {
		r, err := tx.GetRecorder(ctx, scope, name)
		if err != nil {
			return err
		}
		if r.ServiceLinked() {
			return unmodifiable(name)
		}
		if !r.Recording {
			return nil
		}
		now := s.clock.Now()
		r.Recording = false
		r.LastStopTime = now
		r.LastStatusChangeTime = now
		return tx.PutRecorder(ctx, scope, r)
	})
}

// SetRecorderStatus records the outcome of a recording pass (used by
// discovery): Success, or Failure with an AWS error code and message.
func (s *Service) SetRecorderStatus(ctx context.Context, scope configd.Scope, name, status, code, message string) error {
	return s.write(ctx, func(tx configd.Tx) error {
		r, err := tx.GetRecorder(ctx, scope, name)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if r.LastStatus != status {
			r.LastStatusChangeTime = now
		}
		r.LastStatus, r.LastErrorCode, r.LastErrorMessage = status, code, message
		return tx.PutRecorder(ctx, scope, r)
	})
}

func (s *Service) recorderByARN(ctx context.Context, tx configd.Tx, scope configd.Scope, arn string) (*configd.Recorder, error) {
	all, err := tx.ListRecorders(ctx, scope)
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		if r.ARN == arn {
			return r, nil
		}
	}
	return nil, configd.Errorf(configd.ErrNoSuchConfigurationRecorder, "Cannot find configuration recorder with the specified ARN '%s'.", arn)
}

// AssociateResourceTypes adds resource types to what a recorder records: to
// the inclusion list, or by removing them from the exclusion list. A recorder
// that records all supported types has nothing to add: ConflictException.
// https://docs.aws.amazon.com/config/latest/APIReference/API_AssociateResourceTypes.html
func (s *Service) AssociateResourceTypes(ctx context.Context, scope configd.Scope, arn string, types []string) (*configd.Recorder, error) {
	return s.changeResourceTypes(ctx, scope, arn, types, true)
}

// DisassociateResourceTypes removes resource types from what a recorder records.
func (s *Service) DisassociateResourceTypes(ctx context.Context, scope configd.Scope, arn string, types []string) (*configd.Recorder, error) {
	return s.changeResourceTypes(ctx, scope, arn, types, false)
}

func (s *Service) changeResourceTypes(ctx context.Context, scope configd.Scope, arn string, types []string, add bool) (*configd.Recorder, error) {
	var out *configd.Recorder
	err := s.write(ctx, func(tx configd.Tx) error {
		r, err := s.recorderByARN(ctx, tx, scope, arn)
		if err != nil {
			return err
		}
		if r.ServiceLinked() {
			return configd.Errorf(configd.ErrConflict, "The configuration recorder '%s' is a service-linked configuration recorder; its resource types are set by its service.", r.Name)
		}
		g := &r.RecordingGroup
		switch g.RecordingStrategy {
		case configd.StrategyInclusion:
			if add {
				g.ResourceTypes = union(g.ResourceTypes, types)
			} else {
				g.ResourceTypes = minus(g.ResourceTypes, types)
				if len(g.ResourceTypes) == 0 {
					return configd.Errorf(configd.ErrConflict, "Cannot disassociate every resource type from configuration recorder '%s': it records by inclusion and would record nothing.", r.Name)
				}
			}
		case configd.StrategyExclusion:
			if add {
				g.ExclusionByResourceTypes = minus(g.ExclusionByResourceTypes, types)
				if len(g.ExclusionByResourceTypes) == 0 {
					g.AllSupported = true
					g.RecordingStrategy = configd.StrategyAllSupported
				}
			} else {
				g.ExclusionByResourceTypes = union(g.ExclusionByResourceTypes, types)
			}
		default:
			return configd.Errorf(configd.ErrConflict, "The configuration recorder '%s' records all supported resource types; change its recording strategy with PutConfigurationRecorder to associate or disassociate resource types.", r.Name)
		}
		out = r
		return tx.PutRecorder(ctx, scope, r)
	})
	return out, err
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func minus(a, b []string) []string {
	return slices.DeleteFunc(slices.Clone(a), func(x string) bool { return slices.Contains(b, x) })
}

// ServiceLinkedRecorderName is the name configd gives the service-linked
// recorder of a service principal.
func ServiceLinkedRecorderName(principal string) string {
	return "AWSConfigurationRecorderFor" + strings.ReplaceAll(principal, ".", "-")
}

// PutServiceLinkedRecorder creates the service-linked recorder of a service
// principal (idempotent). Its recording group and mode are the service's:
// configd records all supported types continuously for it, and it is
// recording from creation.
func (s *Service) PutServiceLinkedRecorder(ctx context.Context, scope configd.Scope, principal string, tags []configd.Tag) (*configd.Recorder, error) {
	name := ServiceLinkedRecorderName(principal)
	var out *configd.Recorder
	err := s.write(ctx, func(tx configd.Tx) error {
		if err := tx.Lock(ctx, scope, "recorders"); err != nil {
			return err
		}
		r, err := tx.GetRecorder(ctx, scope, name)
		if err == nil {
			out = r
			return nil
		}
		if configd.ErrorCode(err) != configd.ErrNoSuchConfigurationRecorder {
			return err
		}
		now := s.clock.Now()
		r = &configd.Recorder{
			Name:                 name,
			ARN:                  scope.ARN("config", "configuration-recorder/"+name+"/"+randomID(8)),
			ServicePrincipal:     principal,
			RecordingGroup:       configd.RecordingGroup{AllSupported: true, RecordingStrategy: configd.StrategyAllSupported},
			RecordingMode:        configd.RecordingMode{RecordingFrequency: configd.FrequencyContinuous},
			Recording:            true,
			LastStartTime:        now,
			LastStatus:           configd.RecorderStatusPending,
			LastStatusChangeTime: now,
		}
		if err := tx.PutRecorder(ctx, scope, r); err != nil {
			return err
		}
		if len(tags) > 0 {
			if err := tx.PutTags(ctx, scope, r.ARN, tags); err != nil {
				return err
			}
		}
		out = r
		return nil
	})
	return out, err
}

// DeleteServiceLinkedRecorder deletes the service-linked recorder of a
// service principal.
func (s *Service) DeleteServiceLinkedRecorder(ctx context.Context, scope configd.Scope, principal string) (*configd.Recorder, error) {
	name := ServiceLinkedRecorderName(principal)
	var out *configd.Recorder
	err := s.write(ctx, func(tx configd.Tx) error {
		r, err := tx.GetRecorder(ctx, scope, name)
		if err != nil {
			if configd.ErrorCode(err) == configd.ErrNoSuchConfigurationRecorder {
				return configd.Errorf(configd.ErrNoSuchConfigurationRecorder, "Cannot find configuration recorder for the specified service principal '%s'.", principal)
			}
			return err
		}
		if err := tx.DeleteAllTags(ctx, scope, r.ARN); err != nil {
			return err
		}
		out = r
		return tx.DeleteRecorder(ctx, scope, name)
	})
	return out, err
}
