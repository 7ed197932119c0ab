// Package api holds the wire types of the AWS Config API (JSON 1.1 protocol,
// target prefix StarlingDoveService), the validation of requests against the
// constraints of the service model, and the table of operations.
//
// Most of the package is generated from the botocore model in model/ by
// internal/gen; run `go generate ./api` after changing the model or the
// generator. The hand-written files are doc.go, operation.go, pointer.go,
// timestamp.go and validator.go.
//
// Each structure shape of the model is a struct of the same name. Members are
// fields named after the member with the first letter upper-cased, tagged
// with the exact member name and omitzero: a nil pointer, slice or map and an
// empty string are left out of the JSON, but an empty non-nil slice is
// written as [], as AWS writes empty lists. Strings (enums included) are
// string, numbers and booleans are pointers so that "unset" and "zero" differ,
// timestamps are *Timestamp.
//
// Validate on an operation's input checks required members, string lengths
// (in Unicode code points), list and map sizes, numeric ranges, enums and
// patterns, and reports every violation in one ValidationException worded as
// AWS words it, for example:
//
//	1 validation error detected: Value 'x' at 'configRule.source.owner'
//	failed to satisfy constraint: Member must satisfy enum value set:
//	[CUSTOM_LAMBDA, AWS, CUSTOM_POLICY]
//
// Paths use the member names with the first letter lower-cased, and
// name.N.member (1-based) for list elements, as AWS does. The ResourceType
// enum is not enforced, so that custom resource types recorded by
// PutResourceConfig are accepted wherever a ResourceType is expected.
package api

//go:generate go run ./internal/gen
