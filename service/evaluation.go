package service

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/configd/configd"
)

// evaluationWakers holds the function each Service calls when it queues a
// change evaluation (SetEvaluationWaker). It lives beside the Service rather
// than in it so that the evaluator's hook stays in this file.
var evaluationWakers sync.Map // *Service -> func()

// SetEvaluationWaker registers fn, called (without blocking) each time
// recording a configuration item queues a change evaluation, so that the
// evaluator runs it at once instead of at its next poll. fn may be called
// inside the recording transaction: a worker woken by it claims jobs in a
// write transaction, which on SQLite waits for that commit, and elsewhere
// looks again shortly after. nil removes the hook.
func (s *Service) SetEvaluationWaker(fn func()) {
	if fn == nil {
		evaluationWakers.Delete(s)
		return
	}
	evaluationWakers.Store(s, fn)
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
	if fn, ok := evaluationWakers.Load(s); ok {
		fn.(func())()
	}
}
