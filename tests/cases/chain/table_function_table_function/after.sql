CREATE TABLE a (id integer PRIMARY KEY);
CREATE FUNCTION a_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM public.a $$;
CREATE TABLE b (id integer PRIMARY KEY, n bigint DEFAULT public.a_count());
CREATE FUNCTION b_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM public.b $$;
CREATE VIEW both_counts AS SELECT public.a_count() AS a, public.b_count() AS b;
