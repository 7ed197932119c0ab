package guard

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// evaluation is the state of one Evaluate call: rule outcomes already
// computed, captured keys and the step budget. The Policy itself is never
// written to.
type evaluation struct {
	pol      *Policy
	rootEnv  env
	meter    meter
	rules    []ruleState
	captures map[string][]qres
	slab     []pathNode
}

type ruleState struct {
	state  uint8 // 0 not started, 1 running, 2 done
	status Status
	msgs   []string
	err    error
}

// Limits on the messages of a report.
const (
	maxClauseMessages = 10
	maxRuleMessages   = 50
)

// Evaluate checks doc, a decoded JSON document such as a configuration item,
// against the policy. doc holds map[string]any, []any, string, float64 or
// json.Number, bool and nil values; other Go types compare with nothing.
// Evaluate never fails: a rule that cannot be evaluated (an undefined
// variable or rule, EMPTY on a number, a rule that refers to itself, or a
// policy exceeding the step budget) is FAIL with a message saying why.
func (p *Policy) Evaluate(doc any) *Report {
	ev := &evaluation{pol: p, rules: make([]ruleState, len(p.rules)), meter: meter{left: maxSteps}}
	root := qval{v: doc}
	ev.rootEnv = env{root: root, frame: &frame{lets: p.lets, root: root}}
	rep := &Report{Status: StatusSkip, Rules: make([]RuleResult, 0, len(p.rules))}
	passed := false
	for i, r := range p.rules {
		st, msgs, err := ev.rule(i)
		res := RuleResult{Name: r.name, Status: st}
		switch {
		case err != nil:
			res.Status = StatusFail
			res.Messages = []string{"evaluation error: " + err.Error()}
		case st == StatusFail:
			res.Messages = finishMessages(msgs)
		}
		switch res.Status {
		case StatusFail:
			rep.Status = StatusFail
		case StatusPass:
			passed = true
		}
		rep.Rules = append(rep.Rules, res)
	}
	if rep.Status != StatusFail && passed {
		rep.Status = StatusPass
	}
	return rep
}

// EvaluateJSON decodes a JSON document, keeping numbers exact, and evaluates
// it. It fails only when data is not JSON.
func (p *Policy) EvaluateJSON(data []byte) (*Report, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("guard: decode document: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("guard: decode document: trailing data after the JSON value")
	}
	return p.Evaluate(doc), nil
}

// addMessages appends src to dst up to maxRuleMessages: past that, more
// messages would only be cut by finishMessages.
func addMessages(dst, src []string) []string {
	if room := maxRuleMessages - len(dst); len(src) > room {
		src = src[:max(room, 0)]
	}
	return append(dst, src...)
}

// enough reports whether msgs already holds as many messages as a rule
// reports, so that further failures need not describe themselves.
func enough(msgs []string) bool { return len(msgs) >= maxRuleMessages }

// finishMessages removes duplicates and keeps at most maxRuleMessages.
func finishMessages(msgs []string) []string {
	var out []string
	seen := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		if m == "" || seen[m] {
			continue
		}
		seen[m] = true
		out = append(out, m)
		if len(out) == maxRuleMessages {
			break
		}
	}
	return out
}

// rule evaluates rule i once; later calls return the recorded outcome.
func (ev *evaluation) rule(i int) (Status, []string, error) {
	rs := &ev.rules[i]
	switch rs.state {
	case 2:
		return rs.status, rs.msgs, rs.err
	case 1:
		return StatusFail, nil, fmt.Errorf("rule %s refers to itself", ev.pol.rules[i].name)
	}
	rs.state = 1
	st, msgs, err := ev.evalRule(ev.pol.rules[i])
	*rs = ruleState{state: 2, status: st, msgs: msgs, err: err}
	return st, msgs, err
}

// ruleByName returns the status of the rules named name: the first that was
// not skipped, as Guard does when a name is defined more than once.
func (ev *evaluation) ruleByName(name string) (Status, error) {
	idxs, ok := ev.pol.byName[name]
	if !ok {
		return StatusFail, fmt.Errorf("rule %s is not defined", name)
	}
	for _, i := range idxs {
		st, _, err := ev.rule(i)
		if err != nil {
			return StatusFail, err
		}
		if st != StatusSkip {
			return st, nil
		}
	}
	return StatusSkip, nil
}

// evalRule evaluates a rule from the document root. A rule whose conditions
// are not PASS is SKIP.
func (ev *evaluation) evalRule(r *rule) (Status, []string, error) {
	e := ev.rootEnv
	if r.when != nil {
		st, _, err := ev.evalConj(r.when, e, false)
		if err != nil {
			return StatusFail, nil, err
		}
		if st != StatusPass {
			return StatusSkip, nil, nil
		}
	}
	return ev.evalBlock(&r.block, e, true)
}

func (ev *evaluation) evalBlock(b *block, e env, want bool) (Status, []string, error) {
	return ev.evalConj(b.conj, e.withLets(b.lets), want)
}

// evalConj evaluates a conjunction of disjunctions. A disjunction passes when
// one of its clauses passes, fails when none passes and one fails, and is
// skipped when all are skipped. The conjunction fails when a disjunction
// fails, passes when one passed, and is skipped otherwise. Messages are
// gathered only when want is set, and only from what failed.
func (ev *evaluation) evalConj(conj [][]clause, e env, want bool) (Status, []string, error) {
	passes, fails := 0, 0
	var msgs []string
	for _, disj := range conj {
		passed, failed := false, false
		var dmsgs []string
		for _, c := range disj {
			if err := ev.step(); err != nil {
				return StatusFail, nil, err
			}
			st, m, err := ev.evalClause(c, e, want && !enough(msgs))
			if err != nil {
				return StatusFail, nil, err
			}
			if st == StatusPass {
				passed = true
				break
			}
			if st == StatusFail {
				failed = true
				dmsgs = addMessages(dmsgs, m)
			}
		}
		switch {
		case passed:
			passes++
		case failed:
			fails++
			msgs = addMessages(msgs, dmsgs)
		}
	}
	switch {
	case fails > 0:
		return StatusFail, msgs, nil
	case passes > 0:
		return StatusPass, nil, nil
	}
	return StatusSkip, nil, nil
}

func (ev *evaluation) evalClause(c clause, e env, want bool) (Status, []string, error) {
	switch c := c.(type) {
	case *accessClause:
		return ev.evalAccess(c, e, want)
	case *ruleRef:
		return ev.evalRuleRef(c, want)
	case *blockClause:
		return ev.evalBlockClause(c, e, want)
	case *whenBlock:
		st, _, err := ev.evalConj(c.when, e, false)
		if err != nil {
			return StatusFail, nil, err
		}
		if st != StatusPass {
			return StatusSkip, nil, nil
		}
		return ev.evalBlock(&c.block, e, want)
	case *typeBlock:
		return ev.evalTypeBlock(c, e, want)
	}
	return StatusFail, nil, fmt.Errorf("unknown clause %T", c)
}

// evalRuleRef evaluates a reference to a named rule: it holds when the rule
// passed, and NOT holds when it did not (failed or was skipped).
func (ev *evaluation) evalRuleRef(c *ruleRef, want bool) (Status, []string, error) {
	st, err := ev.ruleByName(c.name)
	if err != nil {
		return StatusFail, nil, err
	}
	pass := st == StatusPass
	if c.neg {
		pass = !pass
	}
	if pass {
		return StatusPass, nil, nil
	}
	if !want {
		return StatusFail, nil, nil
	}
	msg := c.msg
	switch {
	case msg != "":
	case c.neg:
		msg = fmt.Sprintf("rule %s passed and must not", c.name)
	default:
		msg = fmt.Sprintf("rule %s did not pass (%s)", c.name, st)
	}
	return StatusFail, []string{msg}, nil
}

// evalBlockClause evaluates "query { ... }" for every value of the query. No
// values is SKIP, or FAIL for "query !empty { ... }"; an unresolved value
// fails.
func (ev *evaluation) evalBlockClause(c *blockClause, e env, want bool) (Status, []string, error) {
	vals, err := ev.query(c.q, e)
	if err != nil {
		return StatusFail, nil, err
	}
	if len(vals) == 0 {
		if c.notEmpty {
			var msgs []string
			if want {
				msgs = []string{c.q.text + " !empty: the query selected no values"}
			}
			return StatusFail, msgs, nil
		}
		return StatusSkip, nil, nil
	}
	passes, fails := 0, 0
	var msgs []string
	for _, v := range vals {
		if v.un != nil {
			fails++
			if want && !enough(msgs) {
				msgs = append(msgs, c.q.text+": "+v.un.String())
			}
			continue
		}
		st, m, err := ev.evalBlock(&c.block, env{root: qval{v.v, v.path}, frame: e.frame}, want && !enough(msgs))
		if err != nil {
			return StatusFail, nil, err
		}
		switch st {
		case StatusPass:
			passes++
		case StatusFail:
			fails++
			msgs = addMessages(msgs, m)
		}
	}
	if c.q.matchAll && fails > 0 || !c.q.matchAll && passes == 0 && fails > 0 {
		return StatusFail, msgs, nil
	}
	if passes > 0 {
		return StatusPass, nil, nil
	}
	return StatusSkip, nil, nil
}

// evalTypeBlock evaluates "AWS::Service::Type { ... }". In a CloudFormation
// template (a document with a Resources key) the block applies to every
// resource of that Type, as in Guard. In a configuration item it applies to
// the whole item when its resourceType is that type. Anything else is SKIP.
func (ev *evaluation) evalTypeBlock(c *typeBlock, e env, want bool) (Status, []string, error) {
	if c.when != nil {
		st, _, err := ev.evalConj(c.when, e, false)
		if err != nil {
			return StatusFail, nil, err
		}
		if st != StatusPass {
			return StatusSkip, nil, nil
		}
	}
	var targets []qval
	doc, _ := e.root.v.(map[string]any)
	if _, cfn := doc["Resources"]; cfn {
		vals, err := ev.query(c.cfnQuery, e)
		if err != nil {
			return StatusFail, nil, err
		}
		for _, v := range vals {
			if v.un == nil {
				targets = append(targets, qval{v.v, v.path})
			}
		}
	} else if rt, ok := doc["resourceType"]; ok {
		if eq, _ := compareEq(rt, c.typeName, &ev.meter); eq {
			targets = append(targets, e.root)
		}
	}
	passes, fails := 0, 0
	var msgs []string
	for _, t := range targets {
		st, m, err := ev.evalBlock(&c.block, env{root: t, frame: e.frame}, want && !enough(msgs))
		if err != nil {
			return StatusFail, nil, err
		}
		switch st {
		case StatusPass:
			passes++
		case StatusFail:
			fails++
			msgs = addMessages(msgs, m)
		}
	}
	switch {
	case fails > 0:
		return StatusFail, msgs, nil
	case passes > 0:
		return StatusPass, nil, nil
	}
	return StatusSkip, nil, nil
}
