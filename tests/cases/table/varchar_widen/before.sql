CREATE TABLE t (id integer PRIMARY KEY, name varchar(20));
INSERT INTO t VALUES (1, 'x');
