CREATE FUNCTION f("json" text, format integer) RETURNS text LANGUAGE sql AS $$ SELECT "json" $$;
