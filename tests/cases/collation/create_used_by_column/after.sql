CREATE COLLATION german (provider = icu, locale = 'de-DE');
CREATE TABLE t (id integer PRIMARY KEY, name text COLLATE german);
