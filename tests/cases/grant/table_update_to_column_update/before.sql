CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
GRANT SELECT, UPDATE ON t TO acc_writer;
