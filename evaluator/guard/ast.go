package guard

// Policy is a parsed Guard policy. It is immutable after Parse and may be
// evaluated concurrently.
type Policy struct {
	lets   []*letExpr // file-level assignments
	rules  []*rule    // in text order; the default rule, if any, first
	byName map[string][]int
}

// RuleNames returns the names of the policy's rules in evaluation order.
func (p *Policy) RuleNames() []string {
	names := make([]string, len(p.rules))
	for i, r := range p.rules {
		names[i] = r.name
	}
	return names
}

// defaultRuleName names the rule that collects clauses written outside any
// named rule, as Guard does.
const defaultRuleName = "default"

type rule struct {
	name  string
	when  [][]clause // nil when the rule has no conditions
	block block
}

// block is a list of assignments and a conjunction of disjunctions.
type block struct {
	lets []*letExpr
	conj [][]clause
}

type letExpr struct {
	name string
	lit  any    // the value when q is nil
	q    *query // the query when the value is not a literal
	line int
	col  int
}

// clause is one of *accessClause, *ruleRef, *blockClause, *whenBlock and
// *typeBlock.
type clause interface{ isClause() }

type opKind uint8

const (
	opEq opKind = iota
	opIn
	opLt
	opLe
	opGt
	opGe
	opExists
	opEmpty
	opIsString
	opIsList
	opIsStruct
	opIsBool
	opIsInt
	opIsFloat
	opIsNull
)

func (o opKind) unary() bool { return o >= opExists }

// accessClause is "query operator [value]".
type accessClause struct {
	q     *query
	neg   bool // leading NOT / !
	op    opKind
	opNot bool // !=, NOT IN, NOT EXISTS, ...
	rhs   *operand
	msg   string // custom message, trimmed; empty when none
	text  string // the clause as written, whitespace collapsed, for generated messages
}

// operand is the right-hand side of a binary clause: a literal or a query.
type operand struct {
	lit any
	q   *query // nil for a literal
}

// ruleRef is a reference to a named rule, possibly negated.
type ruleRef struct {
	name string
	neg  bool
	msg  string
}

// blockClause is "query { clauses }": every value of the query must satisfy
// the block (at least one with SOME).
type blockClause struct {
	q        *query
	notEmpty bool // "query !empty { ... }": no values is FAIL rather than SKIP
	block    block
}

// whenBlock is "when conditions { clauses }".
type whenBlock struct {
	when  [][]clause
	block block
}

// typeBlock is "AWS::Service::Type [when conditions] { clauses }".
type typeBlock struct {
	typeName string
	when     [][]clause
	block    block
	cfnQuery *query // Resources.*[ Type == typeName ], for CloudFormation templates
}

func (*accessClause) isClause() {}
func (*ruleRef) isClause()      {}
func (*blockClause) isClause()  {}
func (*whenBlock) isClause()    {}
func (*typeBlock) isClause()    {}

// query is a dotted access path.
type query struct {
	parts    []qpart
	matchAll bool // false when the query starts with SOME
	bare     bool // a lone identifier, which may also name a rule
	text     string
}

type partKind uint8

const (
	partKey        partKind = iota // .name or ['name']
	partVar                        // %name as the first part
	partVarKey                     // .%name: the keys held by a variable
	partIndex                      // [n] or .n
	partAllValues                  // .* (capture name optional)
	partAllIndices                 // [*] or [name] (capture name optional)
	partFilter                     // [ clauses ] (capture name optional)
	partKeyFilter                  // [ keys == value ]
	partThis                       // this
)

type qpart struct {
	kind  partKind
	name  string // key, variable or capture name
	index int    // partIndex; partKey when keyIsIndex
	// keyIsIndex marks a partKey whose name is an integer: Guard uses it as a
	// list index.
	keyIsIndex bool
	// partFilter
	filter [][]clause
	// partKeyFilter
	keyOp    opKind // opEq or opIn
	keyOpNot bool
	keyRHS   *operand
}
