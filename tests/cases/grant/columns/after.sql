CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
GRANT SELECT (id, a), UPDATE (a) ON t TO acc_reader;
