CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
CREATE MATERIALIZED VIEW mv AS SELECT b, count(*) AS n, max(a) AS top FROM t GROUP BY b;
