CREATE FUNCTION f() RETURNS integer LANGUAGE sql SET work_mem = '64MB' SET statement_timeout = '5s' AS $$ SELECT 1 $$;
