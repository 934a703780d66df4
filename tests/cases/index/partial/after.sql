CREATE TABLE t (id integer PRIMARY KEY, a text, b integer, c timestamptz, d jsonb, e tsvector);
CREATE INDEX t_active ON t (c) WHERE b > 0 AND a IS NOT NULL;
