CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
GRANT CREATE ON SCHEMA public TO PUBLIC;
