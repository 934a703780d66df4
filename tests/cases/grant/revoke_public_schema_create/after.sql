CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
