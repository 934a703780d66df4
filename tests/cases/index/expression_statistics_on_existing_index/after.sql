CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
CREATE INDEX t_lower_a ON t (lower(a), (b + 1));
ALTER INDEX t_lower_a ALTER COLUMN 2 SET STATISTICS 50;
