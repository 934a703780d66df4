CREATE TABLE t (id integer PRIMARY KEY, a text);
INSERT INTO t VALUES (1, 'x'), (2, 'y'), (7, 'z');
