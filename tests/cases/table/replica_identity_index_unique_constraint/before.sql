CREATE TABLE t (id integer PRIMARY KEY, a text NOT NULL, b integer NOT NULL);
