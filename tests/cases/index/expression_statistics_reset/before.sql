CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
CREATE INDEX t_lower_a ON t (lower(a));
ALTER INDEX t_lower_a ALTER COLUMN 1 SET STATISTICS 300;
