CREATE TABLE t (id integer PRIMARY KEY, balance numeric CHECK (balance >= 0));
