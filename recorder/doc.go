// Package recorder discovers the resources of an AWS account (or of an
// AWS-compatible endpoint such as moto or LocalStack) through the AWS service
// APIs and turns them into configuration items in the format AWS Config
// records them.
//
// Each supported resource type has a Discoverer in a file of its own. Poll
// runs discoverers with bounded concurrency, hands every item to a Sink
// (the store side, written elsewhere), marks resources that disappeared as
// deleted, and reports per type what happened. Diff computes the
// configurationItemDiff AWS Config puts in its change notifications.
//
// The configuration JSON of every item is deterministic: keys are sorted,
// lists whose order AWS does not define are sorted, and volatile fields
// (counters, last-used times) are left out, so an unchanged resource yields
// byte-identical configuration. docs/ci-formats.md lists, per type, what is
// emitted and which AWS source it follows.
package recorder
