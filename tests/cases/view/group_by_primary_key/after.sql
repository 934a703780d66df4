CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
CREATE VIEW v AS SELECT t.id, t.a, count(*) OVER () AS total FROM t GROUP BY t.id;
