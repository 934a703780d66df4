CREATE TABLE t (id integer PRIMARY KEY, old_col text);
