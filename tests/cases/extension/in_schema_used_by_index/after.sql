CREATE SCHEMA extensions;
CREATE EXTENSION pg_trgm SCHEMA extensions;
CREATE TABLE t (id integer PRIMARY KEY, a text);
CREATE INDEX t_a_trgm ON t USING gin (a extensions.gin_trgm_ops);
