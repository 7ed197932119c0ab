// Package guard implements the AWS CloudFormation Guard 2.x policy language,
// as AWS Config evaluates it for custom policy rules (Owner CUSTOM_POLICY,
// PolicyRuntime guard-2.x.x): a parser that turns policy text into a
// [Policy], and an evaluator that checks a decoded JSON document (a
// configuration item) against it and returns a [Report].
//
// The language is described in the Guard user guide
// (https://docs.aws.amazon.com/cfn-guard/latest/ug/writing-rules.html) and its
// query semantics in
// https://docs.aws.amazon.com/cfn-guard/latest/ug/query-and-filtering.html.
// This package follows the reference implementation's behaviour where the
// guide is silent:
//
//   - A query returns a list of values. A part that cannot be traversed (a
//     missing key, an index out of range, [*] or .* over an empty collection)
//     yields an "unresolved" value, and every clause fails on an unresolved
//     value except EXISTS negated, EMPTY, and the NOT forms of the type checks.
//   - A filter ([ ... ]) that selects nothing yields no values at all, and a
//     clause over no values is SKIP (EMPTY on a filter or a bare variable is the
//     exception: it is PASS for no values, and !EMPTY is FAIL).
//   - A clause holds when it holds for every value of its query, or for at
//     least one value when the query starts with SOME.
//   - Newline-separated clauses are a conjunction, OR joins disjunctions, and a
//     conjunction of only skipped clauses is SKIP. A rule whose WHEN conditions
//     are not PASS is SKIP. The file's status is FAIL if any rule failed, PASS if
//     any passed, and SKIP otherwise.
//
// Type blocks (AWS::S3::Bucket { ... }) select, in a CloudFormation template
// (a document with a Resources map), every resource whose Type is the named
// type, as Guard does. A configuration item has no Resources map: there the
// block applies to the whole document when its resourceType is the named type,
// and is SKIP otherwise, so the same policy reads naturally for AWS Config.
//
// Not supported: parameterized rules and built-in functions (count,
// json_parse, regex_replace, ...), which are rejected at parse time; regular
// expressions use Go's RE2 syntax, so lookaround and backreferences are
// rejected at parse time too.
//
// Policies are safe to evaluate on untrusted input: parsing bounds nesting
// depth and regular expression size, evaluation is bounded by a step budget and
// detects cyclic rule and variable references, and a *Policy may be evaluated
// from many goroutines at once.
package guard
