CREATE TABLE t (a integer PRIMARY KEY, b text, c text, CONSTRAINT t_b_c_key UNIQUE (b) INCLUDE (c));
