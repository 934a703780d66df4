CREATE TABLE t (id integer PRIMARY KEY, a text COMPRESSION pglz);
