-- 0001: the initial schema of configd's PostgreSQL store: metadata, the
-- Config resources of the recorder, and configuration items.
--
-- Every scoped table leads its primary key with (account_id, region), so a
-- lookup or a range scan never leaves one scope. Key columns use the "C"
-- collation: names sort by bytes, as in Go and in the SQLite store, whatever
-- the database's locale, and pagination cursors compare the same way.
-- Timestamps are bigint epoch milliseconds (UTC), as AWS Config's API keeps
-- them; domain structs that no query looks into are JSON text in "body".

-- meta holds process-wide key/value pairs (e.g. an instance id). It is not
-- scoped and Reset keeps it.
CREATE TABLE meta (
	key   text COLLATE "C" PRIMARY KEY,
	value text NOT NULL
);

CREATE TABLE recorders (
	account_id text COLLATE "C" NOT NULL,
	region     text COLLATE "C" NOT NULL,
	name       text COLLATE "C" NOT NULL,
	body       text NOT NULL,
	PRIMARY KEY (account_id, region, name)
);

CREATE TABLE delivery_channels (
	account_id text COLLATE "C" NOT NULL,
	region     text COLLATE "C" NOT NULL,
	name       text COLLATE "C" NOT NULL,
	body       text NOT NULL,
	PRIMARY KEY (account_id, region, name)
);

CREATE TABLE retention_configurations (
	account_id text COLLATE "C" NOT NULL,
	region     text COLLATE "C" NOT NULL,
	name       text COLLATE "C" NOT NULL,
	body       text NOT NULL,
	PRIMARY KEY (account_id, region, name)
);

CREATE TABLE tags (
	account_id text COLLATE "C" NOT NULL,
	region     text COLLATE "C" NOT NULL,
	arn        text COLLATE "C" NOT NULL,
	key        text COLLATE "C" NOT NULL,
	value      text NOT NULL,
	PRIMARY KEY (account_id, region, arn, key)
);

-- configuration_items is the history: one row per version of a resource.
-- seq comes from an identity sequence, so a number is never handed out
-- twice (not after Reset, not after pruning); it orders a resource's history
-- and is the pagination cursor. AppendItem holds a lock on the resource
-- while it appends, so within one resource seq follows commit order.
CREATE TABLE configuration_items (
	seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	account_id    text COLLATE "C" NOT NULL,
	region        text COLLATE "C" NOT NULL,
	resource_type text COLLATE "C" NOT NULL,
	resource_id   text COLLATE "C" NOT NULL,
	capture_time  bigint NOT NULL,
	body          text NOT NULL
);

-- History of one resource in seq order, with the capture time in the index
-- so that time bounds are checked without reading the row.
CREATE INDEX configuration_items_by_resource
	ON configuration_items (account_id, region, resource_type, resource_id, seq) INCLUDE (capture_time);

-- Candidates for PruneHistory.
CREATE INDEX configuration_items_by_capture
	ON configuration_items (account_id, region, capture_time);

-- resources is the inventory: one row per resource, pointing at its newest
-- configuration item. deletion_time is NULL while the resource exists.
CREATE TABLE resources (
	account_id    text COLLATE "C" NOT NULL,
	region        text COLLATE "C" NOT NULL,
	resource_type text COLLATE "C" NOT NULL,
	resource_id   text COLLATE "C" NOT NULL,
	resource_name text COLLATE "C" NOT NULL,
	latest_seq    bigint NOT NULL,
	deletion_time bigint,
	PRIMARY KEY (account_id, region, resource_type, resource_id)
);

CREATE INDEX resources_by_name
	ON resources (account_id, region, resource_type, resource_name, resource_id);

-- resource_types has one row per resource type that has ever had a resource
-- in the scope, with the number of resources not deleted, so that
-- CountResources and Scopes read a few rows whatever the inventory's size.
CREATE TABLE resource_types (
	account_id    text COLLATE "C" NOT NULL,
	region        text COLLATE "C" NOT NULL,
	resource_type text COLLATE "C" NOT NULL,
	live_count    bigint NOT NULL,
	PRIMARY KEY (account_id, region, resource_type)
);
