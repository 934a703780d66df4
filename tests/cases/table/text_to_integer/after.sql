CREATE TABLE t (id integer PRIMARY KEY, code integer);
INSERT INTO t VALUES (1, 42);
