// Package configd holds the domain of configd, a self-hosted implementation of
// AWS Config: the types it records and evaluates, the errors it returns, and
// the interfaces of its store. It imports only the standard library; the
// adapters (the AWS JSON edge, the SQLite and PostgreSQL stores, the recorder,
// the evaluator, the remediation engine) import it, and only cmd/ wires them
// together.
package configd

import (
	"regexp"
	"time"
)

// DefaultAccountID is the account used when none is given, as in moto and
// LocalStack.
const DefaultAccountID = "000000000000"

// DefaultRegion is the region used when a request names none.
const DefaultRegion = "us-east-1"

// Scope names the account and region that own a piece of data. Every stored
// object belongs to exactly one scope, and no operation crosses scopes.
type Scope struct {
	AccountID string
	Region    string
}

// String returns "account/region".
func (s Scope) String() string { return s.AccountID + "/" + s.Region }

// Partition returns the ARN partition of the scope's region.
func (s Scope) Partition() string {
	switch {
	case len(s.Region) >= 3 && s.Region[:3] == "cn-":
		return "aws-cn"
	case len(s.Region) >= 7 && s.Region[:7] == "us-gov-":
		return "aws-us-gov"
	}
	return "aws"
}

// ARN builds an ARN in the scope: arn:<partition>:<service>:<region>:<account>:<resource>.
// Global services (iam) get an empty region.
func (s Scope) ARN(service, resource string) string {
	region := s.Region
	if service == "iam" || service == "s3" {
		region = ""
	}
	account := s.AccountID
	if service == "s3" {
		account = ""
	}
	return "arn:" + s.Partition() + ":" + service + ":" + region + ":" + account + ":" + resource
}

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// ValidAccountID reports whether id is a 12-digit AWS account id.
func ValidAccountID(id string) bool { return accountIDPattern.MatchString(id) }

// Clock tells the time. Services take a Clock so that tests control time.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// SystemClock is the wall clock, truncated to milliseconds as AWS timestamps are.
var SystemClock Clock = ClockFunc(func() time.Time { return time.Now().UTC().Truncate(time.Millisecond) })
