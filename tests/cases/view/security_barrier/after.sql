CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
CREATE VIEW v WITH (security_barrier) AS SELECT id, a FROM t WHERE b > 0;
