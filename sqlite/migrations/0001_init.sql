-- 0001: the initial schema of configd's SQLite store.
--
-- Every scoped table carries (account_id, region) as the leading columns of
-- its primary key, so a lookup or a range scan never leaves one scope.
-- Timestamps are INTEGER epoch milliseconds (UTC); domain structs that no
-- query looks into are stored as JSON text in a "body" column.

-- meta holds process-wide key/value pairs (e.g. an instance id). It is not
-- scoped and Reset keeps it.
CREATE TABLE meta (
	key   TEXT NOT NULL PRIMARY KEY,
	value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE recorders (
	account_id TEXT NOT NULL,
	region     TEXT NOT NULL,
	name       TEXT NOT NULL,
	body       TEXT NOT NULL,
	PRIMARY KEY (account_id, region, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE delivery_channels (
	account_id TEXT NOT NULL,
	region     TEXT NOT NULL,
	name       TEXT NOT NULL,
	body       TEXT NOT NULL,
	PRIMARY KEY (account_id, region, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE retention_configurations (
	account_id TEXT NOT NULL,
	region     TEXT NOT NULL,
	name       TEXT NOT NULL,
	body       TEXT NOT NULL,
	PRIMARY KEY (account_id, region, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE tags (
	account_id TEXT NOT NULL,
	region     TEXT NOT NULL,
	arn        TEXT NOT NULL,
	key        TEXT NOT NULL,
	value      TEXT NOT NULL,
	PRIMARY KEY (account_id, region, arn, key)
) STRICT, WITHOUT ROWID;

-- configuration_items is the history: one row per version of a resource.
-- seq is AUTOINCREMENT so that a number is never handed out twice, not even
-- after Reset or after the newest rows were pruned; it orders a resource's
-- history and is the pagination cursor.
CREATE TABLE configuration_items (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	account_id    TEXT    NOT NULL,
	region        TEXT    NOT NULL,
	resource_type TEXT    NOT NULL,
	resource_id   TEXT    NOT NULL,
	capture_time  INTEGER NOT NULL,
	body          TEXT    NOT NULL
) STRICT;

-- History of one resource in seq order; capture_time is in the index so that
-- time bounds are checked without reading the row.
CREATE INDEX configuration_items_by_resource
	ON configuration_items (account_id, region, resource_type, resource_id, seq, capture_time);

-- Candidates for PruneHistory.
CREATE INDEX configuration_items_by_capture
	ON configuration_items (account_id, region, capture_time);

-- resources is the inventory: one row per resource, pointing at its newest
-- configuration item. deletion_time is NULL while the resource exists.
CREATE TABLE resources (
	account_id    TEXT    NOT NULL,
	region        TEXT    NOT NULL,
	resource_type TEXT    NOT NULL,
	resource_id   TEXT    NOT NULL,
	resource_name TEXT    NOT NULL,
	latest_seq    INTEGER NOT NULL,
	deletion_time INTEGER,
	PRIMARY KEY (account_id, region, resource_type, resource_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX resources_by_name
	ON resources (account_id, region, resource_type, resource_name, resource_id);

-- resource_types has one row per resource type that has ever had a resource
-- in the scope, with the number of resources not deleted. It makes
-- CountResources and Scopes independent of the size of the inventory.
CREATE TABLE resource_types (
	account_id    TEXT    NOT NULL,
	region        TEXT    NOT NULL,
	resource_type TEXT    NOT NULL,
	live_count    INTEGER NOT NULL,
	PRIMARY KEY (account_id, region, resource_type)
) STRICT, WITHOUT ROWID;
