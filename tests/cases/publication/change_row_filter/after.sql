CREATE TABLE t (id integer PRIMARY KEY, a text, n integer);
CREATE PUBLICATION pub FOR TABLE t (id, a, n) WHERE (n > 0 AND a IN ('x', 'y'));
