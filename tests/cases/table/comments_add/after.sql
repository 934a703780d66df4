CREATE TABLE t (id integer PRIMARY KEY);
COMMENT ON TABLE t IS 'the things';
COMMENT ON COLUMN t.id IS 'their id';
