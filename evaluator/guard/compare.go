package guard

import "strings"

// The comparison semantics follow Guard's operators
// (guard/src/rules/eval/operators.rs in aws-cloudformation/cloudformation-guard):
// which side is a literal from the policy decides how lists on the other side
// are unfolded.

// literal returns the single literal of a result list, or nil.
func literal(rs []qres) *qres {
	if len(rs) == 1 && rs[0].lit {
		return &rs[0]
	}
	return nil
}

// valueCheck compares two values with Guard's equality.
func valueCheck(l, r qres, not bool) check {
	eq, ok := compareEq(l.v, r.v)
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

// split separates the resolved values of lhs from the unresolved ones, which
// become failing checks.
func split(rs []qres, out []check) ([]qres, []check) {
	if allResolved(rs) {
		return rs, out
	}
	sel := make([]qres, 0, len(rs))
	for _, r := range rs {
		if r.un != nil {
			out = append(out, check{kind: ckLhsUnresolved, lhs: r})
			continue
		}
		sel = append(sel, r)
	}
	return sel, out
}

// splitRHS separates the resolved right-hand values; each unresolved one
// fails against every left-hand value.
func splitRHS(rs []qres, lhs []qres, out []check) ([]qres, []check) {
	if allResolved(rs) {
		return rs, out
	}
	sel := make([]qres, 0, len(rs))
	for _, r := range rs {
		if r.un != nil {
			for _, l := range lhs {
				out = append(out, check{kind: ckRhsUnresolved, lhs: l, rhs: r})
			}
			continue
		}
		sel = append(sel, r)
	}
	return sel, out
}

func allResolved(rs []qres) bool {
	for _, r := range rs {
		if r.un != nil {
			return false
		}
	}
	return true
}

// eqChecks implements == and !=.
func eqChecks(lhs, rhs []qres, not bool) []check {
	var out []check
	ll, rl := literal(lhs), literal(rhs)
	switch {
	case ll != nil && rl != nil:
		out = append(out, valueCheck(*ll, *rl, not))
	case ll != nil:
		l := *ll
		var rsel []qres
		rsel, out = splitRHS(rhs, []qres{l}, out)
		for _, r := range rsel {
			if rlist, ok := r.v.([]any); ok && kindOf(l.v) != kindList {
				for i, el := range rlist {
					out = append(out, valueCheck(l, element(r, i, el), not))
				}
				continue
			}
			out = append(out, valueCheck(l, r, not))
		}
	case rl != nil:
		r := *rl
		rlist, rIsList := r.v.([]any)
		var lsel []qres
		lsel, out = split(lhs, out)
		for _, l := range lsel {
			switch llist, lIsList := l.v.([]any); {
			case rIsList && isScalar(l.v) && len(rlist) == 1:
				// x == ["a"] reads as x == "a".
				out = append(out, valueCheck(l, element(r, 0, rlist[0]), not))
			case !rIsList && lIsList:
				// A list compared with a scalar compares each element.
				for i, el := range llist {
					out = append(out, valueCheck(element(l, i, el), r, not))
				}
			default:
				out = append(out, valueCheck(l, r, not))
			}
		}
	default:
		// Two queries compare as sets of values.
		var lsel, rsel []qres
		lsel, out = split(lhs, out)
		rsel, out = splitRHS(rhs, lsel, out)
		if not {
			return append(out, setChecks(lsel, containedIn(lsel, rsel), true)...)
		}
		if len(lsel) > len(rsel) {
			return append(out, setChecks(lsel, containedIn(lsel, rsel), false)...)
		}
		var missing []check
		for _, r := range rsel {
			if !anyLooseEq(r.v, lsel) {
				missing = append(missing, check{kind: ckNoMatch, lhs: r})
			}
		}
		if len(missing) > 0 {
			return append(out, missing...)
		}
		for _, l := range lsel {
			out = append(out, check{pass: true, lhs: l})
		}
	}
	return out
}

func anyLooseEq(v any, in []qres) bool {
	for _, r := range in {
		if looseEq(v, r.v) {
			return true
		}
	}
	return false
}

// containedIn reports, for each of items, whether it equals one of set.
func containedIn(items, set []qres) []bool {
	in := make([]bool, len(items))
	for i, it := range items {
		in[i] = anyLooseEq(it.v, set)
	}
	return in
}

// setChecks turns membership of items into checks. Unnegated, every item must
// be a member: the items that are not fail. Negated, no item may be a member:
// the items that are fail.
func setChecks(items []qres, member []bool, not bool) []check {
	var out []check
	for i, it := range items {
		if member[i] == not {
			kind := ckNoMatch
			if not {
				kind = ckValue
			}
			out = append(out, check{kind: kind, lhs: it})
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, it := range items {
		out = append(out, check{pass: true, lhs: it})
	}
	return out
}

// stringIn is IN against a string: the value must be a substring of it.
func stringIn(l, r qres, not bool) check {
	ls, ok1 := l.v.(string)
	rs, ok2 := r.v.(string)
	if !ok1 || !ok2 {
		return check{kind: ckNotComparable, lhs: l, rhs: r}
	}
	return check{pass: strings.Contains(rs, ls) != not, lhs: l, rhs: r}
}

// memberCheck is "l IN r" for one pair: a scalar must equal an element of a
// list (or equal, match or lie in a scalar r); a list must have all its
// elements in r, or be an element of a list of lists.
func memberCheck(l, r qres, not bool) check {
	rlist, rIsList := r.v.([]any)
	if llist, ok := l.v.([]any); ok {
		if !rIsList {
			return check{kind: ckNotComparable, lhs: l, rhs: r}
		}
		if len(rlist) > 0 && kindOf(rlist[0]) == kindList {
			return check{pass: listHas(rlist, llist) != not, lhs: l, rhs: r}
		}
		pass := true
		for _, el := range llist {
			if listHas(rlist, el) == !not {
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
		in := listHas(rlist, l.v)
		kind := ckValue
		if !in && !not {
			kind = ckNoMatch
		}
		return check{pass: in != not, kind: kind, lhs: l, rhs: r}
	}
	return valueCheck(l, r, not)
}

func listHas(list []any, v any) bool {
	for _, el := range list {
		if looseEq(v, el) {
			return true
		}
	}
	return false
}

// inChecks implements IN and NOT IN.
func inChecks(lhs, rhs []qres, not bool) []check {
	var out []check
	ll, rl := literal(lhs), literal(rhs)
	switch {
	case ll != nil && rl != nil:
		if c := stringIn(*ll, *rl, false); c.kind == ckValue && c.pass {
			c.pass = !not
			return append(out, c)
		}
		out = append(out, memberCheck(*ll, *rl, not))
	case ll != nil:
		l := *ll
		var rsel []qres
		rsel, out = splitRHS(rhs, []qres{l}, out)
		llist, lIsList := l.v.([]any)
		switch {
		case anyList(rsel) || !lIsList:
			for _, r := range rsel {
				out = append(out, memberCheck(l, r, not))
			}
		default:
			items := make([]qres, len(llist))
			for i, el := range llist {
				items[i] = element(l, i, el)
			}
			out = append(out, setChecks(items, containedIn(items, rsel), not)...)
		}
	case rl != nil:
		r := *rl
		var lsel []qres
		lsel, out = split(lhs, out)
		for _, l := range lsel {
			if _, isStr := r.v.(string); !isStr {
				out = append(out, memberCheck(l, r, not))
				continue
			}
			if llist, ok := l.v.([]any); ok {
				for i, el := range llist {
					out = append(out, stringIn(element(l, i, el), r, not))
				}
				continue
			}
			out = append(out, stringIn(l, r, not))
		}
	default:
		var lsel, rsel []qres
		lsel, out = split(lhs, out)
		rsel, out = splitRHS(rhs, lsel, out)
		member := make([]bool, len(lsel))
		for i, l := range lsel {
			for _, r := range rsel {
				if c := memberCheck(l, r, false); c.pass {
					member[i] = true
					break
				}
			}
		}
		out = append(out, setChecks(lsel, member, not)...)
	}
	return out
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
func orderChecks(op opKind, lhs, rhs []qres, not bool) []check {
	var out []check
	var lsel, rsel []qres
	lsel, out = split(lhs, out)
	lsel = flatten(lsel)
	rsel, out = splitRHS(rhs, lsel, out)
	rsel = flatten(rsel)
	for _, l := range lsel {
		for _, r := range rsel {
			c, ok := orderValues(l.v, r.v)
			if !ok {
				out = append(out, check{kind: ckNotComparable, lhs: l, rhs: r})
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
			out = append(out, check{pass: holds != not, lhs: l, rhs: r})
		}
	}
	return out
}
