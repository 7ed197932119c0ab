package configd

import (
	"context"
	"time"
)

// Document kinds kept in the DocumentStore.
const (
	DocStoredQuery               = "stored-query"
	DocConfigurationAggregator   = "configuration-aggregator"
	DocAggregationAuthorization  = "aggregation-authorization"
	DocPendingAggregationRequest = "pending-aggregation-request"
	DocConformancePack           = "conformance-pack"
)

// Document is a Config object that configd keeps but does not query by its
// fields (stored queries, aggregators, authorizations, conformance packs):
// its body is the JSON of the object, its name unique per kind and scope.
type Document struct {
	Kind      string
	Name      string
	ARN       string
	Body      string // JSON
	UpdatedAt time.Time
}

// DocumentStore keeps Documents.
type DocumentStore interface {
	// GetDocument returns the document, or nil and no error when absent.
	GetDocument(ctx context.Context, scope Scope, kind, name string) (*Document, error)
	// ListDocuments lists the documents of a kind ordered by name, after
	// the name after ("" from the start), at most limit (0: all).
	ListDocuments(ctx context.Context, scope Scope, kind, after string, limit int) ([]*Document, error)
	// PutDocument creates or replaces the document of its kind and name.
	PutDocument(ctx context.Context, scope Scope, d *Document) error
	// DeleteDocument deletes it and reports whether it existed.
	DeleteDocument(ctx context.Context, scope Scope, kind, name string) (bool, error)
	// ListDocumentsAllScopes lists documents of a kind across every scope
	// (aggregation authorizations granted to an account), at most limit.
	ListDocumentsAllScopes(ctx context.Context, kind string, limit int) ([]ScopedDocument, error)
}

// ScopedDocument is a document with its scope.
type ScopedDocument struct {
	Scope    Scope
	Document *Document
}
