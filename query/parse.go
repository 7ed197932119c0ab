// Package query parses and evaluates AWS Config's advanced query language,
// the SQL SELECT subset of SelectResourceConfig and
// SelectAggregateResourceConfig
// (https://docs.aws.amazon.com/config/latest/developerguide/query-components.html):
//
//	SELECT property [AS alias] [, ...] [ WHERE condition ]
//	[ GROUP BY property [, ...] ] [ ORDER BY property [ ASC | DESC ] [, ...] ]
//
// Properties are dotted paths into a configuration item (resourceId,
// configuration.instanceType, tags.key, tags.value, tags.tag, relationships.resourceId,
// supplementaryConfiguration.x ...). Conditions compare with =, !=, <, <=,
// >, >=, BETWEEN, IN, LIKE ('%' matches any run of characters, '_' one)
// and combine with AND, OR, NOT and parentheses. The aggregate functions
// are COUNT, MIN, MAX, SUM and AVG. There is no FROM clause: the resource
// type is a property like any other. A path through an array matches if
// any element matches, as AWS documents for array properties.
//
// The package is pure: Parse and (*Query).Run do no I/O.
package query

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is a syntax or semantic error in an expression; the service
// reports it as InvalidExpressionException.
type Error struct {
	Pos int // byte offset in the expression
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("%s at position %d", e.Msg, e.Pos) }

// Query is a parsed expression.
type Query struct {
	Fields  []Field
	Where   Expr // nil: every item
	GroupBy []string
	OrderBy []Order
}

// Field is one item of the SELECT list.
type Field struct {
	Path  string // the property; "*" for COUNT(*)
	Agg   string // "", COUNT, MIN, MAX, SUM or AVG
	Alias string
}

// Name is the field's name in results and QueryInfo.SelectFields: its
// alias, or the expression as AWS names it (COUNT(*), MAX(configuration.x)).
func (f Field) Name() string {
	if f.Alias != "" {
		return f.Alias
	}
	if f.Agg != "" {
		return f.Agg + "(" + f.Path + ")"
	}
	return f.Path
}

// Order is one ORDER BY key.
type Order struct {
	Path string // a property or a field name (alias, COUNT(*))
	Desc bool
}

// Expr is a condition of WHERE.
type Expr interface{ expr() }

// And, Or and Not combine conditions.
type (
	And struct{ L, R Expr }
	Or  struct{ L, R Expr }
	Not struct{ X Expr }
)

// Cmp compares a property with a value: Op is =, !=, <, <=, > or >=.
type Cmp struct {
	Path  string
	Op    string
	Value Value
}

// Between is `path BETWEEN lo AND hi` (inclusive).
type Between struct {
	Path   string
	Lo, Hi Value
}

// In is `path IN (v, ...)`.
type In struct {
	Path   string
	Values []Value
}

// Like is `path LIKE 'pattern'`.
type Like struct {
	Path    string
	Pattern string
}

func (And) expr()     {}
func (Or) expr()      {}
func (Not) expr()     {}
func (Cmp) expr()     {}
func (Between) expr() {}
func (In) expr()      {}
func (Like) expr()    {}

// Value is a literal: a string, a float64 or a bool.
type Value = any

// maxExpression bounds the expression: SelectResourceConfig's Expression is
// at most 4096 characters (API reference, Length Constraints).
const maxExpression = 4096

// token kinds.
const (
	tEOF = iota
	tIdent
	tString
	tNumber
	tPunct // ( ) , * = != <> < <= > >=
)

type token struct {
	kind int
	text string
	pos  int
}

func lex(s string) ([]token, error) {
	var out []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'' || c == '"':
			start := i
			i++
			var b strings.Builder
			for {
				if i >= len(s) {
					return nil, &Error{start, "unterminated string literal"}
				}
				if s[i] == c {
					if i+1 < len(s) && s[i+1] == c {
						b.WriteByte(c)
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			out = append(out, token{tString, b.String(), start})
		case c >= '0' && c <= '9' || c == '-' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			start := i
			i++
			for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
				i++
			}
			out = append(out, token{tNumber, s[start:i], start})
		case isIdent(c):
			start := i
			for i < len(s) && (isIdent(s[i]) || s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
				i++
			}
			out = append(out, token{tIdent, s[start:i], start})
		case c == '!' || c == '<' || c == '>':
			start := i
			i++
			if i < len(s) && (s[i] == '=' || c == '<' && s[i] == '>') {
				i++
			}
			t := s[start:i]
			if t == "!" {
				return nil, &Error{start, "unexpected character '!'"}
			}
			if t == "<>" {
				t = "!="
			}
			out = append(out, token{tPunct, t, start})
		case strings.IndexByte("(),*=", c) >= 0:
			out = append(out, token{tPunct, string(c), i})
			i++
		default:
			return nil, &Error{i, fmt.Sprintf("unexpected character %q", c)}
		}
	}
	return append(out, token{tEOF, "", len(s)}), nil
}

func isIdent(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '@' || c == ':'
}

// keywords may not be used as property names.
var keywords = map[string]bool{
	"SELECT": true, "WHERE": true, "GROUP": true, "BY": true, "ORDER": true, "ASC": true, "DESC": true,
	"AND": true, "OR": true, "NOT": true, "IN": true, "BETWEEN": true, "LIKE": true, "AS": true,
	"FROM": true, "LIMIT": true, "OFFSET": true, "JOIN": true, "HAVING": true, "DISTINCT": true,
}

var aggregates = map[string]bool{"COUNT": true, "MIN": true, "MAX": true, "SUM": true, "AVG": true}

type parser struct {
	toks []token
	i    int
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

// kw reports whether the next token is the keyword and consumes it.
func (p *parser) kw(k string) bool {
	t := p.peek()
	if t.kind == tIdent && strings.EqualFold(t.text, k) {
		p.i++
		return true
	}
	return false
}

func (p *parser) punct(s string) bool {
	t := p.peek()
	if t.kind == tPunct && t.text == s {
		p.i++
		return true
	}
	return false
}

func (p *parser) errorf(format string, args ...any) error {
	return &Error{p.peek().pos, fmt.Sprintf(format, args...)}
}

// path reads a property.
func (p *parser) path() (string, error) {
	t := p.peek()
	if t.kind != tIdent || keywords[strings.ToUpper(t.text)] {
		return "", p.errorf("expected a property, found %s", describe(t))
	}
	if strings.HasPrefix(t.text, ".") || strings.HasSuffix(t.text, ".") || strings.Contains(t.text, "..") {
		return "", p.errorf("malformed property %q", t.text)
	}
	p.i++
	return t.text, nil
}

func describe(t token) string {
	if t.kind == tEOF {
		return "end of expression"
	}
	return strconv.Quote(t.text)
}

// Parse parses an expression.
func Parse(s string) (*Query, error) {
	if len(s) > maxExpression {
		return nil, &Error{maxExpression, fmt.Sprintf("expression longer than %d characters", maxExpression)}
	}
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	q := &Query{}
	if !p.kw("SELECT") {
		return nil, p.errorf("expected SELECT, found %s", describe(p.peek()))
	}
	for {
		f, err := p.field()
		if err != nil {
			return nil, err
		}
		q.Fields = append(q.Fields, f)
		if !p.punct(",") {
			break
		}
	}
	if p.kw("WHERE") {
		if q.Where, err = p.or(0); err != nil {
			return nil, err
		}
	}
	if p.kw("GROUP") {
		if !p.kw("BY") {
			return nil, p.errorf("expected BY after GROUP")
		}
		for {
			path, err := p.path()
			if err != nil {
				return nil, err
			}
			q.GroupBy = append(q.GroupBy, path)
			if !p.punct(",") {
				break
			}
		}
	}
	if p.kw("ORDER") {
		if !p.kw("BY") {
			return nil, p.errorf("expected BY after ORDER")
		}
		for {
			o, err := p.order()
			if err != nil {
				return nil, err
			}
			q.OrderBy = append(q.OrderBy, o)
			if !p.punct(",") {
				break
			}
		}
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errorf("unexpected %s", describe(t))
	}
	return q, q.check()
}

func (p *parser) field() (Field, error) {
	var f Field
	t := p.peek()
	if t.kind == tPunct && t.text == "*" {
		return f, p.errorf("SELECT * is not supported; name the properties")
	}
	if t.kind == tIdent && aggregates[strings.ToUpper(t.text)] && p.toks[p.i+1].kind == tPunct && p.toks[p.i+1].text == "(" {
		f.Agg = strings.ToUpper(t.text)
		p.i += 2
		if f.Agg == "COUNT" && p.punct("*") {
			f.Path = "*"
		} else {
			path, err := p.path()
			if err != nil {
				return f, err
			}
			f.Path = path
		}
		if !p.punct(")") {
			return f, p.errorf("expected ) after %s(%s", f.Agg, f.Path)
		}
	} else {
		path, err := p.path()
		if err != nil {
			return f, err
		}
		f.Path = path
	}
	if p.kw("AS") {
		t := p.next()
		if t.kind != tIdent || keywords[strings.ToUpper(t.text)] || strings.Contains(t.text, ".") {
			return f, &Error{t.pos, fmt.Sprintf("expected an alias, found %s", describe(t))}
		}
		f.Alias = t.text
	}
	return f, nil
}

func (p *parser) order() (Order, error) {
	var o Order
	t := p.peek()
	if t.kind == tIdent && aggregates[strings.ToUpper(t.text)] && p.toks[p.i+1].kind == tPunct && p.toks[p.i+1].text == "(" {
		f, err := p.field()
		if err != nil {
			return o, err
		}
		o.Path = f.Name()
	} else {
		path, err := p.path()
		if err != nil {
			return o, err
		}
		o.Path = path
	}
	if p.kw("DESC") {
		o.Desc = true
	} else {
		p.kw("ASC")
	}
	return o, nil
}

// maxDepth bounds nesting of conditions, so that a hostile expression
// cannot exhaust the stack.
const maxDepth = 64

func (p *parser) or(depth int) (Expr, error) {
	l, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.kw("OR") {
		r, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		l = Or{l, r}
	}
	return l, nil
}

func (p *parser) and(depth int) (Expr, error) {
	l, err := p.not(depth)
	if err != nil {
		return nil, err
	}
	for p.kw("AND") {
		r, err := p.not(depth)
		if err != nil {
			return nil, err
		}
		l = And{l, r}
	}
	return l, nil
}

func (p *parser) not(depth int) (Expr, error) {
	if depth > maxDepth {
		return nil, p.errorf("conditions nested too deeply")
	}
	if p.kw("NOT") {
		x, err := p.not(depth + 1)
		if err != nil {
			return nil, err
		}
		return Not{x}, nil
	}
	if p.punct("(") {
		x, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.punct(")") {
			return nil, p.errorf("expected ), found %s", describe(p.peek()))
		}
		return x, nil
	}
	return p.predicate()
}

func (p *parser) predicate() (Expr, error) {
	path, err := p.path()
	if err != nil {
		return nil, err
	}
	negate := p.kw("NOT")
	var x Expr
	switch {
	case p.kw("IN"):
		if !p.punct("(") {
			return nil, p.errorf("expected ( after IN")
		}
		in := In{Path: path}
		for {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			in.Values = append(in.Values, v)
			if !p.punct(",") {
				break
			}
		}
		if !p.punct(")") {
			return nil, p.errorf("expected ) after IN list")
		}
		x = in
	case p.kw("BETWEEN"):
		lo, err := p.value()
		if err != nil {
			return nil, err
		}
		if !p.kw("AND") {
			return nil, p.errorf("expected AND in BETWEEN")
		}
		hi, err := p.value()
		if err != nil {
			return nil, err
		}
		x = Between{path, lo, hi}
	case p.kw("LIKE"):
		t := p.next()
		if t.kind != tString {
			return nil, &Error{t.pos, "LIKE needs a string pattern"}
		}
		x = Like{path, t.text}
	default:
		if negate {
			return nil, p.errorf("expected IN, BETWEEN or LIKE after NOT")
		}
		t := p.next()
		if t.kind != tPunct || !strings.Contains("= != < <= > >=", t.text) || t.text == "(" || t.text == ")" || t.text == "," || t.text == "*" {
			return nil, &Error{t.pos, fmt.Sprintf("expected a comparison operator, found %s", describe(t))}
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		return Cmp{path, t.text, v}, nil
	}
	if negate {
		return Not{x}, nil
	}
	return x, nil
}

func (p *parser) value() (Value, error) {
	t := p.next()
	switch t.kind {
	case tString:
		return t.text, nil
	case tNumber:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, &Error{t.pos, fmt.Sprintf("malformed number %q", t.text)}
		}
		return f, nil
	case tIdent:
		switch strings.ToLower(t.text) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return nil, &Error{t.pos, fmt.Sprintf("expected a value, found %s", describe(t))}
}

// check applies the rules that the grammar does not: with an aggregate or
// GROUP BY, every plain field must be grouped; names are unique; ORDER BY
// names a selected field.
func (q *Query) check() error {
	agg := len(q.GroupBy) > 0
	names := map[string]bool{}
	for _, f := range q.Fields {
		if f.Agg != "" {
			agg = true
		}
		if names[f.Name()] {
			return &Error{0, fmt.Sprintf("duplicate field %q in SELECT", f.Name())}
		}
		names[f.Name()] = true
	}
	if agg {
		grouped := map[string]bool{}
		for _, g := range q.GroupBy {
			grouped[g] = true
		}
		for _, f := range q.Fields {
			if f.Agg == "" && !grouped[f.Path] {
				return &Error{0, fmt.Sprintf("field %q must appear in GROUP BY or be used in an aggregate function", f.Path)}
			}
		}
		for _, o := range q.OrderBy {
			if !names[o.Path] && !grouped[o.Path] {
				return &Error{0, fmt.Sprintf("ORDER BY %q must name a selected field", o.Path)}
			}
		}
	}
	return nil
}
