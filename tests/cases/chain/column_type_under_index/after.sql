CREATE TABLE t (id integer PRIMARY KEY, a bigint);
CREATE INDEX t_a ON t (a) WHERE a > 0;
