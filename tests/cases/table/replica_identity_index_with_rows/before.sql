CREATE TABLE t (id integer PRIMARY KEY, a text NOT NULL, b integer NOT NULL);
INSERT INTO t SELECT g, 'a' || g, g FROM generate_series(1, 50) g;
