CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
INSERT INTO t SELECT g, 'v' || g, g FROM generate_series(1, 100) g;
CREATE INDEX t_lower_a ON t (lower(a));
ALTER INDEX t_lower_a ALTER COLUMN 1 SET STATISTICS 300;
