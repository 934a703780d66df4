CREATE TABLE t (id integer, a text);
INSERT INTO t VALUES (1, 'x');
