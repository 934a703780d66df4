CREATE TABLE t (id integer PRIMARY KEY, code text);
INSERT INTO t VALUES (1, '42');
