CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
REVOKE ALL ON t FROM postgres;
GRANT SELECT ON t TO postgres;
