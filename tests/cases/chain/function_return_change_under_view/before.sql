CREATE TABLE t (id integer PRIMARY KEY, a integer);
CREATE FUNCTION f() RETURNS bigint LANGUAGE sql AS $$ SELECT sum(a) FROM public.t $$;
CREATE VIEW v AS SELECT public.f() AS s;
