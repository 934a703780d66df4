CREATE TABLE t (id integer PRIMARY KEY, n numeric, v varchar(10)[]);
