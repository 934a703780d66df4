CREATE TABLE t (id integer PRIMARY KEY, amount numeric(18,6));
INSERT INTO t VALUES (1, 5.5);
