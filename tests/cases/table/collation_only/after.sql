CREATE TABLE t (id integer PRIMARY KEY, name text COLLATE "C");
INSERT INTO t VALUES (1, 'b');
