CREATE EXTENSION hstore VERSION '1.7';
CREATE TABLE t (id integer PRIMARY KEY, h hstore);
