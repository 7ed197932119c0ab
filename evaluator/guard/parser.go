package guard

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// SyntaxError reports policy text that is not valid Guard. Line and Column
// are 1-based; Column counts runes.
type SyntaxError struct {
	Line   int
	Column int
	Msg    string
}

// Error returns the message with its position.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("guard: line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Limits that keep parsing and evaluation of untrusted policies bounded.
const (
	// MaxPolicyLength is the longest policy text Parse accepts, in bytes.
	MaxPolicyLength = 1 << 20
	// maxNesting bounds nested blocks, filters and list or map literals.
	maxNesting = 64
	// maxRegexLength bounds the source of one regular expression literal.
	maxRegexLength = 4096
)

// Parse parses Guard policy text. A policy that is not valid Guard returns a
// *SyntaxError. Parameterized rules and built-in functions are rejected as
// unsupported.
func Parse(policy string) (*Policy, error) {
	if len(policy) > MaxPolicyLength {
		return nil, &SyntaxError{Line: 1, Column: 1, Msg: fmt.Sprintf("policy is longer than %d bytes", MaxPolicyLength)}
	}
	p := &parser{src: policy}
	if !utf8.ValidString(policy) {
		for i := 0; i < len(policy); {
			r, n := utf8.DecodeRuneInString(policy[i:])
			if r == utf8.RuneError && n == 1 {
				p.failAt(i, "policy is not valid UTF-8")
				return nil, p.err
			}
			i += n
		}
	}
	pol := p.parseFile()
	if p.err != nil {
		return nil, p.err
	}
	return pol, nil
}

type parser struct {
	src   string
	pos   int
	depth int
	err   *SyntaxError
}

// clauseCtx says which kinds of clause a position accepts.
type clauseCtx struct {
	ruleRefs     bool // bare rule names
	blockClauses bool // "query { ... }" and "when ... { ... }"
	typeBlocks   bool // "AWS::S3::Bucket ..."
}

var (
	ctxTop      = clauseCtx{blockClauses: true, typeBlocks: true}
	ctxRuleBody = clauseCtx{ruleRefs: true, blockClauses: true, typeBlocks: true}
	ctxBody     = clauseCtx{ruleRefs: true, blockClauses: true}
	ctxWhen     = clauseCtx{ruleRefs: true}
	ctxFilter   = clauseCtx{blockClauses: true}
)

func (p *parser) failAt(pos int, format string, args ...any) {
	if p.err != nil {
		return
	}
	line, col := position(p.src, pos)
	p.err = &SyntaxError{Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) fail(format string, args ...any) { p.failAt(p.pos, format, args...) }

// position converts a byte offset to a 1-based line and rune column.
func position(src string, pos int) (line, col int) {
	if pos > len(src) {
		pos = len(src)
	}
	line, col = 1, 1
	for _, r := range src[:pos] {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// enter counts one level of nesting and fails past maxNesting.
func (p *parser) enter() bool {
	p.depth++
	if p.depth > maxNesting {
		p.fail("nesting is deeper than %d levels", maxNesting)
		return false
	}
	return true
}

func (p *parser) leave() { p.depth-- }

func (p *parser) eof() bool    { return p.pos >= len(p.src) }
func (p *parser) rest() string { return p.src[p.pos:] }

func (p *parser) peek() byte {
	if p.pos >= len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

// skipWS skips blanks, newlines and # comments.
func (p *parser) skipWS() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\r', '\n', '\f', '\v':
			p.pos++
		case '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

// skipBlanks skips spaces and tabs only.
func (p *parser) skipBlanks() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// identCharAt reports whether an identifier continues at byte offset i of s,
// and the width of that character.
func identCharAt(s string, i int) (bool, int) {
	if i >= len(s) {
		return false, 0
	}
	c := s[i]
	if c < utf8.RuneSelf {
		return isLetter(c) || isDigit(c) || c == '_', 1
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	return isUnicodeAlnum(r), n
}

// atKeyword reports whether the text continues with the keyword w followed by
// white space or a comment.
func (p *parser) atKeyword(w string) bool {
	r := p.rest()
	if !strings.HasPrefix(r, w) {
		return false
	}
	if len(r) == len(w) {
		return true
	}
	return isSpace(r[len(w)]) || r[len(w)] == '#'
}

// matchWord consumes w when it is not followed by an identifier character.
func (p *parser) matchWord(w string) bool {
	r := p.rest()
	if !strings.HasPrefix(r, w) {
		return false
	}
	if ok, _ := identCharAt(r, len(w)); ok {
		return false
	}
	p.pos += len(w)
	return true
}

// ident consumes an identifier: a letter followed by letters, digits and
// underscores.
func (p *parser) ident() (string, bool) {
	if p.eof() || !isLetter(p.src[p.pos]) {
		return "", false
	}
	start := p.pos
	p.pos++
	for {
		ok, n := identCharAt(p.src, p.pos)
		if !ok {
			break
		}
		p.pos += n
	}
	return p.src[start:p.pos], true
}

// atCall reports whether an identifier immediately followed by '(' starts at
// the current position: a function or parameterized rule call.
func (p *parser) atCall() bool {
	save := p.pos
	defer func() { p.pos = save }()
	if _, ok := p.ident(); !ok {
		return false
	}
	return p.peek() == '('
}

// parseNot consumes a negation: "not" or "NOT" followed by blanks, or "!".
func (p *parser) parseNot() bool {
	r := p.rest()
	if (strings.HasPrefix(r, "not") || strings.HasPrefix(r, "NOT")) && len(r) > 3 && (r[3] == ' ' || r[3] == '\t') {
		p.pos += 3
		p.skipBlanks()
		return true
	}
	if strings.HasPrefix(r, "!") && !strings.HasPrefix(r, "!=") {
		p.pos++
		p.skipBlanks()
		return true
	}
	return false
}

var opKeywords = []struct {
	lower, upper string
	op           opKind
}{
	{"in", "IN", opIn},
	{"exists", "EXISTS", opExists},
	{"empty", "EMPTY", opEmpty},
	{"is_string", "IS_STRING", opIsString},
	{"is_list", "IS_LIST", opIsList},
	{"is_struct", "IS_STRUCT", opIsStruct},
	{"is_bool", "IS_BOOL", opIsBool},
	{"is_int", "IS_INT", opIsInt},
	{"is_float", "IS_FLOAT", opIsFloat},
	{"is_null", "IS_NULL", opIsNull},
}

// parseOperator consumes a comparison operator.
func (p *parser) parseOperator() (op opKind, not bool, ok bool) {
	r := p.rest()
	switch {
	case strings.HasPrefix(r, "=="):
		p.pos += 2
		return opEq, false, true
	case strings.HasPrefix(r, "!="):
		p.pos += 2
		return opEq, true, true
	case strings.HasPrefix(r, ">="):
		p.pos += 2
		return opGe, false, true
	case strings.HasPrefix(r, "<="):
		p.pos += 2
		return opLe, false, true
	case strings.HasPrefix(r, "<<"):
		return 0, false, false
	case strings.HasPrefix(r, ">"):
		p.pos++
		return opGt, false, true
	case strings.HasPrefix(r, "<"):
		p.pos++
		return opLt, false, true
	}
	save := p.pos
	not = p.parseNot()
	for _, kw := range opKeywords {
		if p.matchWord(kw.lower) || p.matchWord(kw.upper) {
			return kw.op, not, true
		}
	}
	p.pos = save
	return 0, false, false
}

// parseMessage consumes an optional custom message "<< ... >>" after white
// space and returns its trimmed text.
func (p *parser) parseMessage() string {
	save := p.pos
	p.skipWS()
	if !strings.HasPrefix(p.rest(), "<<") {
		p.pos = save
		return ""
	}
	start := p.pos
	end := strings.Index(p.src[p.pos+2:], ">>")
	if end < 0 {
		p.failAt(start, "custom message has no closing >>")
		return ""
	}
	msg := strings.TrimSpace(p.src[p.pos+2 : p.pos+2+end])
	p.pos += 2 + end + 2
	return msg
}

// collapse returns s with runs of white space replaced by one space, cut to a
// length that reads well in a message.
func collapse(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 160
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max-3]) + "..."
	}
	return s
}
