-- 0003: documents, the Config objects configd keeps whole as JSON (stored
-- queries, configuration aggregators, aggregation authorizations, pending
-- aggregation requests, conformance packs). A name is unique per kind and
-- scope; updated_at is epoch milliseconds.
CREATE TABLE documents (
	account_id TEXT    NOT NULL,
	region     TEXT    NOT NULL,
	kind       TEXT    NOT NULL,
	name       TEXT    NOT NULL,
	arn        TEXT    NOT NULL,
	body       TEXT    NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (account_id, region, kind, name)
) STRICT, WITHOUT ROWID;

-- ListDocumentsAllScopes reads one kind across scopes.
CREATE INDEX documents_kind ON documents (kind, account_id, region, name);
