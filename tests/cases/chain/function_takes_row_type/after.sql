CREATE TABLE t (id integer PRIMARY KEY, a text, b text);
CREATE FUNCTION fa(t) RETURNS text LANGUAGE sql AS $$ SELECT $1.a || $1.b $$;
