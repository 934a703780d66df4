CREATE TABLE t (id integer PRIMARY KEY, a text);
INSERT INTO t VALUES (1, 'A');
