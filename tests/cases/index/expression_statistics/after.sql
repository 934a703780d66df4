CREATE TABLE t (id integer PRIMARY KEY, a text, b integer, c timestamptz, d jsonb, e tsvector);
CREATE INDEX t_lower_a_stats ON t (lower(a));
ALTER INDEX t_lower_a_stats ALTER COLUMN 1 SET STATISTICS 300;
