CREATE TABLE t (id integer PRIMARY KEY, a integer);
CREATE FUNCTION f() RETURNS numeric LANGUAGE sql AS $$ SELECT sum(a)::numeric FROM public.t $$;
CREATE VIEW v AS SELECT public.f() AS s;
