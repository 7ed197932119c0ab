// Package postgres is configd's store for deployments of several configd
// processes on one PostgreSQL database: a configd.Store through pgx
// (github.com/jackc/pgx/v5) and its connection pool. Every piece of state
// lives in the database, so any process can serve any request, and the
// promises of the store (the per-resource remediation guard, job claims,
// leases) hold across processes because the database enforces them.
//
// # Schema
//
// The schema is created and upgraded by the numbered files in migrations/,
// embedded in the binary and applied at Open in one transaction that first
// takes an advisory lock (pg_advisory_xact_lock on a hash of the schema's
// name): processes starting together wait for each other, and all but the
// first find the work done. schema_migrations records the applied versions;
// a database whose version is higher than the newest migration this build
// knows is refused. The tables live in the first schema of the connection's
// search_path (a search_path parameter in the URL selects another).
//
// Tables mirror the SQLite store's (see migrations/ for each one's comment):
// every scoped table leads its primary key with (account_id, region); key
// columns use the "C" collation, so that names sort by bytes as in Go and
// in SQLite; timestamps are bigint epoch milliseconds; structs that no query
// looks into are JSON text in a body column (codec.go names their fields),
// except configuration items, kept in the binary form of internal/itemcodec
// (column item), so that reading one parses no JSON.
// Sequence numbers (configuration items, jobs) come from identity columns
// and are never reused.
//
// Compliance counts (CountCompliance) come from compliance_counts plus
// compliance_deltas, not from the millions of evaluation_results rows:
// statement triggers on evaluation_results append each statement's changes
// as deltas in the writer's transaction (no writer updates a shared counter
// row, so writers never wait for each other there), and a short background
// transaction folds deltas into the counters every few dozen writes
// (counts.go). The sum is exact in every snapshot.
//
// # Transactions
//
// Read runs a READ ONLY, REPEATABLE READ transaction: a snapshot taken at
// its first statement, which never waits for writers nor makes them wait.
//
// Write runs a READ COMMITTED transaction. Concurrent Writes run side by
// side, each statement seeing what was committed before it; every
// read-check-write sequence is serialized by one of:
//
//   - Tx.Lock(scope, name): pg_advisory_xact_lock on a 64-bit FNV hash of
//     the scope and name, held until the transaction ends; callers lock the
//     key whose state they read before deciding what to write;
//   - an advisory lock of the store's own: AppendItem locks the resource it
//     appends to, so the inventory counts move once per change;
//   - a constraint with ON CONFLICT: the per-resource remediation guard (the
//     unique partial index remediation_executions_active over active
//     executions), job coalescing (jobs_pending_key), SetMetaIfAbsent,
//     AcquireLease (an upsert whose WHERE is checked on the locked row);
//   - FOR UPDATE SKIP LOCKED: ClaimJobs and ClaimExecutions lock the rows
//     they hand out, and concurrent claims, in any process, skip them.
//
// A transaction the database aborts with a serialization failure (40001) or
// a deadlock (40P01) is rolled back and run again by Write, fn included, up
// to five times with a short random backoff. A transaction that could not
// begin because its pooled connection was dead is begun again on another.
//
// # Connection loss
//
// While the database cannot be reached (connection refused or reset, the
// server shutting down, too many connections), every Read, Write, Ping and
// Tx method fails with a *configd.Error whose code is ServiceUnavailable and
// whose Cause is the driver's error; AWS SDKs retry that code. The pool
// drops dead connections (idle ones are pinged before use) and dials new
// ones, so work resumes by itself when the server is back. A commit
// interrupted by the loss of its connection has an unknown outcome: it is
// reported as ServiceUnavailable like any other, and a retry may find it
// applied; the guard and job coalescing make such retries harmless.
package postgres
