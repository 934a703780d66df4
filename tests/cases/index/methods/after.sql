CREATE TABLE t (id integer PRIMARY KEY, a text, b integer, c timestamptz, d jsonb, e tsvector);
CREATE INDEX t_e ON t USING gin (e);
CREATE INDEX t_c_brin ON t USING brin (c) WITH (pages_per_range = 32);
CREATE INDEX t_a_hash ON t USING hash (a);
