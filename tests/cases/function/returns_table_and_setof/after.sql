CREATE TABLE t (id integer PRIMARY KEY, a text);
CREATE FUNCTION rows_of(n integer) RETURNS TABLE (id integer, a text) LANGUAGE sql STABLE AS $$ SELECT id, a FROM public.t WHERE id > n $$;
CREATE FUNCTION all_t() RETURNS SETOF t LANGUAGE sql STABLE ROWS 50 AS $$ SELECT * FROM public.t $$;
