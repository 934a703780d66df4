CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE DOMAIN ci_text AS text COLLATE ci;
CREATE TABLE t (id integer PRIMARY KEY, name text, email ci_text);
CREATE INDEX t_name_ci ON t (name COLLATE ci);
