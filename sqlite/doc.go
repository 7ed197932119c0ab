// Package sqlite is configd's embedded store: a configd.Store in one SQLite
// database file, through the pure-Go driver modernc.org/sqlite (no cgo).
//
// # Schema
//
// The schema is created and upgraded by the numbered files in migrations/,
// applied in order at Open, each in its own transaction; schema_migrations
// records the applied versions, and a file whose version is higher than the
// newest migration this build knows is refused.
//
// Every scoped table leads its primary key with (account_id, region), so no
// statement can reach another scope's rows by accident. Timestamps are
// INTEGER epoch milliseconds (UTC); objects that no query looks into are JSON
// text in a body column (see codec.go for their field names):
//
//	recorders, delivery_channels, retention_configurations
//	                     (scope, name) -> body
//	tags                 (scope, arn, key) -> value
//	meta                 key -> value; not scoped, kept by Reset
//	configuration_items  the history: one row per version of a resource,
//	                     seq INTEGER PRIMARY KEY AUTOINCREMENT (never reused),
//	                     scope, resource_type, resource_id, capture_time,
//	                     item (the binary form of internal/itemcodec: the
//	                     configuration is kept raw, not as a JSON string);
//	                     indexed by (scope, type, id, seq, capture_time) for
//	                     History and LatestItem and by (scope, capture_time)
//	                     for PruneHistory
//	resources            the inventory: one row per resource with its name,
//	                     latest_seq and deletion_time (NULL while it exists);
//	                     primary key (scope, type, id), and an index on
//	                     (scope, type, name, id) for name filters
//	resource_types       per scope and type, the number of resources not
//	                     deleted, so that CountResources and Scopes read a
//	                     few rows whatever the size of the inventory
//
//	config_rules         (scope, name) -> body
//	rule_status          (scope, name) -> next_run, body; a partial index on
//	                     next_run serves DueRules across scopes
//	evaluation_results   (scope, rule, type, id) -> compliance_type, body;
//	                     indexed by (scope, rule, compliance, type, id) and
//	                     by (scope, id, type, rule)
//	compliance_counts    (scope, rule, type, compliance) -> n, the number of
//	                     evaluation_results rows, kept by the statements that
//	                     write them, so that CountCompliance and the listing
//	                     of the rules that have results read a few rows
//	jobs                 the durable queue, id AUTOINCREMENT; a partial
//	                     unique index on (kind, scope, key) of the jobs that
//	                     no worker holds makes EnqueueJob coalesce
//	leases               name -> owner, lease_until; not scoped, kept by Reset
//	remediation_configurations
//	                     (scope, rule) -> body
//	remediation_exceptions
//	                     (scope, rule, type, id) -> expiration_time, body; a
//	                     partial index on expiration_time serves the expiry
//	                     across scopes
//	remediation_executions
//	                     seq AUTOINCREMENT orders them; (scope, id) unique;
//	                     the per-resource guard is a partial UNIQUE index on
//	                     (scope, rule, type, id) WHERE state IN ('QUEUED',
//	                     'IN_PROGRESS'), so a second active execution fails
//	                     in the database, whatever the number of processes;
//	                     a partial index on run_at of active executions
//	                     serves ClaimExecutions
//
// AppendItem inserts the history row and updates resources and
// resource_types in the caller's transaction, so the inventory never
// disagrees with the history. PruneHistory deletes old history rows except
// those a resources row points at.
//
// # Transactions
//
// The database runs in WAL mode with synchronous=NORMAL. A DB holds two
// database/sql pools on the file, and a connection of its own for
// checkpoints, which a goroutine runs every 100ms so that no COMMIT waits for
// one (checkpoint.go):
//
//   - the writer: one connection; Write transactions begin with BEGIN
//     IMMEDIATE, so they are serialized (within the process by the pool,
//     across processes by SQLite's write lock) and never fail half-way on a
//     lock upgrade. Lock is therefore a no-op. A Write that waits gives up
//     when its context ends; one that fails with SQLITE_BUSY (another process
//     kept the lock past the busy timeout) is retried a few times.
//     Concurrent Writes share transactions (group commit, group.go): each
//     fn runs in a savepoint of the open transaction, one COMMIT ends the
//     batch, and each Write returns after the COMMIT that holds its work.
//   - the readers: several connections with query_only set. A Read
//     transaction sees the snapshot taken at its first statement and never
//     waits for the writer, nor the writer for it.
//
// Queue semantics: a job is held while its owner is set, and its lease (as
// every lease of the store) expired once lease_until < now. EnqueueJob
// coalesces only with jobs no worker holds, since a running job may have
// read the state before the change the new job carries; RescheduleJob drops
// the job instead when such a waiting twin exists. ClaimJobs is one UPDATE
// in the write transaction, so no two claimers get the same job.
//
// Statements are prepared once per connection at Open (see query in tx.go)
// and bound to each transaction.
package sqlite
