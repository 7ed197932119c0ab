-- 0003: counts of evaluation results by (rule, resource type, compliance
-- type), so that CountCompliance reads a few rows, not millions.
--
-- Writers never update a shared counter row (that would serialize every
-- transaction writing results of one rule, and deadlock those that write
-- several): triggers on evaluation_results append the changes of each
-- statement to compliance_deltas, in the writer's transaction. Readers add
-- compliance_counts and compliance_deltas up, which is exact in any
-- snapshot. Now and then a short transaction (DB.rollup) moves deltas into
-- compliance_counts.

CREATE TABLE compliance_counts (
	account_id      text COLLATE "C" NOT NULL,
	region          text COLLATE "C" NOT NULL,
	rule_name       text COLLATE "C" NOT NULL,
	resource_type   text COLLATE "C" NOT NULL,
	compliance_type text COLLATE "C" NOT NULL,
	n               bigint NOT NULL,
	PRIMARY KEY (account_id, region, rule_name, resource_type, compliance_type)
);

CREATE TABLE compliance_deltas (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	account_id      text COLLATE "C" NOT NULL,
	region          text COLLATE "C" NOT NULL,
	rule_name       text COLLATE "C" NOT NULL,
	resource_type   text COLLATE "C" NOT NULL,
	compliance_type text COLLATE "C" NOT NULL,
	n               bigint NOT NULL
);

CREATE INDEX compliance_deltas_by_scope ON compliance_deltas (account_id, region);

-- The results there were before (old_rows) count -1, those after (new_rows)
-- +1, summed per key; a statement that changes no compliance adds nothing.
CREATE FUNCTION compliance_deltas_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO compliance_deltas (account_id, region, rule_name, resource_type, compliance_type, n)
	SELECT account_id, region, rule_name, resource_type, compliance_type, count(*)
	FROM new_rows GROUP BY 1, 2, 3, 4, 5;
	RETURN NULL;
END $$;

CREATE FUNCTION compliance_deltas_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO compliance_deltas (account_id, region, rule_name, resource_type, compliance_type, n)
	SELECT account_id, region, rule_name, resource_type, compliance_type, -count(*)
	FROM old_rows GROUP BY 1, 2, 3, 4, 5;
	RETURN NULL;
END $$;

CREATE FUNCTION compliance_deltas_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO compliance_deltas (account_id, region, rule_name, resource_type, compliance_type, n)
	SELECT account_id, region, rule_name, resource_type, compliance_type, sum(n)
	FROM (SELECT account_id, region, rule_name, resource_type, compliance_type, -1 AS n FROM old_rows
		UNION ALL
		SELECT account_id, region, rule_name, resource_type, compliance_type, 1 FROM new_rows) c
	GROUP BY 1, 2, 3, 4, 5
	HAVING sum(n) <> 0;
	RETURN NULL;
END $$;

CREATE TRIGGER evaluation_results_count_insert AFTER INSERT ON evaluation_results
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION compliance_deltas_insert();
CREATE TRIGGER evaluation_results_count_delete AFTER DELETE ON evaluation_results
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION compliance_deltas_delete();
CREATE TRIGGER evaluation_results_count_update AFTER UPDATE ON evaluation_results
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION compliance_deltas_update();

-- Count what is there already.
INSERT INTO compliance_counts (account_id, region, rule_name, resource_type, compliance_type, n)
SELECT account_id, region, rule_name, resource_type, compliance_type, count(*)
FROM evaluation_results GROUP BY 1, 2, 3, 4, 5;
