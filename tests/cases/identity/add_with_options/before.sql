CREATE TABLE t (id bigint PRIMARY KEY, a text);
INSERT INTO t VALUES (1, 'x'), (500, 'y');
