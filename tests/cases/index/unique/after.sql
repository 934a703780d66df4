CREATE TABLE t (id integer PRIMARY KEY, a text, b integer, c timestamptz, d jsonb, e tsvector);
CREATE UNIQUE INDEX t_a_b_key ON t (a, b);
