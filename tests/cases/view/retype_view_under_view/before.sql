CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
CREATE VIEW v1 AS SELECT id, a FROM t;
CREATE VIEW v2 AS SELECT id, a FROM v1;
