CREATE TABLE t (id integer PRIMARY KEY, a text, b integer, c timestamptz, d jsonb, e tsvector);
CREATE INDEX t_b ON t (b) WITH (fillfactor = 80, deduplicate_items = off);
