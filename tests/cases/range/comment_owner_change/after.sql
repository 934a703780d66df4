CREATE TYPE floatrange AS RANGE (subtype = float8);
COMMENT ON TYPE floatrange IS 'new';
ALTER TYPE floatrange OWNER TO acc_owner;
GRANT USAGE ON TYPE floatrange TO acc_reader;
CREATE TABLE t (id integer PRIMARY KEY, r floatrange);
INSERT INTO t VALUES (1, '[1,2)');
