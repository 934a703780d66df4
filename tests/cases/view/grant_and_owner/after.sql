CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
CREATE VIEW v AS SELECT id, a FROM t;
GRANT SELECT ON v TO acc_reader;
ALTER VIEW v OWNER TO acc_owner;
