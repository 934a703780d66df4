CREATE TABLE t (id integer PRIMARY KEY, a text);
CREATE VIEW v AS SELECT * FROM t;
GRANT SELECT (id) ON v TO acc_reader;
