CREATE FUNCTION f(val integer) RETURNS integer LANGUAGE sql AS $$ SELECT val $$;
