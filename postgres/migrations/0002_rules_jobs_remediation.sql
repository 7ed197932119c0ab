-- 0002: Config rules and their evaluation results, the durable job queue
-- and leader leases, and remediation (configurations, exceptions,
-- executions with the per-resource guard).

-- config_rules holds each rule as JSON text.
CREATE TABLE config_rules (
	account_id text COLLATE "C" NOT NULL,
	region     text COLLATE "C" NOT NULL,
	name       text COLLATE "C" NOT NULL,
	body       text NOT NULL,
	PRIMARY KEY (account_id, region, name)
);

-- rule_statuses holds the evaluation status of a rule; next_run is its
-- NextScheduledRun (NULL: not periodic), which DueRules scans across scopes.
CREATE TABLE rule_statuses (
	account_id text COLLATE "C" NOT NULL,
	region     text COLLATE "C" NOT NULL,
	name       text COLLATE "C" NOT NULL,
	next_run   bigint,
	body       text NOT NULL,
	PRIMARY KEY (account_id, region, name)
);

CREATE INDEX rule_statuses_due ON rule_statuses (next_run) WHERE next_run IS NOT NULL;

-- evaluation_results keeps the latest result of each rule on each resource.
-- The primary key serves listings in (rule, type, id) order and counts by
-- rule; the second index serves a resource's results and counts by type.
CREATE TABLE evaluation_results (
	account_id        text COLLATE "C" NOT NULL,
	region            text COLLATE "C" NOT NULL,
	rule_name         text COLLATE "C" NOT NULL,
	resource_type     text COLLATE "C" NOT NULL,
	resource_id       text COLLATE "C" NOT NULL,
	compliance_type   text COLLATE "C" NOT NULL,
	evaluation_mode   text NOT NULL,
	annotation        text NOT NULL,
	recorded_time     bigint,
	invoked_time      bigint,
	ordering_time     bigint,
	result_token      text NOT NULL,
	PRIMARY KEY (account_id, region, rule_name, resource_type, resource_id)
);

CREATE INDEX evaluation_results_by_resource
	ON evaluation_results (account_id, region, resource_type, resource_id, rule_name) INCLUDE (compliance_type);

-- jobs is the durable queue. owner is '' while no worker holds the job.
-- A pending job (not held) with a non-empty key is unique per kind and
-- scope: EnqueueJob coalesces into it. A job held by a worker does not
-- coalesce, because the change a new job carries may be newer than what
-- the worker read.
CREATE TABLE jobs (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind        text COLLATE "C" NOT NULL,
	account_id  text COLLATE "C" NOT NULL,
	region      text COLLATE "C" NOT NULL,
	key         text COLLATE "C" NOT NULL,
	payload     text NOT NULL,
	run_at      bigint NOT NULL,
	attempt     integer NOT NULL DEFAULT 0,
	owner       text NOT NULL DEFAULT '',
	lease_until bigint,
	last_error  text NOT NULL DEFAULT '',
	created_at  bigint
);

CREATE UNIQUE INDEX jobs_pending_key ON jobs (kind, account_id, region, key) WHERE key <> '' AND owner = '';
CREATE INDEX jobs_by_run_at ON jobs (kind, run_at, id);
CREATE INDEX jobs_by_scope ON jobs (account_id, region, kind);

-- leases are the named leases of leader duties; not scoped, kept by Reset.
CREATE TABLE leases (
	name        text COLLATE "C" PRIMARY KEY,
	owner       text NOT NULL,
	lease_until bigint NOT NULL
);

CREATE TABLE remediation_configurations (
	account_id text COLLATE "C" NOT NULL,
	region     text COLLATE "C" NOT NULL,
	rule_name  text COLLATE "C" NOT NULL,
	body       text NOT NULL,
	PRIMARY KEY (account_id, region, rule_name)
);

CREATE TABLE remediation_exceptions (
	account_id      text COLLATE "C" NOT NULL,
	region          text COLLATE "C" NOT NULL,
	rule_name       text COLLATE "C" NOT NULL,
	resource_type   text COLLATE "C" NOT NULL,
	resource_id     text COLLATE "C" NOT NULL,
	message         text NOT NULL,
	expiration_time bigint,
	PRIMARY KEY (account_id, region, rule_name, resource_type, resource_id)
);

CREATE INDEX remediation_exceptions_expiry
	ON remediation_exceptions (expiration_time) WHERE expiration_time IS NOT NULL;

-- remediation_executions keeps every execution; seq orders them (newest
-- highest) and is the claim's tie-break.
CREATE TABLE remediation_executions (
	account_id        text COLLATE "C" NOT NULL,
	region            text COLLATE "C" NOT NULL,
	id                text COLLATE "C" NOT NULL,
	seq               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
	rule_name         text COLLATE "C" NOT NULL,
	resource_type     text COLLATE "C" NOT NULL,
	resource_id       text COLLATE "C" NOT NULL,
	state             text NOT NULL,
	steps             text NOT NULL,
	invocation_time   bigint,
	last_updated_time bigint,
	automatic         boolean NOT NULL,
	attempt           integer NOT NULL,
	run_at            bigint,
	owner             text NOT NULL,
	lease_until       bigint,
	PRIMARY KEY (account_id, region, id)
);

-- The per-resource guard: at most one QUEUED or IN_PROGRESS execution of a
-- rule on a resource. The database enforces it, so it holds across every
-- configd process on the database; InsertExecution names it as the arbiter
-- of its ON CONFLICT clause.
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
