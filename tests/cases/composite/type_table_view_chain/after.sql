CREATE TYPE pair AS (a integer, b text);
CREATE TABLE t (id integer PRIMARY KEY, p pair);
CREATE VIEW v AS SELECT id, (p).a FROM t;
