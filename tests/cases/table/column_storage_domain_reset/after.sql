CREATE DOMAIN d AS text;
CREATE TABLE t (id integer PRIMARY KEY, a d);
