CREATE TABLE t (id integer PRIMARY KEY, a text, secret text);
CREATE PUBLICATION pub FOR TABLE t (id, a) WHERE (a IS NOT NULL);
