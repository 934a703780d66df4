CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
GRANT SELECT ON t TO acc_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON t TO acc_writer;
