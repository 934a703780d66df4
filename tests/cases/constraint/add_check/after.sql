CREATE TABLE t (id integer PRIMARY KEY, qty integer CHECK (qty > 0));
INSERT INTO t VALUES (1, 3);
