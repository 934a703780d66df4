CREATE TABLE t (id integer PRIMARY KEY, a bigint);
CREATE MATERIALIZED VIEW mv AS SELECT a, count(*) AS n FROM t GROUP BY a;
CREATE INDEX mv_a ON mv (a);
