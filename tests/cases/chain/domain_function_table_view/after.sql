CREATE FUNCTION valid_code(c text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT c ~ '^[A-Z]{3}$' $$;
CREATE DOMAIN code AS text CHECK (public.valid_code(VALUE));
CREATE TABLE t (id integer PRIMARY KEY, c code);
CREATE VIEW v AS SELECT c FROM t;
