CREATE TABLE t (id integer PRIMARY KEY, a integer, b integer, CONSTRAINT a_lt_b CHECK (a < b) NO INHERIT);
