CREATE TABLE limits (max_qty integer);
CREATE FUNCTION max_qty() RETURNS integer LANGUAGE sql STABLE AS $$ SELECT coalesce(max(max_qty), 100) FROM public.limits $$;
CREATE TABLE t (id integer PRIMARY KEY, qty integer CHECK (qty <= public.max_qty()));
INSERT INTO t VALUES (1, 5);
