package guard

import (
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Documents are decoded JSON: map[string]any, []any, string, float64 or
// json.Number, bool and nil. Literals from the policy add int64, floatLit,
// *regexLit, *rangeLit and charLit.

type kind uint8

const (
	kindNull kind = iota
	kindString
	kindInt
	kindFloat
	kindBool
	kindList
	kindMap
	kindRegex
	kindRange
	kindChar
	kindOther
)

func (k kind) String() string {
	return [...]string{"null", "string", "int", "float", "bool", "list", "struct", "regex", "range", "char", "unknown"}[k]
}

// maxExactInt is the largest integer a float64 holds exactly.
const maxExactInt = 1 << 53

func kindOf(v any) kind {
	switch x := v.(type) {
	case nil:
		return kindNull
	case string:
		return kindString
	case bool:
		return kindBool
	case float64:
		// JSON does not tell 1 from 1.0 once decoded into float64: an integral
		// value is an integer, as it almost always was in the source.
		if x == math.Trunc(x) && math.Abs(x) <= maxExactInt {
			return kindInt
		}
		return kindFloat
	case floatLit, float32:
		return kindFloat
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return kindInt
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return kindFloat
		}
		if _, err := strconv.ParseInt(string(x), 10, 64); err != nil {
			return kindFloat
		}
		return kindInt
	case []any:
		return kindList
	case map[string]any:
		return kindMap
	case *regexLit:
		return kindRegex
	case *rangeLit:
		return kindRange
	case charLit:
		return kindChar
	}
	return kindOther
}

func isScalar(v any) bool {
	k := kindOf(v)
	return k != kindList && k != kindMap
}

// num is a number as an exact integer or a float.
type num struct {
	isInt bool
	i     int64
	f     float64
}

func toNum(v any) (num, bool) {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) <= maxExactInt {
			return num{isInt: true, i: int64(x)}, true
		}
		return num{f: x}, true
	case floatLit:
		return num{f: float64(x)}, true
	case float32:
		return num{f: float64(x)}, true
	case int64:
		return num{isInt: true, i: x}, true
	case int:
		return num{isInt: true, i: int64(x)}, true
	case int8:
		return num{isInt: true, i: int64(x)}, true
	case int16:
		return num{isInt: true, i: int64(x)}, true
	case int32:
		return num{isInt: true, i: int64(x)}, true
	case uint8:
		return num{isInt: true, i: int64(x)}, true
	case uint16:
		return num{isInt: true, i: int64(x)}, true
	case uint32:
		return num{isInt: true, i: int64(x)}, true
	case uint:
		if uint64(x) > math.MaxInt64 {
			return num{f: float64(x)}, true
		}
		return num{isInt: true, i: int64(x)}, true
	case uint64:
		if x > math.MaxInt64 {
			return num{f: float64(x)}, true
		}
		return num{isInt: true, i: int64(x)}, true
	case json.Number:
		if !strings.ContainsAny(string(x), ".eE") {
			if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				return num{isInt: true, i: i}, true
			}
		}
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return num{}, false
		}
		return num{f: f}, true
	}
	return num{}, false
}

func (n num) float() float64 {
	if n.isInt {
		return float64(n.i)
	}
	return n.f
}

// cmpNum orders two numbers; ok is false when either is NaN.
func cmpNum(a, b num) (int, bool) {
	if a.isInt && b.isInt {
		switch {
		case a.i < b.i:
			return -1, true
		case a.i > b.i:
			return 1, true
		}
		return 0, true
	}
	x, y := a.float(), b.float()
	switch {
	case math.IsNaN(x) || math.IsNaN(y):
		return 0, false
	case x < y:
		return -1, true
	case x > y:
		return 1, true
	}
	return 0, true
}

func isNumKind(k kind) bool { return k == kindInt || k == kindFloat }

// orderValues orders two scalars of comparable kinds: null with null, numbers,
// strings, characters. ok is false for any other pair, which Guard reports as
// "not comparable". Guard itself refuses int against float; a decoded JSON
// document cannot tell 1 from 1.0, so numbers compare by value here.
func orderValues(a, b any) (int, bool) {
	ka, kb := kindOf(a), kindOf(b)
	switch {
	case ka == kindNull && kb == kindNull:
		return 0, true
	case isNumKind(ka) && isNumKind(kb):
		x, _ := toNum(a)
		y, _ := toNum(b)
		return cmpNum(x, y)
	case ka == kindString && kb == kindString:
		return strings.Compare(a.(string), b.(string)), true
	case ka == kindChar && kb == kindChar:
		x, y := a.(charLit), b.(charLit)
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// meter counts the work left to an evaluation. Every query step and every
// value comparison uses one unit; a nil *meter is unlimited.
type meter struct{ left int }

// use takes one unit and reports whether any was left.
func (m *meter) use() bool {
	if m == nil {
		return true
	}
	m.left--
	return m.left >= 0
}

func (m *meter) exhausted() bool { return m != nil && m.left < 0 }

// useText charges for comparing or matching a string, one unit per 64
// bytes, so that long strings matched by many clauses stay within the budget
// too: at most 64 MiB of text is scanned in one evaluation.
func (m *meter) useText(s string) {
	if m != nil {
		m.left -= len(s) >> 6
	}
}

// compareEq is Guard's equality: a string equals a regular expression it
// matches, lists compare in order, structs by keys, a number equals a range
// that holds it. ok is false when the two values are not comparable. Once m
// is exhausted the answer is meaningless and the caller must stop.
func compareEq(a, b any, m *meter) (eq bool, ok bool) {
	if !m.use() {
		return false, true
	}
	ka, kb := kindOf(a), kindOf(b)
	switch {
	case ka == kindString && kb == kindRegex:
		m.useText(a.(string))
		return b.(*regexLit).re.MatchString(a.(string)), true
	case ka == kindRegex && kb == kindString:
		m.useText(b.(string))
		return a.(*regexLit).re.MatchString(b.(string)), true
	case ka == kindString && kb == kindString:
		m.useText(a.(string))
		return a.(string) == b.(string), true
	case ka == kindMap && kb == kindMap:
		x, y := a.(map[string]any), b.(map[string]any)
		if len(x) != len(y) {
			return false, true
		}
		for k, xv := range x {
			yv, found := y[k]
			if !found {
				return false, true
			}
			eq, ok := compareEq(xv, yv, m)
			if !ok {
				return false, false
			}
			if !eq {
				return false, true
			}
		}
		return true, true
	case ka == kindList && kb == kindList:
		x, y := a.([]any), b.([]any)
		if len(x) != len(y) {
			return false, true
		}
		for i := range x {
			eq, ok := compareEq(x[i], y[i], m)
			if !ok {
				return false, false
			}
			if !eq {
				return false, true
			}
		}
		return true, true
	case ka == kindBool && kb == kindBool:
		return a.(bool) == b.(bool), true
	case ka == kindRegex && kb == kindRegex:
		return a.(*regexLit).src == b.(*regexLit).src, true
	case kb == kindRange:
		return b.(*rangeLit).holds(a)
	}
	c, ok := orderValues(a, b)
	return ok && c == 0, ok
}

// looseEq is Guard's structural equality, used for list membership (IN) and
// set differences: like compareEq but values of different kinds are simply
// unequal.
func looseEq(a, b any, m *meter) bool {
	if !m.use() {
		return false
	}
	ka, kb := kindOf(a), kindOf(b)
	switch {
	case ka == kindMap && kb == kindMap:
		x, y := a.(map[string]any), b.(map[string]any)
		if len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, found := y[k]
			if !found || !looseEq(xv, yv, m) {
				return false
			}
		}
		return true
	case ka == kindList && kb == kindList:
		x, y := a.([]any), b.([]any)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if !looseEq(x[i], y[i], m) {
				return false
			}
		}
		return true
	case ka == kindBool && kb == kindBool:
		return a.(bool) == b.(bool)
	case ka == kindString && kb == kindRegex:
		m.useText(a.(string))
		return b.(*regexLit).re.MatchString(a.(string))
	case ka == kindRegex && kb == kindString:
		m.useText(b.(string))
		return a.(*regexLit).re.MatchString(b.(string))
	case ka == kindRegex && kb == kindRegex:
		return a.(*regexLit).src == b.(*regexLit).src
	case ka == kindString && kb == kindString:
		m.useText(a.(string))
		return a.(string) == b.(string)
	}
	c, ok := orderValues(a, b)
	return ok && c == 0
}

// holds reports whether v lies in the range. Integer and float ranges hold
// numbers; character ranges hold characters and one-character strings.
func (r *rangeLit) holds(v any) (bool, bool) {
	if s, isStr := v.(string); isStr {
		if _, isChar := r.lo.(charLit); isChar && utf8.RuneCountInString(s) == 1 {
			c, _ := utf8.DecodeRuneInString(s)
			v = charLit(c)
		}
	}
	lo, ok1 := orderValues(v, r.lo)
	hi, ok2 := orderValues(v, r.hi)
	if !ok1 || !ok2 {
		return false, false
	}
	inLo := lo > 0 || r.loInc && lo == 0
	inHi := hi < 0 || r.hiInc && hi == 0
	return inLo && inHi, true
}

// pathNode is one step of the location of a value in the document; a nil
// *pathNode is the root.
type pathNode struct {
	parent  *pathNode
	key     string
	index   int
	isIndex bool
}

func (p *pathNode) at(i int) *pathNode { return &pathNode{parent: p, index: i, isIndex: true} }

// String renders the path as /a/b/0.
func (p *pathNode) String() string {
	if p == nil {
		return "/"
	}
	var parts []string
	for n := p; n != nil; n = n.parent {
		if n.isIndex {
			parts = append(parts, strconv.Itoa(n.index))
		} else {
			parts = append(parts, n.key)
		}
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(parts[i])
	}
	return b.String()
}

// sortedKeys returns the keys of m in order, so that iteration over a struct
// and the messages it produces are deterministic.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// render writes v compactly for a message, cut to about max bytes.
func render(v any) string {
	var b strings.Builder
	renderTo(&b, v, 0)
	s := b.String()
	const max = 80
	if len(s) > max {
		cut := max - 3
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

func renderTo(b *strings.Builder, v any, depth int) {
	if b.Len() > 120 {
		return
	}
	if depth > 8 {
		b.WriteString("...")
		return
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(strconv.Quote(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case *regexLit:
		b.WriteString("/" + x.src + "/")
	case charLit:
		b.WriteString(strconv.QuoteRune(rune(x)))
	case *rangeLit:
		open, closer := "(", ")"
		if x.loInc {
			open = "["
		}
		if x.hiInc {
			closer = "]"
		}
		b.WriteString("r" + open)
		renderTo(b, x.lo, depth+1)
		b.WriteString(",")
		renderTo(b, x.hi, depth+1)
		b.WriteString(closer)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if b.Len() > 120 {
				b.WriteString("...")
				break
			}
			renderTo(b, e, depth+1)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b.WriteByte(',')
			}
			if b.Len() > 120 {
				b.WriteString("...")
				break
			}
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			renderTo(b, x[k], depth+1)
		}
		b.WriteByte('}')
	default:
		if n, ok := toNum(v); ok {
			if n.isInt {
				b.WriteString(strconv.FormatInt(n.i, 10))
			} else {
				b.WriteString(strconv.FormatFloat(n.f, 'g', -1, 64))
			}
			return
		}
		b.WriteString("<" + kindOf(v).String() + ">")
	}
}
