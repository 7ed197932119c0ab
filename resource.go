package configd

import (
	"context"
	"time"
)

// Configuration item statuses, as AWS Config's ConfigurationItemStatus.
const (
	CIStatusOK                        = "OK"
	CIStatusResourceDiscovered        = "ResourceDiscovered"
	CIStatusResourceNotRecorded       = "ResourceNotRecorded"
	CIStatusResourceDeleted           = "ResourceDeleted"
	CIStatusResourceDeletedNotRecored = "ResourceDeletedNotRecorded"
)

// CIVersion is the configuration item schema version AWS Config writes.
const CIVersion = "1.3"

// ConfigurationItem is one recorded state of a resource: a version of its
// configuration at a point in time. Its fields are those of AWS Config's
// ConfigurationItem (https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigurationItem.html).
type ConfigurationItem struct {
	Version                    string
	AccountID                  string
	CaptureTime                time.Time
	Status                     string
	StateID                    string // configurationStateId: capture time in epoch milliseconds, as AWS writes it
	MD5Hash                    string // configurationItemMD5Hash
	ARN                        string
	ResourceType               string
	ResourceID                 string
	ResourceName               string
	Region                     string
	AvailabilityZone           string
	ResourceCreationTime       time.Time
	Tags                       map[string]string
	RelatedEvents              []string
	Relationships              []Relationship
	Configuration              string            // JSON text
	SupplementaryConfiguration map[string]string // values are JSON text
	RecordingFrequency         string            // CONTINUOUS or DAILY
	DeliveryTime               time.Time         // configurationItemDeliveryTime; zero when not delivered
	SchemaVersionID            string            // for custom resource types put with PutResourceConfig
}

// Relationship links a configuration item to another resource.
type Relationship struct {
	ResourceType     string
	ResourceID       string
	ResourceName     string
	RelationshipName string
}

// ResourceKey identifies a resource in a scope.
type ResourceKey struct {
	ResourceType string
	ResourceID   string
}

// DiscoveredResource is one row of the inventory: the latest known state of a
// resource.
type DiscoveredResource struct {
	ResourceType string
	ResourceID   string
	ResourceName string
	// DeletionTime is set when the latest CI has status ResourceDeleted.
	DeletionTime time.Time
}

// ResourceFilter selects resources of the inventory.
type ResourceFilter struct {
	ResourceType   string   // required
	ResourceIDs    []string // any of these; empty means all
	ResourceName   string   // exact name; empty means any
	IncludeDeleted bool
}

// HistoryQuery selects configuration items of one resource.
type HistoryQuery struct {
	Key ResourceKey
	// Earlier is the oldest capture time included (capture >= Earlier) and
	// Later the newest (capture <= Later), as AWS's earlierTime/laterTime;
	// zero means unbounded.
	Earlier, Later time.Time
	// Chronological lists oldest first; AWS's default is reverse chronological.
	Chronological bool
	// After is the cursor of the last item of the previous page (its sequence number); 0 starts.
	After int64
	Limit int
}

// StoredItem is a configuration item with its store sequence number, which
// orders a resource's history and serves as a pagination cursor.
type StoredItem struct {
	Seq  int64
	Item ConfigurationItem
}

// ResourceCount is the number of (non-deleted) resources of one type.
type ResourceCount struct {
	ResourceType string
	Count        int64
}

// ResourceStore keeps configuration items: the full history of each resource
// and the inventory of their latest states. Methods are called inside a
// transaction (see Store).
type ResourceStore interface {
	// LatestItem returns the newest configuration item of the resource, or a
	// *Error with code ErrResourceNotDiscovered when there is none.
	LatestItem(ctx context.Context, scope Scope, key ResourceKey) (*StoredItem, error)
	// LatestItems returns the newest configuration item of each of keys that
	// has one, in the order of keys (a key given twice gives its item twice),
	// in one query whatever the number of keys. Keys without items are left
	// out, without an error; a deleted resource's latest item (its deletion)
	// is returned as any other.
	LatestItems(ctx context.Context, scope Scope, keys []ResourceKey) ([]*StoredItem, error)
	// AppendItem adds ci as the newest version of its resource and updates
	// the inventory. It returns the new item's sequence number.
	AppendItem(ctx context.Context, scope Scope, ci *ConfigurationItem) (int64, error)
	// History lists items of one resource by q; it returns at most q.Limit items.
	History(ctx context.Context, scope Scope, q HistoryQuery) ([]StoredItem, error)
	// ListResources lists inventory rows matching f in (type, id) order,
	// starting after the id afterID, at most limit rows.
	ListResources(ctx context.Context, scope Scope, f ResourceFilter, afterID string, limit int) ([]DiscoveredResource, error)
	// CountResources counts non-deleted resources by type, for the types
	// given (all types when empty), ordered by type.
	CountResources(ctx context.Context, scope Scope, types []string) ([]ResourceCount, error)
	// PruneHistory deletes configuration items captured before cutoff, except
	// the latest item of each resource. It returns how many were deleted.
	PruneHistory(ctx context.Context, scope Scope, cutoff time.Time) (int64, error)
}
