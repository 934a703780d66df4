CREATE TABLE t (id integer PRIMARY KEY);
CREATE PUBLICATION pub FOR TABLE t WITH (publish = 'insert, update');
