package guard

import "strings"

// The comparison semantics follow Guard's operators
// (guard/src/rules/eval/operators.rs in aws-cloudformation/cloudformation-guard):
// which side is a literal from the policy decides how lists on the other side
// are unfolded.

// tally aggregates the checks of one clause without keeping them all: it
// counts them and keeps the first failures for messages. Every check and
// every comparison uses the evaluation's meter, so a clause comparing two
// large queries pair by pair stops at the budget instead of filling memory.
type tally struct {
	m      *meter
	total  int
	passed int
	fails  []check
}

func (t *tally) add(c check) {
	t.m.use()
	t.total++
	if c.pass {
		t.passed++
		return
	}
	if len(t.fails) < maxClauseMessages {
		t.fails = append(t.fails, c)
	}
}

// stop reports whether the budget is spent; the clause's outcome is then an
// error and the remaining checks need not be made.
func (t *tally) stop() bool { return t.m.exhausted() }

// status is FAIL when a check failed, or with SOME when none passed.
func (t *tally) status(matchAll bool) Status {
	if matchAll {
		return passStatus(t.passed == t.total)
	}
	return passStatus(t.passed > 0)
}

// literal returns the single literal of a result list, or nil.
func literal(rs []qres) *qres {
	if len(rs) == 1 && rs[0].lit {
		return &rs[0]
	}
	return nil
}

// valueCheck compares two values with Guard's equality.
func valueCheck(l, r qres, not bool, m *meter) check {
	eq, ok := compareEq(l.v, r.v, m)
	if !ok {
		return check{kind: ckNotComparable, lhs: l, rhs: r}
	}
	return check{pass: eq != not, kind: ckValue, lhs: l, rhs: r}
}

func element(parent qres, i int, v any) qres {
	if parent.lit {
		return qres{v: v, lit: true}
	}
	return qres{v: v, path: parent.path.at(i)}
}

func allResolved(rs []qres) bool {
	for _, r := range rs {
		if r.un != nil {
			return false
		}
	}
	return true
}

// split returns the resolved values of lhs; each unresolved one is a failing
// check.
func split(rs []qres, t *tally) []qres {
	if allResolved(rs) {
		return rs
	}
	sel := make([]qres, 0, len(rs))
	for _, r := range rs {
		if r.un != nil {
			t.add(check{kind: ckLhsUnresolved, lhs: r})
			continue
		}
		sel = append(sel, r)
	}
	return sel
}

// splitRHS returns the resolved right-hand values; each unresolved one fails
// against every left-hand value.
func splitRHS(rs []qres, lhs []qres, t *tally) []qres {
	if allResolved(rs) {
		return rs
	}
	sel := make([]qres, 0, len(rs))
	for _, r := range rs {
		if r.un != nil {
			for _, l := range lhs {
				t.add(check{kind: ckRhsUnresolved, lhs: l, rhs: r})
			}
			continue
		}
		sel = append(sel, r)
	}
	return sel
}

// eqChecks implements == and !=.
func eqChecks(lhs, rhs []qres, not bool, t *tally) {
	ll, rl := literal(lhs), literal(rhs)
	switch {
	case ll != nil && rl != nil:
		t.add(valueCheck(*ll, *rl, not, t.m))
	case ll != nil:
		l := *ll
		for _, r := range splitRHS(rhs, []qres{l}, t) {
			if rlist, ok := r.v.([]any); ok && kindOf(l.v) != kindList {
				for i, el := range rlist {
					if t.stop() {
						return
					}
					t.add(valueCheck(l, element(r, i, el), not, t.m))
				}
				continue
			}
			t.add(valueCheck(l, r, not, t.m))
		}
	case rl != nil:
		r := *rl
		rlist, rIsList := r.v.([]any)
		for _, l := range split(lhs, t) {
			if t.stop() {
				return
			}
			switch llist, lIsList := l.v.([]any); {
			case rIsList && isScalar(l.v) && len(rlist) == 1:
				// x == ["a"] reads as x == "a".
				t.add(valueCheck(l, element(r, 0, rlist[0]), not, t.m))
			case !rIsList && lIsList:
				// A list compared with a scalar compares each element.
				for i, el := range llist {
					t.add(valueCheck(element(l, i, el), r, not, t.m))
				}
			default:
				t.add(valueCheck(l, r, not, t.m))
			}
		}
	default:
		// Two queries compare as sets of values. Guard takes the difference
		// from the larger side; its negation is "no left-hand value is on the
		// right".
		lsel := split(lhs, t)
		rsel := splitRHS(rhs, lsel, t)
		if not || len(lsel) > len(rsel) {
			setChecks(lsel, containedIn(lsel, rsel, t.m), not, t)
			return
		}
		missing := false
		for _, r := range rsel {
			if t.stop() {
				return
			}
			if !anyLooseEq(r.v, lsel, t.m) {
				missing = true
				t.add(check{kind: ckNoMatch, lhs: r})
			}
		}
		if !missing {
			for _, l := range lsel {
				t.add(check{pass: true, lhs: l})
			}
		}
	}
}

func anyLooseEq(v any, in []qres, m *meter) bool {
	for _, r := range in {
		if looseEq(v, r.v, m) {
			return true
		}
		if m.exhausted() {
			return false
		}
	}
	return false
}

// containedIn reports, for each of items, whether it equals one of set.
func containedIn(items, set []qres, m *meter) []bool {
	in := make([]bool, len(items))
	for i, it := range items {
		if m.exhausted() {
			break
		}
		in[i] = anyLooseEq(it.v, set, m)
	}
	return in
}

// setChecks turns membership of items into checks. Unnegated, every item must
// be a member: the items that are not fail. Negated, no item may be a member:
// the items that are fail.
func setChecks(items []qres, member []bool, not bool, t *tally) {
	failed := false
	for i, it := range items {
		if member[i] == not {
			failed = true
			kind := ckNoMatch
			if not {
				kind = ckValue
			}
			t.add(check{kind: kind, lhs: it})
		}
	}
	if failed {
		return
	}
	for _, it := range items {
		t.add(check{pass: true, lhs: it})
	}
}

// stringIn is IN against a string: the value must be a substring of it.
func stringIn(l, r qres, not bool, m *meter) check {
	ls, ok1 := l.v.(string)
	rs, ok2 := r.v.(string)
	if !ok1 || !ok2 {
		return check{kind: ckNotComparable, lhs: l, rhs: r}
	}
	m.useText(rs)
	return check{pass: strings.Contains(rs, ls) != not, lhs: l, rhs: r}
}

// memberCheck is "l IN r" for one pair: a scalar must equal an element of a
// list (or equal, match or lie in a scalar r); a list must have all its
// elements in r, or be an element of a list of lists.
func memberCheck(l, r qres, not bool, m *meter) check {
	rlist, rIsList := r.v.([]any)
	if llist, ok := l.v.([]any); ok {
		if !rIsList {
			return check{kind: ckNotComparable, lhs: l, rhs: r}
		}
		if len(rlist) > 0 && kindOf(rlist[0]) == kindList {
			return check{pass: listHas(rlist, llist, m) != not, lhs: l, rhs: r}
		}
		pass := true
		for _, el := range llist {
			if listHas(rlist, el, m) != not {
				continue
			}
			pass = false
			break
		}
		kind := ckValue
		if !pass && !not {
			kind = ckNoMatch
		}
		return check{pass: pass, kind: kind, lhs: l, rhs: r}
	}
	if rIsList {
		in := listHas(rlist, l.v, m)
		kind := ckValue
		if !in && !not {
			kind = ckNoMatch
		}
		return check{pass: in != not, kind: kind, lhs: l, rhs: r}
	}
	return valueCheck(l, r, not, m)
}

func listHas(list []any, v any, m *meter) bool {
	for _, el := range list {
		if looseEq(v, el, m) {
			return true
		}
		if m.exhausted() {
			return false
		}
	}
	return false
}

// inChecks implements IN and NOT IN.
func inChecks(lhs, rhs []qres, not bool, t *tally) {
	ll, rl := literal(lhs), literal(rhs)
	switch {
	case ll != nil && rl != nil:
		if c := stringIn(*ll, *rl, false, t.m); c.kind == ckValue && c.pass {
			c.pass = !not
			t.add(c)
			return
		}
		t.add(memberCheck(*ll, *rl, not, t.m))
	case ll != nil:
		l := *ll
		rsel := splitRHS(rhs, []qres{l}, t)
		llist, lIsList := l.v.([]any)
		if anyList(rsel) || !lIsList {
			for _, r := range rsel {
				if t.stop() {
					return
				}
				t.add(memberCheck(l, r, not, t.m))
			}
			return
		}
		items := make([]qres, len(llist))
		for i, el := range llist {
			items[i] = element(l, i, el)
		}
		setChecks(items, containedIn(items, rsel, t.m), not, t)
	case rl != nil:
		r := *rl
		_, rIsString := r.v.(string)
		for _, l := range split(lhs, t) {
			if t.stop() {
				return
			}
			if !rIsString {
				t.add(memberCheck(l, r, not, t.m))
				continue
			}
			if llist, ok := l.v.([]any); ok {
				for i, el := range llist {
					t.add(stringIn(element(l, i, el), r, not, t.m))
				}
				continue
			}
			t.add(stringIn(l, r, not, t.m))
		}
	default:
		lsel := split(lhs, t)
		rsel := splitRHS(rhs, lsel, t)
		member := make([]bool, len(lsel))
		for i, l := range lsel {
			for _, r := range rsel {
				if t.stop() {
					return
				}
				if c := memberCheck(l, r, false, t.m); c.pass {
					member[i] = true
					break
				}
			}
		}
		setChecks(lsel, member, not, t)
	}
}

func anyList(rs []qres) bool {
	for _, r := range rs {
		if _, ok := r.v.([]any); ok {
			return true
		}
	}
	return false
}

// flatten unfolds list values one level, as Guard does for <, <=, > and >=.
func flatten(rs []qres) []qres {
	out := make([]qres, 0, len(rs))
	for _, r := range rs {
		if l, ok := r.v.([]any); ok {
			for i, el := range l {
				out = append(out, element(r, i, el))
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// orderChecks implements <, <=, > and >= between every pair of values.
func orderChecks(op opKind, lhs, rhs []qres, not bool, t *tally) {
	lsel := flatten(split(lhs, t))
	rsel := flatten(splitRHS(rhs, lsel, t))
	for _, l := range lsel {
		for _, r := range rsel {
			if t.stop() {
				return
			}
			c, ok := orderValues(l.v, r.v)
			if !ok {
				t.add(check{kind: ckNotComparable, lhs: l, rhs: r})
				continue
			}
			var holds bool
			switch op {
			case opLt:
				holds = c < 0
			case opLe:
				holds = c <= 0
			case opGt:
				holds = c > 0
			case opGe:
				holds = c >= 0
			}
			t.add(check{pass: holds != not, lhs: l, rhs: r})
		}
	}
}
