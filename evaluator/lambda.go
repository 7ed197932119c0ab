package evaluator

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/configd/configd"
)

// ResultTokenOp is the pagetoken operation under which result tokens are
// sealed; PutEvaluations opens them with it.
const ResultTokenOp = "ResultToken"

// call is a prepared invocation of a Lambda-style rule's function.
type call struct {
	rule      *configd.ConfigRule
	invokedAt time.Time
	// invoking is the invokingEvent; leftScope its eventLeftScope.
	invoking  string
	leftScope bool
}

// roleARN returns the execution role named in the scope's events: the
// role of its first configuration recorder that has one.
func roleARN(ctx context.Context, tx configd.Tx, scope configd.Scope) (string, error) {
	recs, err := tx.ListRecorders(ctx, scope)
	if err != nil {
		return "", err
	}
	for _, r := range recs {
		if r.RoleARN != "" {
			return r.RoleARN, nil
		}
	}
	return defaultRoleARN(scope), nil
}

// ResultToken seals the claims of an invocation of rule at invokedAt.
func (e *Engine) ResultToken(scope configd.Scope, claims configd.ResultTokenClaims) (string, error) {
	if e.o.Tokens == nil {
		return "", errors.New("the evaluator has no token codec to seal result tokens")
	}
	b, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return e.o.Tokens.Seal(ResultTokenOp, scope, "", string(b)), nil
}

// invoke runs the calls, at most InvokeConcurrency at a time across the
// engine, and records each outcome in ss.
func (e *Engine) invoke(ctx context.Context, scope configd.Scope, role string, calls []*call, ss statuses) {
	if len(calls) == 0 {
		return
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range calls {
		select {
		case e.invokeSem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-e.invokeSem }()
			err := e.invokeOne(ctx, scope, role, c)
			mu.Lock()
			defer mu.Unlock()
			st := ss.of(c.rule.Name, c.invokedAt)
			if err != nil {
				e.log.Warn("evaluator: rule function invocation failed", "scope", scope.String(), "rule", c.rule.Name, "function", c.rule.Source.SourceIdentifier, "err", err)
				st.invokeError(ErrCodeFunction, err.Error())
				return
			}
			st.invoked()
		}()
	}
	wg.Wait()
}

func (e *Engine) invokeOne(ctx context.Context, scope configd.Scope, role string, c *call) error {
	token, err := e.ResultToken(scope, configd.ResultTokenClaims{RuleName: c.rule.Name, InvokedAt: c.invokedAt, EvaluationMode: configd.EvaluationModeDetective})
	if err != nil {
		return err
	}
	if e.o.Functions == nil {
		return errors.New("configd has no functions configured")
	}
	fn, err := e.o.Functions.Function(ctx, scope, c.rule.Source.SourceIdentifier)
	if err != nil {
		return err
	}
	ev := NewEvent(scope, c.rule, c.invoking, token, role, c.leftScope)
	return fn.Invoke(ctx, &Invocation{Scope: scope, FunctionARN: c.rule.Source.SourceIdentifier, RuleName: c.rule.Name, Event: marshal(ev)})
}
