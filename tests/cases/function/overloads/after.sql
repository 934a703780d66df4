CREATE FUNCTION f(a integer) RETURNS integer LANGUAGE sql AS $$ SELECT a $$;
CREATE FUNCTION f(a text) RETURNS text LANGUAGE sql AS $$ SELECT a $$;
CREATE FUNCTION f(a integer, b integer) RETURNS integer LANGUAGE sql AS $$ SELECT a + b $$;
