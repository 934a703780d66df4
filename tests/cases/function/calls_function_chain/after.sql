CREATE FUNCTION inner_f(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;
CREATE FUNCTION outer_f(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT public.inner_f(x) + 1 $$;
CREATE FUNCTION a_first(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT public.outer_f(x) $$;
