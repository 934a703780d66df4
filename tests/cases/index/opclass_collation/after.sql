CREATE TABLE t (id integer PRIMARY KEY, a text, b integer, c timestamptz, d jsonb, e tsvector);
CREATE INDEX t_a_pattern ON t (a text_pattern_ops);
CREATE INDEX t_a_c ON t (a COLLATE "C");
