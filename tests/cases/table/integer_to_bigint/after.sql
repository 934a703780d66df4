CREATE TABLE t (id integer PRIMARY KEY, n bigint);
INSERT INTO t VALUES (1, 5);
