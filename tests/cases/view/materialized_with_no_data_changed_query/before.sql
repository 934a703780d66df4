CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
INSERT INTO t VALUES (1, 'x', 10), (2, 'y', 20);
CREATE MATERIALIZED VIEW mv AS SELECT b FROM t;
