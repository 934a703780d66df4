CREATE TABLE t (id serial PRIMARY KEY, a text);
INSERT INTO t (a) VALUES ('x'), ('y');
