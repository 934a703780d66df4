CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
CREATE VIEW v WITH (security_invoker = true) AS SELECT id, a FROM t;
