CREATE TABLE t (id integer PRIMARY KEY, a text, b text);
COMMENT ON CONSTRAINT t_pkey ON t IS 'the key';
