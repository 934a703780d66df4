CREATE TABLE t (id integer PRIMARY KEY, b integer);
CREATE INDEX t_b ON t (b);
COMMENT ON INDEX t_b IS 'by b';
