CREATE TABLE t (id integer PRIMARY KEY, updated_at timestamptz);
CREATE VIEW v AS SELECT id FROM t;
