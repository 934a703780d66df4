CREATE TABLE t (id integer PRIMARY KEY, amount numeric(20,6));
INSERT INTO t VALUES (1, 5.5);
