package guard

import "strings"

// parseFile parses a whole policy: assignments, named rules and clauses
// outside any rule, which Guard gathers into a rule named "default".
func (p *parser) parseFile() *Policy {
	pol := &Policy{byName: map[string][]int{}}
	var def *rule
	lets := map[string]bool{}
	for {
		p.skipWS()
		if p.eof() || p.err != nil {
			break
		}
		switch {
		case p.atKeyword("let"):
			if l := p.parseLet(lets); l != nil {
				pol.lets = append(pol.lets, l)
			}
		case p.atKeyword("rule"):
			if r := p.parseRule(); r != nil {
				pol.rules = append(pol.rules, r)
			}
		default:
			d := p.parseDisjunction(ctxTop)
			if p.err != nil {
				break
			}
			if def == nil {
				def = &rule{name: defaultRuleName}
			}
			def.block.conj = append(def.block.conj, d)
		}
	}
	if p.err != nil {
		return nil
	}
	if def != nil {
		pol.rules = append([]*rule{def}, pol.rules...)
	}
	for i, r := range pol.rules {
		pol.byName[r.name] = append(pol.byName[r.name], i)
	}
	return pol
}

// parseLet parses "let name = value" or "let name := query". seen holds the
// names already assigned in the same scope: assigning one twice is an error.
func (p *parser) parseLet(seen map[string]bool) *letExpr {
	start := p.pos
	p.pos += len("let")
	p.skipWS()
	nameAt := p.pos
	name, ok := p.ident()
	if !ok {
		p.fail("expected a variable name after let")
		return nil
	}
	if seen[name] {
		p.failAt(nameAt, "variable %s is assigned twice in the same scope", name)
		return nil
	}
	seen[name] = true
	p.skipWS()
	switch r := p.rest(); {
	case strings.HasPrefix(r, ":="):
		p.pos += 2
	case strings.HasPrefix(r, "=") && !strings.HasPrefix(r, "=="):
		p.pos++
	default:
		p.fail("expected = or := after let %s", name)
		return nil
	}
	l := &letExpr{name: name}
	l.line, l.col = position(p.src, start)
	if v, ok := p.parseValue(); ok {
		l.lit = v
		return l
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
			p.fail("expected a value or a query after let %s =", name)
		}
		return nil
	}
	l.q = q
	return l
}

// parseRule parses "rule name [when conditions] { ... }".
func (p *parser) parseRule() *rule {
	p.pos += len("rule")
	p.skipWS()
	name, ok := p.ident()
	if !ok {
		p.fail("expected a rule name")
		return nil
	}
	if p.peek() == '(' {
		p.fail("parameterized rules are not supported")
		return nil
	}
	r := &rule{name: name}
	save := p.pos
	p.skipWS()
	if p.atKeyword("when") || p.atKeyword("WHEN") {
		r.when = p.parseWhenConditions()
	} else {
		p.pos = save
	}
	if p.err != nil {
		return nil
	}
	r.block = p.parseBlock(ctxRuleBody)
	if p.err != nil {
		return nil
	}
	return r
}

// parseWhenConditions parses "when" and the conditions up to the '{' of the
// block they guard.
func (p *parser) parseWhenConditions() [][]clause {
	p.pos += len("when")
	p.skipWS()
	return p.parseConj(ctxWhen, '{')
}

// parseBlock parses "{ assignments and clauses }".
func (p *parser) parseBlock(ctx clauseCtx) block {
	var b block
	p.skipWS()
	if p.peek() != '{' {
		p.fail("expected {")
		return b
	}
	open := p.pos
	if !p.enter() {
		return b
	}
	defer p.leave()
	p.pos++
	lets := map[string]bool{}
	for p.err == nil {
		p.skipWS()
		if p.eof() {
			p.failAt(open, "block has no closing }")
			return b
		}
		if p.peek() == '}' {
			p.pos++
			if len(b.lets) == 0 && len(b.conj) == 0 {
				p.failAt(open, "empty block")
			}
			return b
		}
		if p.atKeyword("let") {
			if l := p.parseLet(lets); l != nil {
				b.lets = append(b.lets, l)
			}
			continue
		}
		d := p.parseDisjunction(ctx)
		if p.err == nil {
			b.conj = append(b.conj, d)
		}
	}
	return b
}

// parseConj parses disjunctions up to (not including) the terminator byte.
func (p *parser) parseConj(ctx clauseCtx, term byte) [][]clause {
	var conj [][]clause
	for p.err == nil {
		p.skipWS()
		if p.eof() {
			p.fail("expected %c", term)
			return nil
		}
		if p.peek() == term {
			if len(conj) == 0 {
				p.fail("expected at least one clause before %c", term)
				return nil
			}
			return conj
		}
		d := p.parseDisjunction(ctx)
		if p.err == nil {
			conj = append(conj, d)
		}
	}
	return nil
}

// parseDisjunction parses clause { or clause }.
func (p *parser) parseDisjunction(ctx clauseCtx) []clause {
	c := p.parseClause(ctx)
	if p.err != nil {
		return nil
	}
	d := []clause{c}
	for {
		save := p.pos
		p.skipWS()
		if !p.matchOr() {
			p.pos = save
			return d
		}
		c := p.parseClause(ctx)
		if p.err != nil {
			return nil
		}
		d = append(d, c)
	}
}

// matchOr consumes "or", "OR" or "|OR|" followed by white space.
func (p *parser) matchOr() bool {
	for _, w := range []string{"or", "OR", "|OR|"} {
		if p.atKeyword(w) && len(p.rest()) > len(w) {
			p.pos += len(w)
			p.skipWS()
			return true
		}
	}
	return false
}

// parseClause parses one clause of a conjunction.
func (p *parser) parseClause(ctx clauseCtx) clause {
	p.skipWS()
	start := p.pos
	if ctx.blockClauses && (p.atKeyword("when") || p.atKeyword("WHEN")) {
		w := &whenBlock{when: p.parseWhenConditions()}
		if p.err != nil {
			return nil
		}
		w.block = p.parseBlock(ctxBody)
		return w
	}
	if ctx.typeBlocks && p.atTypeName() {
		return p.parseTypeBlock()
	}
	neg := p.parseNot()
	if p.atCall() {
		p.fail("parameterized rules and built-in functions are not supported")
		return nil
	}
	q, ok := p.parseAccess()
	if !ok {
		if p.err == nil {
			p.fail("expected a clause")
		}
		return nil
	}
	afterQuery := p.pos
	p.skipWS()
	opAt := p.pos
	if op, opNot, ok := p.parseOperator(); ok {
		c := &accessClause{q: q, neg: neg, op: op, opNot: opNot}
		if op.unary() {
			if op == opEmpty && opNot && !neg && ctx.blockClauses {
				save := p.pos
				p.skipWS()
				if p.peek() == '{' {
					return &blockClause{q: q, notEmpty: true, block: p.parseBlock(ctxBody)}
				}
				p.pos = save
			}
		} else {
			p.skipWS()
			if c.rhs = p.parseOperand(); c.rhs == nil {
				return nil
			}
		}
		c.text = collapse(p.src[start:p.pos])
		c.msg = p.parseMessage()
		return c
	}
	p.pos = afterQuery
	if ctx.blockClauses && !neg {
		p.skipWS()
		if p.peek() == '{' {
			return &blockClause{q: q, block: p.parseBlock(ctxBody)}
		}
		p.pos = afterQuery
	}
	if ctx.ruleRefs && q.bare {
		r := &ruleRef{name: q.parts[0].name, neg: neg}
		save := p.pos
		p.skipBlanks()
		if strings.HasPrefix(p.rest(), "<<") {
			r.msg = p.parseMessage()
		} else {
			p.pos = save
		}
		return r
	}
	p.failAt(opAt, "expected an operator (==, !=, <, <=, >, >=, IN, EXISTS, EMPTY, IS_STRING, ...) after %s", q.text)
	return nil
}

// atTypeName reports whether a resource type name such as AWS::S3::Bucket
// starts here.
func (p *parser) atTypeName() bool {
	save := p.pos
	defer func() { p.pos = save }()
	if _, ok := p.ident(); !ok || !strings.HasPrefix(p.rest(), "::") {
		return false
	}
	p.pos += 2
	_, ok := p.ident()
	return ok
}

// typeName parses Provider::Service[::Type][::MODULE].
func (p *parser) typeName() string {
	start := p.pos
	p.ident()
	for i := 0; i < 2 && strings.HasPrefix(p.rest(), "::"); i++ {
		save := p.pos
		p.pos += 2
		if _, ok := p.ident(); !ok {
			p.pos = save
			break
		}
	}
	name := p.src[start:p.pos]
	if strings.HasPrefix(p.rest(), "::MODULE") {
		p.pos += len("::MODULE")
	}
	return name
}

// parseTypeBlock parses "Type::Name [when conditions] { ... }" or
// "Type::Name clause".
func (p *parser) parseTypeBlock() clause {
	tb := &typeBlock{typeName: p.typeName()}
	if !p.eof() && !isSpace(p.peek()) && p.peek() != '#' {
		p.fail("expected white space after %s", tb.typeName)
		return nil
	}
	p.skipWS()
	if p.atKeyword("when") || p.atKeyword("WHEN") {
		tb.when = p.parseWhenConditions()
		if p.err != nil {
			return nil
		}
	}
	p.skipWS()
	if p.peek() == '{' || tb.when != nil {
		tb.block = p.parseBlock(ctxBody)
	} else {
		c := p.parseClause(ctxFilter)
		if p.err != nil {
			return nil
		}
		tb.block.conj = [][]clause{{c}}
	}
	tb.cfnQuery = &query{matchAll: true, text: "Resources.*[ Type == \"" + tb.typeName + "\" ]", parts: []qpart{
		{kind: partKey, name: "Resources"},
		{kind: partAllValues},
		{kind: partFilter, filter: [][]clause{{&accessClause{
			q:    &query{matchAll: true, parts: []qpart{{kind: partKey, name: "Type"}}, text: "Type"},
			op:   opEq,
			rhs:  &operand{lit: tb.typeName},
			text: "Type == \"" + tb.typeName + "\"",
		}}}},
	}}
	return tb
}
