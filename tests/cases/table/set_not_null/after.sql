CREATE TABLE t (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO t VALUES (1, 'a');
