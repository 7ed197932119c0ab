package guard

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

func isUnicodeAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// parseValue parses a literal after optional white space: null, a string, a
// number, a boolean, a regular expression, a range, a list or a map. When the
// text is not a literal it returns ok false with the position unchanged; a
// literal that starts well and ends badly sets p.err.
func (p *parser) parseValue() (v any, ok bool) {
	save := p.pos
	p.skipWS()
	if p.eof() {
		p.pos = save
		return nil, false
	}
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		s, ok := p.parseString()
		return s, ok
	case c == '-' || isDigit(c):
		if v, ok := p.parseNumber(); ok {
			return v, true
		}
	case c == '/':
		return p.parseRegex()
	case c == '[':
		return p.parseList()
	case c == '{':
		return p.parseMap()
	case c == 'r' && len(p.rest()) > 1 && (p.rest()[1] == '[' || p.rest()[1] == '('):
		if v, ok := p.parseRange(); ok {
			return v, true
		}
		if p.err != nil {
			return nil, false
		}
	default:
		switch {
		case p.matchWord("null"), p.matchWord("NULL"):
			return nil, true
		case p.matchWord("true"), p.matchWord("True"):
			return true, true
		case p.matchWord("false"), p.matchWord("False"):
			return false, true
		}
	}
	p.pos = save
	return nil, false
}

// parseString parses a single- or double-quoted string. A backslash escapes
// the quote character; every other character, backslashes included, is kept as
// written, as Guard does.
func (p *parser) parseString() (string, bool) {
	start := p.pos
	q := p.src[p.pos]
	p.pos++
	var b strings.Builder
	for {
		i := strings.IndexByte(p.src[p.pos:], q)
		if i < 0 {
			p.failAt(start, "string has no closing %c", q)
			return "", false
		}
		frag := p.src[p.pos : p.pos+i]
		p.pos += i + 1
		if strings.HasSuffix(frag, `\`) {
			b.WriteString(frag[:len(frag)-1])
			b.WriteByte(q)
			continue
		}
		b.WriteString(frag)
		return b.String(), true
	}
}

// floatLit is a floating point literal written in the policy. It is kept apart
// from float64 because document numbers arrive as float64 whether or not they
// were written with a fraction, and IS_FLOAT must hold for 1.0 in a policy.
type floatLit float64

// parseNumber parses an integer (int64) or a float (floatLit).
func (p *parser) parseNumber() (any, bool) {
	start := p.pos
	i := p.pos
	if i < len(p.src) && p.src[i] == '-' {
		i++
	}
	d := i
	for i < len(p.src) && isDigit(p.src[i]) {
		i++
	}
	if i == d {
		return nil, false
	}
	isFloat := false
	if i+1 < len(p.src) && p.src[i] == '.' && isDigit(p.src[i+1]) {
		isFloat = true
		i++
		for i < len(p.src) && isDigit(p.src[i]) {
			i++
		}
	}
	if i < len(p.src) && (p.src[i] == 'e' || p.src[i] == 'E') {
		j := i + 1
		if j < len(p.src) && (p.src[j] == '+' || p.src[j] == '-') {
			j++
		}
		if j < len(p.src) && isDigit(p.src[j]) {
			isFloat = true
			for j < len(p.src) && isDigit(p.src[j]) {
				j++
			}
			i = j
		}
	}
	text := p.src[start:i]
	p.pos = i
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			p.failAt(start, "number %s is out of range", text)
			return nil, false
		}
		return floatLit(f), true
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		p.failAt(start, "integer %s is out of range", text)
		return nil, false
	}
	return n, true
}

// regexLit is a compiled /regular expression/ literal.
type regexLit struct {
	src string
	re  *regexp.Regexp
}

// parseRegex parses /pattern/, where \/ stands for a slash. The pattern is
// compiled with Go's RE2 syntax.
func (p *parser) parseRegex() (any, bool) {
	start := p.pos
	p.pos++
	var b strings.Builder
	for {
		i := strings.IndexByte(p.src[p.pos:], '/')
		if i < 0 {
			p.failAt(start, "regular expression has no closing /")
			return nil, false
		}
		frag := p.src[p.pos : p.pos+i]
		p.pos += i + 1
		if strings.HasSuffix(frag, `\`) {
			b.WriteString(frag[:len(frag)-1])
			b.WriteByte('/')
			if b.Len() > maxRegexLength {
				break
			}
			continue
		}
		b.WriteString(frag)
		break
	}
	src := b.String()
	switch {
	case src == "":
		p.failAt(start, "empty regular expression")
		return nil, false
	case len(src) > maxRegexLength:
		p.failAt(start, "regular expression is longer than %d bytes", maxRegexLength)
		return nil, false
	}
	re, err := regexp.Compile(src)
	if err != nil {
		p.failAt(start, "invalid regular expression /%s/: %v", src, err)
		return nil, false
	}
	return &regexLit{src: src, re: re}, true
}

// charLit is a single character, the bound of a character range.
type charLit rune

// rangeLit is r[lo, hi], r(lo, hi), r[lo, hi) or r(lo, hi] over integers,
// floats or characters.
type rangeLit struct {
	lo, hi       any // int64, floatLit or charLit
	loInc, hiInc bool
}

// parseRange parses a range literal. It returns ok false, position unchanged,
// when the text after "r[" or "r(" is not a range.
func (p *parser) parseRange() (any, bool) {
	save := p.pos
	open := p.src[p.pos+1]
	p.pos += 2
	lo, ok := p.rangeBound()
	if !ok {
		p.pos = save
		return nil, false
	}
	p.skipBlanks()
	if p.peek() != ',' {
		p.pos = save
		return nil, false
	}
	p.pos++
	hi, ok := p.rangeBound()
	if !ok {
		p.pos = save
		return nil, false
	}
	p.skipBlanks()
	closer := p.peek()
	if closer != ']' && closer != ')' {
		p.pos = save
		return nil, false
	}
	p.pos++
	r := &rangeLit{lo: lo, hi: hi, loInc: open == '[', hiInc: closer == ']'}
	_, loChar := lo.(charLit)
	_, hiChar := hi.(charLit)
	_, loInt := lo.(int64)
	_, hiInt := hi.(int64)
	if loChar != hiChar || loInt != hiInt {
		p.failAt(save, "range bounds must both be integers, both floats or both characters")
		return nil, false
	}
	return r, true
}

func (p *parser) rangeBound() (any, bool) {
	p.skipBlanks()
	if p.eof() {
		return nil, false
	}
	c := p.peek()
	if c == '-' || isDigit(c) {
		if v, ok := p.parseNumber(); ok {
			return v, true
		}
		if p.err != nil {
			return nil, false
		}
	}
	if c == ',' || c == ']' || c == ')' || isSpace(c) {
		return nil, false
	}
	r, n := utf8.DecodeRuneInString(p.rest())
	p.pos += n
	return charLit(r), true
}

// parseList parses [v, v, ...].
func (p *parser) parseList() (any, bool) {
	if !p.enter() {
		return nil, false
	}
	defer p.leave()
	p.pos++ // [
	list := []any{}
	p.skipWS()
	if p.peek() == ']' {
		p.pos++
		return list, true
	}
	for {
		v, ok := p.parseValue()
		if !ok {
			p.skipWS()
			p.fail("expected a value in the list")
			return nil, false
		}
		list = append(list, v)
		p.skipWS()
		switch p.peek() {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return list, true
		default:
			p.fail("expected , or ] in the list")
			return nil, false
		}
	}
}

// parseMap parses {key: v, ...}; keys are bare words or quoted strings.
func (p *parser) parseMap() (any, bool) {
	if !p.enter() {
		return nil, false
	}
	defer p.leave()
	p.pos++ // {
	m := map[string]any{}
	p.skipWS()
	if p.peek() == '}' {
		p.pos++
		return m, true
	}
	for {
		p.skipWS()
		var key string
		switch c := p.peek(); {
		case c == '\'' || c == '"':
			s, ok := p.parseString()
			if !ok {
				return nil, false
			}
			key = s
		default:
			start := p.pos
			for !p.eof() {
				ok, n := identCharAt(p.src, p.pos)
				if !ok && p.peek() != '-' {
					break
				}
				if n == 0 {
					n = 1
				}
				p.pos += n
			}
			if p.pos == start {
				p.fail("expected a key in the map")
				return nil, false
			}
			key = p.src[start:p.pos]
		}
		p.skipWS()
		if p.peek() != ':' {
			p.fail("expected : after the map key")
			return nil, false
		}
		p.pos++
		v, ok := p.parseValue()
		if !ok {
			p.skipWS()
			p.fail("expected a value in the map")
			return nil, false
		}
		m[key] = v
		p.skipWS()
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return m, true
		default:
			p.fail("expected , or } in the map")
			return nil, false
		}
	}
}

// parseAccess parses a query: [SOME] first-part { .part | [part] }. It returns
// ok false, position unchanged, when no query starts here.
func (p *parser) parseAccess() (*query, bool) {
	start := p.pos
	q := &query{matchAll: true}
	if (p.atKeyword("some") || p.atKeyword("SOME")) && len(p.rest()) > 4 {
		p.pos += 4
		p.skipWS()
		if first, ok := p.firstPart(); ok {
			q.matchAll = false
			q.parts = append(q.parts, first)
		} else {
			p.pos = start
		}
	}
	bare := false
	if len(q.parts) == 0 {
		first, ok := p.firstPart()
		if !ok {
			p.pos = start
			return nil, false
		}
		q.parts = append(q.parts, first)
		bare = first.kind == partKey && isLetter(p.src[start])
	}
	for p.err == nil {
		save := p.pos
		p.skipWS()
		switch p.peek() {
		case '.':
			p.pos++
			part, ok := p.dottedPart()
			if !ok {
				p.fail("expected a property name, an index, %%variable or * after '.'")
				return nil, false
			}
			q.parts = append(q.parts, part)
			continue
		case '[':
			p.pos++
			part, ok := p.bracketPart()
			if !ok {
				return nil, false
			}
			q.parts = append(q.parts, part)
			continue
		}
		p.pos = save
		break
	}
	if p.err != nil {
		return nil, false
	}
	for i := range q.parts {
		if q.parts[i].kind == partKey {
			if n, err := strconv.ParseInt(q.parts[i].name, 10, 32); err == nil {
				q.parts[i].keyIsIndex, q.parts[i].index = true, int(n)
			}
		}
	}
	// "%v.a" reads every value of v: Guard inserts [*] after a variable
	// followed by more parts.
	if q.parts[0].kind == partVar && len(q.parts) > 1 && q.parts[1].kind != partAllIndices {
		q.parts = append(q.parts[:1], append([]qpart{{kind: partAllIndices}}, q.parts[1:]...)...)
	}
	q.bare = bare && len(q.parts) == 1 && q.matchAll
	q.text = collapse(p.src[start:p.pos])
	return q, true
}

// firstPart parses this, %variable, a name or a quoted name.
func (p *parser) firstPart() (qpart, bool) {
	switch c := p.peek(); {
	case c == '%':
		save := p.pos
		p.pos++
		name, ok := p.ident()
		if !ok {
			p.pos = save
			return qpart{}, false
		}
		return qpart{kind: partVar, name: name}, true
	case c == '\'' || c == '"':
		s, ok := p.parseString()
		if !ok {
			return qpart{}, false
		}
		return qpart{kind: partKey, name: s}, true
	}
	if p.matchWord("this") || p.matchWord("THIS") {
		return qpart{kind: partThis}, true
	}
	name, ok := p.ident()
	if !ok {
		return qpart{}, false
	}
	return qpart{kind: partKey, name: name}, true
}

// dottedPart parses what follows a '.': an index, a name, %variable or *.
func (p *parser) dottedPart() (qpart, bool) {
	switch c := p.peek(); {
	case c == '*':
		p.pos++
		return qpart{kind: partAllValues}, true
	case c == '-' || isDigit(c):
		v, ok := p.parseNumber()
		if n, isInt := v.(int64); ok && isInt && n >= -1<<31 && n < 1<<31 {
			return qpart{kind: partIndex, index: int(n)}, true
		}
		return qpart{}, false
	case c == '%':
		p.pos++
		name, ok := p.ident()
		if !ok {
			return qpart{}, false
		}
		return qpart{kind: partVarKey, name: name}, true
	case c == '\'' || c == '"':
		s, ok := p.parseString()
		return qpart{kind: partKey, name: s}, ok
	}
	name, ok := p.ident()
	return qpart{kind: partKey, name: name}, ok
}

// bracketPart parses what follows a '[': *, an index, a quoted key, a capture
// name, a keys filter or a filter of clauses, up to the closing ']'.
func (p *parser) bracketPart() (qpart, bool) {
	if !p.enter() {
		return qpart{}, false
	}
	defer p.leave()
	p.skipWS()
	save := p.pos
	closes := func() bool {
		p.skipWS()
		if p.peek() == ']' {
			p.pos++
			return true
		}
		return false
	}
	switch c := p.peek(); {
	case c == '*':
		p.pos++
		if closes() {
			return qpart{kind: partAllIndices}, true
		}
		p.fail("expected ] after [*")
		return qpart{}, false
	case c == '-' || isDigit(c):
		v, ok := p.parseNumber()
		if n, isInt := v.(int64); ok && isInt && n >= -1<<31 && n < 1<<31 && closes() {
			return qpart{kind: partIndex, index: int(n)}, true
		}
		if p.err == nil {
			p.failAt(save, "expected an integer index in [ ]")
		}
		return qpart{}, false
	case c == '\'' || c == '"':
		if s, ok := p.parseString(); ok && closes() {
			return qpart{kind: partKey, name: s}, true
		}
		if p.err != nil {
			return qpart{}, false
		}
		p.pos = save
	}
	capture := ""
	if name, ok := p.ident(); ok {
		if closes() {
			return qpart{kind: partAllIndices, name: name}, true
		}
		p.skipWS()
		if p.peek() == '|' {
			p.pos++
			capture = name
		} else {
			p.pos = save
		}
	}
	if part, ok := p.keysFilter(); ok || p.err != nil {
		part.name = capture
		return part, ok
	}
	conj := p.parseConj(ctxFilter, ']')
	if p.err != nil {
		return qpart{}, false
	}
	p.pos++ // ]
	return qpart{kind: partFilter, name: capture, filter: conj}, true
}

// keysFilter parses "keys == value", "keys != value", "keys in value" or
// "keys not in value" and the closing ']'. It returns ok false, position
// unchanged, when the text is not a keys filter.
func (p *parser) keysFilter() (qpart, bool) {
	save := p.pos
	p.skipWS()
	if !p.matchWord("keys") && !p.matchWord("KEYS") {
		p.pos = save
		return qpart{}, false
	}
	p.skipWS()
	part := qpart{kind: partKeyFilter}
	switch r := p.rest(); {
	case strings.HasPrefix(r, "=="):
		p.pos += 2
		part.keyOp = opEq
	case strings.HasPrefix(r, "!="):
		p.pos += 2
		part.keyOp, part.keyOpNot = opEq, true
	default:
		not := p.parseNot()
		if !p.matchWord("in") && !p.matchWord("IN") {
			p.pos = save
			return qpart{}, false
		}
		part.keyOp, part.keyOpNot = opIn, not
	}
	p.skipWS()
	rhs := p.parseOperand()
	if rhs == nil {
		return qpart{}, false
	}
	part.keyRHS = rhs
	p.skipWS()
	if p.peek() != ']' {
		p.fail("expected ] after the keys filter")
		return qpart{}, false
	}
	p.pos++
	return part, true
}

// parseOperand parses the right-hand side of a comparison: a literal or a
// query.
func (p *parser) parseOperand() *operand {
	if v, ok := p.parseValue(); ok {
		return &operand{lit: v}
	}
	if p.err != nil {
		return nil
	}
	p.skipWS()
	if p.atCall() {
		p.fail("built-in functions are not supported")
		return nil
	}
	q, ok := p.parseAccess()
	if !ok {
		if p.err == nil {
			p.fail("expected a value or a query after the operator")
		}
		return nil
	}
	return &operand{q: q}
}
