CREATE FUNCTION is_even(x integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT x % 2 = 0 $$;
CREATE DOMAIN even AS integer CHECK (public.is_even(VALUE));
