CREATE FUNCTION f("json_table" text, "merge" integer, "select" boolean) RETURNS text LANGUAGE sql AS $$ SELECT "json_table" $$;
