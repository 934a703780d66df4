CREATE TABLE t (id integer PRIMARY KEY, a text, b integer, c timestamptz, d jsonb, e tsvector);
CREATE INDEX t_sorted ON t (b DESC NULLS LAST, c ASC NULLS FIRST);
