CREATE FUNCTION pairs() RETURNS TABLE ("json" text, "json_table" integer) LANGUAGE sql AS $$ SELECT 'a', 1 $$;
