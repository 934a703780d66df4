CREATE TABLE t (id integer PRIMARY KEY, status text CHECK (status IN ('a', 'b', 'c')));
