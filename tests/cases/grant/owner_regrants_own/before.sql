CREATE TABLE t (id integer PRIMARY KEY);
REVOKE ALL ON t FROM postgres;
GRANT SELECT ON t TO postgres;
