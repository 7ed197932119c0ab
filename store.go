package configd

import "context"

// Store is configd's durable state. Every read and write runs in a
// transaction: Write transactions are serializable with respect to each
// other (SQLite has one writer; PostgreSQL uses Tx.Lock to serialize
// read-check-write sequences on one key across processes). All state lives in
// the store, never only in a process's memory, so several configd processes
// can share one database.
type Store interface {
	// Read runs fn in a read-only transaction.
	Read(ctx context.Context, fn func(Tx) error) error
	// Write runs fn in a read-write transaction and commits it if fn returns
	// nil; a commit that returns nil is durable. fn may be called again if the
	// database asks for a retry (serialization failure), so it must not have
	// side effects outside tx.
	Write(ctx context.Context, fn func(Tx) error) error
	// Ping reports whether the database is reachable.
	Ping(ctx context.Context) error
	// Reset deletes all data of every scope (moto-api/reset), keeping metadata.
	Reset(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// Tx is one transaction of a Store.
type Tx interface {
	// Lock serializes, until the transaction ends, every write transaction
	// that locks the same scope and name, across processes. SQLite's single
	// writer makes it a no-op there.
	Lock(ctx context.Context, scope Scope, name string) error

	// Meta returns the value stored under key, or "" and no error if absent.
	Meta(ctx context.Context, key string) (string, error)
	// SetMetaIfAbsent stores value under key unless key exists, and returns
	// the value now stored.
	SetMetaIfAbsent(ctx context.Context, key, value string) (string, error)
	// SetMeta stores value under key, replacing any value.
	SetMeta(ctx context.Context, key, value string) error

	// Scopes lists every scope that holds data, for background services.
	Scopes(ctx context.Context) ([]Scope, error)

	RecorderStore
	DeliveryChannelStore
	RetentionStore
	ResourceStore
	TagStore
	RuleStore
	JobStore
	RemediationStore
	DocumentStore
}
