package guard

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// qval is a document value and where it was found.
type qval struct {
	v    any
	path *pathNode
}

// qres is one value a query produced: a resolved value, a literal (from the
// policy text), or an unresolved traversal.
type qres struct {
	v    any
	path *pathNode
	lit  bool
	un   *unresolved
}

// reason says why a query could not be traversed.
type reason uint8

const (
	reasonMissingKey reason = iota
	reasonNotStruct
	reasonNotList
	reasonIndexRange
	reasonEmpty
	reasonFilterScalar
	reasonKeyFilterScalar
	reasonVarKeyUnresolved
	reasonVarIndexRange
)

// unresolved records where a query stopped and why. Its text is built only
// when a message needs it.
type unresolved struct {
	at     qval
	reason reason
	key    string
	index  int
}

func (u *unresolved) String() string {
	at := u.at.path.String()
	switch u.reason {
	case reasonMissingKey:
		return fmt.Sprintf("%q not found at %s", u.key, at)
	case reasonNotStruct:
		return fmt.Sprintf("cannot read %q: %s at %s is not a struct", u.key, kindOf(u.at.v), at)
	case reasonNotList:
		return fmt.Sprintf("cannot read [%d]: %s at %s is not a list", u.index, kindOf(u.at.v), at)
	case reasonIndexRange:
		return fmt.Sprintf("index %d is out of range at %s", u.index, at)
	case reasonEmpty:
		return fmt.Sprintf("no entries in the empty %s at %s", kindOf(u.at.v), at)
	case reasonFilterScalar:
		return fmt.Sprintf("cannot filter %s at %s", kindOf(u.at.v), at)
	case reasonKeyFilterScalar:
		return fmt.Sprintf("cannot filter the keys of %s at %s", kindOf(u.at.v), at)
	case reasonVarKeyUnresolved:
		return fmt.Sprintf("the keys held by %%%s did not resolve", u.key)
	case reasonVarIndexRange:
		return fmt.Sprintf("index %d is out of range for the keys held by %%%s", u.index, u.key)
	}
	return "unresolved at " + at
}

func unres(out []qres, cur qval, r reason, key string, index int) []qres {
	return append(out, qres{v: cur.v, path: cur.path, un: &unresolved{at: cur, reason: r, key: key, index: index}})
}

// maxSteps bounds the work of one Evaluate call (query steps, clauses and
// value comparisons), so that a hostile policy over a large document can
// neither run without end nor fill memory.
const maxSteps = 1_000_000

var errBudget = errors.New("evaluation exceeded its step budget")

// frame holds the assignments of one block and the values they resolved to.
// Its variables resolve against root, the value the block was entered with.
type frame struct {
	parent *frame
	lets   []*letExpr
	root   qval
	cache  map[string][]qres
	busy   map[string]bool
}

// env is where a clause is evaluated: the value queries start from and the
// innermost frame of variables.
type env struct {
	root  qval
	frame *frame
}

// withLets returns the environment of a block: e itself when the block
// assigns nothing.
func (e env) withLets(lets []*letExpr) env {
	if len(lets) == 0 {
		return e
	}
	return env{root: e.root, frame: &frame{parent: e.frame, lets: lets, root: e.root}}
}

func (ev *evaluation) step() error {
	if !ev.meter.use() {
		return errBudget
	}
	return nil
}

// query runs a query from the environment's root.
func (ev *evaluation) query(q *query, e env) ([]qres, error) {
	return ev.walk(q.parts, 0, e.root, e, nil, nil)
}

// resolveVar returns the values of %name, searching the frames outwards.
// Query-valued variables are resolved once per frame; a variable assigned
// with SOME keeps only the values that resolved.
func (ev *evaluation) resolveVar(name string, e env) ([]qres, error) {
	for f := e.frame; f != nil; f = f.parent {
		for _, l := range f.lets {
			if l.name != name {
				continue
			}
			if l.q == nil {
				return []qres{{v: l.lit, lit: true}}, nil
			}
			if r, ok := f.cache[name]; ok {
				return r, nil
			}
			if f.busy[name] {
				return nil, fmt.Errorf("variable %%%s refers to itself", name)
			}
			if f.busy == nil {
				f.busy = map[string]bool{}
			}
			f.busy[name] = true
			res, err := ev.query(l.q, env{root: f.root, frame: f})
			delete(f.busy, name)
			if err != nil {
				return nil, err
			}
			if !l.q.matchAll {
				kept := res[:0:0]
				for _, r := range res {
					if r.un == nil {
						kept = append(kept, r)
					}
				}
				res = kept
			}
			if f.cache == nil {
				f.cache = map[string][]qres{}
			}
			f.cache[name] = res
			return res, nil
		}
	}
	if c, ok := ev.captures[name]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("variable %%%s is not defined", name)
}

func (ev *evaluation) capture(name, key string, at *pathNode) {
	if ev.captures == nil {
		ev.captures = map[string][]qres{}
	}
	ev.captures[name] = append(ev.captures[name], qres{v: key, path: at})
}

// child and at allocate path nodes from a slab owned by the evaluation: a
// query step costs no allocation of its own.
func (ev *evaluation) child(parent *pathNode, key string) *pathNode {
	return ev.node(pathNode{parent: parent, key: key})
}

func (ev *evaluation) at(parent *pathNode, i int) *pathNode {
	return ev.node(pathNode{parent: parent, index: i, isIndex: true})
}

func (ev *evaluation) node(n pathNode) *pathNode {
	if len(ev.slab) == cap(ev.slab) {
		ev.slab = make([]pathNode, 0, 64)
	}
	ev.slab = append(ev.slab, n)
	return &ev.slab[len(ev.slab)-1]
}

func absIndex(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// walk resolves parts[i:] from cur and appends the results to out.
func (ev *evaluation) walk(parts []qpart, i int, cur qval, e env, conv converter, out []qres) ([]qres, error) {
	if err := ev.step(); err != nil {
		return out, err
	}
	if i >= len(parts) {
		return append(out, qres{v: cur.v, path: cur.path}), nil
	}
	p := &parts[i]
	var err error
	switch p.kind {
	case partVar:
		vals, err := ev.resolveVar(p.name, e)
		if err != nil {
			return out, err
		}
		next := i + 1
		if next < len(parts) && parts[next].kind == partAllIndices {
			next++
		}
		for _, v := range vals {
			if v.un != nil || next >= len(parts) {
				out = append(out, v)
				continue
			}
			if out, err = ev.walk(parts, next, qval{v.v, v.path}, e, conv, out); err != nil {
				return out, err
			}
		}
		return out, nil

	case partThis:
		return ev.walk(parts, i+1, cur, e, conv, out)

	case partKey:
		if p.keyIsIndex {
			return ev.index(parts, i, p.index, cur, e, conv, out)
		}
		m, ok := cur.v.(map[string]any)
		if !ok {
			return unres(out, cur, reasonNotStruct, p.name, 0), nil
		}
		if v, found := m[p.name]; found {
			return ev.walk(parts, i+1, qval{v, ev.child(cur.path, p.name)}, e, conv, out)
		}
		// Guard retries a missing key in other letter cases (camelCase,
		// PascalCase, snake_case, ...) and keeps to the case that matched for
		// the rest of the query.
		if conv != nil {
			k := conv(p.name)
			if v, found := m[k]; found {
				return ev.walk(parts, i+1, qval{v, ev.child(cur.path, k)}, e, conv, out)
			}
		} else {
			for _, c := range converters {
				k := c(p.name)
				if k == p.name {
					continue
				}
				if v, found := m[k]; found {
					return ev.walk(parts, i+1, qval{v, ev.child(cur.path, k)}, e, c, out)
				}
			}
		}
		return unres(out, cur, reasonMissingKey, p.name, 0), nil

	case partVarKey:
		return ev.varKey(parts, i, cur, e, conv, out)

	case partIndex:
		return ev.index(parts, i, p.index, cur, e, conv, out)

	case partAllIndices, partAllValues:
		switch x := cur.v.(type) {
		case []any:
			if len(x) == 0 {
				return unres(out, cur, reasonEmpty, "", 0), nil
			}
			for idx, el := range x {
				if out, err = ev.walk(parts, i+1, qval{el, ev.at(cur.path, idx)}, e, conv, out); err != nil {
					return out, err
				}
			}
			return out, nil
		case map[string]any:
			if p.kind == partAllIndices && p.name == "" {
				return ev.walk(parts, i+1, cur, e, conv, out)
			}
			if len(x) == 0 {
				return unres(out, cur, reasonEmpty, "", 0), nil
			}
			for _, k := range sortedKeys(x) {
				at := ev.child(cur.path, k)
				if p.name != "" {
					ev.capture(p.name, k, at)
				}
				if out, err = ev.walk(parts, i+1, qval{x[k], at}, e, conv, out); err != nil {
					return out, err
				}
			}
			return out, nil
		}
		// A scalar stands for a list of itself.
		return ev.walk(parts, i+1, cur, e, conv, out)

	case partFilter:
		return ev.filter(parts, i, cur, e, conv, out)

	case partKeyFilter:
		return ev.keyFilter(parts, i, cur, e, conv, out)
	}
	return out, fmt.Errorf("unknown query part %d", p.kind)
}

func (ev *evaluation) index(parts []qpart, i, n int, cur qval, e env, conv converter, out []qres) ([]qres, error) {
	l, ok := cur.v.([]any)
	if !ok {
		return unres(out, cur, reasonNotList, "", n), nil
	}
	// Guard reads [-n] as [n].
	idx := absIndex(n)
	if idx >= len(l) {
		return unres(out, cur, reasonIndexRange, "", n), nil
	}
	return ev.walk(parts, i+1, qval{l[idx], ev.at(cur.path, idx)}, e, conv, out)
}

// varKey resolves .%name: the struct's entries whose keys the variable holds.
func (ev *evaluation) varKey(parts []qpart, i int, cur qval, e env, conv converter, out []qres) ([]qres, error) {
	p := &parts[i]
	m, ok := cur.v.(map[string]any)
	if !ok {
		return unres(out, cur, reasonNotStruct, "%"+p.name, 0), nil
	}
	keys, err := ev.resolveVar(p.name, e)
	if err != nil {
		return out, err
	}
	if i+1 < len(parts) {
		switch next := parts[i+1]; next.kind {
		case partAllIndices, partKey:
		case partIndex:
			idx := absIndex(next.index)
			if idx >= len(keys) {
				return unres(out, cur, reasonVarIndexRange, p.name, next.index), nil
			}
			keys = keys[idx : idx+1]
		default:
			return out, fmt.Errorf("%%%s as a key cannot be followed by a filter", p.name)
		}
	}
	lookup := func(k string) error {
		v, found := m[k]
		if !found {
			out = unres(out, cur, reasonMissingKey, k, 0)
			return nil
		}
		out, err = ev.walk(parts, i+1, qval{v, ev.child(cur.path, k)}, e, conv, out)
		return err
	}
	for _, k := range keys {
		if k.un != nil {
			out = unres(out, cur, reasonVarKeyUnresolved, p.name, 0)
			continue
		}
		switch kv := k.v.(type) {
		case string:
			if err := lookup(kv); err != nil {
				return out, err
			}
		case []any:
			for _, el := range kv {
				s, ok := el.(string)
				if !ok {
					return out, fmt.Errorf("%%%s holds a %s where a key was expected", p.name, kindOf(el))
				}
				if err := lookup(s); err != nil {
					return out, err
				}
			}
		default:
			return out, fmt.Errorf("%%%s holds a %s where a key was expected", p.name, kindOf(k.v))
		}
	}
	return out, nil
}

// filter resolves [ clauses ]: the values for which the clauses PASS.
func (ev *evaluation) filter(parts []qpart, i int, cur qval, e env, conv converter, out []qres) ([]qres, error) {
	p := &parts[i]
	var err error
	selects := func(v qval) (bool, error) {
		st, _, err := ev.evalConj(p.filter, env{root: v, frame: e.frame}, false)
		return st == StatusPass, err
	}
	prev := partThis
	if i > 0 {
		prev = parts[i-1].kind
	}
	switch x := cur.v.(type) {
	case map[string]any:
		if prev == partKey || prev == partVarKey {
			// name[ ... ] filters the struct's values.
			for _, k := range sortedKeys(x) {
				v := qval{x[k], ev.child(cur.path, k)}
				ok, err := selects(v)
				if err != nil {
					return out, err
				}
				if !ok {
					continue
				}
				if p.name != "" {
					ev.capture(p.name, k, v.path)
				}
				if out, err = ev.walk(parts, i+1, v, e, conv, out); err != nil {
					return out, err
				}
			}
			return out, nil
		}
		ok, err := selects(cur)
		if err != nil || !ok {
			return out, err
		}
		return ev.walk(parts, i+1, cur, e, conv, out)
	case []any:
		for idx, el := range x {
			v := qval{el, ev.at(cur.path, idx)}
			ok, err := selects(v)
			if err != nil {
				return out, err
			}
			if ok {
				if out, err = ev.walk(parts, i+1, v, e, conv, out); err != nil {
					return out, err
				}
			}
		}
		return out, nil
	}
	if prev == partAllIndices {
		ok, err := selects(cur)
		if err != nil || !ok {
			return out, err
		}
		return ev.walk(parts, i+1, cur, e, conv, out)
	}
	return unres(out, cur, reasonFilterScalar, "", 0), err
}

// keyFilter resolves [ keys op value ]: the struct's values whose keys match.
func (ev *evaluation) keyFilter(parts []qpart, i int, cur qval, e env, conv converter, out []qres) ([]qres, error) {
	p := &parts[i]
	m, ok := cur.v.(map[string]any)
	if !ok {
		return unres(out, cur, reasonKeyFilterScalar, "", 0), nil
	}
	var rhs []qres
	if p.keyRHS.q == nil {
		rhs = []qres{{v: p.keyRHS.lit, lit: true}}
	} else {
		var err error
		// The right-hand query starts from the struct being filtered.
		if rhs, err = ev.walk(p.keyRHS.q.parts, 0, cur, e, nil, nil); err != nil {
			return out, err
		}
	}
	var err error
	for _, k := range sortedKeys(m) {
		matched := keyMatches(k, p.keyOp, p.keyOpNot, rhs, &ev.meter)
		if ev.meter.exhausted() {
			return out, errBudget
		}
		if !matched {
			continue
		}
		if out, err = ev.walk(parts, i+1, qval{m[k], ev.child(cur.path, k)}, e, conv, out); err != nil {
			return out, err
		}
	}
	return out, nil
}

// keyMatches applies a keys filter's comparison to one key. == against
// several values means IN; IN against a string means "is a substring of".
func keyMatches(key string, op opKind, not bool, rhs []qres, m *meter) bool {
	if op == opEq && len(rhs) > 1 {
		op = opIn
	}
	if op == opEq {
		if len(rhs) == 0 || rhs[0].un != nil {
			return false
		}
		eq, ok := compareEq(key, rhs[0].v, m)
		if l, isList := rhs[0].v.([]any); !ok && rhs[0].lit && isList && len(l) == 1 {
			eq, ok = compareEq(key, l[0], m)
		}
		return ok && eq != not
	}
	for _, r := range rhs {
		if r.un != nil {
			continue
		}
		var in, ok bool
		switch rv := r.v.(type) {
		case string:
			in, ok = strings.Contains(rv, key), true
		case []any:
			ok = true
			for _, el := range rv {
				eq, cmp := compareEq(key, el, m)
				if !cmp {
					ok = false
					break
				}
				if eq {
					in = true
					break
				}
			}
		default:
			in, ok = compareEq(key, r.v, m)
		}
		if ok && in != not {
			return true
		}
	}
	return false
}

// converter rewrites a key into another letter case.
type converter func(string) string

var converters = []converter{
	func(s string) string { return joinWords(s, "", true, false) },   // camelCase
	func(s string) string { return joinWords(s, "", false, false) },  // PascalCase
	func(s string) string { return joinWords(s, "-", false, true) },  // kebab-case
	func(s string) string { return joinWords(s, "_", false, true) },  // snake_case
	func(s string) string { return joinWords(s, " ", false, false) }, // Title Case
	func(s string) string { return joinWords(s, "-", false, false) }, // Train-Case
}

// splitWords splits a key at separators and at case changes:
// "SSEAlgorithm" is SSE, Algorithm; "bucket_name" is bucket, name.
func splitWords(s string) []string {
	var words []string
	rs := []rune(s)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			words = append(words, string(rs[start:end]))
		}
		start = -1
	}
	for i, r := range rs {
		if r == '_' || r == '-' || r == ' ' {
			flush(i)
			continue
		}
		if start >= 0 && unicode.IsUpper(r) {
			prev := rs[i-1]
			if unicode.IsLower(prev) || unicode.IsDigit(prev) ||
				unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1]) {
				flush(i)
			}
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(rs))
	return words
}

// joinWords joins the words of s with sep: all lower case when lower is set,
// otherwise capitalized, except the first word when firstLower is set.
func joinWords(s, sep string, firstLower, lower bool) string {
	words := splitWords(s)
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteString(sep)
		}
		w = strings.ToLower(w)
		if !lower && !(firstLower && i == 0) {
			rs := []rune(w)
			rs[0] = unicode.ToUpper(rs[0])
			w = string(rs)
		}
		b.WriteString(w)
	}
	return b.String()
}
