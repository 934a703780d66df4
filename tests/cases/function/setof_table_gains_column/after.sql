CREATE TABLE t (id integer PRIMARY KEY, a text, b integer);
CREATE FUNCTION f() RETURNS SETOF t LANGUAGE sql AS $$ SELECT * FROM public.t $$;
