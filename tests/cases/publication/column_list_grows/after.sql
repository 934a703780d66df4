CREATE TABLE t (id integer PRIMARY KEY, a text, b text);
CREATE PUBLICATION pub FOR TABLE t (b, id);
