CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
CREATE VIEW v AS SELECT id, a FROM t;
COMMENT ON VIEW v IS 'a view';
COMMENT ON COLUMN v.a IS 'its a';
