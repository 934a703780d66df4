CREATE TABLE t (id integer PRIMARY KEY, status text DEFAULT 'open');
