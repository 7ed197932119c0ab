package service

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/configd/configd"
)

// SetEvaluationWaker registers fn, called (without blocking) each time
// recording a configuration item queues a change evaluation, so that the
// evaluator runs it at once instead of at its next poll. fn may be called
// inside the recording transaction: a worker woken by it claims jobs in a
// write transaction, which on SQLite waits for that commit, and elsewhere
// looks again shortly after. nil removes the hook.
func (s *Service) SetEvaluationWaker(fn func()) {
	if fn == nil {
		s.evalWaker.Store(nil)
		return
	}
	s.evalWaker.Store(&fn)
}

// ChangeJobKey is the coalescing key of the jobs that evaluate one resource
// after a change: a burst of changes of one resource queues one job, which
// evaluates its latest item.
func ChangeJobKey(key configd.ResourceKey) string {
	return "res/" + key.ResourceType + "/" + key.ResourceID
}

// queueChangeEvaluation queues, in the recording transaction, the
// evaluation of the resource whose item seq was just recorded, when the
// scope has rules: recording stays cheap without them.
func (s *Service) queueChangeEvaluation(ctx context.Context, tx configd.Tx, scope configd.Scope, key configd.ResourceKey, seq int64) error {
	n, err := tx.CountRules(ctx, scope)
	if err != nil || n == 0 {
		return err
	}
	k := key
	payload, _ := json.Marshal(configd.EvaluateJob{Resource: &k, Trigger: configd.MessageConfigurationItemChange, Seq: seq})
	added, err := tx.EnqueueJob(ctx, &configd.Job{Kind: configd.JobEvaluate, Scope: scope, Key: ChangeJobKey(key), Payload: string(payload), RunAt: s.clock.Now()})
	if err != nil {
		return err
	}
	if added {
		s.wakeEvaluator()
	}
	return nil
}

// wakeEvaluator tells the evaluator that evaluation jobs were queued (see
// SetEvaluationWaker). Code that queues JobEvaluate jobs calls it so that
// they run at once rather than at the evaluator's next poll.
func (s *Service) wakeEvaluator() {
	if fn := s.evalWaker.Load(); fn != nil {
		(*fn)()
	}
}

// ResourceEvaluation is a proactive evaluation of a resource configuration
// that is not recorded (StartResourceEvaluation,
// https://docs.aws.amazon.com/config/latest/APIReference/API_StartResourceEvaluation.html).
type ResourceEvaluation struct {
	ID                  string                     `json:"id"`
	Mode                string                     `json:"mode"`
	StartTime           time.Time                  `json:"start"`
	Status              string                     `json:"status"` // IN_PROGRESS, FAILED, SUCCEEDED
	FailureReason       string                     `json:"failureReason,omitempty"`
	Compliance          string                     `json:"compliance,omitempty"`
	ContextID           string                     `json:"context,omitempty"`
	ResourceID          string                     `json:"resourceId"`
	ResourceType        string                     `json:"resourceType"`
	Configuration       string                     `json:"configuration"`
	ConfigurationSchema string                     `json:"schema,omitempty"`
	TimeoutSeconds      int                        `json:"timeout"`
	ClientToken         string                     `json:"clientToken,omitempty"`
	Results             []configd.EvaluationResult `json:"results,omitempty"`
}

// Resource evaluation statuses (ResourceEvaluationStatus).
const (
	ResourceEvaluationInProgress = "IN_PROGRESS"
	ResourceEvaluationFailed     = "FAILED"
	ResourceEvaluationSucceeded  = "SUCCEEDED"
)

// MaxResourceEvaluations is how many resource evaluations configd keeps
// per scope; the oldest go first. (They live in the store's metadata until
// the store has a table of their own.)
const MaxResourceEvaluations = 1000

// ResourceEvaluationFilter selects resource evaluations
// (ListResourceEvaluations' Filters); zero fields match all.
type ResourceEvaluationFilter struct {
	Mode       string
	Start, End time.Time
	ContextID  string
}

// resourceEvaluationIndexEntry lists one evaluation in a scope's index.
type resourceEvaluationIndexEntry struct {
	ID      string `json:"i"`
	Start   int64  `json:"s"` // epoch ms
	Mode    string `json:"m"`
	Context string `json:"c,omitempty"`
}

func evaluationKey(scope configd.Scope, id string) string {
	return "reseval/" + scope.AccountID + "/" + scope.Region + "/" + id
}

func evaluationTokenKey(scope configd.Scope, token string) string {
	return "reseval-token/" + scope.AccountID + "/" + scope.Region + "/" + token
}

func evaluationIndexKey(scope configd.Scope) string {
	return "reseval-index/" + scope.AccountID + "/" + scope.Region
}

func readIndex(ctx context.Context, tx configd.Tx, scope configd.Scope) ([]resourceEvaluationIndexEntry, error) {
	v, err := tx.Meta(ctx, evaluationIndexKey(scope))
	if err != nil || v == "" {
		return nil, err
	}
	var idx []resourceEvaluationIndexEntry
	if err := json.Unmarshal([]byte(v), &idx); err != nil {
		return nil, fmt.Errorf("resource evaluation index of %s: %w", scope, err)
	}
	return idx, nil
}

// SaveResourceEvaluation stores re in tx (creating or replacing it) and
// keeps the scope's index of evaluations, newest first, at most
// MaxResourceEvaluations.
func SaveResourceEvaluation(ctx context.Context, tx configd.Tx, scope configd.Scope, re *ResourceEvaluation) error {
	if err := tx.Lock(ctx, scope, "resource-evaluations"); err != nil {
		return err
	}
	b, err := json.Marshal(re)
	if err != nil {
		return err
	}
	if err := tx.SetMeta(ctx, evaluationKey(scope, re.ID), string(b)); err != nil {
		return err
	}
	if re.ClientToken != "" {
		if err := tx.SetMeta(ctx, evaluationTokenKey(scope, re.ClientToken), re.ID); err != nil {
			return err
		}
	}
	idx, err := readIndex(ctx, tx, scope)
	if err != nil {
		return err
	}
	idx = slices.DeleteFunc(idx, func(e resourceEvaluationIndexEntry) bool { return e.ID == re.ID })
	idx = append(idx, resourceEvaluationIndexEntry{ID: re.ID, Start: re.StartTime.UnixMilli(), Mode: re.Mode, Context: re.ContextID})
	slices.SortFunc(idx, func(a, b resourceEvaluationIndexEntry) int {
		if a.Start != b.Start {
			return cmp.Compare(b.Start, a.Start)
		}
		return strings.Compare(a.ID, b.ID)
	})
	for len(idx) > MaxResourceEvaluations {
		old := idx[len(idx)-1]
		idx = idx[:len(idx)-1]
		prev, err := ResourceEvaluationByID(ctx, tx, scope, old.ID)
		if err == nil && prev.ClientToken != "" {
			if err := tx.SetMeta(ctx, evaluationTokenKey(scope, prev.ClientToken), ""); err != nil {
				return err
			}
		}
		if err := tx.SetMeta(ctx, evaluationKey(scope, old.ID), ""); err != nil {
			return err
		}
	}
	b, err = json.Marshal(idx)
	if err != nil {
		return err
	}
	return tx.SetMeta(ctx, evaluationIndexKey(scope), string(b))
}

// msgNoResourceEvaluation is configd's wording of GetResourceEvaluationSummary's
// ResourceNotFoundException.
const msgNoResourceEvaluation = "Resource evaluation with id %s doesn't exist."

// ResourceEvaluationByID returns the evaluation id, or ResourceNotFoundException.
func ResourceEvaluationByID(ctx context.Context, tx configd.Tx, scope configd.Scope, id string) (*ResourceEvaluation, error) {
	v, err := tx.Meta(ctx, evaluationKey(scope, id))
	if err != nil {
		return nil, err
	}
	if v == "" {
		return nil, configd.Errorf(configd.ErrResourceNotFound, msgNoResourceEvaluation, id)
	}
	var re ResourceEvaluation
	if err := json.Unmarshal([]byte(v), &re); err != nil {
		return nil, fmt.Errorf("resource evaluation %s: %w", id, err)
	}
	return &re, nil
}

// ResourceEvaluationByToken returns the evaluation started with the client
// token, or nil.
func ResourceEvaluationByToken(ctx context.Context, tx configd.Tx, scope configd.Scope, token string) (*ResourceEvaluation, error) {
	id, err := tx.Meta(ctx, evaluationTokenKey(scope, token))
	if err != nil || id == "" {
		return nil, err
	}
	return ResourceEvaluationByID(ctx, tx, scope, id)
}

// ResourceEvaluation returns the evaluation id (GetResourceEvaluationSummary).
func (s *Service) ResourceEvaluation(ctx context.Context, scope configd.Scope, id string) (*ResourceEvaluation, error) {
	var out *ResourceEvaluation
	err := s.read(ctx, func(tx configd.Tx) error {
		var err error
		out, err = ResourceEvaluationByID(ctx, tx, scope, id)
		return err
	})
	return out, err
}

// ResourceEvaluationCursor continues a listing after the evaluation with
// this start time and id.
type ResourceEvaluationCursor struct {
	Start int64
	ID    string
}

// ListResourceEvaluations lists the scope's evaluations matching f, newest
// first, after the cursor (nil: from the start), at most limit.
func (s *Service) ListResourceEvaluations(ctx context.Context, scope configd.Scope, f ResourceEvaluationFilter, after *ResourceEvaluationCursor, limit int) ([]*ResourceEvaluation, error) {
	if !f.Start.IsZero() && !f.End.IsZero() && f.Start.After(f.End) {
		return nil, configd.Errorf(configd.ErrInvalidTimeRange, "The specified time range is not valid. The start time is not chronologically before the end time.")
	}
	var out []*ResourceEvaluation
	err := s.read(ctx, func(tx configd.Tx) error {
		idx, err := readIndex(ctx, tx, scope)
		if err != nil {
			return err
		}
		for _, e := range idx {
			if after != nil && (e.Start > after.Start || (e.Start == after.Start && e.ID <= after.ID)) {
				continue
			}
			start := time.UnixMilli(e.Start).UTC()
			if (f.Mode != "" && e.Mode != f.Mode) || (f.ContextID != "" && e.Context != f.ContextID) ||
				(!f.Start.IsZero() && start.Before(f.Start)) || (!f.End.IsZero() && start.After(f.End)) {
				continue
			}
			re, err := ResourceEvaluationByID(ctx, tx, scope, e.ID)
			if configd.IsCode(err, configd.ErrResourceNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, re)
			if limit > 0 && len(out) >= limit {
				return nil
			}
		}
		return nil
	})
	return out, err
}

// StoreEvaluationUnlessNewer stores e as StoreEvaluation does, unless the
// stored result of the same rule and resource comes from a later invocation
// (its ConfigRuleInvokedTime is after e's): that evaluation saw newer data.
// It reports whether it stored e. The evaluator uses it so that a slow job
// never overwrites what a newer one found, with one read of the previous
// result.
func (s *Service) StoreEvaluationUnlessNewer(ctx context.Context, tx configd.Tx, scope configd.Scope, e *configd.EvaluationResult) (bool, error) {
	prev, err := tx.GetEvaluationResult(ctx, scope, e.RuleName, configd.ResourceKey{ResourceType: e.ResourceType, ResourceID: e.ResourceID})
	if err != nil {
		return false, err
	}
	if prev != nil && prev.ConfigRuleInvokedTime.After(e.ConfigRuleInvokedTime) {
		return false, nil
	}
	return true, s.storeEvaluation(ctx, tx, scope, prev, e)
}
