CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
INSERT INTO t SELECT g, 'v' || g, g FROM generate_series(1, 100) g;
