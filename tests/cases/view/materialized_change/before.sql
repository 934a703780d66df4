CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
CREATE MATERIALIZED VIEW mv AS SELECT b, count(*) AS n FROM t GROUP BY b;
