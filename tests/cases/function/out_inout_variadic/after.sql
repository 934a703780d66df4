CREATE FUNCTION f(INOUT a integer, OUT b text, VARIADIC rest integer[] DEFAULT ARRAY[]::integer[]) LANGUAGE sql AS $$ SELECT a, a::text $$;
