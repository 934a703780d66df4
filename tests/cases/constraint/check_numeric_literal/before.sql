CREATE TABLE t (id integer PRIMARY KEY, balance numeric);
