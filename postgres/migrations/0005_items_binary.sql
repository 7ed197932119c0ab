-- 0005: configuration items in the binary form of internal/itemcodec.
--
-- configuration_items.body held each item as JSON text with the
-- configuration (itself JSON) escaped inside it as a string, so that every
-- read re-parsed and unescaped the whole item. The item column holds the
-- same fields in a length-prefixed framing where the configuration and the
-- supplementary configuration values are their raw bytes; reading it parses
-- no JSON.
--
-- The Go step of this migration (convertItemsToBinary in items_codec.go)
-- then converts every row with configd's own decoder of the old form, makes
-- item NOT NULL and drops body, in the same transaction.

ALTER TABLE configuration_items ADD COLUMN item bytea;
