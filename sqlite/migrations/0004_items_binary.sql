-- 0004: configuration items in the binary form of internal/itemcodec.
--
-- configuration_items.body held each item as JSON text with the
-- configuration (itself JSON) escaped inside it as a string, so that every
-- read re-parsed and unescaped the whole item. The item column holds the
-- same fields in a length-prefixed framing where the configuration and the
-- supplementary configuration values are their raw bytes; reading it parses
-- no JSON. Existing rows are converted by configd_item_from_json, a function
-- of configd's own (registered by the sqlite package, items_codec.go) that
-- decodes the old JSON and encodes the new form.
--
-- item has a default only because SQLite adds a NOT NULL column to existing
-- rows that way; every row is converted below and AppendItem always sets it.

ALTER TABLE configuration_items ADD COLUMN item BLOB NOT NULL DEFAULT x'';

UPDATE configuration_items SET item = configd_item_from_json(seq, body);

ALTER TABLE configuration_items DROP COLUMN body;
