package recorder

import (
	"context"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/configd/configd"
)

// Discoverer lists every resource of one AWS resource type and emits one
// configuration item per resource.
//
// Discover reads the account through service clients built from cfg (whose
// region, endpoint and credentials the caller sets) and calls emit once per
// resource, page by page, so that no more than a page of resources is held in
// memory beyond what emit keeps. The items it emits carry the resource fields
// (type, id, name, ARN, region, availability zone, creation time, tags,
// relationships, configuration and supplementary configuration); the caller
// sets the capture time, status, account and version. An error from emit
// stops discovery and is returned as is. Any other error means discovery did
// not complete; it wraps the SDK error so that its AWS error code can be
// read with errors.As.
type Discoverer interface {
	// ResourceType is the AWS Config resource type, e.g. "AWS::S3::Bucket".
	ResourceType() string
	// Global reports whether the type is global (IAM): recorded with region
	// "global" rather than the scope's region.
	Global() bool
	// Discover emits one item per resource of the type in scope.
	Discover(ctx context.Context, cfg aws.Config, scope configd.Scope, emit func(*configd.ConfigurationItem) error) error
}

// GlobalRegion is the awsRegion AWS Config records for global resource types
// such as IAM users and roles.
const GlobalRegion = "global"

// registry holds the supported discoverers; every file adds its own.
var registry = map[string]Discoverer{}

func register(d Discoverer) {
	if _, dup := registry[d.ResourceType()]; dup {
		panic("recorder: duplicate discoverer for " + d.ResourceType())
	}
	registry[d.ResourceType()] = d
}

// All returns every supported discoverer, ordered by resource type.
func All() []Discoverer {
	out := make([]Discoverer, 0, len(registry))
	for _, d := range registry {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ResourceType() < out[j].ResourceType() })
	return out
}

// Lookup returns the discoverer of resourceType, or false if the type is not
// supported.
func Lookup(resourceType string) (Discoverer, bool) {
	d, ok := registry[resourceType]
	return d, ok
}

// SupportedTypes returns the supported resource types in order.
func SupportedTypes() []string {
	all := All()
	out := make([]string, len(all))
	for i, d := range all {
		out[i] = d.ResourceType()
	}
	return out
}

// emitEach emits the items build makes of the n elements of a page of a
// listing, in order; build returns nil for an element whose resource
// vanished between the listing and its reads, which is skipped.
func emitEach(n int, build func(i int) (*configd.ConfigurationItem, error), emit func(*configd.ConfigurationItem) error) error {
	for i := range n {
		ci, err := build(i)
		if err != nil {
			return err
		}
		if ci == nil {
			continue
		}
		if err := emit(ci); err != nil {
			return err
		}
	}
	return nil
}
