CREATE TABLE t (id integer PRIMARY KEY, a integer, b integer);
CREATE STATISTICS t_ab (dependencies) ON a, b FROM t;
