CREATE FUNCTION f(x integer) RETURNS bigint LANGUAGE sql AS $$ SELECT x::bigint $$;
