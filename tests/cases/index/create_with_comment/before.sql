CREATE TABLE t (id integer PRIMARY KEY, b integer);
