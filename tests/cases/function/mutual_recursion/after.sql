SET check_function_bodies = false;
CREATE FUNCTION is_even(n integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN n = 0 THEN true ELSE public.is_odd(n - 1) END $$;
CREATE FUNCTION is_odd(n integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN n = 0 THEN false ELSE public.is_even(n - 1) END $$;
