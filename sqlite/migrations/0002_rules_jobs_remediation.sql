-- 0002: Config rules and their evaluation results, the durable job queue and
-- named leases, and remediation (configurations, exceptions, executions).
--
-- Conventions as in 0001: scoped tables lead their keys with
-- (account_id, region), timestamps are INTEGER epoch milliseconds (UTC), and
-- structs no query looks into are JSON text in "body".

CREATE TABLE config_rules (
	account_id TEXT NOT NULL,
	region     TEXT NOT NULL,
	name       TEXT NOT NULL,
	body       TEXT NOT NULL,
	PRIMARY KEY (account_id, region, name)
) STRICT, WITHOUT ROWID;

-- rule_status holds one row per rule whose status was ever set. next_run is
-- RuleStatus.NextScheduledRun (NULL when not periodic), a column so that
-- DueRules reads the due rules of every scope from one small index.
CREATE TABLE rule_status (
	account_id TEXT    NOT NULL,
	region     TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	next_run   INTEGER,
	body       TEXT    NOT NULL,
	PRIMARY KEY (account_id, region, name)
) STRICT, WITHOUT ROWID;

CREATE INDEX rule_status_due ON rule_status (next_run, account_id, region, name)
	WHERE next_run IS NOT NULL;

-- evaluation_results keeps the latest result of each (rule, resource). It is
-- the biggest table of the store (rules x resources, millions of rows), so
-- every listing walks an index in the order it returns:
--   - the primary key: the results of one rule in (type, id) order;
--   - by_compliance: the results of one rule with one compliance type, in
--     (type, id) order (GetComplianceDetailsByConfigRule with a filter);
--   - by_resource: the results of one resource, whatever the rule.
CREATE TABLE evaluation_results (
	account_id      TEXT NOT NULL,
	region          TEXT NOT NULL,
	rule_name       TEXT NOT NULL,
	resource_type   TEXT NOT NULL,
	resource_id     TEXT NOT NULL,
	compliance_type TEXT NOT NULL,
	body            TEXT NOT NULL,
	PRIMARY KEY (account_id, region, rule_name, resource_type, resource_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX evaluation_results_by_compliance
	ON evaluation_results (account_id, region, rule_name, compliance_type, resource_type, resource_id);

CREATE INDEX evaluation_results_by_resource
	ON evaluation_results (account_id, region, resource_id, resource_type, rule_name);

-- compliance_counts is the number of evaluation_results rows per (rule,
-- resource type, compliance type), kept up to date by the statements that
-- write evaluation_results, so that counting compliance and finding the rules
-- that have results read a few rows, not millions. Rows whose n fell to 0
-- may stay; readers ignore them.
CREATE TABLE compliance_counts (
	account_id      TEXT    NOT NULL,
	region          TEXT    NOT NULL,
	rule_name       TEXT    NOT NULL,
	resource_type   TEXT    NOT NULL,
	compliance_type TEXT    NOT NULL,
	n               INTEGER NOT NULL,
	PRIMARY KEY (account_id, region, rule_name, resource_type, compliance_type)
) STRICT, WITHOUT ROWID;

-- jobs is the durable queue. owner and lease_until are NULL while a job is
-- not leased. id is AUTOINCREMENT so that an id is never reused: a worker
-- that lost its lease can never complete another job by mistake.
CREATE TABLE jobs (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	kind        TEXT    NOT NULL,
	account_id  TEXT    NOT NULL,
	region      TEXT    NOT NULL,
	key         TEXT    NOT NULL,
	payload     TEXT    NOT NULL,
	run_at      INTEGER NOT NULL,
	attempt     INTEGER NOT NULL,
	owner       TEXT,
	lease_until INTEGER,
	last_error  TEXT    NOT NULL,
	created_at  INTEGER NOT NULL
) STRICT;

-- Coalescing: at most one job per (kind, scope, key) that is waiting, that
-- is not leased. A job a worker holds is left out: the change a new job
-- carries may be newer than what the running job read.
CREATE UNIQUE INDEX jobs_coalesce ON jobs (kind, account_id, region, key)
	WHERE key <> '' AND owner IS NULL;

-- ClaimJobs walks the jobs of a kind in run_at order.
CREATE INDEX jobs_ready ON jobs (kind, run_at, id);

-- CountJobs of one scope.
CREATE INDEX jobs_by_scope ON jobs (account_id, region, kind);

-- leases are the named leases of leader duties; not scoped, kept by Reset.
CREATE TABLE leases (
	name        TEXT    NOT NULL PRIMARY KEY,
	owner       TEXT    NOT NULL,
	lease_until INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE remediation_configurations (
	account_id TEXT NOT NULL,
	region     TEXT NOT NULL,
	rule_name  TEXT NOT NULL,
	body       TEXT NOT NULL,
	PRIMARY KEY (account_id, region, rule_name)
) STRICT, WITHOUT ROWID;

-- expiration_time is NULL for exceptions that never expire.
CREATE TABLE remediation_exceptions (
	account_id      TEXT    NOT NULL,
	region          TEXT    NOT NULL,
	rule_name       TEXT    NOT NULL,
	resource_type   TEXT    NOT NULL,
	resource_id     TEXT    NOT NULL,
	expiration_time INTEGER,
	body            TEXT    NOT NULL,
	PRIMARY KEY (account_id, region, rule_name, resource_type, resource_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX remediation_exceptions_expiry ON remediation_exceptions (expiration_time)
	WHERE expiration_time IS NOT NULL;

-- remediation_executions keeps every execution; seq orders them (newest
-- highest). state, run_at, owner and lease_until are columns because the
-- claim and the guard look at them; the rest is in body.
CREATE TABLE remediation_executions (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id    TEXT    NOT NULL,
	region        TEXT    NOT NULL,
	id            TEXT    NOT NULL,
	rule_name     TEXT    NOT NULL,
	resource_type TEXT    NOT NULL,
	resource_id   TEXT    NOT NULL,
	state         TEXT    NOT NULL,
	run_at        INTEGER NOT NULL,
	owner         TEXT,
	lease_until   INTEGER,
	updated_at    INTEGER NOT NULL,
	body          TEXT    NOT NULL
) STRICT;

CREATE UNIQUE INDEX remediation_executions_by_id
	ON remediation_executions (account_id, region, id);

-- The per-resource guard: at most one QUEUED or IN_PROGRESS execution per
-- (scope, rule, resource). The database enforces it, so it holds whatever
-- the number of processes writing.
CREATE UNIQUE INDEX remediation_executions_active
	ON remediation_executions (account_id, region, rule_name, resource_type, resource_id)
	WHERE state IN ('QUEUED', 'IN_PROGRESS');

-- History and latest execution of a resource.
CREATE INDEX remediation_executions_by_resource
	ON remediation_executions (account_id, region, rule_name, resource_type, resource_id, seq);

-- ClaimExecutions walks the active executions of every scope in run_at order.
CREATE INDEX remediation_executions_claim
	ON remediation_executions (run_at, seq)
	WHERE state IN ('QUEUED', 'IN_PROGRESS');
