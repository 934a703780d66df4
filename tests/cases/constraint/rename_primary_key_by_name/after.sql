CREATE TABLE t (a integer, b integer, CONSTRAINT t_pk PRIMARY KEY (a));
