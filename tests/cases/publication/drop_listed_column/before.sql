CREATE TABLE t (id integer PRIMARY KEY, b text, a text);
INSERT INTO t VALUES (1, 'y', 'x');
CREATE PUBLICATION pub FOR TABLE t (id, a) WHERE (a IS NOT NULL);
