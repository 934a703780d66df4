CREATE TABLE t (id integer PRIMARY KEY, a text, b jsonb);
INSERT INTO t SELECT g, repeat('x', 3000) || g, '{"k": 1}' FROM generate_series(1, 20) g;
ALTER TABLE t ALTER COLUMN a SET STORAGE EXTERNAL;
ALTER TABLE t ALTER COLUMN b SET STORAGE MAIN;
