-- 0004: documents, the Config objects configd keeps whole as JSON (stored
-- queries, configuration aggregators, aggregation authorizations, pending
-- aggregation requests, conformance packs). A name is unique per kind and
-- scope; updated_at is epoch milliseconds.
CREATE TABLE documents (
	account_id text COLLATE "C" NOT NULL,
	region     text COLLATE "C" NOT NULL,
	kind       text COLLATE "C" NOT NULL,
	name       text COLLATE "C" NOT NULL,
	arn        text NOT NULL,
	body       text NOT NULL,
	updated_at bigint NOT NULL,
	PRIMARY KEY (account_id, region, kind, name)
);

-- ListDocumentsAllScopes reads one kind across scopes.
CREATE INDEX documents_kind ON documents (kind, account_id, region, name);
