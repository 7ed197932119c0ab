package guard

import "fmt"

// check is the outcome of a clause for one value of its query.
type check struct {
	pass bool
	kind checkKind
	lhs  qres
	rhs  qres
}

type checkKind uint8

const (
	ckValue         checkKind = iota // lhs tested (against rhs for a binary operator)
	ckLhsUnresolved                  // the query did not resolve
	ckRhsUnresolved                  // the right-hand query did not resolve
	ckNotComparable                  // lhs and rhs have kinds that do not compare
	ckNoMatch                        // lhs (or an rhs value) has no match on the other side
)

// evalAccess evaluates "query op [value]". Each value of the query is
// checked; the clause holds when every check holds, or one with SOME.
func (ev *evaluation) evalAccess(c *accessClause, e env, want bool) (Status, []string, error) {
	t := &tally{m: &ev.meter}
	var (
		empty Status
		err   error
	)
	if c.op.unary() {
		empty, err = ev.unary(c, e, t)
	} else {
		empty, err = ev.binary(c, e, t)
	}
	if err == nil && t.stop() {
		err = errBudget
	}
	if err != nil {
		return StatusFail, nil, err
	}
	st := empty
	if st == "" {
		st = t.status(c.q.matchAll)
	}
	if st != StatusFail || !want {
		return st, nil, nil
	}
	if c.msg != "" {
		return st, []string{c.msg}, nil
	}
	if empty != "" {
		return st, []string{c.text + ": the query selected no values"}, nil
	}
	msgs := make([]string, 0, len(t.fails))
	for _, ch := range t.fails {
		msgs = append(msgs, c.describe(ch))
	}
	return st, msgs, nil
}

func passStatus(pass bool) Status {
	if pass {
		return StatusPass
	}
	return StatusFail
}

// where names the place of a value for a message.
func where(q qres) string {
	if q.lit {
		return "in the policy"
	}
	return "at " + q.path.String()
}

func (c *accessClause) describe(ch check) string {
	switch ch.kind {
	case ckLhsUnresolved:
		return c.text + ": " + ch.lhs.un.String()
	case ckRhsUnresolved:
		return c.text + ": the right-hand side did not resolve: " + ch.rhs.un.String()
	case ckNotComparable:
		return fmt.Sprintf("%s: %s %s cannot be compared with %s", c.text, render(ch.lhs.v), where(ch.lhs), render(ch.rhs.v))
	case ckNoMatch:
		return fmt.Sprintf("%s: %s %s has no match", c.text, render(ch.lhs.v), where(ch.lhs))
	}
	return fmt.Sprintf("%s: found %s %s", c.text, render(ch.lhs.v), where(ch.lhs))
}

// unary evaluates EXISTS, EMPTY and the IS_ type checks. empty is set instead
// of checks when the outcome does not depend on individual values.
func (ev *evaluation) unary(c *accessClause, e env, t *tally) (empty Status, err error) {
	lhs, err := ev.query(c.q, e)
	if err != nil {
		return "", err
	}
	parts := c.q.parts
	last := parts[len(parts)-1].kind
	// EMPTY on a filter or on a bare variable asks whether anything was
	// selected: no values is EMPTY, and so is a null or unresolved value.
	if c.op == opEmpty && (last == partFilter || last == partKeyFilter || len(parts) == 1 && last == partVar) {
		if len(lhs) == 0 {
			return passStatus(!c.opNot != c.neg), nil
		}
		for _, v := range lhs {
			var pass bool
			if v.un != nil {
				pass = !c.opNot
			} else {
				pass = (v.v == nil) != c.opNot
			}
			t.add(check{pass: pass != c.neg, kind: kindFor(v), lhs: v})
		}
		return "", nil
	}
	if len(lhs) == 0 {
		return StatusSkip, nil
	}
	for _, v := range lhs {
		ok, err := unaryTest(c.op, v)
		if err != nil {
			return "", err
		}
		t.add(check{pass: ok != c.opNot != c.neg, kind: kindFor(v), lhs: v})
	}
	return "", nil
}

func kindFor(v qres) checkKind {
	if v.un != nil {
		return ckLhsUnresolved
	}
	return ckValue
}

// unaryTest applies a unary operator to one value. An unresolved value does
// not exist, is empty, and has no type.
func unaryTest(op opKind, v qres) (bool, error) {
	if op == opExists {
		return v.un == nil, nil
	}
	if v.un != nil {
		return op == opEmpty, nil
	}
	switch op {
	case opEmpty:
		switch x := v.v.(type) {
		case []any:
			return len(x) == 0, nil
		case map[string]any:
			return len(x) == 0, nil
		case string:
			return x == "", nil
		case bool:
			return false, nil
		}
		return false, fmt.Errorf("EMPTY cannot be applied to %s %s", kindOf(v.v), where(v))
	case opIsString:
		return kindOf(v.v) == kindString, nil
	case opIsList:
		return kindOf(v.v) == kindList, nil
	case opIsStruct:
		return kindOf(v.v) == kindMap, nil
	case opIsBool:
		return kindOf(v.v) == kindBool, nil
	case opIsInt:
		return kindOf(v.v) == kindInt, nil
	case opIsFloat:
		return kindOf(v.v) == kindFloat, nil
	case opIsNull:
		return kindOf(v.v) == kindNull, nil
	}
	return false, fmt.Errorf("operator %d is not unary", op)
}

// binary evaluates the comparison operators. A query or right-hand side with
// no values makes the clause SKIP.
func (ev *evaluation) binary(c *accessClause, e env, t *tally) (Status, error) {
	var rhs []qres
	if c.rhs.q == nil {
		rhs = []qres{{v: c.rhs.lit, lit: true}}
	} else {
		var err error
		if rhs, err = ev.query(c.rhs.q, e); err != nil {
			return "", err
		}
	}
	lhs, err := ev.query(c.q, e)
	if err != nil {
		return "", err
	}
	if len(lhs) == 0 || len(rhs) == 0 {
		return StatusSkip, nil
	}
	// A leading NOT negates the comparison like the operator's own NOT.
	not := c.opNot != c.neg
	switch c.op {
	case opEq:
		eqChecks(lhs, rhs, not, t)
	case opIn:
		inChecks(lhs, rhs, not, t)
	default:
		orderChecks(c.op, lhs, rhs, not, t)
	}
	return "", nil
}
