package api

// Input is the input of an operation: it can check itself against the
// constraints of the model.
type Input interface {
	// Validate returns nil or a *configd.Error with code
	// ValidationException describing every violated constraint.
	Validate() error
}

// Operation describes one operation of the AWS Config API.
type Operation struct {
	// Name is the operation name, the part of the X-Amz-Target header after
	// "StarlingDoveService.".
	Name string
	// NewInput returns a new, empty input of the operation, ready to be
	// decoded into. Operations whose model has no input shape get an empty
	// struct whose Validate always succeeds.
	NewInput func() Input
	// NewOutput returns a new, empty output of the operation. It is nil when
	// the model gives the operation no output shape; such an operation
	// answers a successful call with an empty body.
	NewOutput func() any
	// Errors are the AWS exception names the model lists for the operation,
	// in model order. Common errors (ValidationException, throttling,
	// authentication) are not listed unless the model lists them.
	Errors []string
	// Paginator describes how the operation pages its results, or is nil.
	Paginator *Paginator
}

// Paginator describes a paginated operation, from paginators-1.json.
type Paginator struct {
	// InputToken is the input member holding the token of the next page.
	InputToken string
	// OutputToken is the output member holding the token of the next page;
	// the last page leaves it unset.
	OutputToken string
	// LimitKey is the input member holding the page size, or "".
	LimitKey string
	// ResultKeys are the output members holding the paged results.
	ResultKeys []string
	// NonAggregateKeys are output members that are the same on every page
	// rather than collected across pages.
	NonAggregateKeys []string
}
