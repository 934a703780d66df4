CREATE TABLE t (id integer PRIMARY KEY, a text);
CREATE FUNCTION fa(t) RETURNS text LANGUAGE sql AS $$ SELECT $1.a $$;
