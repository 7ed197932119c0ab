// Package managedrule evaluates AWS managed Config rules natively, without
// the Lambda functions AWS runs them on.
//
// It holds two things:
//
//   - the catalogue of every AWS managed rule (identifier, parameters with
//     their types, optional flags and defaults, trigger types and resource
//     types), converted from the copy moto ships and embedded as
//     catalog.json; Lookup reads it and ValidateParameters checks the
//     InputParameters of a PutConfigRule request against it;
//   - native implementations of a subset of the rules (Implemented, Get),
//     each following the logic, parameters and annotations documented in the
//     AWS Config developer guide
//     (https://docs.aws.amazon.com/config/latest/developerguide/managed-rules-by-aws-config.html).
//
// Rules read configuration items in AWS Config's own format: Configuration is
// the JSON AWS Config records for the resource type, and supplementary
// configuration values are JSON text. A rule never calls AWS.
package managedrule

//go:generate go run ./internal/gen -out catalog.json
