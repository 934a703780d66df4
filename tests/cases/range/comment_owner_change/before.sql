CREATE TYPE floatrange AS RANGE (subtype = float8);
COMMENT ON TYPE floatrange IS 'old';
CREATE TABLE t (id integer PRIMARY KEY, r floatrange);
INSERT INTO t VALUES (1, '[1,2)');
