CREATE TABLE t (id integer PRIMARY KEY, a text NOT NULL, b integer NOT NULL);
INSERT INTO t SELECT g, 'a' || g, g FROM generate_series(1, 50) g;
CREATE UNIQUE INDEX t_a_key ON t (a);
ALTER TABLE t REPLICA IDENTITY USING INDEX t_a_key;
